/**
 * Why this file exists: it is the photo folder's one entry point. It decides, for one JPEG or PNG,
 * the least that must change for Kredibel (docs/photos.md): nothing (same bytes), metadata
 * only (segments or chunks dropped, picture data copied as it is), or pixels (decoded at the
 * smallest DCT scale that still gives enough pixels, shrunk, turned upright, encoded as JPEG at the
 * largest size and quality that fit). Every JPEG and PNG is decoded completely first, also when
 * its bytes go out unchanged: a photo that cannot be decoded is never sent (refused free as
 * damaged), and the decoded upright picture comes back as `preview` for the checks that look at
 * pixels. The rest of the node learns only
 * "these bytes, this record of changes, this preview" or "this PhotoError"; nothing here throws.
 *
 * Damage, decided here (the decoder only reports it): a JPEG of which more than MAX_LOST_FRACTION
 * of the picture area got no data (cut short, or damaged beyond what restart markers recover) is
 * `corrupt` ("damaged"), since Kredibel would charge for a picture that is mostly grey; a JPEG
 * with any smaller loss or other damage (stray bytes, a missing end marker) is sent re-encoded
 * from what the decoder recovered, as djpeg shows it, never as its own bytes.
 *
 * Colours, decided here too (photoColour.ts): a photo whose embedded profile is not as good as
 * sRGB, or a CMYK one, always takes the pixel path, and its decoded picture is converted to sRGB
 * before it is shrunk, turned or encoded (`photo.colourConverted` names the profile).
 *
 * Every input is held to one PhotoBudget (budget.ts): at most 2 s of CPU, 64 MB of memory and
 * 50 ms between checkpoints, whatever the file claims; the PNG code counts on it through its
 * WorkMeter (workMeter.ts).
 */

import { PhotoBudget } from './budget';
import { type JpegScale, readJpeg, storesInvertedCmyk } from './jpegDecode';
import { encodeJpeg } from './jpegEncode';
import { readJpegHeader, readJpegHeaderPaced } from './jpegHeader';
import { readJpegIccProfile } from './jpegIccProfile';
import { isJpeg } from './jpegSegments';
import { listJpegMetadata, stripJpegMetadata } from './jpegStrip';
import { applyOrientation } from './orientation';
import { type Checkpoint, MAX_INPUT_BYTES, PhotoError, type Picture } from './picture';
import { checkPngHeader, decodePng } from './pngDecode';
import { cleanPngCopy, isPng, removedFromPng } from './pngChunks';
import { readPngIccProfile, readPngOrientationTag } from './pngTags';
import { pictureInSrgb, readPhotoColour } from './photoColour';
import { downscale } from './resize';
import { WorkMeter } from './workMeter';

export { MAX_INPUT_BYTES, PhotoError } from './picture';
export type { Checkpoint, PhotoErrorKind } from './picture';

export interface PhotoLimits {
	/** The most bytes the prepared photo may have (the item's Max Image Size). */
	maxBytes: number;
	/** Called between units of work; may throw (any error) to cancel, which ends as 'cancelled'. */
	checkpoint?: Checkpoint;
	/**
	 * The accounting to use instead of a fresh one with `checkpoint` (tests and the bench read its
	 * counters afterwards). Its own checkpoint is called as given, without the cancel guard.
	 */
	budget?: PhotoBudget;
	/**
	 * Clockwise quarter turns to apply after the orientation tag (the face check's turn for a
	 * photo held sideways that had no tag). Any turn means re-encoding: the bytes cannot be kept.
	 */
	extraQuarterTurns?: 0 | 1 | 2 | 3;
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
	/**
	 * Present when the pixels were converted to sRGB: the embedded profile's name, cut short
	 * ('Display P3'), or 'CMYK' for a CMYK JPEG without a usable profile.
	 */
	colourConverted?: string;
}

export type PreparedPhoto =
	| {
			ok: true;
			bytes: Uint8Array;
			/** null: sent byte for byte. */
			changes: PhotoChanges | null;
			/**
			 * The decoded picture, upright, for the checks that look at pixels (the face check): the
			 * largest picture the size search encoded (long side at most START_LONG_SIDE), or for a
			 * photo sent as it is, its decode: a JPEG's at the DCT scale nearest PREVIEW_LONG_SIDE
			 * (640-1280 px on the long side for photos that large), a PNG's reduced to at most
			 * START_LONG_SIDE as it was decoded.
			 */
			preview: Picture;
			/**
			 * Whether the photo carried an EXIF orientation tag (1 included): the camera said which
			 * way up it is, so nothing else may turn it.
			 */
			orientationTagged: boolean;
	  }
	| { ok: false; error: PhotoError };

/** A photo sent as it is is decoded at the largest DCT scale that keeps this long side. */
export const PREVIEW_LONG_SIDE = 640;

/**
 * More than this share of the picture area without data is damage, refused free: the photo is
 * "mostly missing". Up to it, the photo is sent re-encoded with grey where data was lost.
 */
export const MAX_LOST_FRACTION = 0.25;

/** Long side the size search starts from when the photo must shrink (enough for face matching). */
export const START_LONG_SIDE = 2048;
/** Never shrink below this when the original had it (docs/photos.md: "never below 1024 px"). */
export const MIN_LONG_SIDE = 1024;
/** Originals smaller than MIN_LONG_SIDE may shrink to this, for very low Max Image Size values. */
const SMALLEST_LONG_SIDE = 256;
/** Qualities tried at the starting size before the size goes down; IJG scale, 88 looks original. */
const QUALITIES = [88, 80, 72];
/** The quality used at every smaller size, and the last resort at the smallest one. */
const SHRINK_QUALITY = 72;
const LAST_QUALITY = 60;
const SHRINK_FACTOR = 0.8;

/**
 * Makes a JPEG or PNG what Kredibel needs: upright, without metadata, within `limits.maxBytes`.
 * Never throws: every failure, cancellation included, comes back as `{ ok: false, error }`.
 * Bytes that are neither JPEG nor PNG are `unsupported` (the caller forwards SVG itself).
 */
export async function preparePhoto(bytes: Uint8Array, limits: PhotoLimits): Promise<PreparedPhoto> {
	const checkpoint = limits.checkpoint ? guardCheckpoint(limits.checkpoint) : undefined;
	try {
		if (bytes.length > MAX_INPUT_BYTES) return { ok: false, error: inputTooLarge(bytes.length) };
		const budget = limits.budget ?? new PhotoBudget(checkpoint);
		const extraTurns = limits.extraQuarterTurns ?? 0;
		if (isJpeg(bytes)) return await prepareJpeg(bytes, limits.maxBytes, budget, extraTurns);
		const headerProblem = checkPhotoHeader(bytes);
		if (headerProblem) return { ok: false, error: headerProblem };
		if (isPng(bytes)) return await preparePng(bytes, limits.maxBytes, budget, extraTurns);
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
	if (bytes.length > MAX_INPUT_BYTES) return inputTooLarge(bytes.length);
	try {
		if (isJpeg(bytes)) readJpegHeader(bytes, new PhotoBudget());
		else if (isPng(bytes)) checkPngHeader(bytes);
		return undefined;
	} catch (error) {
		return asPhotoError(error);
	}
}

function inputTooLarge(length: number): PhotoError {
	return new PhotoError(
		'too_large',
		`The photo is ${megabytes(length)} MB, above the ${megabytes(MAX_INPUT_BYTES)} MB input limit`,
		{ limit: 'input' },
	);
}

async function prepareJpeg(
	bytes: Uint8Array,
	maxBytes: number,
	budget: PhotoBudget,
	extraTurns: QuarterTurns,
): Promise<PreparedPhoto> {
	const header = await readJpegHeaderPaced(bytes, budget);
	const { info, orientation, orientationTagged } = header;
	const originalLong = Math.max(info.width, info.height);
	const targetLong = Math.min(originalLong, START_LONG_SIDE);
	// Colours (photoColour.ts): a profile that is not as good as sRGB, or CMYK, means the pixels
	// must change, so such a photo never goes out as its own bytes; nor does one to be turned.
	const colour = readPhotoColour(readJpegIccProfile(bytes, header.segments), info.components);
	const mayKeepBytes =
		orientation < 2 &&
		extraTurns === 0 &&
		bytes.length <= maxBytes &&
		colour.convertedFrom === undefined;
	let reading = await readJpeg(
		bytes,
		{
			scale: mayKeepBytes
				? decodeScale(originalLong, PREVIEW_LONG_SIDE, 1)
				: decodeScale(originalLong, targetLong),
			budget,
			refuseLostAbove: MAX_LOST_FRACTION,
			keepCmyk: true, // converted below, through its profile or the naive model
		},
		header,
	);
	const removed = listJpegMetadata(bytes, reading);
	if (mayKeepBytes && reading.damage.problems.length === 0) {
		const preview = reading.picture;
		if (removed.length === 0) {
			return { ok: true, bytes, changes: null, preview, orientationTagged };
		}
		const stripped = stripJpegMetadata(bytes, reading);
		return metadataOnly('jpeg', bytes, stripped, info, { preview, orientationTagged });
	}
	if (mayKeepBytes) {
		// Damaged: re-encoded from what was recovered, at the size it would be sent.
		budget.release(reading.pictureBytes);
		reading = await readJpeg(
			bytes,
			{ scale: decodeScale(originalLong, targetLong), budget },
			header,
		);
	}
	// Converted before anything else touches the pixels: the preview and what is sent are sRGB.
	const picture = await pictureInSrgb(reading.picture, colour, storesInvertedCmyk(info), budget);
	if (picture !== reading.picture) budget.release(reading.pictureBytes); // the CMYK one, dropped
	const decodedLong = Math.max(picture.width, picture.height);
	return encodeToFit(picture, {
		bytesBefore: bytes.length,
		widthBefore: info.width,
		heightBefore: info.height,
		orientation,
		orientationTagged,
		extraTurns,
		removed,
		maxBytes,
		startLong: Math.min(targetLong, decodedLong),
		budget,
		colourConverted: colour.convertedFrom,
	});
}

/** Runs a step that allocates `bytes` (kept claimed: the caller's picture lives on). */
async function claimed<T>(budget: PhotoBudget, bytes: number, step: () => Promise<T>): Promise<T> {
	budget.claim(bytes, 'a resized or turned picture');
	const result = await step();
	await budget.pace();
	return result;
}

/** Metadata removed, picture data copied as it is: same pixels, same size. */
function metadataOnly(
	format: PhotoChanges['format'],
	original: Uint8Array,
	stripped: { bytes: Uint8Array; removed: string[] },
	size: { width: number; height: number },
	seen: { preview: Picture; orientationTagged: boolean },
): PreparedPhoto {
	return {
		ok: true,
		...seen,
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
	budget: PhotoBudget,
	extraTurns: QuarterTurns,
): Promise<PreparedPhoto> {
	// The budget calls the caller's checkpoint; the meter passes the PNG code's work on to it.
	const meter = new WorkMeter(budget);
	const decoded = await decodePng(bytes, { maxLongSide: START_LONG_SIDE, meter });
	const { layout, streamLength } = decoded;
	const { header } = layout;
	const tag = readPngOrientationTag(bytes, layout);
	const orientation = tag ?? 1;
	const orientationTagged = tag !== null;
	// As for JPEG: a profile other than sRGB's converts the pixels, and the bytes are not kept.
	const profile = await readPngIccProfile(bytes, layout, undefined, meter);
	const colour = readPhotoColour(profile, decoded.picture.channels);
	const keepsColours = colour.convertedFrom === undefined;
	const upright = orientation < 2 && extraTurns === 0;
	if (upright && bytes.length <= maxBytes && streamLength !== undefined && keepsColours) {
		const clean = await cleanPngCopy(bytes, layout, streamLength, { meter });
		budget.finish();
		const seen = { preview: decoded.picture, orientationTagged };
		if (clean.bytes === bytes) return { ok: true, bytes, changes: null, ...seen };
		if (clean.bytes.length <= maxBytes) {
			return metadataOnly('png', bytes, clean, header, seen);
		}
	}
	const picture = await pictureInSrgb(decoded.picture, colour, false, budget);
	return encodeToFit(picture, {
		bytesBefore: bytes.length,
		widthBefore: header.width,
		heightBefore: header.height,
		orientation,
		orientationTagged,
		extraTurns,
		removed: removedFromPng(layout, streamLength),
		maxBytes,
		startLong: Math.max(picture.width, picture.height),
		budget,
		colourConverted: colour.convertedFrom,
	});
}

interface EncodePlan {
	bytesBefore: number;
	widthBefore: number;
	heightBefore: number;
	orientation: number;
	orientationTagged: boolean;
	/** Clockwise quarter turns after the orientation (PhotoLimits.extraQuarterTurns). */
	extraTurns: QuarterTurns;
	removed: string[];
	maxBytes: number;
	startLong: number;
	budget: PhotoBudget;
	/** The profile the pixels were converted from (PhotoChanges.colourConverted). */
	colourConverted?: string;
}

/** Work units (budget.ts) per 32 samples resized or turned, and per 8 samples encoded. */
const SAMPLES_PER_UNIT = 32;
const ENCODED_SAMPLES_PER_UNIT = 8;

/**
 * The size search: at the starting long side, qualities 88, 80, 72; then the long side goes down
 * by 0.8 at quality 72 until the floor (1024, or 256 for smaller originals), where quality 60 is
 * the last try. Each size is shrunk from the decoded picture itself, never from a smaller attempt,
 * and only then turned upright (turning the shrunk picture costs a fraction of the memory).
 */
async function encodeToFit(stored: Picture, plan: EncodePlan): Promise<PreparedPhoto> {
	const { budget } = plan;
	const originalLong = Math.max(plan.widthBefore, plan.heightBefore);
	const floor = Math.min(
		originalLong >= MIN_LONG_SIDE ? MIN_LONG_SIDE : SMALLEST_LONG_SIDE,
		plan.startLong,
	);
	let longSide = plan.startLong;
	let qualities = QUALITIES;
	let smallest = Number.POSITIVE_INFINITY;
	let preview: Picture | null = null;
	for (;;) {
		const atFloor = longSide <= floor;
		const [width, height] = fitLongSide(stored.width, stored.height, longSide);
		const samples = width * height * stored.channels;
		const resized = await claimed(budget, samples, () =>
			downscale(
				stored,
				width,
				height,
				budget.stage(
					(stored.data.length + samples) / SAMPLES_PER_UNIT,
					Math.ceil(height / RESIZE_ROWS_PER_CHECKPOINT),
				),
			),
		);
		const upright = await turnUpright(
			await turnUpright(resized, plan.orientation, budget),
			QUARTER_TURN_ORIENTATION[plan.extraTurns],
			budget,
		);
		preview ??= upright; // the largest attempt, kept for the pixel checks
		for (const quality of atFloor ? [...qualities, LAST_QUALITY] : qualities) {
			const encoded = await claimed(budget, Math.ceil(samples / 4) + 1024, () =>
				encodeJpeg(upright, {
					quality,
					checkpoint: budget.stage(
						samples / ENCODED_SAMPLES_PER_UNIT,
						Math.ceil(height / ENCODE_ROWS_PER_CHECKPOINT),
					),
				}),
			);
			budget.release(Math.ceil(samples / 4) + 1024);
			smallest = Math.min(smallest, encoded.length);
			if (encoded.length <= plan.maxBytes) {
				budget.finish();
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
						widthAfter: upright.width,
						heightAfter: upright.height,
						...(plan.colourConverted ? { colourConverted: plan.colourConverted } : {}),
					},
					preview,
					orientationTagged: plan.orientationTagged,
				};
			}
		}
		const turnedCopies = (plan.orientation >= 2 ? 1 : 0) + (plan.extraTurns > 0 ? 1 : 0);
		if (upright !== preview) budget.release(samples * (1 + turnedCopies));
		if (atFloor) {
			return {
				ok: false,
				error: new PhotoError(
					'too_large',
					`Even at ${upright.width}x${upright.height} pixels and JPEG quality ${LAST_QUALITY} the photo takes ${kilobytes(smallest)} KB, above the ${kilobytes(plan.maxBytes)} KB limit`,
					{ limit: 'output' },
				),
			};
		}
		longSide = Math.max(floor, Math.round(longSide * SHRINK_FACTOR));
		qualities = [SHRINK_QUALITY];
	}
}

/** Rows resize.ts, orientation.ts and jpegEncode.ts each do between two checkpoint calls. */
const RESIZE_ROWS_PER_CHECKPOINT = 32;
const TURN_ROWS_PER_CHECKPOINT = 64;
const ENCODE_ROWS_PER_CHECKPOINT = 8;

type QuarterTurns = 0 | 1 | 2 | 3;

/** The EXIF orientation that turns a picture by 0-3 clockwise quarter turns (6: 90, 3: 180, 8: 270). */
const QUARTER_TURN_ORIENTATION: Record<QuarterTurns, number> = { 0: 1, 1: 6, 2: 3, 3: 8 };

/** The picture turned by EXIF orientation (2-8), its memory claimed; the same picture for 1. */
async function turnUpright(
	picture: Picture,
	orientation: number,
	budget: PhotoBudget,
): Promise<Picture> {
	if (orientation < 2) return picture;
	const samples = picture.data.length;
	return claimed(budget, samples, () =>
		applyOrientation(
			picture,
			orientation,
			budget.stage(samples / SAMPLES_PER_UNIT, Math.ceil(picture.width / TURN_ROWS_PER_CHECKPOINT)),
		),
	);
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
export function decodeScale(
	originalLong: number,
	targetLong: number,
	tolerance = SCALE_TOLERANCE,
): JpegScale {
	for (const scale of [8, 4, 2] as const) {
		if (Math.ceil(originalLong / scale) >= targetLong * tolerance) return scale;
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
export function guardCheckpoint(checkpoint: Checkpoint): Checkpoint {
	const asCancelled = (error: unknown): Promise<never> => {
		if (error instanceof PhotoError && error.kind === 'cancelled') return Promise.reject(error);
		const message = error instanceof Error ? error.message : String(error);
		return Promise.reject(new PhotoError('cancelled', `The photo step was stopped: ${message}`));
	};
	return () => new Promise<void>((resolve) => resolve(checkpoint())).then(undefined, asCancelled);
}

export function asPhotoError(error: unknown): PhotoError {
	if (error instanceof PhotoError) return error;
	if (error instanceof RangeError) {
		return new PhotoError('too_large', 'The photo needs more memory than is available');
	}
	const message = error instanceof Error ? error.message : String(error);
	return new PhotoError('corrupt', `The photo could not be read: ${message}`);
}

function megabytes(bytes: number): string {
	return (bytes / (1024 * 1024)).toFixed(1);
}

function kilobytes(bytes: number): string {
	return (bytes / 1024).toFixed(0);
}
