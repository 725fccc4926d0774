/**
 * Everything that happens to one input item: settings, NIK, image, the API call with retries,
 * and the shape of the result. It never throws: every failure comes back as an outcome, so one
 * bad item cannot take the others down.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readReply, type BiometricData } from './apiResponse';
import { localFailure, type Failure } from './failure';
import { readImage } from './imageInput';
import { readItemSettings, type ItemSettings } from './itemSettings';
import { maskNik, validateNik } from './nik';
import { toOutputJson } from './result';
import { withRetries, type AttemptResult } from './retry';
import { postBiometric } from './transport';

export interface ExecutionPlan {
	baseUrl: string;
	isCancelled: () => boolean;
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
		failure,
		attempts: 0,
		identityId,
	});

	let faceImage: string;
	try {
		const image = await readImage(context, item, itemIndex, settings);
		if (!image.ok) return failWithoutRequest(image.failure);
		faceImage = image.bytes.toString('base64');
	} catch (error) {
		return failWithoutRequest(
			localFailure(
				'missing_image',
				`The binary data could not be read: ${error instanceof Error ? error.message : String(error)}`,
				'Check the step that produced the selfie, and that n8n can read its binary data storage.',
			),
		);
	}

	let lastRaw: IDataObject | undefined;
	const { result, attempts } = await withRetries<{ data: BiometricData; raw: IDataObject }>(
		async (): Promise<AttemptResult<{ data: BiometricData; raw: IDataObject }>> => {
			const posted = await postBiometric(
				context,
				plan.baseUrl,
				{ identityId: nik.nik, faceImage },
				settings.timeoutMs,
				plan.isCancelled,
			);
			if (!posted.ok) return posted;
			const reply = readReply(posted.reply);
			lastRaw = reply.raw;
			return reply.ok ? { ok: true, value: { data: reply.data, raw: reply.raw } } : reply;
		},
		{ maxRetries: settings.maxRetries, isCancelled: plan.isCancelled },
	);

	const raw = settings.includeRawResponse ? maskRaw(lastRaw, settings) : undefined;
	if (!result.ok) return { ok: false, failure: result.failure, attempts, identityId, raw };
	return {
		ok: true,
		json: toOutputJson(result.value.data, {
			threshold: settings.similarityThreshold,
			identityId,
			raw,
		}),
		binary: settings.keepBinary ? item.binary : undefined,
	};
}

/** The NIK as the user gave it, for the error item; never throws, whatever the value. */
function displayRawNik(value: unknown, mask: boolean): string | null {
	if (value === undefined || value === null) return null;
	let text: string;
	try {
		text = typeof value === 'object' ? JSON.stringify(value) : String(value);
	} catch {
		// Circular objects and symbols cannot be written out: say what it was instead.
		text = `[${typeof value}]`;
	}
	return mask ? maskNik(text) : text;
}

/** Kredibel echoes the NIK in its answer: masking must reach the raw copy too. */
function maskRaw(raw: IDataObject | undefined, settings: ItemSettings): IDataObject | undefined {
	if (raw === undefined || !settings.maskIdentityId) return raw;
	const copy = JSON.parse(JSON.stringify(raw)) as IDataObject;
	const data = copy.data as IDataObject | undefined;
	if (data && typeof data.identityId === 'string') data.identityId = maskNik(data.identityId);
	return copy;
}
