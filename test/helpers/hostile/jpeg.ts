/**
 * Hostile JPEG inputs: generators of the shapes an attacker would post (see hostileInput.ts), one
 * per attack of issue 24 (scan floods, pixel bombs, marker floods, metadata carriers, damage,
 * rare kinds) plus the real 48-megapixel progressive camera photo the budget must still serve.
 * Built byte by byte (jpegBytes.ts) or from cjpeg output of the synthetic test photo.
 */
import { cjpeg } from '../../unit/photo/photoFixtures';
import { cachedOnDisk, markedPhoto, phoneJpeg } from '../../unit/photo/phonePhoto';
import type { HostileInput } from './hostileInput';
import {
	BitWriter,
	componentBlocks,
	concat,
	endOfBandRuns,
	EOI,
	exifOrientation,
	flatDcData,
	flatQuantTable,
	frameHeader,
	GREY,
	hostileTables,
	mcuCount,
	scanHeader,
	segment,
	SOI,
	YCBCR_420,
} from './jpegBytes';

/** A NIK planted in metadata carriers: it must never reach Kredibel. */
export const PLANTED_NIK = '3171234567890123';

const SOF0 = 0xc0;
const SOF2 = 0xc2;

/**
 * A grey progressive frame with a DC scan and one AC first scan (1-63, Al 0), followed by `repeats`
 * AC refinement scans that claim to refine bit 0 again (Ah 1, Al 0): each walks every block.
 */
function repeatedRefinements(side: number, repeats: number): Uint8Array {
	const blocks = componentBlocks(side, side, GREY[0], GREY);
	const acRuns = endOfBandRuns(blocks).finish();
	const refinement = concat([scanHeader([1], 1, 63, 1, 0), acRuns]);
	return concat([
		SOI,
		flatQuantTable(),
		frameHeader(SOF2, side, side, GREY),
		hostileTables(),
		scanHeader([1], 0, 0, 0, 0),
		flatDcData(blocks),
		scanHeader([1], 1, 63, 0, 0),
		acRuns,
		...new Array<Uint8Array>(repeats).fill(refinement),
		EOI,
	]);
}

/**
 * A consistent progression, coefficient by coefficient: the DC scan, then for each AC
 * coefficient a first scan at Al 13 and thirteen refinements down to Al 0 (883 scans).
 */
function consistentScanFlood(side: number): Uint8Array {
	const blocks = componentBlocks(side, side, GREY[0], GREY);
	const runs = endOfBandRuns(blocks).finish();
	const scans: Uint8Array[] = [scanHeader([1], 0, 0, 0, 0), flatDcData(blocks)];
	for (let k = 1; k <= 63; k++) {
		scans.push(scanHeader([1], k, k, 0, 13), runs);
		for (let al = 12; al >= 0; al--) scans.push(scanHeader([1], k, k, al + 1, al), runs);
	}
	return concat([
		SOI,
		flatQuantTable(),
		frameHeader(SOF2, side, side, GREY),
		hostileTables(),
		...scans,
		EOI,
	]);
}

/** Sequential 3-component frame, DRI 65535, then `scans` empty one-component scans. */
function emptyScanFlood(scans: number): Uint8Array {
	const components = [
		{ id: 1, h: 1, v: 1 },
		{ id: 2, h: 1, v: 1 },
		{ id: 3, h: 1, v: 1 },
	];
	const headers = [1, 2, 3].map((id) => scanHeader([id], 0, 63, 0, 0));
	return concat([
		SOI,
		flatQuantTable(),
		frameHeader(SOF0, 1024, 1024, components),
		hostileTables(),
		segment(0xdd, [0xff, 0xff]),
		...Array.from({ length: scans }, (_, i) => headers[i % 3]),
		EOI,
	]);
}

/** A 7071x7071 baseline frame with an orientation and no picture data: 186 bytes. */
function baselineBomb(): Uint8Array {
	return concat([
		SOI,
		exifOrientation(6),
		flatQuantTable(),
		frameHeader(SOF0, 7071, 7071, GREY),
		hostileTables(),
		scanHeader([1], 0, 63, 0, 0),
		EOI,
	]);
}

/**
 * A 7071x7071 4:2:0 baseline frame whose every block is really coded (flat grey): the decoder has
 * all of 50 megapixels to produce. One DC bit and one 4-bit EOB per block.
 */
function codedBaselineBomb(): Uint8Array {
	const writer = new BitWriter();
	const blocksPerMcu = 6;
	for (let mcu = mcuCount(7071, 7071, YCBCR_420); mcu > 0; mcu--) {
		for (let b = 0; b < blocksPerMcu; b++) writer.write(0b00000, 5); // DC cat 0, then EOB
	}
	return concat([
		SOI,
		flatQuantTable(),
		frameHeader(SOF0, 7071, 7071, YCBCR_420),
		hostileTables(),
		scanHeader([1, 2, 3], 0, 63, 0, 0),
		writer.finish(),
		EOI,
	]);
}

/**
 * A 7071x7071 4:2:0 progressive frame, complete (DC at Al 1, a DC refinement, every AC band by
 * end-of-band runs), with an orientation: 300 KB that claim 50 megapixels of coefficients.
 */
function progressiveBomb(): Uint8Array {
	const side = 7071;
	const mcus = mcuCount(side, side, YCBCR_420);
	const dcBits = mcus * 6;
	const refinement = new BitWriter();
	refinement.zeros(dcBits);
	const scans: Uint8Array[] = [
		scanHeader([1, 2, 3], 0, 0, 0, 1),
		flatDcData(dcBits),
		scanHeader([1, 2, 3], 0, 0, 1, 0),
		refinement.finish(),
	];
	for (const component of YCBCR_420) {
		const blocks = componentBlocks(side, side, component, YCBCR_420);
		scans.push(scanHeader([component.id], 1, 63, 0, 0), endOfBandRuns(blocks).finish());
	}
	return concat([
		SOI,
		exifOrientation(8),
		flatQuantTable(),
		frameHeader(SOF2, side, side, YCBCR_420),
		hostileTables(),
		...scans,
		EOI,
	]);
}

/** A small real photo (cjpeg) to carry the marker-level attacks. */
function smallPhoto(args: string[] = ['-quality', '85']): Uint8Array {
	return phoneJpeg(320, 240, 0, args);
}

/** `segments` inserted after SOI of `jpeg`. */
function afterSoi(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
	return concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** About `bytes` of DHT segments, each full of valid tables, before a small photo. */
function tableFlood(bytes: number): Uint8Array {
	const table = [0x00, 1, ...new Array<number>(15).fill(0), 0]; // DC table 0: one code
	const perSegment = Math.floor(65000 / table.length);
	const body = new Array<number>(perSegment).fill(0).flatMap(() => table);
	const dht = segment(0xc4, body);
	const count = Math.ceil(bytes / dht.length);
	return afterSoi(smallPhoto(), ...new Array<Uint8Array>(count).fill(dht));
}

/** `count` empty COM segments (4 bytes each) before a small photo. */
function segmentFlood(count: number): Uint8Array {
	return afterSoi(
		smallPhoto(),
		...new Array<Uint8Array>(count).fill(Uint8Array.of(0xff, 0xfe, 0, 2)),
	);
}

/** About `bytes` of 64 KB comment segments: metadata the copy drops. */
function commentFlood(bytes: number): Uint8Array {
	const comment = segment(0xfe, new Array<number>(65000).fill(0x41));
	return afterSoi(
		smallPhoto(),
		...new Array<Uint8Array>(Math.ceil(bytes / comment.length)).fill(comment),
	);
}

/** About `bytes` of stray non-marker bytes after the JFIF segment, where a marker should be. */
function strayBytes(bytes: number): Uint8Array {
	const photo = smallPhoto();
	const jfifEnd = 2 + 18;
	return concat([
		photo.subarray(0, jfifEnd),
		new Uint8Array(bytes).fill(0x5a),
		photo.subarray(jfifEnd),
	]);
}

/** Every carrier the metadata-only path used to let through, each holding the planted NIK. */
function metadataCarriers(): Uint8Array {
	const text = `NIK ${PLANTED_NIK}`;
	const photo = smallPhoto();
	const jfifEnd = 2 + 18;
	const jfifWithTail = segment(0xe0, [
		...photo.subarray(6, jfifEnd),
		...Buffer.from(text, 'latin1'),
	]);
	return concat([
		SOI,
		jfifWithTail,
		segment(0xee, `Adobe\0\x64\0\0\0\0\x01${text}`),
		segment(0xfd, text), // JPG13
		segment(0xf0, text), // JPG0
		segment(0xfe, text),
		segment(0xe1, `http://ns.adobe.com/xap/1.0/\0${text}`),
		photo.subarray(jfifEnd),
		Buffer.from(text, 'latin1'),
	]);
}

/** A restart-coded photo with one `FF 9F` pair written into its entropy data (exif-samples' corrupted.jpg). */
export function damagedByMarker(): Uint8Array {
	const photo = phoneJpeg(640, 480, 0, ['-quality', '90', '-restart', '1']);
	const copy = Uint8Array.from(photo);
	const sos = Buffer.from(copy).indexOf(Buffer.from([0xff, 0xda]));
	// A third of the way into the data, away from any 0xff.
	let at = sos + Math.floor((copy.length - sos) / 3);
	while (copy[at] === 0xff || copy[at - 1] === 0xff || copy[at + 1] === 0xff) at++;
	copy[at] = 0xff;
	copy[at + 1] = 0x9f;
	return copy;
}

/** A frame marker patched to another kind (SOF9 arithmetic, SOF3 lossless) or a 12-bit precision. */
function patchedFrame(marker: number | null, precision = 8): Uint8Array {
	const copy = Uint8Array.from(smallPhoto());
	const sof = Buffer.from(copy).indexOf(Buffer.from([0xff, 0xc0]));
	if (marker !== null) copy[sof + 1] = marker;
	copy[sof + 4] = precision;
	return copy;
}

/** The 48 MP progressive photo (8000x6000) a recent phone or camera writes, from cjpeg. */
export function fortyEightMegapixelPhoto(): Uint8Array {
	return cachedOnDisk('hostile 48MP progressive q90', () =>
		cjpeg(markedPhoto(8000, 6000), ['-quality', '90', '-progressive']),
	);
}

export function jpegHostileInputs(): HostileInput[] {
	return [
		{
			name: 'progressive, 1,000 repeated AC refinement scans (27 KB)',
			format: 'jpeg',
			attack: 'scans',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => repeatedRefinements(2048, 1000),
			reference: 'djpeg',
		},
		{
			name: 'progressive, 58,000 repeated AC refinement scans (1 MB)',
			format: 'jpeg',
			attack: 'scans',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => repeatedRefinements(256, 58_000),
			reference: 'djpeg',
		},
		{
			name: 'progressive, 883 consistent single-coefficient scans',
			format: 'jpeg',
			attack: 'scans',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => consistentScanFlood(1024),
			reference: 'djpeg',
		},
		{
			name: 'sequential, DRI 65535 and 100,000 empty one-component scans (1 MB)',
			format: 'jpeg',
			attack: 'scans',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => emptyScanFlood(100_000),
			reference: 'djpeg',
		},
		{
			name: 'baseline 7071x7071 with an EXIF orientation, no data (186 bytes)',
			format: 'jpeg',
			attack: 'pixels',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: baselineBomb,
			reference: 'djpeg',
		},
		{
			name: 'baseline 7071x7071 4:2:0, every block coded (450 KB)',
			format: 'jpeg',
			attack: 'pixels',
			outcome: 'sent',
			make: codedBaselineBomb,
			reference: 'djpeg',
		},
		{
			name: 'progressive 7071x7071 4:2:0, complete, with an EXIF orientation (300 KB)',
			format: 'jpeg',
			attack: 'pixels',
			outcome: 'sent',
			make: progressiveBomb,
			reference: 'djpeg',
		},
		{
			name: '5 MB of DHT segments before a small photo',
			format: 'jpeg',
			attack: 'markers',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => tableFlood(5 * 1024 * 1024),
			reference: 'djpeg',
		},
		{
			name: '5,000 empty COM segments before a small photo',
			format: 'jpeg',
			attack: 'markers',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => segmentFlood(5000),
			reference: 'djpeg',
		},
		{
			name: '24 MB of comment segments around a small photo',
			format: 'jpeg',
			attack: 'markers',
			outcome: 'sent',
			make: () => commentFlood(24 * 1024 * 1024),
			reference: 'djpeg',
		},
		{
			name: '20 MB of stray bytes where a marker should be',
			format: 'jpeg',
			attack: 'markers',
			outcome: 'sent',
			make: () => strayBytes(20 * 1024 * 1024),
			reference: 'djpeg',
		},
		{
			name: 'a NIK in JFIF, Adobe APP14, JPG0, JPG13, COM, XMP and after EOI',
			format: 'jpeg',
			attack: 'metadata',
			outcome: 'sent',
			make: metadataCarriers,
			mustNotLeak: PLANTED_NIK,
			reference: 'djpeg',
		},
		{
			name: 'restart-coded photo with an FF 9F pair in its data',
			format: 'jpeg',
			attack: 'damage',
			outcome: 'sent',
			make: damagedByMarker,
			reference: 'djpeg',
		},
		{
			name: 'photo cut at 10% of its length',
			format: 'jpeg',
			attack: 'damage',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => {
				const photo = smallPhoto();
				return photo.subarray(0, Math.floor(photo.length / 10));
			},
			reference: 'djpeg',
		},
		{
			name: 'no picture data (SOS then EOI), as ultrahdr.jpg',
			format: 'jpeg',
			attack: 'damage',
			outcome: 'refused',
			refusedAs: 'corrupt',
			make: () => {
				const photo = smallPhoto();
				const sos = Buffer.from(photo).indexOf(Buffer.from([0xff, 0xda]));
				const sosEnd = sos + 2 + ((photo[sos + 2] << 8) | photo[sos + 3]);
				return concat([photo.subarray(0, sosEnd), EOI]);
			},
			reference: 'djpeg',
		},
		{
			name: 'arithmetic-coded frame (SOF9)',
			format: 'jpeg',
			attack: 'kind',
			outcome: 'refused',
			refusedAs: 'unsupported',
			make: () => patchedFrame(0xc9),
		},
		{
			name: '12-bit frame',
			format: 'jpeg',
			attack: 'kind',
			outcome: 'refused',
			refusedAs: 'unsupported',
			make: () => patchedFrame(null, 12),
		},
		{
			name: 'frame claiming 60000x60000',
			format: 'jpeg',
			attack: 'pixels',
			outcome: 'refused',
			refusedAs: 'too_large',
			make: () => {
				const copy = Uint8Array.from(smallPhoto());
				const sof = Buffer.from(copy).indexOf(Buffer.from([0xff, 0xc0]));
				copy.set([0xea, 0x60, 0xea, 0x60], sof + 5);
				return copy;
			},
		},
		{
			name: 'real 48 MP progressive camera photo (8000x6000)',
			format: 'jpeg',
			attack: 'pixels',
			outcome: 'either',
			make: fortyEightMegapixelPhoto,
			reference: 'djpeg',
		},
	];
}
