/**
 * PNG to pixels, so that a PNG selfie can be turned upright and shrunk like a JPEG one. Reads
 * every PNG the spec allows (ISO/IEC 15948 / W3C PNG 3rd ed.): colour types 0, 2, 3, 4, 6 at all
 * their bit depths (1, 2, 4, 8, 16), palettes with tRNS, Adam7 interlace (8.2) and the five
 * filter types (7.3, 9). The result is what the rest of the photo code works on: 8-bit grey or
 * RGB, with any transparency composited over white (a face-matching service wants no alpha) and
 * 16-bit samples rounded to 8 bits (round(v / 257), as pngjs and libpng's scaling do).
 *
 * The structure and CRCs are checked by `readPngStructure` first; the pixel count is limited
 * before the compressed data is even gathered; inflating stops at the exact size the header
 * implies, so a small file cannot make this allocate more than the header-declared image.
 */

import { inflateZlib } from './inflate';
import { readPngStructure } from './pngChunks';
import type { PngChunk, PngHeader } from './pngChunks';
import { MAX_INPUT_PIXELS, PhotoError } from './picture';
import type { Checkpoint, Picture } from './picture';

/** 8.2: Adam7 passes as [x0, y0, dx, dy]. */
const ADAM7_PASSES: ReadonlyArray<readonly [number, number, number, number]> = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2],
];

/** Raw (filtered) bytes unfiltered between two checkpoint calls. */
const CHECKPOINT_BYTES = 1024 * 1024;

/** Samples per pixel of each colour type (11.2.2). */
const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function corrupt(message: string): never {
	throw new PhotoError('corrupt', `Invalid PNG: ${message}`);
}

/** A sub-image to unfilter and convert: the whole image, or one Adam7 pass. */
interface Pass {
	x0: number;
	y0: number;
	dx: number;
	dy: number;
	width: number;
	height: number;
	/** Bytes per scanline without its filter-type byte. */
	rowBytes: number;
}

function passesOf(header: PngHeader, bitsPerPixel: number): Pass[] {
	const layouts: ReadonlyArray<readonly [number, number, number, number]> =
		header.interlace === 1 ? ADAM7_PASSES : [[0, 0, 1, 1]];
	const passes: Pass[] = [];
	for (const [x0, y0, dx, dy] of layouts) {
		const width = header.width > x0 ? Math.ceil((header.width - x0) / dx) : 0;
		const height = header.height > y0 ? Math.ceil((header.height - y0) / dy) : 0;
		// 8.2: a pass with no pixels has no scanlines at all, not even filter bytes.
		if (width === 0 || height === 0) continue;
		passes.push({ x0, y0, dx, dy, width, height, rowBytes: Math.ceil((width * bitsPerPixel) / 8) });
	}
	return passes;
}

/** Concatenates the IDAT chunks' data: together they are one zlib stream (10.1). */
function gatherImageData(bytes: Uint8Array, chunks: PngChunk[]): Uint8Array {
	let total = 0;
	for (const chunk of chunks) if (chunk.type === 'IDAT') total += chunk.length;
	const data = new Uint8Array(total);
	let written = 0;
	for (const chunk of chunks) {
		if (chunk.type !== 'IDAT') continue;
		data.set(bytes.subarray(chunk.offset, chunk.offset + chunk.length), written);
		written += chunk.length;
	}
	return data;
}

/**
 * 7.3 and 9: reverses the filter of one scanline in place. `row` is the offset of its first data
 * byte (the filter-type byte is just before), `previous` that of the scanline above or -1 for the
 * first scanline of a pass (whose "above" bytes are all 0). `bpp` is bytes per complete pixel,
 * at least 1.
 */
function unfilterRow(
	raw: Uint8Array,
	row: number,
	previous: number,
	rowBytes: number,
	bpp: number,
): void {
	const filter = raw[row - 1];
	const end = row + rowBytes;
	switch (filter) {
		case 0:
			return;
		case 1: // Sub
			for (let index = row + bpp; index < end; index++) raw[index] += raw[index - bpp];
			return;
		case 2: // Up
			if (previous < 0) return;
			for (let index = row, above = previous; index < end; index++, above++)
				raw[index] += raw[above];
			return;
		case 3: // Average
			if (previous < 0) {
				for (let index = row + bpp; index < end; index++) raw[index] += raw[index - bpp] >> 1;
				return;
			}
			for (let index = 0; index < bpp; index++) raw[row + index] += raw[previous + index] >> 1;
			for (let index = row + bpp, above = previous + bpp; index < end; index++, above++) {
				raw[index] += (raw[index - bpp] + raw[above]) >> 1;
			}
			return;
		case 4: // Paeth (9.4)
			if (previous < 0) {
				// With nothing above, the Paeth predictor is always the left byte: Sub.
				for (let index = row + bpp; index < end; index++) raw[index] += raw[index - bpp];
				return;
			}
			for (let index = 0; index < bpp; index++) raw[row + index] += raw[previous + index];
			for (let index = row + bpp, above = previous + bpp; index < end; index++, above++) {
				const left = raw[index - bpp];
				const up = raw[above];
				const upLeft = raw[above - bpp];
				const distanceLeft = Math.abs(up - upLeft);
				const distanceUp = Math.abs(left - upLeft);
				const distanceUpLeft = Math.abs(left + up - 2 * upLeft);
				raw[index] +=
					distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft
						? left
						: distanceUp <= distanceUpLeft
							? up
							: upLeft;
			}
			return;
		default:
			corrupt(`unknown filter type ${filter}`);
	}
}

/** round(value * 255 / 65535) for 16-bit samples. */
function reduce16(high: number, low: number): number {
	return ((((high << 8) | low) * 255 + 32767) / 65535) | 0;
}

/** The colour over white: round((colour * alpha + 255 * (255 - alpha)) / 255). */
function overWhite(colour: number, alpha: number): number {
	return ((colour * alpha + 255 * (255 - alpha) + 127) / 255) | 0;
}

/** Converts one unfiltered scanline to 8-bit output pixels; one of these per image. */
type RowConverter = (
	raw: Uint8Array,
	row: number,
	width: number,
	out: Uint8Array,
	at: number,
	step: number,
) => void;

/** 11.3.2.1 tRNS for colour types 0 and 2: the one sample value (or RGB triple) that is transparent. */
function transparentKey(
	bytes: Uint8Array,
	chunk: PngChunk | undefined,
	samples: number,
): number[] | undefined {
	if (!chunk || chunk.length < samples * 2) return undefined;
	const key: number[] = [];
	for (let sample = 0; sample < samples; sample++) {
		key.push((bytes[chunk.offset + sample * 2] << 8) | bytes[chunk.offset + sample * 2 + 1]);
	}
	return key;
}

/** Palette entries composited over white with their tRNS alpha; indices past the palette are black. */
function paletteOverWhite(
	bytes: Uint8Array,
	palette: PngChunk,
	transparency: PngChunk | undefined,
): Uint8Array {
	const colours = new Uint8Array(256 * 3);
	const entries = palette.length / 3;
	for (let entry = 0; entry < entries; entry++) {
		const alpha =
			transparency && entry < transparency.length ? bytes[transparency.offset + entry] : 255;
		for (let channel = 0; channel < 3; channel++) {
			colours[entry * 3 + channel] = overWhite(bytes[palette.offset + entry * 3 + channel], alpha);
		}
	}
	return colours;
}

function makeConverter(bytes: Uint8Array, header: PngHeader, chunks: PngChunk[]): RowConverter {
	const { bitDepth, colourType } = header;
	const transparency = chunks.find((chunk) => chunk.type === 'tRNS');
	if (colourType === 3) {
		const palette = chunks.find((chunk) => chunk.type === 'PLTE') as PngChunk;
		const colours = paletteOverWhite(bytes, palette, transparency);
		const mask = (1 << bitDepth) - 1;
		return (raw, row, width, out, at, step) => {
			for (let x = 0; x < width; x++, at += step) {
				const bit = x * bitDepth;
				const index = (raw[row + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask;
				out[at] = colours[index * 3];
				out[at + 1] = colours[index * 3 + 1];
				out[at + 2] = colours[index * 3 + 2];
			}
		};
	}
	if (colourType === 0) {
		const key = transparentKey(bytes, transparency, 1);
		const transparentSample = key ? key[0] : -1;
		if (bitDepth === 16) {
			return (raw, row, width, out, at, step) => {
				for (let x = 0, from = row; x < width; x++, from += 2, at += step) {
					const sample = (raw[from] << 8) | raw[from + 1];
					out[at] = sample === transparentSample ? 255 : reduce16(raw[from], raw[from + 1]);
				}
			};
		}
		const mask = (1 << bitDepth) - 1;
		const scale = 255 / mask;
		return (raw, row, width, out, at, step) => {
			for (let x = 0; x < width; x++, at += step) {
				const bit = x * bitDepth;
				const sample = (raw[row + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask;
				out[at] = sample === transparentSample ? 255 : sample * scale;
			}
		};
	}
	if (colourType === 2) {
		const key = transparentKey(bytes, transparency, 3);
		if (bitDepth === 16) {
			return (raw, row, width, out, at, step) => {
				for (let x = 0, from = row; x < width; x++, from += 6, at += step) {
					if (
						key &&
						((raw[from] << 8) | raw[from + 1]) === key[0] &&
						((raw[from + 2] << 8) | raw[from + 3]) === key[1] &&
						((raw[from + 4] << 8) | raw[from + 5]) === key[2]
					) {
						out[at] = out[at + 1] = out[at + 2] = 255;
						continue;
					}
					out[at] = reduce16(raw[from], raw[from + 1]);
					out[at + 1] = reduce16(raw[from + 2], raw[from + 3]);
					out[at + 2] = reduce16(raw[from + 4], raw[from + 5]);
				}
			};
		}
		if (!key) {
			return (raw, row, width, out, at, step) => {
				if (step === 3) {
					out.set(raw.subarray(row, row + width * 3), at);
					return;
				}
				for (let x = 0, from = row; x < width; x++, from += 3, at += step) {
					out[at] = raw[from];
					out[at + 1] = raw[from + 1];
					out[at + 2] = raw[from + 2];
				}
			};
		}
		return (raw, row, width, out, at, step) => {
			for (let x = 0, from = row; x < width; x++, from += 3, at += step) {
				const transparent =
					raw[from] === key[0] && raw[from + 1] === key[1] && raw[from + 2] === key[2];
				out[at] = transparent ? 255 : raw[from];
				out[at + 1] = transparent ? 255 : raw[from + 1];
				out[at + 2] = transparent ? 255 : raw[from + 2];
			}
		};
	}
	// Colour types 4 and 6 carry alpha (tRNS is not allowed with them and is ignored).
	const colourSamples = colourType === 4 ? 1 : 3;
	const bytesPerSample = bitDepth / 8;
	const pixelBytes = (colourSamples + 1) * bytesPerSample;
	return (raw, row, width, out, at, step) => {
		for (let x = 0, from = row; x < width; x++, from += pixelBytes, at += step) {
			const alphaAt = from + colourSamples * bytesPerSample;
			const alpha = bytesPerSample === 1 ? raw[alphaAt] : reduce16(raw[alphaAt], raw[alphaAt + 1]);
			for (let channel = 0; channel < colourSamples; channel++) {
				const sampleAt = from + channel * bytesPerSample;
				const colour =
					bytesPerSample === 1 ? raw[sampleAt] : reduce16(raw[sampleAt], raw[sampleAt + 1]);
				out[at + channel] = overWhite(colour, alpha);
			}
		}
	};
}

/**
 * The memory decodePng takes for a PNG with this header, near enough for a budget: the inflated
 * rows (about one filter byte per row more than the samples) and the 8-bit picture.
 */
export function pngDecodeBytes(header: PngHeader): number {
	const bitsPerPixel = SAMPLES_PER_PIXEL[header.colourType] * header.bitDepth;
	const rows = header.height * (Math.ceil((header.width * bitsPerPixel) / 8) + 1);
	const channels = header.colourType === 0 || header.colourType === 4 ? 1 : 3;
	return rows + header.width * header.height * channels;
}

/**
 * Decodes to RGB (3 channels) or grey (1 channel). Alpha is composited over white. 16-bit samples
 * reduced to 8 (rounded). Palette, tRNS, all bit depths (1,2,4,8,16), colour types 0,2,3,4,6,
 * Adam7 interlace, all five filter types. Greyscale types (0, 4) give 1 channel, the others 3.
 * Fails with PhotoError: `too_large` above `maxPixels` (default MAX_INPUT_PIXELS), `corrupt` for
 * a broken or truncated file, `unsupported` for an unknown critical chunk.
 */
export async function decodePng(
	bytes: Uint8Array,
	options?: { maxPixels?: number; checkpoint?: Checkpoint },
): Promise<Picture> {
	const { header, chunks } = readPngStructure(bytes);
	const maxPixels = Math.min(options?.maxPixels ?? MAX_INPUT_PIXELS, MAX_INPUT_PIXELS);
	if (header.width * header.height > maxPixels) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${header.width}x${header.height} pixels, more than the ${maxPixels} allowed`,
		);
	}
	const checkpoint = options?.checkpoint;
	const bitsPerPixel = SAMPLES_PER_PIXEL[header.colourType] * header.bitDepth;
	const filterBpp = Math.max(1, bitsPerPixel >> 3);
	const passes = passesOf(header, bitsPerPixel);
	let rawLength = 0;
	for (const pass of passes) rawLength += pass.height * (pass.rowBytes + 1);

	const raw = await inflateZlib(gatherImageData(bytes, chunks), rawLength, checkpoint);
	if (raw.length < rawLength) corrupt('the image data ends early');

	const channels: 1 | 3 = header.colourType === 0 || header.colourType === 4 ? 1 : 3;
	const data = new Uint8Array(header.width * header.height * channels);
	const convert = makeConverter(bytes, header, chunks);
	let offset = 0;
	let sinceCheckpoint = 0;
	for (const pass of passes) {
		const stride = pass.rowBytes + 1;
		for (let y = 0; y < pass.height; y++, offset += stride) {
			const row = offset + 1;
			unfilterRow(raw, row, y === 0 ? -1 : row - stride, pass.rowBytes, filterBpp);
			const outputY = pass.y0 + y * pass.dy;
			convert(
				raw,
				row,
				pass.width,
				data,
				(outputY * header.width + pass.x0) * channels,
				pass.dx * channels,
			);
			sinceCheckpoint += stride;
			if (sinceCheckpoint >= CHECKPOINT_BYTES && checkpoint) {
				sinceCheckpoint = 0;
				await checkpoint();
			}
		}
	}
	return { width: header.width, height: header.height, channels, data };
}
