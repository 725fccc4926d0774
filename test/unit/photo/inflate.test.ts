/**
 * inflateZlib against Node's zlib (the reference, allowed in tests only): every level and
 * strategy round-trips byte for byte, and broken or hostile streams end in PhotoError('corrupt')
 * without producing more than the expected output.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { adler32, inflateZlib } from '../../../nodes/KredibelBiometric/photo/inflate';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';

const SEED = 20261206;
const { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED } = zlib.constants;
const STRATEGIES = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED];

/** Writes DEFLATE's LSB-first bit stream, for hand-made hostile streams. */
class BitWriter {
	private readonly bytes: number[] = [];
	private bitCount = 0;
	write(value: number, count: number): this {
		for (let bit = 0; bit < count; bit++) {
			if (this.bitCount % 8 === 0) this.bytes.push(0);
			this.bytes[this.bytes.length - 1] |= ((value >> bit) & 1) << this.bitCount % 8;
			this.bitCount++;
		}
		return this;
	}
	/** A Huffman code is sent most significant bit first. */
	writeCode(code: number, length: number): this {
		for (let bit = length - 1; bit >= 0; bit--) this.write((code >> bit) & 1, 1);
		return this;
	}
	zlib(adler = 0): Uint8Array {
		return Uint8Array.from([
			0x78,
			0x01,
			...this.bytes,
			adler >>> 24,
			(adler >> 16) & 255,
			(adler >> 8) & 255,
			adler & 255,
		]);
	}
}

/** Deterministic image-like bytes: smooth gradients, flat areas and some noise. */
function imageLikeBytes(length: number, seed: number): Uint8Array {
	const bytes = new Uint8Array(length);
	let state = seed;
	for (let index = 0; index < length; index++) {
		state = (Math.imul(state, 1103515245) + 12345) >>> 0;
		const x = index % 3000;
		bytes[index] =
			x < 1000 ? (index >> 9) & 255 : x < 2000 ? 128 : ((x >> 3) + (state >>> 29)) & 255;
	}
	return bytes;
}

async function expectCorrupt(promise: Promise<unknown>, message?: RegExp): Promise<void> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(PhotoError);
	expect((error as PhotoError).kind).toBe('corrupt');
	if (message) expect((error as PhotoError).message).toMatch(message);
}

describe('inflateZlib', () => {
	it('matches zlib for random and repetitive data at every level and strategy', async () => {
		const data = fc.oneof(
			fc.uint8Array({ maxLength: 5000 }),
			// Few distinct bytes in runs: long matches, RLE and short codes.
			fc
				.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 700 })), {
					maxLength: 60,
				})
				.map((runs) =>
					Uint8Array.from(runs.flatMap(([value, count]) => Array<number>(count).fill(value))),
				),
			// A random phrase repeated with mutations: matches at many distances.
			fc
				.tuple(
					fc.uint8Array({ minLength: 1, maxLength: 300 }),
					fc.integer({ min: 1, max: 200 }),
					fc.nat(),
				)
				.map(([phrase, times, salt]) => {
					const out = new Uint8Array(phrase.length * times);
					for (let index = 0; index < out.length; index++) {
						out[index] = phrase[index % phrase.length] ^ (index % 97 === salt % 97 ? 1 : 0);
					}
					return out;
				}),
		);
		await fc.assert(
			fc.asyncProperty(
				data,
				fc.integer({ min: 0, max: 9 }),
				fc.constantFrom(...STRATEGIES),
				async (input, level, strategy) => {
					const compressed = zlib.deflateSync(input, { level, strategy });
					const inflated = await inflateZlib(compressed, input.length);
					expect(Buffer.from(inflated).equals(zlib.inflateSync(compressed))).toBe(true);
					expect(Buffer.from(inflated).equals(Buffer.from(input))).toBe(true);
				},
			),
			{ seed: SEED, numRuns: 300 },
		);
	});

	it('matches zlib on 3 MB of image-like data, with long codes, full 32 KB window and stored blocks over 64 KB', async () => {
		const input = imageLikeBytes(3_000_000, 7);
		for (const [level, strategy] of [
			[0, Z_DEFAULT_STRATEGY],
			[1, Z_DEFAULT_STRATEGY],
			[6, Z_FILTERED],
			[9, Z_DEFAULT_STRATEGY],
			[9, Z_HUFFMAN_ONLY],
			[9, Z_RLE],
			[9, Z_FIXED],
		]) {
			const compressed = zlib.deflateSync(input, { level, strategy, windowBits: 15, memLevel: 9 });
			const inflated = await inflateZlib(compressed, input.length);
			expect(Buffer.from(inflated).equals(Buffer.from(input))).toBe(true);
		}
	});

	it('accepts a smaller window (CINFO < 7) and ignores bytes after the Adler-32', async () => {
		const input = imageLikeBytes(100_000, 3);
		const compressed = zlib.deflateSync(input, { windowBits: 9 });
		expect(compressed[0] >> 4).toBe(1);
		const withTrailer = Buffer.concat([compressed, Buffer.from([1, 2, 3])]);
		expect(
			Buffer.from(await inflateZlib(withTrailer, input.length)).equals(Buffer.from(input)),
		).toBe(true);
	});

	it('returns the shorter output when the stream ends before the expected length, without allocating the claim', async () => {
		const input = imageLikeBytes(1000, 5);
		const inflated = await inflateZlib(zlib.deflateSync(input), 1 << 30);
		expect(inflated.length).toBe(1000);
		expect(inflated.buffer.byteLength).toBeLessThanOrEqual(65536);
		expect(Buffer.from(inflated).equals(Buffer.from(input))).toBe(true);
		expect((await inflateZlib(zlib.deflateSync(new Uint8Array(0)), 0)).length).toBe(0);
	});

	it('calls the checkpoint about every 256 KB of output and stops when it throws', async () => {
		const input = imageLikeBytes(4_000_000, 11);
		const compressed = zlib.deflateSync(input, { level: 6 });
		let calls = 0;
		await inflateZlib(compressed, input.length, () => {
			calls++;
		});
		expect(calls).toBeGreaterThanOrEqual(Math.floor(4_000_000 / (256 * 1024)));
		expect(calls).toBeLessThanOrEqual(Math.ceil(4_000_000 / (256 * 1024)) + 2);

		let callsBeforeCancel = 0;
		const cancelled = await inflateZlib(compressed, input.length, () => {
			if (++callsBeforeCancel === 2) throw new PhotoError('cancelled', 'stopped');
		}).catch((error: unknown) => error);
		expect(cancelled).toBeInstanceOf(PhotoError);
		expect((cancelled as PhotoError).kind).toBe('cancelled');
		expect(callsBeforeCancel).toBe(2);
	});

	it('checks the Adler-32 of the output', async () => {
		const input = imageLikeBytes(10_000, 9);
		expect(adler32(input)).toBe(
			zlib.deflateSync(input).readUInt32BE(zlib.deflateSync(input).length - 4),
		);
		const compressed = Uint8Array.from(zlib.deflateSync(input));
		compressed[compressed.length - 1] ^= 1;
		await expectCorrupt(inflateZlib(compressed, input.length), /Adler-32/);
		await expectCorrupt(
			inflateZlib(compressed.subarray(0, compressed.length - 2), input.length),
			/Adler-32/,
		);
	});

	it('refuses a bad zlib header: method, window size, check bits, preset dictionary', async () => {
		const good = Uint8Array.from(zlib.deflateSync(Buffer.from('hello hello hello')));
		const withHeader = (cmf: number, flg: number) =>
			Uint8Array.from([cmf, flg, ...good.subarray(2)]);
		await expectCorrupt(inflateZlib(withHeader(0x79, 0xda - 0x1e), 17), /not a deflate/); // CM = 9
		await expectCorrupt(inflateZlib(withHeader(0x88, 0x1c), 17), /not a deflate/); // CINFO = 8
		await expectCorrupt(inflateZlib(withHeader(0x78, 0x9d), 17), /header check/);
		await expectCorrupt(inflateZlib(withHeader(0x78, 0xbb), 17), /preset dictionary/); // FDICT, FCHECK ok
		await expectCorrupt(inflateZlib(new Uint8Array([0x78]), 1), /too short/);
	});

	it('refuses every truncation of a valid stream', async () => {
		const input = imageLikeBytes(3000, 13);
		for (const options of [{ level: 0 }, { level: 9 }, { level: 9, strategy: Z_FIXED }]) {
			const compressed = zlib.deflateSync(input, options);
			for (let cut = 0; cut < compressed.length; cut++) {
				await expectCorrupt(inflateZlib(compressed.subarray(0, cut), input.length));
			}
		}
	});

	it('stops a zip bomb claiming 1 GB at the expected 1 MB, after at most a few slices', async () => {
		// Fixed Huffman (RFC 1951 3.2.6): literal 0 (code 0x30, 8 bits), then <258, 1> pairs:
		// length symbol 285 (code 0xC5, 8 bits) and distance symbol 0 (00000, 5 bits).
		const writer = new BitWriter().write(1, 1).write(1, 2).writeCode(0x30, 8);
		const pairs = Math.ceil((1 << 30) / 258);
		for (let pair = 0; pair < pairs; pair++) writer.writeCode(0xc5, 8).writeCode(0, 5);
		writer.writeCode(0, 7); // end of block
		const bomb = writer.zlib();
		expect(bomb.length).toBeLessThan(8_000_000);
		let checkpoints = 0;
		await expectCorrupt(
			inflateZlib(bomb, 1 << 20, () => {
				checkpoints++;
			}),
			/more output than the expected size/,
		);
		expect(checkpoints).toBeLessThanOrEqual(4);
	});

	it('refuses output one byte beyond the expected length', async () => {
		const input = imageLikeBytes(70_000, 17);
		for (const level of [0, 6]) {
			const compressed = zlib.deflateSync(input, { level });
			await expectCorrupt(inflateZlib(compressed, input.length - 1), /more output/);
			expect((await inflateZlib(compressed, input.length)).length).toBe(input.length);
		}
	});

	it('refuses hand-made invalid blocks', async () => {
		// A match before any output: distance too far back.
		await expectCorrupt(
			inflateZlib(
				new BitWriter()
					.write(1, 1)
					.write(1, 2)
					.writeCode(0xc5, 8)
					.writeCode(0, 5)
					.writeCode(0, 7)
					.zlib(),
				300,
			),
			/distance too far back/,
		);
		// Distance 2 after a single byte.
		await expectCorrupt(
			inflateZlib(
				new BitWriter()
					.write(1, 1)
					.write(1, 2)
					.writeCode(0x30, 8)
					.writeCode(0xc5, 8)
					.writeCode(1, 5)
					.writeCode(0, 7)
					.zlib(),
				300,
			),
			/distance too far back/,
		);
		// Reserved block type 3.
		await expectCorrupt(
			inflateZlib(new BitWriter().write(1, 1).write(3, 2).write(0, 16).zlib(), 10),
			/reserved/,
		);
		// Fixed code symbols that exist but are invalid: literal/length 286 and distance 30.
		await expectCorrupt(
			inflateZlib(
				new BitWriter().write(1, 1).write(1, 2).writeCode(0xc6, 8).write(0, 16).zlib(),
				10,
			),
			/invalid length symbol/,
		);
		await expectCorrupt(
			inflateZlib(
				new BitWriter()
					.write(1, 1)
					.write(1, 2)
					.writeCode(0x30, 8)
					.writeCode(0x01, 7)
					.writeCode(30, 5)
					.write(0, 16)
					.zlib(),
				10,
			),
			/invalid distance symbol/,
		);
		// Stored block whose NLEN is not the complement of LEN.
		await expectCorrupt(
			inflateZlib(
				new BitWriter().write(1, 1).write(0, 2).write(0, 5).write(5, 16).write(5, 16).zlib(),
				5,
			),
			/stored/,
		);
		// Dynamic block with an over-subscribed code length code (19 codes of 1 bit).
		const oversubscribed = new BitWriter()
			.write(1, 1)
			.write(2, 2)
			.write(0, 5)
			.write(0, 5)
			.write(15, 4);
		for (let index = 0; index < 19; index++) oversubscribed.write(1, 3);
		await expectCorrupt(inflateZlib(oversubscribed.write(0, 32).zlib(), 10), /over-subscribed/);
		// Dynamic block whose first code length is "repeat previous".
		const repeatFirst = new BitWriter().write(1, 1).write(2, 2).write(0, 5).write(0, 5).write(0, 4);
		repeatFirst.write(1, 3).write(0, 3).write(0, 3).write(1, 3); // 1-bit codes: symbol 0 is 0, symbol 16 is 1
		await expectCorrupt(
			inflateZlib(repeatFirst.write(1, 1).write(0, 32).zlib(), 10),
			/repeat of no previous/,
		);
		// HLIT of 287 literal/length codes.
		await expectCorrupt(
			inflateZlib(
				new BitWriter().write(1, 1).write(2, 2).write(30, 5).write(0, 9).write(0, 32).zlib(),
				10,
			),
			/too many/,
		);
	});

	it('ends mutated streams in a result or a PhotoError, never another exception', async () => {
		const sources = [
			zlib.deflateSync(imageLikeBytes(20_000, 19), { level: 9 }),
			zlib.deflateSync(imageLikeBytes(20_000, 23), { level: 1, strategy: Z_FIXED }),
			zlib.deflateSync(imageLikeBytes(20_000, 29), { level: 6, strategy: Z_HUFFMAN_ONLY }),
		];
		let failures = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 0, max: sources.length - 1 }),
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
					minLength: 1,
					maxLength: 8,
				}),
				async (which, flips) => {
					const mutated = Uint8Array.from(sources[which]);
					for (const [at, mask] of flips) mutated[at % mutated.length] ^= mask;
					try {
						const output = await inflateZlib(mutated, 20_000);
						expect(output.length).toBeLessThanOrEqual(20_000);
					} catch (error) {
						expect(error).toBeInstanceOf(PhotoError);
						failures++;
					}
				},
			),
			{ seed: SEED, numRuns: 500 },
		);
		expect(failures).toBeGreaterThan(250);
	});
});
