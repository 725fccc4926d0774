/**
 * Area-averaging downscale against GraphicsMagick's -scale (the same box average over the covered
 * area, fractional edges weighted) and its Box-filtered -resize, on photo-like pictures.
 */
import fc from 'fast-check';

import { PhotoError, type Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { downscale } from '../../../nodes/KredibelBiometric/photo/resize';
import { ensureDebianTool, psnr, readPnm, runTool, writePnm } from '../../helpers/referenceTools';
import { syntheticPhoto } from './syntheticPhoto';

const GM = ensureDebianTool('gm', 'graphicsmagick');

function gmShrink(picture: Picture, operation: string[], width: number, height: number): Picture {
	const output = readPnm(
		runTool(GM, ['convert', '-', ...operation, `${width}x${height}!`, 'ppm:-'], writePnm(picture)),
	);
	if (picture.channels === 3 || output.channels === 1) return output;
	// GraphicsMagick writes grey as PPM when asked for ppm: keep one channel of three.
	return { ...output, channels: 1, data: output.data.filter((_, i) => i % 3 === 0) };
}

describe('downscale', () => {
	const photo = syntheticPhoto(603, 451);

	it.each([
		['1/2', 0.5],
		['1/3', 1 / 3],
		['0.37', 0.37],
		['0.9', 0.9],
	])(
		'at %s matches gm -scale (>= 45 dB PSNR) and gm -filter Box -resize (>= 35 dB)',
		async (_name, ratio) => {
			const width = Math.round(photo.width * ratio);
			const height = Math.round(photo.height * ratio);
			const ours = await downscale(photo, width, height);
			expect([ours.width, ours.height, ours.channels]).toEqual([width, height, 3]);
			const scaled = gmShrink(photo, ['-scale'], width, height);
			expect(psnr(ours, scaled)).toBeGreaterThanOrEqual(45);
			const boxed = gmShrink(photo, ['-filter', 'Box', '-resize'], width, height);
			expect(psnr(ours, boxed)).toBeGreaterThanOrEqual(35);
		},
	);

	it('averages exact 2x2 squares at ratio 1/2', async () => {
		const even = syntheticPhoto(600, 450);
		const ours = await downscale(even, 300, 225);
		for (const [x, y, c] of [
			[0, 0, 0],
			[100, 50, 1],
			[299, 224, 2],
		]) {
			const at = (sx: number, sy: number): number => even.data[(sy * even.width + sx) * 3 + c];
			const mean =
				(at(2 * x, 2 * y) +
					at(2 * x + 1, 2 * y) +
					at(2 * x, 2 * y + 1) +
					at(2 * x + 1, 2 * y + 1)) /
				4;
			expect(Math.abs(ours.data[(y * 300 + x) * 3 + c] - mean)).toBeLessThanOrEqual(0.5);
		}
	});

	it('keeps a grey picture grey and within 45 dB of gm -scale', async () => {
		const grey = syntheticPhoto(300, 200, 1);
		const ours = await downscale(grey, 111, 74);
		expect(ours.channels).toBe(1);
		expect(ours.data.length).toBe(111 * 74);
		expect(psnr(ours, gmShrink(grey, ['-scale'], 111, 74))).toBeGreaterThanOrEqual(45);
	});

	it('keeps a flat colour exactly that colour, whatever the ratio (property)', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 1, max: 60 }),
				fc.integer({ min: 1, max: 60 }),
				fc.double({ min: 0.01, max: 1, noNaN: true }),
				fc.double({ min: 0.01, max: 1, noNaN: true }),
				fc.tuple(
					fc.integer({ min: 0, max: 255 }),
					fc.integer({ min: 0, max: 255 }),
					fc.integer({ min: 0, max: 255 }),
				),
				async (width, height, ratioX, ratioY, colour) => {
					const data = new Uint8Array(width * height * 3);
					for (let i = 0; i < data.length; i += 3) data.set(colour, i);
					const outWidth = Math.max(1, Math.floor(width * ratioX));
					const outHeight = Math.max(1, Math.floor(height * ratioY));
					const ours = await downscale({ width, height, channels: 3, data }, outWidth, outHeight);
					expect([ours.width, ours.height]).toEqual([outWidth, outHeight]);
					for (let i = 0; i < ours.data.length; i += 3) {
						expect([...ours.data.subarray(i, i + 3)]).toEqual(colour);
					}
				},
			),
			{ seed: 20261206, numRuns: 200 },
		);
	});

	it('preserves the mean brightness of any picture at integer ratios (property)', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 1, max: 12 }),
				fc.integer({ min: 1, max: 12 }),
				fc.integer({ min: 1, max: 5 }),
				fc.uint8Array({ minLength: 12 * 12 * 25, maxLength: 12 * 12 * 25 }),
				async (outWidth, outHeight, factor, samples) => {
					const width = outWidth * factor;
					const height = outHeight * factor;
					const picture: Picture = {
						width,
						height,
						channels: 1,
						data: samples.subarray(0, width * height),
					};
					const ours = await downscale(picture, outWidth, outHeight);
					const mean = (p: Picture): number =>
						p.data.reduce((sum, v) => sum + v, 0) / p.data.length;
					expect(Math.abs(mean(ours) - mean(picture))).toBeLessThanOrEqual(0.5);
				},
			),
			{ seed: 20261206, numRuns: 200 },
		);
	});

	it('gives the aspect ratio asked for, also when it changes it', async () => {
		const ours = await downscale(photo, 600, 100);
		expect([ours.width, ours.height]).toEqual([600, 100]);
		expect(psnr(ours, gmShrink(photo, ['-scale'], 600, 100))).toBeGreaterThanOrEqual(45);
	});

	it('returns the picture itself at its own size and refuses to enlarge', async () => {
		expect(await downscale(photo, photo.width, photo.height)).toBe(photo);
		for (const [width, height] of [
			[604, 10],
			[10, 452],
			[0, 10],
			[10.5, 10],
		]) {
			await expect(downscale(photo, width, height)).rejects.toBeInstanceOf(PhotoError);
		}
	});

	it('checks in every 32 output rows', async () => {
		let calls = 0;
		await downscale(photo, 300, 100, () => void calls++);
		expect(calls).toBe(3);
	});
});
