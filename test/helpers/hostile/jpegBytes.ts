/**
 * Why this file exists: the hostile JPEGs are files no encoder writes on purpose (thousands of
 * scans, a 7071x7071 frame in 186 bytes, megabytes of tables), so they are assembled here byte by
 * byte from the syntax of ITU-T T.81 Annex B: marker segments, Huffman tables whose few codes make
 * the smallest possible entropy data (one bit per block, end-of-band runs over whole scans), and
 * a bit writer with byte stuffing (F.1.2.3).
 */

/** A marker segment: 0xff, marker, 2-byte length (body + 2), body. */
export function segment(marker: number, body: ArrayLike<number> | string): Uint8Array {
	const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : Uint8Array.from(body);
	if (bytes.length + 2 > 0xffff) throw new Error('segment body above 65533 bytes');
	return Uint8Array.from([
		0xff,
		marker,
		(bytes.length + 2) >> 8,
		(bytes.length + 2) & 255,
		...bytes,
	]);
}

export const SOI = Uint8Array.of(0xff, 0xd8);
export const EOI = Uint8Array.of(0xff, 0xd9);

export function concat(parts: Uint8Array[]): Uint8Array {
	return Uint8Array.from(Buffer.concat(parts));
}

/** DQT with table 0 of all ones (B.2.4.1, 8-bit). */
export function flatQuantTable(): Uint8Array {
	return segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]);
}

export interface FrameComponent {
	id: number;
	/** Horizontal and vertical sampling factors. */
	h: number;
	v: number;
}

/** SOFn (B.2.2): SOF0 baseline, SOF2 progressive; precision 8 unless told. */
export function frameHeader(
	marker: number,
	width: number,
	height: number,
	components: FrameComponent[],
	precision = 8,
): Uint8Array {
	return segment(marker, [
		precision,
		height >> 8,
		height & 255,
		width >> 8,
		width & 255,
		components.length,
		...components.flatMap((c) => [c.id, (c.h << 4) | c.v, 0]),
	]);
}

export const GREY: FrameComponent[] = [{ id: 1, h: 1, v: 1 }];
export const YCBCR_420: FrameComponent[] = [
	{ id: 1, h: 2, v: 2 },
	{ id: 2, h: 1, v: 1 },
	{ id: 3, h: 1, v: 1 },
];

/**
 * The tables the hostile scans use: DC table 0 with one 1-bit code ("0") for difference category
 * 0, so a DC scan costs one bit per block; AC table 0 with 4-bit codes for EOB (0x00) and the
 * end-of-band runs EOB1..EOB14 (0x10..0xe0), code i for EOBi.
 */
export function hostileTables(): Uint8Array {
	const dcCounts = [1, ...new Array<number>(15).fill(0)];
	const acCounts = [0, 0, 0, 15, ...new Array<number>(12).fill(0)];
	const acSymbols = Array.from({ length: 15 }, (_, r) => r << 4);
	return segment(0xc4, [0x00, ...dcCounts, 0x00, 0x10, ...acCounts, ...acSymbols]);
}

/** SOS (B.2.3) over the given component ids, tables 0/0. */
export function scanHeader(
	componentIds: number[],
	spectralStart: number,
	spectralEnd: number,
	approximationHigh: number,
	approximationLow: number,
): Uint8Array {
	return segment(0xda, [
		componentIds.length,
		...componentIds.flatMap((id) => [id, 0x00]),
		spectralStart,
		spectralEnd,
		(approximationHigh << 4) | approximationLow,
	]);
}

/** MSB-first bit writer with 0xff byte stuffing, padded with 1-bits (F.1.2.3, F.1.2.1.4). */
export class BitWriter {
	private readonly bytes: number[] = [];
	private current = 0;
	private count = 0;

	write(value: number, length: number): void {
		for (let bit = length - 1; bit >= 0; bit--) {
			this.current = (this.current << 1) | ((value >> bit) & 1);
			if (++this.count === 8) this.flushByte();
		}
	}

	/** `n` zero bits, fast (DC scans of category-0 differences). */
	zeros(n: number): void {
		while (n > 0 && this.count !== 0) {
			this.write(0, 1);
			n--;
		}
		const whole = Math.floor(n / 8);
		for (let i = 0; i < whole; i++) this.bytes.push(0);
		this.write(0, n - whole * 8);
	}

	finish(): Uint8Array {
		if (this.count > 0) this.write(0xff, 8 - this.count);
		return Uint8Array.from(this.bytes);
	}

	private flushByte(): void {
		this.bytes.push(this.current);
		if (this.current === 0xff) this.bytes.push(0);
		this.current = 0;
		this.count = 0;
	}
}

/** Entropy data of end-of-band runs covering `blocks` blocks (G.1.2.2), with hostileTables' codes. */
export function endOfBandRuns(blocks: number, writer = new BitWriter()): BitWriter {
	let left = blocks;
	while (left > 0) {
		const r = Math.min(14, Math.floor(Math.log2(left)));
		const run = Math.min(left, (1 << (r + 1)) - 1);
		writer.write(r, 4);
		if (r > 0) writer.write(run - (1 << r), r);
		left -= run;
	}
	return writer;
}

/** A DC first scan's data where every block has a difference of 0: one bit each. */
export function flatDcData(blocks: number): Uint8Array {
	const writer = new BitWriter();
	writer.zeros(blocks);
	return writer.finish();
}

/** Blocks of a component in a frame (T.81 A.2: padded to whole MCUs when interleaved). */
export function componentBlocks(
	width: number,
	height: number,
	component: FrameComponent,
	components: FrameComponent[],
): number {
	const maxH = Math.max(...components.map((c) => c.h));
	const maxV = Math.max(...components.map((c) => c.v));
	const w = Math.ceil((width * component.h) / maxH);
	const h = Math.ceil((height * component.v) / maxV);
	return Math.ceil(w / 8) * Math.ceil(h / 8);
}

/** MCUs of an interleaved scan (A.2.3). */
export function mcuCount(width: number, height: number, components: FrameComponent[]): number {
	const maxH = Math.max(...components.map((c) => c.h));
	const maxV = Math.max(...components.map((c) => c.v));
	return Math.ceil(width / (8 * maxH)) * Math.ceil(height / (8 * maxV));
}

/** An APP1 "Exif" segment holding only an Orientation tag (little-endian TIFF, one IFD0 entry). */
export function exifOrientation(orientation: number): Uint8Array {
	return segment(0xe1, [
		...Buffer.from('Exif\0\0', 'latin1'),
		0x49,
		0x49,
		42,
		0,
		8,
		0,
		0,
		0,
		1,
		0,
		0x12,
		0x01,
		3,
		0,
		1,
		0,
		0,
		0,
		orientation,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
	]);
}
