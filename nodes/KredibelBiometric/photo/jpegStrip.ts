/**
 * Why this file exists: a photo that is already upright and small enough leaves the node with its
 * compressed picture data untouched, yet without the GPS position, device, time, thumbnail or any
 * other block a phone or an editor added. The copy is built from what the decoder read (the
 * segments and where each scan's data ends, jpegDecode.ts), so it holds exactly what decoding
 * needs and nothing the decoder skipped:
 *
 * - kept: DQT, DHT, SOF0-2, DRI, each SOS with its entropy-coded data (restart markers inside),
 *   then EOI;
 * - rewritten: the first JFIF APP0 as its minimal 16-byte form (version, units, density; no
 *   thumbnail); for a three-component file, the first Adobe APP14 as the standard 12-byte form
 *   (Adobe Technical Note 5116: version 100, no flags, its colour transform), since whether the
 *   components are RGB or YCbCr depends on it;
 * - removed, each named once in `removed`: every other APPn (EXIF, XMP, ICC, IPTC, MPF, ...),
 *   COM, JPGn, DAC, DNL (the frame already has the height), the bytes a rewrite dropped, and
 *   anything after EOI (Multi-Picture images, "motion photo" videos phones append there).
 * A file the decoder found damaged never comes here: it is re-encoded (preparePhoto.ts).
 */

import { hasExifPrefix } from './exif';
import type { JpegReading } from './jpegDecode';
import { isJfif } from './jpegHeader';
import {
	APP0,
	APP1,
	APP14,
	APP15,
	COM,
	DAC,
	DHT,
	DNL,
	DQT,
	DRI,
	EOI,
	JPG,
	type JpegSegment,
	SOF0,
	SOF1,
	SOF2,
	SOI,
	SOS,
} from './jpegSegments';

export interface StrippedJpeg {
	bytes: Uint8Array;
	/** What was dropped, each name once, in file order: 'EXIF', 'XMP', 'ICC', 'IPTC', 'comment'... */
	removed: string[];
}

/** JFIF 1.02: "JFIF\0", version (2), units (1), density (2 + 2), thumbnail size (1 + 1). */
const JFIF_BODY_BYTES = 14;
/** Adobe Technical Note 5116: "Adobe", version (2), flags0 (2), flags1 (2), transform (1). */
const ADOBE_BODY_BYTES = 12;
const ADOBE_VERSION = 100;

const KEPT = new Set([DQT, DHT, DRI, SOF0, SOF1, SOF2]);

/** One piece of the copy: bytes of the original, or new bytes. */
type Piece = { from: number; to: number } | Uint8Array;

/** The metadata-only copy of a JPEG the decoder read without damage. */
export function stripJpegMetadata(bytes: Uint8Array, reading: JpegReading): StrippedJpeg {
	const { pieces, removed } = plan(bytes, reading);
	let length = 0;
	for (const piece of pieces)
		length += piece instanceof Uint8Array ? piece.length : piece.to - piece.from;
	const output = new Uint8Array(length);
	let at = 0;
	for (const piece of pieces) {
		const part = piece instanceof Uint8Array ? piece : bytes.subarray(piece.from, piece.to);
		output.set(part, at);
		at += part.length;
	}
	return { bytes: output, removed };
}

/** What a metadata-only copy (or a re-encode, which keeps none of it) removes from the file. */
export function listJpegMetadata(bytes: Uint8Array, reading: JpegReading): string[] {
	return plan(bytes, reading).removed;
}

function plan(bytes: Uint8Array, reading: JpegReading): { pieces: Piece[]; removed: string[] } {
	const removed: string[] = [];
	const note = (name: string): void => {
		if (!removed.includes(name)) removed.push(name);
	};
	const dataEnds = new Map(reading.scans.map((scan) => [scan.sos, scan.dataEnd]));
	const threeComponents = reading.header.info.components === 3;
	const pieces: Piece[] = [Uint8Array.of(0xff, SOI)];
	let jfifDone = false;
	let adobeDone = false;
	for (const segment of reading.segments) {
		const { marker, offset, start, end } = segment;
		if (KEPT.has(marker)) {
			pieces.push({ from: offset, to: end });
		} else if (marker === SOS) {
			const dataEnd = dataEnds.get(segment);
			if (dataEnd === undefined) continue; // a scan the decoder stopped before
			pieces.push({ from: offset, to: dataEnd });
		} else if (
			marker === APP0 &&
			!jfifDone &&
			isJfif(bytes, start, end) &&
			end - start >= JFIF_BODY_BYTES
		) {
			jfifDone = true;
			const minimal = minimalJfif(bytes, start);
			pieces.push(minimal);
			if (!sameBytes(minimal, bytes.subarray(offset, end))) note('JFIF thumbnail');
		} else if (marker === APP14 && threeComponents && !adobeDone && isAdobe(bytes, start, end)) {
			adobeDone = true;
			const standard = standardAdobe(bytes[start + ADOBE_BODY_BYTES - 1]);
			pieces.push(standard);
			if (!sameBytes(standard, bytes.subarray(offset, end))) note('Adobe APP14 extras');
		} else {
			note(describe(bytes, segment));
		}
	}
	pieces.push(Uint8Array.of(0xff, EOI));
	if (reading.trailingBytes > 0) note('data after EOI');
	return { pieces, removed };
}

function minimalJfif(bytes: Uint8Array, start: number): Uint8Array {
	const segment = new Uint8Array(4 + JFIF_BODY_BYTES);
	segment.set([0xff, APP0, 0, 2 + JFIF_BODY_BYTES]);
	segment.set(bytes.subarray(start, start + JFIF_BODY_BYTES - 2), 4); // up to the density
	return segment; // thumbnail width and height stay 0
}

function standardAdobe(transform: number): Uint8Array {
	const segment = new Uint8Array(4 + ADOBE_BODY_BYTES);
	segment.set([0xff, APP14, 0, 2 + ADOBE_BODY_BYTES, 0x41, 0x64, 0x6f, 0x62, 0x65]);
	segment[9] = ADOBE_VERSION >> 8;
	segment[10] = ADOBE_VERSION & 0xff;
	segment[15] = transform;
	return segment;
}

function isAdobe(bytes: Uint8Array, start: number, end: number): boolean {
	return end - start >= ADOBE_BODY_BYTES && startsWithText(bytes, start, end, 'Adobe');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

function startsWithText(bytes: Uint8Array, at: number, end: number, text: string): boolean {
	if (at + text.length > end) return false;
	for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
	return true;
}

/** Names a removed segment the way `removed` reports it. */
function describe(bytes: Uint8Array, segment: JpegSegment): string {
	const { marker, start, end } = segment;
	if (marker === COM) return 'comment';
	if (marker === APP0 && startsWithText(bytes, start, end, 'JFXX\0')) return 'JFXX thumbnail';
	if (marker === APP1 && hasExifPrefix(bytes, start, end)) return 'EXIF';
	if (marker === APP1 && startsWithText(bytes, start, end, 'http://ns.adobe.com/')) return 'XMP';
	if (marker === APP0 + 2 && startsWithText(bytes, start, end, 'ICC_PROFILE\0')) return 'ICC';
	if (marker === APP0 + 2 && startsWithText(bytes, start, end, 'MPF\0')) return 'MPF';
	if (marker === APP0 + 13 && startsWithText(bytes, start, end, 'Photoshop 3.0\0')) return 'IPTC';
	if (marker >= APP0 && marker <= APP15) return `APP${marker - APP0}`;
	if (marker >= 0xf0 && marker <= 0xfd) return `JPG${marker - 0xf0}`;
	if (marker === JPG) return 'JPG';
	if (marker === DAC) return 'DAC';
	if (marker === DNL) return 'DNL';
	return `marker 0x${marker.toString(16)}`;
}
