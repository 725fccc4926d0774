/**
 * Why this file exists: before a single pixel is decoded, the marker segments say how big the
 * picture is, how it was coded and with which tables. Reading them here, with every length and
 * index checked against the segment and every size against the input limits, means the decoder
 * never allocates or loops on the word of a hostile header. `readJpegHeader` walks the segments up
 * to the first scan with the one segment reader (jpegSegments.ts); the decoder carries on from
 * there with the same reader, so each photo is walked once.
 * Implements the syntax of ITU-T T.81 Annex B (B.2.2 frame header, B.2.3 scan header, B.2.4.1
 * DQT, B.2.4.2 DHT) and reads the Adobe APP14 segment (Adobe Technical Note 5116) that says
 * whether colour components were transformed, the JFIF APP0 and the EXIF orientation (exif.ts).
 */

import { PhotoBudget } from './budget';
import { hasExifPrefix, readExifOrientation } from './exif';
import { buildHuffmanTable, type HuffmanTable } from './huffman';
import { ZIGZAG_TO_NATURAL } from './idct';
import {
	APP0,
	APP1,
	APP14,
	EOI,
	isJpeg,
	isStandalone,
	JpegSegmentReader,
	ORDINARY_JPEG_FIX,
	SOF0,
	SOF1,
	SOF2,
	SOI,
	SOS,
	type JpegSegment,
	unsupportedFrame,
} from './jpegSegments';
import { corrupt, MAX_INPUT_BYTES, MAX_INPUT_PIXELS, PhotoError } from './picture';

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

/** Frame header (B.2.2). `start`/`end` bound the segment after its length field. */
function parseFrame(
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
		throw new PhotoError(
			'unsupported',
			`The photo is a ${precision}-bit JPEG, a rare kind that Kredibel and most programs do not read`,
			{ fix: ORDINARY_JPEG_FIX },
		);
	}
	if (height === 0) {
		// T.81 allows the height to come later in a DNL marker; libjpeg refuses that too.
		throw new PhotoError(
			'unsupported',
			'The JPEG gives its height only after the picture data (DNL), which almost no program reads',
			{ fix: ORDINARY_JPEG_FIX },
		);
	}
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
		progressive: marker === SOF2,
		width,
		height,
		components,
		maxHorizontalSampling: maxH,
		maxVerticalSampling: maxV,
		mcusPerLine,
		mcusPerColumn,
	};
}

/** DQT (B.2.4.1): 8- or 16-bit tables, stored in natural order for the IDCT; `onTable` before each. */
export function parseQuantTables(
	bytes: Uint8Array,
	start: number,
	end: number,
	tables: Array<Int32Array | null>,
	onTable: () => void,
): void {
	let p = start;
	while (p < end) {
		onTable();
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

/** DHT (B.2.4.2): any number of tables in one segment; `onTable` is called before each. */
export function parseHuffmanTables(
	bytes: Uint8Array,
	start: number,
	end: number,
	dcTables: Array<HuffmanTable | null>,
	acTables: Array<HuffmanTable | null>,
	onTable: () => void,
): void {
	let p = start;
	while (p < end) {
		onTable();
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
function parseAdobeTransform(bytes: Uint8Array, start: number, end: number): number | null {
	if (end - start < 12) return null;
	const adobe = [0x41, 0x64, 0x6f, 0x62, 0x65]; // "Adobe"
	for (let i = 0; i < 5; i++) if (bytes[start + i] !== adobe[i]) return null;
	return bytes[start + 11];
}

/** What the segments before the first scan say, and where the decoder carries on. */
export interface JpegHeader {
	info: JpegInfo;
	frame: JpegFrame;
	/** EXIF orientation 1-8 from the first APP1 "Exif" segment (1 when none). */
	orientation: number;
	jfif: boolean;
	/** Every segment after SOI up to and including the first SOS, in file order. */
	segments: JpegSegment[];
	/** Bytes skipped where a marker was expected before the first scan (damage). */
	strayBytes: number;
}

/**
 * Walks the segments up to the first scan, without decoding: the frame header, Adobe, JFIF and
 * EXIF orientation. Throws PhotoError 'corrupt', 'unsupported' (arithmetic, lossless,
 * hierarchical, 12-bit) or 'too_large' (above MAX_INPUT_BYTES or `maxPixels`). Synchronous, for
 * a quick check: linear in the file (native searches, at most MAX_SEGMENTS segments); tables are
 * only parsed by the decoder. `readJpegHeaderPaced` is the same walk with checkpoints.
 */
export function readJpegHeader(
	bytes: Uint8Array,
	budget: PhotoBudget,
	maxPixels = MAX_INPUT_PIXELS,
): JpegHeader {
	const walk = new HeaderWalk(bytes, budget, maxPixels);
	for (;;) {
		const header = walk.take(walk.reader.nextNow());
		if (header) return header;
	}
}

/** readJpegHeader, calling the budget's checkpoint as it goes (the path that prepares a photo). */
export async function readJpegHeaderPaced(
	bytes: Uint8Array,
	budget: PhotoBudget,
	maxPixels = MAX_INPUT_PIXELS,
): Promise<JpegHeader> {
	const walk = new HeaderWalk(bytes, budget, maxPixels);
	for (;;) {
		const header = walk.take(await walk.reader.nextPaced());
		if (header) return header;
	}
}

/** The state of a header walk, one segment at a time. */
class HeaderWalk {
	readonly reader: JpegSegmentReader;
	private readonly segments: JpegSegment[] = [];
	private frame: JpegFrame | null = null;
	private adobeTransform: number | null = null;
	private jfif = false;
	private orientation: number | null = null;

	constructor(
		private readonly bytes: Uint8Array,
		budget: PhotoBudget,
		private readonly maxPixels: number,
	) {
		if (bytes.length > MAX_INPUT_BYTES) {
			throw new PhotoError('too_large', `JPEG of ${bytes.length} bytes is above the input limit`);
		}
		if (!isJpeg(bytes)) throw corrupt('The file is not a JPEG: it does not start with SOI');
		this.reader = new JpegSegmentReader(bytes, budget);
	}

	/** Takes the next segment; the header once the first SOS is reached. */
	take(segment: JpegSegment | null): JpegHeader | null {
		const bytes = this.bytes;
		if (!segment) throw corrupt('The JPEG ends before its picture data starts');
		const { marker, start, end } = segment;
		if (isStandalone(marker)) {
			if (marker === SOI) throw corrupt('The JPEG has two SOI markers');
			if (marker === EOI) throw corrupt('The JPEG ends (EOI) before any picture data');
			return null; // a stray RSTn or TEM carries nothing (libjpeg ignores them too)
		}
		const unsupported = unsupportedFrame(marker);
		if (unsupported) throw unsupported;
		this.segments.push(segment);
		if (marker === SOF0 || marker === SOF1 || marker === SOF2) {
			if (this.frame) throw corrupt('The JPEG has two frame headers');
			this.frame = parseFrame(bytes, marker, start, end, this.maxPixels);
		} else if (marker === APP14) {
			this.adobeTransform = parseAdobeTransform(bytes, start, end) ?? this.adobeTransform;
		} else if (marker === APP0) {
			this.jfif ||= isJfif(bytes, start, end);
		} else if (marker === APP1 && this.orientation === null && hasExifPrefix(bytes, start, end)) {
			this.orientation = readExifOrientation(bytes.subarray(start, end));
		} else if (marker === SOS) {
			const frame = this.frame;
			if (!frame) throw corrupt('The JPEG has picture data before its frame header');
			return {
				info: {
					width: frame.width,
					height: frame.height,
					components: frame.components.length,
					progressive: frame.progressive,
					adobeTransform: this.adobeTransform,
				},
				frame,
				orientation: this.orientation ?? 1,
				jfif: this.jfif,
				segments: this.segments,
				strayBytes: this.reader.strayBytes,
			};
		}
		return null;
	}
}

/** The frame's size and kind, for callers that only need that (tests, the bench, e2e checks). */
export function readJpegInfo(bytes: Uint8Array): JpegInfo {
	return readJpegHeader(bytes, new PhotoBudget()).info;
}

/** "JFIF\0" at the start of an APP0 body (JFIF 1.02). */
export function isJfif(bytes: Uint8Array, start: number, end: number): boolean {
	return (
		end - start >= 5 &&
		bytes[start] === 0x4a &&
		bytes[start + 1] === 0x46 &&
		bytes[start + 2] === 0x49 &&
		bytes[start + 3] === 0x46 &&
		bytes[start + 4] === 0
	);
}
