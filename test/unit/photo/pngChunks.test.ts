/**
 * PNG chunk handling: structure and CRC checks on hostile files, metadata stripping that leaves
 * the pixels (pngjs decode with CRC checks) and the IDAT bytes untouched, and the EXIF
 * orientation read from eXIf.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
	crc32,
	hasPngMetadata,
	readPngExifOrientation,
	readPngStructure,
	stripPngMetadata,
} from '../../../nodes/KredibelBiometric/photo/pngChunks';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import { chunk, encodePng, ihdr, pngjsOverWhite, randomSamples, SIGNATURE } from './pngFixtures';
import type { RawImage } from './pngFixtures';

const SEED = 20261206;

function errorOf(run: () => unknown): PhotoError {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(PhotoError);
	return caught as PhotoError;
}

/** A TIFF header with IFD0 holding an orientation entry (and one other entry before it). */
function exif(orientation: number, littleEndian: boolean): Buffer {
	const tiff = Buffer.alloc(8 + 2 + 24 + 4);
	const u16 = (value: number, at: number) =>
		littleEndian ? tiff.writeUInt16LE(value, at) : tiff.writeUInt16BE(value, at);
	const u32 = (value: number, at: number) =>
		littleEndian ? tiff.writeUInt32LE(value, at) : tiff.writeUInt32BE(value, at);
	tiff.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
	u16(42, 2);
	u32(8, 4);
	u16(2, 8);
	u16(0x010f, 10); // Make, ASCII, count 4, "Abc\0" inline
	u16(2, 12);
	u32(4, 14);
	tiff.write('Abc\0', 18, 'latin1');
	u16(0x0112, 22);
	u16(3, 24);
	u32(1, 26);
	u16(orientation, 30);
	return tiff;
}

const image: RawImage = {
	width: 23,
	height: 17,
	bitDepth: 8,
	colourType: 3,
	samples: randomSamples(23 * 17, 3, 5),
};
const palette = Uint8Array.from(randomSamples(8 * 3, 8, 6));

function metadataPng(): Buffer {
	const xmp = Buffer.concat([
		Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'),
		Buffer.from('<x:xmpmeta>GPS 6.2,106.8</x:xmpmeta>'),
	]);
	return encodePng(image, {
		palette,
		before: [
			chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
			chunk('tRNS', Buffer.from([0, 128, 255])),
			chunk(
				'iCCP',
				Buffer.concat([Buffer.from('Phone profile\0\0'), zlib.deflateSync(Buffer.alloc(100, 7))]),
			),
			chunk('tEXt', Buffer.from('Author\0Jane Doe', 'latin1')),
			chunk('eXIf', exif(6, false)),
			chunk('pHYs', Buffer.from([0, 0, 11, 19, 0, 0, 11, 19, 1])),
			chunk('iTXt', xmp),
		],
		after: [
			chunk(
				'zTXt',
				Buffer.concat([
					Buffer.from('Comment\0\0', 'latin1'),
					zlib.deflateSync(Buffer.from('secret')),
				]),
			),
			chunk('tIME', Buffer.from([7, 234, 12, 6, 10, 0, 0])),
			chunk('prVt', Buffer.from('private')),
		],
		idatSize: 40,
	});
}

describe('stripPngMetadata', () => {
	it('removes text, XMP, EXIF, time, ICC, pHYs and private chunks; keeps pixels, tRNS, gAMA and the IDAT bytes', () => {
		const original = metadataPng();
		expect(hasPngMetadata(original)).toBe(true);
		const { bytes, removed } = stripPngMetadata(original);
		expect(removed).toEqual(['iCCP', 'tEXt', 'eXIf', 'pHYs', 'iTXt', 'zTXt', 'tIME', 'prVt']);
		const types = readPngStructure(bytes).chunks.map((c) => c.type);
		expect(types).toEqual([
			'IHDR',
			'PLTE',
			'gAMA',
			'tRNS',
			...types.filter((t) => t === 'IDAT'),
			'IEND',
		]);
		expect(types.filter((t) => t === 'IDAT').length).toBeGreaterThan(1);
		const text = Buffer.from(bytes).toString('latin1');
		for (const needle of [
			'tEXt',
			'zTXt',
			'iTXt',
			'eXIf',
			'tIME',
			'iCCP',
			'Jane',
			'xmpmeta',
			'Phone',
			'private',
		]) {
			expect(text).not.toContain(needle);
		}
		const idatBytes = (png: Uint8Array) =>
			Buffer.concat(
				readPngStructure(png)
					.chunks.filter((c) => c.type === 'IDAT')
					.map((c) => png.subarray(c.offset - 8, c.offset + c.length + 4)),
			);
		expect(idatBytes(bytes).equals(idatBytes(original))).toBe(true);
		// pngjs checks every CRC and decodes the same pixels, transparency included.
		expect(pngjsOverWhite(bytes, 3)).toEqual(pngjsOverWhite(original, 3));
		expect(hasPngMetadata(bytes)).toBe(false);
		expect(readPngExifOrientation(bytes)).toBe(1);
		const again = stripPngMetadata(bytes);
		expect(again.bytes).toBe(bytes);
		expect(again.removed).toEqual([]);
	});

	it('drops whatever follows IEND', () => {
		const clean = encodePng({ ...image, colourType: 0 });
		const withTail = Buffer.concat([clean, Buffer.from('appended metadata')]);
		expect(hasPngMetadata(clean)).toBe(false);
		expect(hasPngMetadata(withTail)).toBe(true);
		expect(Buffer.from(stripPngMetadata(withTail).bytes).equals(clean)).toBe(true);
	});
});

describe('readPngStructure', () => {
	const good = encodePng({ ...image, colourType: 0 });
	const idat = chunk('IDAT', zlib.deflateSync(Buffer.alloc(24 * 17)));
	const build = (...chunks: Buffer[]) => Buffer.concat([SIGNATURE, ...chunks]);

	it('lists the chunks with their data offsets and lengths and reads the header', () => {
		const { header, chunks } = readPngStructure(good);
		expect(header).toEqual({ width: 23, height: 17, bitDepth: 8, colourType: 0, interlace: 0 });
		expect(chunks[0]).toEqual({ type: 'IHDR', offset: 16, length: 13 });
		expect(chunks[chunks.length - 1]).toEqual({ type: 'IEND', offset: good.length - 4, length: 0 });
	});

	it('computes CRC-32 as zlib does', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, start) => {
				const from = bytes.length ? start % bytes.length : 0;
				expect(crc32(bytes, from, bytes.length)).toBe(zlib.crc32(bytes.subarray(from)));
			}),
			{ seed: SEED, numRuns: 300 },
		);
	});

	it('refuses a wrong CRC in any chunk', () => {
		const { chunks } = readPngStructure(good);
		for (const { type, offset, length } of chunks) {
			const damaged = Buffer.from(good);
			damaged[offset + length + 3] ^= 1;
			expect(errorOf(() => readPngStructure(damaged)).message).toMatch(new RegExp(`${type}.*CRC`));
			const damagedData = Buffer.from(good);
			damagedData[offset - 1] ^= 0x20; // the type's last letter changes case: the CRC covers it
			expect(errorOf(() => readPngStructure(damagedData)).kind).toBe('corrupt');
		}
	});

	it('refuses broken structure as corrupt', () => {
		const cases: Array<[Buffer, RegExp]> = [
			[Buffer.from('GIF89a........................................'), /signature/],
			[build(idat, ihdr(23, 17, 8, 0), chunk('IEND')), /first chunk is not/],
			[build(ihdr(23, 17, 8, 0), idat), /ends before IEND/],
			[build(ihdr(23, 17, 8, 0), idat, chunk('IEND')).subarray(0, -2), /ends before IEND/],
			[build(ihdr(23, 17, 8, 0), chunk('IEND')), /no IDAT/],
			[
				build(ihdr(23, 17, 8, 0), idat, chunk('tEXt', Buffer.from('a\0b')), idat, chunk('IEND')),
				/not consecutive/,
			],
			[build(ihdr(23, 17, 8, 0), ihdr(23, 17, 8, 0), idat, chunk('IEND')), /second IHDR/],
			[build(ihdr(23, 17, 8, 3), idat, chunk('IEND')), /without PLTE/],
			[
				build(ihdr(23, 17, 8, 0), chunk('PLTE', Buffer.alloc(3)), idat, chunk('IEND')),
				/PLTE in a greyscale/,
			],
			[
				build(ihdr(23, 17, 8, 2), chunk('PLTE', Buffer.alloc(4)), idat, chunk('IEND')),
				/PLTE length/,
			],
			[
				build(ihdr(23, 17, 8, 2), idat, chunk('PLTE', Buffer.alloc(3)), chunk('IEND')),
				/after IDAT/,
			],
			[build(ihdr(0, 17, 8, 0), idat, chunk('IEND')), /size out of range/],
			[build(ihdr(23, 17, 16, 3), idat, chunk('IEND')), /bit depth 16 with colour type 3/],
			[build(ihdr(23, 17, 4, 2), idat, chunk('IEND')), /bit depth 4 with colour type 2/],
			[build(ihdr(23, 17, 8, 5), idat, chunk('IEND')), /colour type 5/],
			[build(ihdr(23, 17, 8, 0, 2), idat, chunk('IEND')), /interlace/],
			[
				build(ihdr(23, 17, 8, 0), chunk('a1cd', Buffer.alloc(2)), idat, chunk('IEND')),
				/four letters/,
			],
		];
		for (const [png, message] of cases) {
			const error = errorOf(() => readPngStructure(png));
			expect(error.kind).toBe('corrupt');
			expect(error.message).toMatch(message);
		}
	});

	it('refuses hostile chunk lengths without reading past the file', () => {
		for (const length of [0xffffffff, 0x80000000, 0x7fffffff, good.length]) {
			const hostile = Buffer.from(good);
			hostile.writeUInt32BE(length, 33); // the chunk after IHDR
			expect(errorOf(() => readPngStructure(hostile)).message).toMatch(/runs past the end/);
		}
	});

	it('refuses an unknown critical chunk as unsupported, skips an unknown ancillary one, ignores bytes after IEND', () => {
		const critical = build(ihdr(23, 17, 8, 0), chunk('ABCD', Buffer.alloc(1)), idat, chunk('IEND'));
		expect(errorOf(() => readPngStructure(critical)).kind).toBe('unsupported');
		const ancillary = build(
			ihdr(23, 17, 8, 0),
			chunk('abCd', Buffer.alloc(1)),
			idat,
			chunk('IEND'),
			Buffer.from('junk'),
		);
		expect(readPngStructure(ancillary).chunks.map((c) => c.type)).toEqual([
			'IHDR',
			'abCd',
			'IDAT',
			'IEND',
		]);
	});

	it('refuses more than MAX_INPUT_PIXELS as too_large from the header alone', () => {
		const huge = build(ihdr(60000, 60000, 8, 2), chunk('IEND'));
		expect(errorOf(() => readPngStructure(huge)).kind).toBe('too_large');
		expect(errorOf(() => stripPngMetadata(build(ihdr(10000, 5001, 1, 0)))).kind).toBe('too_large');
	});
});

describe('readPngExifOrientation', () => {
	it('reads orientation 1-8 from little- and big-endian eXIf, with or without an "Exif\\0\\0" prefix', () => {
		for (const littleEndian of [true, false]) {
			for (let orientation = 1; orientation <= 8; orientation++) {
				for (const prefix of [Buffer.alloc(0), Buffer.from('Exif\0\0', 'latin1')]) {
					const data = Buffer.concat([prefix, exif(orientation, littleEndian)]);
					const png = encodePng({ ...image, colourType: 0 }, { before: [chunk('eXIf', data)] });
					expect(readPngExifOrientation(png)).toBe(orientation);
				}
			}
		}
		expect(readPngExifOrientation(metadataPng())).toBe(6);
	});

	it('answers 1 when eXIf is absent, out of range or malformed, and never throws', () => {
		expect(readPngExifOrientation(encodePng({ ...image, colourType: 0 }))).toBe(1);
		const withExif = (data: Buffer) =>
			encodePng({ ...image, colourType: 0 }, { before: [chunk('eXIf', data)] });
		expect(readPngExifOrientation(withExif(exif(9, true)))).toBe(1);
		expect(readPngExifOrientation(withExif(exif(0, false)))).toBe(1);
		expect(readPngExifOrientation(withExif(exif(6, true).subarray(0, 30)))).toBe(1);
		expect(readPngExifOrientation(withExif(Buffer.from('not a tiff')))).toBe(1);
		expect(readPngExifOrientation(new Uint8Array(0))).toBe(1);
		const base = withExif(exif(3, true));
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
				fc.nat(),
				(flips, cut) => {
					const mutated = Uint8Array.from(base);
					for (const [at, mask] of flips) mutated[at % mutated.length] ^= mask;
					const orientation = readPngExifOrientation(
						mutated.subarray(0, cut % (mutated.length + 1)),
					);
					expect(orientation >= 1 && orientation <= 8).toBe(true);
				},
			),
			{ seed: SEED, numRuns: 500 },
		);
	});
});
