/**
 * Marker-level JPEG work that never decodes a pixel: finding the segments (ITU-T T.81 B.1.1), the
 * EXIF orientation (CIPA DC-008 / Exif 2.3 section 4.6.4, tag 0x0112 in IFD0 of a TIFF 6.0
 * structure), and copying a JPEG without its metadata. A photo that is already upright and small
 * enough then leaves the node with its compressed data untouched, yet without the GPS position,
 * device, time, thumbnail or any other block the phone or an editor added. Every read is bounds
 * checked: hostile bytes end in PhotoError('corrupt') (or orientation 1), in one linear pass.
 */

import { EXIF_PREFIX, hasExifPrefix, readExifOrientation as readTiffOrientation } from './exif';
import { PhotoError } from './picture';

export interface JpegSegment {
	/** The marker's second byte: 0xd8 SOI, 0xe1 APP1, 0xda SOS... */
	marker: number;
	/** Offset of the marker's 0xff byte (the last one, after any fill bytes). */
	offset: number;
	/** Bytes from `offset` to the end of the segment, marker and length field included (2 for SOI). */
	length: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP13 = 0xed;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;

/** Markers with no length field (T.81 Table B.1): TEM, RST0-7, SOI, EOI. */
function isStandalone(marker: number): boolean {
	return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
}

function corrupt(message: string): PhotoError {
	return new PhotoError('corrupt', `JPEG: ${message}`);
}

/**
 * Reads the marker segment whose 0xff is at `position` (fill bytes 0xff allowed before the code,
 * T.81 B.1.1.2). A standalone marker comes back with length 2; a segment whose length field is
 * below 2 or runs past the end of the file throws.
 */
function readSegment(bytes: Uint8Array, position: number): JpegSegment {
	if (bytes[position] !== 0xff) throw corrupt(`expected a marker at byte ${position}.`);
	let offset = position;
	while (offset + 1 < bytes.length && bytes[offset + 1] === 0xff) offset++;
	if (offset + 1 >= bytes.length) throw corrupt('the file ends inside a marker.');
	const marker = bytes[offset + 1];
	if (marker === 0x00)
		throw corrupt(`a stuffed zero where a marker was expected (byte ${offset}).`);
	if (isStandalone(marker)) return { marker, offset, length: 2 };
	if (offset + 4 > bytes.length) throw corrupt('the file ends inside a segment length.');
	const declared = (bytes[offset + 2] << 8) | bytes[offset + 3];
	if (declared < 2) throw corrupt(`segment 0xff${hex(marker)} has length ${declared}.`);
	if (offset + 2 + declared > bytes.length) {
		throw corrupt(`segment 0xff${hex(marker)} runs past the end of the file.`);
	}
	return { marker, offset, length: 2 + declared };
}

function hex(value: number): string {
	return value.toString(16).padStart(2, '0');
}

/** Walks segments up to and including SOS; throws PhotoError('corrupt') on a broken structure. */
export function listJpegSegments(bytes: Uint8Array): {
	segments: JpegSegment[];
	scanStart: number;
} {
	if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) throw corrupt('no SOI marker.');
	const segments: JpegSegment[] = [{ marker: SOI, offset: 0, length: 2 }];
	let position = 2;
	for (;;) {
		if (position >= bytes.length) throw corrupt('the file ends before the first scan (no SOS).');
		const segment = readSegment(bytes, position);
		if (segment.length === 2) {
			// Before the first scan only a (second) SOI, EOI, RSTn or TEM could appear: none belongs.
			throw corrupt(`unexpected marker 0xff${hex(segment.marker)} before the first scan.`);
		}
		segments.push(segment);
		position = segment.offset + segment.length;
		if (segment.marker === SOS) return { segments, scanStart: position };
	}
}

function startsWithText(bytes: Uint8Array, at: number, end: number, text: string): boolean {
	if (at + text.length > end) return false;
	for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
	return true;
}

/**
 * EXIF orientation 1-8 from APP1 "Exif\0\0" (TIFF header II/MM, IFD0 tag 0x0112); 1 when absent
 * or unreadable (never throws). Only IFD0 is read, so IFD chains (and loops in them) are never
 * followed; each read is checked against the APP1 segment's end.
 */
export function readExifOrientation(bytes: Uint8Array): number {
	if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return 1;
	let position = 2;
	while (position < bytes.length) {
		let segment: JpegSegment;
		try {
			segment = readSegment(bytes, position);
		} catch {
			return 1;
		}
		if (segment.length === 2 || segment.marker === SOS) return 1;
		const body = segment.offset + 4;
		const end = segment.offset + segment.length;
		if (segment.marker === APP1 && hasExifPrefix(bytes, body, end)) {
			return readTiffOrientation(bytes.subarray(body + EXIF_PREFIX.length, end));
		}
		position = end;
	}
	return 1;
}

export interface StrippedJpeg {
	bytes: Uint8Array;
	/** What was dropped, each name once, in file order: 'EXIF', 'XMP', 'ICC', 'IPTC', 'comment'... */
	removed: string[];
}

/** Names an application segment or comment the way `removed` reports it. */
function describe(bytes: Uint8Array, segment: JpegSegment): string {
	const body = segment.offset + 4;
	const end = segment.offset + segment.length;
	const marker = segment.marker;
	if (marker === COM) return 'comment';
	if (marker === APP0 && startsWithText(bytes, body, end, 'JFXX\0')) return 'JFXX thumbnail';
	if (marker === APP1 && hasExifPrefix(bytes, body, end)) return 'EXIF';
	if (marker === APP1 && startsWithText(bytes, body, end, 'http://ns.adobe.com/')) return 'XMP';
	if (marker === APP2 && startsWithText(bytes, body, end, 'ICC_PROFILE\0')) return 'ICC';
	if (marker === APP2 && startsWithText(bytes, body, end, 'MPF\0')) return 'MPF';
	if (marker === APP13 && startsWithText(bytes, body, end, 'Photoshop 3.0\0')) return 'IPTC';
	return `APP${marker - APP0}`;
}

function isJfif(bytes: Uint8Array, segment: JpegSegment): boolean {
	return (
		segment.marker === APP0 &&
		startsWithText(bytes, segment.offset + 4, segment.offset + segment.length, 'JFIF\0')
	);
}

/** Adobe APP14 carries the colour transform flag decoders need (Adobe Technical Note 5116). */
function isAdobe(bytes: Uint8Array, segment: JpegSegment): boolean {
	return (
		segment.marker === APP14 &&
		startsWithText(bytes, segment.offset + 4, segment.offset + segment.length, 'Adobe')
	);
}

function isMetadata(segment: JpegSegment): boolean {
	return (segment.marker >= APP0 && segment.marker <= APP15) || segment.marker === COM;
}

/**
 * A JFIF APP0 (JFIF 1.02 section "JFIF APP0 marker") may carry an uncompressed thumbnail after
 * its 14 fixed bytes: that picture is as personal as the photo, so it goes and the fields stay.
 */
const JFIF_FIXED_LENGTH = 2 + 2 + 14; // marker, length, "JFIF\0" + version + units + density + 2 thumbnail sizes

/**
 * The one walk behind stripJpegMetadata and hasJpegMetadata: header segments via
 * listJpegSegments, then the entropy-coded data and any further scans up to EOI (T.81 B.2.1,
 * B.1.1.5: inside entropy-coded data 0xff is followed by 0x00 or RSTn). Writes to `output` when
 * given; always returns what is removed.
 */
function walk(bytes: Uint8Array, output: Uint8Array | null): { removed: string[]; length: number } {
	const { segments, scanStart } = listJpegSegments(bytes);
	const removed: string[] = [];
	const note = (name: string): void => {
		if (!removed.includes(name)) removed.push(name);
	};
	let length = 0;
	const copy = (from: number, to: number): void => {
		if (output) output.set(bytes.subarray(from, to), length);
		length += to - from;
	};

	for (const segment of segments) {
		const end = segment.offset + segment.length;
		if (segment.marker === SOI) {
			copy(0, 2);
		} else if (isJfif(bytes, segment)) {
			if (segment.length > JFIF_FIXED_LENGTH) {
				note('JFIF thumbnail');
				if (output) {
					output.set(bytes.subarray(segment.offset, segment.offset + JFIF_FIXED_LENGTH), length);
					output[length + 2] = 0;
					output[length + 3] = JFIF_FIXED_LENGTH - 2;
					output[length + 16] = 0; // thumbnail width
					output[length + 17] = 0; // thumbnail height
				}
				length += JFIF_FIXED_LENGTH;
			} else {
				copy(segment.offset, end);
			}
		} else if (isMetadata(segment) && !isAdobe(bytes, segment)) {
			note(describe(bytes, segment));
		} else {
			copy(segment.offset, end);
		}
	}

	// Entropy-coded data and any further scans (progressive DHT/DQT/SOS, DRI, DNL) up to EOI.
	let position = scanStart;
	let runStart = scanStart;
	while (position < bytes.length) {
		// Jump to the next 0xff: the entropy-coded data is megabytes long, and a native search is
		// several times faster than a loop over it.
		position = bytes.indexOf(0xff, position);
		if (position === -1) {
			position = bytes.length;
			break;
		}
		const next = position + 1 < bytes.length ? bytes[position + 1] : -1;
		if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
			// Stuffed byte, restart marker, or fill byte: all part of the data copied verbatim.
			position += next === 0xff ? 1 : 2;
			continue;
		}
		if (next === -1) break;
		const segment = readSegment(bytes, position);
		if (segment.marker === EOI) {
			copy(runStart, segment.offset + 2);
			if (segment.offset + 2 < bytes.length) note('data after EOI');
			return { removed, length };
		}
		if (segment.marker === SOI) throw corrupt(`SOI inside the scan data (byte ${segment.offset}).`);
		if (isMetadata(segment) && !isAdobe(bytes, segment)) {
			copy(runStart, segment.offset);
			note(describe(bytes, segment));
			runStart = segment.offset + segment.length;
		}
		position = segment.offset + segment.length;
	}
	// Truncated file without EOI: keep what there is, as the original would have decoded it.
	copy(runStart, bytes.length);
	return { removed, length };
}

/**
 * Copies SOI, DQT, DHT, DRI, SOFn, SOS and everything from the first SOS to EOI (the
 * entropy-coded data, further scans of progressive files, their DHTs) byte for byte; drops APP1
 * (EXIF, XMP), APP2-APP15 except APP14 "Adobe" (needed to decode colours), COM, and APP0 other
 * than JFIF. Keeps a JFIF APP0 if present (without its thumbnail, if it has one).
 *
 * Also dropped: the ICC profile (APP2 "ICC_PROFILE"; not personal, but metadata the product
 * promises to remove, and phones' sRGB-like profiles change little), APPn/COM between scans, and
 * anything after EOI (Multi-Picture images, "motion photo" videos phones append there).
 */
export function stripJpegMetadata(bytes: Uint8Array): StrippedJpeg {
	const { length } = walk(bytes, null);
	const output = new Uint8Array(length);
	const { removed } = walk(bytes, output);
	return { bytes: output, removed };
}

/** What stripJpegMetadata would remove, without making the copy (throws PhotoError when broken). */
export function listJpegMetadata(bytes: Uint8Array): string[] {
	return walk(bytes, null).removed;
}

/** True when stripJpegMetadata would remove something (throws PhotoError on a broken file). */
export function hasJpegMetadata(bytes: Uint8Array): boolean {
	return listJpegMetadata(bytes).length > 0;
}
