/**
 * PNG to pixels, so that a PNG selfie can be checked, turned upright and shrunk like a JPEG one.
 * Reads every PNG the spec allows (ISO/IEC 15948 / W3C PNG 3rd ed.): colour types 0, 2, 3, 4, 6
 * at all their bit depths (1, 2, 4, 8, 16), palettes with tRNS, Adam7 interlace (8.2) and the
 * five filter types (7.3, 9). The result is what the rest of the photo code works on: 8-bit grey
 * or RGB, with any transparency composited over white (a face-matching service wants no alpha)
 * and 16-bit samples rounded to 8 bits (round(v / 257), as pngjs and libpng's scaling do).
 *
 * Bounded whatever the header claims (a 388 KB file can claim 400 MB of 16-bit RGBA): the zlib
 * stream is inflated as it is read from the IDAT chunks where they lie, each row is unfiltered
 * from the inflate window as soon as it is there, keeping only the row above, and is added into
 * the reduced picture at once (RowDownscaler), so the whole image never exists. Adam7 passes
 * scatter their pixels over the whole image, so an interlaced PNG is decoded whole: up to
 * MAX_INTERLACED_BYTES of 8-bit pixels, and refused as too large above that. What the budget's
 * 2 s cannot cover is refused from the header (more than MAX_IMAGE_DATA_BYTES of image data, a
 * side longer than MAX_SIDE) or, for streams that are slow to inflate for their size, by the
 * WorkMeter's work limit when it gets there. Every buffer is requested from the WorkMeter, every
 * step counted on it, and `checkpoint` is called as the work adds up.
 *
 * Damage as libpng handles it: the picture must be complete ("Not enough image data" is damage)
 * and its zlib stream must end with a matching Adler-32; a stream that goes on making data after
 * the picture is complete is accepted, as libpng accepts it ("Too much image data"); bytes after
 * the stream's end are not picture data (`streamLength` says where it ends).
 */

import { DEFLATE_HISTORY, ZlibInflater } from './inflate';
import { imageDataSource, invalidPng, readPngHeader, readPngLayout } from './pngChunks';
import type { PngHeader, PngLayout } from './pngChunks';
import { makeRowConverter } from './pngPixels';
import { MAX_INPUT_PIXELS, PhotoError } from './picture';
import type { Checkpoint, Picture } from './picture';
import { RowDownscaler } from './rowDownscaler';
import { WorkMeter } from './workMeter';

/**
 * The longest side decoded (libpng's own default limit is 1,000,000): it bounds the rows kept and
 * the downscaler's weights (a side 32 times the reduced one at most). Photos are far below it.
 */
export const MAX_SIDE = 65535;
/** The most 8-bit pixel bytes an interlaced PNG, decoded whole, may have (5.6 MP of RGB). */
export const MAX_INTERLACED_BYTES = 16 * 1024 * 1024;
/**
 * The most image data (filtered scanlines, what the zlib stream must inflate to) decoded:
 * 50 megapixels of 8-bit RGB, a 48 MP phone photo, fit; 50 MP of 16-bit RGBA (400 MB, which a
 * 388 KB file can claim) would take more than the 2 s budget to inflate, unfilter and reduce.
 */
export const MAX_IMAGE_DATA_BYTES = 160 * 1024 * 1024;

/** 8.2: Adam7 passes as [x0, y0, dx, dy]. */
export const ADAM7_PASSES: ReadonlyArray<readonly [number, number, number, number]> = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2],
];

/** Samples per pixel of each colour type (11.2.2). */
const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Inflate window beyond the history and a row: what the inflater fills before the window slides
 * (each slide moves the history and a row back to the front).
 */
const WINDOW_ROOM = 1024 * 1024;

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

function passesOf(header: PngHeader): Pass[] {
	const bitsPerPixel = SAMPLES_PER_PIXEL[header.colourType] * header.bitDepth;
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

function channelsOf(header: PngHeader): 1 | 3 {
	return header.colourType === 0 || header.colourType === 4 ? 1 : 3;
}

/**
 * The header checks a caller can make before anything is decoded (`readPngHeader`'s, plus what
 * this decoder cannot do within the budget: a side longer than MAX_SIDE, more image data than
 * MAX_IMAGE_DATA_BYTES, interlaced images above MAX_INTERLACED_BYTES): PhotoError `too_large` or
 * `corrupt`, free and immediate.
 */
export function checkPngHeader(bytes: Uint8Array): PngHeader {
	const header = readPngHeader(bytes);
	const { width, height } = header;
	if (width > MAX_SIDE || height > MAX_SIDE) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${width}x${height} pixels: a side longer than the ${MAX_SIDE} pixels the node decodes`,
		);
	}
	let imageDataBytes = 0;
	for (const pass of passesOf(header)) imageDataBytes += pass.height * (pass.rowBytes + 1);
	if (imageDataBytes > MAX_IMAGE_DATA_BYTES) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${width}x${height} pixels at ${header.bitDepth} bits per sample: ${megabytes(imageDataBytes)} MB of image data, above the ${megabytes(MAX_IMAGE_DATA_BYTES)} MB the node decodes. Save it with 8 bits per sample or fewer pixels`,
		);
	}
	const wholeBytes = width * height * channelsOf(header);
	if (header.interlace === 1 && wholeBytes > MAX_INTERLACED_BYTES) {
		throw new PhotoError(
			'too_large',
			`The PNG is interlaced (Adam7) and ${width}x${height} pixels; an interlaced PNG is decoded whole, which the node does up to ${(MAX_INTERLACED_BYTES / channelsOf(header) / 1e6).toFixed(1)} megapixels. Save it again without interlacing`,
		);
	}
	return header;
}

/**
 * 7.3 and 9: reverses the filter of one scanline. Its filter-type byte is `source[from]`, its
 * `rowBytes` data bytes follow; the unfiltered row goes to `target`. `above` is the unfiltered
 * row above, or undefined for the first row of a pass (whose "above" bytes are all 0). `bpp` is
 * bytes per complete pixel, at least 1.
 */
function unfilterRow(
	source: Uint8Array,
	from: number,
	above: Uint8Array | undefined,
	target: Uint8Array,
	rowBytes: number,
	bpp: number,
): void {
	const filter = source[from];
	const data = from + 1;
	switch (filter) {
		case 0:
			target.set(source.subarray(data, data + rowBytes));
			return;
		case 1:
			unfilterSub(source, data, target, rowBytes, bpp);
			return;
		case 2: // Up
			if (!above) {
				target.set(source.subarray(data, data + rowBytes));
				return;
			}
			for (let index = 0; index < rowBytes; index++)
				target[index] = source[data + index] + above[index];
			return;
		case 3: // Average
			unfilterAverage(source, data, above, target, rowBytes, bpp);
			return;
		case 4: // Paeth (9.4)
			// With nothing above, the Paeth predictor is always the left byte: Sub.
			if (above) unfilterPaeth(source, data, above, target, rowBytes, bpp);
			else unfilterSub(source, data, target, rowBytes, bpp);
			return;
		default:
			invalidPng(`unknown filter type ${filter}`);
	}
}

/** 9.2 Sub: each byte plus the byte `bpp` to its left. */
function unfilterSub(
	source: Uint8Array,
	data: number,
	target: Uint8Array,
	rowBytes: number,
	bpp: number,
): void {
	target.set(source.subarray(data, data + Math.min(bpp, rowBytes)));
	for (let index = bpp; index < rowBytes; index++) {
		target[index] = source[data + index] + target[index - bpp];
	}
}

/**
 * 9.3 Average, one sample of the pixel at a time, so that the left byte stays in a variable
 * (the loop is bound by that dependency; walking by `bpp` keeps it to one add per byte).
 */
function unfilterAverage(
	source: Uint8Array,
	data: number,
	above: Uint8Array | undefined,
	target: Uint8Array,
	rowBytes: number,
	bpp: number,
): void {
	for (let sample = 0; sample < bpp && sample < rowBytes; sample++) {
		let left = (source[data + sample] + (above ? above[sample] >> 1 : 0)) & 255;
		target[sample] = left;
		for (let index = sample + bpp; index < rowBytes; index += bpp) {
			left = (source[data + index] + ((left + (above ? above[index] : 0)) >> 1)) & 255;
			target[index] = left;
		}
	}
}

/** 9.4 Paeth with a row above, one sample of the pixel at a time (see unfilterAverage). */
function unfilterPaeth(
	source: Uint8Array,
	data: number,
	above: Uint8Array,
	target: Uint8Array,
	rowBytes: number,
	bpp: number,
): void {
	for (let sample = 0; sample < bpp && sample < rowBytes; sample++) {
		let left = (source[data + sample] + above[sample]) & 255;
		let upLeft = above[sample];
		target[sample] = left;
		for (let index = sample + bpp; index < rowBytes; index += bpp) {
			const up = above[index];
			// The distances of 9.4 from p = left + up - upLeft to left, up and upLeft.
			let toLeft = up - upLeft;
			let toUp = left - upLeft;
			let toUpLeft = toLeft + toUp;
			toLeft = toLeft < 0 ? -toLeft : toLeft;
			toUp = toUp < 0 ? -toUp : toUp;
			toUpLeft = toUpLeft < 0 ? -toUpLeft : toUpLeft;
			const predictor =
				toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
			left = (source[data + index] + predictor) & 255;
			target[index] = left;
			upLeft = up;
		}
	}
}

/** Work units per scanline byte of each filter type, beyond the byte itself (bench-measured). */
const FILTER_WORK = [0, 1, 1, 2, 3];

export interface DecodePngOptions {
	/**
	 * The longest side of the picture returned: a larger PNG is reduced (area average, aspect
	 * kept) while it is decoded. Default: no reduction.
	 */
	maxLongSide?: number;
	/** At most this many pixels (default and ceiling MAX_INPUT_PIXELS), else `too_large`. */
	maxPixels?: number;
	checkpoint?: Checkpoint;
	/** Counts this decode's memory and work (a fresh one when not given). */
	meter?: WorkMeter;
}

export interface DecodedPng {
	/** The whole picture, reduced to `maxLongSide`: RGB, or grey for greyscale types (0, 4). */
	picture: Picture;
	layout: PngLayout;
	/**
	 * Bytes of the IDAT data that are the zlib stream (anything after it is not picture data).
	 * Undefined when the stream went on making data after the picture was complete: libpng shows
	 * such a PNG ("Too much image data"), and so does this decoder, but no clean copy of it can
	 * keep the compressed data as it is.
	 */
	streamLength: number | undefined;
}

/**
 * Decodes a PNG completely: every chunk walked and CRC-checked, every row of every pass
 * inflated, unfiltered and converted, the zlib stream's end and Adler-32 checked. Fails with
 * PhotoError: `too_large` above `maxPixels` or the decoder's limits (`checkPngHeader`) or the
 * memory budget, `corrupt` for a damaged or truncated file, `unsupported` for an unknown critical
 * chunk, `cancelled` when the checkpoint says so.
 */
export async function decodePng(
	bytes: Uint8Array,
	options: DecodePngOptions = {},
): Promise<DecodedPng> {
	const header = checkPngHeader(bytes);
	const maxPixels = Math.min(options.maxPixels ?? MAX_INPUT_PIXELS, MAX_INPUT_PIXELS);
	if (header.width * header.height > maxPixels) {
		throw new PhotoError(
			'too_large',
			`The PNG is ${header.width}x${header.height} pixels, more than the ${maxPixels} allowed`,
		);
	}
	const { checkpoint } = options;
	const meter = options.meter ?? new WorkMeter();
	const layout = await readPngLayout(bytes, { checkpoint, meter });
	const { width, height } = header;
	const channels = channelsOf(header);
	const [outWidth, outHeight] = reducedSize(width, height, options.maxLongSide);
	const passes = passesOf(header);
	const bitsPerPixel = SAMPLES_PER_PIXEL[header.colourType] * header.bitDepth;
	const filterBpp = Math.max(1, bitsPerPixel >> 3);
	const widestRow = Math.max(...passes.map((pass) => pass.rowBytes));
	const convert = makeRowConverter(bytes, layout);

	const inflater = new ZlibInflater(
		imageDataSource(bytes, layout.imageData),
		DEFLATE_HISTORY + 1 + widestRow + Math.max(widestRow, WINDOW_ROOM),
		meter,
	);
	let above = meter.bytes(widestRow, 'PNG rows');
	let current = meter.bytes(widestRow, 'PNG rows');
	const interlaced = header.interlace === 1;
	// Rows of a plain PNG go to the downscaler one by one; Adam7 passes fill the whole image.
	const pixels = interlaced
		? meter.bytes(width * height * channels, 'interlaced PNG')
		: meter.bytes(width * channels, 'PNG rows');
	// An interlaced image decoded whole needs no second copy when it is not reduced.
	const reduced =
		interlaced && outWidth === width && outHeight === height
			? undefined
			: new RowDownscaler(width, height, outWidth, outHeight, channels, meter);

	let position = 0; // stream position of the next scanline's filter byte
	for (const pass of passes) {
		const stride = pass.rowBytes + 1;
		for (let y = 0; y < pass.height; y++) {
			while (inflater.produced < position + stride) {
				// libpng: "Not enough image data".
				if (inflater.finished) invalidPng('the image data ends early');
				inflater.inflate(position);
				if (meter.due) await meter.checkpoint(checkpoint);
			}
			unfilterRow(
				inflater.window,
				position - inflater.windowStart,
				y === 0 ? undefined : above,
				current,
				pass.rowBytes,
				filterBpp,
			);
			if (interlaced) {
				const at = ((pass.y0 + y * pass.dy) * width + pass.x0) * channels;
				convert(current, 0, pass.width, pixels, at, pass.dx * channels);
			} else {
				convert(current, 0, pass.width, pixels, 0, channels);
				reduced?.push(pixels, 0);
			}
			const filterWork = FILTER_WORK[inflater.window[position - inflater.windowStart]];
			[above, current] = [current, above];
			position += stride;
			meter.add(stride * (1 + filterWork) + pass.width * channels);
			if (meter.due) await meter.checkpoint(checkpoint);
		}
	}
	if (interlaced && reduced) {
		for (let y = 0; y < height; y++) {
			reduced.push(pixels, y * width * channels);
			if (meter.due) await meter.checkpoint(checkpoint);
		}
	}
	// The picture is complete; the stream must end (its Adler-32 checked) or go on making data.
	while (!inflater.finished && inflater.produced === position) {
		inflater.inflate(position);
		if (meter.due) await meter.checkpoint(checkpoint);
	}
	const extraData = inflater.produced > position;
	await meter.checkpoint(checkpoint);
	return {
		picture: reduced ? reduced.finish() : { width, height, channels, data: pixels },
		layout,
		streamLength: extraData ? undefined : inflater.streamLength,
	};
}

/** The size with the long side at most `maxLongSide`, aspect kept, each side at least 1. */
function reducedSize(width: number, height: number, maxLongSide?: number): [number, number] {
	const long = Math.max(width, height);
	if (maxLongSide === undefined || long <= maxLongSide) return [width, height];
	const ratio = maxLongSide / long;
	return [Math.max(1, Math.round(width * ratio)), Math.max(1, Math.round(height * ratio))];
}

function megabytes(bytes: number): string {
	return (bytes / (1024 * 1024)).toFixed(1);
}
