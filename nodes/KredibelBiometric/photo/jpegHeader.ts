/**
 * Why this file exists: before a single pixel is decoded, the JPEG marker segments say how big the
 * picture is, how it was coded and with which tables. Reading them here, with every length and
 * index checked against the bytes actually present and every size checked against the input
 * limits, means the decoder never allocates or loops on the word of a hostile header.
 * Implements the syntax of ITU-T T.81 Annex B (B.1.1.2 markers, B.2.2 frame header, B.2.3 scan
 * header, B.2.4.1 DQT, B.2.4.2 DHT, B.2.4.4 DRI) and reads the Adobe APP14 segment (Adobe
 * Technical Note 5116) that says whether colour components were transformed.
 */

import { buildHuffmanTable, type HuffmanTable } from './huffman';
import { ZIGZAG_TO_NATURAL } from './idct';
import { MAX_INPUT_BYTES, MAX_INPUT_PIXELS, PhotoError } from './picture';

export interface JpegInfo {
	width: number;
	height: number;
	components: number;
	progressive: boolean;
	adobeTransform: number | null;
}

export interface FrameComponent {
	id: number;
	horizontalSampling: number;
	verticalSampling: number;
	quantTableIndex: number;
}

export interface JpegFrame {
	progressive: boolean;
	width: number;
	height: number;
	components: FrameComponent[];
	maxHorizontalSampling: number;
	maxVerticalSampling: number;
	/** MCUs of an interleaved scan (T.81 A.2.3). */
	mcusPerLine: number;
	mcusPerColumn: number;
}

export interface ScanComponent {
	/** Index into `JpegFrame.components`. */
	componentIndex: number;
	dcTableIndex: number;
	acTableIndex: number;
}

export interface ScanHeader {
	components: ScanComponent[];
	spectralStart: number;
	spectralEnd: number;
	approximationHigh: number;
	approximationLow: number;
}

// Marker codes (T.81 Table B.1).
export const MARKER_SOF0 = 0xc0;
export const MARKER_SOF1 = 0xc1;
export const MARKER_SOF2 = 0xc2;
export const MARKER_DHT = 0xc4;
export const MARKER_DAC = 0xcc;
export const MARKER_SOI = 0xd8;
export const MARKER_EOI = 0xd9;
export const MARKER_SOS = 0xda;
export const MARKER_DQT = 0xdb;
export const MARKER_DNL = 0xdc;
export const MARKER_DRI = 0xdd;
export const MARKER_APP14 = 0xee;

/** True for the SOFn markers of frame types this decoder refuses (lossless, hierarchical, arithmetic). */
export function isUnsupportedFrameMarker(marker: number): boolean {
	return (
		(marker >= 0xc3 && marker <= 0xcf && marker !== MARKER_DHT && marker !== 0xc8) ||
		marker === MARKER_DAC ||
		marker === MARKER_DNL ||
		marker === 0xde ||
		marker === 0xdf
	);
}

export function corrupt(message: string): PhotoError {
	return new PhotoError('corrupt', message);
}

/** Checks the input size limit and the SOI marker (T.81 B.2.1). */
export function checkJpegStart(bytes: Uint8Array): void {
	if (bytes.length > MAX_INPUT_BYTES) {
		throw new PhotoError('too_large', `JPEG of ${bytes.length} bytes is above the input limit`);
	}
	if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== MARKER_SOI) {
		throw corrupt('not a JPEG file (no SOI marker)');
	}
}

/**
 * Finds the next marker at or after `pos` (B.1.1.2: optional 0xFF fill bytes before the code;
 * stray bytes before a marker are skipped as libjpeg does). Returns the position of the code
 * byte, or -1 at the end of the input.
 */
export function findMarker(bytes: Uint8Array, pos: number): number {
	for (let p = pos; p + 1 < bytes.length; p++) {
		if (bytes[p] === 0xff) {
			const code = bytes[p + 1];
			if (code !== 0 && code !== 0xff) return p + 1;
		}
	}
	return -1;
}

/** Length of the segment whose length field is at `pos`, checked against the input (B.1.1.4). */
export function segmentLength(bytes: Uint8Array, pos: number): number {
	if (pos + 2 > bytes.length) throw corrupt('JPEG segment length is cut off');
	const length = (bytes[pos] << 8) | bytes[pos + 1];
	if (length < 2) throw corrupt('JPEG segment length is below 2');
	if (pos + length > bytes.length) throw corrupt('JPEG segment runs past the end of the file');
	return length;
}

/** Frame header (B.2.2). `start`/`end` bound the segment after its length field. */
export function parseFrame(
	bytes: Uint8Array,
	marker: number,
	start: number,
	end: number,
	maxPixels: number,
): JpegFrame {
	if (end - start < 6) throw corrupt('JPEG frame header is too short');
	const precision = bytes[start];
	const height = (bytes[start + 1] << 8) | bytes[start + 2];
	const width = (bytes[start + 3] << 8) | bytes[start + 4];
	const count = bytes[start + 5];
	if (precision !== 8) {
		throw new PhotoError('unsupported', `JPEG with ${precision}-bit samples is not supported`);
	}
	if (height === 0) throw new PhotoError('unsupported', 'JPEG whose height is set by DNL');
	if (width === 0) throw corrupt('JPEG frame has a width of 0');
	if (count === 0 || end - start !== 6 + 3 * count) throw corrupt('JPEG frame header length');
	if (count !== 1 && count !== 3 && count !== 4) {
		throw new PhotoError('unsupported', `JPEG with ${count} colour components`);
	}
	if (width * height > maxPixels) {
		throw new PhotoError('too_large', `JPEG of ${width}x${height} pixels is above the limit`);
	}
	const components: FrameComponent[] = [];
	let maxH = 1;
	let maxV = 1;
	for (let i = 0; i < count; i++) {
		const p = start + 6 + 3 * i;
		const sampling = bytes[p + 1];
		const component: FrameComponent = {
			id: bytes[p],
			horizontalSampling: sampling >> 4,
			verticalSampling: sampling & 15,
			quantTableIndex: bytes[p + 2],
		};
		if (
			component.horizontalSampling < 1 ||
			component.horizontalSampling > 4 ||
			component.verticalSampling < 1 ||
			component.verticalSampling > 4
		) {
			throw corrupt('JPEG sampling factor outside 1..4');
		}
		if (component.quantTableIndex > 3) throw corrupt('JPEG quantisation table index above 3');
		if (components.some((other) => other.id === component.id)) {
			throw corrupt('JPEG frame names a component twice');
		}
		maxH = Math.max(maxH, component.horizontalSampling);
		maxV = Math.max(maxV, component.verticalSampling);
		components.push(component);
	}
	const mcusPerLine = Math.ceil(width / (8 * maxH));
	const mcusPerColumn = Math.ceil(height / (8 * maxV));
	// The MCU grid is padded to whole MCUs; a very thin picture can pad a lot, so bound it too.
	if (mcusPerLine * 8 * maxH * mcusPerColumn * 8 * maxV > 2 * maxPixels + 65536) {
		throw new PhotoError('too_large', `JPEG of ${width}x${height} pixels pads above the limit`);
	}
	return {
		progressive: marker === MARKER_SOF2,
		width,
		height,
		components,
		maxHorizontalSampling: maxH,
		maxVerticalSampling: maxV,
		mcusPerLine,
		mcusPerColumn,
	};
}

/** DQT (B.2.4.1): 8- or 16-bit tables, stored in natural order for the IDCT. */
export function parseQuantTables(
	bytes: Uint8Array,
	start: number,
	end: number,
	tables: Array<Int32Array | null>,
): void {
	let p = start;
	while (p < end) {
		const precision = bytes[p] >> 4;
		const index = bytes[p] & 15;
		p++;
		if (precision > 1 || index > 3) throw corrupt('JPEG quantisation table header');
		const size = precision === 0 ? 64 : 128;
		if (p + size > end) throw corrupt('JPEG quantisation table is cut off');
		const table = new Int32Array(64);
		for (let k = 0; k < 64; k++) {
			table[ZIGZAG_TO_NATURAL[k]] =
				precision === 0 ? bytes[p + k] : (bytes[p + 2 * k] << 8) | bytes[p + 2 * k + 1];
		}
		tables[index] = table;
		p += size;
	}
}

/** DHT (B.2.4.2): any number of tables in one segment. */
export function parseHuffmanTables(
	bytes: Uint8Array,
	start: number,
	end: number,
	dcTables: Array<HuffmanTable | null>,
	acTables: Array<HuffmanTable | null>,
): void {
	let p = start;
	while (p < end) {
		if (p + 17 > end) throw corrupt('JPEG Huffman table is cut off');
		const tableClass = bytes[p] >> 4;
		const index = bytes[p] & 15;
		if (tableClass > 1 || index > 3) throw corrupt('JPEG Huffman table header');
		const counts = bytes.subarray(p + 1, p + 17);
		let total = 0;
		for (let i = 0; i < 16; i++) total += counts[i];
		p += 17;
		if (total > 256 || p + total > end) throw corrupt('JPEG Huffman table symbol count');
		const table = buildHuffmanTable(counts, bytes.subarray(p, p + total));
		if (tableClass === 0) dcTables[index] = table;
		else acTables[index] = table;
		p += total;
	}
}

/** Scan header (B.2.3), with the parameter limits of B.2.3 and G.1.1.1.1 for progressive scans. */
export function parseScanHeader(
	bytes: Uint8Array,
	start: number,
	end: number,
	frame: JpegFrame,
): ScanHeader {
	const count = bytes[start];
	if (count < 1 || count > 4 || end - start !== 4 + 2 * count) {
		throw corrupt('JPEG scan header length');
	}
	const components: ScanComponent[] = [];
	let blocksPerMcu = 0;
	for (let i = 0; i < count; i++) {
		const p = start + 1 + 2 * i;
		const componentIndex = frame.components.findIndex((c) => c.id === bytes[p]);
		if (componentIndex < 0) throw corrupt('JPEG scan names a component not in the frame');
		if (components.some((c) => c.componentIndex === componentIndex)) {
			throw corrupt('JPEG scan names a component twice');
		}
		const dcTableIndex = bytes[p + 1] >> 4;
		const acTableIndex = bytes[p + 1] & 15;
		if (dcTableIndex > 3 || acTableIndex > 3) throw corrupt('JPEG scan Huffman table index');
		const component = frame.components[componentIndex];
		blocksPerMcu += component.horizontalSampling * component.verticalSampling;
		components.push({ componentIndex, dcTableIndex, acTableIndex });
	}
	if (count > 1 && blocksPerMcu > 10) throw corrupt('JPEG MCU of more than 10 blocks (B.2.3)');
	const p = start + 1 + 2 * count;
	const scan: ScanHeader = {
		components,
		spectralStart: bytes[p],
		spectralEnd: bytes[p + 1],
		approximationHigh: bytes[p + 2] >> 4,
		approximationLow: bytes[p + 2] & 15,
	};
	if (frame.progressive) {
		const { spectralStart, spectralEnd, approximationHigh, approximationLow } = scan;
		const dcScan = spectralStart === 0;
		if (
			spectralEnd > 63 ||
			spectralStart > spectralEnd ||
			(dcScan && spectralEnd !== 0) ||
			(!dcScan && count !== 1) ||
			approximationLow > 13 ||
			(approximationHigh !== 0 && approximationHigh !== approximationLow + 1)
		) {
			throw corrupt('JPEG progressive scan parameters');
		}
	} else {
		// Sequential scans always code all 64 coefficients; libjpeg ignores other values here.
		scan.spectralStart = 0;
		scan.spectralEnd = 63;
		scan.approximationHigh = 0;
		scan.approximationLow = 0;
	}
	return scan;
}

/** Adobe APP14 (Technical Note 5116): the colour transform flag, or null if not an Adobe segment. */
export function parseAdobeTransform(bytes: Uint8Array, start: number, end: number): number | null {
	if (end - start < 12) return null;
	const adobe = [0x41, 0x64, 0x6f, 0x62, 0x65]; // "Adobe"
	for (let i = 0; i < 5; i++) if (bytes[start + i] !== adobe[i]) return null;
	return bytes[start + 11];
}

/**
 * Reads the frame header (and any Adobe APP14 before the first scan) without decoding.
 * Throws PhotoError 'corrupt', 'unsupported' (arithmetic, lossless, hierarchical, 12-bit) or
 * 'too_large' (above MAX_INPUT_BYTES or MAX_INPUT_PIXELS).
 */
export function readJpegInfo(bytes: Uint8Array): JpegInfo {
	checkJpegStart(bytes);
	let frame: JpegFrame | null = null;
	let adobeTransform: number | null = null;
	let pos = 2;
	for (;;) {
		const markerPos = findMarker(bytes, pos);
		if (markerPos < 0) break;
		const marker = bytes[markerPos];
		if (marker === MARKER_SOS || marker === MARKER_EOI) break;
		if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			pos = markerPos + 1;
			continue;
		}
		if (isUnsupportedFrameMarker(marker)) {
			throw new PhotoError('unsupported', `JPEG frame type 0x${marker.toString(16)}`);
		}
		const length = segmentLength(bytes, markerPos + 1);
		const start = markerPos + 3;
		const end = markerPos + 1 + length;
		if (marker === MARKER_SOF0 || marker === MARKER_SOF1 || marker === MARKER_SOF2) {
			if (frame) throw corrupt('JPEG has two frame headers');
			frame = parseFrame(bytes, marker, start, end, MAX_INPUT_PIXELS);
		} else if (marker === MARKER_APP14) {
			adobeTransform = parseAdobeTransform(bytes, start, end) ?? adobeTransform;
		}
		pos = end;
	}
	if (!frame) throw corrupt('JPEG has no frame header before its image data');
	return {
		width: frame.width,
		height: frame.height,
		components: frame.components.length,
		progressive: frame.progressive,
		adobeTransform,
	};
}
