/**
 * Why this file exists: turning each 8x8 block of quantised DCT coefficients back into samples
 * (T.81 A.3.3, the inverse DCT) is the other hot loop of a JPEG decoder, and decoding a 12 MP
 * photo to shrink it is much cheaper when the IDCT directly produces a smaller block. Four
 * integer IDCTs, each dequantising on the fly (T.81 F.2.1.4 / A.3.4):
 * - 8x8: the separable Loeffler-Ligtenberg-Moschytz algorithm with 13-bit constants, the same
 *   arithmetic as libjpeg's "islow" method, so full-size output matches `djpeg` bit for bit;
 * - 4x4, 2x2, 1x1: outputs computed straight from the low-frequency coefficients (the same
 *   reduced transforms as libjpeg's jidctred.c) for scales 1/2, 1/4 and 1/8.
 * Samples are level-shifted by +128 (T.81 A.3.1) and clamped by storing into a Uint8ClampedArray.
 */

/** Natural (row-major) index of the k-th coefficient in zig-zag order (T.81 Figure A.6). */
export const ZIGZAG_TO_NATURAL = new Uint8Array([
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
	13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
	45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Signature shared by the four transforms: coefficients in natural order at `offset`. */
export type InverseDct = (
	coefficients: Int16Array,
	offset: number,
	quant: Int32Array,
	output: Uint8ClampedArray,
	outputOffset: number,
	outputStride: number,
) => void;

const CONST_BITS = 13;
const PASS1_BITS = 2;
// Constants scaled by 2^13: FIX(x) = round(x * 8192).
const FIX_0_211164243 = 1730;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_509795579 = 4176;
const FIX_0_541196100 = 4433;
const FIX_0_601344887 = 4926;
const FIX_0_720959822 = 5906;
const FIX_0_765366865 = 6270;
const FIX_0_850430095 = 6967;
const FIX_0_899976223 = 7373;
const FIX_1_061594337 = 8697;
const FIX_1_175875602 = 9633;
const FIX_1_272758580 = 10426;
const FIX_1_451774981 = 11893;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_172734803 = 17799;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;
const FIX_3_624509785 = 29692;

/** Column-pass results (8 columns x up to 8 rows); the transforms are synchronous, so one suffices. */
const workspace = new Int32Array(64);

/** Full 8x8 inverse DCT: columns first into `workspace` (scaled by 2^PASS1_BITS), then rows. */
export const idct8x8: InverseDct = (coefficients, offset, quant, output, outputOffset, stride) => {
	const ws = workspace;
	for (let column = 0; column < 8; column++) {
		const c = offset + column;
		const in1 = coefficients[c + 8];
		const in2 = coefficients[c + 16];
		const in3 = coefficients[c + 24];
		const in4 = coefficients[c + 32];
		const in5 = coefficients[c + 40];
		const in6 = coefficients[c + 48];
		const in7 = coefficients[c + 56];
		if ((in1 | in2 | in3 | in4 | in5 | in6 | in7) === 0) {
			const dc = (coefficients[c] * quant[column]) << PASS1_BITS;
			for (let row = 0; row < 64; row += 8) ws[column + row] = dc;
			continue;
		}
		// Even part: coefficients 0, 2, 4, 6.
		let z2 = in2 * quant[column + 16];
		let z3 = in6 * quant[column + 48];
		let z1 = (z2 + z3) * FIX_0_541196100;
		let tmp2 = z1 - z3 * FIX_1_847759065;
		let tmp3 = z1 + z2 * FIX_0_765366865;
		z2 = coefficients[c] * quant[column];
		z3 = in4 * quant[column + 32];
		let tmp0 = (z2 + z3) * 8192;
		let tmp1 = (z2 - z3) * 8192;
		const tmp10 = tmp0 + tmp3;
		const tmp13 = tmp0 - tmp3;
		const tmp11 = tmp1 + tmp2;
		const tmp12 = tmp1 - tmp2;
		// Odd part: coefficients 7, 5, 3, 1.
		tmp0 = in7 * quant[column + 56];
		tmp1 = in5 * quant[column + 40];
		tmp2 = in3 * quant[column + 24];
		tmp3 = in1 * quant[column + 8];
		z1 = tmp0 + tmp3;
		z2 = tmp1 + tmp2;
		z3 = tmp0 + tmp2;
		let z4 = tmp1 + tmp3;
		const z5 = (z3 + z4) * FIX_1_175875602;
		tmp0 *= FIX_0_298631336;
		tmp1 *= FIX_2_053119869;
		tmp2 *= FIX_3_072711026;
		tmp3 *= FIX_1_501321110;
		z1 *= -FIX_0_899976223;
		z2 *= -FIX_2_562915447;
		z3 = z3 * -FIX_1_961570560 + z5;
		z4 = z4 * -FIX_0_390180644 + z5;
		tmp0 += z1 + z3;
		tmp1 += z2 + z4;
		tmp2 += z2 + z3;
		tmp3 += z1 + z4;
		const round = 1 << (CONST_BITS - PASS1_BITS - 1);
		const shift = CONST_BITS - PASS1_BITS;
		ws[column] = (tmp10 + tmp3 + round) >> shift;
		ws[column + 56] = (tmp10 - tmp3 + round) >> shift;
		ws[column + 8] = (tmp11 + tmp2 + round) >> shift;
		ws[column + 48] = (tmp11 - tmp2 + round) >> shift;
		ws[column + 16] = (tmp12 + tmp1 + round) >> shift;
		ws[column + 40] = (tmp12 - tmp1 + round) >> shift;
		ws[column + 24] = (tmp13 + tmp0 + round) >> shift;
		ws[column + 32] = (tmp13 - tmp0 + round) >> shift;
	}
	const round = 1 << (CONST_BITS + PASS1_BITS + 3 - 1);
	const shift = CONST_BITS + PASS1_BITS + 3;
	for (let row = 0; row < 64; row += 8) {
		const o = outputOffset + (row >> 3) * stride;
		const w1 = ws[row + 1];
		const w2 = ws[row + 2];
		const w3 = ws[row + 3];
		const w4 = ws[row + 4];
		const w5 = ws[row + 5];
		const w6 = ws[row + 6];
		const w7 = ws[row + 7];
		if ((w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) {
			const value = ((ws[row] + 16) >> 5) + 128;
			output.fill(value, o, o + 8);
			continue;
		}
		let z1 = (w2 + w6) * FIX_0_541196100;
		let tmp2 = z1 - w6 * FIX_1_847759065;
		let tmp3 = z1 + w2 * FIX_0_765366865;
		let tmp0 = (ws[row] + w4) * 8192;
		let tmp1 = (ws[row] - w4) * 8192;
		const tmp10 = tmp0 + tmp3;
		const tmp13 = tmp0 - tmp3;
		const tmp11 = tmp1 + tmp2;
		const tmp12 = tmp1 - tmp2;
		tmp0 = w7;
		tmp1 = w5;
		tmp2 = w3;
		tmp3 = w1;
		z1 = tmp0 + tmp3;
		let z2 = tmp1 + tmp2;
		let z3 = tmp0 + tmp2;
		let z4 = tmp1 + tmp3;
		const z5 = (z3 + z4) * FIX_1_175875602;
		tmp0 *= FIX_0_298631336;
		tmp1 *= FIX_2_053119869;
		tmp2 *= FIX_3_072711026;
		tmp3 *= FIX_1_501321110;
		z1 *= -FIX_0_899976223;
		z2 *= -FIX_2_562915447;
		z3 = z3 * -FIX_1_961570560 + z5;
		z4 = z4 * -FIX_0_390180644 + z5;
		tmp0 += z1 + z3;
		tmp1 += z2 + z4;
		tmp2 += z2 + z3;
		tmp3 += z1 + z4;
		output[o] = ((tmp10 + tmp3 + round) >> shift) + 128;
		output[o + 7] = ((tmp10 - tmp3 + round) >> shift) + 128;
		output[o + 1] = ((tmp11 + tmp2 + round) >> shift) + 128;
		output[o + 6] = ((tmp11 - tmp2 + round) >> shift) + 128;
		output[o + 2] = ((tmp12 + tmp1 + round) >> shift) + 128;
		output[o + 5] = ((tmp12 - tmp1 + round) >> shift) + 128;
		output[o + 3] = ((tmp13 + tmp0 + round) >> shift) + 128;
		output[o + 4] = ((tmp13 - tmp0 + round) >> shift) + 128;
	}
};

/** 4x4 output from coefficients 0-3 and 5-7 of each row/column (scale 1/2). */
export const idct4x4: InverseDct = (coefficients, offset, quant, output, outputOffset, stride) => {
	const ws = workspace;
	const shift1 = CONST_BITS - PASS1_BITS + 1;
	const round1 = 1 << (shift1 - 1);
	for (let column = 0; column < 8; column++) {
		if (column === 4) continue; // the row pass does not use column 4
		const c = offset + column;
		const in1 = coefficients[c + 8];
		const in2 = coefficients[c + 16];
		const in3 = coefficients[c + 24];
		const in5 = coefficients[c + 40];
		const in6 = coefficients[c + 48];
		const in7 = coefficients[c + 56];
		if ((in1 | in2 | in3 | in5 | in6 | in7) === 0) {
			const dc = (coefficients[c] * quant[column]) << PASS1_BITS;
			ws[column] = dc;
			ws[column + 8] = dc;
			ws[column + 16] = dc;
			ws[column + 24] = dc;
			continue;
		}
		const tmp0 = coefficients[c] * quant[column] * 16384;
		const tmp2 =
			in2 * quant[column + 16] * FIX_1_847759065 - in6 * quant[column + 48] * FIX_0_765366865;
		const tmp10 = tmp0 + tmp2;
		const tmp12 = tmp0 - tmp2;
		const z1 = in7 * quant[column + 56];
		const z2 = in5 * quant[column + 40];
		const z3 = in3 * quant[column + 24];
		const z4 = in1 * quant[column + 8];
		const odd0 =
			-z1 * FIX_0_211164243 + z2 * FIX_1_451774981 - z3 * FIX_2_172734803 + z4 * FIX_1_061594337;
		const odd2 =
			-z1 * FIX_0_509795579 - z2 * FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
		ws[column] = (tmp10 + odd2 + round1) >> shift1;
		ws[column + 24] = (tmp10 - odd2 + round1) >> shift1;
		ws[column + 8] = (tmp12 + odd0 + round1) >> shift1;
		ws[column + 16] = (tmp12 - odd0 + round1) >> shift1;
	}
	const shift2 = CONST_BITS + PASS1_BITS + 3 + 1;
	const round2 = 1 << (shift2 - 1);
	for (let row = 0; row < 32; row += 8) {
		const o = outputOffset + (row >> 3) * stride;
		const w1 = ws[row + 1];
		const w2 = ws[row + 2];
		const w3 = ws[row + 3];
		const w5 = ws[row + 5];
		const w6 = ws[row + 6];
		const w7 = ws[row + 7];
		if ((w1 | w2 | w3 | w5 | w6 | w7) === 0) {
			const value = ((ws[row] + 16) >> 5) + 128;
			output[o] = value;
			output[o + 1] = value;
			output[o + 2] = value;
			output[o + 3] = value;
			continue;
		}
		const tmp0 = ws[row] * 16384;
		const tmp2 = w2 * FIX_1_847759065 - w6 * FIX_0_765366865;
		const tmp10 = tmp0 + tmp2;
		const tmp12 = tmp0 - tmp2;
		const odd0 =
			-w7 * FIX_0_211164243 + w5 * FIX_1_451774981 - w3 * FIX_2_172734803 + w1 * FIX_1_061594337;
		const odd2 =
			-w7 * FIX_0_509795579 - w5 * FIX_0_601344887 + w3 * FIX_0_899976223 + w1 * FIX_2_562915447;
		output[o] = ((tmp10 + odd2 + round2) >> shift2) + 128;
		output[o + 3] = ((tmp10 - odd2 + round2) >> shift2) + 128;
		output[o + 1] = ((tmp12 + odd0 + round2) >> shift2) + 128;
		output[o + 2] = ((tmp12 - odd0 + round2) >> shift2) + 128;
	}
};

/** 2x2 output from coefficients 0, 1, 3, 5, 7 of each row/column (scale 1/4). */
export const idct2x2: InverseDct = (coefficients, offset, quant, output, outputOffset, stride) => {
	const ws = workspace;
	const shift1 = CONST_BITS - PASS1_BITS + 2;
	const round1 = 1 << (shift1 - 1);
	for (let column = 0; column < 8; column++) {
		if (column === 2 || column === 4 || column === 6) continue; // unused by the row pass
		const c = offset + column;
		const in1 = coefficients[c + 8];
		const in3 = coefficients[c + 24];
		const in5 = coefficients[c + 40];
		const in7 = coefficients[c + 56];
		if ((in1 | in3 | in5 | in7) === 0) {
			const dc = (coefficients[c] * quant[column]) << PASS1_BITS;
			ws[column] = dc;
			ws[column + 8] = dc;
			continue;
		}
		const tmp10 = coefficients[c] * quant[column] * 32768;
		const odd =
			-in7 * quant[column + 56] * FIX_0_720959822 +
			in5 * quant[column + 40] * FIX_0_850430095 -
			in3 * quant[column + 24] * FIX_1_272758580 +
			in1 * quant[column + 8] * FIX_3_624509785;
		ws[column] = (tmp10 + odd + round1) >> shift1;
		ws[column + 8] = (tmp10 - odd + round1) >> shift1;
	}
	const shift2 = CONST_BITS + PASS1_BITS + 3 + 2;
	const round2 = 1 << (shift2 - 1);
	for (let row = 0; row < 16; row += 8) {
		const o = outputOffset + (row >> 3) * stride;
		const w1 = ws[row + 1];
		const w3 = ws[row + 3];
		const w5 = ws[row + 5];
		const w7 = ws[row + 7];
		if ((w1 | w3 | w5 | w7) === 0) {
			const value = ((ws[row] + 16) >> 5) + 128;
			output[o] = value;
			output[o + 1] = value;
			continue;
		}
		const tmp10 = ws[row] * 32768;
		const odd =
			-w7 * FIX_0_720959822 + w5 * FIX_0_850430095 - w3 * FIX_1_272758580 + w1 * FIX_3_624509785;
		output[o] = ((tmp10 + odd + round2) >> shift2) + 128;
		output[o + 1] = ((tmp10 - odd + round2) >> shift2) + 128;
	}
};

/** 1x1 output: the block average, DC / 8 (scale 1/8). */
export const idct1x1: InverseDct = (coefficients, offset, quant, output, outputOffset) => {
	output[outputOffset] = ((coefficients[offset] * quant[0] + 4) >> 3) + 128;
};

/** The transform producing a `size` x `size` block (size 8, 4, 2 or 1). */
export function inverseDctForSize(size: number): InverseDct {
	if (size === 8) return idct8x8;
	if (size === 4) return idct4x4;
	if (size === 2) return idct2x2;
	return idct1x1;
}
