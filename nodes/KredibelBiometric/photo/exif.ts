/**
 * Why this file exists: a phone stores how its picture is meant to be shown in an EXIF
 * Orientation tag, inside a TIFF structure that JPEG carries in APP1 ("Exif\0\0") and PNG in its
 * eXIf chunk. This is the photo room's one reader of that structure, shared by both formats, so
 * that a JPEG and a PNG with the same EXIF block are turned the same way.
 *
 * What it reads (TIFF 6.0 section 2; Exif 2.3 section 4.5.2 and 4.6.4; CIPA DC-008):
 * the 8-byte header (byte order "II" or "MM", the number 42, the offset of IFD0), then IFD0's
 * 12-byte entries, looking for tag 0x0112 (type SHORT, count 1, the value left-justified in the
 * value field). Hostile-safe by construction: only IFD0 is read (no chain of IFDs, so no loop),
 * at most as many entries as fit in the bytes given, every read checked against their end; any
 * structure it cannot follow reads as 1 ("upright": nothing is turned on a guess).
 */

/** The prefix of a JPEG APP1 EXIF body (Exif 2.3 section 4.7.2), before the TIFF header. */
const EXIF_PREFIX: readonly number[] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;
const TIFF_HEADER_BYTES = 8;
const IFD_ENTRY_BYTES = 12;

/** Whether `bytes[start, end)` begins with "Exif\0\0". */
export function hasExifPrefix(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
	if (end - start < EXIF_PREFIX.length) return false;
	for (let i = 0; i < EXIF_PREFIX.length; i++) {
		if (bytes[start + i] !== EXIF_PREFIX[i]) return false;
	}
	return true;
}

/**
 * The EXIF orientation 1-8 of a TIFF structure (a PNG eXIf chunk's data, or a JPEG APP1 body
 * after "Exif\0\0"); 1 when absent, invalid or unreadable. Some PNG writers keep the JPEG prefix
 * "Exif\0\0" in eXIf: it is skipped. Never throws; reads at most 12 bytes per entry that fits.
 */
export function readExifOrientation(tiff: Uint8Array): number {
	const data = hasExifPrefix(tiff) ? tiff.subarray(EXIF_PREFIX.length) : tiff;
	if (data.length < TIFF_HEADER_BYTES) return 1;
	let littleEndian: boolean;
	if (data[0] === 0x49 && data[1] === 0x49) littleEndian = true;
	else if (data[0] === 0x4d && data[1] === 0x4d) littleEndian = false;
	else return 1;
	const uint16 = (at: number): number =>
		littleEndian ? data[at] | (data[at + 1] << 8) : (data[at] << 8) | data[at + 1];
	const uint32 = (at: number): number =>
		littleEndian
			? (uint16(at) | (uint16(at + 2) << 16)) >>> 0
			: ((uint16(at) << 16) | uint16(at + 2)) >>> 0;
	if (uint16(2) !== 42) return 1;
	const ifd0 = uint32(4);
	// IFD0 lies after the header (an offset into the header itself is not a TIFF file).
	if (ifd0 < TIFF_HEADER_BYTES || ifd0 + 2 > data.length) return 1;
	const declared = uint16(ifd0);
	const fitting = Math.floor((data.length - ifd0 - 2) / IFD_ENTRY_BYTES);
	const entries = Math.min(declared, fitting);
	for (let index = 0; index < entries; index++) {
		const entry = ifd0 + 2 + index * IFD_ENTRY_BYTES;
		if (uint16(entry) !== ORIENTATION_TAG) continue;
		if (uint16(entry + 2) !== TYPE_SHORT || uint32(entry + 4) !== 1) return 1;
		const value = uint16(entry + 8);
		return value >= 1 && value <= 8 ? value : 1;
	}
	return 1;
}
