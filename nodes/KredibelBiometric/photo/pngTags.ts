/**
 * Why this file exists: two ancillary PNG chunks say something the picture needs before the clean
 * copy drops them. eXIf can hold the EXIF orientation a phone recorded (the pixels must be turned
 * upright), and iCCP the colour profile the pixels are in (the colour step converts them to sRGB).
 * Both are read only from chunks whose CRC matched (`readPngLayout`), as libpng reads them, and
 * neither can make the node do more than a bounded amount of work.
 */

import { readExifOrientationTag } from './exif';
import { inflateZlib } from './inflate';
import type { PngLayout } from './pngChunks';
import { type Checkpoint, PhotoError } from './picture';
import type { WorkMeter } from './workMeter';

/** The largest ICC profile read (ICC profiles of cameras and displays are a few KB). */
export const MAX_ICC_PROFILE_BYTES = 4 * 1024 * 1024;
/** ICC.1 7.2: a profile starts with a 128-byte header and a 4-byte tag count. */
const ICC_HEADER_BYTES = 132;

/** The eXIf chunk's data (a TIFF structure, EXIF 2.3 section 4.5.2), when the PNG has one. */
export function pngExifData(bytes: Uint8Array, layout: PngLayout): Uint8Array | undefined {
	const exif = layout.exif;
	return exif ? bytes.subarray(exif.offset, exif.offset + exif.length) : undefined;
}

/**
 * The eXIf chunk's orientation tag 1-8, read by exif.ts, or null when there is no readable, valid
 * one (then only the face check may turn the photo).
 */
export function readPngOrientationTag(bytes: Uint8Array, layout: PngLayout): number | null {
	const exif = pngExifData(bytes, layout);
	return exif ? readExifOrientationTag(exif) : null;
}

/**
 * The embedded ICC profile, inflated, for the colour step; undefined when the PNG has none or
 * its iCCP chunk is not usable, which libpng also ignores: 11.3.3.3's profile name (1-79 bytes)
 * and NUL, compression method 0, then a zlib stream that inflates to the size the profile's own
 * header states (ICC.1 7.2.2), at least a header and at most MAX_ICC_PROFILE_BYTES. A bomb stops
 * at that limit; `checkpoint` is called as it inflates. Throws only a cancellation or a spent
 * memory budget.
 */
export async function readPngIccProfile(
	bytes: Uint8Array,
	layout: PngLayout,
	checkpoint?: Checkpoint,
	meter?: WorkMeter,
): Promise<Uint8Array | undefined> {
	const chunk = layout.iccProfile;
	if (!chunk) return undefined;
	const data = bytes.subarray(chunk.offset, chunk.offset + chunk.length);
	const nameEnd = data.indexOf(0);
	if (nameEnd < 1 || nameEnd > 79 || data[nameEnd + 1] !== 0) return undefined;
	// A damaged stream is an unusable chunk; a cancellation or a spent budget goes on up.
	const profile = await inflateZlib(
		data.subarray(nameEnd + 2),
		MAX_ICC_PROFILE_BYTES,
		checkpoint,
		meter,
	).catch((error: unknown) =>
		error instanceof PhotoError && error.kind === 'corrupt' ? undefined : Promise.reject(error),
	);
	if (!profile || profile.length < ICC_HEADER_BYTES) return undefined;
	const declared = ((profile[0] << 24) | (profile[1] << 16) | (profile[2] << 8) | profile[3]) >>> 0;
	return declared === profile.length ? profile : undefined;
}
