/**
 * Baseline JPEG encoder (ITU-T T.81), so that a photo made upright, stripped and shrunk inside the
 * node can be sent as a small JPEG without any library or Node module. It writes what every
 * decoder reads: a JFIF APP0, one sequential Huffman-coded scan (T.81 Annex F, process "baseline"),
 * the example quantization tables of Annex K.1 scaled by quality the way IJG's libjpeg does, and
 * the example Huffman tables of Annex K.3. Colour pictures are YCbCr 4:2:0 (JFIF 1.02), grey ones
 * a single component. The forward DCT is the AAN flow graph (Arai, Agui, Nakajima) with its output
 * scaling folded into the quantizer, in Float32 arithmetic on a few preallocated buffers.
 */

import { type Checkpoint, PhotoError, type Picture } from './picture';

export interface JpegEncodeOptions {
	/** 1-100, the IJG scaling of the Annex K tables (50 = the tables as printed); rounded and
	 * clamped to 1-100, a non-finite value means 90. */
	quality: number;
	checkpoint?: Checkpoint;
}

/** T.81 Annex K.1, Table K.1: luminance quantization table, in natural (row-major) order. */
const ANNEX_K_LUMINANCE_QUANT = [
	16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
	14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
	92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** T.81 Annex K.1, Table K.2: chrominance quantization table, in natural order. */
const ANNEX_K_CHROMINANCE_QUANT = [
	17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
	47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/**
 * T.81 Figure A.6: the zig-zag sequence. ZIGZAG_TO_NATURAL[k] is the row-major index of the k-th
 * coefficient in zig-zag order; built by walking the anti-diagonals, alternating direction.
 */
const ZIGZAG_TO_NATURAL = buildZigzag();

function buildZigzag(): Uint8Array {
	const order = new Uint8Array(64);
	let k = 0;
	for (let diagonal = 0; diagonal < 15; diagonal++) {
		const first = Math.max(0, diagonal - 7);
		const last = Math.min(7, diagonal);
		for (let i = first; i <= last; i++) {
			// Even diagonals run up and to the right (row decreasing), odd ones down and to the left.
			const row = diagonal % 2 === 0 ? diagonal - i : i;
			order[k++] = row * 8 + (diagonal - row);
		}
	}
	return order;
}

/** A Huffman table as DHT carries it (T.81 B.2.4.2): counts of codes per length 1-16, then symbols. */
interface HuffmanSpec {
	bits: number[];
	values: number[];
}

/** T.81 Annex K.3, Table K.3: luminance DC differences. */
const LUMINANCE_DC: HuffmanSpec = {
	bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
	values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/** T.81 Annex K.3, Table K.4: chrominance DC differences. */
const CHROMINANCE_DC: HuffmanSpec = {
	bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
	values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/**
 * T.81 Annex K.3.2, Tables K.5 and K.6: AC (run, size) symbols. Every symbol with a code shorter
 * than 16 bits is listed; the 16-bit codes, as printed in the Annex, are all remaining symbols of
 * the 162 (runs 0-15 x sizes 1-10, EOB, ZRL) in ascending order, so they are appended by rule.
 */
const LUMINANCE_AC: HuffmanSpec = completeAcTable(
	[0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
	[
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82,
	],
);

const CHROMINANCE_AC: HuffmanSpec = completeAcTable(
	[0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
	[
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1,
	],
);

function completeAcTable(bits: number[], shortCodes: number[]): HuffmanSpec {
	const listed = new Set(shortCodes);
	const values = [...shortCodes];
	for (let symbol = 0; symbol < 256; symbol++) {
		const size = symbol & 15;
		const isRunSize = size >= 1 && size <= 10;
		if ((isRunSize || symbol === 0x00 || symbol === 0xf0) && !listed.has(symbol))
			values.push(symbol);
	}
	return { bits, values };
}

/** Code and length per symbol, derived as in T.81 Annex C (Figures C.1-C.3). */
interface HuffmanCodes {
	code: Uint16Array;
	length: Uint8Array;
}

function deriveCodes(spec: HuffmanSpec): HuffmanCodes {
	const code = new Uint16Array(256);
	const length = new Uint8Array(256);
	let next = 0;
	let k = 0;
	for (let bitLength = 1; bitLength <= 16; bitLength++) {
		for (let i = 0; i < spec.bits[bitLength - 1]; i++) {
			const symbol = spec.values[k++];
			code[symbol] = next++;
			length[symbol] = bitLength;
		}
		next <<= 1;
	}
	return { code, length };
}

const LUMINANCE_DC_CODES = deriveCodes(LUMINANCE_DC);
const LUMINANCE_AC_CODES = deriveCodes(LUMINANCE_AC);
const CHROMINANCE_DC_CODES = deriveCodes(CHROMINANCE_DC);
const CHROMINANCE_AC_CODES = deriveCodes(CHROMINANCE_AC);

/**
 * IJG quality scaling (libjpeg's jpeg_quality_scaling): 50 keeps the Annex K tables, higher
 * qualities scale them down linearly to all-ones at 100, lower ones up to 50x at 1. Entries are
 * clamped to 1-255 so that the tables stay 8-bit (baseline, T.81 B.2.4.1 Pq = 0).
 */
function scaledQuantTable(base: number[], quality: number): Uint8Array {
	const q = Math.min(100, Math.max(1, Math.round(quality)));
	const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
	const table = new Uint8Array(64);
	for (let i = 0; i < 64; i++) {
		table[i] = Math.min(255, Math.max(1, Math.floor((base[i] * scale + 50) / 100)));
	}
	return table;
}

/** AAN row/column scale factors: cos(k*pi/16) * sqrt(2) for k > 0, 1 for k = 0. */
const AAN_SCALE = new Float64Array(8).map((_, k) =>
	k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2,
);

/**
 * Multipliers that turn the AAN DCT output at natural index i into the quantized value: the DCT
 * of T.81 A.3.3 is 1/(8 * s(u) * s(v)) times AAN's output, then divided by the quantizer.
 */
function quantMultipliers(table: Uint8Array): Float32Array {
	const multipliers = new Float32Array(64);
	for (let row = 0; row < 8; row++) {
		for (let col = 0; col < 8; col++) {
			const i = row * 8 + col;
			multipliers[i] = 1 / (table[i] * AAN_SCALE[row] * AAN_SCALE[col] * 8);
		}
	}
	return multipliers;
}

/**
 * Forward DCT of one 8x8 block in place (the AAN factorisation: 5 multiplications and 29
 * additions per 8 samples), rows then columns. The output is scaled by 8 * s(u) * s(v), which
 * quantMultipliers removes.
 */
function forwardDct(block: Float32Array): void {
	for (let pass = 0; pass < 2; pass++) {
		// Pass 0 walks rows (stride 1 within, 8 between); pass 1 walks columns.
		const step = pass === 0 ? 1 : 8;
		const next = pass === 0 ? 8 : 1;
		for (let line = 0, base = 0; line < 8; line++, base += next) {
			const i0 = base;
			const i1 = base + step;
			const i2 = base + 2 * step;
			const i3 = base + 3 * step;
			const i4 = base + 4 * step;
			const i5 = base + 5 * step;
			const i6 = base + 6 * step;
			const i7 = base + 7 * step;
			const sum07 = block[i0] + block[i7];
			const diff07 = block[i0] - block[i7];
			const sum16 = block[i1] + block[i6];
			const diff16 = block[i1] - block[i6];
			const sum25 = block[i2] + block[i5];
			const diff25 = block[i2] - block[i5];
			const sum34 = block[i3] + block[i4];
			const diff34 = block[i3] - block[i4];

			// Even part.
			const evenA = sum07 + sum34;
			const evenD = sum07 - sum34;
			const evenB = sum16 + sum25;
			const evenC = sum16 - sum25;
			block[i0] = evenA + evenB;
			block[i4] = evenA - evenB;
			const rotated = (evenC + evenD) * 0.707106781;
			block[i2] = evenD + rotated;
			block[i6] = evenD - rotated;

			// Odd part.
			const oddA = diff34 + diff25;
			const oddB = diff25 + diff16;
			const oddC = diff16 + diff07;
			const z5 = (oddA - oddC) * 0.382683433;
			const z2 = 0.5411961 * oddA + z5;
			const z4 = 1.306562965 * oddC + z5;
			const z3 = oddB * 0.707106781;
			const z11 = diff07 + z3;
			const z13 = diff07 - z3;
			block[i5] = z13 + z2;
			block[i3] = z13 - z2;
			block[i1] = z11 + z4;
			block[i7] = z11 - z4;
		}
	}
}

/** Grows as needed; entropy-coded bytes go through writeBits, which stuffs 0xFF (T.81 F.1.2.3). */
class ByteSink {
	bytes: Uint8Array;
	length = 0;
	private bitBuffer = 0;
	private bitCount = 0;

	constructor(initialSize: number) {
		this.bytes = new Uint8Array(Math.max(1024, initialSize));
	}

	private ensure(extra: number): void {
		if (this.length + extra <= this.bytes.length) return;
		let size = this.bytes.length * 2;
		while (size < this.length + extra) size *= 2;
		const grown = new Uint8Array(size);
		grown.set(this.bytes.subarray(0, this.length));
		this.bytes = grown;
	}

	writeByte(value: number): void {
		this.ensure(1);
		this.bytes[this.length++] = value;
	}

	writeUint16(value: number): void {
		this.ensure(2);
		this.bytes[this.length++] = value >> 8;
		this.bytes[this.length++] = value & 0xff;
	}

	writeAll(values: ArrayLike<number>): void {
		this.ensure(values.length);
		for (let i = 0; i < values.length; i++) this.bytes[this.length++] = values[i];
	}

	/** Appends `count` (0-16) bits of `value`, most significant first. */
	writeBits(value: number, count: number): void {
		this.bitBuffer = ((this.bitBuffer << count) | (value & ((1 << count) - 1))) >>> 0;
		this.bitCount += count;
		while (this.bitCount >= 8) {
			this.bitCount -= 8;
			const byte = (this.bitBuffer >>> this.bitCount) & 0xff;
			if (this.length + 2 > this.bytes.length) this.ensure(2);
			this.bytes[this.length++] = byte;
			if (byte === 0xff) this.bytes[this.length++] = 0x00;
		}
		this.bitBuffer &= (1 << this.bitCount) - 1;
	}

	/** Pads the last byte with 1-bits (T.81 F.1.2.3) before a marker. */
	flushBits(): void {
		if (this.bitCount > 0) this.writeBits(0x7f, 8 - this.bitCount);
	}

	result(): Uint8Array {
		return this.bytes.slice(0, this.length);
	}
}

/** One component of the frame and the state its scan keeps (T.81 B.2.2, F.1.2.1). */
interface ComponentCoder {
	multipliers: Float32Array;
	dc: HuffmanCodes;
	ac: HuffmanCodes;
	previousDc: number;
}

const MAX_DIMENSION = 65535;

export async function encodeJpeg(
	picture: Picture,
	options: JpegEncodeOptions,
): Promise<Uint8Array> {
	const { width, height, channels, data } = picture;
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
		throw new PhotoError('unsupported', `Cannot encode a ${width}x${height} picture as JPEG.`);
	}
	if (width > MAX_DIMENSION || height > MAX_DIMENSION) {
		throw new PhotoError('too_large', `JPEG cannot hold ${width}x${height} pixels (max 65535).`);
	}
	if ((channels !== 1 && channels !== 3) || data.length < width * height * channels) {
		throw new PhotoError('corrupt', 'The picture has fewer samples than its size says.');
	}
	const quality = Number.isFinite(options.quality) ? options.quality : 90;
	const lumaTable = scaledQuantTable(ANNEX_K_LUMINANCE_QUANT, quality);
	const chromaTable = scaledQuantTable(ANNEX_K_CHROMINANCE_QUANT, quality);
	const isColour = channels === 3;

	const sink = new ByteSink(Math.ceil(width * height * channels * 0.25) + 1024);
	writeHeaders(sink, width, height, isColour, lumaTable, chromaTable);

	const luma: ComponentCoder = {
		multipliers: quantMultipliers(lumaTable),
		dc: LUMINANCE_DC_CODES,
		ac: LUMINANCE_AC_CODES,
		previousDc: 0,
	};
	if (isColour) {
		const chroma = (): ComponentCoder => ({
			multipliers: quantMultipliers(chromaTable),
			dc: CHROMINANCE_DC_CODES,
			ac: CHROMINANCE_AC_CODES,
			previousDc: 0,
		});
		await encodeColourScan(sink, picture, luma, chroma(), chroma(), options.checkpoint);
	} else {
		await encodeGreyScan(sink, picture, luma, options.checkpoint);
	}
	sink.flushBits();
	sink.writeUint16(0xffd9); // EOI
	return sink.result();
}

function writeHeaders(
	sink: ByteSink,
	width: number,
	height: number,
	isColour: boolean,
	lumaTable: Uint8Array,
	chromaTable: Uint8Array,
): void {
	sink.writeUint16(0xffd8); // SOI
	// JFIF 1.02 APP0: version 1.02, aspect ratio 1:1 with no unit, no thumbnail.
	sink.writeAll([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 0, 0, 1, 0, 1, 0, 0]);

	// DQT (T.81 B.2.4.1): 8-bit entries in zig-zag order.
	const tables = isColour ? [lumaTable, chromaTable] : [lumaTable];
	sink.writeUint16(0xffdb);
	sink.writeUint16(2 + 65 * tables.length);
	tables.forEach((table, id) => {
		sink.writeByte(id);
		for (let k = 0; k < 64; k++) sink.writeByte(table[ZIGZAG_TO_NATURAL[k]]);
	});

	// SOF0 (T.81 B.2.2): baseline, 8-bit; Y sampled 2x2 against Cb, Cr 1x1 in colour (4:2:0).
	const componentCount = isColour ? 3 : 1;
	sink.writeUint16(0xffc0);
	sink.writeUint16(8 + 3 * componentCount);
	sink.writeByte(8);
	sink.writeUint16(height);
	sink.writeUint16(width);
	sink.writeByte(componentCount);
	if (isColour) {
		sink.writeAll([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
	} else {
		sink.writeAll([1, 0x11, 0]);
	}

	// DHT (T.81 B.2.4.2): class 0 = DC, 1 = AC; table 0 for Y, 1 for Cb and Cr.
	const huffmanTables: [number, HuffmanSpec][] = [
		[0x00, LUMINANCE_DC],
		[0x10, LUMINANCE_AC],
	];
	if (isColour) huffmanTables.push([0x01, CHROMINANCE_DC], [0x11, CHROMINANCE_AC]);
	sink.writeUint16(0xffc4);
	sink.writeUint16(2 + huffmanTables.reduce((sum, [, spec]) => sum + 17 + spec.values.length, 0));
	for (const [classAndId, spec] of huffmanTables) {
		sink.writeByte(classAndId);
		sink.writeAll(spec.bits);
		sink.writeAll(spec.values);
	}

	// SOS (T.81 B.2.3): all components interleaved, Ss = 0, Se = 63, Ah = Al = 0.
	sink.writeUint16(0xffda);
	sink.writeUint16(6 + 2 * componentCount);
	sink.writeByte(componentCount);
	if (isColour) {
		sink.writeAll([1, 0x00, 2, 0x11, 3, 0x11]);
	} else {
		sink.writeAll([1, 0x00]);
	}
	sink.writeAll([0, 63, 0]);
}

/**
 * Scratch shared by all blocks: DCT workspace and quantized coefficients. Sharing it between
 * concurrent encodes is safe because a block is encoded synchronously (awaits happen only between
 * MCU rows), so no other encode can run while a block is in these arrays.
 */
const dctBlock = new Float32Array(64);
const quantized = new Int32Array(64);

/**
 * Level-shifts (T.81 A.3.1), transforms, quantizes (A.3.4, rounding to nearest) and Huffman-codes
 * one 8x8 block read from `plane` at `offset` with row stride `stride` (T.81 F.1.2).
 */
function encodeBlock(
	sink: ByteSink,
	plane: Float32Array,
	offset: number,
	stride: number,
	coder: ComponentCoder,
): void {
	for (let row = 0, source = offset; row < 8; row++, source += stride) {
		const target = row * 8;
		for (let col = 0; col < 8; col++) dctBlock[target + col] = plane[source + col] - 128;
	}
	forwardDct(dctBlock);
	const multipliers = coder.multipliers;
	for (let k = 0; k < 64; k++) {
		const natural = ZIGZAG_TO_NATURAL[k];
		const value = dctBlock[natural] * multipliers[natural];
		quantized[k] = value < 0 ? -Math.floor(0.5 - value) : Math.floor(value + 0.5);
	}

	// DC: the difference from the previous block of this component, as size category + bits.
	const difference = quantized[0] - coder.previousDc;
	coder.previousDc = quantized[0];
	writeCoefficient(sink, coder.dc, 0, difference);

	// AC: (zero run, size) symbols, ZRL for 16 zeros, EOB after the last non-zero (F.1.2.2).
	let run = 0;
	const ac = coder.ac;
	for (let k = 1; k < 64; k++) {
		const value = quantized[k];
		if (value === 0) {
			run++;
			continue;
		}
		while (run > 15) {
			sink.writeBits(ac.code[0xf0], ac.length[0xf0]);
			run -= 16;
		}
		writeCoefficient(sink, ac, run << 4, value);
		run = 0;
	}
	if (run > 0) sink.writeBits(ac.code[0x00], ac.length[0x00]);
}

/** Writes the Huffman code of (symbolHigh | size) then the size low bits of value (T.81 F.1.2.1). */
function writeCoefficient(
	sink: ByteSink,
	codes: HuffmanCodes,
	symbolHigh: number,
	value: number,
): void {
	const magnitude = value < 0 ? -value : value;
	const size = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
	const symbol = symbolHigh | size;
	sink.writeBits(codes.code[symbol], codes.length[symbol]);
	if (size > 0) sink.writeBits(value < 0 ? value - 1 : value, size);
}

/** Single-component scan: one 8x8 block per MCU (T.81 A.2.2), edges replicated. */
async function encodeGreyScan(
	sink: ByteSink,
	picture: Picture,
	luma: ComponentCoder,
	checkpoint: Checkpoint | undefined,
): Promise<void> {
	const { width, height, data } = picture;
	const paddedWidth = Math.ceil(width / 8) * 8;
	const band = new Float32Array(paddedWidth * 8);
	for (let top = 0; top < height; top += 8) {
		for (let row = 0; row < 8; row++) {
			const sourceRow = Math.min(top + row, height - 1) * width;
			const target = row * paddedWidth;
			for (let x = 0; x < width; x++) band[target + x] = data[sourceRow + x];
			const edge = data[sourceRow + width - 1];
			for (let x = width; x < paddedWidth; x++) band[target + x] = edge;
		}
		for (let left = 0; left < paddedWidth; left += 8)
			encodeBlock(sink, band, left, paddedWidth, luma);
		await checkpoint?.();
	}
}

/**
 * Interleaved Y, Cb, Cr scan with 16x16 MCUs: four Y blocks then one Cb and one Cr (T.81 A.2.3).
 * RGB to YCbCr is JFIF 1.02's; chroma is the mean of each 2x2 pixel square (the conversion is
 * linear, so RGB is averaged first). Pixels past the right and bottom edges repeat the last ones.
 */
async function encodeColourScan(
	sink: ByteSink,
	picture: Picture,
	luma: ComponentCoder,
	blue: ComponentCoder,
	red: ComponentCoder,
	checkpoint: Checkpoint | undefined,
): Promise<void> {
	const { width, height, data } = picture;
	const paddedWidth = Math.ceil(width / 16) * 16;
	const chromaWidth = paddedWidth / 2;
	const yBand = new Float32Array(paddedWidth * 16);
	const cbBand = new Float32Array(chromaWidth * 8);
	const crBand = new Float32Array(chromaWidth * 8);
	// Source column of each padded column (edge replication), times 3.
	const sourceColumn = new Int32Array(paddedWidth);
	for (let x = 0; x < paddedWidth; x++) sourceColumn[x] = Math.min(x, width - 1) * 3;

	for (let top = 0; top < height; top += 16) {
		for (let pairRow = 0; pairRow < 8; pairRow++) {
			const upper = Math.min(top + pairRow * 2, height - 1) * width * 3;
			const lower = Math.min(top + pairRow * 2 + 1, height - 1) * width * 3;
			const yUpper = pairRow * 2 * paddedWidth;
			const yLower = yUpper + paddedWidth;
			const chromaRow = pairRow * chromaWidth;
			for (let x = 0, cx = 0; x < paddedWidth; x += 2, cx++) {
				const left = sourceColumn[x];
				const right = sourceColumn[x + 1];
				const r0 = data[upper + left];
				const g0 = data[upper + left + 1];
				const b0 = data[upper + left + 2];
				const r1 = data[upper + right];
				const g1 = data[upper + right + 1];
				const b1 = data[upper + right + 2];
				const r2 = data[lower + left];
				const g2 = data[lower + left + 1];
				const b2 = data[lower + left + 2];
				const r3 = data[lower + right];
				const g3 = data[lower + right + 1];
				const b3 = data[lower + right + 2];
				yBand[yUpper + x] = 0.299 * r0 + 0.587 * g0 + 0.114 * b0;
				yBand[yUpper + x + 1] = 0.299 * r1 + 0.587 * g1 + 0.114 * b1;
				yBand[yLower + x] = 0.299 * r2 + 0.587 * g2 + 0.114 * b2;
				yBand[yLower + x + 1] = 0.299 * r3 + 0.587 * g3 + 0.114 * b3;
				const r = (r0 + r1 + r2 + r3) * 0.25;
				const g = (g0 + g1 + g2 + g3) * 0.25;
				const b = (b0 + b1 + b2 + b3) * 0.25;
				cbBand[chromaRow + cx] = -0.168735892 * r - 0.331264108 * g + 0.5 * b + 128;
				crBand[chromaRow + cx] = 0.5 * r - 0.418687589 * g - 0.081312411 * b + 128;
			}
		}
		for (let left = 0; left < paddedWidth; left += 16) {
			encodeBlock(sink, yBand, left, paddedWidth, luma);
			encodeBlock(sink, yBand, left + 8, paddedWidth, luma);
			encodeBlock(sink, yBand, 8 * paddedWidth + left, paddedWidth, luma);
			encodeBlock(sink, yBand, 8 * paddedWidth + left + 8, paddedWidth, luma);
			encodeBlock(sink, cbBand, left / 2, chromaWidth, blue);
			encodeBlock(sink, crBand, left / 2, chromaWidth, red);
		}
		await checkpoint?.();
	}
}
