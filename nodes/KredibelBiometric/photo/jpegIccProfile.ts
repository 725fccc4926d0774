/**
 * Why this file exists: a JPEG carries its ICC profile in APP2 segments, each starting with
 * "ICC_PROFILE\0", a sequence number (from 1) and the number of chunks, because one segment holds
 * at most 64 KB (ICC.1:2022 Annex B.4). This finds those segments before the first scan and
 * joins them in sequence order, as libjpeg's jpeg_read_icc_profile does: a set with a chunk
 * missing, repeated, or numbered inconsistently is no profile at all, and so is one larger than
 * MAX_PROFILE_BYTES. Never throws: a file whose segments cannot be walked has no profile here
 * (the decoder reports its damage).
 */

import { MAX_PROFILE_BYTES } from './iccProfile';
import { listJpegSegments } from './jpegMarkers';

const APP2 = 0xe2;
const SIGNATURE = 'ICC_PROFILE\0';
/** Marker (2), length (2), signature (12), sequence number (1), chunk count (1). */
const CHUNK_HEADER = 4 + SIGNATURE.length + 2;

/** The embedded profile's bytes, or undefined when there is none usable. */
export function readJpegIccProfile(bytes: Uint8Array): Uint8Array | undefined {
	let segments;
	try {
		segments = listJpegSegments(bytes).segments;
	} catch {
		return undefined;
	}
	const chunks: Array<Uint8Array | undefined> = [];
	let count = 0;
	let total = 0;
	for (const segment of segments) {
		if (segment.marker !== APP2 || segment.length < CHUNK_HEADER) continue;
		const body = segment.offset + 4;
		if (!hasSignature(bytes, body)) continue;
		const sequence = bytes[body + SIGNATURE.length];
		const chunkCount = bytes[body + SIGNATURE.length + 1];
		if (chunkCount === 0 || (count !== 0 && chunkCount !== count)) return undefined;
		count = chunkCount;
		if (sequence === 0 || sequence > count || chunks[sequence - 1]) return undefined;
		const data = bytes.subarray(segment.offset + CHUNK_HEADER, segment.offset + segment.length);
		total += data.length;
		if (total > MAX_PROFILE_BYTES) return undefined;
		chunks[sequence - 1] = data;
	}
	if (count === 0) return undefined;
	const profile = new Uint8Array(total);
	let at = 0;
	for (let i = 0; i < count; i++) {
		const chunk = chunks[i];
		if (!chunk) return undefined;
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
