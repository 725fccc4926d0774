/**
 * Why this file exists: every JPEG scan is a stream of Huffman codes, and reading them is where a
 * decoder spends most of its time. This builds the decoding tables once per DHT segment (with a
 * 9-bit lookahead table so that almost every code is found with one array read) and reads the
 * entropy-coded bytes with byte stuffing and markers handled, as ITU-T T.81 specifies:
 * - Annex C (code lengths -> codes), F.2.2.3 (MAXCODE/VALPTR decoding), F.2.2.1 (EXTEND);
 * - F.1.2.3 / B.1.1.5 (a 0xFF data byte is followed by a stuffed 0x00; anything else is a marker).
 * Past a marker or the end of the bytes the reader supplies zero bits, as libjpeg does, and counts
 * them, so the decoder can tell a truncated scan (it consumed padding) from a complete one.
 */

import { PhotoError } from './picture';

export const LOOKAHEAD_BITS = 9;
const LOOKAHEAD_SIZE = 1 << LOOKAHEAD_BITS;

export interface HuffmanTable {
	/** For each 9-bit prefix: (code length << 8) | symbol when a code of <= 9 bits matches, else 0. */
	lookahead: Uint16Array;
	/** MAXCODE of F.2.2.3 per code length 1..16 (-1 when no code has that length). */
	maxCode: Int32Array;
	/** VALPTR(L) - MINCODE(L) per length, so symbol = symbols[valueOffset[L] + code]. */
	valueOffset: Int32Array;
	symbols: Uint8Array;
}

/**
 * Builds a table from the 16 code-length counts (BITS) and the symbols (HUFFVAL) of a DHT segment,
 * generating the canonical codes of T.81 C.2 (Figures C.1 to C.3).
 */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
	const lookahead = new Uint16Array(LOOKAHEAD_SIZE);
	const maxCode = new Int32Array(17).fill(-1);
	const valueOffset = new Int32Array(17);
	let code = 0;
	let symbolIndex = 0;
	for (let length = 1; length <= 16; length++) {
		const count = counts[length - 1];
		valueOffset[length] = symbolIndex - code;
		if (count > 0) {
			if (code + count > 1 << length) {
				throw new PhotoError('corrupt', 'JPEG Huffman table has more codes than fit their length');
			}
			if (symbolIndex + count > symbols.length) {
				throw new PhotoError('corrupt', 'JPEG Huffman table lists fewer symbols than codes');
			}
			for (let i = 0; i < count; i++) {
				if (length <= LOOKAHEAD_BITS) {
					const shift = LOOKAHEAD_BITS - length;
					const entry = (length << 8) | symbols[symbolIndex];
					lookahead.fill(entry, code << shift, (code + 1) << shift);
				}
				code++;
				symbolIndex++;
			}
			maxCode[length] = code - 1;
		}
		code <<= 1;
	}
	return { lookahead, maxCode, valueOffset, symbols: symbols.slice(0, symbolIndex) };
}

/**
 * Reads the entropy-coded segment of one scan (T.81 F.2.2.5), most significant bit first, from a
 * 32-bit buffer topped up a byte at a time. It never moves past a marker: from there on (or past
 * the end of the input) it feeds zero bytes and counts them in `paddingBytes`.
 */
export class BitReader {
	pos: number;
	/** The low `bitCount` bits are the next bits of the stream (older bits above are stale). */
	buffer = 0;
	bitCount = 0;
	paddingBytes = 0;
	atMarker = false;
	/** Bytes skipped or left unused at restart boundaries (damaged or extraneous data). */
	discarded = 0;

	constructor(
		readonly data: Uint8Array,
		start: number,
	) {
		this.pos = start;
	}

	/** Tops the buffer up to at least 25 bits. */
	fill(): void {
		const data = this.data;
		while (this.bitCount <= 24) {
			let byte = 0;
			if (this.atMarker || this.pos >= data.length) {
				this.paddingBytes++;
			} else {
				byte = data[this.pos];
				if (byte !== 0xff) {
					this.pos++;
				} else if (this.pos + 1 < data.length && data[this.pos + 1] === 0) {
					this.pos += 2; // stuffed zero (F.1.2.3)
				} else {
					this.atMarker = true;
					this.paddingBytes++;
					byte = 0;
				}
			}
			this.buffer = (this.buffer << 8) | byte;
			this.bitCount += 8;
		}
	}

	/** True once the decoder has consumed bits that were not in the input (truncated or corrupt scan). */
	overrun(): boolean {
		return this.paddingBytes * 8 > this.bitCount;
	}

	/** The next `count` (0..16) bits as an unsigned number (T.81 F.2.2.4 RECEIVE). */
	getBits(count: number): number {
		if (this.bitCount < count) this.fill();
		this.bitCount -= count;
		return (this.buffer >>> this.bitCount) & ((1 << count) - 1);
	}

	getBit(): number {
		if (this.bitCount < 1) this.fill();
		this.bitCount--;
		return (this.buffer >>> this.bitCount) & 1;
	}

	/**
	 * At a restart interval boundary (T.81 F.2.1.3, E.1.4): drops the bits left and finds the RSTn
	 * that starts interval number `expected` (mod 8), resynchronising after damaged data the way
	 * libjpeg's jpeg_resync_to_restart does: stray bytes and reserved codes (below 0xC0, such as a
	 * damaged FF 9F pair) are skipped; an RSTn of one of the two intervals before is skipped; an
	 * RSTn of one of the two intervals after means this interval's data is lost (the marker is
	 * kept for its own interval); any other RSTn is taken as the expected one. Every byte skipped
	 * (and any whole byte left unused in the bit buffer) is counted in `discarded`.
	 */
	restart(expected: number): RestartResult {
		const unusedBits = this.bitCount - 8 * this.paddingBytes;
		if (unusedBits >= 8) this.discarded += unusedBits >> 3;
		this.buffer = 0;
		this.bitCount = 0;
		this.paddingBytes = 0;
		const data = this.data;
		let p = this.pos;
		for (;;) {
			const found = data.indexOf(0xff, p);
			if (found < 0 || found + 1 >= data.length) {
				this.discarded += data.length - p;
				this.pos = data.length;
				this.atMarker = true;
				return 'scan-ended';
			}
			this.discarded += found - p;
			const marker = data[found + 1];
			if (marker === 0xff) {
				p = found + 1; // a fill byte before the marker code
				continue;
			}
			if (marker < 0xc0) {
				this.discarded += 2; // a stuffed zero or a reserved code inside damaged data
				p = found + 2;
				continue;
			}
			if (marker < 0xd0 || marker > 0xd7) {
				this.pos = found;
				this.atMarker = true;
				return 'scan-ended';
			}
			const ahead = ((marker & 7) - expected) & 7;
			if (ahead === 1 || ahead === 2) {
				this.pos = found;
				this.atMarker = true;
				return 'interval-lost';
			}
			if (ahead === 6 || ahead === 7) {
				this.discarded += 2; // an earlier interval's marker: skip it
				p = found + 2;
				continue;
			}
			this.pos = found + 2;
			this.atMarker = false;
			return 'restarted';
		}
	}
}

/** What `BitReader.restart` found at an interval boundary. */
export type RestartResult = 'restarted' | 'interval-lost' | 'scan-ended';

/** Decodes one Huffman code (T.81 F.2.2.3), through the lookahead table when it is short. */
export function decodeHuffman(reader: BitReader, table: HuffmanTable): number {
	if (reader.bitCount < 16) reader.fill();
	const next16 = (reader.buffer >>> (reader.bitCount - 16)) & 0xffff;
	const entry = table.lookahead[next16 >>> (16 - LOOKAHEAD_BITS)];
	if (entry !== 0) {
		reader.bitCount -= entry >>> 8;
		return entry & 0xff;
	}
	const maxCode = table.maxCode;
	for (let length = LOOKAHEAD_BITS + 1; length <= 16; length++) {
		const code = next16 >>> (16 - length);
		if (code <= maxCode[length]) {
			reader.bitCount -= length;
			return table.symbols[table.valueOffset[length] + code];
		}
	}
	throw new PhotoError('corrupt', 'JPEG data holds a code that is not in its Huffman table');
}

/** RECEIVE(size) then EXTEND (T.81 F.2.2.1): the signed value of a `size`-bit magnitude category. */
export function receiveExtend(reader: BitReader, size: number): number {
	if (size === 0) return 0;
	const bits = reader.getBits(size);
	return bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits;
}
