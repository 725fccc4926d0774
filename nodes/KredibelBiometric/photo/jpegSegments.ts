/**
 * Why this file exists: a JPEG is a chain of marker segments (ITU-T T.81 B.1.1), and the header
 * check, the decoder and the metadata-only copy all need to walk it. They walk it here, once per
 * photo, with one policy for damage, so that the three can never disagree about what a file holds:
 *
 * - the file starts with SOI (FF D8) followed by a marker: `isJpeg` is the photo room's one
 *   signature check;
 * - fill bytes (FF FF ...) before a marker code are allowed (B.1.1.2);
 * - bytes that are not a marker where one is expected are skipped up to the next marker, as
 *   libjpeg does ("extraneous bytes before marker"), and counted: such a file is decoded, never
 *   forwarded as it is (the bytes could carry anything);
 * - the reserved codes 02-BF never start a segment in a real file; where one appears (a damaged
 *   byte pair such as FF 9F) it is skipped and counted like other stray bytes;
 * - a length field below 2 is damage (`corrupt`); a segment cut by the end of the file ends the
 *   walk (`cut`), which the caller treats as a truncated file;
 * - at most MAX_SEGMENTS segments: a photo has a few dozen, and the cap keeps a file of tiny
 *   segments from making a walk long.
 * Entropy-coded data after SOS is not walked here: the scan decoder reads it and says where the
 * next marker is.
 */

import type { PhotoBudget } from './budget';
import { corrupt, PhotoError } from './picture';

/** One marker and, unless standalone, its segment. */
export interface JpegSegment {
	/** The marker code: 0xd8 SOI, 0xe1 APP1, 0xda SOS ... */
	marker: number;
	/** Offset of the marker's 0xff (the last one, after any fill bytes). */
	offset: number;
	/** The segment's data after its length field, [start, end); empty for standalone markers. */
	start: number;
	end: number;
}

// Marker codes (T.81 Table B.1).
export const SOF0 = 0xc0;
export const SOF1 = 0xc1;
export const SOF2 = 0xc2;
export const DHT = 0xc4;
export const JPG = 0xc8;
export const DAC = 0xcc;
export const RST0 = 0xd0;
export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const DQT = 0xdb;
export const DNL = 0xdc;
export const DRI = 0xdd;
const DHP = 0xde;
export const APP0 = 0xe0;
export const APP1 = 0xe1;
export const APP14 = 0xee;
export const APP15 = 0xef;
export const COM = 0xfe;

/** A photo has a few dozen segments; a file with more than this is not a photo. */
export const MAX_SEGMENTS = 4096;

/**
 * Work units (budget.ts): one per segment or stray marker (a segment's body is skipped by its
 * length; the decoder counts what it parses), and per this many bytes searched natively for the
 * next 0xff, or walked one by one through a run of fill bytes.
 */
const SEARCHED_BYTES_PER_UNIT = 64;
const FILL_BYTES_PER_UNIT = 8;

/** Bytes searched for a marker in one step of `next`. */
const SEARCH_WINDOW = 1 << 18;

/** The photo room's one JPEG signature check: SOI followed by the 0xff of the next marker. */
export function isJpeg(bytes: Uint8Array): boolean {
	return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === SOI && bytes[2] === 0xff;
}

/** Markers without a length field (T.81 Table B.1): TEM, RST0-7, SOI, EOI. */
export function isStandalone(marker: number): boolean {
	return marker === 0x01 || (marker >= RST0 && marker <= EOI);
}

/** Frame markers of JPEG kinds this codec does not decode, with what to tell the user. */
export function unsupportedFrame(marker: number): PhotoError | undefined {
	const arithmetic = marker >= 0xc9 && marker <= 0xcf && marker !== DAC;
	const lossless = marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf;
	const hierarchical =
		(marker >= 0xc5 && marker <= 0xc7) || (marker >= 0xcd && marker <= 0xcf) || marker === DHP;
	if (!arithmetic && !lossless && !hierarchical) return undefined;
	const kinds = [
		lossless ? 'lossless' : '',
		hierarchical ? 'hierarchical' : '',
		arithmetic ? 'arithmetic-coded' : '',
	].filter((kind) => kind !== '');
	return new PhotoError(
		'unsupported',
		`The photo is a ${kinds.join(', ')} JPEG (frame type 0x${marker.toString(16)}), a rare kind that Kredibel and most programs do not read`,
		{ fix: ORDINARY_JPEG_FIX },
	);
}

/** How a user fixes a JPEG of a kind that is valid but rarely read. */
export const ORDINARY_JPEG_FIX =
	'Save the photo again as an ordinary JPEG (any photo app, image editor or n8n Edit Image node does this), then send that file.';

/**
 * Walks marker segments from `position`. Not for entropy-coded data: after an SOS the caller
 * decodes the scan and moves `position` to where that data ended.
 */
export class JpegSegmentReader {
	position: number;
	/** Bytes skipped where a marker was expected (libjpeg's "extraneous bytes before marker"). */
	strayBytes = 0;
	/** True when the walk stopped at a segment the end of the file cut short. */
	cut = false;
	private segments = 0;

	constructor(
		readonly bytes: Uint8Array,
		private readonly budget: PhotoBudget,
		position = 2,
	) {
		this.position = position;
	}

	/**
	 * The next marker segment at or after `position` (then `position` is its end); null at the
	 * end of the file (`cut` says whether a segment was cut short there); undefined when no
	 * marker starts within the next SEARCH_WINDOW bytes: `position` has moved past them, call
	 * again (after pacing), so that megabytes of stray bytes are searched in paced steps.
	 */
	next(): JpegSegment | null | undefined {
		const bytes = this.bytes;
		const limit = Math.min(bytes.length, this.position + SEARCH_WINDOW);
		let at = this.position;
		for (;;) {
			// Searched within the window only: indexOf on the whole array would scan to its end.
			const inWindow = at < limit ? bytes.subarray(at, limit).indexOf(0xff) : -1;
			const found = inWindow < 0 ? -1 : at + inWindow;
			if (found < 0) {
				this.skipped(at, limit);
				this.position = limit;
				return limit >= bytes.length ? null : undefined;
			}
			this.skipped(at, found);
			let offset = found;
			while (offset + 1 < limit && bytes[offset + 1] === 0xff) offset++;
			this.budget.spend(Math.floor((offset - found) / FILL_BYTES_PER_UNIT));
			if (offset + 1 >= bytes.length) {
				this.position = bytes.length;
				return null;
			}
			if (offset + 1 >= limit) {
				// A run of fill bytes longer than a window: not a photo's, counted as stray.
				this.strayBytes += offset - found;
				this.position = offset;
				return undefined;
			}
			const marker = bytes[offset + 1];
			if (marker === 0x00 || (marker >= 0x02 && marker < SOF0)) {
				// A stuffed zero or a reserved code: stray bytes, not a segment.
				this.strayBytes += offset + 2 - found;
				this.budget.spend(1);
				at = offset + 2;
				continue;
			}
			this.count();
			this.budget.spend(1);
			if (isStandalone(marker)) {
				this.position = offset + 2;
				return { marker, offset, start: offset + 2, end: offset + 2 };
			}
			if (offset + 4 > bytes.length) return this.stopCut();
			const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
			if (length < 2) {
				throw corrupt(`JPEG segment 0xff${hex(marker)} has a length of ${length} (below 2)`);
			}
			const end = offset + 2 + length;
			if (end > bytes.length) return this.stopCut();
			this.position = end;
			return { marker, offset, start: offset + 4, end };
		}
	}

	/** `next`, searching on through any length of stray bytes (for synchronous callers). */
	nextNow(): JpegSegment | null {
		for (;;) {
			const segment = this.next();
			if (segment !== undefined) return segment;
		}
	}

	/** `next`, pacing between search windows. */
	async nextPaced(): Promise<JpegSegment | null> {
		for (;;) {
			const segment = this.next();
			await this.budget.pace();
			if (segment !== undefined) return segment;
		}
	}

	private stopCut(): null {
		this.cut = true;
		this.position = this.bytes.length;
		return null;
	}

	private skipped(from: number, to: number): void {
		if (to <= from) return;
		this.strayBytes += to - from;
		this.budget.spend(Math.floor((to - from) / SEARCHED_BYTES_PER_UNIT));
	}

	private count(): void {
		if (++this.segments > MAX_SEGMENTS) {
			throw corrupt(
				`The JPEG has more than ${MAX_SEGMENTS} marker segments; a photo has a few dozen`,
			);
		}
	}
}

export function hex(value: number): string {
	return value.toString(16).padStart(2, '0');
}
