/**
 * Our own zlib/DEFLATE decompressor, because PNG pixels are DEFLATE-compressed and n8n's
 * community-package scanner forbids `node:zlib`. It implements RFC 1950 (the zlib wrapper: CMF/FLG
 * header, Adler-32 trailer) around RFC 1951 (stored, fixed-Huffman and dynamic-Huffman blocks).
 *
 * It streams, because a PNG's header can claim 400 MB of image data in a 388 KB file: input is
 * pulled from a `CompressedSource` (a PNG's IDAT chunks, read where they lie in the file) into a
 * 64 KB buffer, and output goes into a window that keeps the 32 KB of history DEFLATE may refer
 * back to (RFC 1951 3.2.5) plus what the caller has not consumed yet (a PNG row). Nothing grows
 * with what the stream claims. The Adler-32 is summed as the output is made.
 *
 * Written for hostile input: every read is bounds-checked, every failure is a
 * `PhotoError('corrupt')`, and one call of `inflate` does a bounded slice of work (input bytes
 * read, output bytes made and block headers decoded, counted together as INFLATE_SLICE_WORK), so
 * a stream of millions of empty blocks, which makes no output at all, still lets the caller reach
 * its checkpoint every slice.
 *
 * Speed comes from the usual table-driven design (fflate and zlib both do this; nothing here is
 * copied from either): a root lookup table indexed by the next ROOT_BITS input bits gives the
 * symbol and code length in one read; the rare longer codes fall back to canonical decoding
 * (RFC 1951 section 3.2.2) bit by bit. Tables are typed arrays allocated once per stream and
 * reused for every block; nothing is allocated per symbol.
 */

import { type Checkpoint, corrupt } from './picture';
import { WorkMeter } from './workMeter';

/** Bits indexed by the root table of the literal/length code and of the distance code. */
const LITERAL_ROOT_BITS = 10;
const DISTANCE_ROOT_BITS = 8;
const MAX_CODE_BITS = 15;

/** RFC 1951 3.2.5: base lengths and extra bits of length symbols 257..285. */
const LENGTH_BASE = new Uint16Array([
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
	163, 195, 227, 258,
]);
const LENGTH_EXTRA = new Uint8Array([
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
/** RFC 1951 3.2.5: base distances and extra bits of distance symbols 0..29. */
const DISTANCE_BASE = new Uint16Array([
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
	3073, 4097, 6145, 8193, 12289, 16385, 24577,
]);
const DISTANCE_EXTRA = new Uint8Array([
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
/** RFC 1951 3.2.7: the order in which code length code lengths are sent. */
const CODE_LENGTH_ORDER = new Uint8Array([
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
]);

/** RFC 1951 3.2.5: how far back a distance may reach, so how much output the window keeps. */
export const DEFLATE_HISTORY = 32 * 1024;
/** RFC 1951 3.2.5: the longest match, so the room kept free in the window for one symbol. */
const MAX_MATCH = 258;
/** Compressed bytes buffered at once. */
const INPUT_CAPACITY = 64 * 1024;
/** Zero bytes after the buffered input, so that reading a few bits past it stays in the array. */
const INPUT_PADDING = 16;
/** Input kept ahead of a Huffman symbol: the longest one with its extra bits is 48 bits. */
const SYMBOL_MARGIN = 8;
/** Input kept ahead of a block header: a dynamic one is at most 14 + 57 + 320 * 14 bits. */
const HEADER_MARGIN = 1024;
/** The most work one `inflate` call does (input bytes + output bytes + block header costs). */
export const INFLATE_SLICE_WORK = 256 * 1024;
/**
 * Work of one Huffman symbol decoded, beyond the bytes it makes (a stream of 1-bit literals makes
 * a byte per symbol and costs several times what a long match costs per byte).
 */
const SYMBOL_WORK = 5;
/** A dynamic block header costs about this much: code lengths and two table fills. */
const DYNAMIC_HEADER_WORK = 2048;
/** Any other block header. */
const BLOCK_HEADER_WORK = 48;
/** Window of `inflateZlib` beyond the history: what it fills before it slides. */
const WRAPPER_WINDOW = 1024 * 1024;

/** REVERSED_15[x] is x with its low 15 bits in reverse order (Huffman codes are sent MSB first). */
const REVERSED_15 = (() => {
	const table = new Uint16Array(1 << MAX_CODE_BITS);
	for (let value = 0; value < table.length; value++) {
		let reversed = 0;
		for (let bit = 0; bit < MAX_CODE_BITS; bit++) reversed |= ((value >> bit) & 1) << (14 - bit);
		table[value] = reversed;
	}
	return table;
})();

function invalidZlib(message: string): never {
	throw corrupt(`Invalid zlib data: ${message}`);
}

/**
 * One prefix code, decodable two ways: `root` maps the next `rootBits` input bits (LSB first) to
 * `symbol << 4 | codeLength`, or 0 when the code is longer than `rootBits` (or the bits form no
 * code at all); `countPerLength` and `symbolsInCodeOrder` drive the canonical slow path.
 */
class HuffmanCode {
	readonly root: Uint16Array;
	rootBits = 0;
	readonly countPerLength = new Uint16Array(MAX_CODE_BITS + 1);
	readonly symbolsInCodeOrder: Uint16Array;
	private readonly nextCode = new Uint16Array(MAX_CODE_BITS + 1);
	private readonly offsetPerLength = new Uint16Array(MAX_CODE_BITS + 2);

	constructor(
		private readonly maxRootBits: number,
		maxSymbols: number,
	) {
		this.root = new Uint16Array(1 << maxRootBits);
		this.symbolsInCodeOrder = new Uint16Array(maxSymbols);
	}

	/**
	 * Builds the canonical code of RFC 1951 3.2.2 from `count` code lengths starting at `start`.
	 * Over-subscribed codes are corrupt; incomplete ones are accepted (RFC 1951 allows a single
	 * distance code) and a bit pattern that is no code fails when it is met.
	 */
	build(lengths: Uint8Array, start: number, count: number): void {
		const counts = this.countPerLength;
		counts.fill(0);
		for (let symbol = 0; symbol < count; symbol++) counts[lengths[start + symbol]]++;
		counts[0] = 0;
		let longest = 0;
		let unused = 1;
		for (let length = 1; length <= MAX_CODE_BITS; length++) {
			unused = (unused << 1) - counts[length];
			if (unused < 0) invalidZlib('over-subscribed Huffman code');
			if (counts[length] > 0) longest = length;
		}
		const rootBits = Math.min(longest, this.maxRootBits);
		this.rootBits = rootBits;
		const rootSize = 1 << rootBits;
		const root = this.root;
		root.fill(0, 0, rootSize);

		const nextCode = this.nextCode;
		const offsets = this.offsetPerLength;
		let code = 0;
		offsets[1] = 0;
		for (let length = 1; length <= MAX_CODE_BITS; length++) {
			code = (code + counts[length - 1]) << 1;
			nextCode[length] = code;
			offsets[length + 1] = offsets[length] + counts[length];
		}
		for (let symbol = 0; symbol < count; symbol++) {
			const length = lengths[start + symbol];
			if (length === 0) continue;
			this.symbolsInCodeOrder[offsets[length]++] = symbol;
			const symbolCode = nextCode[length]++;
			if (length > rootBits) continue;
			const entry = (symbol << 4) | length;
			for (
				let index = REVERSED_15[symbolCode] >> (15 - length);
				index < rootSize;
				index += 1 << length
			) {
				root[index] = entry;
			}
		}
	}
}

/** Decodes a code longer than the root table (RFC 1951 3.2.2, canonical order), bit by bit. */
function decodeSlowly(source: Uint8Array, bitPosition: number, code: HuffmanCode): number {
	const counts = code.countPerLength;
	let value = 0;
	let first = 0;
	let index = 0;
	for (let length = 1; length <= MAX_CODE_BITS; length++) {
		value |= (source[(bitPosition + length - 1) >> 3] >> ((bitPosition + length - 1) & 7)) & 1;
		const count = counts[length];
		if (value - first < count)
			return (code.symbolsInCodeOrder[index + value - first] << 4) | length;
		index += count;
		first = (first + count) << 1;
		value <<= 1;
	}
	return invalidZlib('bit pattern that is no Huffman code');
}

/** RFC 1951 3.2.6: the fixed literal/length and distance codes, built once. */
const FIXED_LITERAL = new HuffmanCode(9, 288);
const FIXED_DISTANCE = new HuffmanCode(5, 32);
{
	const lengths = new Uint8Array(288 + 32);
	lengths.fill(8, 0, 144);
	lengths.fill(9, 144, 256);
	lengths.fill(7, 256, 280);
	lengths.fill(8, 280, 288);
	lengths.fill(5, 288, 320);
	FIXED_LITERAL.build(lengths, 0, 288);
	FIXED_DISTANCE.build(lengths, 288, 32);
}

/** RFC 1950 section 9: the largest n such that 255 n (n + 1) / 2 + (n + 1) (BASE - 1) < 2^32. */
const ADLER_BLOCK = 5552;
const ADLER_BASE = 65521;

/** RFC 1950 section 9: Adler-32 of `data[0, length)`. */
export function adler32(data: Uint8Array, length = data.length): number {
	const sum = new Adler32();
	sum.update(data, 0, length);
	return sum.value;
}

/** An Adler-32 summed piece by piece. */
class Adler32 {
	private low = 1;
	private high = 0;

	get value(): number {
		return ((this.high << 16) | this.low) >>> 0;
	}

	/** Adds data[start, end), in blocks of ADLER_BLOCK bytes so the sums never overflow. */
	update(data: Uint8Array, start: number, end: number): void {
		let low = this.low;
		let high = this.high;
		while (start < end) {
			const blockEnd = Math.min(start + ADLER_BLOCK, end);
			let index = start;
			for (; index + 4 <= blockEnd; index += 4) {
				low += data[index];
				high += low;
				low += data[index + 1];
				high += low;
				low += data[index + 2];
				high += low;
				low += data[index + 3];
				high += low;
			}
			for (; index < blockEnd; index++) {
				low += data[index];
				high += low;
			}
			low %= ADLER_BASE;
			high %= ADLER_BASE;
			start = blockEnd;
		}
		this.low = low;
		this.high = high;
	}
}

/**
 * Where compressed bytes come from. `read` copies up to `max` of the next bytes into `target` at
 * `offset` and says how many; it may give 0 before the end when it bounds its own work per call
 * (walking millions of empty PNG chunks), so `done` says when there are no more.
 */
export interface CompressedSource {
	read(target: Uint8Array, offset: number, max: number): number;
	readonly done: boolean;
	/**
	 * Work units spent so far finding the bytes beyond copying them (walking PNG chunks), counted
	 * into the inflater's slice so that a slice stays bounded however the bytes are spread.
	 */
	readonly work?: number;
}

/** The bytes data[start, end) as a source. */
export function bytesSource(data: Uint8Array, start = 0, end = data.length): CompressedSource {
	let position = start;
	return {
		read(target, offset, max) {
			const count = Math.min(max, end - position);
			target.set(data.subarray(position, position + count), offset);
			position += count;
			return count;
		},
		get done() {
			return position >= end;
		},
	};
}

/** What the stream reader is in the middle of, so that it can stop anywhere and resume. */
const State = {
	ZlibHeader: 0,
	BlockHeader: 1,
	Stored: 2,
	Huffman: 3,
	Trailer: 4,
	Done: 5,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * One zlib stream, inflated a slice at a time into `window`. Output byte number `n` of the stream
 * (counting from 0) is at `window[n - windowStart]` while `windowStart <= n < produced`.
 */
export class ZlibInflater {
	readonly window: Uint8Array;
	/** Stream position of window[0]. */
	windowStart = 0;
	/** Bytes of the window in use. */
	windowEnd = 0;

	private readonly input: Uint8Array;
	private inputEnd = 0;
	/** Compressed stream position of input[0]. */
	private inputStart = 0;
	private bitPosition = 0;
	private state: State = State.ZlibHeader;
	private lastBlock = false;
	private storedRemaining = 0;
	private readonly adler = new Adler32();
	/** Window index up to which the output is in the Adler-32. */
	private summedUpTo = 0;
	private literalCode: HuffmanCode = FIXED_LITERAL;
	private distanceCode: HuffmanCode = FIXED_DISTANCE;
	private readonly dynamicLiteral = new HuffmanCode(LITERAL_ROOT_BITS, 288);
	private readonly dynamicDistance = new HuffmanCode(DISTANCE_ROOT_BITS, 32);
	private readonly codeLengthCode = new HuffmanCode(7, 19);
	private readonly lengths = new Uint8Array(288 + 32);
	/** Work done by the current `inflate` call. */
	private sliceWork = 0;

	/**
	 * `windowCapacity` must hold DEFLATE_HISTORY, what the caller keeps unconsumed, and room to
	 * make progress; the window and input buffer are counted on `meter` when there is one.
	 */
	constructor(
		private readonly source: CompressedSource,
		windowCapacity: number,
		private readonly meter?: WorkMeter,
	) {
		const capacity = Math.max(windowCapacity, DEFLATE_HISTORY + 2 * MAX_MATCH);
		meter?.reserve(capacity + INPUT_CAPACITY + INPUT_PADDING, 'zlib window');
		this.window = new Uint8Array(capacity);
		this.input = new Uint8Array(INPUT_CAPACITY + INPUT_PADDING);
	}

	/** Bytes of output made so far. */
	get produced(): number {
		return this.windowStart + this.windowEnd;
	}

	/** Whether the whole stream was read and its Adler-32 matched. */
	get finished(): boolean {
		return this.state === State.Done;
	}

	/** Compressed bytes the stream took, from its header to its Adler-32 (once finished). */
	get streamLength(): number {
		return this.inputStart + (this.bitPosition >> 3);
	}

	/**
	 * Inflates one slice: until the window is full, the stream is finished, or INFLATE_SLICE_WORK
	 * was done. Output before stream position `keepFrom` may be dropped from the window (the
	 * last DEFLATE_HISTORY bytes are kept anyway). Throws PhotoError('corrupt') on a broken stream.
	 */
	inflate(keepFrom: number): void {
		this.sliceWork = 0;
		while (this.state !== State.Done && this.sliceWork < INFLATE_SLICE_WORK) {
			if (this.windowEnd >= this.window.length - MAX_MATCH) {
				this.slide(keepFrom);
				if (this.windowEnd >= this.window.length - MAX_MATCH) break; // the caller must consume
			}
			if (!this.step()) break; // waiting for input the source has not given yet
		}
		this.sum(this.windowEnd);
		this.meter?.add(this.sliceWork);
	}

	/** Advances the state machine once; false when it needs input the source has not given yet. */
	private step(): boolean {
		switch (this.state) {
			case State.ZlibHeader:
				if (!this.haveInput(2)) return false;
				this.readZlibHeader();
				return true;
			case State.BlockHeader:
				if (this.lastBlock) {
					this.state = State.Trailer;
					return true;
				}
				if (!this.haveInput(HEADER_MARGIN)) return false;
				this.readBlockHeader();
				return true;
			case State.Stored:
				return this.copyStored();
			case State.Huffman:
				if (!this.haveInput(SYMBOL_MARGIN)) return false;
				this.decodeHuffman();
				return true;
			case State.Trailer:
				return this.readTrailer();
			default:
				return false;
		}
	}

	/**
	 * Whether more than `count` bytes from the current position are buffered, refilling first when
	 * they are not. At the end of the source it answers true: the bounds checks find a truncation.
	 */
	private haveInput(count: number): boolean {
		if (this.bitPosition < (this.inputEnd - count) * 8 || this.source.done) return true;
		this.refill();
		return this.bitPosition < (this.inputEnd - count) * 8 || this.source.done;
	}

	/** Moves the unread input to the front of the buffer and reads more behind it. */
	private refill(): void {
		const firstUnread = this.bitPosition >> 3;
		const input = this.input;
		input.copyWithin(0, firstUnread, this.inputEnd);
		this.inputStart += firstUnread;
		this.bitPosition -= firstUnread * 8;
		this.inputEnd -= firstUnread;
		const walkedBefore = this.source.work ?? 0;
		const read = this.source.read(input, this.inputEnd, INPUT_CAPACITY - this.inputEnd);
		this.inputEnd += read;
		input.fill(0, this.inputEnd, this.inputEnd + INPUT_PADDING);
		this.sliceWork += read + BLOCK_HEADER_WORK + (this.source.work ?? 0) - walkedBefore;
	}

	/** Drops output before `keepFrom` (keeping DEFLATE_HISTORY bytes) to make room. */
	private slide(keepFrom: number): void {
		const keepStart = Math.max(
			this.windowStart,
			Math.min(keepFrom, this.produced - DEFLATE_HISTORY),
		);
		const shift = keepStart - this.windowStart;
		if (shift <= 0) return;
		this.sum(this.windowEnd);
		this.window.copyWithin(0, shift, this.windowEnd);
		this.windowStart = keepStart;
		this.windowEnd -= shift;
		this.summedUpTo -= shift;
		this.sliceWork += this.windowEnd;
	}

	/** Adds window[summedUpTo, end) to the Adler-32. */
	private sum(end: number): void {
		if (end <= this.summedUpTo) return;
		this.adler.update(this.window, this.summedUpTo, end);
		this.summedUpTo = end;
	}

	private readBits(count: number): number {
		const position = this.bitPosition;
		if (position + count > this.inputEnd * 8) invalidZlib('truncated stream');
		const byte = position >> 3;
		const input = this.input;
		const bits =
			input[byte] | (input[byte + 1] << 8) | (input[byte + 2] << 16) | (input[byte + 3] << 24);
		this.bitPosition = position + count;
		return (bits >>> (position & 7)) & ((1 << count) - 1);
	}

	/** RFC 1950 2.2: CM = 8 (deflate), CINFO <= 7 (window up to 32 KB), FCHECK, FDICT unset. */
	private readZlibHeader(): void {
		if (this.inputEnd < 2) invalidZlib('too short for a zlib stream');
		const method = this.input[0];
		const flags = this.input[1];
		if ((method & 0x0f) !== 8 || method >> 4 > 7) invalidZlib('not a deflate stream');
		if (((method << 8) | flags) % 31 !== 0) invalidZlib('header check');
		if (flags & 0x20) invalidZlib('preset dictionary');
		this.bitPosition = 16;
		this.state = State.BlockHeader;
	}

	/** RFC 1950 2.2: after the last block, the Adler-32 of the output, byte aligned. */
	private readTrailer(): boolean {
		const byte = (this.bitPosition + 7) >> 3;
		if (this.inputEnd - byte < 4 && !this.source.done) {
			this.refill();
			return false;
		}
		const aligned = (this.bitPosition + 7) >> 3;
		if (aligned + 4 > this.inputEnd) invalidZlib('missing Adler-32 checksum');
		const input = this.input;
		const expected =
			((input[aligned] << 24) |
				(input[aligned + 1] << 16) |
				(input[aligned + 2] << 8) |
				input[aligned + 3]) >>>
			0;
		this.sum(this.windowEnd);
		if (this.adler.value !== expected) invalidZlib('Adler-32 mismatch');
		this.bitPosition = (aligned + 4) * 8;
		this.state = State.Done;
		return true;
	}

	private readBlockHeader(): void {
		this.lastBlock = this.readBits(1) === 1;
		const type = this.readBits(2);
		this.sliceWork += BLOCK_HEADER_WORK;
		if (type === 0) this.readStoredHeader();
		else if (type === 1) {
			this.literalCode = FIXED_LITERAL;
			this.distanceCode = FIXED_DISTANCE;
			this.state = State.Huffman;
		} else if (type === 2) {
			this.readDynamicCodes();
			this.sliceWork += DYNAMIC_HEADER_WORK;
			this.state = State.Huffman;
		} else invalidZlib('reserved block type 3');
	}

	/** RFC 1951 3.2.4: a byte-aligned LEN and its one's complement NLEN; LEN raw bytes follow. */
	private readStoredHeader(): void {
		const byte = (this.bitPosition + 7) >> 3;
		if (byte + 4 > this.inputEnd) invalidZlib('truncated stored block');
		const input = this.input;
		const length = input[byte] | (input[byte + 1] << 8);
		const complement = input[byte + 2] | (input[byte + 3] << 8);
		if ((length ^ 0xffff) !== complement) invalidZlib('stored block length check');
		this.bitPosition = (byte + 4) * 8;
		this.storedRemaining = length;
		this.state = State.Stored;
	}

	/** Copies as much of a stored block as the input and the window allow. */
	private copyStored(): boolean {
		if (this.storedRemaining === 0) {
			this.state = State.BlockHeader;
			return true;
		}
		let start = this.bitPosition >> 3;
		if (start >= this.inputEnd) {
			if (this.source.done) invalidZlib('truncated stored block');
			this.refill();
			start = this.bitPosition >> 3;
			if (start >= this.inputEnd) return false;
		}
		const count = Math.min(
			this.storedRemaining,
			this.inputEnd - start,
			this.window.length - this.windowEnd,
			Math.max(1, (INFLATE_SLICE_WORK - this.sliceWork) >> 1),
		);
		this.window.set(this.input.subarray(start, start + count), this.windowEnd);
		this.windowEnd += count;
		this.bitPosition = (start + count) * 8;
		this.storedRemaining -= count;
		this.sliceWork += 2 * count; // copied, then summed into the Adler-32
		return true;
	}

	/** RFC 1951 3.2.7: HLIT, HDIST, HCLEN, the code length code, then run-length coded lengths. */
	private readDynamicCodes(): void {
		const literalCount = this.readBits(5) + 257;
		const distanceCount = this.readBits(5) + 1;
		const codeLengthCount = this.readBits(4) + 4;
		if (literalCount > 286 || distanceCount > 30) invalidZlib('too many length or distance codes');
		const lengths = this.lengths;
		lengths.fill(0, 0, 19);
		for (let index = 0; index < codeLengthCount; index++) {
			lengths[CODE_LENGTH_ORDER[index]] = this.readBits(3);
		}
		const codeLengthCode = this.codeLengthCode;
		codeLengthCode.build(lengths, 0, 19);
		const total = literalCount + distanceCount;
		const input = this.input;
		const endBits = this.inputEnd * 8;
		let index = 0;
		while (index < total) {
			const position = this.bitPosition;
			if (position > endBits) invalidZlib('truncated code lengths');
			const byte = position >> 3;
			const window = (input[byte] | (input[byte + 1] << 8)) >>> (position & 7);
			let entry = codeLengthCode.root[window & ((1 << codeLengthCode.rootBits) - 1)];
			if (entry === 0) entry = decodeSlowly(input, position, codeLengthCode);
			this.bitPosition = position + (entry & 15);
			const symbol = entry >> 4;
			if (symbol < 16) {
				lengths[index++] = symbol;
				continue;
			}
			let repeated = 0;
			let times: number;
			if (symbol === 16) {
				if (index === 0) invalidZlib('repeat of no previous code length');
				repeated = lengths[index - 1];
				times = 3 + this.readBits(2);
			} else if (symbol === 17) times = 3 + this.readBits(3);
			else times = 11 + this.readBits(7);
			if (index + times > total) invalidZlib('code lengths overflow');
			lengths.fill(repeated, index, index + times);
			index += times;
		}
		if (this.bitPosition > endBits) invalidZlib('truncated code lengths');
		if (lengths[256] === 0) invalidZlib('no end-of-block code');
		this.dynamicLiteral.build(lengths, 0, literalCount);
		this.dynamicDistance.build(lengths, literalCount, distanceCount);
		this.literalCode = this.dynamicLiteral;
		this.distanceCode = this.dynamicDistance;
	}

	/**
	 * RFC 1951 3.2.5: literal bytes and <length, backward distance> pairs, until end-of-block, the
	 * window's free room, the slice's work, or the buffered input (less SYMBOL_MARGIN) runs out.
	 */
	private decodeHuffman(): void {
		const input = this.input;
		const endBits = this.inputEnd * 8;
		const sourceDone = this.source.done;
		const refillAt = sourceDone ? endBits : (this.inputEnd - SYMBOL_MARGIN) * 8;
		const literalCode = this.literalCode;
		const literalRoot = literalCode.root;
		const literalMask = (1 << literalCode.rootBits) - 1;
		const distanceCode = this.distanceCode;
		const distanceRoot = distanceCode.root;
		const distanceMask = (1 << distanceCode.rootBits) - 1;
		const output = this.window;
		const outputStart = this.windowEnd;
		// Each output byte is made and then summed into the Adler-32 (two units of work), and may
		// have taken a symbol of its own: the slice stops at the output that much work could make.
		const outputLimit = Math.min(
			output.length - MAX_MATCH,
			outputStart +
				Math.max(1, Math.floor((INFLATE_SLICE_WORK - this.sliceWork) / (2 + SYMBOL_WORK))),
		);
		let symbols = 0;
		let outputLength = outputStart;
		let position = this.bitPosition;
		try {
			while (outputLength < outputLimit) {
				if (position >= refillAt) {
					// At the end of the source a block that has not ended is a cut stream.
					if (sourceDone) invalidZlib('truncated stream');
					break;
				}
				let byte = position >> 3;
				let bits =
					(input[byte] | (input[byte + 1] << 8) | (input[byte + 2] << 16)) >>> (position & 7);
				let entry = literalRoot[bits & literalMask];
				if (entry === 0) entry = decodeSlowly(input, position, literalCode);
				position += entry & 15;
				symbols++;
				const symbol = entry >> 4;
				if (symbol < 256) {
					output[outputLength++] = symbol;
					continue;
				}
				if (symbol === 256) {
					this.state = State.BlockHeader;
					break;
				}
				if (symbol > 285) invalidZlib('invalid length symbol');
				const lengthIndex = symbol - 257;
				let length = LENGTH_BASE[lengthIndex];
				let extra = LENGTH_EXTRA[lengthIndex];
				if (extra > 0) {
					byte = position >> 3;
					bits = (input[byte] | (input[byte + 1] << 8)) >>> (position & 7);
					length += bits & ((1 << extra) - 1);
					position += extra;
				}
				byte = position >> 3;
				bits = (input[byte] | (input[byte + 1] << 8) | (input[byte + 2] << 16)) >>> (position & 7);
				entry = distanceRoot[bits & distanceMask];
				if (entry === 0) entry = decodeSlowly(input, position, distanceCode);
				position += entry & 15;
				const distanceSymbol = entry >> 4;
				if (distanceSymbol > 29) invalidZlib('invalid distance symbol');
				let distance = DISTANCE_BASE[distanceSymbol];
				extra = DISTANCE_EXTRA[distanceSymbol];
				if (extra > 0) {
					byte = position >> 3;
					bits =
						(input[byte] | (input[byte + 1] << 8) | (input[byte + 2] << 16)) >>> (position & 7);
					distance += bits & ((1 << extra) - 1);
					position += extra;
				}
				// The window keeps DEFLATE_HISTORY bytes, so this is "before the stream's start".
				if (distance > outputLength) invalidZlib('distance too far back');
				const end = outputLength + length;
				if (distance === 1) {
					output.fill(output[outputLength - 1], outputLength, end);
					outputLength = end;
				} else if (distance >= length && length > 32) {
					output.copyWithin(outputLength, outputLength - distance, end - distance);
					outputLength = end;
				} else {
					for (; outputLength < end; outputLength++)
						output[outputLength] = output[outputLength - distance];
				}
			}
			// A symbol read past the buffered input read padding: the stream was cut.
			if (position > endBits) invalidZlib('truncated stream');
		} finally {
			this.bitPosition = position;
			this.windowEnd = outputLength;
			this.sliceWork += 2 * (outputLength - outputStart) + SYMBOL_WORK * symbols;
		}
	}
}

/**
 * Inflates a whole zlib stream held in `data` (RFC 1950: CMF/FLG check, no preset dictionary,
 * Adler-32 verified) into at most `maxLength` bytes, calling `checkpoint` between slices; the
 * output is the stream's length, which may be shorter (the caller decides). Output beyond
 * maxLength -> PhotoError('corrupt'). Bytes after the Adler-32 trailer are ignored. For small
 * streams (a PNG's iCCP profile; tests); PNG image data is inflated row by row instead. The work
 * (and the window) is counted on `meter` when given.
 */
export async function inflateZlib(
	data: Uint8Array,
	maxLength: number,
	checkpoint?: Checkpoint,
	meter?: WorkMeter,
): Promise<Uint8Array> {
	if (!Number.isSafeInteger(maxLength) || maxLength < 0) {
		invalidZlib('expected length is not a size');
	}
	if (data.length < 2 + 4) invalidZlib('too short for a zlib stream');
	const progress = meter ?? new WorkMeter();
	const inflater = new ZlibInflater(bytesSource(data), DEFLATE_HISTORY + WRAPPER_WINDOW, progress);
	// Sized from what the input can plausibly make and grown as output arrives, so that a stream
	// claiming a lot allocates only what it makes.
	let output = new Uint8Array(Math.min(maxLength, Math.max(65536, data.length * 4)));
	let length = 0;
	while (!inflater.finished) {
		inflater.inflate(inflater.produced);
		const made = inflater.produced - length;
		if (length + made > maxLength) invalidZlib('more output than the expected size');
		if (length + made > output.length) {
			const grown = new Uint8Array(Math.min(maxLength, Math.max(length + made, output.length * 2)));
			grown.set(output.subarray(0, length));
			output = grown;
		}
		output.set(inflater.window.subarray(length - inflater.windowStart, inflater.windowEnd), length);
		length += made;
		progress.add(made);
		if (progress.due) await progress.checkpoint(checkpoint);
	}
	return length === output.length ? output : output.slice(0, length);
}
