/**
 * inflateZlib against Node's zlib (the reference, allowed in tests only): every level and
 * strategy round-trips byte for byte, and broken or hostile streams end in PhotoError('corrupt')
 * without producing more than the expected output.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
	adler32,
	type CompressedSource,
	DEFLATE_HISTORY,
	INFLATE_SLICE_WORK,
	inflateZlib,
	ZlibInflater,
} from '../../../nodes/KredibelBiometric/photo/inflate';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import { WORK_PER_CHECKPOINT, WorkMeter } from '../../../nodes/KredibelBiometric/photo/workMeter';
import { BitWriter, zlibStream } from '../../helpers/deflateBits';

const SEED = 20261206;
const { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED } = zlib.constants;
const STRATEGIES = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED];
/**
 * One slice stops once INFLATE_SLICE_WORK is reached; its last step can add one input refill
 * (64 KB), and the window's move (32 KB here) and the copy out of what it made come on top.
 */
const MOST_WORK_PER_SLICE = 2 * INFLATE_SLICE_WORK;
/** The checkpoint comes once WORK_PER_CHECKPOINT is reached, at the end of a slice. */
const MOST_WORK_PER_CHECKPOINT = WORK_PER_CHECKPOINT + MOST_WORK_PER_SLICE;

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

	it('calls the checkpoint as work adds up, counting input read as well as output made', async () => {
		const input = imageLikeBytes(4_000_000, 11);
		const compressed = zlib.deflateSync(input, { level: 6 });
		const meter = new WorkMeter();
		let calls = 0;
		const output = await inflateZlib(compressed, input.length, () => void calls++, meter);
		expect(Buffer.from(output).equals(Buffer.from(input))).toBe(true);
		// Every output byte is made, summed and copied out once; every input byte read once.
		expect(meter.work).toBeGreaterThanOrEqual(3 * input.length + compressed.length);
		expect(meter.longestStretch).toBeLessThanOrEqual(MOST_WORK_PER_CHECKPOINT);
		expect(calls).toBeGreaterThanOrEqual(Math.floor(meter.work / MOST_WORK_PER_CHECKPOINT));

		// 5 MB of empty blocks make no output at all: the input alone paces the checkpoints.
		for (const emptyBlocks of [
			Buffer.alloc(5 * 1024 * 1024).fill(Uint8Array.of(0x00, 0x00, 0x00, 0xff, 0xff)),
			Buffer.alloc(5 * 1024 * 1024).fill(Uint8Array.of(0x02, 0x08, 0x20, 0x80, 0x00)),
		]) {
			const stream = zlibStream(
				[emptyBlocks, zlib.deflateRawSync(Buffer.from('end'))],
				adler32(Buffer.from('end')),
			);
			const emptyMeter = new WorkMeter();
			let emptyCalls = 0;
			const text = await inflateZlib(stream, 3, () => void emptyCalls++, emptyMeter);
			expect(Buffer.from(text).toString()).toBe('end');
			expect(emptyMeter.work).toBeGreaterThanOrEqual(emptyBlocks.length);
			expect(emptyMeter.longestStretch).toBeLessThanOrEqual(MOST_WORK_PER_CHECKPOINT);
			expect(emptyCalls).toBeGreaterThanOrEqual(
				Math.floor(emptyBlocks.length / MOST_WORK_PER_CHECKPOINT),
			);
		}

		let callsBeforeCancel = 0;
		const cancelled = await inflateZlib(compressed, input.length, () => {
			if (++callsBeforeCancel === 2) throw new PhotoError('cancelled', 'stopped');
		}).catch((error: unknown) => error);
		expect(cancelled).toBeInstanceOf(PhotoError);
		expect((cancelled as PhotoError).kind).toBe('cancelled');
		expect(callsBeforeCancel).toBe(2);
	});

	it('streams: the same output from a source that trickles in bytes (0 at times) into a small window', async () => {
		const input = imageLikeBytes(300_000, 31);
		for (const options of [
			{ level: 0 },
			{ level: 1 },
			{ level: 9 },
			{ level: 9, strategy: Z_FIXED },
		]) {
			const compressed = zlib.deflateSync(input, options);
			let position = 0;
			let calls = 0;
			const trickle: CompressedSource = {
				read(target, offset, max) {
					// 0, 1, 2 ... 6 bytes per call: a PNG's tiny and empty IDAT chunks look like this.
					const count = Math.min(max, calls++ % 7, compressed.length - position);
					target.set(compressed.subarray(position, position + count), offset);
					position += count;
					return count;
				},
				get done() {
					return position >= compressed.length;
				},
			};
			const inflater = new ZlibInflater(trickle, DEFLATE_HISTORY + 1000);
			const output = new Uint8Array(input.length);
			let consumed = 0;
			while (!inflater.finished) {
				inflater.inflate(consumed);
				const made = inflater.produced - consumed;
				output.set(
					inflater.window.subarray(consumed - inflater.windowStart, inflater.windowEnd),
					consumed,
				);
				consumed += made;
			}
			expect(Buffer.from(output).equals(Buffer.from(input))).toBe(true);
			expect(inflater.streamLength).toBe(compressed.length);
		}
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

	it('stops a zip bomb claiming 1 GB at the expected 1 MB, after about 1 MB of work', async () => {
		// Fixed Huffman (RFC 1951 3.2.6): literal 0 (code 0x30, 8 bits), then <258, 1> pairs:
		// length symbol 285 (code 0xC5, 8 bits) and distance symbol 0 (00000, 5 bits).
		const writer = new BitWriter().write(1, 1).write(1, 2).writeCode(0x30, 8);
		const pairs = Math.ceil((1 << 30) / 258);
		for (let pair = 0; pair < pairs; pair++) writer.writeCode(0xc5, 8).writeCode(0, 5);
		writer.writeCode(0, 7); // end of block
		const bomb = writer.zlib();
		expect(bomb.length).toBeLessThan(8_000_000);
		const meter = new WorkMeter();
		await expectCorrupt(
			inflateZlib(bomb, 1 << 20, undefined, meter),
			/more output than the expected size/,
		);
		// About 1 MB made, summed and copied: the rest of the claimed gigabyte is never inflated.
		expect(meter.work).toBeLessThanOrEqual(3 * (1 << 20) + 2 * MOST_WORK_PER_SLICE);
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
