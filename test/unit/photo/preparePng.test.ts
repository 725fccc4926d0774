/**
 * preparePhoto on PNGs, the promises of DESIGN.md "Photos" that are PNG's own: decoded completely
 * before anything is sent (a damaged PNG within the limit is refused, not forwarded), turned
 * upright from an eXIf orientation, never sent above about 2048 px on the long side, the clean
 * copy used where only metadata must go (its record listing exactly what went), a JPEG where no
 * clean copy can keep the compressed pixels, and the preview the face detector looks at.
 */

import * as zlib from 'node:zlib';

import { applyOrientation } from '../../../nodes/KredibelBiometric/photo/orientation';
import { decodePng } from '../../../nodes/KredibelBiometric/photo/pngDecode';
import {
	type PreparedPhoto,
	preparePhoto,
} from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { readPnm } from '../../helpers/referenceTools';
import { exifBody } from './exifFixture';
import { markedCorners, markedPhoto, phonePng, STORED_TOP_LEFT_GOES_TO } from './phonePhoto';
import { djpeg } from './photoFixtures';
import { chunk, encodePng, ihdr, scanlines, SIGNATURE } from './pngFixtures';

const MB = 1024 * 1024;

function succeeded(result: PreparedPhoto): Extract<PreparedPhoto, { ok: true }> {
	if (!result.ok)
		throw new Error(`expected success, got ${result.error.kind}: ${result.error.message}`);
	return result;
}

/** Same size, channels and samples (compared as buffers: toEqual is slow on megabytes). */
function samePicture(a: Picture, b: Picture): boolean {
	return (
		a.width === b.width &&
		a.height === b.height &&
		a.channels === b.channels &&
		Buffer.from(a.data).equals(Buffer.from(b.data))
	);
}

/** A marked RGB photo as a PNG with an eXIf chunk holding `orientation`. */
function sidewaysPng(width: number, height: number, orientation: number): Uint8Array {
	const picture = markedPhoto(width, height);
	const tiff = exifBody({ byteOrder: 'MM', orientation }).subarray(6);
	return encodePng(
		{ width, height, bitDepth: 8, colourType: 2, samples: picture.data },
		{ before: [chunk('eXIf', tiff)], filters: [1] },
	);
}

describe('preparePhoto on PNGs', () => {
	it.each([3, 6, 8])(
		'turns a PNG with eXIf orientation %i upright, and says so',
		async (orientation) => {
			const png = sidewaysPng(320, 200, orientation);
			const { bytes, changes } = succeeded(await preparePhoto(png, { maxBytes: MB }));
			const sent = readPnm(djpeg(bytes));
			expect(markedCorners(sent)).toEqual([STORED_TOP_LEFT_GOES_TO[orientation]]);
			expect(changes).toMatchObject({
				format: 'jpeg',
				orientationApplied: orientation,
				metadataRemoved: ['eXIf'],
				reencoded: true,
				widthAfter: sent.width,
				heightAfter: sent.height,
			});
			expect(sent.width > sent.height).toBe(orientation < 5);
		},
	);

	it('never sends more than 2048 px on the long side, even when the file is within the limit', async () => {
		const png = sidewaysPng(2200, 700, 6);
		expect(png.length).toBeLessThan(8 * MB);
		const { bytes, changes } = succeeded(await preparePhoto(png, { maxBytes: 8 * MB }));
		expect(changes).toMatchObject({
			widthBefore: 2200,
			heightBefore: 700,
			widthAfter: 652,
			heightAfter: 2048,
		});
		expect(markedCorners(readPnm(djpeg(bytes)))).toEqual(['top-right']);
	});

	it('refuses a damaged PNG that is within the limit and would otherwise go as it is', async () => {
		const png = phonePng(200, 150);
		const iend = png.length - 12;
		const damaged = [
			// The last rows cut from the zlib stream, re-compressed: the file is well formed.
			(() => {
				const rows = zlib.inflateSync(png.subarray(41, iend - 4));
				return Buffer.concat([
					png.subarray(0, 33),
					chunk('IDAT', zlib.deflateSync(rows.subarray(0, rows.length - 601))),
					png.subarray(iend),
				]);
			})(),
			// One byte of the compressed data changed, with the IDAT CRC made to match.
			(() => {
				const copy = Buffer.from(png);
				copy[iend - 30] ^= 0x55;
				copy.writeUInt32BE(zlib.crc32(copy.subarray(37, iend - 4)), iend - 4);
				return copy;
			})(),
		];
		for (const bytes of damaged) {
			const result = await preparePhoto(bytes, { maxBytes: MB });
			expect(result.ok ? 'sent' : result.error.kind).toBe('corrupt');
		}
	});

	it('lists exactly what the clean copy leaves out, and keeps the compressed pixels', async () => {
		const png = phonePng(200, 150);
		const iend = png.length - 12;
		const stream = png.subarray(41, iend - 4);
		const tagged = Buffer.concat([
			png.subarray(0, 33),
			chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
			chunk('IDAT', Buffer.concat([stream, Buffer.from('after the stream')])),
			chunk('tIME', Buffer.from([7, 234, 12, 6, 10, 2, 3])),
			png.subarray(iend),
			Buffer.from('after IEND'),
		]);
		const { bytes, changes } = succeeded(await preparePhoto(tagged, { maxBytes: MB }));
		expect(changes).toMatchObject({
			format: 'png',
			reencoded: false,
			metadataRemoved: ['gAMA', 'data after the image data', 'tIME', 'data after IEND'],
		});
		expect(Buffer.from(bytes).equals(Buffer.from(png))).toBe(true);
	});

	it('encodes as JPEG a PNG whose zlib stream makes more than the picture (no clean copy keeps it)', async () => {
		const picture = markedPhoto(200, 150);
		const rows = scanlines(
			{ width: 200, height: 150, bitDepth: 8, colourType: 2, samples: picture.data },
			[0],
		);
		const png = Buffer.concat([
			SIGNATURE,
			ihdr(200, 150, 8, 2),
			chunk('IDAT', zlib.deflateSync(Buffer.concat([rows, Buffer.from('3171234567890003')]))),
			chunk('IEND'),
		]);
		const { bytes, changes } = succeeded(await preparePhoto(png, { maxBytes: MB }));
		expect(changes).toMatchObject({
			format: 'jpeg',
			reencoded: true,
			metadataRemoved: ['data after the image data'],
		});
		expect(markedCorners(readPnm(djpeg(bytes)))).toEqual(['top-left']);
	});

	it('gives the decoded, upright picture as the preview, on every path', async () => {
		const png = phonePng(1100, 760);
		const whole = (await decodePng(png)).picture;
		const unchanged = succeeded(await preparePhoto(png, { maxBytes: 8 * MB }));
		expect(unchanged.changes).toBeNull();
		expect(samePicture(unchanged.preview, whole)).toBe(true);

		const sideways = sidewaysPng(1100, 760, 6);
		const turned = succeeded(await preparePhoto(sideways, { maxBytes: 8 * MB }));
		expect(turned.changes?.reencoded).toBe(true);
		const upright = await applyOrientation((await decodePng(sideways)).picture, 6);
		expect(samePicture(turned.preview, upright)).toBe(true);
		expect(markedCorners(turned.preview)).toEqual(['top-right']);
	});
});
