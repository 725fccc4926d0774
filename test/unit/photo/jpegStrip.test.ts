/**
 * Metadata stripping and EXIF orientation at the marker level, against libjpeg-turbo (djpeg must
 * decode the stripped file to the very same pixels, jpegtran -copy none gives the reference size)
 * and GraphicsMagick (its reading of the Orientation tag), plus hostile and fuzzed input. The copy
 * is built from what the decoder read (one walk of the file), so each case decodes first.
 */
import fc from 'fast-check';

import { PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { readJpeg, type JpegReading } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import { readJpegHeader } from '../../../nodes/KredibelBiometric/photo/jpegHeader';
import {
	type StrippedJpeg,
	stripJpegMetadata as stripRead,
} from '../../../nodes/KredibelBiometric/photo/jpegStrip';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';
import {
	beforeScan,
	COMMENT_TEXT,
	exifBody,
	ICC_TEXT,
	IPTC_TEXT,
	segment,
	withSegments,
	XMP_TEXT,
	type ByteOrder,
} from './exifFixture';
import { ensureDebianTool, runTool, writePnm } from '../../helpers/referenceTools';
import { syntheticPhoto } from './syntheticPhoto';

const CJPEG = ensureDebianTool('cjpeg', 'libjpeg-turbo-progs');
const DJPEG = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
const JPEGTRAN = ensureDebianTool('jpegtran', 'libjpeg-turbo-progs');
const GM = ensureDebianTool('gm', 'graphicsmagick');

const pnm = writePnm(syntheticPhoto(96, 80));
const baseline = Uint8Array.from(runTool(CJPEG, ['-quality', '85'], pnm));
const progressive = Uint8Array.from(runTool(CJPEG, ['-quality', '85', '-progressive'], pnm));
const restarts = Uint8Array.from(runTool(CJPEG, ['-quality', '85', '-restart', '1'], pnm));

/** Decodes (at 1/8: the copy does not depend on the scale) and strips. */
async function read(bytes: Uint8Array): Promise<JpegReading> {
	return readJpeg(bytes, { scale: 8 });
}
async function stripJpegMetadata(bytes: Uint8Array): Promise<StrippedJpeg> {
	return stripRead(bytes, await read(bytes));
}
async function hasJpegMetadata(bytes: Uint8Array): Promise<boolean> {
	return (await stripJpegMetadata(bytes)).removed.length > 0;
}
/** The JPEG's EXIF orientation as the header reader sees it. */
function readExifOrientation(bytes: Uint8Array): number {
	return readJpegHeader(bytes, new PhotoBudget()).orientation;
}

const contains = (bytes: Uint8Array, text: string): boolean =>
	Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));

function phoneLike(jpeg: Uint8Array, byteOrder: ByteOrder): Uint8Array {
	return beforeScan(
		withSegments(
			jpeg,
			segment(0xe1, exifBody({ byteOrder, orientation: 6 })),
			segment(0xe1, XMP_TEXT),
			segment(0xe2, ICC_TEXT),
			segment(0xed, IPTC_TEXT),
			segment(0xee, 'Adobe\0\x64\0\0\0\0\x01'),
		),
		segment(0xfe, COMMENT_TEXT),
		segment(0xeb, 'JP\0\0vendor data'),
	);
}

describe('stripJpegMetadata', () => {
	it.each([
		['baseline', 'II', baseline],
		['baseline', 'MM', baseline],
		['progressive', 'II', progressive],
		['restart-interval', 'MM', restarts],
	] as const)(
		'removes EXIF (%s, %s), XMP, ICC, IPTC, comments; djpeg decodes identical pixels',
		async (_kind, byteOrder, jpeg) => {
			const tagged = phoneLike(jpeg, byteOrder);
			expect(contains(tagged, 'PhoneMakerCorp')).toBe(true);
			const { bytes, removed } = await stripJpegMetadata(tagged);
			expect(removed).toEqual(['EXIF', 'XMP', 'ICC', 'IPTC', 'comment', 'APP11']);
			for (const text of ['Exif', 'PhoneMakerCorp', 'SecretModel', '2026:12:06', 'ns.adobe.com']) {
				expect(contains(bytes, text)).toBe(false);
			}
			for (const text of ['ICC_PROFILE', 'Photoshop', 'Jakarta', 'Sudirman', 'vendor data']) {
				expect(contains(bytes, text)).toBe(false);
			}
			// Kept: JFIF and the Adobe colour-transform segment.
			expect(contains(bytes, 'JFIF\0')).toBe(true);
			expect(contains(bytes, 'Adobe')).toBe(true);
			expect(runTool(DJPEG, [], bytes)).toEqual(runTool(DJPEG, [], jpeg));
			expect(await hasJpegMetadata(tagged)).toBe(true);
			expect(await hasJpegMetadata(bytes)).toBe(false);
			expect(await stripJpegMetadata(bytes)).toEqual({ bytes, removed: [] });
		},
	);

	it('copies a file without metadata byte for byte', async () => {
		for (const jpeg of [baseline, progressive, restarts]) {
			expect((await stripJpegMetadata(jpeg)).bytes).toEqual(jpeg);
		}
	});

	it('is about the size jpegtran -copy none makes of the same file', async () => {
		const tagged = phoneLike(baseline, 'II');
		const ours = (await stripJpegMetadata(tagged)).bytes.length;
		const reference = runTool(JPEGTRAN, ['-copy', 'none'], tagged).length;
		// jpegtran rewrites the headers (no Adobe segment, its own table layout): a few bytes apart.
		expect(Math.abs(ours - reference)).toBeLessThan(64);
		expect(ours).toBeLessThan(tagged.length - 300);
	});

	it('drops metadata between progressive scans and data after EOI, keeping every scan', async () => {
		const scans = Buffer.from(progressive);
		const secondSos = scans.indexOf(
			Buffer.from([0xff, 0xda]),
			scans.indexOf(Buffer.from([0xff, 0xda])) + 2,
		);
		const tampered = Uint8Array.from(
			Buffer.concat([
				scans.subarray(0, secondSos),
				segment(0xfe, COMMENT_TEXT),
				scans.subarray(secondSos),
				Buffer.from('MotionPhoto_Data ftypmp42 video of the applicant'),
			]),
		);
		const { bytes, removed } = await stripJpegMetadata(tampered);
		expect(removed).toEqual(['comment', 'data after EOI']);
		expect(bytes).toEqual(progressive);
	});

	it('keeps a JFIF APP0 but not its embedded thumbnail', async () => {
		const jfifEnd = 2 + 18;
		const thumbnail = Buffer.alloc(2 * 2 * 3, 0x7b);
		const app0 = Buffer.from(baseline.subarray(2, jfifEnd));
		app0[3] = 16 + thumbnail.length;
		app0[16] = 2;
		app0[17] = 2;
		const withThumbnail = Uint8Array.from(
			Buffer.concat([baseline.subarray(0, 2), app0, thumbnail, baseline.subarray(jfifEnd)]),
		);
		expect(runTool(DJPEG, [], withThumbnail)).toEqual(runTool(DJPEG, [], baseline));
		const { bytes, removed } = await stripJpegMetadata(withThumbnail);
		expect(removed).toEqual(['JFIF thumbnail']);
		expect(bytes).toEqual(baseline);
	});

	it.each([
		['empty', []],
		['no SOI', [0xff, 0xd9, 0, 0]],
		['length running past the end', [0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 1, 2, 3]],
		['length below 2', [0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01, 0xff, 0xda, 0, 2]],
		['no SOS', [0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0x41, 0x42]],
		['EOI before SOS', [0xff, 0xd8, 0xff, 0xd9]],
		['garbage instead of a marker', [0xff, 0xd8, 0x12, 0x34, 0x56, 0x78]],
		['a marker cut in half', [0xff, 0xd8, 0xff]],
		['a length cut in half', [0xff, 0xd8, 0xff, 0xdb, 0x00]],
		['a stuffed zero as marker', [0xff, 0xd8, 0xff, 0x00, 0x00, 0x04]],
		['random bytes', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
	])('refuses a file with %s as corrupt', async (_name, bytes) => {
		const input = Uint8Array.from(bytes);
		await expect(read(input)).rejects.toMatchObject({ kind: 'corrupt' });
		expect(() => readJpegHeader(input, new PhotoBudget())).toThrow(
			expect.objectContaining({ kind: 'corrupt' }),
		);
	});

	it('reads a segment between scans whose length runs past the end as damage, not as a copy', async () => {
		const cut = Uint8Array.from([
			...baseline.subarray(0, baseline.length - 2),
			0xff,
			0xfe,
			0x7f,
			0xff,
			0x41,
		]);
		const reading = await read(cut);
		expect(reading.damage.problems).toContain('a segment cut off by the end of the file');
		expect(reading.damage.lostFraction).toBe(0);
	});

	it('lists the header segments of a cjpeg file in order', () => {
		const { segments } = readJpegHeader(baseline, new PhotoBudget());
		expect(segments.map((s) => s.marker)).toEqual([
			0xe0, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda,
		]);
		const sos = segments[segments.length - 1];
		expect(baseline[sos.offset]).toBe(0xff);
		expect(sos.end - sos.start).toBe(10); // three components: 1 + 3 x 2 + 3
	});

	it('ends every mutated or random input in a clean copy, damage or a PhotoError (property)', async () => {
		const tagged = phoneLike(progressive, 'MM');
		const mutated = fc
			.tuple(
				fc.array(fc.tuple(fc.nat(tagged.length - 1), fc.integer({ min: 0, max: 255 })), {
					maxLength: 4,
				}),
				fc.option(fc.nat(tagged.length)),
			)
			.map(([edits, cut]) => {
				const copy = Uint8Array.from(tagged.subarray(0, Math.max(cut ?? tagged.length, 2)));
				for (const [at, value] of edits) if (at < copy.length) copy[at] = value;
				return copy;
			});
		const random = fc
			.uint8Array({ maxLength: 300 })
			.map((tail) => Uint8Array.from([0xff, 0xd8, ...tail]));
		let copies = 0;
		await fc.assert(
			fc.asyncProperty(fc.oneof(mutated, random), async (input) => {
				let reading: JpegReading;
				try {
					const orientation = readExifOrientation(input);
					expect(orientation).toBeGreaterThanOrEqual(1);
					expect(orientation).toBeLessThanOrEqual(8);
					reading = await read(input);
				} catch (error) {
					expect(error).toBeInstanceOf(PhotoError);
					expect(['corrupt', 'unsupported']).toContain((error as PhotoError).kind);
					return;
				}
				if (reading.damage.problems.length > 0) return; // re-encoded, never copied
				copies++;
				const { bytes } = stripRead(input, reading);
				expect(bytes.length).toBeLessThanOrEqual(input.length + 4);
				expect(await hasJpegMetadata(bytes)).toBe(false);
			}),
			{ seed: 20261206, numRuns: 1500 },
		);
		expect(copies).toBeGreaterThan(20);
	});
});

describe('readExifOrientation', () => {
	const gmOrientation = (jpeg: Uint8Array): string =>
		runTool(GM, ['identify', '-format', '%[EXIF:Orientation]', '-'], jpeg).toString().trim();

	it.each(['II', 'MM'] as const)(
		'reads every orientation in %s byte order as GraphicsMagick does',
		(byteOrder) => {
			for (let orientation = 1; orientation <= 8; orientation++) {
				for (const orientationIndex of [0, 2, 4]) {
					const jpeg = withSegments(
						baseline,
						segment(0xe1, exifBody({ byteOrder, orientation, orientationIndex })),
					);
					expect(readExifOrientation(jpeg)).toBe(orientation);
					if (orientationIndex === 2) expect(gmOrientation(jpeg)).toBe(String(orientation));
				}
			}
		},
	);

	it('finds EXIF after the JFIF APP0 and other segments', () => {
		const jpeg = beforeScan(baseline, segment(0xe1, exifBody({ byteOrder: 'MM', orientation: 8 })));
		expect(readExifOrientation(jpeg)).toBe(8);
	});

	it('returns 1 without an EXIF block, tag or valid value', () => {
		expect(readExifOrientation(baseline)).toBe(1);
		expect(
			readExifOrientation(withSegments(baseline, segment(0xe1, exifBody({ byteOrder: 'II' })))),
		).toBe(1);
		for (const value of [0, 9, 0xffff]) {
			const jpeg = withSegments(
				baseline,
				segment(0xe1, exifBody({ byteOrder: 'II', orientation: value })),
			);
			expect(readExifOrientation(jpeg)).toBe(1);
		}
		// An XMP APP1 is not EXIF.
		expect(readExifOrientation(withSegments(baseline, segment(0xe1, XMP_TEXT)))).toBe(1);
	});

	it('returns 1 for broken TIFF structures, without throwing', () => {
		const body = exifBody({ byteOrder: 'II', orientation: 6, orientationIndex: 3 });
		const tiff = 6;
		const variants: [string, (b: Uint8Array) => void][] = [
			['bad byte order', (b) => b.set([0x49, 0x4d], tiff)],
			['bad magic', (b) => b.set([43, 0], tiff + 2)],
			['IFD0 past the end', (b) => b.set([0xf0, 0xff, 0xff, 0x7f], tiff + 4)],
			['IFD0 pointing at the last byte', (b) => b.set([body.length - tiff - 1, 0, 0, 0], tiff + 4)],
			['orientation of type LONG', (b) => b.set([4, 0], tiff + 8 + 2 + 3 * 12 + 2)],
			['orientation with count 2', (b) => b.set([2, 0, 0, 0], tiff + 8 + 2 + 3 * 12 + 4)],
		];
		for (const [name, damage] of variants) {
			const damaged = Uint8Array.from(body);
			damage(damaged);
			expect([name, readExifOrientation(withSegments(baseline, segment(0xe1, damaged)))]).toEqual([
				name,
				1,
			]);
		}
		// An entry count past the end of the segment: the entries that are there are read, no more.
		const noOrientation = exifBody({ byteOrder: 'II' });
		noOrientation.set([0xff, 0xff], tiff + 8);
		expect(readExifOrientation(withSegments(baseline, segment(0xe1, noOrientation)))).toBe(1);
		// The undamaged body reads 6, so each variant above fails for its own reason.
		expect(readExifOrientation(withSegments(baseline, segment(0xe1, body)))).toBe(6);
	});

	it('does not follow IFD chains, so a pointer loop after IFD0 cannot hang it', () => {
		const body = exifBody({ byteOrder: 'MM', orientation: 3, orientationIndex: 5 });
		const tiff = 6;
		const entries = (body[tiff + 8] << 8) | body[tiff + 9];
		// IFD0's next-IFD pointer points back at IFD0.
		body.set([0, 0, 0, 8], tiff + 8 + 2 + entries * 12);
		expect(readExifOrientation(withSegments(baseline, segment(0xe1, body)))).toBe(3);
		// An APP1 cut inside IFD0 reads as "no orientation".
		const cut = body.subarray(0, tiff + 8 + 2 + 2 * 12);
		expect(readExifOrientation(withSegments(baseline, segment(0xe1, cut)))).toBe(1);
	});

	it('refuses input that is not a JPEG or breaks before the EXIF block (one policy: corrupt)', () => {
		for (const bytes of [
			new Uint8Array(0),
			Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]),
			Uint8Array.from([0xff, 0xd8, 0x00, 0x00, 0x00]),
		]) {
			expect(() => readExifOrientation(bytes)).toThrow(
				expect.objectContaining({ kind: 'corrupt' }),
			);
		}
	});
});
