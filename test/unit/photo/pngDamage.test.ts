/**
 * Damaged PNGs against libpng: each file below is made by damaging a clean one, then decoded by
 * decodePng and by libpng 1.6 with its default settings (netpbm's pngtopnm links it). Where libpng
 * shows a picture, decodePng shows the same pixels; where libpng stops with an error, decodePng
 * refuses the file. What decides it is the PNG spec's split between critical chunks (damage is
 * fatal) and ancillary ones (ignored), and whether the picture data is whole.
 */

import * as zlib from 'node:zlib';

import { decodePng } from '../../../nodes/KredibelBiometric/photo/pngDecode';
import { PhotoError, type Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { ensureDebianTool, readPnm, runTool } from '../../helpers/referenceTools';
import { chunk, ihdr, photo, randomSamples, scanlines, SIGNATURE } from './pngFixtures';

const pngtopnm = ensureDebianTool('pngtopnm', 'netpbm');

/** libpng's picture (transparency over white), or undefined when it stops with an error. */
function libpng(png: Uint8Array): Picture | undefined {
	try {
		return readPnm(runTool(pngtopnm, ['-mix', '-background', 'white'], png));
	} catch {
		return undefined;
	}
}

async function ours(png: Uint8Array): Promise<Picture | PhotoError> {
	return decodePng(png).then(
		(decoded) => decoded.picture,
		(error: unknown) => {
			if (error instanceof PhotoError) return error;
			throw error;
		},
	);
}

function withBadCrc(chunkBytes: Buffer): Buffer {
	const damaged = Buffer.from(chunkBytes);
	damaged[damaged.length - 1] ^= 0x5a;
	return damaged;
}

// A 40x30 RGB photo and a 40x30 2-bit palette picture, as the clean files to damage.
const rgbRows = scanlines(
	{ width: 40, height: 30, bitDepth: 8, colourType: 2, samples: photo(40, 30, 3).data },
	[4, 1, 2, 3, 0],
);
const stream = zlib.deflateSync(rgbRows);
const rgbHead = Buffer.concat([SIGNATURE, ihdr(40, 30, 8, 2)]);
const idat = chunk('IDAT', stream);
const iend = chunk('IEND');
const indices = scanlines(
	{ width: 40, height: 30, bitDepth: 2, colourType: 3, samples: randomSamples(1200, 2, 5) },
	[0, 1],
);
const paletteHead = Buffer.concat([SIGNATURE, ihdr(40, 30, 2, 3)]);
const paletteIdat = chunk('IDAT', zlib.deflateSync(indices));
const plte = chunk('PLTE', Buffer.from([200, 30, 30, 30, 200, 30, 30, 30, 200, 9, 9, 9]));
const tRNSKey = chunk('tRNS', Buffer.from([0, rgbRows[1], 0, rgbRows[2], 0, rgbRows[3]]));
const iccp = (method: number) =>
	chunk(
		'iCCP',
		Buffer.concat([Buffer.from([80, 0, method]), zlib.deflateSync(Buffer.alloc(300, 1))]),
	);

/** [what was done to the file, the file, whether libpng shows a picture]. */
const CASES: Array<[string, Buffer, boolean]> = [
	['clean', Buffer.concat([rgbHead, idat, iend]), true],
	[
		'iCCP with a bad CRC and an unknown compression method (Pillow unknown_compression_method.png)',
		Buffer.concat([rgbHead, withBadCrc(iccp(1)), idat, iend]),
		true,
	],
	[
		'eXIf with a bad CRC',
		Buffer.concat([
			rgbHead,
			withBadCrc(chunk('eXIf', Buffer.from('MM\0*\0\0\0\x08\0\0'))),
			idat,
			iend,
		]),
		true,
	],
	[
		'a private chunk with a bad CRC',
		Buffer.concat([rgbHead, withBadCrc(chunk('prVt', Buffer.from('x'))), idat, iend]),
		true,
	],
	[
		'tRNS with a bad CRC (ignored: no transparency)',
		Buffer.concat([rgbHead, withBadCrc(tRNSKey), idat, iend]),
		true,
	],
	[
		'tRNS of the wrong size',
		Buffer.concat([rgbHead, chunk('tRNS', Buffer.alloc(16, 1)), idat, iend]),
		true,
	],
	['tRNS after IDAT', Buffer.concat([rgbHead, idat, tRNSKey, iend]), true],
	[
		'a 1000-byte gAMA',
		Buffer.concat([rgbHead, chunk('gAMA', Buffer.alloc(1000, 49)), idat, iend]),
		true,
	],
	[
		'a suggested PLTE of the wrong size in an RGB image',
		Buffer.concat([rgbHead, chunk('PLTE', Buffer.alloc(7, 1)), idat, iend]),
		true,
	],
	[
		'bytes after the zlib stream',
		Buffer.concat([rgbHead, chunk('IDAT', Buffer.concat([stream, Buffer.from('1234')])), iend]),
		true,
	],
	[
		'a zlib stream that makes more than the picture',
		Buffer.concat([
			rgbHead,
			chunk('IDAT', zlib.deflateSync(Buffer.concat([rgbRows, Buffer.alloc(99)]))),
			iend,
		]),
		true,
	],
	[
		'empty IDAT chunks around the data',
		Buffer.concat([rgbHead, chunk('IDAT'), idat, chunk('IDAT'), iend]),
		true,
	],
	[
		'an IDAT chunk after the picture and another chunk',
		Buffer.concat([
			rgbHead,
			idat,
			chunk('tEXt', Buffer.from('a\0b')),
			chunk('IDAT', Buffer.from('junk')),
			iend,
		]),
		true,
	],
	['data in IEND', Buffer.concat([rgbHead, idat, chunk('IEND', Buffer.from('1234'))]), true],
	['data after IEND', Buffer.concat([rgbHead, idat, iend, Buffer.from('1234')]), true],
	[
		'a palette with a tRNS for some entries',
		Buffer.concat([paletteHead, plte, chunk('tRNS', Buffer.from([0, 128])), paletteIdat, iend]),
		true,
	],
	[
		'a palette with fewer entries than the indices need',
		Buffer.concat([
			paletteHead,
			chunk('PLTE', Buffer.from([200, 30, 30, 30, 200, 30])),
			paletteIdat,
			iend,
		]),
		true,
	],
	[
		'a palette image with tRNS before PLTE',
		Buffer.concat([paletteHead, chunk('tRNS', Buffer.from([0])), plte, paletteIdat, iend]),
		true,
	],
	[
		'a damaged signature (a text-mode transfer)',
		Buffer.concat([Buffer.from([137, 80, 78, 71, 10, 26, 10]), rgbHead.subarray(8), idat, iend]),
		false,
	],
	[
		'a damaged signature (one byte)',
		Buffer.concat([
			Buffer.from([137, 81, 78, 71, 13, 10, 26, 10]),
			rgbHead.subarray(8),
			idat,
			iend,
		]),
		false,
	],
	[
		'IHDR with a bad CRC',
		Buffer.concat([withBadCrc(rgbHead).subarray(0, rgbHead.length), idat, iend]),
		false,
	],
	['IDAT with a bad CRC', Buffer.concat([rgbHead, withBadCrc(idat), iend]), false],
	[
		'PLTE with a bad CRC (critical, even in an RGB image)',
		Buffer.concat([rgbHead, withBadCrc(chunk('PLTE', Buffer.alloc(6, 1))), idat, iend]),
		false,
	],
	['IEND with a bad CRC', Buffer.concat([rgbHead, idat, withBadCrc(iend)]), false],
	['no IEND', Buffer.concat([rgbHead, idat]), false],
	[
		'a chunk type that is not letters',
		Buffer.concat([rgbHead, chunk('a1cd', Buffer.from('x')), idat, iend]),
		false,
	],
	['a second PLTE', Buffer.concat([paletteHead, plte, plte, paletteIdat, iend]), false],
	[
		'a palette with more entries than the bit depth allows (the first ones are used)',
		Buffer.concat([
			paletteHead,
			chunk('PLTE', Buffer.from([200, 30, 30, 30, 200, 30, 30, 30, 200, 9, 9, 9, 1, 2, 3])),
			paletteIdat,
			iend,
		]),
		true,
	],
	[
		'a palette of more than 256 entries',
		Buffer.concat([paletteHead, chunk('PLTE', Buffer.alloc(771, 1)), paletteIdat, iend]),
		false,
	],
	[
		'a bad Adler-32',
		Buffer.concat([
			rgbHead,
			chunk(
				'IDAT',
				Buffer.concat([stream.subarray(0, -1), Buffer.from([stream[stream.length - 1] ^ 1])]),
			),
			iend,
		]),
		false,
	],
	['no Adler-32', Buffer.concat([rgbHead, chunk('IDAT', stream.subarray(0, -4)), iend]), false],
	[
		'a zlib stream without its last block',
		Buffer.concat([
			rgbHead,
			chunk('IDAT', zlib.deflateSync(rgbRows, { finishFlush: zlib.constants.Z_SYNC_FLUSH })),
			iend,
		]),
		false,
	],
	[
		'fewer rows than the header says',
		Buffer.concat([rgbHead, chunk('IDAT', zlib.deflateSync(rgbRows.subarray(0, -121))), iend]),
		false,
	],
	[
		'a chunk between two IDAT chunks the picture needs',
		Buffer.concat([
			rgbHead,
			chunk('IDAT', stream.subarray(0, 100)),
			chunk('tEXt', Buffer.from('a\0b')),
			chunk('IDAT', stream.subarray(100)),
			iend,
		]),
		false,
	],
	[
		'an unknown filter type',
		Buffer.concat([
			rgbHead,
			chunk('IDAT', zlib.deflateSync(Buffer.concat([Buffer.from([7]), rgbRows.subarray(1)]))),
			iend,
		]),
		false,
	],
];

describe('decodePng on damaged files, against libpng', () => {
	it.each(CASES)('%s', async (_damage, png, libpngShows) => {
		const reference = libpng(png);
		expect(reference !== undefined).toBe(libpngShows);
		const decoded = await ours(png);
		if (!reference) {
			expect(decoded).toBeInstanceOf(PhotoError);
			expect((decoded as PhotoError).kind).toBe('corrupt');
			return;
		}
		if (decoded instanceof PhotoError) throw decoded;
		expect([decoded.width, decoded.height, decoded.channels]).toEqual([
			reference.width,
			reference.height,
			reference.channels,
		]);
		// The same pixels; libpng's blend over white may round the other way.
		let largest = 0;
		for (let index = 0; index < decoded.data.length; index++) {
			largest = Math.max(largest, Math.abs(decoded.data[index] - reference.data[index]));
		}
		expect(largest).toBeLessThanOrEqual(1);
	});
});
