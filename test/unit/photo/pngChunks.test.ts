/**
 * PNG chunk handling: the structure, order and CRC rules on hostile and damaged files (critical
 * chunks are damage, ancillary ones ignored, as libpng does), and the clean copy that keeps only
 * IHDR, PLTE, tRNS, the zlib stream and IEND, leaves the pixels (pngjs decode with CRC checks)
 * and the compressed bytes untouched, and lists exactly what it removed.
 */

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
	cleanPngCopy,
	crc32,
	imageDataSource,
	type PngLayout,
	readPngHeader,
	readPngLayout,
} from '../../../nodes/KredibelBiometric/photo/pngChunks';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import { WORK_PER_CHECKPOINT, WorkMeter } from '../../../nodes/KredibelBiometric/photo/workMeter';
import { exifBody } from './exifFixture';
import { chunk, encodePng, ihdr, pngjsOverWhite, randomSamples, SIGNATURE } from './pngFixtures';
import type { EncodeOptions, RawImage } from './pngFixtures';

const SEED = 20261206;

async function errorOf(run: () => unknown): Promise<PhotoError> {
	let caught: unknown;
	try {
		await run();
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(PhotoError);
	return caught as PhotoError;
}

/** The chunk types of a PNG in file order (a plain walk, for checking what a copy holds). */
function chunkTypes(png: Uint8Array): string[] {
	const types: string[] = [];
	for (let at = 8; at + 12 <= png.length; ) {
		const length = Buffer.from(png.buffer, png.byteOffset + at, 4).readUInt32BE(0);
		types.push(Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1'));
		at += 12 + length;
	}
	return types;
}

/** The IDAT chunks' data together: the zlib stream and whatever follows it inside them. */
function idatData(png: Uint8Array): Buffer {
	const parts: Uint8Array[] = [];
	for (let at = 8; at + 12 <= png.length; ) {
		const length = Buffer.from(png.buffer, png.byteOffset + at, 4).readUInt32BE(0);
		if (Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1') === 'IDAT') {
			parts.push(png.subarray(at + 8, at + 8 + length));
		}
		at += 12 + length;
	}
	return Buffer.concat(parts);
}

/** The clean copy of a PNG whose zlib stream is `streamLength` bytes (all of its IDAT data by default). */
async function cleanCopy(png: Uint8Array, streamLength?: number) {
	const layout = await readPngLayout(png);
	return await cleanPngCopy(png, layout, streamLength ?? layout.imageData.length);
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
			chunk('eXIf', Buffer.from(exifBody({ byteOrder: 'MM', orientation: 6 }).subarray(6))),
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

describe('cleanPngCopy', () => {
	it('removes text, XMP, EXIF, time, ICC, gAMA, pHYs and private chunks; keeps pixels, PLTE, tRNS and the IDAT bytes', async () => {
		const original = metadataPng();
		const { bytes, removed } = await cleanCopy(original);
		expect(removed).toEqual([
			'gAMA',
			'iCCP',
			'tEXt',
			'eXIf',
			'pHYs',
			'iTXt',
			'zTXt',
			'tIME',
			'prVt',
		]);
		const types = chunkTypes(bytes);
		expect(types).toEqual(['IHDR', 'PLTE', 'tRNS', ...types.filter((t) => t === 'IDAT'), 'IEND']);
		expect(types.filter((t) => t === 'IDAT').length).toBeGreaterThan(1);
		const text = Buffer.from(bytes).toString('latin1');
		for (const needle of [
			'tEXt',
			'zTXt',
			'iTXt',
			'eXIf',
			'tIME',
			'iCCP',
			'gAMA',
			'Jane',
			'xmpmeta',
			'Phone',
			'private',
		]) {
			expect(text).not.toContain(needle);
		}
		// The IDAT chunks are copied whole, lengths and CRCs included.
		const idatChunks = (png: Uint8Array) => {
			const start = Buffer.from(png).indexOf('IDAT') - 4;
			return Buffer.from(png.subarray(start, Buffer.from(png).lastIndexOf('IEND') - 4));
		};
		expect(
			idatChunks(bytes).equals(idatChunks(original).subarray(0, idatChunks(bytes).length)),
		).toBe(true);
		expect(idatData(bytes).equals(idatData(original))).toBe(true);
		// pngjs checks every CRC and decodes the same pixels, transparency included.
		expect(pngjsOverWhite(bytes, 3)).toEqual(pngjsOverWhite(original, 3));
		const again = await cleanCopy(bytes);
		expect(again.bytes).toBe(bytes);
		expect(again.removed).toEqual([]);
	});

	it('leaves out whatever follows IEND, and says so', async () => {
		const clean = encodePng({ ...image, colourType: 0 });
		const withTail = Buffer.concat([clean, Buffer.from('1234567890123456')]);
		expect((await cleanCopy(clean)).bytes).toBe(clean);
		const copy = await cleanCopy(withTail);
		expect(copy.removed).toEqual(['data after IEND']);
		expect(Buffer.from(copy.bytes).equals(clean)).toBe(true);
	});

	it('keeps only the zlib stream when bytes follow it inside IDAT: the same compressed bytes in new IDAT chunks', async () => {
		// 17 rows of filter type 0 and 23 samples of 9.
		const rows = Buffer.alloc(24 * 17, 9);
		for (let row = 0; row < 17; row++) rows[row * 24] = 0;
		const stream = zlib.deflateSync(rows);
		for (const idatSize of [5, 1000]) {
			const pieces: Buffer[] = [];
			const data = Buffer.concat([stream, Buffer.from('1234567890123456')]);
			for (let at = 0; at < data.length; at += idatSize)
				pieces.push(chunk('IDAT', data.subarray(at, at + idatSize)));
			const png = Buffer.concat([
				SIGNATURE,
				ihdr(23, 17, 8, 0),
				chunk('tEXt', Buffer.from('a\0b')),
				...pieces,
				chunk('IEND'),
			]);
			const copy = await cleanCopy(png, stream.length);
			expect(copy.removed).toEqual(['tEXt', 'data after the image data']);
			expect(idatData(copy.bytes).equals(stream)).toBe(true);
			expect(chunkTypes(copy.bytes)).toEqual(['IHDR', 'IDAT', 'IEND']);
			expect(Buffer.from(copy.bytes).includes(Buffer.from('1234567890123456'))).toBe(false);
			expect(pngjsOverWhite(copy.bytes, 1).data).toEqual(new Uint8Array(23 * 17).fill(9));
		}
	});

	it('re-chunks a stream spread over 300,000 IDAT chunks with a checkpoint as the work adds up', async () => {
		const stream = zlib.deflateSync(Buffer.alloc(24 * 17));
		const png = Buffer.concat([
			SIGNATURE,
			ihdr(23, 17, 8, 0),
			Buffer.alloc(12 * 300_000).fill(chunk('IDAT')),
			chunk('IDAT', Buffer.concat([stream, Buffer.from('1234567890123456')])),
			chunk('IEND'),
		]);
		const layout = await readPngLayout(png);
		const meter = new WorkMeter();
		let checkpoints = 0;
		const copy = await cleanPngCopy(png, layout, stream.length, {
			meter,
			checkpoint: () => void checkpoints++,
		});
		expect(copy.removed).toEqual(['data after the image data']);
		expect(chunkTypes(copy.bytes)).toEqual(['IHDR', 'IDAT', 'IEND']);
		expect(idatData(copy.bytes).equals(stream)).toBe(true);
		expect(meter.longestStretch).toBeLessThanOrEqual(2 * WORK_PER_CHECKPOINT);
		expect(checkpoints).toBeGreaterThanOrEqual(Math.floor(meter.work / (2 * WORK_PER_CHECKPOINT)));
	});

	it('leaves out oversized gAMA and bKGD chunks, a truecolour suggested palette, and IDAT chunks after the first run', async () => {
		const carrier = Buffer.alloc(100_000).fill('1234567890123456');
		const rgb = { ...image, colourType: 2, samples: randomSamples(23 * 17 * 3, 8, 3) };
		const png = encodePng(rgb, {
			before: [chunk('gAMA', carrier), chunk('bKGD', carrier), chunk('PLTE', Buffer.alloc(30, 7))],
			after: [chunk('tEXt', Buffer.from('a\0b')), chunk('IDAT', carrier)],
		});
		const copy = await cleanCopy(png);
		expect(copy.removed).toEqual(['gAMA', 'bKGD', 'PLTE', 'tEXt', 'extra IDAT']);
		expect(chunkTypes(copy.bytes)).toEqual(['IHDR', 'IDAT', 'IEND']);
		expect(Buffer.from(copy.bytes).includes(Buffer.from('1234567890123456'))).toBe(false);
		expect(pngjsOverWhite(copy.bytes, 3)).toEqual(pngjsOverWhite(encodePng(rgb), 3));
	});

	it('keeps a tRNS libpng would apply and leaves out one it ignores (wrong size, before PLTE, after IDAT, a second one)', async () => {
		const grey = { ...image, colourType: 0 };
		const cases: Array<[EncodeOptions, string[], boolean]> = [
			[{ before: [chunk('tRNS', Buffer.from([0, 3]))] }, [], true],
			[{ before: [chunk('tRNS', Buffer.from('1234567890123456'))] }, ['tRNS'], false],
			[{ after: [chunk('tRNS', Buffer.from([0, 3]))] }, ['tRNS'], false],
			[
				{ before: [chunk('tRNS', Buffer.from([0, 3])), chunk('tRNS', Buffer.from([0, 4]))] },
				['tRNS'],
				true,
			],
		];
		for (const [options, removed, kept] of cases) {
			const copy = await cleanCopy(encodePng(grey, options));
			expect(copy.removed).toEqual(removed);
			expect(chunkTypes(copy.bytes).includes('tRNS')).toBe(kept);
		}
		const palettePng = (before: Buffer[]) =>
			Buffer.concat([
				SIGNATURE,
				ihdr(23, 17, 8, 3),
				...before,
				chunk('IDAT', zlib.deflateSync(Buffer.alloc(24 * 17))),
				chunk('IEND'),
			]);
		const plte = chunk('PLTE', palette);
		expect(
			(await cleanCopy(palettePng([plte, chunk('tRNS', Buffer.alloc(8, 1))]))).removed,
		).toEqual([]);
		expect(
			(await cleanCopy(palettePng([plte, chunk('tRNS', Buffer.alloc(9, 1))]))).removed,
		).toEqual(['tRNS']);
		expect(
			(await cleanCopy(palettePng([chunk('tRNS', Buffer.alloc(2, 1)), plte]))).removed,
		).toEqual(['tRNS']);
	});

	it('keeps the palette entries the bit depth can use, and data inside IEND out', async () => {
		const nik = Buffer.from('1234567890123456');
		const png = Buffer.concat([
			SIGNATURE,
			ihdr(23, 17, 2, 3),
			chunk('PLTE', Buffer.concat([palette.subarray(0, 12), nik.subarray(0, 15)])),
			chunk('IDAT', zlib.deflateSync(Buffer.alloc(7 * 17))),
			chunk('IEND', nik),
		]);
		const copy = await cleanCopy(png);
		expect(copy.removed).toEqual(['unused PLTE entries', 'IEND data']);
		expect(chunkTypes(copy.bytes)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
		expect(Buffer.from(copy.bytes).includes(nik.subarray(0, 6))).toBe(false);
		const expected = Buffer.concat([
			SIGNATURE,
			ihdr(23, 17, 2, 3),
			chunk('PLTE', palette.subarray(0, 12)),
			chunk('IDAT', zlib.deflateSync(Buffer.alloc(7 * 17))),
			chunk('IEND'),
		]);
		expect(Buffer.from(copy.bytes).equals(expected)).toBe(true);
	});

	it('names at most 24 removed kinds, then "other chunks"', async () => {
		const names = Array.from(
			{ length: 100 },
			(_, index) =>
				`pr${String.fromCharCode(65 + (index % 26))}${String.fromCharCode(97 + Math.floor(index / 26))}`,
		);
		const png = encodePng(
			{ ...image, colourType: 0 },
			{ before: names.map((name) => chunk(name, Buffer.from('x'))) },
		);
		const { removed } = await cleanCopy(png);
		expect(removed).toEqual([...names.slice(0, 24), 'other chunks']);
	});
});

describe('readPngLayout', () => {
	const good = encodePng({ ...image, colourType: 0 });
	const idat = chunk('IDAT', zlib.deflateSync(Buffer.alloc(24 * 17)));
	const build = (...chunks: Buffer[]) => Buffer.concat([SIGNATURE, ...chunks]);

	it('reads the header and where the picture data lies', async () => {
		const layout: PngLayout = await readPngLayout(good);
		expect(layout.header).toEqual({
			width: 23,
			height: 17,
			bitDepth: 8,
			colourType: 0,
			interlace: 0,
		});
		expect(layout.imageData.start).toBe(33);
		expect(layout.imageData.end).toBe(good.length - 12);
		expect(layout.imageData.length).toBe(good.length - 12 - 33 - 12);
		expect(layout.removed).toEqual([]);
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

	it('refuses a wrong CRC in a critical chunk, and ignores an ancillary chunk with one, as libpng does', async () => {
		const png = encodePng(
			{ ...image, colourType: 0 },
			{
				before: [
					chunk('tEXt', Buffer.from('a\0b')),
					chunk('eXIf', Buffer.from(exifBody({ byteOrder: 'II', orientation: 6 }).subarray(6))),
				],
			},
		);
		const layout = await readPngLayout(png);
		const offsets = [
			...Buffer.from(png)
				.toString('latin1')
				.matchAll(/IHDR|tEXt|eXIf|IDAT|IEND/g),
		].map((match) => [match[0], match.index ?? 0] as const);
		for (const [type, at] of offsets) {
			const damaged = Buffer.from(png);
			const length = damaged.readUInt32BE(at - 4);
			damaged[at + 4 + length + 3] ^= 1;
			if (type === 'tEXt' || type === 'eXIf') {
				const ignored = await readPngLayout(damaged);
				expect(ignored.removed).toEqual(layout.removed);
				expect(ignored.exif === undefined).toBe(type === 'eXIf');
			} else {
				expect((await errorOf(() => readPngLayout(damaged))).message).toMatch(
					new RegExp(`${type}.*CRC`),
				);
			}
		}
	});

	it('refuses broken structure as corrupt', async () => {
		const cases: Array<[Buffer, RegExp]> = [
			[Buffer.from('GIF89a........................................'), /no PNG signature/],
			[
				Buffer.concat([Buffer.from([137, 80, 78, 71, 10, 26, 10]), good.subarray(8)]),
				/signature is damaged/,
			],
			[build(idat, ihdr(23, 17, 8, 0), chunk('IEND')), /first chunk is not/],
			[build(ihdr(23, 17, 8, 0), idat), /ends before IEND/],
			[build(ihdr(23, 17, 8, 0), idat, chunk('IEND')).subarray(0, -2), /ends before IEND/],
			[build(ihdr(23, 17, 8, 0), chunk('IEND')), /no IDAT/],
			[build(ihdr(23, 17, 8, 0), ihdr(23, 17, 8, 0), idat, chunk('IEND')), /second IHDR/],
			[build(ihdr(23, 17, 8, 3), idat, chunk('IEND')), /without PLTE/],
			[
				build(ihdr(23, 17, 8, 3), chunk('PLTE', Buffer.alloc(4)), idat, chunk('IEND')),
				/PLTE length/,
			],
			[
				build(ihdr(23, 17, 2, 3), chunk('PLTE', Buffer.alloc(771)), idat, chunk('IEND')),
				/PLTE length/,
			],
			[
				build(
					ihdr(23, 17, 8, 3),
					chunk('PLTE', Buffer.alloc(3)),
					chunk('PLTE', Buffer.alloc(3)),
					idat,
					chunk('IEND'),
				),
				/PLTE repeated/,
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
			const error = await errorOf(() => readPngLayout(png));
			expect([message, error.kind]).toEqual([message, 'corrupt']);
			expect(error.message).toMatch(message);
		}
	});

	it('refuses hostile chunk lengths without reading past the file', async () => {
		for (const length of [0xffffffff, 0x80000000, 0x7fffffff, good.length]) {
			const hostile = Buffer.from(good);
			hostile.writeUInt32BE(length, 33); // the chunk after IHDR
			expect((await errorOf(() => readPngLayout(hostile))).message).toMatch(/runs past the end/);
		}
	});

	it('refuses an unknown critical chunk as unsupported, skips and lists an unknown ancillary one', async () => {
		const critical = build(ihdr(23, 17, 8, 0), chunk('ABCD', Buffer.alloc(1)), idat, chunk('IEND'));
		expect((await errorOf(() => readPngLayout(critical))).kind).toBe('unsupported');
		const ancillary = build(
			ihdr(23, 17, 8, 0),
			chunk('abCd', Buffer.alloc(1)),
			idat,
			chunk('IEND'),
			Buffer.from('junk'),
		);
		expect((await readPngLayout(ancillary)).removed).toEqual(['abCd', 'data after IEND']);
	});

	it('refuses more than MAX_INPUT_PIXELS as too_large from the header alone', async () => {
		const huge = build(ihdr(60000, 60000, 8, 2), chunk('IEND'));
		expect((await errorOf(() => readPngHeader(huge))).kind).toBe('too_large');
		expect((await errorOf(() => readPngLayout(build(ihdr(10000, 5001, 1, 0))))).kind).toBe(
			'too_large',
		);
	});

	it('walks 300,000 chunks with a checkpoint every WORK_PER_CHECKPOINT units of work', async () => {
		const many = Buffer.concat([
			good.subarray(0, 33),
			Buffer.alloc(12 * 300_000).fill(chunk('prVt')),
			good.subarray(33),
		]);
		const meter = new WorkMeter();
		let checkpoints = 0;
		const layout = await readPngLayout(many, { meter, checkpoint: () => void checkpoints++ });
		expect(layout.removed).toEqual(['prVt']);
		expect(meter.work).toBeGreaterThanOrEqual(300_000 * 32);
		expect(meter.longestStretch).toBeLessThanOrEqual(WORK_PER_CHECKPOINT + 1000);
		expect(checkpoints).toBeGreaterThanOrEqual(
			Math.floor(meter.work / (WORK_PER_CHECKPOINT + 1000)),
		);
	});
});

describe('imageDataSource', () => {
	it('reads the stream out of thousands of IDAT chunks, a bounded number of chunks per read', async () => {
		const stream = zlib.deflateSync(Buffer.from(randomSamples(24 * 17, 8, 9)));
		const pieces = [chunk('IDAT')];
		for (const byte of stream)
			pieces.push(chunk('IDAT', Uint8Array.of(byte)), chunk('IDAT'), chunk('IDAT'));
		const png = Buffer.concat([SIGNATURE, ihdr(23, 17, 8, 0), ...pieces, chunk('IEND')]);
		const layout = await readPngLayout(png);
		expect(layout.imageData.length).toBe(stream.length);
		const source = imageDataSource(png, layout.imageData);
		const read = new Uint8Array(stream.length + 10);
		let length = 0;
		let reads = 0;
		while (!source.done) {
			length += source.read(read, length, read.length - length);
			reads++;
		}
		expect(Buffer.from(read.subarray(0, length)).equals(stream)).toBe(true);
		// 4096 chunks at most per read: the 3 * stream.length chunks take that many reads.
		expect(reads).toBeGreaterThanOrEqual(Math.floor((3 * stream.length) / 4096));
	});
});
