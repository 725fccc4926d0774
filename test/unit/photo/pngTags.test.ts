/**
 * The two ancillary chunks read before the clean copy drops them: the EXIF orientation of eXIf
 * (either byte order, with or without the JPEG "Exif\0\0" prefix, 1 for anything unreadable) and
 * the ICC profile of iCCP, inflated within MAX_ICC_PROFILE_BYTES whatever the chunk claims, and
 * ignored when it is not usable, as libpng ignores it.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { readPngLayout } from '../../../nodes/KredibelBiometric/photo/pngChunks';
import {
	MAX_ICC_PROFILE_BYTES,
	pngExifData,
	readPngIccProfile,
	readPngOrientationTag,
} from '../../../nodes/KredibelBiometric/photo/pngTags';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import { WorkMeter } from '../../../nodes/KredibelBiometric/photo/workMeter';
import { adler32OfZeros, deflateZeros, zlibStream } from '../../helpers/deflateBits';
import { exifBody } from './exifFixture';
import { chunk, encodePng, randomSamples } from './pngFixtures';

const SEED = 20261206;
const image = { width: 9, height: 7, bitDepth: 8, colourType: 0, samples: randomSamples(63, 8, 2) };

/** eXIf data: the TIFF structure of the fixture's Exif APP1, without its "Exif\0\0" prefix. */
function tiff(orientation: number, byteOrder: 'II' | 'MM'): Buffer {
	return Buffer.from(exifBody({ byteOrder, orientation }).subarray(6));
}

async function orientationOf(exifData: Uint8Array): Promise<number | null> {
	const png = encodePng(image, { before: [chunk('eXIf', exifData)] });
	return readPngOrientationTag(png, await readPngLayout(png));
}

/** A made-up ICC profile: the 4-byte size field ICC.1 7.2.2 requires, then arbitrary bytes. */
function profile(length: number, declared = length): Buffer {
	const bytes = Buffer.from(randomSamples(length, 8, length));
	bytes.writeUInt32BE(declared, 0);
	return bytes;
}

async function iccOf(iccp: Buffer, meter?: WorkMeter): Promise<Uint8Array | undefined> {
	const png = encodePng(image, { before: [chunk('iCCP', iccp)] });
	return readPngIccProfile(png, await readPngLayout(png), undefined, meter);
}

describe('readPngOrientationTag', () => {
	it('reads orientation 1-8 from little- and big-endian eXIf, with or without an "Exif\\0\\0" prefix', async () => {
		for (const byteOrder of ['II', 'MM'] as const) {
			for (let orientation = 1; orientation <= 8; orientation++) {
				for (const prefix of [Buffer.alloc(0), Buffer.from('Exif\0\0', 'latin1')]) {
					expect(await orientationOf(Buffer.concat([prefix, tiff(orientation, byteOrder)]))).toBe(
						orientation,
					);
				}
			}
		}
	});

	it('answers null (no tag: the photo may be turned for its face) when eXIf is absent, out of range, malformed or has a bad CRC, and never throws', async () => {
		const plain = encodePng(image);
		expect(readPngOrientationTag(plain, await readPngLayout(plain))).toBeNull();
		expect(await orientationOf(tiff(9, 'II'))).toBeNull();
		expect(await orientationOf(tiff(0, 'MM'))).toBeNull();
		expect(await orientationOf(tiff(6, 'II').subarray(0, 16))).toBeNull(); // cut inside the entry
		expect(await orientationOf(Buffer.from('not a tiff'))).toBeNull();
		const badCrc = chunk('eXIf', tiff(6, 'II'));
		badCrc[badCrc.length - 1] ^= 1;
		const damaged = encodePng(image, { before: [badCrc] });
		const layout = await readPngLayout(damaged);
		expect(pngExifData(damaged, layout)).toBeUndefined();
		expect(readPngOrientationTag(damaged, layout)).toBeNull();
		const base = tiff(3, 'II');
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
				fc.nat(),
				async (flips, cut) => {
					const mutated = Uint8Array.from(base);
					for (const [at, mask] of flips) mutated[at % mutated.length] ^= mask;
					const orientation = await orientationOf(mutated.subarray(0, cut % (mutated.length + 1)));
					expect(orientation === null || (orientation >= 1 && orientation <= 8)).toBe(true);
				},
			),
			{ seed: SEED, numRuns: 300 },
		);
	});
});

describe('readPngIccProfile', () => {
	it('inflates the profile of an iCCP chunk', async () => {
		const bytes = profile(3144);
		const read = await iccOf(
			Buffer.concat([Buffer.from('Display P3\0\0'), zlib.deflateSync(bytes)]),
		);
		expect(read && Buffer.from(read).equals(bytes)).toBe(true);
		const plain = encodePng(image);
		expect(await readPngIccProfile(plain, await readPngLayout(plain))).toBeUndefined();
	});

	it('ignores an unusable iCCP: no name, a long name, another compression method, a size other than declared, damage, a bad CRC', async () => {
		const bytes = profile(600);
		const deflated = zlib.deflateSync(bytes);
		const cases = [
			Buffer.concat([Buffer.from('\0\0'), deflated]),
			Buffer.concat([Buffer.from(`${'n'.repeat(80)}\0\0`), deflated]),
			Buffer.concat([Buffer.from('name\0\x01'), deflated]),
			Buffer.concat([Buffer.from('name\0\0'), zlib.deflateSync(profile(600, 601))]),
			Buffer.concat([Buffer.from('name\0\0'), zlib.deflateSync(profile(100))]),
			Buffer.concat([Buffer.from('name\0\0'), deflated.subarray(0, deflated.length - 9)]),
		];
		for (const iccp of cases) expect(await iccOf(iccp)).toBeUndefined();
		const badCrc = chunk('iCCP', Buffer.concat([Buffer.from('name\0\0'), deflated]));
		badCrc[badCrc.length - 1] ^= 1;
		const damaged = encodePng(image, { before: [badCrc] });
		const layout = await readPngLayout(damaged);
		expect(layout.removed).toEqual(['iCCP']);
		expect(await readPngIccProfile(damaged, layout)).toBeUndefined();
	});

	it('stops a profile that inflates to 1 GB at MAX_ICC_PROFILE_BYTES', async () => {
		const bomb = zlibStream([deflateZeros(1 << 30)], adler32OfZeros(1 << 30));
		const meter = new WorkMeter();
		expect(await iccOf(Buffer.concat([Buffer.from('bomb\0\0'), bomb]), meter)).toBeUndefined();
		// Made, summed and copied once each, up to the limit and one slice past it.
		expect(meter.work).toBeLessThanOrEqual(4 * MAX_ICC_PROFILE_BYTES);
		const big = profile(MAX_ICC_PROFILE_BYTES + 1);
		expect(
			await iccOf(Buffer.concat([Buffer.from('big\0\0'), zlib.deflateSync(big)])),
		).toBeUndefined();
	});

	it('passes a cancellation on (the checkpoint comes as the work adds up)', async () => {
		const png = encodePng(image, {
			before: [
				chunk('iCCP', Buffer.concat([Buffer.from('p\0\0'), zlib.deflateSync(profile(2_000_000))])),
			],
		});
		const layout = await readPngLayout(png);
		const error = await readPngIccProfile(png, layout, () => {
			throw new PhotoError('cancelled', 'stopped');
		}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(PhotoError);
		expect((error as PhotoError).kind).toBe('cancelled');
	});
});
