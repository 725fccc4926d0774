/**
 * Why this file exists: the decoder reads photos from the internet, so any bytes at all must end
 * in a Picture of the size the header declares or in a PhotoError, never another exception, a
 * hang or a huge allocation. Property test (fast-check, fixed seed) over real cjpeg files with
 * bytes flipped, cut and inserted, each decode bounded by 20x the clean file's time + 200 ms.
 */

import fc from 'fast-check';

import { decodeJpeg, type JpegScale } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import { readJpegInfo } from '../../../nodes/KredibelBiometric/photo/jpegHeader';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import { cjpeg, syntheticPhoto } from './photoFixtures';

const SEED = 20261206;
/** Keeps a mutated header from asking for a huge (if allowed) picture the clean file does not. */
const MAX_PIXELS = 1_000_000;

type Mutation =
	| { kind: 'flip'; at: number; value: number }
	| { kind: 'cut'; at: number }
	| { kind: 'insert'; at: number; bytes: number[] };

/** Where in the file, as a fraction (fc.double favours extremes, so integers are scaled). */
const position = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000);

const mutationArbitrary = fc.array(
	fc.oneof(
		fc.record({
			kind: fc.constant('flip' as const),
			at: position,
			value: fc.integer({ min: 0, max: 255 }),
		}),
		fc.record({
			kind: fc.constant('cut' as const),
			at: position,
		}),
		fc.record({
			kind: fc.constant('insert' as const),
			at: position,
			bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
		}),
	),
	{ minLength: 1, maxLength: 6 },
);

function mutate(
	original: Uint8Array,
	mutations: Array<{ kind: string; at: number; value?: number; bytes?: number[] }>,
): Uint8Array {
	let bytes = original.slice();
	for (const m of mutations) {
		const at = Math.min(bytes.length, Math.floor(m.at * bytes.length));
		if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.value as number;
		else if (m.kind === 'cut') bytes = bytes.slice(0, at);
		else if (m.kind === 'insert') {
			const inserted = new Uint8Array(bytes.length + (m.bytes as number[]).length);
			inserted.set(bytes.subarray(0, at));
			inserted.set(m.bytes as number[], at);
			inserted.set(bytes.subarray(at), at + (m.bytes as number[]).length);
			bytes = inserted;
		}
	}
	return bytes;
}

async function cleanDecodeMs(jpeg: Uint8Array, scale: JpegScale): Promise<number> {
	let best = Infinity;
	for (let i = 0; i < 5; i++) {
		const start = performance.now();
		await decodeJpeg(jpeg, { scale });
		best = Math.min(best, performance.now() - start);
	}
	return best;
}

describe.each([
	['baseline 4:2:0 with restarts', ['-quality', '90', '-restart', '3B'], 1 as JpegScale],
	['progressive 4:2:0', ['-quality', '85', '-progressive'], 2 as JpegScale],
	['baseline greyscale, optimised', ['-quality', '80', '-optimize', '-grayscale'], 4 as JpegScale],
])('fuzzed %s', (_name, args, scale) => {
	const jpeg = cjpeg(syntheticPhoto(160, 120, 3, 4), args as string[]);

	it('decodes to the declared size or fails with a PhotoError, in bounded time', async () => {
		const bound = 20 * (await cleanDecodeMs(jpeg, scale)) + 200;
		let pictures = 0;
		let failures = 0;
		await fc.assert(
			fc.asyncProperty(mutationArbitrary, async (mutations: Mutation[]) => {
				const bytes = mutate(jpeg, mutations);
				const start = performance.now();
				let outcome: unknown;
				try {
					outcome = await decodeJpeg(bytes, { scale, maxPixels: MAX_PIXELS });
				} catch (error) {
					outcome = error;
				}
				expect(performance.now() - start).toBeLessThan(bound);
				if (outcome instanceof PhotoError) {
					failures++;
					expect(['corrupt', 'unsupported', 'too_large']).toContain(outcome.kind);
					// Not an internal exception (TypeError, RangeError...) wrapped by decodeJpeg.
					expect(outcome.message).not.toMatch(/could not be decoded/);
					return;
				}
				expect(outcome).not.toBeInstanceOf(Error);
				const picture = outcome as {
					width: number;
					height: number;
					channels: number;
					data: Uint8Array;
				};
				const info = readJpegInfo(bytes);
				expect([picture.width, picture.height]).toEqual([
					Math.ceil(info.width / scale),
					Math.ceil(info.height / scale),
				]);
				expect(picture.channels).toBe(info.components === 1 ? 1 : 3);
				expect(picture.data).toBeInstanceOf(Uint8Array);
				expect(picture.data.length).toBe(picture.width * picture.height * picture.channels);
				pictures++;
			}),
			{ seed: SEED, numRuns: 300 },
		);
		// Both outcomes occur, so the property is not vacuous.
		expect(pictures).toBeGreaterThan(30);
		expect(failures).toBeGreaterThan(10);
	});
});

it('random bytes after a valid header end in a picture or a PhotoError', async () => {
	const jpeg = cjpeg(syntheticPhoto(64, 48, 3, 2), ['-quality', '90']);
	const sos = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xda);
	const headerEnd = sos + 2 + ((jpeg[sos + 2] << 8) | jpeg[sos + 3]);
	await fc.assert(
		fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4000 }), async (noise) => {
			const bytes = new Uint8Array(headerEnd + noise.length);
			bytes.set(jpeg.subarray(0, headerEnd));
			bytes.set(noise, headerEnd);
			try {
				const picture = await decodeJpeg(bytes, { scale: 1 });
				expect([picture.width, picture.height, picture.data.length]).toEqual([64, 48, 64 * 48 * 3]);
			} catch (error) {
				expect(error).toBeInstanceOf(PhotoError);
				expect((error as PhotoError).message).not.toMatch(/could not be decoded/);
			}
		}),
		{ seed: SEED, numRuns: 200 },
	);
});
