/**
 * The chunk level of PNG: the signature and header, a walk over every chunk that says where the
 * picture data lies and what else the file carries, and the clean copy that keeps only what
 * decoding needs, so that a PNG that already fits can be sent without its metadata and with its
 * compressed pixels untouched.
 *
 * Structure rules (PNG spec, ISO/IEC 15948 / W3C PNG 3rd ed.), with damage handled as libpng
 * 1.6 handles it by default (what `pngtopnm` shows; the unit tests compare against it):
 * - 5.2 the 8-byte signature: a damaged one is damage ("corrupted by ASCII conversion");
 * - 5.3 chunk layout: 4-byte length (at most 2^31 - 1), 4-byte type of ASCII letters, data,
 *   CRC-32 over type and data (Annex D). A bad CRC in a critical chunk (IHDR, PLTE, IDAT, IEND)
 *   is damage; in an ancillary chunk the chunk is ignored, as libpng ignores it;
 * - 5.4 an unknown critical chunk means the image cannot be shown correctly: `unsupported`;
 * - 5.6 ordering: IHDR first, PLTE before the first IDAT, tRNS after PLTE and before IDAT (an
 *   out-of-place or wrongly sized tRNS is ignored, as libpng does), IEND last. IDAT chunks after
 *   another chunk has followed the first run are not picture data (libpng: "Too many IDATs
 *   found"); the picture must end within the first run;
 * - a file that ends without IEND is damage; bytes after IEND are not part of the PNG.
 *
 * The clean copy keeps IHDR, PLTE (palette images only, the entries the bit depth can use), a
 * valid tRNS, the zlib stream in its IDAT chunks, and IEND. Everything else goes, and is listed:
 * text (tEXt, zTXt, iTXt with XMP), eXIf, tIME, pHYs, iCCP (the colour step reads it before; see
 * pngTags.ts), gAMA, cHRM, sRGB, cICP, sBIT, bKGD, a truecolour image's suggested PLTE, APNG and
 * private chunks, palette entries past 2^bitDepth, data inside IEND, bytes after the zlib stream
 * inside IDAT and bytes after IEND: any of them can carry a name, a place, a device or an
 * identity number to a third party.
 */

import type { CompressedSource } from './inflate';
import { type Checkpoint, corrupt, MAX_INPUT_PIXELS, PhotoError } from './picture';
import { WORK_PER_CHECKPOINT, WorkMeter } from './workMeter';

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

/** The first run of IDAT chunks, which together hold one zlib stream (10.1). */
export interface PngImageData {
	/** Offset of the first IDAT chunk's length field. */
	start: number;
	/** Offset just after the last IDAT chunk of the run (after its CRC). */
	end: number;
	/** Bytes of data in the run's chunks together. */
	length: number;
}

/** What the chunk walk learned: where the picture data is, and what else the file carries. */
export interface PngLayout {
	header: PngHeader;
	/** PLTE of a palette image (colour type 3): its first 2^bitDepth entries, those libpng uses. */
	palette?: PngChunk;
	/** A tRNS libpng would apply: the right size for the colour type, after PLTE, before IDAT. */
	transparency?: PngChunk;
	imageData: PngImageData;
	/** The first iCCP and eXIf chunks with a good CRC (both also in `removed`). */
	iccProfile?: PngChunk;
	exif?: PngChunk;
	/** What a clean copy leaves out, each once, in file order (chunk types, 'data after IEND'). */
	removed: string[];
	/** How many names of `removed` come before the end of the first IDAT run. */
	removedBeforeImageEnd: number;
}

export const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

/** A clean copy's IEND: length 0, type, CRC-32 of "IEND". */
const IEND_CHUNK = new Uint8Array([0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82]);
/** Picture data of a re-chunked clean copy goes in IDAT chunks of at most this many bytes. */
const CLEAN_IDAT_BYTES = 64 * 1024;
/** The most names `removed` lists one by one; more are summed up as OTHER_CHUNKS. */
const MOST_REMOVED_NAMES = 24;
const OTHER_CHUNKS = 'other chunks';
/** Chunks walked by one `read` of the image data source before it gives the caller control back. */
const CHUNKS_PER_READ = 1024;
/** Work units one chunk costs besides its CRC (reading its header and type, a few comparisons). */
const CHUNK_WORK = 128;

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

/** Annex D: CRC-32 of bytes[start, end). */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
	return (updateCrc32(-1, bytes, start, end) ^ -1) >>> 0;
}

/**
 * Annex D: the running CRC register `crc` (-1 at the start; the CRC is its complement at the
 * end) after bytes[start, end). Eight bytes per step ("slicing by 8").
 */
function updateCrc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
	const t = CRC_TABLES;
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
	return crc;
}

/**
 * Whether the chunk whose length field is at `offset` has the CRC its type and data give, for a
 * large chunk (one can be 25 MB): summed a WORK_PER_CHECKPOINT piece at a time, with a
 * checkpoint between pieces when one is due.
 */
async function hasGoodCrc(
	bytes: Uint8Array,
	offset: number,
	length: number,
	meter: WorkMeter,
	checkpoint: Checkpoint | undefined,
): Promise<boolean> {
	const end = offset + 8 + length;
	let crc = -1;
	for (let start = offset + 4; start < end; ) {
		const pieceEnd = Math.min(end, start + WORK_PER_CHECKPOINT);
		crc = updateCrc32(crc, bytes, start, pieceEnd);
		meter.add(pieceEnd - start);
		start = pieceEnd;
		if (meter.due) await meter.checkpoint(checkpoint);
	}
	return (crc ^ -1) >>> 0 === readUint32(bytes, end);
}

/** Throws the PhotoError for bytes that break the PNG format. */
export function invalidPng(message: string): never {
	throw corrupt(`Invalid PNG: ${message}`);
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

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
	bytes[offset] = value >>> 24;
	bytes[offset + 1] = (value >>> 16) & 255;
	bytes[offset + 2] = (value >>> 8) & 255;
	bytes[offset + 3] = value & 255;
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

/**
 * 5.2 and 11.2.2: the signature, then IHDR first with its fields in range and its CRC, and the
 * pixel count within MAX_INPUT_PIXELS (else `too_large`). Reads 33 bytes: cheap enough for a
 * check before anything is decoded.
 */
export function readPngHeader(bytes: Uint8Array): PngHeader {
	if (!isPng(bytes)) {
		// libpng tells these apart: the first four bytes right and the rest wrong is what a
		// text-mode transfer (line-end conversion) does to a PNG.
		const head = String.fromCharCode(...bytes.subarray(1, 4));
		invalidPng(
			head === 'PNG'
				? 'the signature is damaged, as by a text-mode transfer that changed line ends'
				: 'no PNG signature',
		);
	}
	if (bytes.length < 8 + 8 + 13 + 4) invalidPng('too short for a header');
	if (readUint32(bytes, 8) !== 13 || readChunkType(bytes, 12) !== 'IHDR') {
		invalidPng('the first chunk is not a 13-byte IHDR');
	}
	if (crc32(bytes, 12, 12 + 4 + 13) !== readUint32(bytes, 12 + 4 + 13)) {
		invalidPng('IHDR chunk CRC mismatch');
	}
	const width = readUint32(bytes, 16);
	const height = readUint32(bytes, 20);
	const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(24, 29);
	if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
		invalidPng('image size out of range');
	}
	if (!ALLOWED_BIT_DEPTHS[colourType]?.includes(bitDepth)) {
		invalidPng(`bit depth ${bitDepth} with colour type ${colourType}`);
	}
	if (compression !== 0 || filter !== 0 || interlace > 1) {
		invalidPng('unknown compression, filter or interlace method');
	}
	if (width * height > MAX_INPUT_PIXELS) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${width}x${height} pixels, more than the ${MAX_INPUT_PIXELS} allowed`,
		);
	}
	return { width, height, bitDepth, colourType, interlace };
}

/** Names of what a clean copy leaves out, each once, at most MOST_REMOVED_NAMES of them. */
class RemovedNames {
	readonly names: string[] = [];

	add(name: string): void {
		if (this.names.includes(name)) return;
		if (this.names.length < MOST_REMOVED_NAMES) this.names.push(name);
		else if (!this.names.includes(OTHER_CHUNKS)) this.names.push(OTHER_CHUNKS);
	}
}

/** 11.3.2.1: whether a tRNS chunk of `length` bytes fits the image, as libpng checks it. */
function isValidTransparency(header: PngHeader, length: number, palette?: PngChunk): boolean {
	switch (header.colourType) {
		case 0:
			return length === 2;
		case 2:
			return length === 6;
		case 3:
			return palette !== undefined && length > 0 && length <= palette.length / 3;
		default:
			return false; // colour types 4 and 6 carry alpha already
	}
}

/**
 * Walks every chunk from IHDR to IEND, checking lengths, types, order and CRCs (see the file
 * comment for what is damage and what is ignored), calling `checkpoint` as the work adds up on
 * `meter`. Throws PhotoError: `corrupt` for damage, `unsupported` for an unknown critical chunk,
 * `too_large` from the header.
 */
export async function readPngLayout(
	bytes: Uint8Array,
	options: { checkpoint?: Checkpoint; meter?: WorkMeter } = {},
): Promise<PngLayout> {
	const meter = options.meter ?? new WorkMeter();
	const header = readPngHeader(bytes);
	const removed = new RemovedNames();
	let palette: PngChunk | undefined;
	let transparency: PngChunk | undefined;
	let iccProfile: PngChunk | undefined;
	let exif: PngChunk | undefined;
	let imageData: PngImageData | undefined;
	let removedBeforeImageEnd = 0;
	let imageDataEnded = false;
	let offset = 8 + 12 + 13;
	for (;;) {
		if (offset + 12 > bytes.length) invalidPng('the file ends before IEND');
		const length = readUint32(bytes, offset);
		const type = readChunkType(bytes, offset + 4);
		if (type === undefined) invalidPng(`chunk type at byte ${offset + 4} is not four letters`);
		if (length > 0x7fffffff || offset + 12 + length > bytes.length) {
			invalidPng(`${type} chunk runs past the end of the file`);
		}
		const chunk: PngChunk = { type, offset: offset + 8, length };
		const next = offset + 12 + length;
		const critical = type.charCodeAt(0) < 97;
		meter.add(CHUNK_WORK);
		if (type !== 'IDAT' && imageData && !imageDataEnded) {
			imageDataEnded = true;
			removedBeforeImageEnd = removed.names.length;
		}
		const goodCrc =
			length < WORK_PER_CHECKPOINT
				? crc32(bytes, offset + 4, next - 4) === readUint32(bytes, next - 4)
				: await hasGoodCrc(bytes, offset, length, meter, options.checkpoint);
		if (length < WORK_PER_CHECKPOINT) meter.add(length);
		if (!goodCrc) {
			if (critical) invalidPng(`${type} chunk CRC mismatch`);
			removed.add(type); // libpng: "CRC error", and the chunk is skipped
		} else if (type === 'IDAT') {
			if (!imageData) {
				if (header.colourType === 3 && !palette) invalidPng('a palette image without PLTE');
				imageData = { start: offset, end: next, length: 0 };
			}
			if (imageDataEnded) removed.add('extra IDAT');
			else {
				imageData.length += length;
				imageData.end = next;
			}
		} else if (type === 'IEND') {
			if (length > 0) removed.add('IEND data'); // libpng: "IEND: invalid", then ignored
			if (next < bytes.length) removed.add('data after IEND');
			break;
		} else if (type === 'IHDR') {
			invalidPng('a second IHDR');
		} else if (type === 'PLTE') {
			if (header.colourType !== 3)
				removed.add(type); // a suggested palette: not needed
			else if (palette || imageData) invalidPng('PLTE repeated or after IDAT');
			else if (length === 0 || length % 3 !== 0 || length / 3 > 256)
				invalidPng(`PLTE length ${length}`);
			else {
				// libpng uses the first 2^bitDepth entries of a longer palette and drops the rest.
				const used = Math.min(length, 3 << header.bitDepth);
				if (used < length) removed.add('unused PLTE entries');
				palette = { ...chunk, length: used };
			}
		} else if (critical) {
			throw new PhotoError('unsupported', `The PNG has an unknown critical chunk ${type}`);
		} else if (
			type === 'tRNS' &&
			!transparency &&
			!imageData &&
			isValidTransparency(header, length, palette)
		) {
			transparency = chunk;
		} else {
			if (type === 'iCCP' && !iccProfile) iccProfile = chunk;
			if (type === 'eXIf' && !exif) exif = chunk;
			removed.add(type);
		}
		offset = next;
		if (meter.due) await meter.checkpoint(options.checkpoint);
	}
	if (!imageData) invalidPng('no IDAT chunk');
	if (header.colourType === 3 && !palette) invalidPng('a palette image without PLTE');
	return {
		header,
		palette,
		transparency,
		imageData,
		iccProfile,
		exif,
		removed: removed.names,
		removedBeforeImageEnd,
	};
}

/**
 * The zlib stream of the first IDAT run, read where it lies in the file (no copy of the whole
 * stream): each `read` walks at most CHUNKS_PER_READ chunks, so a run of millions of empty IDAT
 * chunks is walked a bounded slice at a time, its work in `work`. The chunks were checked by
 * `readPngLayout`.
 */
export function imageDataSource(
	bytes: Uint8Array,
	imageData: PngImageData,
): CompressedSource & { readonly work: number } {
	let walked = 0;
	let chunkStart = imageData.start;
	let dataAt = chunkStart + 8;
	let dataEnd = dataAt + readUint32(bytes, chunkStart);
	return {
		read(target, offset, max) {
			let copied = 0;
			for (let chunks = 0; copied < max && chunkStart < imageData.end; ) {
				if (dataAt === dataEnd) {
					chunkStart = dataEnd + 4;
					walked += CHUNK_WORK;
					if (chunkStart >= imageData.end || ++chunks >= CHUNKS_PER_READ) break;
					dataAt = chunkStart + 8;
					dataEnd = dataAt + readUint32(bytes, chunkStart);
					continue;
				}
				const count = Math.min(max - copied, dataEnd - dataAt);
				target.set(bytes.subarray(dataAt, dataAt + count), offset + copied);
				dataAt += count;
				copied += count;
			}
			return copied;
		},
		get done() {
			return chunkStart >= imageData.end;
		},
		get work() {
			return walked;
		},
	};
}

export interface CleanPng {
	bytes: Uint8Array;
	/** What was left out, each once, in file order (see PngLayout.removed). */
	removed: string[];
}

/**
 * What a clean copy leaves out (or a re-encoded JPEG does not carry), each once, in file order:
 * `layout.removed`, and 'data after the image data' where the IDAT chunks hold more than the
 * zlib stream of `streamLength` bytes, or (undefined) the stream made more than the picture.
 */
export function removedFromPng(layout: PngLayout, streamLength: number | undefined): string[] {
	const removed = [...layout.removed];
	if (streamLength === undefined || layout.imageData.length > streamLength) {
		removed.splice(layout.removedBeforeImageEnd, 0, 'data after the image data');
	}
	return removed;
}

/**
 * The clean copy (see the file comment): signature, IHDR, PLTE for palette images, a valid tRNS,
 * the first `streamLength` bytes of picture data (the zlib stream, as `decodePng` measured it),
 * IEND. The IDAT chunks are copied byte for byte when they hold exactly the stream; when bytes
 * follow the stream inside them, the stream alone is put in new IDAT chunks (its bytes still
 * unchanged; the IDAT chunks walked a bounded number at a time, counted on `meter`, with
 * `checkpoint` called when due). Returns the input array itself when it already is its clean
 * copy.
 */
export async function cleanPngCopy(
	bytes: Uint8Array,
	layout: PngLayout,
	streamLength: number,
	options: { checkpoint?: Checkpoint; meter?: WorkMeter } = {},
): Promise<CleanPng> {
	const { imageData, palette, transparency } = layout;
	const afterStream = imageData.length > streamLength;
	const removed = removedFromPng(layout, streamLength);
	if (removed.length === 0) return { bytes, removed };

	const kept = [palette, transparency].filter((chunk): chunk is PngChunk => chunk !== undefined);
	const idatChunks = Math.max(1, Math.ceil(streamLength / CLEAN_IDAT_BYTES));
	const pictureBytes = afterStream
		? streamLength + 12 * idatChunks
		: imageData.end - imageData.start;
	let size = 8 + 25 + pictureBytes + IEND_CHUNK.length;
	for (const chunk of kept) size += chunk.length + 12;
	const copy = new Uint8Array(size);
	copy.set(bytes.subarray(0, 8 + 25));
	let at = 8 + 25;
	for (const chunk of kept) {
		// Framed anew: a palette keeps only the entries the bit depth can use.
		writeUint32(copy, at, chunk.length);
		copy.set(bytes.subarray(chunk.offset - 4, chunk.offset + chunk.length), at + 4);
		writeUint32(copy, at + 8 + chunk.length, crc32(copy, at + 4, at + 8 + chunk.length));
		at += chunk.length + 12;
	}
	if (!afterStream) {
		copy.set(bytes.subarray(imageData.start, imageData.end), at);
		at += imageData.end - imageData.start;
	} else {
		const meter = options.meter ?? new WorkMeter();
		const source = imageDataSource(bytes, imageData);
		let walkCounted = 0;
		let left = streamLength;
		do {
			const length = Math.min(left, CLEAN_IDAT_BYTES);
			writeUint32(copy, at, length);
			copy.set([73, 68, 65, 84], at + 4); // "IDAT"
			for (let filled = 0; filled < length; ) {
				filled += source.read(copy, at + 8 + filled, length - filled);
				meter.add(source.work - walkCounted);
				walkCounted = source.work;
				if (meter.due) await meter.checkpoint(options.checkpoint);
			}
			meter.add(2 * length); // copied, then its CRC summed
			writeUint32(copy, at + 8 + length, crc32(copy, at + 4, at + 8 + length));
			at += length + 12;
			left -= length;
		} while (left > 0);
	}
	copy.set(IEND_CHUNK, at);
	return { bytes: copy, removed };
}
