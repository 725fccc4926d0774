/**
 * The encoder against libjpeg-turbo: its files must decode with djpeg to the pixels we meant,
 * carry the same Annex K tables cjpeg writes for the same quality, and weigh about what cjpeg's do.
 */
import { spawnSync } from 'node:child_process';

import fc from 'fast-check';

import { encodeJpeg } from '../../../nodes/KredibelBiometric/photo/jpegEncode';
import { PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { readJpegHeader } from '../../../nodes/KredibelBiometric/photo/jpegHeader';
import { PhotoError, type Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { ensureDebianTool, psnr, readPnm, runTool, writePnm } from '../../helpers/referenceTools';
import { seededRandom, syntheticPhoto } from './syntheticPhoto';

const CJPEG = ensureDebianTool('cjpeg', 'libjpeg-turbo-progs');
const DJPEG = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');

const djpeg = (jpeg: Uint8Array): Picture => readPnm(runTool(DJPEG, [], jpeg));

/** Body bytes of every segment with this marker before the scan, concatenated. */
function segmentBodies(jpeg: Uint8Array, marker: number): Buffer {
	const { segments } = readJpegHeader(jpeg, new PhotoBudget());
	return Buffer.concat(
		segments
			.filter((segment) => segment.marker === marker)
			.map((segment) => jpeg.subarray(segment.start, segment.end)),
	);
}

/** The frame header: precision, size, and per component id, sampling, table (T.81 B.2.2). */
function frame(jpeg: Uint8Array): {
	marker: number;
	components: number[][];
	width: number;
	height: number;
} {
	const { segments } = readJpegHeader(jpeg, new PhotoBudget());
	const sof = segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4)!;
	const at = sof.start;
	const count = jpeg[at + 5];
	const components = [];
	for (let i = 0; i < count; i++)
		components.push([...jpeg.subarray(at + 6 + i * 3, at + 9 + i * 3)]);
	return {
		marker: sof.marker,
		components,
		height: (jpeg[at + 1] << 8) | jpeg[at + 2],
		width: (jpeg[at + 3] << 8) | jpeg[at + 4],
	};
}

describe('encodeJpeg', () => {
	const photo = syntheticPhoto(640, 480);
	const photoPnm = writePnm(photo);

	it('at quality 90 decodes with djpeg to within 35 dB of the pixels, like cjpeg does', async () => {
		const ours = await encodeJpeg(photo, { quality: 90 });
		const reference = runTool(CJPEG, ['-quality', '90', '-sample', '2x2'], photoPnm);
		const decoded = djpeg(ours);
		expect([decoded.width, decoded.height, decoded.channels]).toEqual([640, 480, 3]);
		const ourPsnr = psnr(decoded, photo);
		expect(ourPsnr).toBeGreaterThanOrEqual(35);
		// Same tables, same subsampling: no more than half a dB behind libjpeg-turbo.
		expect(ourPsnr).toBeGreaterThan(psnr(djpeg(reference), photo) - 0.5);
		expect(ours.length / reference.length).toBeGreaterThan(0.75);
		expect(ours.length / reference.length).toBeLessThan(1.25);
	});

	it.each([10, 50, 75, 90, 100])(
		'writes the quantization and Huffman tables cjpeg -baseline writes at quality %i',
		async (quality) => {
			const ours = await encodeJpeg(photo, { quality });
			const reference = runTool(
				CJPEG,
				['-quality', String(quality), '-sample', '2x2', '-baseline'],
				photoPnm,
			);
			expect(segmentBodies(ours, 0xdb)).toEqual(segmentBodies(reference, 0xdb));
			expect(segmentBodies(ours, 0xc4)).toEqual(segmentBodies(reference, 0xc4));
		},
	);

	it('writes JFIF, baseline SOF0 and 4:2:0 sampling, which djpeg -verbose reports', async () => {
		const ours = await encodeJpeg(photo, { quality: 90 });
		expect(Buffer.from(ours.subarray(6, 11)).toString('latin1')).toBe('JFIF\0');
		expect(frame(ours).marker).toBe(0xc0);
		expect(frame(ours).components).toEqual([
			[1, 0x22, 0],
			[2, 0x11, 1],
			[3, 0x11, 1],
		]);
		const verbose = spawnSync(DJPEG, ['-verbose', '-outfile', '/dev/null'], { input: ours });
		expect(verbose.status).toBe(0);
		const report = verbose.stderr.toString();
		expect(report).toContain('Start Of Frame 0xc0');
		expect(report).toContain('JFIF APP0 marker');
		expect(report).not.toMatch(/Corrupt|Premature|warning/i);
		expect([...ours.subarray(ours.length - 2)]).toEqual([0xff, 0xd9]);
	});

	it('encodes a grey picture as one component that djpeg returns as PGM', async () => {
		const grey = syntheticPhoto(320, 240, 1);
		const ours = await encodeJpeg(grey, { quality: 90 });
		expect(frame(ours).components).toEqual([[1, 0x11, 0]]);
		const decoded = djpeg(ours);
		expect(decoded.channels).toBe(1);
		expect(psnr(decoded, grey)).toBeGreaterThanOrEqual(35);
		const reference = runTool(CJPEG, ['-quality', '90', '-grayscale'], writePnm(grey));
		expect(segmentBodies(ours, 0xdb)).toEqual(segmentBodies(reference, 0xdb));
	});

	it.each([
		[1, 1],
		[17, 9],
		[257, 131],
		[2, 33],
	])(
		'encodes the odd size %ix%i, replicating edges into the partial MCUs',
		async (width, height) => {
			for (const channels of [1, 3] as const) {
				const picture = syntheticPhoto(width, height, channels, width * 31 + height);
				const ours = await encodeJpeg(picture, { quality: 95 });
				const decoded = djpeg(ours);
				expect([decoded.width, decoded.height, decoded.channels]).toEqual([
					width,
					height,
					channels,
				]);
				// The same pixels through cjpeg: our edge handling may not lose more than cjpeg's.
				const reference = djpeg(
					runTool(CJPEG, ['-quality', '95', '-sample', '2x2'], writePnm(picture)),
				);
				expect(psnr(decoded, picture)).toBeGreaterThan(Math.min(35, psnr(reference, picture) - 1));
			}
		},
	);

	it('keeps a flat colour flat (the DC path and the colour conversion are unbiased)', async () => {
		const data = new Uint8Array(48 * 40 * 3);
		for (let i = 0; i < data.length; i += 3) data.set([200, 120, 40], i);
		const decoded = djpeg(
			await encodeJpeg({ width: 48, height: 40, channels: 3, data }, { quality: 90 }),
		);
		let worst = 0;
		for (let i = 0; i < decoded.data.length; i += 3) {
			worst = Math.max(
				worst,
				Math.abs(decoded.data[i] - 200),
				Math.abs(decoded.data[i + 1] - 120),
				Math.abs(decoded.data[i + 2] - 40),
			);
		}
		expect(worst).toBeLessThanOrEqual(2);
	});

	it('gets smaller as quality drops', async () => {
		const sizes = [];
		for (const quality of [100, 90, 70, 40, 10])
			sizes.push((await encodeJpeg(photo, { quality })).length);
		for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1]);
	});

	it('calls the checkpoint once per MCU row and stops when it throws', async () => {
		let calls = 0;
		await encodeJpeg(syntheticPhoto(40, 70), { quality: 80, checkpoint: () => void calls++ });
		expect(calls).toBe(Math.ceil(70 / 16));
		calls = 0;
		await encodeJpeg(syntheticPhoto(40, 70, 1), { quality: 80, checkpoint: () => void calls++ });
		expect(calls).toBe(Math.ceil(70 / 8));
		const cancelled = new PhotoError('cancelled', 'stopped');
		await expect(
			encodeJpeg(photo, {
				quality: 80,
				checkpoint: () => {
					throw cancelled;
				},
			}),
		).rejects.toBe(cancelled);
	});

	it('refuses sizes JPEG cannot hold and pictures short of samples', async () => {
		const tooWide = { width: 70000, height: 1, channels: 1 as const, data: new Uint8Array(70000) };
		await expect(encodeJpeg(tooWide, { quality: 90 })).rejects.toMatchObject({ kind: 'too_large' });
		const short = { width: 10, height: 10, channels: 3 as const, data: new Uint8Array(299) };
		await expect(encodeJpeg(short, { quality: 90 })).rejects.toMatchObject({ kind: 'corrupt' });
	});

	it('round-trips arbitrary small pictures through djpeg at their size (property)', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 1, max: 40 }),
				fc.integer({ min: 1, max: 40 }),
				fc.constantFrom<1 | 3>(1, 3),
				fc.integer({ min: 1, max: 100 }),
				fc.integer(),
				async (width, height, channels, quality, seed) => {
					const random = seededRandom(seed);
					const data = new Uint8Array(width * height * channels).map(() => random() * 256);
					const jpeg = await encodeJpeg({ width, height, channels, data }, { quality });
					const verbose = spawnSync(DJPEG, ['-outfile', '/dev/null'], { input: jpeg });
					expect(verbose.stderr.toString()).toBe('');
					const decoded = djpeg(jpeg);
					expect([decoded.width, decoded.height, decoded.channels]).toEqual([
						width,
						height,
						channels,
					]);
					// At quality 100 (all quantizers 1) a grey picture comes back almost exactly.
					if (channels === 1 && quality === 100) {
						expect(psnr(decoded, { width, height, channels, data })).toBeGreaterThan(45);
					}
				},
			),
			{ seed: 20261206, numRuns: 60 },
		);
	});
});
