/**
 * Everything that happens to one input item: settings, NIK, image, the API call with retries
 * (shared with the other items for the same applicant), and the shape of the result. It never
 * throws: every failure comes back as an outcome, so one bad item cannot take the others down.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readReply, type BiometricData } from './apiResponse';
import { cutText } from './echo';
import { localFailure, type Failure } from './failure';
import { readImage } from './imageInput';
import { readItemSettings, type ItemSettings } from './itemSettings';
import { applicantKey, type Answer, type VerificationLedger } from './ledger';
import { redactNik } from './masking';
import { maskNik, validateNik } from './nik';
import { toOutputJson } from './result';
import { withRetries, type AttemptResult } from './retry';
import { postBiometric } from './transport';

export interface ExecutionPlan {
	baseUrl: string;
	isCancelled: () => boolean;
	ledger: VerificationLedger;
	/** Items for the same applicant share one request. */
	dedupe: boolean;
}

export type ItemOutcome =
	| { ok: true; json: IDataObject; binary?: INodeExecutionData['binary'] }
	| {
			ok: false;
			failure: Failure;
			attempts: number;
			/** The NIK as it may appear in the error item (masked when asked to), or null. */
			identityId: string | null;
			raw?: IDataObject;
	  };

export async function verifyItem(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	plan: ExecutionPlan,
): Promise<ItemOutcome> {
	const read = readItemSettings(context, itemIndex);
	if (!read.ok) return { ok: false, failure: read.failure, attempts: 0, identityId: null };
	const { settings } = read;

	const nik = validateNik(settings.identityId, settings.nikValidation);
	if (!nik.ok) {
		return {
			ok: false,
			failure: localFailure('invalid_identity_id', nik.reason, nik.hint),
			attempts: 0,
			identityId: displayRawNik(settings.identityId, settings.maskIdentityId),
		};
	}
	const identityId = settings.maskIdentityId ? maskNik(nik.nik) : nik.nik;
	const failWithoutRequest = (failure: Failure): ItemOutcome => ({
		ok: false,
		// An image URL or a download error can hold the NIK too.
		failure: settings.maskIdentityId ? redactNik(failure, nik.nik) : failure,
		attempts: 0,
		identityId,
	});

	let image: Buffer;
	try {
		const read = await readImage(context, item, itemIndex, settings, plan.isCancelled);
		if (!read.ok) return failWithoutRequest(read.failure);
		image = read.bytes;
	} catch (error) {
		return failWithoutRequest(
			localFailure(
				'missing_image',
				`The binary data could not be read: ${cutText(error instanceof Error ? error.message : String(error), 200)}`,
				'Check the step that produced the selfie, and that n8n can read its binary data storage.',
			),
		);
	}

	const key = applicantKey(nik.nik, image) + (plan.dedupe ? '' : `:item ${itemIndex}`);
	const answer = await plan.ledger.obtain(key, async () =>
		callKredibel(context, plan, nik.nik, image.toString('base64'), settings),
	);
	return renderAnswer(answer, item, settings, nik.nik, identityId);
}

/** One applicant's call, with the node's own retries. Never throws. */
async function callKredibel(
	context: IExecuteFunctions,
	plan: ExecutionPlan,
	nik: string,
	faceImage: string,
	settings: ItemSettings,
): Promise<Answer> {
	let lastRaw: IDataObject | undefined;
	const { result, attempts } = await withRetries<BiometricData>(
		async (): Promise<AttemptResult<BiometricData>> => {
			const posted = await postBiometric(
				context,
				plan.baseUrl,
				{ identityId: nik, faceImage },
				settings.timeoutMs,
				plan.isCancelled,
			);
			if (!posted.ok) return posted;
			const reply = readReply(posted.reply, nik);
			lastRaw = reply.raw;
			return reply.ok ? { ok: true, value: reply.data } : reply;
		},
		{ maxRetries: settings.maxRetries, isCancelled: plan.isCancelled },
	);
	return { result: result.ok ? { ok: true, data: result.value } : result, attempts, raw: lastRaw };
}

/** The item's outcome from the applicant's answer, with this item's own settings. */
function renderAnswer(
	answer: Answer,
	item: INodeExecutionData,
	settings: ItemSettings,
	nik: string,
	identityId: string,
): ItemOutcome {
	const raw = settings.includeRawResponse ? answer.raw : undefined;
	const outcome: ItemOutcome = answer.result.ok
		? {
				ok: true,
				json: toOutputJson(answer.result.data, {
					threshold: settings.similarityThreshold,
					identityId,
					raw,
				}),
				binary: settings.keepBinary ? item.binary : undefined,
			}
		: { ok: false, failure: answer.result.failure, attempts: answer.attempts, identityId, raw };
	return settings.maskIdentityId ? maskOutcome(outcome, nik) : outcome;
}

/** Mask NIK reaches Kredibel's messages, validation errors and raw answer, not just identityId. */
function maskOutcome(outcome: ItemOutcome, nik: string): ItemOutcome {
	if (outcome.ok) return { ...outcome, json: redactNik(outcome.json, nik) };
	return {
		...outcome,
		failure: redactNik(outcome.failure, nik),
		raw: outcome.raw === undefined ? undefined : redactNik(outcome.raw, nik),
	};
}

/** The NIK as the user gave it, for the error item: short text only, masked when asked to. */
function displayRawNik(value: unknown, mask: boolean): string | null {
	if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
		// An object or list may hold anything, up to the selfie itself: it is not copied.
		return null;
	}
	const text = cutText(String(value), 32);
	return mask ? maskNik(text) : text;
}
