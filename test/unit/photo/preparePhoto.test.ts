/**
 * Why this file exists: preparePhoto is the promise docs/photos.md makes, end to end on the
 * bytes: a sideways 12 MP phone photo comes out upright, clean and within 1 MB, checked against
 * GraphicsMagick's auto-orient and resize and decoded by libjpeg's djpeg; clean files come out
 * byte for byte; metadata-only changes keep the picture data; hostile files end in a PhotoError
 * within bounded time; the checkpoint is called often and can cancel.
 */

import fc from 'fast-check';

import { readJpeg, readJpegInfo } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import {
	checkPhotoHeader,
	decodeScale,
	PhotoError,
	type PreparedPhoto,
	preparePhoto,
} from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import {
	MEMORY_LIMIT_BYTES,
	PhotoBudget,
	UNITS_PER_CHECKPOINT,
	WORK_LIMIT_UNITS,
} from '../../../nodes/KredibelBiometric/photo/budget';
import { COMMENT_TEXT, segment, withSegments, exifBody } from './exifFixture';
import { chunk } from './pngFixtures';
import { djpeg } from './photoFixtures';
import {
	hasText,
	markedCorners,
	markedPhoto,
	phoneJpeg,
	phonePng,
	STORED_TOP_LEFT_GOES_TO,
	twelveMegapixelPhoto,
} from './phonePhoto';
import { jpegHostileInputs, PLANTED_NIK } from '../../helpers/hostile/jpeg';
import { ensureDebianTool, psnr, readPnm, runTool, writePnm } from '../../helpers/referenceTools';

const MB = 1024 * 1024;
const gm = ensureDebianTool('gm', 'graphicsmagick');

function succeeded(result: PreparedPhoto): Extract<PreparedPhoto, { ok: true }> {
	if (!result.ok)
		throw new Error(`expected success, got ${result.error.kind}: ${result.error.message}`);
	return result;
}

/** GraphicsMagick's upright (and optionally resized) version of a file, as the reference. */
function gmReference(input: Uint8Array, width: number, height: number, grey = false): Picture {
	return readPnm(
		runTool(
			gm,
			['convert', '-', '-auto-orient', '-resize', `${width}x${height}!`, grey ? 'pgm:-' : 'ppm:-'],
			input,
		),
	);
}

function bytesAfterScanStart(jpeg: Uint8Array): Buffer {
	const buffer = Buffer.from(jpeg);
	return buffer.subarray(buffer.indexOf(Buffer.from([0xff, 0xda])));
}

describe('preparePhoto: the 12 MP sideways phone photo', () => {
	const original = twelveMegapixelPhoto();
	let result: Extract<PreparedPhoto, { ok: true }>;
	let checkpointCalls = 0;
	// The checkpoint is called by the budget whenever a stretch of work is due (budget.ts): counted
	// in work units, so the test does not depend on how busy the machine is.
	const budget = new PhotoBudget(() => {
		checkpointCalls++;
	});

	beforeAll(async () => {
		result = succeeded(await preparePhoto(original, { maxBytes: MB, budget }));
	});

	it('starts as the issue describes it: 4000x3000, 3.5-4 MB, orientation 6 with GPS and device', () => {
		expect(readJpegInfo(original)).toMatchObject({ width: 4000, height: 3000 });
		expect(original.length).toBeGreaterThan(3.5 * MB);
		expect(original.length).toBeLessThan(4 * MB);
		expect(hasText(original, 'PhoneMakerCorp')).toBe(true);
	});

	it('is sent as an upright JPEG within 1 MB, long side at least 1024, without metadata', async () => {
		const { bytes, changes } = result;
		expect(bytes.length).toBeLessThanOrEqual(MB);
		expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
		const info = readJpegInfo(bytes);
		expect(info.height).toBeGreaterThan(info.width);
		expect(Math.max(info.width, info.height)).toBeGreaterThanOrEqual(1024);
		for (const text of ['Exif', 'PhoneMakerCorp', 'SecretModel', '2026:12:06']) {
			expect([text, hasText(bytes, text)]).toEqual([text, false]);
		}
		expect(changes).toEqual({
			format: 'jpeg',
			orientationApplied: 6,
			metadataRemoved: ['EXIF'],
			reencoded: true,
			bytesBefore: original.length,
			bytesAfter: bytes.length,
			widthBefore: 4000,
			heightBefore: 3000,
			widthAfter: info.width,
			heightAfter: info.height,
		});
	});

	it('shows the marker where the camera meant it, and matches gm -auto-orient -resize (>= 30 dB)', () => {
		const theirs = readPnm(djpeg(result.bytes));
		expect(markedCorners(theirs)).toEqual(['top-right']);
		const reference = gmReference(original, theirs.width, theirs.height);
		expect(markedCorners(reference)).toEqual(['top-right']);
		expect(psnr(theirs, reference)).toBeGreaterThanOrEqual(30);
	});

	it('decodes at 1/2 in the DCT domain (2000x1500 -> sent as 1500x2000 without resampling)', () => {
		expect([result.changes?.widthAfter, result.changes?.heightAfter]).toEqual([1500, 2000]);
		expect(decodeScale(4000, 2048)).toBe(2);
		expect(decodeScale(4032, 2048)).toBe(2);
		expect(decodeScale(8160, 2048)).toBe(4);
		expect(decodeScale(2400, 2048)).toBe(1);
		expect(decodeScale(4000, 4000)).toBe(1);
	});

	it('calls the checkpoint throughout: no stretch of work above a tenth of the whole preparation', () => {
		expect(checkpointCalls).toBeGreaterThan(100);
		expect(checkpointCalls).toBe(budget.checkpoints);
		expect(budget.longestStretch).toBeLessThan(budget.workDone / 10);
	});

	it('stops with a cancelled PhotoError when the checkpoint throws', async () => {
		let calls = 0;
		const cancelled = await preparePhoto(original, {
			maxBytes: MB,
			checkpoint: () => {
				if (++calls === 20) throw new Error('execution cancelled');
			},
		});
		expect(cancelled.ok).toBe(false);
		if (!cancelled.ok) expect(cancelled.error.kind).toBe('cancelled');
		expect(calls).toBe(20);
	});
});

describe('preparePhoto: orientation, JPEG kinds and sizes', () => {
	it.each([1, 2, 3, 4, 5, 6, 7, 8])(
		'orientation %i: the marker lands where the tag says, as gm -auto-orient puts it',
		async (orientation) => {
			const original = phoneJpeg(640, 400, orientation);
			// A limit below the file's size makes every orientation, 1 included, go through pixels.
			const { bytes, changes } = succeeded(await preparePhoto(original, { maxBytes: 40_000 }));
			const ours = readPnm(djpeg(bytes));
			expect(markedCorners(ours)).toEqual([STORED_TOP_LEFT_GOES_TO[orientation]]);
			expect([ours.width > ours.height, orientation >= 5]).toEqual([
				orientation < 5,
				orientation >= 5,
			]);
			expect(changes?.orientationApplied).toBe(orientation === 1 ? null : orientation);
			expect(psnr(ours, gmReference(original, ours.width, ours.height))).toBeGreaterThanOrEqual(30);
		},
	);

	it.each([
		['baseline 4:2:0', ['-quality', '92']],
		['progressive 4:2:0', ['-quality', '92', '-progressive']],
		['4:2:2', ['-quality', '92', '-sample', '2x1']],
		['4:4:4', ['-quality', '92', '-sample', '1x1']],
		['restart every 2 MCU rows', ['-quality', '92', '-restart', '2']],
		['restart every 5 blocks, progressive', ['-quality', '92', '-restart', '5B', '-progressive']],
	])('%s, 1283x967, orientation 6: upright and faithful', async (_name, args) => {
		const original = phoneJpeg(1283, 967, 6, args);
		const { bytes, changes } = succeeded(await preparePhoto(original, { maxBytes: MB }));
		// Within the limit: kept at full size, only turned.
		expect(changes).toMatchObject({ widthAfter: 967, heightAfter: 1283, reencoded: true });
		const ours = readPnm(djpeg(bytes));
		expect(markedCorners(ours)).toEqual(['top-right']);
		expect(psnr(ours, gmReference(original, 967, 1283))).toBeGreaterThanOrEqual(30);
	});

	it('keeps a greyscale JPEG greyscale, and shrinks it when it is above the limit', async () => {
		const original = phoneJpeg(2601, 1950, 8, ['-quality', '95', '-grayscale'], 1);
		const maxBytes = 150_000;
		expect(original.length).toBeGreaterThan(maxBytes);
		const { bytes, changes } = succeeded(await preparePhoto(original, { maxBytes }));
		const info = readJpegInfo(bytes);
		expect(info.components).toBe(1);
		expect(bytes.length).toBeLessThanOrEqual(maxBytes);
		expect(Math.max(info.width, info.height)).toBeGreaterThanOrEqual(1024);
		expect(info.height).toBeGreaterThan(info.width);
		const ours = readPnm(djpeg(bytes));
		expect(markedCorners(ours)).toEqual(['bottom-left']);
		expect(psnr(ours, gmReference(original, ours.width, ours.height, true))).toBeGreaterThanOrEqual(
			30,
		);
		expect(changes?.widthAfter).toBe(info.width);
	});

	it('converts an Adobe CMYK JPEG to an RGB JPEG', async () => {
		const picture = markedPhoto(480, 320);
		const cmyk = new Uint8Array(
			runTool(
				gm,
				['convert', 'ppm:-', '-colorspace', 'CMYK', '-quality', '95', 'jpeg:-'],
				writePnm(picture),
			),
		);
		expect(readJpegInfo(cmyk).components).toBe(4);
		const rotated = withSegments(
			cmyk,
			segment(0xe1, exifBody({ byteOrder: 'MM', orientation: 3 })),
		);
		const { bytes } = succeeded(await preparePhoto(rotated, { maxBytes: MB }));
		expect(readJpegInfo(bytes).components).toBe(3);
		const ours = readPnm(djpeg(bytes));
		expect(markedCorners(ours)).toEqual(['bottom-right']);
		const reference = readPnm(
			runTool(gm, ['convert', '-', '-colorspace', 'RGB', '-auto-orient', 'ppm:-'], rotated),
		);
		expect(psnr(ours, reference)).toBeGreaterThanOrEqual(30);
	});

	it('refuses a photo that cannot fit even at 1024 px and quality 60', async () => {
		const original = phoneJpeg(1100, 825, 1);
		const result = await preparePhoto(original, { maxBytes: 5_000 });
		expect(result.ok).toBe(false);
		if (!result.ok) {
			expect(result.error.kind).toBe('too_large');
			expect(result.error.message).toMatch(/1024x768 pixels and JPEG quality 60/);
		}
	});
});

describe('preparePhoto: what is left alone', () => {
	it('sends a small clean JPEG byte for byte', async () => {
		const clean = phoneJpeg(320, 240, 0);
		const result = succeeded(await preparePhoto(clean, { maxBytes: MB }));
		expect(result.bytes).toBe(clean);
		expect(result.changes).toBeNull();
	});

	it('strips EXIF and a comment from an upright JPEG without re-encoding', async () => {
		const clean = phoneJpeg(320, 240, 0);
		const tagged = withSegments(clean, phoneExif1(), segment(0xfe, COMMENT_TEXT));
		const { bytes, changes } = succeeded(await preparePhoto(tagged, { maxBytes: MB }));
		expect(changes).toMatchObject({
			format: 'jpeg',
			orientationApplied: null,
			metadataRemoved: ['EXIF', 'comment'],
			reencoded: false,
			widthAfter: 320,
			heightAfter: 240,
		});
		expect(bytesAfterScanStart(bytes).equals(bytesAfterScanStart(tagged))).toBe(true);
		expect(Buffer.from(bytes).equals(Buffer.from(clean))).toBe(true);
	});

	it('sends a small clean PNG byte for byte, and strips text chunks from one without touching IDAT', async () => {
		const png = phonePng(200, 150);
		const clean = succeeded(await preparePhoto(png, { maxBytes: MB }));
		expect(clean.changes).toBeNull();
		expect(clean.bytes).toBe(png);

		const iend = png.length - 12;
		const tagged = Buffer.concat([
			png.subarray(0, 33),
			chunk('tEXt', Buffer.from('Comment\0applicant at -6.2,106.8', 'latin1')),
			chunk('eXIf', exifBody({ byteOrder: 'II', orientation: 1 }).subarray(6)),
			png.subarray(33, iend),
			chunk('tIME', Buffer.from([7, 234, 12, 6, 10, 2, 3])),
			png.subarray(iend),
		]);
		const { bytes, changes } = succeeded(await preparePhoto(tagged, { maxBytes: MB }));
		expect(changes).toMatchObject({
			format: 'png',
			reencoded: false,
			metadataRemoved: ['tEXt', 'eXIf', 'tIME'],
		});
		expect(Buffer.from(bytes).equals(Buffer.from(png))).toBe(true);
	});

	it('converts a large PNG photo to a JPEG that fits', async () => {
		const png = phonePng(1600, 1200);
		expect(png.length).toBeGreaterThan(MB);
		const { bytes, changes } = succeeded(await preparePhoto(png, { maxBytes: MB }));
		expect(changes).toMatchObject({ format: 'jpeg', reencoded: true, widthBefore: 1600 });
		expect(bytes.length).toBeLessThanOrEqual(MB);
		const ours = readPnm(djpeg(bytes));
		expect(markedCorners(ours)).toEqual(['top-left']);
		expect(psnr(ours, gmReference(png, ours.width, ours.height))).toBeGreaterThanOrEqual(30);
	});
});

function phoneExif1(): Uint8Array {
	return segment(0xe1, exifBody({ byteOrder: 'II', orientation: 1 }));
}

describe('preparePhoto: hostile and broken files', () => {
	it('refuses a JPEG whose header claims 60000x60000 pixels before decoding anything', async () => {
		const small = phoneJpeg(64, 48, 0);
		const huge = Uint8Array.from(small);
		const sof = Buffer.from(huge).indexOf(Buffer.from([0xff, 0xc0]));
		huge.set([0xea, 0x60, 0xea, 0x60], sof + 5);
		const budget = new PhotoBudget();
		const result = await preparePhoto(huge, { maxBytes: MB, budget });
		expect(result.ok ? 'ok' : result.error.kind).toBe('too_large');
		// The header's claim alone decides: no row of blocks was decoded, no picture claimed.
		expect(budget.memoryPeak).toBe(0);
		expect(budget.workDone).toBeLessThan(UNITS_PER_CHECKPOINT);
		expect(checkPhotoHeader(huge)?.kind).toBe('too_large');
		expect(checkPhotoHeader(small)).toBeUndefined();
	});

	it('refuses more than 25 MB, and anything that is not a JPEG or PNG', async () => {
		const big = new Uint8Array(25 * MB + 1);
		big.set([0xff, 0xd8, 0xff, 0xe0]);
		expect(checkPhotoHeader(big)?.kind).toBe('too_large');
		const result = await preparePhoto(big, { maxBytes: MB });
		expect(result.ok ? 'ok' : result.error.kind).toBe('too_large');
		const gif = await preparePhoto(Buffer.from('GIF89a....'), { maxBytes: MB });
		expect(gif.ok ? 'ok' : gif.error.kind).toBe('unsupported');
	});

	it('reads a truncated JPEG as far as it goes (grey below), or fails, at no more cost than the whole file', async () => {
		const original = phoneJpeg(1283, 967, 6);
		const whole = new PhotoBudget();
		await preparePhoto(original, { maxBytes: MB, budget: whole });
		for (const fraction of [0.05, 0.5, 0.9]) {
			const cut = original.subarray(0, Math.floor(original.length * fraction));
			const budget = new PhotoBudget();
			const result = await preparePhoto(cut, { maxBytes: MB, budget });
			expect(budget.workDone).toBeLessThanOrEqual(whole.workDone);
			expect(budget.memoryPeak).toBeLessThanOrEqual(whole.memoryPeak);
			if (result.ok) expect(readJpegInfo(result.bytes).width).toBe(967);
			else expect(result.error).toBeInstanceOf(PhotoError);
		}
	});
});

describe('preparePhoto: fuzzed real files', () => {
	const files = [
		phoneJpeg(160, 120, 6, ['-quality', '90', '-restart', '3B']),
		phoneJpeg(160, 120, 1, ['-quality', '85', '-progressive']),
		phonePng(120, 90),
	];

	it('ends in bytes or a PhotoError, never another throw, within the photo budget', async () => {
		const outcomes = { ok: 0, failed: 0 };
		await fc.assert(
			fc.asyncProperty(
				fc.nat(files.length - 1),
				fc.array(
					fc.record({
						at: fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000),
						kind: fc.constantFrom('flip', 'cut', 'insert'),
						value: fc.integer({ min: 0, max: 255 }),
					}),
					{ minLength: 1, maxLength: 5 },
				),
				fc.constantFrom(4_000, MB),
				async (which, mutations, maxBytes) => {
					let bytes = files[which].slice();
					for (const m of mutations) {
						const at = Math.min(bytes.length, Math.floor(m.at * bytes.length));
						if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.value;
						else if (m.kind === 'cut') bytes = bytes.slice(0, at);
						else
							bytes = Uint8Array.from([...bytes.subarray(0, at), m.value, ...bytes.subarray(at)]);
					}
					const budget = new PhotoBudget();
					let result: PreparedPhoto | undefined;
					let thrown: unknown;
					try {
						result = await preparePhoto(bytes, { maxBytes, budget });
					} catch (error) {
						thrown = error;
					}
					expect(thrown).toBeUndefined();
					expect(budget.workDone).toBeLessThanOrEqual(WORK_LIMIT_UNITS + budget.largestStep);
					expect(budget.memoryPeak).toBeLessThanOrEqual(MEMORY_LIMIT_BYTES);
					if (result?.ok) {
						outcomes.ok++;
						expect(result.bytes.length).toBeLessThanOrEqual(maxBytes);
					} else {
						outcomes.failed++;
						expect(result?.error).toBeInstanceOf(PhotoError);
					}
				},
			),
			{ seed: 20261206, numRuns: 150 },
		);
		// Both paths were exercised.
		expect(outcomes.ok).toBeGreaterThan(10);
		expect(outcomes.failed).toBeGreaterThan(10);
	});
});

describe('preparePhoto: what a photo leaves behind, and what comes back with it', () => {
	it('copies only what decoding needs, and names exactly what it removed', async () => {
		const input = jpegHostileInputs().find((candidate) => candidate.attack === 'metadata')!;
		const bytes = input.make();
		const { bytes: out, changes } = succeeded(await preparePhoto(bytes, { maxBytes: MB }));
		expect(changes).toMatchObject({
			reencoded: false,
			metadataRemoved: [
				'JFIF thumbnail',
				'Adobe APP14 extras',
				'JPG13',
				'JPG0',
				'comment',
				'XMP',
				'data after EOI',
			],
		});
		expect(hasText(out, PLANTED_NIK)).toBe(false);
		const reading = await readJpeg(out, { scale: 1 });
		expect(reading.segments.map((s) => s.marker)).toEqual([
			0xe0, 0xee, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda,
		]);
		// djpeg refuses the original (JPGn markers); the copy it reads, to the very pixels we read.
		expect(() => djpeg(bytes)).toThrow(/Unsupported marker type/);
		expect(psnr(reading.picture, readPnm(djpeg(out)))).toBe(Infinity);
	});

	it('never sends a CMYK JPEG as it is, even upright and small', async () => {
		const cmyk = new Uint8Array(
			runTool(
				gm,
				['convert', 'ppm:-', '-colorspace', 'CMYK', '-quality', '90', 'jpeg:-'],
				writePnm(markedPhoto(160, 120)),
			),
		);
		const { bytes, changes } = succeeded(await preparePhoto(cmyk, { maxBytes: MB }));
		expect(changes?.reencoded).toBe(true);
		expect(readJpegInfo(bytes).components).toBe(3);
		// The four channels are there for colour management, as libjpeg's CMYK output.
		const four = (await readJpeg(cmyk, { scale: 1, keepCmyk: true })).picture;
		const rgb = (await readJpeg(cmyk, { scale: 1 })).picture;
		expect(four.channels).toBe(4);
		for (let i = 0, j = 0; i < four.data.length; i += 4, j += 3) {
			const k = four.data[i + 3];
			expect(rgb.data[j]).toBe(Math.floor((four.data[i] * k + 127) / 255));
		}
	});

	it('returns the decoded upright picture as preview', async () => {
		const upright = succeeded(await preparePhoto(phoneJpeg(1283, 967, 0), { maxBytes: MB }));
		expect(upright.changes).toBeNull();
		// Sent as it is: decoded at the DCT scale nearest 640 px.
		expect([upright.preview?.width, upright.preview?.height]).toEqual([642, 484]);
		const turned = succeeded(await preparePhoto(phoneJpeg(1283, 967, 6), { maxBytes: MB }));
		expect([turned.preview?.width, turned.preview?.height]).toEqual([967, 1283]);
		expect(markedCorners(turned.preview!)).toEqual(['top-right']);
	});

	it('says what a rare JPEG kind is and how to fix it, and which limit a too-large photo met', async () => {
		for (const name of ['arithmetic', '12-bit']) {
			const input = jpegHostileInputs().find((candidate) => candidate.name.includes(name))!;
			const result = await preparePhoto(input.make(), { maxBytes: MB });
			if (result.ok) throw new Error('sent');
			expect(result.error.kind).toBe('unsupported');
			expect(result.error.message).toMatch(/a rare kind/);
			expect(result.error.details.fix).toMatch(/ordinary JPEG/);
		}
		const tooBig = await preparePhoto(phoneJpeg(1100, 825, 1), { maxBytes: 5_000 });
		if (tooBig.ok) throw new Error('sent');
		expect(tooBig.error.details.limit).toBe('output');
		const huge = new Uint8Array(25 * MB + 1);
		huge.set([0xff, 0xd8, 0xff, 0xe0]);
		const input = await preparePhoto(huge, { maxBytes: MB });
		if (input.ok) throw new Error('sent');
		expect(input.error.details.limit).toBe('input');
	});
});
