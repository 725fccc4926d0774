/**
 * Why this file exists: every colour conversion here ends in the same place, the sRGB profile
 * Little CMS builds itself (`*sRGB`, cmsCreate_sRGBProfile: ITU-R BT.709 primaries, D65 white
 * adapted to the D50 connection space with the Bradford transform, the IEC 61966-2-1 curve,
 * profile version 4). Building it the same way, from the primaries, keeps our results within a
 * level of `transicc`/`jpgicc`. Also here: the connection space's own arithmetic that every
 * profile needs on the way there (CIE Lab <-> XYZ under D50, ICC.1:2022 Annex A) and the black
 * point compensation Little CMS applies for the perceptual intent towards a v4 profile.
 */

export type Vector3 = [number, number, number];

/** The ICC connection space's white (ICC.1 7.2.16, as Little CMS writes it). */
export const D50: Vector3 = [0.9642, 1.0, 0.8249];

/** Little CMS's fixed black of v4 perceptual tables (cmsPERCEPTUAL_BLACK_X/Y/Z). */
export const PERCEPTUAL_BLACK: Vector3 = [0.00336, 0.0034731, 0.00287];

/** Row-major 3x3 product. */
export function multiply(a: number[], b: number[]): number[] {
	const out = new Array<number>(9);
	for (let r = 0; r < 3; r++) {
		for (let c = 0; c < 3; c++) {
			out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
		}
	}
	return out;
}

export function apply(m: number[], v: ArrayLike<number>): Vector3 {
	return [
		m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
		m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
		m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
	];
}

export function invert(m: number[]): number[] {
	const [a, b, c, d, e, f, g, h, i] = m;
	const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
	return [
		(e * i - f * h) / det,
		(c * h - b * i) / det,
		(b * f - c * e) / det,
		(f * g - d * i) / det,
		(a * i - c * g) / det,
		(c * d - a * f) / det,
		(d * h - e * g) / det,
		(b * g - a * h) / det,
		(a * e - b * d) / det,
	];
}

function xyToXyz(x: number, y: number): Vector3 {
	return [x / y, 1, (1 - x - y) / y];
}

/** Bradford cone response (the matrix Little CMS and the ICC use for chromatic adaptation). */
const BRADFORD = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];

/** Von Kries adaptation in Bradford cone space from one white to another. */
function bradfordAdaptation(from: Vector3, to: Vector3): number[] {
	const coneFrom = apply(BRADFORD, from);
	const coneTo = apply(BRADFORD, to);
	const scale = [coneTo[0] / coneFrom[0], 0, 0, 0, coneTo[1] / coneFrom[1], 0, 0, 0];
	scale.push(coneTo[2] / coneFrom[2]);
	return multiply(invert(BRADFORD), multiply(scale, BRADFORD));
}

/** sRGB's colorants in the D50 connection space, row-major (linear RGB -> XYZ). */
function srgbColorants(): number[] {
	const primaries = [xyToXyz(0.64, 0.33), xyToXyz(0.3, 0.6), xyToXyz(0.15, 0.06)];
	const p = [0, 1, 2].flatMap((row) => primaries.map((column) => column[row]));
	const white = xyToXyz(0.3127, 0.329);
	const s = apply(invert(p), white);
	const unadapted = p.map((value, index) => value * s[index % 3]);
	return multiply(bradfordAdaptation(white, D50), unadapted);
}

/** XYZ (D50, relative) -> linear sRGB. */
export const XYZ_TO_LINEAR_SRGB = invert(srgbColorants());
/** Linear sRGB -> XYZ (D50), to compare other profiles' colorants with sRGB's. */
export const LINEAR_SRGB_TO_XYZ = srgbColorants();

/** IEC 61966-2-1 encoding of a linear value, clamped to [0, 1] (the inverse of 'para' type 4). */
export function encodeSrgb(linear: number): number {
	if (!(linear > 0)) return 0;
	if (linear >= 1) return 1;
	return linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
}

/** Linear value at `1 / (ENCODE_TABLE_SIZE - 1)` steps -> 8-bit sRGB; a step is < 0.2 level. */
export const ENCODE_TABLE_SIZE = (1 << 14) + 1;

/** The 8-bit sRGB value of each linear step (built once; 16 KB). */
export const ENCODE_TABLE: Uint8Array = (() => {
	const table = new Uint8Array(ENCODE_TABLE_SIZE);
	for (let i = 0; i < ENCODE_TABLE_SIZE; i++) {
		table[i] = Math.round(encodeSrgb(i / (ENCODE_TABLE_SIZE - 1)) * 255);
	}
	return table;
})();

const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

/** CIE L*a*b* (D50) -> XYZ. */
export function labToXyz(l: number, a: number, b: number): Vector3 {
	const fy = (l + 16) / 116;
	const fx = fy + a / 500;
	const fz = fy - b / 200;
	const inverse = (t: number): number => {
		const cube = t * t * t;
		return cube > EPSILON ? cube : (116 * t - 16) / KAPPA;
	};
	return [D50[0] * inverse(fx), D50[1] * inverse(fy), D50[2] * inverse(fz)];
}

/** The L* of an XYZ colour under D50 (all black point detection needs of Lab). */
export function lightness(xyz: ArrayLike<number>): number {
	const y = xyz[1] / D50[1];
	const f = y > EPSILON ? Math.cbrt(y) : (KAPPA * y + 16) / 116;
	return 116 * f - 16;
}

/**
 * Black point compensation to sRGB's black (0): a per-axis scale and offset that keep D50 white
 * and move `blackIn` to 0, Little CMS's ComputeBlackPointCompensation. Undefined when the
 * black is already 0.
 */
export function blackPointCompensation(
	blackIn: Vector3,
): { scale: Vector3; offset: Vector3 } | undefined {
	if (blackIn[0] === 0 && blackIn[1] === 0 && blackIn[2] === 0) return undefined;
	const scale: Vector3 = [0, 0, 0];
	const offset: Vector3 = [0, 0, 0];
	for (let i = 0; i < 3; i++) {
		const span = blackIn[i] - D50[i];
		scale[i] = -D50[i] / span;
		offset[i] = (-D50[i] * -blackIn[i]) / span;
	}
	return { scale, offset };
}
