/**
 * Gets the selfie's bytes for one item, from a binary property, a base64 field or a URL, and checks
 * them locally (present, JPEG or PNG, within the limit; an SVG gives the photo it wraps, never
 * itself). Binary data is read through n8n's
 * helpers so that it works in every binary data mode (memory, filesystem, database, S3) and in
 * queue mode. What happens to a photo next (Prepare Photo) is not this room's business: it says
 * which format the bytes are, and the per-item step (prepareItem.ts) takes it from there.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readBinaryImage, type StoredBinaryReaders } from './binaryInput';
import {
	cutText,
	type Failure,
	localFailure,
	quoteValue,
	type SendRequest,
	withRetries,
	yieldingCheckpoint,
} from '../common';
import {
	checkImageBytes,
	decodeBase64Image,
	type ImageFormat,
	type ImageHints,
	PREPARED_HINTS,
	sniffImageFormat,
	unwrapSvgPhoto,
} from './imageBytes';
import { checkImageAddress, downloadImage } from './imageDownload';
import { MAX_INPUT_BYTES } from '../photo';

export const IMAGE_SOURCES = ['binary', 'base64', 'url'] as const;

export type ImageSource = (typeof IMAGE_SOURCES)[number];

/** Which image an item names, and the limits it is read within: the node's parameters for it. */
export interface ImageRequest {
	imageSource: ImageSource;
	binaryPropertyName: string;
	base64Image: unknown;
	imageUrl: unknown;
	/** Max Image Size, in bytes: the limit for what is sent as it is. */
	maxImageBytes: number;
	/**
	 * Prepare Photo: a JPEG or PNG will be made to fit Max Image Size, so it may come in larger,
	 * up to the photo input limit, and messages say that the node shrinks photos itself.
	 */
	preparePhoto: boolean;
	/** For links: a failed download is free, so passing failures are retried this often. */
	maxRetries: number;
	allowPrivateAddresses: boolean;
}

/** n8n's binary helpers: the two every version has, and the stored-data readers n8nCompat found. */
export type BinaryHelpers = Pick<
	IExecuteFunctions['helpers'],
	'assertBinaryData' | 'getBinaryDataBuffer'
> &
	StoredBinaryReaders;

/** Where the items' images can come from, handed in by the node file. */
export interface ImageAccess {
	binary: BinaryHelpers;
	/** n8n's plain request helper, never the authenticated one: no credential reaches a link. */
	send: SendRequest;
	/** Fired when the execution is stopped. */
	cancelSignal?: AbortSignal;
	isCancelled: () => boolean;
}

/** The bytes of a JPEG or PNG photo, as read (an SVG's wrapped photo: an SVG is never sent). */
export type ImageRead =
	| { ok: true; bytes: Buffer; format: Exclude<ImageFormat, 'svg'> }
	| { ok: false; failure: Failure };

/**
 * The download has a timeout of its own: the Timeout option is about Kredibel, which waits for the
 * civil registry, while an image host either serves a selfie within seconds or is not going to.
 */
const IMAGE_DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * What can be known without reading anything: for Image URL the link itself (scheme, private
 * address), for a binary property that the item has it. Undefined: nothing wrong so far.
 */
export function checkImageSource(
	request: ImageRequest,
	item: INodeExecutionData,
): Failure | undefined {
	if (request.imageSource === 'binary') return findMissingBinary(item, request.binaryPropertyName);
	if (request.imageSource !== 'url') return undefined;
	const address = checkImageAddress(request.imageUrl, request.allowPrivateAddresses);
	return address.ok ? undefined : address.failure;
}

export async function readImage(
	request: ImageRequest,
	access: ImageAccess,
	item: INodeExecutionData,
	itemIndex: number,
): Promise<ImageRead> {
	// With Prepare Photo on, a photo above Max Image Size is what the step is for: the input may
	// be up to MAX_INPUT_BYTES, and the prepared photo must then fit Max Image Size.
	const prepare = request.preparePhoto;
	const inputLimit = prepare
		? Math.max(MAX_INPUT_BYTES, request.maxImageBytes)
		: request.maxImageBytes;
	const hints: ImageHints | undefined = prepare ? PREPARED_HINTS : undefined;
	const read = await readBytes(request, access, item, itemIndex, inputLimit, hints);
	if (!read.ok) return read;
	let { bytes } = read;
	if (sniffImageFormat(bytes) === 'svg') {
		// The SVG was read within the input limit; the photo it wraps is held to it again below.
		const unwrapped = await unwrapSvg(bytes, inputLimit, hints, access.isCancelled);
		if (!unwrapped.ok) return unwrapped;
		bytes = unwrapped.bytes;
	}
	const problem = checkImageBytes(bytes, inputLimit, hints);
	if (problem) return { ok: false, failure: asFailure(problem) };
	return { ok: true, bytes, format: sniffImageFormat(bytes) as 'jpeg' | 'png' };
}

function asFailure(problem: {
	errorType: Parameters<typeof localFailure>[0];
	reason: string;
	hint: string;
}): Failure {
	return localFailure(problem.errorType, problem.reason, problem.hint);
}

/** The photo an SVG wraps, scanned with turns of the event loop; an SVG itself is never sent. */
async function unwrapSvg(
	svg: Buffer,
	limit: number,
	hints: ImageHints | undefined,
	isCancelled: () => boolean,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; failure: Failure }> {
	return await withTurns(
		isCancelled,
		async (checkpoint) => await unwrapSvgPhoto(svg, limit, checkpoint, hints),
		(reason) =>
			localFailure(
				'unsupported_image_format',
				`The SVG could not be read: ${cutText(reason, 200)}`,
				'Upload the photo itself (JPEG or PNG) instead of an SVG.',
			),
	);
}

/**
 * Runs long local image work with a checkpoint that gives n8n's event loop its turns and stops
 * the work when the execution is cancelled; a problem the work reports becomes its Failure, and
 * anything it throws becomes `unexpected`.
 */
async function withTurns(
	isCancelled: () => boolean,
	work: (checkpoint: () => Promise<void>) => Promise<DecodedImage>,
	unexpected: (reason: string) => Failure,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; failure: Failure }> {
	const stopped = new Error('The execution was cancelled');
	let done: DecodedImage;
	try {
		done = await work(yieldingCheckpoint(isCancelled, () => stopped));
	} catch (error) {
		if (error !== stopped) {
			const reason = error instanceof Error ? error.message : String(error);
			return { ok: false, failure: unexpected(reason) };
		}
		return {
			ok: false,
			failure: localFailure(
				'cancelled',
				stopped.message,
				'The execution was stopped; run it again to verify this item.',
			),
		};
	}
	return done.ok ? done : { ok: false, failure: asFailure(done.problem) };
}

type DecodedImage = Awaited<ReturnType<typeof unwrapSvgPhoto>>;

async function readBytes(
	request: ImageRequest,
	access: ImageAccess,
	item: INodeExecutionData,
	itemIndex: number,
	inputLimit: number,
	hints: ImageHints | undefined,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; failure: Failure }> {
	if (request.imageSource === 'base64') {
		return await withTurns(
			access.isCancelled,
			async (checkpoint) =>
				await decodeBase64Image(request.base64Image, inputLimit, hints, checkpoint),
			(reason) =>
				localFailure(
					'invalid_base64_encoding',
					`The Base64 Image field could not be read: ${cutText(reason, 200)}`,
					'Pass the image as base64 text or a data:image/...;base64, URL, or use Image Source: Binary.',
				),
		);
	}
	if (request.imageSource === 'url') {
		// A failed download costs nothing, so the free, passing ones (refused, 5XX, timeout) are
		// retried like Kredibel's own, within Max Retries.
		const { result } = await withRetries<Buffer>(
			async () => {
				const downloaded = await downloadImage(access.send, request.imageUrl, {
					maxBytes: inputLimit,
					timeoutMs: IMAGE_DOWNLOAD_TIMEOUT_MS,
					allowPrivateAddresses: request.allowPrivateAddresses,
					tooLargeHint: hints?.tooLarge,
					cancelSignal: access.cancelSignal,
				});
				return downloaded.ok ? { ok: true, value: downloaded.bytes } : downloaded;
			},
			{ maxRetries: request.maxRetries, isCancelled: access.isCancelled },
		);
		return result.ok ? { ok: true, bytes: result.value } : result;
	}
	const missing = findMissingBinary(item, request.binaryPropertyName);
	if (missing) return { ok: false, failure: missing };
	try {
		const binary = access.binary.assertBinaryData(itemIndex, request.binaryPropertyName);
		return await readBinaryImage(
			access.binary,
			binary,
			itemIndex,
			request.binaryPropertyName,
			inputLimit,
		);
	} catch (error) {
		return { ok: false, failure: unreadableBinary(error) };
	}
}

function unreadableBinary(error: unknown): Failure {
	const reason = error instanceof Error ? error.message : String(error);
	return localFailure(
		'missing_image',
		`The binary data could not be read: ${cutText(reason, 200)}`,
		'Check the step that produced the selfie, and that n8n can read its binary data storage.',
	);
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
