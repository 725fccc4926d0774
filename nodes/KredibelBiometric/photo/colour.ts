/**
 * Why this file exists: JPEG codes colour as components whose meaning the file only hints at
 * (JFIF: Y, Cb, Cr; Adobe APP14 transform flag 0: RGB or CMYK, 1: YCbCr, 2: YCCK), and the rest
 * of the photo pipeline wants RGB. Converts one row at a time with the fixed-point formulas of
 * JFIF 1.02 / ITU-R BT.601 (16 fractional bits, tables built once, as libjpeg's jdcolor.c, so
 * the result matches `djpeg`), and turns Adobe CMYK (stored inverted) into RGB by the simple
 * subtractive model R = C' * K' / 255 on the stored values.
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
 * Four components to RGB. `ycck`: the first three are YCbCr of the inverted C, M, Y (Adobe
 * transform 2), otherwise they are Adobe's inverted C, M, Y themselves; K is inverted in both.
 */
export function cmykToRgbRow(
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
		let cyan = c[co + x];
		let magenta = m[mo + x];
		let yellow = y[yo + x];
		if (ycck) {
			// libjpeg's ycck_cmyk_convert: C = 255 - R(Y, Cb, Cr), and so on; the result is Adobe's
			// (inverted) CMYK like a transform-0 file's.
			const luma = cyan;
			const blue = magenta;
			const red = yellow;
			cyan = clamp(luma + crToRed[red]);
			magenta = clamp(luma + ((cbToGreen[blue] + crToGreen[red]) >> SCALE_BITS));
			yellow = clamp(luma + cbToBlue[blue]);
			cyan = 255 - cyan;
			magenta = 255 - magenta;
			yellow = 255 - yellow;
		}
		const black = k[ko + x];
		out[o] = ((cyan * black + 127) / 255) | 0;
		out[o + 1] = ((magenta * black + 127) / 255) | 0;
		out[o + 2] = ((yellow * black + 127) / 255) | 0;
		o += 3;
	}
}

function clamp(value: number): number {
	return value < 0 ? 0 : value > 255 ? 255 : value;
}

/**
 * Four components to C, M, Y, K as libjpeg's JCS_CMYK output gives them (Adobe's inverted
 * values, 255 meaning no ink): stored CMYK copied, YCCK (Adobe transform 2) converted back with
 * libjpeg's ycck_cmyk_convert. For colour management of the 4 channels elsewhere.
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
