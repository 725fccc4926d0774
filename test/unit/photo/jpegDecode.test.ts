/**
 * Why this file exists: the JPEG decoder must agree with the reference decoder (libjpeg-turbo's
 * djpeg) on every kind of file phones and editors write, and must fail safely (PhotoError, in
 * bounded time and memory) on everything else. Fixtures are synthesised and encoded with cjpeg at
 * test time; outputs are compared with djpeg's by PSNR.
 */

import { execFileSync } from 'node:child_process';

import { DEFAULT_LIMITS, PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { decodeJpeg, type JpegScale } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import { readJpegInfo } from '../../../nodes/KredibelBiometric/photo/jpegHeader';
import { PhotoError, type Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { cjpeg, djpeg, syntheticPhoto } from './photoFixtures';
import { ensureDebianTool, psnr, readPnm, runTool, writePnm } from '../../helpers/referenceTools';

interface Case {
	name: string;
	width: number;
	height: number;
	channels: 1 | 3;
	args: string[];
	progressive: boolean;
}

const corpus: Case[] = [
	{
		name: '4:2:0 q90',
		width: 257,
		height: 131,
		channels: 3,
		args: ['-quality', '90', '-sample', '2x2'],
		progressive: false,
	},
	{
		name: '4:2:2 q85',
		width: 257,
		height: 131,
		channels: 3,
		args: ['-quality', '85', '-sample', '2x1'],
		progressive: false,
	},
	{
		name: '4:4:4 q75',
		width: 250,
		height: 97,
		channels: 3,
		args: ['-quality', '75', '-sample', '1x1'],
		progressive: false,
	},
	{
		name: '4:4:0 q95',
		width: 131,
		height: 257,
		channels: 3,
		args: ['-quality', '95', '-sample', '1x2'],
		progressive: false,
	},
	{
		name: 'greyscale q90',
		width: 257,
		height: 131,
		channels: 1,
		args: ['-quality', '90'],
		progressive: false,
	},
	{
		name: 'colour as grey',
		width: 203,
		height: 77,
		channels: 3,
		args: ['-quality', '80', '-grayscale'],
		progressive: false,
	},
	{
		name: 'progressive 4:2:0 q92',
		width: 257,
		height: 131,
		channels: 3,
		args: ['-quality', '92', '-progressive'],
		progressive: true,
	},
	{
		name: 'progressive 4:4:4 q80',
		width: 100,
		height: 75,
		channels: 3,
		args: ['-quality', '80', '-progressive', '-sample', '1x1'],
		progressive: true,
	},
	{
		name: 'progressive greyscale',
		width: 257,
		height: 131,
		channels: 1,
		args: ['-quality', '88', '-progressive'],
		progressive: true,
	},
	{
		name: 'restart 2 MCUs, optimised',
		width: 257,
		height: 131,
		channels: 3,
		args: ['-quality', '90', '-restart', '2B', '-optimize'],
		progressive: false,
	},
	{
		name: 'restart every row, progressive',
		width: 257,
		height: 131,
		channels: 3,
		args: ['-quality', '85', '-restart', '1', '-progressive'],
		progressive: true,
	},
	{
		name: 'tiny 1x1',
		width: 1,
		height: 1,
		channels: 3,
		args: ['-quality', '90'],
		progressive: false,
	},
	{
		name: 'thin 3x40 4:2:0',
		width: 3,
		height: 40,
		channels: 3,
		args: ['-quality', '90', '-sample', '2x2'],
		progressive: false,
	},
];

/** djpeg's output for a file (its exit status 2 only means it printed a warning). */
function reference(jpeg: Uint8Array, scale: JpegScale): Picture {
	const args = scale === 1 ? [] : ['-scale', `1/${scale}`];
	try {
		return readPnm(djpeg(jpeg, args));
	} catch (error) {
		const stdout = (error as { stdout?: Buffer }).stdout;
		if (stdout && stdout.length > 0) return readPnm(stdout);
		throw error;
	}
}

async function decodeError(bytes: Uint8Array, scale: JpegScale = 1): Promise<PhotoError> {
	try {
		await decodeJpeg(bytes, { scale });
	} catch (error) {
		if (error instanceof PhotoError) return error;
		throw error;
	}
	throw new Error('decodeJpeg succeeded');
}

function infoError(bytes: Uint8Array): PhotoError {
	try {
		readJpegInfo(bytes);
	} catch (error) {
		if (error instanceof PhotoError) return error;
		throw error;
	}
	throw new Error('readJpegInfo succeeded');
}

/** Offset of the first SOFn marker's length field. */
function frameHeaderOffset(jpeg: Uint8Array): number {
	for (let i = 2; i + 1 < jpeg.length; i++) {
		if (jpeg[i] === 0xff && (jpeg[i + 1] & 0xf0) === 0xc0 && jpeg[i + 1] !== 0xc4) return i + 2;
	}
	throw new Error('no SOF');
}

const encoded = new Map<string, Uint8Array>();
function fixture(testCase: Case): Uint8Array {
	let jpeg = encoded.get(testCase.name);
	if (!jpeg) {
		const picture = syntheticPhoto(testCase.width, testCase.height, testCase.channels, 3);
		jpeg = cjpeg(picture, testCase.args);
		encoded.set(testCase.name, jpeg);
	}
	return jpeg;
}

describe('decodeJpeg against djpeg', () => {
	it.each(corpus.map((c) => [c.name, c] as const))(
		'%s: full size and 1/2, 1/4, 1/8 match djpeg (>= 45 dB; measured: identical)',
		async (_name, testCase) => {
			const jpeg = fixture(testCase);
			const info = readJpegInfo(jpeg);
			const grey = testCase.channels === 1 || testCase.args.includes('-grayscale');
			expect(info).toEqual({
				width: testCase.width,
				height: testCase.height,
				components: grey ? 1 : 3,
				progressive: testCase.progressive,
				adobeTransform: null,
			});
			for (const scale of [1, 2, 4, 8] as JpegScale[]) {
				const ours = await decodeJpeg(jpeg, { scale });
				const theirs = reference(jpeg, scale);
				expect([ours.width, ours.height, ours.channels]).toEqual([
					Math.ceil(testCase.width / scale),
					Math.ceil(testCase.height / scale),
					grey ? 1 : 3,
				]);
				// Same integer IDCTs, upsampling and colour conversion as libjpeg: bit-exact so far.
				expect(psnr(ours, theirs)).toBeGreaterThanOrEqual(scale === 1 ? 45 : 35);
			}
		},
	);

	it('a 1024x768 4:2:0 photo is identical to djpeg at every scale', async () => {
		const jpeg = cjpeg(syntheticPhoto(1024, 768, 3, 11), ['-quality', '92']);
		for (const scale of [1, 2, 4, 8] as JpegScale[]) {
			expect(psnr(await decodeJpeg(jpeg, { scale }), reference(jpeg, scale))).toBe(Infinity);
		}
	});

	it('decodes a progressive file with successive approximation the same as djpeg', async () => {
		// cjpeg's default progressive script uses Ah/Al refinement for DC and AC; a custom script
		// adds a spectral split and an interleaved DC refinement.
		const script = [
			'0,1,2: 0 0 0 2;',
			'0: 1 5 0 2;',
			'0: 6 63 0 2;',
			'1: 1 63 0 1;',
			'2: 1 63 0 1;',
			'0,1,2: 0 0 2 1;',
			'0,1,2: 0 0 1 0;',
			'0: 1 63 2 1;',
			'0: 1 63 1 0;',
			'1: 1 63 1 0;',
			'2: 1 63 1 0;',
		].join('\n');
		const scanFile = `/tmp/jpegDecode-scans-${process.pid}.txt`;
		execFileSync('sh', ['-c', `cat > ${scanFile}`], { input: script });
		const jpeg = cjpeg(syntheticPhoto(199, 101, 3, 5), ['-quality', '90', '-scans', scanFile]);
		expect(readJpegInfo(jpeg).progressive).toBe(true);
		expect(psnr(await decodeJpeg(jpeg, { scale: 1 }), reference(jpeg, 1))).toBe(Infinity);
		expect(psnr(await decodeJpeg(jpeg, { scale: 2 }), reference(jpeg, 2))).toBe(Infinity);
	});

	it('converts an Adobe CMYK JPEG (GraphicsMagick) to RGB as GraphicsMagick does (>= 45 dB)', async () => {
		const gm = ensureDebianTool('gm', 'graphicsmagick');
		const picture = syntheticPhoto(96, 64, 3, 9);
		const jpeg = new Uint8Array(
			runTool(
				gm,
				['convert', 'ppm:-', '-colorspace', 'CMYK', '-quality', '95', 'jpeg:-'],
				writePnm(picture),
			),
		);
		const info = readJpegInfo(jpeg);
		expect(info.components).toBe(4);
		expect(info.adobeTransform).toBe(0);
		const ours = await decodeJpeg(jpeg, { scale: 1 });
		const theirs = readPnm(runTool(gm, ['convert', 'jpeg:-', '-colorspace', 'RGB', 'ppm:-'], jpeg));
		expect(ours.channels).toBe(3);
		// Measured 51.8 dB. (GraphicsMagick's own RGB -> CMYK -> RGB round trip is not faithful, about
		// 19.5 dB against `picture`, so the original is no reference here.)
		expect(psnr(ours, theirs)).toBeGreaterThanOrEqual(45);
	});
});

describe('decodeJpeg on truncated and damaged files', () => {
	const testCase = corpus[0];

	it('fills what a truncated file lacks with grey, like djpeg', async () => {
		const jpeg = fixture(testCase);
		for (const fraction of [0.3, 0.6, 0.9]) {
			const cut = jpeg.subarray(0, Math.floor(jpeg.length * fraction));
			const ours = await decodeJpeg(cut, { scale: 1 });
			const theirs = reference(cut, 1);
			expect(psnr(ours, theirs)).toBeGreaterThanOrEqual(30);
			// The bottom-right pixel was never decoded: mid-grey.
			expect(Array.from(ours.data.subarray(ours.data.length - 3))).toEqual([128, 128, 128]);
		}
	});

	it('at every cut point returns a picture of the declared size or a corrupt PhotoError', async () => {
		const jpeg = fixture(corpus[6]); // progressive
		const step = Math.max(1, Math.floor(jpeg.length / 120));
		let pictures = 0;
		let errors = 0;
		for (let cut = 0; cut < jpeg.length; cut += step) {
			try {
				const picture = await decodeJpeg(jpeg.subarray(0, cut), { scale: 2 });
				expect([picture.width, picture.height]).toEqual([129, 66]);
				expect(picture.data.length).toBe(129 * 66 * 3);
				pictures++;
			} catch (error) {
				expect(error).toBeInstanceOf(PhotoError);
				expect((error as PhotoError).kind).toBe('corrupt');
				errors++;
			}
		}
		expect(pictures).toBeGreaterThan(50); // once past the headers, truncation is not fatal
		expect(errors).toBeGreaterThan(0); // before the first scan it is
	});

	it('resynchronises at the next restart marker after a damaged interval', async () => {
		const jpeg = fixture(corpus[9]).slice();
		const clean = await decodeJpeg(jpeg, { scale: 1 });
		// Damage entropy-coded bytes just after the first RST marker (keeping 0xFF out of it).
		let rst = -1;
		for (let i = 2; i + 1 < jpeg.length; i++) {
			if (jpeg[i] === 0xff && jpeg[i + 1] === 0xd0) {
				rst = i;
				break;
			}
		}
		expect(rst).toBeGreaterThan(0);
		for (let i = rst + 2; i < rst + 12; i++) if (jpeg[i] !== 0xff) jpeg[i] ^= 0x55;
		const damaged = await decodeJpeg(jpeg, { scale: 1 });
		// Rows below the first MCU row (16 px) are untouched by the damage.
		const rowBytes = clean.width * 3;
		const lower = (p: Picture): Picture => ({
			...p,
			height: p.height - 32,
			data: p.data.subarray(32 * rowBytes),
		});
		expect(psnr(lower(damaged), lower(clean))).toBe(Infinity);
	});

	it('refuses a header claiming 60000x60000 before allocating', async () => {
		const jpeg = fixture(testCase).slice();
		const sof = frameHeaderOffset(jpeg);
		jpeg.set([0xea, 0x60, 0xea, 0x60], sof + 3); // height, width = 60000
		expect(infoError(jpeg).kind).toBe('too_large');
		expect((await decodeError(jpeg)).kind).toBe('too_large');
		// And a caller's lower limit.
		const small = fixture(testCase);
		await expect(decodeJpeg(small, { scale: 1, maxPixels: 257 * 130 })).rejects.toMatchObject({
			kind: 'too_large',
		});
	});

	it('refuses arithmetic coding, 12-bit samples and lossless frames as unsupported', async () => {
		const jpeg = fixture(testCase);
		const sof = frameHeaderOffset(jpeg);
		for (const marker of [0xc9, 0xca, 0xc3]) {
			const patched = jpeg.slice();
			patched[sof - 1] = marker;
			expect(infoError(patched).kind).toBe('unsupported');
			expect((await decodeError(patched)).kind).toBe('unsupported');
		}
		const twelveBit = jpeg.slice();
		twelveBit[sof + 2] = 12;
		expect(infoError(twelveBit).kind).toBe('unsupported');
		expect((await decodeError(twelveBit)).kind).toBe('unsupported');
	});

	it('says corrupt for non-JPEG bytes and for a bad Huffman code', async () => {
		expect((await decodeError(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).kind).toBe('corrupt');
		expect(infoError(new Uint8Array(0)).kind).toBe('corrupt');
		// A DHT whose codes overflow their lengths.
		const jpeg = fixture(testCase).slice();
		const dht = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc4);
		jpeg[dht + 5] = 0xff; // 255 codes of length 1
		expect((await decodeError(jpeg)).kind).toBe('corrupt');
	});

	it('calls the checkpoint at least once per quantum of work, and stops when it throws', async () => {
		const jpeg = fixture(corpus[6]); // progressive: ten scans over every block
		let calls = 0;
		const quantum = 64;
		const budget = new PhotoBudget(() => void calls++, {
			...DEFAULT_LIMITS,
			unitsPerCheckpoint: quantum,
		});
		await decodeJpeg(jpeg, { scale: 1, budget });
		expect(calls).toBe(budget.checkpoints);
		expect(calls).toBeGreaterThan(budget.workDone / (2 * quantum));
		// Never more than one step (a row of blocks with its bytes) past the quantum.
		expect(budget.longestStretch).toBeLessThan(quantum + budget.largestStep);
		expect(budget.largestStep).toBeLessThan(2000);
		const cancelled = new PhotoError('cancelled', 'stopped');
		await expect(
			decodeJpeg(jpeg, {
				scale: 1,
				checkpoint: () => {
					throw cancelled;
				},
			}),
		).rejects.toBe(cancelled);
	});
});
