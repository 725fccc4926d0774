/**
 * Why this file exists: Face Check needs three things of the photo room. Whether a photo carried
 * an orientation tag at all (only a photo whose camera said nothing may be turned to stand a face
 * upright); a photo turned by extra quarter turns, placed as GraphicsMagick's -rotate places it;
 * and the upright picture of a photo preparation sends without decoding (decodePhoto), equal to
 * what GraphicsMagick's -auto-orient and pngjs make of the same bytes.
 */
import * as zlib from 'node:zlib';

import { PNG } from 'pngjs';

import { readExifOrientationTag } from '../../../nodes/KredibelBiometric/photo/exif';
import { decodePhoto } from '../../../nodes/KredibelBiometric/photo/decodePhoto';
import { PREVIEW_LONG_SIDE } from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { readPngLayout } from '../../../nodes/KredibelBiometric/photo/pngChunks';
import { readPngOrientationTag } from '../../../nodes/KredibelBiometric/photo/pngTags';
import {
	type PreparedPhoto,
	preparePhoto,
} from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { ensureDebianTool, psnr, readPnm, runTool } from '../../helpers/referenceTools';
import { exifBody, segment, withSegments } from './exifFixture';
import { djpeg } from './photoFixtures';
import { chunk, ihdr, SIGNATURE } from './pngFixtures';
import { markedCorners, phoneJpeg, phonePng } from './phonePhoto';

const MB = 1024 * 1024;
const gm = ensureDebianTool('gm', 'graphicsmagick');

function succeeded(result: PreparedPhoto): Extract<PreparedPhoto, { ok: true }> {
	if (!result.ok) throw new Error(`expected success, got ${result.error.message}`);
	return result;
}

/** A PNG with an eXIf chunk (after IHDR) holding `body`'s TIFF structure. */
function pngWithExif(png: Uint8Array, body: Uint8Array): Buffer {
	return Buffer.concat([png.subarray(0, 33), chunk('eXIf', body.subarray(6)), png.subarray(33)]);
}

describe('whether a photo carried an orientation tag', () => {
	it('reads the tag 1-8 as given, and null when there is none or its value is no orientation', () => {
		for (let orientation = 1; orientation <= 8; orientation++) {
			const body = exifBody({ byteOrder: 'MM', orientation });
			expect(readExifOrientationTag(body)).toBe(orientation);
		}
		expect(readExifOrientationTag(exifBody({ byteOrder: 'II' }))).toBeNull();
		for (const value of [0, 9]) {
			expect(readExifOrientationTag(exifBody({ byteOrder: 'II', orientation: value }))).toBeNull();
		}
		expect(readExifOrientationTag(new Uint8Array(4))).toBeNull();
	});

	it('tells a JPEG tagged upright (1) from one with no tag and from one whose EXIF has none', async () => {
		const untagged = phoneJpeg(320, 200, 0);
		const tagged = phoneJpeg(320, 200, 1);
		const exifWithoutTag = withSegments(untagged, segment(0xe1, exifBody({ byteOrder: 'II' })));
		const tagOf = async (bytes: Uint8Array) =>
			succeeded(await preparePhoto(bytes, { maxBytes: MB })).orientationTagged;
		expect(await tagOf(untagged)).toBe(false);
		expect(await tagOf(tagged)).toBe(true);
		expect(await tagOf(phoneJpeg(320, 200, 6))).toBe(true);
		expect(await tagOf(exifWithoutTag)).toBe(false);
	});

	it('tells the same of a PNG', async () => {
		const png = phonePng(200, 150);
		const tagged = pngWithExif(png, exifBody({ byteOrder: 'II', orientation: 1 }));
		expect(readPngOrientationTag(png, await readPngLayout(png))).toBeNull();
		expect(readPngOrientationTag(tagged, await readPngLayout(tagged))).toBe(1);
		expect(succeeded(await preparePhoto(png, { maxBytes: MB })).orientationTagged).toBe(false);
		expect(succeeded(await preparePhoto(tagged, { maxBytes: MB })).orientationTagged).toBe(true);
	});
});

describe('extra quarter turns', () => {
	it.each([
		[1, 90, 'top-right'],
		[2, 180, 'bottom-right'],
		[3, 270, 'bottom-left'],
	] as const)(
		'%i clockwise: the picture is re-encoded turned as gm -rotate %i turns it',
		async (turns, degrees, corner) => {
			const original = phoneJpeg(320, 200, 0);
			const plain = succeeded(await preparePhoto(original, { maxBytes: MB }));
			expect(plain.changes).toBeNull();
			const { bytes, changes, preview } = succeeded(
				await preparePhoto(original, { maxBytes: MB, extraQuarterTurns: turns }),
			);
			const ours = readPnm(djpeg(bytes));
			expect(markedCorners(ours)).toEqual([corner]);
			expect([ours.width, ours.height]).toEqual(turns === 2 ? [320, 200] : [200, 320]);
			expect(changes).toMatchObject({ reencoded: true, orientationApplied: null });
			expect([preview?.width, preview?.height]).toEqual([ours.width, ours.height]);
			const reference = readPnm(
				runTool(gm, ['convert', '-', '-rotate', String(degrees), 'ppm:-'], original),
			);
			expect(psnr(ours, reference)).toBeGreaterThanOrEqual(30);
		},
	);

	it('turns a PNG sent as it is otherwise', async () => {
		const png = phonePng(200, 150);
		const { bytes, changes } = succeeded(
			await preparePhoto(png, { maxBytes: MB, extraQuarterTurns: 1 }),
		);
		expect(changes).toMatchObject({ format: 'jpeg', reencoded: true });
		expect(markedCorners(readPnm(djpeg(bytes)))).toEqual(['top-right']);
	});
});

describe('decodePhoto', () => {
	it('gives a tagged JPEG upright, as gm -auto-orient does, and says it was tagged', async () => {
		const original = phoneJpeg(320, 200, 6);
		const decoded = await decodePhoto(original);
		if (!decoded.ok) throw decoded.error;
		expect(decoded.orientationTagged).toBe(true);
		expect([decoded.picture.width, decoded.picture.height]).toEqual([200, 320]);
		const reference = readPnm(runTool(gm, ['convert', '-', '-auto-orient', 'ppm:-'], original));
		expect(psnr(decoded.picture, reference)).toBeGreaterThanOrEqual(30);
	});

	it('gives a PNG sample for sample as pngjs reads it', async () => {
		const png = phonePng(200, 150);
		const decoded = await decodePhoto(png);
		if (!decoded.ok) throw decoded.error;
		expect(decoded.orientationTagged).toBe(false);
		const reference = PNG.sync.read(Buffer.from(png));
		const rgb = new Uint8Array(200 * 150 * 3);
		for (let pixel = 0; pixel < 200 * 150; pixel++) {
			rgb.set(reference.data.subarray(4 * pixel, 4 * pixel + 3), 3 * pixel);
		}
		expect(Buffer.from(decoded.picture.data).equals(Buffer.from(rgb))).toBe(true);
	});

	it('decodes a small PNG that claims a big picture row by row into the reduced preview, within the budget', async () => {
		const side = 4000;
		const rows = zlib.deflateSync(Buffer.alloc((side * 3 + 1) * side));
		const png = Buffer.concat([
			SIGNATURE,
			ihdr(side, side, 8, 2),
			chunk('IDAT', rows),
			chunk('IEND'),
		]);
		expect(png.length).toBeLessThan(MB);
		const decoded = await decodePhoto(png);
		if (!decoded.ok) throw decoded.error;
		// 48 MB of samples were never held: only the picture reduced to the preview's long side.
		expect(Math.max(decoded.picture.width, decoded.picture.height)).toBeLessThanOrEqual(
			PREVIEW_LONG_SIDE,
		);
		expect(decoded.picture.data.every((sample) => sample === 0)).toBe(true);
	});

	it('returns a PhotoError for bytes that are no photo or are damaged, without throwing', async () => {
		const text = await decodePhoto(Buffer.from('GIF89a not a photo'));
		expect(text.ok ? 'decoded' : text.error.kind).toBe('unsupported');
		const jpeg = phoneJpeg(320, 200, 0);
		const cut = await decodePhoto(jpeg.subarray(0, 400));
		expect(cut.ok ? 'decoded' : cut.error.kind).toBe('corrupt');
	});
});
