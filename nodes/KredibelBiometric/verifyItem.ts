/**
 * Everything that happens to one input item: settings, NIK, image, the API call with retries
 * (shared with the other items, runs and executions for the same applicant), and the shape of
 * the result. It never throws: every failure comes back as an outcome, so one bad item cannot
 * take the others down. `checkItem` is the part that needs no request, run for every item
 * before the first request when the workflow stops on error.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	type Answer,
	type BiometricData,
	postBiometric,
	readReply,
	toOutputJson,
} from './kredibel';
import { type AttemptResult, cutText, type Failure, localFailure, withRetries } from './common';
import { checkImageLink, readImage } from './image';
import type { PhotoChanges } from './photo';
import { readItemSettings, type ItemSettings } from './itemSettings';
import { applicantKey, type Obtained, type VerificationLedger } from './reuse';
import { redactNik } from './masking';
import { maskNik, validateNik } from './nik';

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
			/** True when the failure is another item's, run's or execution's answer. */
			reused?: boolean;
	  };

type Checked =
	| {
			ok: true;
			settings: ItemSettings;
			nik: string;
			identityId: string;
			image?: Buffer;
			/** What Prepare Photo changed (null: nothing); undefined when not prepared. */
			photo?: PhotoChanges | null;
	  }
	| { ok: false; outcome: ItemOutcome };

const HOURS = 3_600_000;

/**
 * Settings, NIK and image, before anything goes to Kredibel. `purpose` 'check' (the stop-on-error
 * pre-pass) makes no download (for Image URL only the address is checked) and reads only a
 * photo's header; 'send' reads or downloads the image and prepares the photo to be sent.
 */
export async function checkItem(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	isCancelled: () => boolean,
	purpose: 'send' | 'check' = 'check',
): Promise<Checked> {
	const fail = (failure: Failure, identityId: string | null): Checked => ({
		ok: false,
		outcome: { ok: false, failure, attempts: 0, identityId },
	});
	const read = readItemSettings(context, itemIndex);
	if (!read.ok) return fail(read.failure, null);
	const { settings } = read;

	const nik = validateNik(settings.identityId, settings.nikValidation);
	if (!nik.ok) {
		return fail(
			localFailure('invalid_identity_id', nik.reason, nik.hint),
			displayRawNik(settings.identityId, settings.maskIdentityId),
		);
	}
	const identityId = settings.maskIdentityId ? maskNik(nik.nik) : nik.nik;
	if (settings.imageSource === 'url' && purpose === 'check') {
		// No download before the first request: only what the link itself shows.
		const refused = checkImageLink(context, settings);
		if (refused) return fail(maskFailure(refused, settings, nik.nik), identityId);
		return { ok: true, settings, nik: nik.nik, identityId };
	}
	try {
		const image = await readImage(context, item, itemIndex, settings, isCancelled, purpose);
		if (!image.ok) return fail(maskFailure(image.failure, settings, nik.nik), identityId);
		return { ok: true, settings, nik: nik.nik, identityId, image: image.bytes, photo: image.photo };
	} catch (error) {
		return fail(unreadableBinary(error), identityId);
	}
}

export async function verifyItem(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	plan: ExecutionPlan,
): Promise<ItemOutcome> {
	const checked = await checkItem(context, item, itemIndex, plan.isCancelled, 'send');
	if (!checked.ok) return checked.outcome;
	const { settings, nik, identityId, image, photo } = checked;
	if (image === undefined) {
		// checkItem reads (and for Image URL downloads) every image it is asked to send.
		throw new Error('No image was read for an item to send');
	}

	const faceImage = image.toString('base64');
	const key = applicantKey(nik, image) + (plan.dedupe ? '' : `:item ${itemIndex}`);
	const obtained = await plan.ledger.obtain(
		key,
		{
			// Without Dedupe every item is its own request: nothing is reused across executions.
			reuseWindowMs: plan.dedupe ? settings.reuseWindowHours * HOURS : 0,
			keepRaw: settings.includeRawResponse,
		},
		async () => await callKredibel(context, plan, nik, faceImage, settings),
	);
	return renderAnswer(obtained, item, settings, nik, identityId, photo);
}

function unreadableBinary(error: unknown): Failure {
	return localFailure(
		'missing_image',
		`The binary data could not be read: ${cutText(error instanceof Error ? error.message : String(error), 200)}`,
		'Check the step that produced the selfie, and that n8n can read its binary data storage.',
	);
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
function renderAnswer(
	obtained: Obtained,
	item: INodeExecutionData,
	settings: ItemSettings,
	nik: string,
	identityId: string,
	photo: PhotoChanges | null | undefined,
): ItemOutcome {
	if (obtained.kind === 'duplicate') {
		return { ok: false, failure: duplicateFailure(obtained.windowMs), attempts: 0, identityId };
	}
	const { answer, reused } = obtained;
	const raw = settings.includeRawResponse ? answer.raw : undefined;
	if (!answer.result.ok) {
		const { failure } = answer.result;
		return {
			ok: false,
			// What this item cost: nothing, when another item, run or execution paid for the answer.
			failure: maskFailure(reused ? reusedFailure(failure) : failure, settings, nik),
			attempts: answer.attempts,
			identityId,
			raw: raw === undefined || !settings.maskIdentityId ? raw : redactNik(raw, nik),
			reused,
		};
	}
	const json = toOutputJson(answer.result.data, {
		threshold: settings.similarityThreshold,
		identityId,
		raw,
		charged: !reused,
		reused,
	});
	// What Prepare Photo did to the selfie sent for this item, for an audit (null: sent as it was).
	if (photo !== undefined) json.photo = photo === null ? null : { ...photo };
	return {
		ok: true,
		json: settings.maskIdentityId ? redactNik(json, nik) : json,
		binary: settings.keepBinary ? item.binary : undefined,
	};
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

/** Mask NIK reaches Kredibel's messages, validation errors and the node's own, not just identityId. */
function maskFailure(failure: Failure, settings: ItemSettings, nik: string): Failure {
	return settings.maskIdentityId ? redactNik(failure, nik) : failure;
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
