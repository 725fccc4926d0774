/**
 * Sends one prepared item: the API call with the node's own retries, shared with the other items,
 * runs and executions for the same applicant, and the item's outcome from the answer. It never
 * throws: every failure comes back as an outcome, so one bad item cannot take the others down.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	type Answer,
	type BiometricData,
	postBiometric,
	readReply,
	toOutputJson,
} from './kredibel';
import {
	type AttemptResult,
	type Failure,
	localFailure,
	type SendRequest,
	withRetries,
} from './common';
import type { ItemOutcome } from './itemOutcome';
import type { ItemSettings } from './itemSettings';
import type { PreparedItem } from './prepareItem';
import { applicantKey, type Obtained, type VerificationLedger } from './reuse';

/** What every item's request shares in one run of the node. */
export interface ExecutionPlan {
	baseUrl: string;
	/** n8n's authenticated request helper with the Kredibel credential. */
	send: SendRequest;
	isCancelled: () => boolean;
	ledger: VerificationLedger;
	/** Items for the same applicant share one request. */
	dedupe: boolean;
}

type ReadyItem = Extract<PreparedItem, { ok: true }>;

const HOURS = 3_600_000;

/**
 * `imageDigest`: the SHA-256 of `item.image` (reuse/ledger.ts `imageDigest`), which names the
 * applicant together with the NIK.
 */
export async function sendItem(
	item: ReadyItem,
	imageDigest: string,
	input: INodeExecutionData,
	itemIndex: number,
	plan: ExecutionPlan,
): Promise<ItemOutcome> {
	const { settings, sentNik } = item;
	const key = applicantKey(sentNik, imageDigest) + (plan.dedupe ? '' : `:item ${itemIndex}`);
	const obtained = await plan.ledger.obtain(
		key,
		{
			// Without Dedupe every item is its own request: nothing is reused across executions.
			reuseWindowMs: plan.dedupe ? settings.reuseWindowHours * HOURS : 0,
			keepRaw: settings.includeRawResponse,
		},
		async () => await callKredibel(plan, sentNik, item.image.toString('base64'), settings),
	);
	return renderAnswer(obtained, item, input);
}

/** One applicant's call, with the node's own retries. Never throws. */
async function callKredibel(
	plan: ExecutionPlan,
	sentNik: string,
	faceImage: string,
	settings: ItemSettings,
): Promise<Answer> {
	let lastRaw: IDataObject | undefined;
	const { result, attempts } = await withRetries<BiometricData>(
		async (): Promise<AttemptResult<BiometricData>> => {
			const posted = await postBiometric(
				plan.send,
				plan.baseUrl,
				{ identityId: sentNik, faceImage },
				settings.timeoutMs,
				plan.isCancelled,
			);
			if (!posted.ok) return posted;
			const reply = readReply(posted.reply, sentNik);
			lastRaw = reply.raw;
			return reply.ok ? { ok: true, value: reply.data } : reply;
		},
		{ maxRetries: settings.maxRetries, isCancelled: plan.isCancelled },
	);
	return { result: result.ok ? { ok: true, data: result.value } : result, attempts, raw: lastRaw };
}

/**
 * The failure for an applicant another execution sent within the window, whose answer this
 * process does not hold (another worker or `n8n execute` run got it).
 */
function duplicateFailure(windowMs: number): Failure {
	const hours = windowMs / HOURS;
	return localFailure(
		'duplicate_request',
		`This applicant (the same NIK and photo, on the same Kredibel account) was already sent to Kredibel by another execution within the last ${hours} hours, and that answer is not held by this n8n process; it was not sent again, so it is not charged`,
		"Find the verdict in that execution (n8n's Executions list). To send the applicant again anyway, set the option Reuse Window (Hours) to 0 for this run.",
	);
}

/** The item's outcome from the applicant's answer, with this item's own settings. */
function renderAnswer(obtained: Obtained, item: ReadyItem, input: INodeExecutionData): ItemOutcome {
	const { settings, nik } = item;
	if (obtained.kind === 'duplicate') {
		return { ok: false, failure: duplicateFailure(obtained.windowMs), attempts: 0, nik };
	}
	const { answer, reused } = obtained;
	const raw = settings.includeRawResponse ? answer.raw : undefined;
	if (!answer.result.ok) {
		const { failure } = answer.result;
		return {
			ok: false,
			// What this item cost: nothing, when another item, run or execution paid for the answer.
			failure: reused ? reusedFailure(failure) : failure,
			attempts: answer.attempts,
			nik,
			raw,
			reused,
		};
	}
	const json = toOutputJson(answer.result.data, {
		threshold: settings.similarityThreshold,
		shownNik: item.sentNik,
		raw,
		charged: !reused,
		reused,
	});
	// What Prepare Photo did to the selfie sent for this item, for an audit (null: sent as it was).
	if (item.photo !== undefined) json.photo = item.photo === null ? null : { ...item.photo };
	if (item.faceCheck !== undefined) json.faceCheck = { ...item.faceCheck };
	return { ok: true, json, binary: settings.keepBinary ? input.binary : undefined, nik };
}

/** Another request's failure, given to this item: it says so, and this item paid nothing. */
function reusedFailure(failure: Failure): Failure {
	const paid = failure.charged === false ? '' : ', so this item is not charged again';
	return {
		...failure,
		reason: `${failure.reason} (the answer of an earlier request for the same applicant${paid})`,
		charged: false,
	};
}
