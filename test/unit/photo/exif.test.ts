/**
 * Why this file exists: photo/exif.ts is the one reader of the EXIF Orientation tag for JPEG
 * (APP1) and PNG (eXIf). It must read what cameras write in both byte orders, as GraphicsMagick
 * does, and read 1 ("leave the picture as it is") for any structure it cannot follow, without
 * throwing or looping, whatever the bytes.
 */
import fc from 'fast-check';

import { hasExifPrefix, readExifOrientation } from '../../../nodes/KredibelBiometric/photo/exif';
import { exifBody, type ByteOrder } from './exifFixture';

/** The TIFF structure of an APP1 body (what a PNG eXIf chunk holds). */
const tiffOf = (body: Uint8Array): Uint8Array => body.subarray(6);
const TIFF = 0;
const IFD0 = 8;

describe('readExifOrientation (TIFF structure)', () => {
	it.each(['II', 'MM'] as ByteOrder[])(
		'reads every orientation, wherever it sits in IFD0, in %s byte order',
		(byteOrder) => {
			for (let orientation = 1; orientation <= 8; orientation++) {
				for (const orientationIndex of [0, 2, 4]) {
					const body = exifBody({ byteOrder, orientation, orientationIndex });
					expect(readExifOrientation(tiffOf(body))).toBe(orientation);
					// A PNG writer that kept the JPEG prefix reads the same.
					expect(readExifOrientation(body)).toBe(orientation);
				}
			}
		},
	);

	it('reads 1 without the tag, or with a value outside 1-8', () => {
		expect(readExifOrientation(tiffOf(exifBody({ byteOrder: 'II' })))).toBe(1);
		for (const value of [0, 9, 0xffff]) {
			expect(readExifOrientation(tiffOf(exifBody({ byteOrder: 'MM', orientation: value })))).toBe(
				1,
			);
		}
	});

	it('reads 1 for each broken structure, each broken on its own', () => {
		const tiff = Uint8Array.from(
			tiffOf(exifBody({ byteOrder: 'II', orientation: 6, orientationIndex: 3 })),
		);
		const entry = IFD0 + 2 + 3 * 12;
		const variants: [string, (b: Uint8Array) => void][] = [
			['bad byte order', (b) => b.set([0x49, 0x4d], TIFF)],
			['bad magic', (b) => b.set([43, 0], TIFF + 2)],
			['IFD0 inside the header', (b) => b.set([4, 0, 0, 0], TIFF + 4)],
			['IFD0 past the end', (b) => b.set([0xf0, 0xff, 0xff, 0x7f], TIFF + 4)],
			['IFD0 at the last byte', (b) => b.set([b.length - 1, 0, 0, 0], TIFF + 4)],
			['type LONG', (b) => b.set([4, 0], entry + 2)],
			['count 2', (b) => b.set([2, 0, 0, 0], entry + 4)],
		];
		expect(readExifOrientation(tiff)).toBe(6);
		for (const [name, damage] of variants) {
			const damaged = Uint8Array.from(tiff);
			damage(damaged);
			expect([name, readExifOrientation(damaged)]).toEqual([name, 1]);
		}
	});

	it('reads only the entries that fit when the count claims 65535', () => {
		const tiff = Uint8Array.from(
			tiffOf(exifBody({ byteOrder: 'II', orientation: 8, orientationIndex: 1 })),
		);
		tiff.set([0xff, 0xff], IFD0);
		expect(readExifOrientation(tiff)).toBe(8);
		expect(readExifOrientation(tiff.subarray(0, IFD0 + 2 + 12))).toBe(1);
	});

	it('never throws and always answers 1-8, whatever the bytes (property)', () => {
		const tiff = tiffOf(exifBody({ byteOrder: 'MM', orientation: 5, orientationIndex: 2 }));
		const mutated = fc
			.array(fc.tuple(fc.nat(tiff.length - 1), fc.integer({ min: 0, max: 255 })), {
				maxLength: 6,
			})
			.map((edits) => {
				const copy = Uint8Array.from(tiff);
				for (const [at, value] of edits) copy[at] = value;
				return copy;
			});
		fc.assert(
			fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
				const orientation = readExifOrientation(bytes);
				expect(Number.isInteger(orientation)).toBe(true);
				expect(orientation).toBeGreaterThanOrEqual(1);
				expect(orientation).toBeLessThanOrEqual(8);
			}),
			{ seed: 20261207, numRuns: 2000 },
		);
	});

	it('recognises the APP1 prefix only at the given start', () => {
		const body = exifBody({ byteOrder: 'II', orientation: 3 });
		expect(hasExifPrefix(body)).toBe(true);
		expect(hasExifPrefix(body, 1)).toBe(false);
		expect(hasExifPrefix(body, 0, 5)).toBe(false);
	});
});
