/**
 * decodePng against pngjs (and GraphicsMagick for the files it writes): every colour type, bit
 * depth, filter type, palette/tRNS and Adam7 decodes pixel-exact to the alpha-over-white
 * composite of pngjs's RGBA; hostile files end in a PhotoError in bounded time.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import {
	checkPngHeader,
	type DecodePngOptions,
	decodePng,
	MAX_IMAGE_DATA_BYTES,
	MAX_INTERLACED_BYTES,
	MAX_SIDE,
} from '../../../nodes/KredibelBiometric/photo/pngDecode';
import { downscale } from '../../../nodes/KredibelBiometric/photo/resize';
import {
	DEFAULT_LIMITS,
	PhotoBudget,
	WORK_LIMIT_UNITS,
} from '../../../nodes/KredibelBiometric/photo/budget';
import {
	PNG_UNITS_PER_BUDGET_UNIT,
	WORK_PER_CHECKPOINT,
	WorkMeter,
} from '../../../nodes/KredibelBiometric/photo/workMeter';
import { paethBombPng } from '../../helpers/hostile/png';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import {
	chunk,
	encodePng,
	ihdr,
	photo,
	pngjsOverWhite,
	randomSamples,
	scanlines,
	SIGNATURE,
} from './pngFixtures';
import type { RawImage } from './pngFixtures';
import { ensureDebianTool, readPnm, runTool, writePnm } from '../../helpers/referenceTools';

const SEED = 20261206;
const gm = ensureDebianTool('gm', 'graphicsmagick');

function expectSamePixels(actual: Picture, expected: Picture): void {
	expect([actual.width, actual.height, actual.channels]).toEqual([
		expected.width,
		expected.height,
		expected.channels,
	]);
	let differing = 0;
	for (let index = 0; index < actual.data.length; index++)
		if (actual.data[index] !== expected.data[index]) differing++;
	expect(differing).toBe(0);
}

/** The decoded picture alone. */
async function decodePicture(png: Uint8Array, options?: DecodePngOptions): Promise<Picture> {
	return (await decodePng(png, options)).picture;
}

async function errorOf(promise: Promise<unknown>): Promise<PhotoError> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(PhotoError);
	return error as PhotoError;
}

/** GraphicsMagick's own decode of a PNG without alpha, as 8-bit PGM or PPM. */
function gmDecode(png: Uint8Array, channels: 1 | 3): Picture {
	return readPnm(
		runTool(gm, ['convert', 'png:-', '-depth', '8', channels === 1 ? 'pgm:-' : 'ppm:-'], png),
	);
}

function gmConvert(input: Uint8Array, inputFormat: string, args: string[]): Buffer {
	return runTool(gm, ['convert', `${inputFormat}:-`, ...args, 'png:-'], input);
}

function ihdrOf(png: Uint8Array): { bitDepth: number; colourType: number; interlace: number } {
	return { bitDepth: png[24], colourType: png[25], interlace: png[28] };
}

describe('decodePng', () => {
	const sizes: Array<[number, number]> = [
		[1, 1],
		[3, 2],
		[9, 9],
		[37, 23],
	];

	it('matches pngjs for colour types 0, 2, 4, 6 at 8 and 16 bits with each filter type', async () => {
		for (const [width, height] of sizes) {
			for (const colourType of [0, 2, 4, 6]) {
				for (const bitDepth of [8, 16]) {
					for (const filters of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
						const samples = randomSamples(
							width * height * [1, 0, 3, 0, 2, 0, 4][colourType],
							bitDepth,
							width * 31 + colourType * 7 + bitDepth,
						);
						const png = encodePng({ width, height, bitDepth, colourType, samples }, { filters });
						const channels = colourType === 0 || colourType === 4 ? 1 : 3;
						expectSamePixels(await decodePicture(png), pngjsOverWhite(png, channels));
					}
				}
			}
		}
	});

	it('matches pngjs for 1, 2 and 4-bit grey and palettes, with and without tRNS', async () => {
		for (const [width, height] of sizes) {
			for (const bitDepth of [1, 2, 4, 8]) {
				const samples = randomSamples(width * height, bitDepth, width + bitDepth);
				const grey: RawImage = { width, height, bitDepth, colourType: 0, samples };
				for (const before of [[], [chunk('tRNS', Buffer.from([0, samples[0]]))]]) {
					const png = encodePng(grey, { before });
					expectSamePixels(await decodePicture(png), pngjsOverWhite(png, 1));
				}
				const entries = 1 << bitDepth;
				const palette = Uint8Array.from(randomSamples(entries * 3, 8, bitDepth * 5));
				const alphas = Uint8Array.from(randomSamples(Math.max(1, entries >> 1), 8, bitDepth * 3));
				for (const before of [[], [chunk('tRNS', alphas)]]) {
					const png = encodePng({ ...grey, colourType: 3 }, { palette, before, filters: [1, 4] });
					expectSamePixels(await decodePicture(png), pngjsOverWhite(png, 3));
				}
			}
		}
	});

	it('matches pngjs for tRNS colour keys at 8 and 16 bits (grey and RGB)', async () => {
		const width = 17;
		const height = 11;
		for (const bitDepth of [8, 16]) {
			const rgbSamples = randomSamples(width * height * 3, 2, bitDepth); // few values: many keyed pixels
			const rgb: RawImage = { width, height, bitDepth, colourType: 2, samples: rgbSamples };
			const key = Buffer.alloc(6);
			for (let s = 0; s < 3; s++) key.writeUInt16BE(rgbSamples[s], s * 2);
			let png = encodePng(rgb, { before: [chunk('tRNS', key)] });
			const decoded = await decodePicture(png);
			expectSamePixels(decoded, pngjsOverWhite(png, 3));
			expect(decoded.data.subarray(0, 3)).toEqual(Uint8Array.from([255, 255, 255]));

			const greySamples = randomSamples(width * height, 2, bitDepth + 1);
			png = encodePng(
				{ width, height, bitDepth, colourType: 0, samples: greySamples },
				{
					before: [chunk('tRNS', Buffer.from([greySamples[0] >> 8, greySamples[0] & 255]))],
				},
			);
			expectSamePixels(await decodePicture(png), pngjsOverWhite(png, 1));
		}
	});

	it('matches pngjs and GraphicsMagick on files GraphicsMagick writes: palettes, 1-bit, 16-bit, Adam7', async () => {
		const picture = photo(37, 23);
		const ppm = writePnm(picture);
		const grey = writePnm({
			...picture,
			channels: 1,
			data: picture.data.filter((_, index) => index % 3 === 1),
		});
		const cases: Array<{
			input: Buffer;
			format: string;
			args: string[];
			expect: { bitDepth: number; colourType: number; interlace: number };
		}> = [
			{
				input: ppm,
				format: 'ppm',
				args: ['-colors', '64'],
				expect: { bitDepth: 8, colourType: 3, interlace: 0 },
			},
			{
				input: ppm,
				format: 'ppm',
				args: ['-colors', '4'],
				expect: { bitDepth: 2, colourType: 3, interlace: 0 },
			},
			{
				input: ppm,
				format: 'ppm',
				args: ['-colors', '16', '-interlace', 'Line'],
				expect: { bitDepth: 4, colourType: 3, interlace: 1 },
			},
			{
				input: grey,
				format: 'pgm',
				args: ['-monochrome'],
				expect: { bitDepth: 1, colourType: 0, interlace: 0 },
			},
			{
				input: grey,
				format: 'pgm',
				args: ['-monochrome', '-interlace', 'Line'],
				expect: { bitDepth: 1, colourType: 0, interlace: 1 },
			},
			{
				input: ppm,
				format: 'ppm',
				args: ['-depth', '16'],
				expect: { bitDepth: 16, colourType: 2, interlace: 0 },
			},
			{
				input: ppm,
				format: 'ppm',
				args: ['-interlace', 'Line'],
				expect: { bitDepth: 8, colourType: 2, interlace: 1 },
			},
			{
				input: grey,
				format: 'pgm',
				args: ['-depth', '16', '-interlace', 'Line'],
				expect: { bitDepth: 16, colourType: 0, interlace: 1 },
			},
			{
				input: grey,
				format: 'pgm',
				args: [],
				expect: { bitDepth: 8, colourType: 0, interlace: 0 },
			},
		];
		for (const testCase of cases) {
			const png = gmConvert(testCase.input, testCase.format, testCase.args);
			expect(ihdrOf(png)).toEqual(testCase.expect);
			const channels = testCase.expect.colourType === 0 ? 1 : 3;
			const decoded = await decodePicture(png);
			expectSamePixels(decoded, pngjsOverWhite(png, channels));
			expectSamePixels(decoded, gmDecode(png, channels));
		}
	});

	it('matches pngjs on Adam7 files with alpha (grey+alpha and RGBA, 8 and 16 bits) at sizes with empty passes', async () => {
		for (const [width, height] of [
			[1, 1],
			[2, 3],
			[5, 1],
			[9, 9],
			[37, 23],
		] as Array<[number, number]>) {
			for (const colourType of [4, 6]) {
				for (const bitDepth of [8, 16]) {
					const samples = randomSamples(
						width * height * (colourType === 4 ? 2 : 4),
						bitDepth,
						width * height + colourType,
					);
					const plain = encodePng({ width, height, bitDepth, colourType, samples });
					const png = gmConvert(plain, 'png', ['-interlace', 'Line']);
					expect(ihdrOf(png)).toEqual({ bitDepth, colourType, interlace: 1 });
					const channels = colourType === 4 ? 1 : 3;
					const decoded = await decodePicture(png);
					expectSamePixels(decoded, pngjsOverWhite(png, channels));
					expectSamePixels(decoded, pngjsOverWhite(plain, channels));
				}
			}
		}
	});

	it('matches pngjs on files pngjs writes, IDAT split over many chunks', async () => {
		const picture = photo(64, 48, 3);
		const source = new PNG({ width: 64, height: 48 });
		for (let pixel = 0; pixel < 64 * 48; pixel++) {
			source.data.set(picture.data.subarray(pixel * 3, pixel * 3 + 3), pixel * 4);
			source.data[pixel * 4 + 3] = (pixel * 7) & 255;
		}
		for (const colorType of [0, 2, 4, 6] as const) {
			for (const filterType of [-1, 0, 1, 2, 3, 4]) {
				const png = PNG.sync.write(source, { colorType, filterType });
				const channels = colorType === 0 || colorType === 4 ? 1 : 3;
				expectSamePixels(await decodePicture(png), pngjsOverWhite(png, channels));
			}
		}
		const split = encodePng(
			{ width: 64, height: 48, bitDepth: 8, colourType: 2, samples: picture.data },
			{ idatSize: 7 },
		);
		expectSamePixels(await decodePicture(split), picture);
	});

	it('refuses a header of 60000x60000 as too large, and honours maxPixels', async () => {
		const huge = Buffer.concat([
			SIGNATURE,
			ihdr(60000, 60000, 8, 2),
			chunk('IDAT', zlib.deflateSync(Buffer.alloc(10))),
			chunk('IEND'),
		]);
		expect((await errorOf(decodePng(huge))).kind).toBe('too_large');
		const small = encodePng({
			width: 100,
			height: 100,
			bitDepth: 8,
			colourType: 0,
			samples: new Uint8Array(10000),
		});
		expect((await errorOf(decodePng(small, { maxPixels: 9999 }))).kind).toBe('too_large');
		expect((await decodePicture(small, { maxPixels: 10000 })).width).toBe(100);
	});

	it('refuses truncated or short image data and unknown filter types as corrupt', async () => {
		const image: RawImage = {
			width: 20,
			height: 10,
			bitDepth: 8,
			colourType: 2,
			samples: randomSamples(600, 8, 1),
		};
		const data = zlib.deflateSync(Buffer.alloc(61 * 9));
		const fewerRows = Buffer.concat([
			SIGNATURE,
			ihdr(20, 10, 8, 2),
			chunk('IDAT', data),
			chunk('IEND'),
		]);
		expect((await errorOf(decodePng(fewerRows))).message).toMatch(/ends early/);
		const full = zlib.deflateSync(Buffer.alloc(61 * 10));
		for (const cut of [2, full.length >> 1, full.length - 4]) {
			const truncated = Buffer.concat([
				SIGNATURE,
				ihdr(20, 10, 8, 2),
				chunk('IDAT', full.subarray(0, cut)),
				chunk('IEND'),
			]);
			expect((await errorOf(decodePng(truncated))).kind).toBe('corrupt');
		}
		const badFilter = Buffer.alloc(61 * 10);
		badFilter[61 * 3] = 5;
		const png = Buffer.concat([
			SIGNATURE,
			ihdr(20, 10, 8, 2),
			chunk('IDAT', zlib.deflateSync(badFilter)),
			chunk('IEND'),
		]);
		expect((await errorOf(decodePng(png))).message).toMatch(/filter type 5/);
		expect((await decodePicture(encodePng(image))).data).toEqual(Uint8Array.from(image.samples));
	});

	it('calls the checkpoint while decoding and stops when it throws', async () => {
		const picture = photo(1000, 800, 5);
		const png = encodePng({
			width: 1000,
			height: 800,
			bitDepth: 8,
			colourType: 2,
			samples: picture.data,
		});
		let calls = 0;
		expectSamePixels(await decodePicture(png, { checkpoint: () => void calls++ }), picture);
		expect(calls).toBeGreaterThanOrEqual(4);
		const error = await errorOf(
			decodePng(png, {
				checkpoint: () => {
					throw new PhotoError('cancelled', 'stopped');
				},
			}),
		);
		expect(error.kind).toBe('cancelled');
	});

	it('reduces while decoding: exactly what downscale makes of the whole picture, for every layout', async () => {
		const picture = photo(301, 203, 13);
		const grey = writePnm({
			...picture,
			channels: 1,
			data: picture.data.filter((_, i) => i % 3 === 0),
		});
		const rgba = new PNG({ width: 301, height: 203 });
		for (let pixel = 0; pixel < 301 * 203; pixel++) {
			rgba.data.set(picture.data.subarray(pixel * 3, pixel * 3 + 3), pixel * 4);
			rgba.data[pixel * 4 + 3] = (pixel * 13) & 255;
		}
		const sources = [
			encodePng({ width: 301, height: 203, bitDepth: 8, colourType: 2, samples: picture.data }),
			gmConvert(writePnm(picture), 'ppm', ['-depth', '16']),
			gmConvert(grey, 'pgm', ['-depth', '16']),
			gmConvert(writePnm(picture), 'ppm', ['-colors', '16']),
			new Uint8Array(PNG.sync.write(rgba, { colorType: 6 })),
			gmConvert(writePnm(picture), 'ppm', ['-interlace', 'Line']),
		];
		for (const png of sources) {
			const whole = await decodePicture(png);
			for (const longSide of [301, 300, 100, 37, 1]) {
				const reduced = await decodePicture(png, { maxLongSide: longSide });
				const width = Math.max(1, Math.round((301 * Math.min(longSide, 301)) / 301));
				const height = Math.max(1, Math.round((203 * Math.min(longSide, 301)) / 301));
				expectSamePixels(reduced, await downscale(whole, width, height));
			}
			expectSamePixels(await decodePicture(png, { maxLongSide: 5000 }), whole);
		}
	});

	it('keeps a few rows and the reduced picture, not the image: 50 MP (150 MB of rows) in 13 MB', async () => {
		const bomb = paethBombPng(8171, 6119);
		const meter = new WorkMeter();
		const { picture } = await decodePng(bomb, { maxLongSide: 2048, meter });
		expect([picture.width, picture.height, picture.channels]).toEqual([2048, 1534, 3]);
		expect(picture.data.every((value) => value === 0)).toBe(true);
		expect(meter.allocated).toBeLessThanOrEqual(2048 * 1534 * 3 + 4 * 1024 * 1024);
		// Every byte of the 150 MB is inflated, summed and unfiltered (Paeth counts 3 more);
		// every pixel converted and added; all within the work limit.
		const raw = 6119 * (1 + 8171 * 3);
		expect(meter.work).toBeGreaterThanOrEqual(6 * raw);
		expect(meter.work).toBeLessThanOrEqual(WORK_LIMIT_UNITS * PNG_UNITS_PER_BUDGET_UNIT);
		expect(meter.longestStretch).toBeLessThanOrEqual(2 * WORK_PER_CHECKPOINT);
	});

	it("refuses what would take more work than the budget's limit when it gets there", async () => {
		const bomb = paethBombPng(8171, 6119);
		const meter = new WorkMeter(
			new PhotoBudget(undefined, { ...DEFAULT_LIMITS, workUnits: 5_000_000 }),
		);
		const error = await errorOf(decodePng(bomb, { maxLongSide: 2048, meter }));
		expect(error.kind).toBe('too_large');
		expect(error.message).toMatch(/more work/);
		expect(meter.work).toBeLessThanOrEqual(
			5_000_000 * PNG_UNITS_PER_BUDGET_UNIT + 2 * WORK_PER_CHECKPOINT,
		);
	});

	it('refuses from the header what it cannot do within the budget: a very long side, too much image data, large interlaced images', () => {
		const header = (
			width: number,
			height: number,
			bitDepth: number,
			colourType: number,
			interlace: number,
		) =>
			Buffer.concat([
				SIGNATURE,
				ihdr(width, height, bitDepth, colourType, interlace),
				chunk('IEND'),
			]);
		expect(checkPngHeader(header(MAX_SIDE, 10, 16, 6, 0)).width).toBe(MAX_SIDE);
		for (const [width, height] of [
			[MAX_SIDE + 1, 10],
			[10, MAX_SIDE + 1],
		]) {
			expect(() => checkPngHeader(header(width, height, 8, 0, 0))).toThrow(
				expect.objectContaining({
					kind: 'too_large',
					message: expect.stringMatching(/a side longer/),
				}),
			);
		}
		// 50 MP of 8-bit RGB fits; 16-bit RGBA of the same size holds more data than is decoded.
		expect(checkPngHeader(header(8171, 6119, 8, 2, 0)).width).toBe(8171);
		expect(() => checkPngHeader(header(7071, 7071, 16, 6, 0))).toThrow(
			expect.objectContaining({
				kind: 'too_large',
				message: expect.stringMatching(/MB of image data/),
			}),
		);
		expect((8171 * 3 + 1) * 6119).toBeLessThanOrEqual(MAX_IMAGE_DATA_BYTES);
		const side = Math.floor(Math.sqrt(MAX_INTERLACED_BYTES / 3));
		expect(checkPngHeader(header(side, side, 8, 2, 1)).interlace).toBe(1);
		expect(checkPngHeader(header(side + 1, side + 1, 8, 2, 0)).interlace).toBe(0);
		expect(() => checkPngHeader(header(side + 1, side + 1, 8, 2, 1))).toThrow(
			expect.objectContaining({
				kind: 'too_large',
				message: expect.stringMatching(/interlaced.*without interlacing/),
			}),
		);
	});

	it('finds where the zlib stream ends, accepts one that goes on after the picture, and refuses one that stops short', async () => {
		const image: RawImage = {
			width: 20,
			height: 10,
			bitDepth: 8,
			colourType: 0,
			samples: randomSamples(200, 8, 4),
		};
		const rows = scanlines(image, [0]);
		const withData = (data: Uint8Array) =>
			Buffer.concat([SIGNATURE, ihdr(20, 10, 8, 0), chunk('IDAT', data), chunk('IEND')]);
		const stream = zlib.deflateSync(rows);
		const clean = await decodePng(withData(stream));
		expect(clean.streamLength).toBe(stream.length);
		const trailing = await decodePng(
			withData(Buffer.concat([stream, Buffer.from('1234567890123456')])),
		);
		expect(trailing.streamLength).toBe(stream.length);
		expect(trailing.picture).toEqual(clean.picture);
		// libpng: "Too much image data", a warning; the picture is whole.
		const more = await decodePng(
			withData(zlib.deflateSync(Buffer.concat([rows, Buffer.from('1234567890123456')]))),
		);
		expect(more.streamLength).toBeUndefined();
		expect(more.picture).toEqual(clean.picture);
		const damaged = Buffer.from(stream);
		damaged[damaged.length - 1] ^= 1;
		const noFinalBlock = zlib.deflateSync(rows, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
		for (const [data, message] of [
			[damaged, /Adler-32/],
			[stream.subarray(0, stream.length - 4), /Adler-32/],
			[noFinalBlock.subarray(0, noFinalBlock.length), /truncated/],
			[zlib.deflateSync(rows.subarray(0, 21 * 9)), /ends early/],
		] as const) {
			const error = await errorOf(decodePng(withData(data)));
			expect([error.kind, error.message]).toEqual(['corrupt', expect.stringMatching(message)]);
		}
	});

	it('ends mutated real PNGs in a Picture or a PhotoError, in time bounded by a clean decode', async () => {
		const picture = photo(120, 90, 9);
		const sources = [
			encodePng({ width: 120, height: 90, bitDepth: 8, colourType: 2, samples: picture.data }),
			gmConvert(writePnm(picture), 'ppm', ['-colors', '16', '-interlace', 'Line']),
			gmConvert(writePnm(picture), 'ppm', ['-depth', '16']),
			encodePng({
				width: 120,
				height: 90,
				bitDepth: 2,
				colourType: 0,
				samples: randomSamples(120 * 90, 2, 4),
			}),
		];
		let started = performance.now();
		for (const source of sources) await decodePicture(source);
		const cleanMs = (performance.now() - started) / sources.length;
		/** Recomputes every chunk's CRC so that mutations reach the decoder instead of the CRC check. */
		const fixCrcs = (png: Uint8Array) => {
			let offset = 8;
			while (offset + 12 <= png.length) {
				const length =
					((png[offset] << 24) |
						(png[offset + 1] << 16) |
						(png[offset + 2] << 8) |
						png[offset + 3]) >>>
					0;
				if (offset + 12 + length > png.length) break;
				const crc = zlib.crc32(png.subarray(offset + 4, offset + 8 + length));
				Buffer.from(png.buffer, png.byteOffset, png.length).writeUInt32BE(crc, offset + 8 + length);
				offset += 12 + length;
			}
			return png;
		};
		const outcomes = { pictures: 0, corrupt: 0, other: 0 };
		let slowest = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 0, max: sources.length - 1 }),
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
				fc.option(fc.nat(), { nil: undefined }),
				fc.boolean(),
				async (which, flips, cut, fixCrc) => {
					let png = Uint8Array.from(sources[which]);
					for (const [at, mask] of flips) png[8 + (at % (png.length - 8))] ^= mask;
					if (cut !== undefined) png = png.slice(0, cut % png.length);
					if (fixCrc) fixCrcs(png);
					started = performance.now();
					try {
						const decoded = await decodePicture(png);
						expect(decoded.data.length).toBe(decoded.width * decoded.height * decoded.channels);
						outcomes.pictures++;
					} catch (error) {
						expect(error).toBeInstanceOf(PhotoError);
						if ((error as PhotoError).kind === 'corrupt') outcomes.corrupt++;
						else outcomes.other++;
					}
					const elapsed = performance.now() - started;
					slowest = Math.max(slowest, elapsed);
					expect(elapsed).toBeLessThanOrEqual(20 * cleanMs + 200);
				},
			),
			{ seed: SEED, numRuns: 300 },
		);
		expect(outcomes.corrupt).toBeGreaterThan(100);
		expect(outcomes.pictures).toBeGreaterThan(0);
	});
});
