/**
 * Why this file exists: a JPEG carries its ICC profile in APP2 segments, each starting with
 * "ICC_PROFILE\0", a sequence number (from 1) and the number of chunks, because one segment holds
 * at most 64 KB (ICC.1:2022 Annex B.4). This joins those segments in sequence order, as libjpeg's
 * jpeg_read_icc_profile does: a set with a chunk missing, repeated, or numbered inconsistently is
 * no profile at all, and so is one larger than MAX_PROFILE_BYTES. It reads the segments the
 * header walk already collected (jpegHeader.ts: everything up to the first scan, where libjpeg
 * reads them too), so each photo is walked once. A bad chunk set is no profile, never an error.
 */

import { MAX_PROFILE_BYTES } from './iccProfile';
import { APP0, type JpegSegment } from './jpegSegments';

const APP2 = APP0 + 2;
const SIGNATURE = 'ICC_PROFILE\0';
/** Signature (12), sequence number (1), chunk count (1), after the length field. */
const CHUNK_HEADER = SIGNATURE.length + 2;

/** The embedded profile's bytes, or undefined when there is none usable. */
export function readJpegIccProfile(
	bytes: Uint8Array,
	segments: readonly JpegSegment[],
): Uint8Array | undefined {
	const chunks: Array<Uint8Array | undefined> = [];
	let count = 0;
	let total = 0;
	for (const segment of segments) {
		const { marker, start, end } = segment;
		if (marker !== APP2 || end - start < CHUNK_HEADER || !hasSignature(bytes, start)) continue;
		const sequence = bytes[start + SIGNATURE.length];
		const chunkCount = bytes[start + SIGNATURE.length + 1];
		if (chunkCount === 0 || (count !== 0 && chunkCount !== count)) return undefined;
		count = chunkCount;
		if (sequence === 0 || sequence > count || chunks[sequence - 1]) return undefined;
		const data = bytes.subarray(start + CHUNK_HEADER, end);
		total += data.length;
		if (total > MAX_PROFILE_BYTES) return undefined;
		chunks[sequence - 1] = data;
	}
	if (count === 0) return undefined;
	for (let i = 0; i < count; i++) if (!chunks[i]) return undefined;
	const profile = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks as Uint8Array[]) {
		profile.set(chunk, at);
		at += chunk.length;
	}
	return profile;
}

function hasSignature(bytes: Uint8Array, at: number): boolean {
	for (let i = 0; i < SIGNATURE.length; i++) {
		if (bytes[at + i] !== SIGNATURE.charCodeAt(i)) return false;
	}
	return true;
}
