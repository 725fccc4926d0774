/**
 * Hostile PNG inputs: generators of the shapes an attacker would post (see hostileInput.ts).
 * Each is a small program, not a file: zlib bombs at DEFLATE's best ratio, headers that claim
 * far more than the data holds, millions of chunks, endless empty DEFLATE blocks, and metadata
 * hidden where a byte-for-byte copy would carry it along (after the zlib trailer, after IEND, in
 * oversized ancillary chunks). The names say what each one claims and how big it really is.
 */
import * as zlib from 'node:zlib';

import {
	adler32OfZeros,
	adler32Trailer,
	BitWriter,
	deflateZeros,
	zlibStream,
} from '../deflateBits';
import { chunk, ihdr, photo, scanlines, SIGNATURE } from '../../unit/photo/pngFixtures';
import { ADAM7_PASSES } from '../../../nodes/KredibelBiometric/photo/pngDecode';
import type { HostileInput } from './hostileInput';

/** The NIK planted in metadata carriers: none of it may reach Kredibel. */
export const PLANTED_NIK = '3171234567890003';

const MB = 1024 * 1024;

/** Samples per pixel of each colour type (PNG spec 11.2.2). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of filtered image data (filter bytes included) an image of this header holds. */
export function rawImageLength(
	width: number,
	height: number,
	bitDepth: number,
	colourType: number,
	interlace = 0,
): number {
	const bitsPerPixel = SAMPLES[colourType] * bitDepth;
	const passes = interlace === 1 ? ADAM7_PASSES : [[0, 0, 1, 1]];
	let total = 0;
	for (const [x0, y0, dx, dy] of passes) {
		const passWidth = width > x0 ? Math.ceil((width - x0) / dx) : 0;
		const passHeight = height > y0 ? Math.ceil((height - y0) / dy) : 0;
		if (passWidth === 0 || passHeight === 0) continue;
		total += passHeight * (1 + Math.ceil((passWidth * bitsPerPixel) / 8));
	}
	return total;
}

function png(header: Buffer, ...chunks: Uint8Array[]): Uint8Array {
	return new Uint8Array(Buffer.concat([SIGNATURE, header, ...chunks, chunk('IEND')]));
}

/** A valid PNG whose image data is all zero bytes, compressed at about 1032:1. */
export function zlibBombPng(
	width: number,
	height: number,
	bitDepth: number,
	colourType: number,
	interlace = 0,
): Uint8Array {
	const raw = rawImageLength(width, height, bitDepth, colourType, interlace);
	const stream = zlibStream([deflateZeros(raw)], adler32OfZeros(raw));
	return png(ihdr(width, height, bitDepth, colourType, interlace), chunk('IDAT', stream));
}

/**
 * A valid 8-bit RGB PNG whose rows are all Paeth-filtered zeros (the costliest filter to undo),
 * in one fixed-Huffman block (RFC 1951 3.2.6): per row the literals 4 and 0, then <258, 1> pairs,
 * then literal zeros for what is left. `width` is best 1 more than a multiple of 86, so that a
 * row's 3 * width - 1 zeros leave 2 literals. About 160:1.
 */
export function paethBombPng(width: number, height: number): Uint8Array {
	const rowBytes = 3 * width;
	const pairs = Math.floor((rowBytes - 1) / 258);
	const writer = new BitWriter().write(1, 1).write(1, 2);
	// Fixed codes: literals 0-143 are 0x30 + value in 8 bits, length 258 (285) is 0xC5 in 8 bits,
	// distance 1 (symbol 0) is 00000, end of block (256) is 0000000.
	for (let y = 0; y < height; y++) {
		writer.writeCode(0x30 + 4, 8).writeCode(0x30, 8);
		for (let pair = 0; pair < pairs; pair++) writer.writeCode(0xc5, 8).writeCode(0, 5);
		for (let left = rowBytes - 1 - pairs * 258; left > 0; left--) writer.writeCode(0x30, 8);
	}
	writer.writeCode(0, 7);
	const row = new Uint8Array(1 + rowBytes);
	row[0] = 4;
	const sum = adler32OfRepeats(row, height);
	return png(ihdr(width, height, 8, 2), chunk('IDAT', zlibStream([writer.deflate()], sum)));
}

/**
 * The same picture as `paethBombPng`, but every zero a literal of its own: one dynamic-Huffman
 * block where literal 0 has a 1-bit code (4 and end-of-block 2 bits), so 150 MB of rows take
 * 150 million symbols from an 18.8 MB file, the costliest way to make that much data.
 */
export function literalBombPng(width: number, height: number): Uint8Array {
	const writer = new BitWriter().write(1, 1).write(2, 2);
	writer
		.write(257 - 257, 5)
		.write(1 - 1, 5)
		.write(18 - 4, 4);
	// Code length code lengths (order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1): symbols 1, 2,
	// 17 and 18 get 2 bits; canonical codes 1 -> 00, 2 -> 01, 17 -> 10, 18 -> 11.
	for (const length of [0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2]) {
		writer.write(length, 3);
	}
	writer.writeCode(0b00, 2); // literal 0: 1 bit
	writer.writeCode(0b10, 2).write(3 - 3, 3); // literals 1-3 unused
	writer.writeCode(0b01, 2); // literal 4: 2 bits
	writer.writeCode(0b11, 2).write(138 - 11, 7); // literals 5-142 unused
	writer.writeCode(0b11, 2).write(113 - 11, 7); // literals 143-255 unused
	writer.writeCode(0b01, 2); // end of block: 2 bits
	writer.writeCode(0b00, 2); // distance 0: 1 bit
	// Literal/length codes: 0 -> 0, 4 -> 10, 256 -> 11.
	const rowBytes = 3 * width;
	for (let y = 0; y < height; y++) writer.writeCode(0b10, 2).zeroBits(rowBytes);
	writer.writeCode(0b11, 2);
	const row = new Uint8Array(1 + rowBytes);
	row[0] = 4;
	const stream = zlibStream([writer.deflate()], adler32OfRepeats(row, height));
	return png(ihdr(width, height, 8, 2), chunk('IDAT', stream));
}

/** Adler-32 (RFC 1950 section 9) of `row` repeated `times` times. */
function adler32OfRepeats(row: Uint8Array, times: number): number {
	let low = 1;
	let high = 0;
	for (let repeat = 0; repeat < times; repeat++) {
		for (const byte of row) {
			low += byte;
			high += low;
			if (high > 0x3fffffff) {
				low %= 65521;
				high %= 65521;
			}
		}
		low %= 65521;
		high %= 65521;
	}
	return ((high << 16) | low) >>> 0;
}

/** The filtered scanlines of a small RGB test photo (Paeth and Sub rows, as encoders write). */
function photoRows(width: number, height: number): Buffer {
	const picture = photo(width, height, 11);
	return scanlines(
		{ width, height, bitDepth: 8, colourType: 2, samples: picture.data },
		[4, 1, 2, 3, 0],
	);
}

/** A 64x64 RGB photo whose zlib stream starts with `prefix` (non-final blocks, byte aligned). */
function photoAfterBlocks(prefix: Uint8Array): Uint8Array {
	const rows = photoRows(64, 64);
	const stream = zlibStream(
		[prefix, zlib.deflateRawSync(rows)],
		adler32Trailer(zlib.deflateSync(rows)),
	);
	return png(ihdr(64, 64, 8, 2), chunk('IDAT', stream));
}

/** `count` copies of `pattern`, made by filling (millions of chunks without a loop per chunk). */
function repeated(pattern: Uint8Array, count: number): Buffer {
	return Buffer.alloc(pattern.length * count).fill(pattern);
}

/** Non-final empty stored blocks (RFC 1951 3.2.4): 3 header bits padded to a byte, LEN 0, NLEN. */
const EMPTY_STORED_BLOCK = Uint8Array.from([0x00, 0x00, 0x00, 0xff, 0xff]);
/**
 * Four non-final empty fixed-Huffman blocks in 5 bytes: each is BFINAL 0, BTYPE 01 and the
 * 7-bit end-of-block code, 10 bits, so four end on a byte boundary.
 */
const FOUR_EMPTY_FIXED_BLOCKS = Uint8Array.from([0x02, 0x08, 0x20, 0x80, 0x00]);

/**
 * Four non-final empty dynamic-Huffman blocks in 45 bytes (90 bits each): every one makes the
 * decoder build its code tables again. The smallest such block: 257 literal/length codes of which
 * only end-of-block has a length (1 bit), one 1-bit distance code, sent with a code length code
 * where symbols 1 and 18 (a run of zeros) have one bit each.
 */
function fourEmptyDynamicBlocks(): Uint8Array {
	const writer = new BitWriter();
	for (let block = 0; block < 4; block++) {
		writer
			.write(0, 1)
			.write(2, 2)
			.write(257 - 257, 5)
			.write(1 - 1, 5)
			.write(18 - 4, 4);
		// Order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1: symbol 18 and symbol 1 get 1 bit.
		for (const length of [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) {
			writer.write(length, 3);
		}
		// Canonical code length codes: 1 -> 0, 18 -> 1.
		writer.writeCode(1, 1).write(138 - 11, 7); // literals 0..137 unused
		writer.writeCode(1, 1).write(118 - 11, 7); // literals 138..255 unused
		writer.writeCode(0, 1); // end of block: 1 bit
		writer.writeCode(0, 1); // distance 0: 1 bit
		writer.writeCode(0, 1); // the block's only symbol: end of block
	}
	return writer.deflate();
}

/** A 64x64 photo, then more DEFLATE output than the picture needs: `extra` zero bytes. */
function photoThenMoreData(extra: number): Uint8Array {
	const rows = photoRows(64, 64);
	const deflated = zlib.deflateRawSync(rows, { finishFlush: zlib.constants.Z_FULL_FLUSH });
	// A full flush ends on a byte boundary after an empty stored block; the bomb block follows.
	return png(
		ihdr(64, 64, 8, 2),
		chunk('IDAT', zlibStream([deflated, deflateZeros(extra)], 0x12345678)),
	);
}

/** The IHDR and zlib stream of a clean 64x64 RGB photo. */
function cleanPhoto(): { header: Buffer; stream: Buffer } {
	return { header: ihdr(64, 64, 8, 2), stream: zlib.deflateSync(photoRows(64, 64)) };
}

/**
 * A clean 64x64 photo with the planted NIK where a byte-for-byte copy would carry it along:
 * `build` makes the file from the photo's IHDR and zlib stream. It must be sent, without the NIK.
 */
function nikCarrier(
	name: string,
	attack: string,
	build: (header: Buffer, stream: Buffer) => Uint8Array,
): HostileInput {
	return {
		name,
		format: 'png',
		attack,
		outcome: 'sent',
		mustNotLeak: PLANTED_NIK,
		make: () => {
			const { header, stream } = cleanPhoto();
			return build(header, stream);
		},
		reference: 'gm',
	};
}

export function pngHostileInputs(): HostileInput[] {
	return [
		{
			name: '16-bit RGBA zlib bomb, 7071x7071 (388 KB, 400 MB of image data)',
			format: 'png',
			attack: 'zlib',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => zlibBombPng(7071, 7071, 16, 6),
			reference: 'gm',
		},
		{
			name: '8-bit RGB zlib bomb, 8171x6119 (50 MP, 150 MB of Paeth-filtered rows, 970 KB)',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => paethBombPng(8171, 6119),
			reference: 'gm',
		},
		{
			name: 'interlaced 16-bit RGBA zlib bomb, 7071x7071 (388 KB)',
			format: 'png',
			attack: 'zlib',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => zlibBombPng(7071, 7071, 16, 6, 1),
		},
		{
			name: 'interlaced 8-bit RGB zlib bomb just within the interlaced limit, 2400x2300',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => zlibBombPng(2400, 2300, 8, 2, 1),
			reference: 'gm',
		},
		{
			name: 'header claims 8171x6119 8-bit RGB (50 MP), 100 bytes of image data',
			format: 'png',
			attack: 'pixels',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => png(ihdr(8171, 6119, 8, 2), chunk('IDAT', zlib.deflateSync(Buffer.alloc(100)))),
			reference: 'gm',
		},
		{
			name: 'header claims 60000x60000 (62 bytes)',
			format: 'png',
			attack: 'pixels',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => png(ihdr(60000, 60000, 8, 2), chunk('IDAT', zlib.deflateSync(Buffer.alloc(9)))),
		},
		{
			name: 'header claims 50 megapixels in one row (50000000x1 grey, 48 KB)',
			format: 'png',
			attack: 'pixels',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => zlibBombPng(50_000_000, 1, 8, 0),
		},
		{
			name: 'a 64x64 photo in one-byte IDAT chunks among 2 million empty ones (24 MB)',
			format: 'png',
			attack: 'chunks',
			outcome: 'sent',
			make: () => {
				const { header, stream } = cleanPhoto();
				const pieces: Uint8Array[] = [];
				for (const byte of stream) pieces.push(chunk('IDAT', Uint8Array.of(byte)));
				return png(header, repeated(chunk('IDAT'), 2_000_000), ...pieces);
			},
			reference: 'gm',
		},
		{
			name: 'a 64x64 photo after 2 million empty ancillary chunks (24 MB)',
			format: 'png',
			attack: 'chunks',
			outcome: 'sent',
			make: () => {
				const { header, stream } = cleanPhoto();
				return png(header, repeated(chunk('prVt'), 2_000_000), chunk('IDAT', stream));
			},
			reference: 'gm',
		},
		{
			name: '5 MB of empty stored DEFLATE blocks before a 64x64 photo',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => photoAfterBlocks(repeated(EMPTY_STORED_BLOCK, MB)),
			reference: 'gm',
		},
		{
			name: '5 MB of empty fixed-Huffman DEFLATE blocks before a 64x64 photo',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => photoAfterBlocks(repeated(FOUR_EMPTY_FIXED_BLOCKS, MB)),
			reference: 'gm',
		},
		{
			name: 'a zlib stream that never ends: 20 MB of non-final empty blocks',
			format: 'png',
			attack: 'zlib',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () =>
				png(
					ihdr(64, 64, 8, 2),
					chunk(
						'IDAT',
						Buffer.concat([Buffer.from([0x78, 0x9c]), repeated(EMPTY_STORED_BLOCK, 4 * MB)]),
					),
				),
			reference: 'gm',
		},
		{
			name: 'a 64x64 photo whose zlib stream goes on with 1 GB of zeros',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => photoThenMoreData(1024 * MB),
			reference: 'gm',
		},
		{
			name: '5 MB of empty dynamic-Huffman DEFLATE blocks before a 64x64 photo',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => photoAfterBlocks(repeated(fourEmptyDynamicBlocks(), Math.ceil((5 * MB) / 45))),
			reference: 'gm',
		},
		{
			name: '8-bit RGB bomb of 1-bit literals, 8171x6119 (150 million symbols, 18.8 MB)',
			format: 'png',
			attack: 'zlib',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => literalBombPng(8171, 6119),
		},
		{
			name: '24 MB of empty dynamic-Huffman DEFLATE blocks before a 64x64 photo',
			format: 'png',
			attack: 'zlib',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => photoAfterBlocks(repeated(fourEmptyDynamicBlocks(), Math.ceil((24 * MB) / 45))),
		},
		nikCarrier('a NIK after the zlib trailer, inside IDAT', 'metadata', (header, stream) =>
			png(header, chunk('IDAT', Buffer.concat([stream, Buffer.from(PLANTED_NIK)]))),
		),
		nikCarrier('a NIK after IEND', 'metadata', (header, stream) =>
			Buffer.concat([png(header, chunk('IDAT', stream)), Buffer.from(PLANTED_NIK)]),
		),
		nikCarrier('1 MB gAMA and bKGD chunks carrying a NIK', 'metadata', (header, stream) => {
			const carrier = Buffer.alloc(MB).fill(PLANTED_NIK);
			return png(header, chunk('gAMA', carrier), chunk('bKGD', carrier), chunk('IDAT', stream));
		}),
		nikCarrier(
			'an iCCP chunk with a bad CRC, named with a NIK (as Pillow unknown_compression_method.png)',
			'damage',
			(header, stream) => {
				const profile = chunk(
					'iCCP',
					Buffer.concat([
						Buffer.from(`${PLANTED_NIK}\0\0`),
						zlib.deflateSync(Buffer.alloc(600, 1)),
					]),
				);
				profile[profile.length - 1] ^= 0xff;
				return png(header, profile, chunk('IDAT', stream));
			},
		),
		{
			name: 'an iCCP zlib bomb: a profile that inflates to 1 GB',
			format: 'png',
			attack: 'zlib',
			outcome: 'sent',
			make: () => {
				const { header, stream } = cleanPhoto();
				const bomb = zlibStream([deflateZeros(1024 * MB)], adler32OfZeros(1024 * MB));
				return png(
					header,
					chunk('iCCP', Buffer.concat([Buffer.from('Bomb\0\0'), bomb])),
					chunk('IDAT', stream),
				);
			},
			reference: 'gm',
		},
	];
}
