/**
 * Hand-written metadata blocks for the stripping and orientation tests: an Exif APP1 (Exif 2.3
 * section 4.7.2, a TIFF 6.0 structure) with Make, Model, DateTime, Orientation and a GPS IFD, in
 * either byte order; XMP, ICC, IPTC, Adobe and comment segments; and a way to put them in a JPEG.
 */

export type ByteOrder = 'II' | 'MM';

export interface ExifSpec {
	byteOrder: ByteOrder;
	/** Omitted: no Orientation entry. */
	orientation?: number;
	/** Position of the Orientation entry among IFD0's entries (0 = first). */
	orientationIndex?: number;
	make?: string;
	model?: string;
}

interface Entry {
	tag: number;
	type: number;
	count: number;
	/** Inline value (<= 4 bytes) or out-of-line data. */
	value: number[];
}

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

/** The APP1 body: "Exif\0\0" then the TIFF header, IFD0, the GPS IFD and their values. */
export function exifBody(spec: ExifSpec): Uint8Array {
	const little = spec.byteOrder === 'II';
	const u16 = (v: number): number[] => (little ? [v & 255, v >> 8] : [v >> 8, v & 255]);
	const u32 = (v: number): number[] =>
		little
			? [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24]
			: [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];
	const ascii = (text: string): number[] => [...Buffer.from(`${text}\0`, 'latin1')];
	const rationals = (pairs: [number, number][]): number[] =>
		pairs.flatMap(([n, d]) => [...u32(n), ...u32(d)]);

	const ifd0: Entry[] = [
		{ tag: 0x010f, type: ASCII, count: 0, value: ascii(spec.make ?? 'PhoneMakerCorp') },
		{ tag: 0x0110, type: ASCII, count: 0, value: ascii(spec.model ?? 'SecretModel X12') },
		{ tag: 0x0132, type: ASCII, count: 0, value: ascii('2026:12:06 10:02:03') },
		{ tag: 0x8825, type: LONG, count: 1, value: [] /* GPS IFD offset, filled below */ },
	];
	if (spec.orientation !== undefined) {
		const entry = { tag: 0x0112, type: SHORT, count: 1, value: [...u16(spec.orientation), 0, 0] };
		ifd0.splice(Math.min(spec.orientationIndex ?? 0, ifd0.length), 0, entry);
	}
	const gps: Entry[] = [
		{ tag: 0x0001, type: ASCII, count: 2, value: ascii('S') },
		{
			tag: 0x0002,
			type: RATIONAL,
			count: 3,
			value: rationals([
				[6, 1],
				[12, 1],
				[3456, 100],
			]),
		},
		{ tag: 0x0003, type: ASCII, count: 2, value: ascii('E') },
		{
			tag: 0x0004,
			type: RATIONAL,
			count: 3,
			value: rationals([
				[106, 1],
				[49, 1],
				[1234, 100],
			]),
		},
	];
	for (const entry of [...ifd0, ...gps]) if (entry.type === ASCII) entry.count = entry.value.length;

	const ifdSize = (entries: Entry[]): number => 2 + entries.length * 12 + 4;
	const ifd0Offset = 8;
	const gpsOffset = ifd0Offset + ifdSize(ifd0);
	let dataOffset = gpsOffset + ifdSize(gps);
	ifd0.find((e) => e.tag === 0x8825)!.value = u32(gpsOffset);

	const out: number[] = [...(little ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(ifd0Offset)];
	const extra: number[] = [];
	const writeIfd = (entries: Entry[]): void => {
		out.push(...u16(entries.length));
		for (const entry of entries) {
			out.push(...u16(entry.tag), ...u16(entry.type), ...u32(entry.count));
			if (entry.value.length <= 4) {
				out.push(...entry.value, ...new Array(4 - entry.value.length).fill(0));
			} else {
				out.push(...u32(dataOffset));
				extra.push(...entry.value);
				dataOffset += entry.value.length;
			}
		}
		out.push(...u32(0));
	};
	writeIfd(ifd0);
	writeIfd(gps);
	return Uint8Array.from([...Buffer.from('Exif\0\0', 'latin1'), ...out, ...extra]);
}

/** A marker segment: 0xff, marker, 2-byte length (body + 2), body. */
export function segment(marker: number, body: Uint8Array | string): Uint8Array {
	const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
	return Uint8Array.from([
		0xff,
		marker,
		(bytes.length + 2) >> 8,
		(bytes.length + 2) & 255,
		...bytes,
	]);
}

export const XMP_TEXT =
	'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude="6,12.5S" tiff:Make="PhoneMakerCorp"/></x:xmpmeta>';
export const ICC_TEXT = 'ICC_PROFILE\0\x01\x01' + 'acspAPPL-profile-bytes';
export const IPTC_TEXT = 'Photoshop 3.0\x008BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x50\0\x07Jakarta';
export const COMMENT_TEXT = 'Taken at Jl. Sudirman 1, by applicant 3171234567890123';

/** Inserts `segments` right after the SOI of `jpeg`. */
export function withSegments(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
	return Uint8Array.from(Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]));
}

/** Inserts `segments` just before the first SOS (after the tables and the frame header). */
export function beforeScan(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
	const sos = Buffer.from(jpeg).indexOf(Buffer.from([0xff, 0xda]));
	return Uint8Array.from(Buffer.concat([jpeg.subarray(0, sos), ...segments, jpeg.subarray(sos)]));
}
