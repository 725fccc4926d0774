/**
 * Why this file exists: JPEG codes colour as components whose meaning the file only hints at
 * (JFIF: Y, Cb, Cr; Adobe APP14 transform flag 0: RGB or CMYK, 1: YCbCr, 2: YCCK), and the rest
 * of the photo pipeline wants RGB. Converts one row at a time with the fixed-point formulas of
 * JFIF 1.02 / ITU-R BT.601 (16 fractional bits, tables built once, as libjpeg's jdcolor.c, so
 * the result matches `djpeg`). Four components become C, M, Y, K as libjpeg gives them (YCCK
 * undone, `cmykRow`), and those become RGB one way (`storedCmykRowToRgb`): Adobe's inversion
 * undone, then a CmykToRgb converter, an ICC profile's (colourTransform.ts) or the naive one.
 */

const SCALE_BITS = 16;
const HALF = 1 << (SCALE_BITS - 1);
const fix = (x: number): number => Math.round(x * (1 << SCALE_BITS));

/** Cr -> R, Cb -> B offsets and the two G terms (still scaled), indexed by the 8-bit sample. */
const crToRed = new Int32Array(256);
const cbToBlue = new Int32Array(256);
const crToGreen = new Int32Array(256);
const cbToGreen = new Int32Array(256);
for (let i = 0; i < 256; i++) {
	const x = i - 128;
	crToRed[i] = (fix(1.402) * x + HALF) >> SCALE_BITS;
	cbToBlue[i] = (fix(1.772) * x + HALF) >> SCALE_BITS;
	crToGreen[i] = -fix(0.71414) * x;
	cbToGreen[i] = -fix(0.34414) * x + HALF;
}

/** One row of Y, Cb, Cr samples to interleaved RGB (clamped by the Uint8ClampedArray). */
export function ycbcrToRgbRow(
	luma: Uint8ClampedArray,
	lumaOffset: number,
	cb: Uint8ClampedArray,
	cbOffset: number,
	cr: Uint8ClampedArray,
	crOffset: number,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
): void {
	let o = outOffset;
	for (let x = 0; x < width; x++) {
		const y = luma[lumaOffset + x];
		const blue = cb[cbOffset + x];
		const red = cr[crOffset + x];
		out[o] = y + crToRed[red];
		out[o + 1] = y + ((cbToGreen[blue] + crToGreen[red]) >> SCALE_BITS);
		out[o + 2] = y + cbToBlue[blue];
		o += 3;
	}
}

/** Three already-RGB components (Adobe transform 0 or component ids 'R','G','B') interleaved. */
export function rgbRow(
	red: Uint8ClampedArray,
	redOffset: number,
	green: Uint8ClampedArray,
	greenOffset: number,
	blue: Uint8ClampedArray,
	blueOffset: number,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
): void {
	let o = outOffset;
	for (let x = 0; x < width; x++) {
		out[o] = red[redOffset + x];
		out[o + 1] = green[greenOffset + x];
		out[o + 2] = blue[blueOffset + x];
		o += 3;
	}
}

/**
 * Converts `width` pixels of interleaved C, M, Y, K ink amounts (0 = no ink, 255 = full ink) to
 * interleaved RGB at `outOffset`: the naive model below, or an ICC profile's (colourTransform.ts).
 */
export type CmykToRgb = (
	ink: Uint8Array,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
) => void;

/**
 * CMYK without a profile: the simple subtractive model R = (255 - C) (255 - K) / 255 (and G from
 * M, B from Y), what most viewers show for an untagged CMYK file. No press profile is assumed:
 * none is licence-free and small enough to ship.
 */
export const naiveCmykToRgb: CmykToRgb = (ink, out, outOffset, width) => {
	let o = outOffset;
	for (let i = 0; i < width * 4; i += 4) {
		const white = 255 - ink[i + 3];
		out[o] = (((255 - ink[i]) * white + 127) / 255) | 0;
		out[o + 1] = (((255 - ink[i + 1]) * white + 127) / 255) | 0;
		out[o + 2] = (((255 - ink[i + 2]) * white + 127) / 255) | 0;
		o += 3;
	}
};

/**
 * One row of CMYK as cmykRow gives it (`width` pixels at `offset`) to RGB through `convert`.
 * `inverted`: the file stores 255 - ink, as Adobe's applications do; jpgicc (Little CMS) and
 * libjpeg users read a file with an Adobe APP14 segment that way and one without it as plain
 * CMYK, and so does this. `ink` is scratch of at least `width` * 4 samples.
 */
export function storedCmykRowToRgb(
	stored: Uint8Array | Uint8ClampedArray,
	offset: number,
	inverted: boolean,
	convert: CmykToRgb,
	ink: Uint8Array,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
): void {
	const samples = width * 4;
	if (inverted) for (let i = 0; i < samples; i++) ink[i] = 255 - stored[offset + i];
	else ink.set(stored.subarray(offset, offset + samples));
	convert(ink, out, outOffset, width);
}

function clamp(value: number): number {
	return value < 0 ? 0 : value > 255 ? 255 : value;
}

/**
 * Four components to C, M, Y, K as libjpeg's JCS_CMYK output gives them (Adobe's inverted
 * values, 255 meaning no ink): stored CMYK copied, YCCK (Adobe transform 2) converted back with
 * libjpeg's ycck_cmyk_convert. The decoder's 4-channel output (keepCmyk), and the first half of
 * its RGB output for CMYK files.
 */
export function cmykRow(
	rows: Uint8ClampedArray[],
	offsets: number[],
	ycck: boolean,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
): void {
	const [c, m, y, k] = rows;
	const [co, mo, yo, ko] = offsets;
	let o = outOffset;
	for (let x = 0; x < width; x++) {
		if (ycck) {
			const luma = c[co + x];
			const blue = m[mo + x];
			const red = y[yo + x];
			out[o] = 255 - clamp(luma + crToRed[red]);
			out[o + 1] = 255 - clamp(luma + ((cbToGreen[blue] + crToGreen[red]) >> SCALE_BITS));
			out[o + 2] = 255 - clamp(luma + cbToBlue[blue]);
		} else {
			out[o] = c[co + x];
			out[o + 1] = m[mo + x];
			out[o + 2] = y[yo + x];
		}
		out[o + 3] = k[ko + x];
		o += 4;
	}
}
