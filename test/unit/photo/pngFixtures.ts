/**
 * PNG fixtures made at test time: a small PNG writer (any colour type, bit depth and filter type,
 * extra chunks) built on Node's zlib and CRC-32, and the alpha-over-white composite of pngjs's
 * RGBA output, so that the decoder is compared with pngjs on exactly what it promises to return.
 */

import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';

export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const out = Buffer.alloc(body.length + 8);
	out.writeUInt32BE(data.length, 0);
	body.copy(out, 4);
	out.writeUInt32BE(zlib.crc32(body), body.length + 4);
	return out;
}

export const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

export function ihdr(
	width: number,
	height: number,
	bitDepth: number,
	colourType: number,
	interlace = 0,
): Buffer {
	const data = Buffer.alloc(13);
	data.writeUInt32BE(width, 0);
	data.writeUInt32BE(height, 4);
	data.set([bitDepth, colourType, 0, 0, interlace], 8);
	return chunk('IHDR', data);
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface RawImage {
	width: number;
	height: number;
	bitDepth: number;
	colourType: number;
	/** Sample values, pixel by pixel, row-major, at the image's bit depth. */
	samples: ArrayLike<number>;
}

/** The PNG filters of section 9, applied to one packed scanline. */
function filterRow(type: number, row: Buffer, previous: Buffer, bpp: number): Buffer {
	const out = Buffer.alloc(row.length + 1);
	out[0] = type;
	for (let index = 0; index < row.length; index++) {
		const left = index >= bpp ? row[index - bpp] : 0;
		const up = previous[index];
		const upLeft = index >= bpp ? previous[index - bpp] : 0;
		let prediction = 0;
		if (type === 1) prediction = left;
		else if (type === 2) prediction = up;
		else if (type === 3) prediction = (left + up) >> 1;
		else if (type === 4) {
			const p = left + up - upLeft;
			const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
			prediction = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
		}
		out[index + 1] = (row[index] - prediction) & 255;
	}
	return out;
}

/** Packed, filtered scanlines of a non-interlaced image; filter types cycle through `filters`. */
export function scanlines(image: RawImage, filters: number[]): Buffer {
	const samplesPerPixel = SAMPLES[image.colourType];
	const bitsPerPixel = samplesPerPixel * image.bitDepth;
	const rowBytes = Math.ceil((image.width * bitsPerPixel) / 8);
	const bpp = Math.max(1, bitsPerPixel >> 3);
	const rows: Buffer[] = [];
	let previous = Buffer.alloc(rowBytes);
	for (let y = 0; y < image.height; y++) {
		const row = Buffer.alloc(rowBytes);
		for (let s = 0; s < image.width * samplesPerPixel; s++) {
			const value = image.samples[y * image.width * samplesPerPixel + s];
			if (image.bitDepth === 16) row.writeUInt16BE(value, s * 2);
			else if (image.bitDepth === 8) row[s] = value;
			else
				row[(s * image.bitDepth) >> 3] |=
					value << (8 - image.bitDepth - ((s * image.bitDepth) & 7));
		}
		rows.push(filterRow(filters[y % filters.length], row, previous, bpp));
		previous = row;
	}
	return Buffer.concat(rows);
}

export interface EncodeOptions {
	filters?: number[];
	/** Chunks placed after IHDR (and PLTE), before the image data. */
	before?: Buffer[];
	/** Chunks placed after the image data, before IEND. */
	after?: Buffer[];
	palette?: Uint8Array;
	/** Splits the zlib stream into IDAT chunks of this many bytes. */
	idatSize?: number;
}

export function encodePng(image: RawImage, options: EncodeOptions = {}): Buffer {
	const compressed = zlib.deflateSync(scanlines(image, options.filters ?? [0, 1, 2, 3, 4]));
	const idats: Buffer[] = [];
	const size = options.idatSize ?? compressed.length;
	for (let at = 0; at < compressed.length; at += size)
		idats.push(chunk('IDAT', compressed.subarray(at, at + size)));
	return Buffer.concat([
		SIGNATURE,
		ihdr(image.width, image.height, image.bitDepth, image.colourType),
		...(options.palette ? [chunk('PLTE', options.palette)] : []),
		...(options.before ?? []),
		...idats,
		...(options.after ?? []),
		chunk('IEND'),
	]);
}

/** round((colour * alpha + 255 * (255 - alpha)) / 255), the composite the decoder promises. */
export function overWhite(colour: number, alpha: number): number {
	return Math.floor((colour * alpha + 255 * (255 - alpha) + 127) / 255);
}

/** pngjs's decode of `png`, composited over white, as 1 or 3 channels. */
export function pngjsOverWhite(png: Uint8Array, channels: 1 | 3): Picture {
	const decoded = PNG.sync.read(Buffer.from(png), { checkCRC: true });
	const data = new Uint8Array(decoded.width * decoded.height * channels);
	for (let pixel = 0; pixel < decoded.width * decoded.height; pixel++) {
		const alpha = decoded.data[pixel * 4 + 3];
		for (let channel = 0; channel < channels; channel++) {
			data[pixel * channels + channel] = overWhite(decoded.data[pixel * 4 + channel], alpha);
		}
	}
	return { width: decoded.width, height: decoded.height, channels, data };
}

/** Deterministic pseudo-random samples (a linear congruential generator), `bits` wide. */
export function randomSamples(count: number, bits: number, seed: number): Uint16Array {
	const out = new Uint16Array(count);
	let state = seed >>> 0;
	for (let index = 0; index < count; index++) {
		state = (Math.imul(state, 1103515245) + 12345) >>> 0;
		out[index] = (state >>> 8) & ((1 << bits) - 1);
	}
	return out;
}

/** A smooth test photo (gradients and a disc) with some noise, as PPM-ready RGB. */
export function photo(width: number, height: number, seed = 1): Picture {
	const data = new Uint8Array(width * height * 3);
	const noise = randomSamples(width * height, 4, seed);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const at = (y * width + x) * 3;
			const inDisc =
				(x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
			data[at] = ((x * 255) / width + noise[y * width + x]) & 255;
			data[at + 1] = inDisc ? 200 : (y * 255) / height;
			data[at + 2] = (((x + y) * 128) / (width + height) + noise[y * width + x] * 2) & 255;
		}
	}
	return { width, height, channels: 3, data };
}
