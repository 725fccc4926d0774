/**
 * Our own zlib/DEFLATE decompressor, because PNG pixels are DEFLATE-compressed and n8n's
 * community-package scanner forbids `node:zlib`. It implements RFC 1950 (the zlib wrapper: CMF/FLG
 * header, Adler-32 trailer) around RFC 1951 (stored, fixed-Huffman and dynamic-Huffman blocks).
 *
 * Written for hostile input: every read is bounds-checked against the input, every write against
 * the output size the caller expects (a zip bomb stops there), the output buffer grows only as
 * real output arrives (a header that claims a huge size allocates nothing up front), and every
 * failure is a `PhotoError('corrupt')`. Work per call is bounded by the input bits plus the
 * output bytes: each Huffman symbol consumes at least one bit, and a block header at most costs a
 * table fill of 2^ROOT_BITS entries.
 *
 * Speed comes from the usual table-driven design (fflate and zlib both do this; nothing here is
 * copied from either): a root lookup table indexed by the next ROOT_BITS input bits gives the
 * symbol and code length in one read; the rare longer codes fall back to canonical decoding
 * (RFC 1951 section 3.2.2) bit by bit. Tables are typed arrays allocated once per call and reused
 * for every block; nothing is allocated per symbol.
 */

import { PhotoError } from './picture';
import type { Checkpoint } from './picture';

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

/** Zero bytes appended to the input so that the bit reader never reads outside the array. */
const INPUT_PADDING = 16;
/** Output produced between two checkpoint calls. */
const CHECKPOINT_BYTES = 256 * 1024;

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

function corrupt(message: string): never {
	throw new PhotoError('corrupt', `Invalid zlib data: ${message}`);
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
			if (unused < 0) corrupt('over-subscribed Huffman code');
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
	return corrupt('bit pattern that is no Huffman code');
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

/** RFC 1950 section 9: Adler-32 of `data`, in blocks of 5552 bytes so the sums never overflow. */
export function adler32(data: Uint8Array, length = data.length): number {
	let low = 1;
	let high = 0;
	for (let start = 0; start < length; start += 5552) {
		const end = Math.min(start + 5552, length);
		for (let index = start; index < end; index++) {
			low += data[index];
			high += low;
		}
		low %= 65521;
		high %= 65521;
	}
	return ((high << 16) | low) >>> 0;
}

/** What the block loop is in the middle of, so it can stop at a checkpoint and resume. */
const BlockState = { Header: 0, Huffman: 1, Done: 2 } as const;
type BlockState = (typeof BlockState)[keyof typeof BlockState];

/** The decompression state of one stream, advanced in slices of output between checkpoints. */
class Inflater {
	private readonly source: Uint8Array;
	private readonly sourceBits: number;
	private bitPosition: number;
	output: Uint8Array;
	outputLength = 0;
	private lastBlock = false;
	state: BlockState = BlockState.Header;
	private literalCode: HuffmanCode;
	private distanceCode: HuffmanCode;
	private readonly dynamicLiteral = new HuffmanCode(LITERAL_ROOT_BITS, 288);
	private readonly dynamicDistance = new HuffmanCode(DISTANCE_ROOT_BITS, 32);
	private readonly codeLengthCode = new HuffmanCode(7, 19);
	private readonly lengths = new Uint8Array(288 + 32);

	constructor(
		data: Uint8Array,
		start: number,
		end: number,
		private readonly expectedLength: number,
	) {
		this.source = new Uint8Array(end - start + INPUT_PADDING);
		this.source.set(data.subarray(start, end));
		this.sourceBits = (end - start) * 8;
		this.bitPosition = 0;
		this.literalCode = FIXED_LITERAL;
		this.distanceCode = FIXED_DISTANCE;
		// Grow from a size the input can plausibly fill, never beyond what the caller expects.
		this.output = new Uint8Array(Math.min(expectedLength, Math.max(65536, (end - start) * 4)));
	}

	/** Byte offset in the source just after the last block (once `state` is Done). */
	get endOfDeflate(): number {
		return (this.bitPosition + 7) >> 3;
	}

	private readBits(count: number): number {
		const position = this.bitPosition;
		if (position + count > this.sourceBits) corrupt('truncated stream');
		const byte = position >> 3;
		const source = this.source;
		const window =
			source[byte] | (source[byte + 1] << 8) | (source[byte + 2] << 16) | (source[byte + 3] << 24);
		this.bitPosition = position + count;
		return (window >>> (position & 7)) & ((1 << count) - 1);
	}

	/** Makes room for `needed` more output bytes, or fails when that passes the expected size. */
	private ensureRoom(needed: number): Uint8Array {
		const required = this.outputLength + needed;
		if (required > this.expectedLength) corrupt('more output than the expected size');
		if (required > this.output.length) {
			const grown = new Uint8Array(
				Math.min(this.expectedLength, Math.max(required, this.output.length * 2)),
			);
			grown.set(this.output.subarray(0, this.outputLength));
			this.output = grown;
		}
		return this.output;
	}

	/** Advances until at least `outputTarget` bytes exist or the stream is done. */
	run(outputTarget: number): void {
		while (this.state !== BlockState.Done && this.outputLength < outputTarget) {
			if (this.state === BlockState.Header) this.readBlockHeader();
			else this.decodeHuffman(outputTarget);
		}
	}

	private readBlockHeader(): void {
		if (this.lastBlock) {
			this.state = BlockState.Done;
			return;
		}
		this.lastBlock = this.readBits(1) === 1;
		const type = this.readBits(2);
		if (type === 0) this.copyStoredBlock();
		else if (type === 1) {
			this.literalCode = FIXED_LITERAL;
			this.distanceCode = FIXED_DISTANCE;
			this.state = BlockState.Huffman;
		} else if (type === 2) {
			this.readDynamicCodes();
			this.state = BlockState.Huffman;
		} else corrupt('reserved block type 3');
	}

	/** RFC 1951 3.2.4: a byte-aligned LEN, its one's complement NLEN, then LEN raw bytes. */
	private copyStoredBlock(): void {
		const byte = (this.bitPosition + 7) >> 3;
		if (byte + 4 > this.sourceBits >> 3) corrupt('truncated stored block');
		const source = this.source;
		const length = source[byte] | (source[byte + 1] << 8);
		const complement = source[byte + 2] | (source[byte + 3] << 8);
		if ((length ^ 0xffff) !== complement) corrupt('stored block length check');
		const start = byte + 4;
		if (start + length > this.sourceBits >> 3) corrupt('truncated stored block');
		const output = this.ensureRoom(length);
		output.set(source.subarray(start, start + length), this.outputLength);
		this.outputLength += length;
		this.bitPosition = (start + length) * 8;
	}

	/** RFC 1951 3.2.7: HLIT, HDIST, HCLEN, the code length code, then run-length coded lengths. */
	private readDynamicCodes(): void {
		const literalCount = this.readBits(5) + 257;
		const distanceCount = this.readBits(5) + 1;
		const codeLengthCount = this.readBits(4) + 4;
		if (literalCount > 286 || distanceCount > 30) corrupt('too many length or distance codes');
		const lengths = this.lengths;
		lengths.fill(0, 0, 19);
		for (let index = 0; index < codeLengthCount; index++) {
			lengths[CODE_LENGTH_ORDER[index]] = this.readBits(3);
		}
		const codeLengthCode = this.codeLengthCode;
		codeLengthCode.build(lengths, 0, 19);
		const total = literalCount + distanceCount;
		const source = this.source;
		let index = 0;
		while (index < total) {
			const position = this.bitPosition;
			if (position > this.sourceBits) corrupt('truncated code lengths');
			const byte = position >> 3;
			const window = (source[byte] | (source[byte + 1] << 8)) >>> (position & 7);
			let entry = codeLengthCode.root[window & ((1 << codeLengthCode.rootBits) - 1)];
			if (entry === 0) entry = decodeSlowly(source, position, codeLengthCode);
			this.bitPosition = position + (entry & 15);
			const symbol = entry >> 4;
			if (symbol < 16) {
				lengths[index++] = symbol;
				continue;
			}
			let repeated = 0;
			let times: number;
			if (symbol === 16) {
				if (index === 0) corrupt('repeat of no previous code length');
				repeated = lengths[index - 1];
				times = 3 + this.readBits(2);
			} else if (symbol === 17) times = 3 + this.readBits(3);
			else times = 11 + this.readBits(7);
			if (index + times > total) corrupt('code lengths overflow');
			lengths.fill(repeated, index, index + times);
			index += times;
		}
		if (this.bitPosition > this.sourceBits) corrupt('truncated code lengths');
		if (lengths[256] === 0) corrupt('no end-of-block code');
		this.dynamicLiteral.build(lengths, 0, literalCount);
		this.dynamicDistance.build(lengths, literalCount, distanceCount);
		this.literalCode = this.dynamicLiteral;
		this.distanceCode = this.dynamicDistance;
	}

	/** RFC 1951 3.2.5: literal bytes and <length, backward distance> pairs up to end-of-block. */
	private decodeHuffman(outputTarget: number): void {
		const source = this.source;
		const sourceBits = this.sourceBits;
		const literalCode = this.literalCode;
		const literalRoot = literalCode.root;
		const literalMask = (1 << literalCode.rootBits) - 1;
		const distanceCode = this.distanceCode;
		const distanceRoot = distanceCode.root;
		const distanceMask = (1 << distanceCode.rootBits) - 1;
		let output = this.output;
		let capacity = output.length;
		let outputLength = this.outputLength;
		let position = this.bitPosition;
		try {
			while (outputLength < outputTarget) {
				if (position > sourceBits) corrupt('truncated stream');
				let byte = position >> 3;
				let window =
					(source[byte] | (source[byte + 1] << 8) | (source[byte + 2] << 16)) >>> (position & 7);
				let entry = literalRoot[window & literalMask];
				if (entry === 0) entry = decodeSlowly(source, position, literalCode);
				position += entry & 15;
				const symbol = entry >> 4;
				if (symbol < 256) {
					if (outputLength >= capacity) {
						this.outputLength = outputLength;
						output = this.ensureRoom(1);
						capacity = output.length;
					}
					output[outputLength++] = symbol;
					continue;
				}
				if (symbol === 256) {
					this.state = BlockState.Header;
					break;
				}
				if (symbol > 285) corrupt('invalid length symbol');
				const lengthIndex = symbol - 257;
				let length = LENGTH_BASE[lengthIndex];
				let extra = LENGTH_EXTRA[lengthIndex];
				if (extra > 0) {
					byte = position >> 3;
					window = (source[byte] | (source[byte + 1] << 8)) >>> (position & 7);
					length += window & ((1 << extra) - 1);
					position += extra;
				}
				byte = position >> 3;
				window =
					(source[byte] | (source[byte + 1] << 8) | (source[byte + 2] << 16)) >>> (position & 7);
				entry = distanceRoot[window & distanceMask];
				if (entry === 0) entry = decodeSlowly(source, position, distanceCode);
				position += entry & 15;
				const distanceSymbol = entry >> 4;
				if (distanceSymbol > 29) corrupt('invalid distance symbol');
				let distance = DISTANCE_BASE[distanceSymbol];
				extra = DISTANCE_EXTRA[distanceSymbol];
				if (extra > 0) {
					byte = position >> 3;
					window =
						(source[byte] | (source[byte + 1] << 8) | (source[byte + 2] << 16)) >>> (position & 7);
					distance += window & ((1 << extra) - 1);
					position += extra;
				}
				if (position > sourceBits) corrupt('truncated stream');
				if (distance > outputLength) corrupt('distance too far back');
				if (outputLength + length > capacity) {
					this.outputLength = outputLength;
					output = this.ensureRoom(length);
					capacity = output.length;
				}
				const end = outputLength + length;
				if (distance >= length && length > 32) {
					output.copyWithin(outputLength, outputLength - distance, end - distance);
					outputLength = end;
				} else {
					for (; outputLength < end; outputLength++)
						output[outputLength] = output[outputLength - distance];
				}
			}
		} finally {
			this.bitPosition = position;
			this.outputLength = outputLength;
		}
	}
}

/**
 * Inflates a zlib stream (RFC 1950: CMF/FLG check, no preset dictionary, Adler-32 verified) into
 * exactly `expectedLength` bytes, or fewer if the stream ends early (caller decides). Output
 * beyond expectedLength -> PhotoError('corrupt'). Bytes after the Adler-32 trailer are ignored.
 */
export async function inflateZlib(
	data: Uint8Array,
	expectedLength: number,
	checkpoint?: Checkpoint,
): Promise<Uint8Array> {
	if (!Number.isSafeInteger(expectedLength) || expectedLength < 0) {
		throw new PhotoError('corrupt', 'Invalid zlib data: expected length is not a size');
	}
	if (data.length < 2 + 4) corrupt('too short for a zlib stream');
	// RFC 1950 2.2: CM = 8 (deflate), CINFO <= 7 (window up to 32 KB), FCHECK, FDICT unset.
	const methodAndFlags = (data[0] << 8) | data[1];
	if ((data[0] & 0x0f) !== 8 || data[0] >> 4 > 7) corrupt('not a deflate stream');
	if (methodAndFlags % 31 !== 0) corrupt('header check');
	if (data[1] & 0x20) corrupt('preset dictionary');
	const inflater = new Inflater(data, 2, data.length, expectedLength);
	while (inflater.state !== BlockState.Done) {
		inflater.run(inflater.outputLength + CHECKPOINT_BYTES);
		if (checkpoint) await checkpoint();
	}
	const trailer = 2 + inflater.endOfDeflate;
	if (trailer + 4 > data.length) corrupt('missing Adler-32 checksum');
	const expectedSum =
		((data[trailer] << 24) |
			(data[trailer + 1] << 16) |
			(data[trailer + 2] << 8) |
			data[trailer + 3]) >>>
		0;
	if (adler32(inflater.output, inflater.outputLength) !== expectedSum) corrupt('Adler-32 mismatch');
	const output = inflater.output;
	return inflater.outputLength === output.length ? output : output.slice(0, inflater.outputLength);
}
