/**
 * Why this file exists: it is the photo folder's one entry point. It decides, for one JPEG or PNG,
 * the least that must change for Kredibel (DESIGN.md, "Photos"): nothing (same bytes), metadata
 * only (segments or chunks dropped, picture data copied as it is), or pixels (decoded at the
 * smallest DCT scale that still gives enough pixels, turned upright, shrunk, encoded as JPEG at the
 * largest size and quality that fit). The rest of the node learns only "these bytes, this record
 * of changes" or "this PhotoError"; nothing here throws.
 */

import { decodeJpeg, type JpegScale, readJpegInfo } from './jpegDecode';
import { encodeJpeg } from './jpegEncode';
import {
	hasJpegMetadata,
	listJpegMetadata,
	readExifOrientation,
	stripJpegMetadata,
} from './jpegMarkers';
import { applyOrientation } from './orientation';
import { type Checkpoint, MAX_INPUT_BYTES, PhotoError, type Picture } from './picture';
import { checkPngHeader, decodePng } from './pngDecode';
import { cleanPngCopy, isPng, removedFromPng } from './pngChunks';
import { readPngOrientation } from './pngTags';
import { downscale } from './resize';
import type { WorkMeter } from './workMeter';

export { MAX_INPUT_BYTES, PhotoError } from './picture';
export type { Checkpoint, PhotoErrorKind } from './picture';

export interface PhotoLimits {
	/** The most bytes the prepared photo may have (the item's Max Image Size). */
	maxBytes: number;
	/** Called between units of work; may throw (any error) to cancel, which ends as 'cancelled'. */
	checkpoint?: Checkpoint;
	/** Counts the memory and work this photo costs (tests prove the budget with it). */
	meter?: WorkMeter;
}

/** What was done to the photo, for the `photo` record on the output item. */
export interface PhotoChanges {
	/** Format of the bytes sent (a PNG that had to be re-encoded is sent as JPEG). */
	format: 'jpeg' | 'png';
	/** The EXIF orientation (2-8) turned into pixels; null when the photo was already upright. */
	orientationApplied: number | null;
	/** Metadata dropped, each name once: 'EXIF', 'XMP', 'ICC', 'IPTC', 'comment', 'tEXt', ... */
	metadataRemoved: string[];
	/** Whether pixels were decoded and encoded again (false: picture data copied byte for byte). */
	reencoded: boolean;
	bytesBefore: number;
	bytesAfter: number;
	widthBefore: number;
	heightBefore: number;
	widthAfter: number;
	heightAfter: number;
}

export type PreparedPhoto =
	| {
			ok: true;
			bytes: Uint8Array;
			changes: PhotoChanges | null /* null: sent byte for byte */;
			/**
			 * The decoded photo, upright, long side at most PREVIEW_LONG_SIDE: what the face
			 * detector looks at. Every photo is decoded completely before it is sent.
			 */
			preview?: Picture;
	  }
	| { ok: false; error: PhotoError };

/** Long side the size search starts from when the photo must shrink (enough for face matching). */
export const START_LONG_SIDE = 2048;
/** The long side of `preview`, the picture the face detector looks at. */
export const PREVIEW_LONG_SIDE = 1024;
/** Never shrink below this when the original had it (DESIGN.md: "long side at least 1024 px"). */
export const MIN_LONG_SIDE = 1024;
/** Originals smaller than MIN_LONG_SIDE may shrink to this, for very low Max Image Size values. */
const SMALLEST_LONG_SIDE = 256;
/** Qualities tried at the starting size before the size goes down; IJG scale, 88 looks original. */
const QUALITIES = [88, 80, 72];
/** The quality used at every smaller size, and the last resort at the smallest one. */
const SHRINK_QUALITY = 72;
const LAST_QUALITY = 60;
const SHRINK_FACTOR = 0.8;

const JPEG_SOI = [0xff, 0xd8, 0xff];

function isJpeg(bytes: Uint8Array): boolean {
	return bytes.length > 3 && JPEG_SOI.every((value, index) => bytes[index] === value);
}

/**
 * Makes a JPEG or PNG what Kredibel needs: upright, without metadata, within `limits.maxBytes`.
 * Never throws: every failure, cancellation included, comes back as `{ ok: false, error }`.
 * Bytes that are neither JPEG nor PNG are `unsupported` (the caller forwards SVG itself).
 */
export async function preparePhoto(bytes: Uint8Array, limits: PhotoLimits): Promise<PreparedPhoto> {
	const checkpoint = limits.checkpoint ? guardCheckpoint(limits.checkpoint) : undefined;
	try {
		const headerProblem = checkPhotoHeader(bytes);
		if (headerProblem) return { ok: false, error: headerProblem };
		if (isJpeg(bytes)) return await prepareJpeg(bytes, limits.maxBytes, checkpoint);
		if (isPng(bytes)) return await preparePng(bytes, limits.maxBytes, checkpoint, limits.meter);
		return {
			ok: false,
			error: new PhotoError('unsupported', 'Only JPEG and PNG photos can be prepared'),
		};
	} catch (error) {
		return { ok: false, error: asPhotoError(error) };
	}
}

/**
 * Header-only checks for a pre-pass that must not decode: the file is a JPEG or PNG whose header
 * reads, within MAX_INPUT_BYTES and MAX_INPUT_PIXELS. Undefined when fine or when the bytes are
 * neither JPEG nor PNG (an SVG, or something the caller's own format check refuses).
 */
export function checkPhotoHeader(bytes: Uint8Array): PhotoError | undefined {
	if (bytes.length > MAX_INPUT_BYTES) {
		return new PhotoError(
			'too_large',
			`The photo is ${megabytes(bytes.length)} MB, above the ${megabytes(MAX_INPUT_BYTES)} MB input limit`,
		);
	}
	try {
		if (isJpeg(bytes)) readJpegInfo(bytes);
		else if (isPng(bytes)) checkPngHeader(bytes);
		return undefined;
	} catch (error) {
		return asPhotoError(error);
	}
}

async function prepareJpeg(
	bytes: Uint8Array,
	maxBytes: number,
	checkpoint: Checkpoint | undefined,
): Promise<PreparedPhoto> {
	const info = readJpegInfo(bytes);
	const orientation = readExifOrientation(bytes);
	const upright = orientation < 2;
	if (upright && bytes.length <= maxBytes) {
		// A file whose structure the marker walk cannot follow (e.g. cut inside a segment) is not
		// forwarded as it is: it goes through the decoder, which reads what there is or refuses it.
		const walked = tryOrUndefined(() => hasJpegMetadata(bytes));
		if (walked === false) return { ok: true, bytes, changes: null };
		if (walked === true) return metadataOnly('jpeg', bytes, stripJpegMetadata(bytes), info);
	}
	const removed = tryOrUndefined(() => listJpegMetadata(bytes)) ?? [];
	const fitsAsItIs = bytes.length <= maxBytes;
	const originalLong = Math.max(info.width, info.height);
	const target = firstLongSide(originalLong, fitsAsItIs);
	const scale = decodeScale(originalLong, target);
	const startLong = Math.min(target, Math.ceil(originalLong / scale));
	const decoded = await decodeJpeg(bytes, { scale, checkpoint });
	const picture = await applyOrientation(decoded, orientation, checkpoint);
	return encodeToFit(picture, {
		bytesBefore: bytes.length,
		widthBefore: info.width,
		heightBefore: info.height,
		orientation,
		removed,
		maxBytes,
		startLong,
		checkpoint,
	});
}

/** Metadata removed, picture data copied as it is: same pixels, same size. */
function metadataOnly(
	format: PhotoChanges['format'],
	original: Uint8Array,
	stripped: { bytes: Uint8Array; removed: string[] },
	size: { width: number; height: number },
): PreparedPhoto {
	return {
		ok: true,
		bytes: stripped.bytes,
		changes: {
			format,
			orientationApplied: null,
			metadataRemoved: stripped.removed,
			reencoded: false,
			bytesBefore: original.length,
			bytesAfter: stripped.bytes.length,
			widthBefore: size.width,
			heightBefore: size.height,
			widthAfter: size.width,
			heightAfter: size.height,
		},
	};
}

/**
 * A PNG is decoded completely whatever comes next (one that cannot be decoded is never sent),
 * straight to the largest size the node sends. Upright and within the limit, it goes as it is or
 * as its clean copy (pngChunks.ts: metadata removed, compressed pixels unchanged); otherwise, or
 * when no clean copy can keep the compressed pixels (the zlib stream made more than the picture),
 * it is encoded as JPEG.
 */
async function preparePng(
	bytes: Uint8Array,
	maxBytes: number,
	checkpoint: Checkpoint | undefined,
	meter: WorkMeter | undefined,
): Promise<PreparedPhoto> {
	const decoded = await decodePng(bytes, { maxLongSide: START_LONG_SIDE, checkpoint, meter });
	const { layout, streamLength } = decoded;
	const { header } = layout;
	const orientation = readPngOrientation(bytes, layout);
	const upright = await applyOrientation(decoded.picture, orientation, checkpoint);
	const preview = await previewOf(upright, checkpoint);
	if (orientation < 2 && bytes.length <= maxBytes && streamLength !== undefined) {
		const clean = await cleanPngCopy(bytes, layout, streamLength, { checkpoint, meter });
		if (clean.bytes === bytes) return { ok: true, bytes, changes: null, preview };
		if (clean.bytes.length <= maxBytes) {
			return withPreview(metadataOnly('png', bytes, clean, header), preview);
		}
	}
	const originalLong = Math.max(header.width, header.height);
	const startLong = Math.min(
		firstLongSide(originalLong, bytes.length <= maxBytes),
		Math.max(upright.width, upright.height),
	);
	const encoded = await encodeToFit(upright, {
		bytesBefore: bytes.length,
		widthBefore: header.width,
		heightBefore: header.height,
		orientation,
		removed: removedFromPng(layout, streamLength),
		maxBytes,
		startLong,
		checkpoint,
	});
	return withPreview(encoded, preview);
}

/** The picture the face detector looks at: `upright`, shrunk to PREVIEW_LONG_SIDE. */
async function previewOf(upright: Picture, checkpoint: Checkpoint | undefined): Promise<Picture> {
	const [width, height] = fitLongSide(upright.width, upright.height, PREVIEW_LONG_SIDE);
	return downscale(upright, width, height, checkpoint);
}

function withPreview(prepared: PreparedPhoto, preview: Picture): PreparedPhoto {
	return prepared.ok ? { ...prepared, preview } : prepared;
}

interface EncodePlan {
	bytesBefore: number;
	widthBefore: number;
	heightBefore: number;
	orientation: number;
	removed: string[];
	maxBytes: number;
	startLong: number;
	checkpoint: Checkpoint | undefined;
}

/**
 * The size search: at the starting long side, qualities 88, 80, 72; then the long side goes down
 * by 0.8 at quality 72 until the floor (1024, or 256 for smaller originals), where quality 60 is
 * the last try. Each size is shrunk from the decoded picture itself, never from a smaller attempt.
 */
async function encodeToFit(upright: Picture, plan: EncodePlan): Promise<PreparedPhoto> {
	const originalLong = Math.max(plan.widthBefore, plan.heightBefore);
	const floor = Math.min(
		originalLong >= MIN_LONG_SIDE ? MIN_LONG_SIDE : SMALLEST_LONG_SIDE,
		plan.startLong,
	);
	let longSide = plan.startLong;
	let qualities = QUALITIES;
	let smallest = Number.POSITIVE_INFINITY;
	for (;;) {
		const atFloor = longSide <= floor;
		const [width, height] = fitLongSide(upright.width, upright.height, longSide);
		const resized = await downscale(upright, width, height, plan.checkpoint);
		for (const quality of atFloor ? [...qualities, LAST_QUALITY] : qualities) {
			const encoded = await encodeJpeg(resized, { quality, checkpoint: plan.checkpoint });
			smallest = Math.min(smallest, encoded.length);
			if (encoded.length <= plan.maxBytes) {
				return {
					ok: true,
					bytes: encoded,
					changes: {
						format: 'jpeg',
						orientationApplied: plan.orientation >= 2 ? plan.orientation : null,
						metadataRemoved: plan.removed,
						reencoded: true,
						bytesBefore: plan.bytesBefore,
						bytesAfter: encoded.length,
						widthBefore: plan.widthBefore,
						heightBefore: plan.heightBefore,
						widthAfter: width,
						heightAfter: height,
					},
				};
			}
		}
		if (atFloor) {
			return {
				ok: false,
				error: new PhotoError(
					'too_large',
					`Even at ${width}x${height} pixels and JPEG quality ${LAST_QUALITY} the photo takes ${kilobytes(smallest)} KB, above the ${kilobytes(plan.maxBytes)} KB limit`,
				),
			};
		}
		longSide = Math.max(floor, Math.round(longSide * SHRINK_FACTOR));
		qualities = [SHRINK_QUALITY];
	}
}

/**
 * Where the size search starts: the original size when the file was within the limit (only
 * orientation forced a re-encode), else about START_LONG_SIDE.
 */
function firstLongSide(originalLong: number, fitsAsItIs: boolean): number {
	return fitsAsItIs ? originalLong : Math.min(originalLong, START_LONG_SIDE);
}

/**
 * A scaled decode may land a little below the starting long side; up to this fraction below it
 * is accepted, so that a 4000x3000 photo decodes at 1/2 (2000 px, no resampling at all) rather
 * than at full size (36 MB of pixels) only to be shrunk to 2048.
 */
const SCALE_TOLERANCE = 0.9;

/**
 * The largest DCT scale denominator (8, 4, 2) whose output long side (libjpeg rounds scaled
 * sizes up) is still at least SCALE_TOLERANCE of `targetLong`; 1 when none is.
 */
export function decodeScale(originalLong: number, targetLong: number): JpegScale {
	for (const scale of [8, 4, 2] as const) {
		if (Math.ceil(originalLong / scale) >= targetLong * SCALE_TOLERANCE) return scale;
	}
	return 1;
}

/** Width and height with the long side `longSide` and the aspect kept (each at least 1). */
function fitLongSide(width: number, height: number, longSide: number): [number, number] {
	const long = Math.max(width, height);
	if (long <= longSide) return [width, height];
	const ratio = longSide / long;
	return [Math.max(1, Math.round(width * ratio)), Math.max(1, Math.round(height * ratio))];
}

/** Any throw from the caller's checkpoint becomes a 'cancelled' PhotoError. */
function guardCheckpoint(checkpoint: Checkpoint): Checkpoint {
	const asCancelled = (error: unknown): Promise<never> => {
		if (error instanceof PhotoError && error.kind === 'cancelled') return Promise.reject(error);
		const message = error instanceof Error ? error.message : String(error);
		return Promise.reject(new PhotoError('cancelled', `The photo step was stopped: ${message}`));
	};
	return () => new Promise<void>((resolve) => resolve(checkpoint())).then(undefined, asCancelled);
}

function asPhotoError(error: unknown): PhotoError {
	if (error instanceof PhotoError) return error;
	if (error instanceof RangeError) {
		return new PhotoError('too_large', 'The photo needs more memory than is available');
	}
	const message = error instanceof Error ? error.message : String(error);
	return new PhotoError('corrupt', `The photo could not be read: ${message}`);
}

function tryOrUndefined<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch {
		return undefined;
	}
}

function megabytes(bytes: number): string {
	return (bytes / (1024 * 1024)).toFixed(1);
}

function kilobytes(bytes: number): string {
	return (bytes / 1024).toFixed(0);
}
