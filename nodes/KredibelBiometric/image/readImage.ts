/**
 * Gets the selfie's bytes for one item, from a binary property, a base64 field or a URL, and checks
 * them locally. Binary data is read through n8n's helpers so that it works in every binary data
 * mode (memory, filesystem, database, S3) and in queue mode. With Prepare Photo on, a JPEG or PNG
 * then goes through photo/preparePhoto.ts (upright, no metadata, within Max Image Size), which
 * yields to n8n's event loop as it works and stops when the execution is cancelled.
 */
import { sleep, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { readBinaryImage } from './binaryInput';
import { type Failure, localFailure, quoteValue, withRetries } from '../common';
import {
	checkImageBytes,
	decodeBase64Image,
	type ImageHints,
	PREPARED_HINTS,
	sniffImageFormat,
	unwrapSvgPhoto,
} from './imageBytes';
import { checkImageAddress, downloadImage } from './imageDownload';
import type { ItemSettings } from '../itemSettings';
import {
	checkPhotoHeader,
	MAX_INPUT_BYTES,
	type PhotoChanges,
	PhotoError,
	preparePhoto,
} from '../photo';
import {
	isToolMode,
	TOOL_DOWNLOAD_FAILED_HINT,
	TOOL_DOWNLOAD_FAILED_REASON,
	toolClock,
	waitForToolFailureTime,
} from '../toolMode';

/**
 * The download has a timeout of its own: the Timeout option is about Kredibel, which waits for the
 * civil registry, while an image host either serves a selfie within seconds or is not going to.
 */
export const IMAGE_DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * The photo step gives the event loop back (n8n's editor and webhooks run beside it outside queue
 * mode) whenever this much time has passed since it last did.
 */
const YIELD_EVERY_MS = 20;

/**
 * For Image URL, what can be known of the link without a connection (scheme, private address),
 * answered to a model as any other failure of its link. Undefined: nothing wrong so far.
 */
export function checkImageLink(
	context: IExecuteFunctions,
	settings: ItemSettings,
): Failure | undefined {
	const address = checkImageAddress(settings.imageUrl, settings.allowPrivateAddresses);
	if (address.ok) return undefined;
	return answersToolWithoutReason(context, settings) ? toolDownloadFailure() : address.failure;
}

function toolDownloadFailure(): Failure {
	return localFailure(
		'image_download_failed',
		TOOL_DOWNLOAD_FAILED_REASON,
		TOOL_DOWNLOAD_FAILED_HINT,
	);
}

/**
 * `photo`: what Prepare Photo changed (null: sent byte for byte); absent when Prepare Photo is
 * off or only the header was checked. For an SVG, the bytes are those of the photo it wraps.
 */
export type ImageRead =
	| { ok: true; bytes: Buffer; photo?: PhotoChanges | null }
	| { ok: false; failure: Failure };

/**
 * `purpose`: 'send' reads and prepares the photo; 'check' (the stop-on-error pre-pass, which runs
 * for every item before the first request) reads the bytes and checks only the photo's header.
 */
export async function readImage(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	settings: ItemSettings,
	isCancelled: () => boolean,
	purpose: 'send' | 'check' = 'send',
): Promise<ImageRead> {
	const asTool = answersToolWithoutReason(context, settings);
	const startedAt = toolClock.now();
	// As a tool a failed link is not retried: retries would make a passing failure (a 503, a
	// refused connection) take longer than the others.
	const retries = asTool ? 0 : settings.maxRetries;
	const read = await readAndCheck(
		context,
		item,
		itemIndex,
		settings,
		isCancelled,
		purpose,
		retries,
	);
	if (read.ok || !asTool) return read;
	// The image came from a link the model chose: it learns that the image did not come, not why,
	// and not sooner for one reason than for another.
	await waitForToolFailureTime(startedAt);
	return { ok: false, failure: toolDownloadFailure() };
}

/** As a tool, with a link given: every failure of that link reads the same to the model. */
function answersToolWithoutReason(context: IExecuteFunctions, settings: ItemSettings): boolean {
	if (settings.imageSource !== 'url') return false;
	const url = settings.imageUrl;
	// An empty field is the model's own mistake, and says nothing about any network.
	if (url === undefined || url === null || (typeof url === 'string' && url.trim() === '')) {
		return false;
	}
	return typeof context.getNode === 'function' && isToolMode(context.getNode());
}

async function readAndCheck(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	settings: ItemSettings,
	isCancelled: () => boolean,
	purpose: 'send' | 'check',
	downloadRetries: number,
): Promise<ImageRead> {
	// With Prepare Photo on, a photo above Max Image Size is what the step is for: the input may
	// be up to MAX_INPUT_BYTES, and the prepared photo must then fit Max Image Size.
	const prepare = settings.preparePhoto;
	const inputLimit = prepare
		? Math.max(MAX_INPUT_BYTES, settings.maxImageBytes)
		: settings.maxImageBytes;
	const hints: ImageHints | undefined = prepare ? PREPARED_HINTS : undefined;
	let bytes: Buffer;
	if (settings.imageSource === 'base64') {
		const decoded = decodeBase64Image(settings.base64Image, inputLimit, hints);
		if (!decoded.ok) {
			const { errorType, reason, hint } = decoded.problem;
			return { ok: false, failure: localFailure(errorType, reason, hint) };
		}
		bytes = decoded.bytes;
	} else if (settings.imageSource === 'url') {
		// A failed download costs nothing, so the free, passing ones (refused, 5XX, timeout) are
		// retried like Kredibel's own, within Max Retries.
		const { result } = await withRetries<Buffer>(
			async () => {
				const downloaded = await downloadImage(context, settings.imageUrl, {
					maxBytes: inputLimit,
					timeoutMs: IMAGE_DOWNLOAD_TIMEOUT_MS,
					allowPrivateAddresses: settings.allowPrivateAddresses,
					tooLargeHint: hints?.tooLarge,
				});
				return downloaded.ok ? { ok: true, value: downloaded.bytes } : downloaded;
			},
			{ maxRetries: downloadRetries, isCancelled },
		);
		if (!result.ok) return result;
		bytes = result.value;
	} else {
		const missing = findMissingBinary(item, settings.binaryPropertyName);
		if (missing) return { ok: false, failure: missing };
		const binary = context.helpers.assertBinaryData(itemIndex, settings.binaryPropertyName);
		const read = await readBinaryImage(
			context,
			binary,
			itemIndex,
			settings.binaryPropertyName,
			inputLimit,
		);
		if (!read.ok) return read;
		bytes = read.bytes;
	}
	const checkpoint = yieldingCheckpoint(isCancelled);
	// An SVG is never sent: the photo it wraps goes on, checked and prepared as any other.
	if (sniffImageFormat(bytes) === 'svg') {
		let unwrapped: Awaited<ReturnType<typeof unwrapSvgPhoto>>;
		try {
			unwrapped = await unwrapSvgPhoto(bytes, inputLimit, checkpoint, hints);
		} catch (error) {
			// The checkpoint stops the scan when the execution is cancelled.
			const stopped =
				error instanceof PhotoError ? error : new PhotoError('corrupt', String(error));
			return { ok: false, failure: photoFailure(stopped) };
		}
		if (!unwrapped.ok) {
			const { errorType, reason, hint } = unwrapped.problem;
			return { ok: false, failure: localFailure(errorType, reason, hint) };
		}
		bytes = unwrapped.bytes;
	}
	if (!prepare) {
		const problem = checkImageBytes(bytes, settings.maxImageBytes);
		if (problem)
			return { ok: false, failure: localFailure(problem.errorType, problem.reason, problem.hint) };
		return { ok: true, bytes };
	}
	const problem = checkImageBytes(bytes, inputLimit, PREPARED_HINTS);
	if (problem)
		return { ok: false, failure: localFailure(problem.errorType, problem.reason, problem.hint) };
	if (purpose === 'check') {
		const headerProblem = checkPhotoHeader(bytes);
		return headerProblem
			? { ok: false, failure: photoFailure(headerProblem) }
			: { ok: true, bytes };
	}
	const prepared = await preparePhoto(bytes, { maxBytes: settings.maxImageBytes, checkpoint });
	if (!prepared.ok) return { ok: false, failure: photoFailure(prepared.error) };
	const sent =
		prepared.changes === null
			? bytes
			: Buffer.from(prepared.bytes.buffer, prepared.bytes.byteOffset, prepared.bytes.byteLength);
	return { ok: true, bytes: sent, photo: prepared.changes };
}

/**
 * Called by the photo code between units of work: stops it when the execution was cancelled, and
 * lets n8n's event loop run (timers, the editor, webhooks) every YIELD_EVERY_MS. `sleep` from
 * n8n-workflow is the sanctioned wait in a community node.
 */
function yieldingCheckpoint(isCancelled: () => boolean): () => Promise<void> {
	let lastYield = Date.now();
	return async () => {
		if (isCancelled()) throw new PhotoError('cancelled', 'The execution was cancelled');
		if (Date.now() - lastYield < YIELD_EVERY_MS) return;
		await sleep(0);
		lastYield = Date.now();
		if (isCancelled()) throw new PhotoError('cancelled', 'The execution was cancelled');
	};
}

/**
 * A photo that cannot be prepared fails its own item, before any request (free). A damaged file
 * is `unsupported_image_format` too: Kredibel could not read it either, and the table of error
 * types stays the one DESIGN.md documents; the reason says it is damaged.
 */
function photoFailure(error: PhotoError): Failure {
	switch (error.kind) {
		case 'cancelled':
			return localFailure(
				'cancelled',
				error.message,
				'The execution was stopped; run it again to verify this item.',
			);
		case 'too_large':
			return localFailure('image_too_large', error.message, PREPARED_HINTS.tooLarge);
		case 'unsupported':
			return localFailure(
				'unsupported_image_format',
				`The photo is of a kind the node cannot convert: ${error.message}`,
				PREPARED_HINTS.format,
			);
		default:
			return localFailure(
				'unsupported_image_format',
				`The photo is damaged and could not be read (${error.message})`,
				'Send the original file again: it was probably cut off or changed on the way (an upload, a copy of its base64 text).',
			);
	}
}

/** Says which binary properties the item does have, the usual cause being a renamed field. */
function findMissingBinary(item: INodeExecutionData, propertyName: string): Failure | undefined {
	if (propertyName === '') {
		return localFailure(
			'missing_image',
			'Input Binary Field is empty',
			'Set it to the name of the binary property that holds the selfie, usually "data". As an AI agent tool the node gets no binary data: set Image Source to URL or Base64.',
		);
	}
	if (item.binary?.[propertyName] !== undefined) return undefined;
	const available = Object.keys(item.binary ?? {});
	return localFailure(
		'missing_image',
		`The item has no binary property ${quoteValue(propertyName)}`,
		available.length > 0
			? `Binary properties on this item: ${available
					.slice(0, 10)
					.map((name) => quoteValue(name))
					.join(', ')}. Set Input Binary Field to the one holding the selfie.`
			: 'The item has no binary data at all. Check the step before this node (form upload, download), or switch Image Source to Base64.',
	);
}
