/**
 * The chunk level of PNG: checking a file's structure before anything is decoded, removing the
 * metadata chunks a selfie should not carry to a third party, and reading the EXIF orientation a
 * phone may have stored in an eXIf chunk. Kept apart from the pixel decoder so that a PNG that
 * already fits can be sent with its metadata stripped and its compressed pixels untouched.
 *
 * Structure rules (PNG spec, ISO/IEC 15948 / W3C PNG 3rd ed.):
 * - 5.2 the 8-byte signature; 5.3 chunk layout: 4-byte length (at most 2^31 - 1), 4-byte type of
 *   ASCII letters, data, CRC-32 over type and data (Annex D), all checked;
 * - 5.6 ordering: IHDR first, PLTE before the first IDAT, IDAT chunks consecutive, IEND last;
 * - 5.4 critical chunks (upper-case first letter): an unknown one means the image cannot be shown
 *   correctly, so it is `unsupported`; unknown ancillary chunks are skipped;
 * - a file that ends without IEND is `corrupt` (it was cut); bytes after IEND are ignored by
 *   readers and dropped by `stripPngMetadata` (tools append data there too).
 *
 * Which ancillary chunks `stripPngMetadata` keeps: only those that change how the pixels look and
 * carry no information about the person, device, place or time:
 *   tRNS (transparency), gAMA, cHRM, sRGB, cICP (colour space), sBIT (significant bits), bKGD
 *   (background shown behind transparency).
 * Everything else ancillary is removed: tEXt, zTXt, iTXt (which carries XMP as XML:com.adobe.xmp),
 * eXIf, tIME, pHYs, sPLT, hIST, the APNG chunks acTL/fcTL/fdAT (the still default image remains),
 * the HDR mastering chunks mDCV/cLLI, private and unknown chunks, and iCCP: an embedded ICC
 * profile may name the device or software that made it; our own decoder ignores it too, and
 * the colour shift of reading a wide-gamut photo as sRGB does not matter for face matching.
 */

import { readExifOrientationTag } from './exif';
import { MAX_INPUT_PIXELS, PhotoError } from './picture';

export interface PngChunk {
	type: string;
	/** Offset in the file of the chunk's data (its length field starts 8 bytes earlier). */
	offset: number;
	/** Length of the chunk's data. */
	length: number;
}

export interface PngHeader {
	width: number;
	height: number;
	bitDepth: number;
	colourType: number;
	interlace: number;
}

export const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

/** Ancillary chunks that change how pixels look and say nothing about the photo's origin. */
const KEPT_ANCILLARY = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'cICP', 'sBIT', 'bKGD']);
const CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** PNG spec 11.2.2 table 11.1: the bit depths each colour type allows. */
const ALLOWED_BIT_DEPTHS: Record<number, number[]> = {
	0: [1, 2, 4, 8, 16],
	2: [8, 16],
	3: [1, 2, 4, 8],
	4: [8, 16],
	6: [8, 16],
};

/** Annex D: the CRC-32 table of polynomial 0xEDB88320, in 8 slices for a byte-at-a-time-by-8 loop. */
const CRC_TABLES = (() => {
	const tables = new Int32Array(256 * 8);
	for (let byte = 0; byte < 256; byte++) {
		let crc = byte;
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
		tables[byte] = crc;
	}
	for (let byte = 0; byte < 256; byte++) {
		for (let slice = 1; slice < 8; slice++) {
			const previous = tables[(slice - 1) * 256 + byte];
			tables[slice * 256 + byte] = tables[previous & 0xff] ^ (previous >>> 8);
		}
	}
	return tables;
})();

/** Annex D: CRC-32 of bytes[start, end). Eight bytes per step ("slicing by 8"). */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
	const t = CRC_TABLES;
	let crc = -1;
	let index = start;
	for (; index + 8 <= end; index += 8) {
		const low =
			crc ^
			(bytes[index] |
				(bytes[index + 1] << 8) |
				(bytes[index + 2] << 16) |
				(bytes[index + 3] << 24));
		crc =
			t[1792 + (low & 0xff)] ^
			t[1536 + ((low >>> 8) & 0xff)] ^
			t[1280 + ((low >>> 16) & 0xff)] ^
			t[1024 + (low >>> 24)] ^
			t[768 + bytes[index + 4]] ^
			t[512 + bytes[index + 5]] ^
			t[256 + bytes[index + 6]] ^
			t[bytes[index + 7]];
	}
	for (; index < end; index++) crc = t[(crc ^ bytes[index]) & 0xff] ^ (crc >>> 8);
	return (crc ^ -1) >>> 0;
}

function corrupt(message: string): never {
	throw new PhotoError('corrupt', `Invalid PNG: ${message}`);
}

function readUint32(bytes: Uint8Array, offset: number): number {
	return (
		((bytes[offset] << 24) |
			(bytes[offset + 1] << 16) |
			(bytes[offset + 2] << 8) |
			bytes[offset + 3]) >>>
		0
	);
}

/** 5.3: a chunk type is four ASCII letters. */
function readChunkType(bytes: Uint8Array, offset: number): string | undefined {
	let type = '';
	for (let index = 0; index < 4; index++) {
		const code = bytes[offset + index];
		const isLetter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
		if (!isLetter) return undefined;
		type += String.fromCharCode(code);
	}
	return type;
}

/** Whether a file starts with the PNG signature (5.2). */
export function isPng(bytes: Uint8Array): boolean {
	if (bytes.length < PNG_SIGNATURE.length) return false;
	for (let index = 0; index < PNG_SIGNATURE.length; index++) {
		if (bytes[index] !== PNG_SIGNATURE[index]) return false;
	}
	return true;
}

/** 11.2.2: IHDR fields, their allowed values and the pixel limit (checked before any allocation). */
function readHeader(bytes: Uint8Array): PngHeader {
	if (bytes.length < 8 + 8 + 13 + 4) corrupt('too short for a header');
	if (readUint32(bytes, 8) !== 13 || readChunkType(bytes, 12) !== 'IHDR') {
		corrupt('the first chunk is not a 13-byte IHDR');
	}
	if (crc32(bytes, 12, 12 + 4 + 13) !== readUint32(bytes, 12 + 4 + 13))
		corrupt('IHDR CRC mismatch');
	const width = readUint32(bytes, 16);
	const height = readUint32(bytes, 20);
	const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(24, 29);
	if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
		corrupt('image size out of range');
	}
	if (!ALLOWED_BIT_DEPTHS[colourType]?.includes(bitDepth)) {
		corrupt(`bit depth ${bitDepth} with colour type ${colourType}`);
	}
	if (compression !== 0 || filter !== 0 || interlace > 1) {
		corrupt('unknown compression, filter or interlace method');
	}
	if (width * height > MAX_INPUT_PIXELS) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${width}x${height} pixels, more than the ${MAX_INPUT_PIXELS} allowed`,
		);
	}
	return { width, height, bitDepth, colourType, interlace };
}

/**
 * Signature, IHDR first, chunk lengths within the file, CRC-32 of each chunk checked (Annex D);
 * PhotoError('corrupt') otherwise. Checks width*height against MAX_INPUT_PIXELS ->
 * PhotoError('too_large') before anything else is allocated. Returns the chunks from IHDR to IEND
 * inclusive, in file order; whatever follows IEND is ignored.
 */
export function readPngStructure(bytes: Uint8Array): { header: PngHeader; chunks: PngChunk[] } {
	if (!isPng(bytes)) corrupt('no PNG signature');
	const header = readHeader(bytes);
	const chunks: PngChunk[] = [];
	let offset = 8;
	let sawPalette = false;
	let idatState = 0; // 0: none yet, 1: in the IDAT run, 2: after it
	for (;;) {
		if (offset + 12 > bytes.length) corrupt('the file ends before IEND');
		const length = readUint32(bytes, offset);
		const type = readChunkType(bytes, offset + 4);
		if (type === undefined) corrupt(`chunk type at byte ${offset + 4} is not four letters`);
		if (length > 0x7fffffff || offset + 12 + length > bytes.length) {
			corrupt(`${type} chunk runs past the end of the file`);
		}
		const dataStart = offset + 8;
		if (crc32(bytes, offset + 4, dataStart + length) !== readUint32(bytes, dataStart + length)) {
			corrupt(`${type} chunk CRC mismatch`);
		}
		if (chunks.length > 0 && type === 'IHDR') corrupt('a second IHDR');
		if (type === 'IDAT') {
			if (idatState === 2) corrupt('IDAT chunks are not consecutive');
			idatState = 1;
		} else if (idatState === 1) idatState = 2;
		if (type === 'PLTE') {
			if (sawPalette || idatState !== 0) corrupt('PLTE repeated or after IDAT');
			if (length === 0 || length % 3 !== 0 || length / 3 > 256) corrupt('PLTE length');
			sawPalette = true;
		}
		if (!CRITICAL.has(type) && type.charCodeAt(0) < 97) {
			throw new PhotoError('unsupported', `The PNG has an unknown critical chunk ${type}`);
		}
		chunks.push({ type, offset: dataStart, length });
		offset = dataStart + length + 4;
		if (type === 'IEND') break;
	}
	if (idatState === 0) corrupt('no IDAT chunk');
	if (header.colourType === 3 && !sawPalette) corrupt('palette image without PLTE');
	if ((header.colourType === 0 || header.colourType === 4) && sawPalette) {
		corrupt('PLTE in a greyscale image');
	}
	return { header, chunks };
}

function isKept(type: string): boolean {
	return CRITICAL.has(type) || KEPT_ANCILLARY.has(type);
}

export interface StrippedPng {
	bytes: Uint8Array;
	/** Chunk types removed, each once, in the order first met (e.g. ['tEXt','eXIf','tIME']). */
	removed: string[];
}

/**
 * Keeps the critical chunks (IHDR, PLTE, IDAT, IEND) byte for byte, and the ancillary chunks that
 * affect how pixels look (see the file comment); drops the rest and anything after IEND. IDAT data
 * is copied untouched (no re-compression). When nothing is dropped the input array itself is
 * returned. Throws PhotoError as `readPngStructure` does.
 */
export function stripPngMetadata(bytes: Uint8Array): StrippedPng {
	const { chunks } = readPngStructure(bytes);
	const removed: string[] = [];
	let keptBytes = 8;
	for (const chunk of chunks) {
		if (isKept(chunk.type)) keptBytes += chunk.length + 12;
		else if (!removed.includes(chunk.type)) removed.push(chunk.type);
	}
	if (keptBytes === bytes.length) return { bytes, removed };
	const stripped = new Uint8Array(keptBytes);
	stripped.set(bytes.subarray(0, 8));
	let written = 8;
	for (const chunk of chunks) {
		if (!isKept(chunk.type)) continue;
		stripped.set(bytes.subarray(chunk.offset - 8, chunk.offset + chunk.length + 4), written);
		written += chunk.length + 12;
	}
	return { bytes: stripped, removed };
}

/** Whether `stripPngMetadata` would change the file. Throws PhotoError as `readPngStructure` does. */
export function hasPngMetadata(bytes: Uint8Array): boolean {
	const { chunks } = readPngStructure(bytes);
	const last = chunks[chunks.length - 1];
	return last.offset + last.length + 4 !== bytes.length || chunks.some((c) => !isKept(c.type));
}

/**
 * EXIF orientation (1..8) from an eXIf chunk if present (1 when absent/unreadable; never throws).
 * The chunks are walked without CRC checks (a damaged file is refused later by the decoder); the
 * TIFF structure is read by exif.ts, as for JPEG.
 */
export function readPngExifOrientation(bytes: Uint8Array): number {
	return readPngExifOrientationTag(bytes) ?? 1;
}

/** The eXIf chunk's orientation tag 1-8, or null when there is no readable, valid one. */
export function readPngExifOrientationTag(bytes: Uint8Array): number | null {
	try {
		if (!isPng(bytes)) return null;
		let offset = 8;
		while (offset + 12 <= bytes.length) {
			const length = readUint32(bytes, offset);
			const type = readChunkType(bytes, offset + 4);
			if (type === undefined || offset + 12 + length > bytes.length) return null;
			if (type === 'eXIf') {
				return readExifOrientationTag(bytes.subarray(offset + 8, offset + 8 + length));
			}
			if (type === 'IEND') return null;
			offset += 12 + length;
		}
		return null;
	} catch {
		return null;
	}
}
