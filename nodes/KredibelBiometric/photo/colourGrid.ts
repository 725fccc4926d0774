/**
 * Why this file exists: a table-based profile (every CMYK profile, some RGB ones) costs a few
 * microseconds per colour through its own curves and tables, too slow for millions of pixels.
 * Little CMS therefore samples the whole conversion once on a regular grid (17 points per axis
 * for 4 channels, 33 for 3: cmsReasonableGridpointsByColorspace) and interpolates that grid per
 * pixel (tetrahedral for 3 inputs; for CMYK, two tetrahedral lookups in M, Y, K blended along C).
 * This does the same: the grid holds final 8-bit-scale sRGB values, sampling it calls the
 * checkpoint every GRID_CHUNK points, and per-axis tables turn each 8-bit sample into a grid
 * offset and a fraction once, so the pixel loops do only additions and multiplications.
 */

import { evaluateToneCurve, type ToneCurve } from './iccCurves';
import type { Checkpoint } from './picture';
import type { DeviceToConnection, XyzToLinearSrgb } from './profileToSrgb';
import { D50, ENCODE_TABLE, ENCODE_TABLE_SIZE } from './srgb';

export interface ColourGrid {
	inputs: 3 | 4;
	points: number;
	/**
	 * points^inputs entries of the connection colour (Lab or XYZ, as the profile gives it), so
	 * that interpolation runs where the profile's own table does, and the non-linear rest (Lab to
	 * XYZ, the sRGB clip and curve) is done exactly for each pixel.
	 */
	values: Float32Array;
	lab: boolean;
	toLinear: XyzToLinearSrgb;
	/** Per axis: for each 8-bit sample, the grid offset below it, the step up, the fraction. */
	axes: Array<{ base: Int32Array; step: Int32Array; fraction: Float32Array }>;
}

/** Most grid points per axis, as Little CMS chooses them for 8-bit transforms. */
export const GRID_POINTS = { 3: 33, 4: 17 } as const;

/**
 * Grid points per axis for a profile whose table has `tablePoints` on every axis right after
 * its leading curves: a whole multiple of its intervals when one fits (9 -> 17, 7 -> 13), so
 * every cell of ours lies inside one of the table's and interpolating ours adds no error;
 * otherwise the most points.
 */
export function gridPointsFor(inputs: 3 | 4, tablePoints: number | undefined): number {
	const most = GRID_POINTS[inputs];
	if (tablePoints === undefined || tablePoints < 2 || tablePoints > most) return most;
	return (tablePoints - 1) * Math.floor((most - 1) / (tablePoints - 1)) + 1;
}
/** Grid points sampled between checkpoints (well under a millisecond each way). */
const GRID_CHUNK = 512;

/**
 * Samples `connection` on the grid. With `axisCurves` (the profile table's own leading curves,
 * which `connection` then skips), the grid lies in the curves' output: each 8-bit sample is
 * first put through its curve, so grid points fall where the profile's table has its own.
 */
export async function buildColourGrid(
	connection: DeviceToConnection,
	toLinear: XyzToLinearSrgb,
	inputs: 3 | 4,
	points: number,
	checkpoint: Checkpoint | undefined,
	axisCurves?: ToneCurve[],
): Promise<ColourGrid> {
	const total = points ** inputs;
	const values = new Float32Array(total * 3);
	const device = new Float64Array(inputs);
	for (let index = 0; index < total; index++) {
		let rest = index;
		for (let d = inputs - 1; d >= 0; d--) {
			device[d] = (rest % points) / (points - 1);
			rest = Math.floor(rest / points);
		}
		const value = connection.convert(device);
		for (let k = 0; k < 3; k++) values[index * 3 + k] = value[k];
		if (index % GRID_CHUNK === GRID_CHUNK - 1) await checkpoint?.();
	}
	const axes = [];
	for (let d = 0; d < inputs; d++) {
		const curve = axisCurves?.[d];
		const position = (v: number): number => (curve ? evaluateToneCurve(curve, v / 255) : v / 255);
		axes.push(axisTable(points, 3 * points ** (inputs - 1 - d), position));
	}
	return { inputs, points, values, axes, lab: connection.space === 'Lab', toLinear };
}

function axisTable(
	points: number,
	stride: number,
	at: (sample: number) => number,
): ColourGrid['axes'][number] {
	const base = new Int32Array(256);
	const step = new Int32Array(256);
	const fraction = new Float32Array(256);
	for (let v = 0; v < 256; v++) {
		const position = at(v) * (points - 1);
		const index = Math.min(Math.floor(position), points - 1);
		base[v] = index * stride;
		step[v] = index < points - 1 ? stride : 0;
		fraction[v] = position - index;
	}
	return { base, step, fraction };
}

/**
 * Tetrahedral interpolation at grid offset `origin` for the 8-bit samples x, y, z on the axes
 * `first`.. of the grid, written as rounded R, G, B to `out` at `o`.
 */
function tetrahedral(
	grid: ColourGrid,
	first: number,
	origin: number,
	x: number,
	y: number,
	z: number,
	out: Float32Array,
): void {
	const ax = grid.axes[first];
	const ay = grid.axes[first + 1];
	const az = grid.axes[first + 2];
	const v = grid.values;
	const base = origin + ax.base[x] + ay.base[y] + az.base[z];
	const sx = ax.step[x];
	const sy = ay.step[y];
	const sz = az.step[z];
	const fx = ax.fraction[x];
	const fy = ay.fraction[y];
	const fz = az.fraction[z];
	// Walk from the lower corner one axis at a time, largest fraction first (no arrays here:
	// this runs for every pixel).
	let s1: number, s2: number, f1: number, f2: number, f3: number;
	if (fx >= fy && fy >= fz) {
		s1 = sx;
		s2 = sx + sy;
		f1 = fx;
		f2 = fy;
		f3 = fz;
	} else if (fx >= fz && fz >= fy) {
		s1 = sx;
		s2 = sx + sz;
		f1 = fx;
		f2 = fz;
		f3 = fy;
	} else if (fz >= fx && fx >= fy) {
		s1 = sz;
		s2 = sz + sx;
		f1 = fz;
		f2 = fx;
		f3 = fy;
	} else if (fy >= fx && fx >= fz) {
		s1 = sy;
		s2 = sy + sx;
		f1 = fy;
		f2 = fx;
		f3 = fz;
	} else if (fy >= fz && fz >= fx) {
		s1 = sy;
		s2 = sy + sz;
		f1 = fy;
		f2 = fz;
		f3 = fx;
	} else {
		s1 = sz;
		s2 = sz + sy;
		f1 = fz;
		f2 = fy;
		f3 = fx;
	}
	const s3 = sx + sy + sz;
	for (let k = 0; k < 3; k++) {
		const c0 = v[base + k];
		const c1 = v[base + s1 + k];
		const c2 = v[base + s2 + k];
		const c3 = v[base + s3 + k];
		out[k] = c0 + f1 * (c1 - c0) + f2 * (c2 - c1) + f3 * (c3 - c2);
	}
}

/** Converts `count` interleaved RGB pixels of `data` from `offset` in place through a 3-D grid. */
export function convertRgbThroughGrid(
	grid: ColourGrid,
	data: Uint8Array,
	offset: number,
	count: number,
): void {
	const rgb = new Float32Array(3);
	const end = offset + count * 3;
	for (let o = offset; o < end; o += 3) {
		tetrahedral(grid, 0, 0, data[o], data[o + 1], data[o + 2], rgb);
		finish(grid, rgb, data, o);
	}
}

/**
 * Converts `width` pixels of interleaved C, M, Y, K ink (0-255) to RGB through a 4-D grid
 * (`out` is clamped, so assigning rounds to the nearest level).
 */
export function convertCmykThroughGrid(
	grid: ColourGrid,
	ink: Uint8Array,
	out: Uint8ClampedArray,
	outOffset: number,
	width: number,
): void {
	const low = new Float32Array(3);
	const high = new Float32Array(3);
	const cyan = grid.axes[0];
	let o = outOffset;
	for (let i = 0; i < width * 4; i += 4) {
		const c = ink[i];
		tetrahedral(grid, 1, cyan.base[c], ink[i + 1], ink[i + 2], ink[i + 3], low);
		const step = cyan.step[c];
		if (step !== 0 && cyan.fraction[c] !== 0) {
			tetrahedral(grid, 1, cyan.base[c] + step, ink[i + 1], ink[i + 2], ink[i + 3], high);
			const f = cyan.fraction[c];
			for (let k = 0; k < 3; k++) low[k] += (high[k] - low[k]) * f;
		}
		finish(grid, low, out, o);
		o += 3;
	}
}

/** Connection colour -> 8-bit sRGB at `out[o..o+2]`: Lab to XYZ, the affine map, the curve. */
function finish(
	grid: ColourGrid,
	value: Float32Array,
	out: Uint8Array | Uint8ClampedArray,
	o: number,
): void {
	let x = value[0];
	let y = value[1];
	let z = value[2];
	if (grid.lab) {
		const fy = (x + 16) / 116;
		const fx = fy + y / 500;
		const fz = fy - z / 200;
		x = D50[0] * labInverse(fx);
		y = D50[1] * labInverse(fy);
		z = D50[2] * labInverse(fz);
	}
	const m = grid.toLinear.matrix;
	const add = grid.toLinear.offset;
	out[o] = ENCODE_TABLE[encodeIndex(m[0] * x + m[1] * y + m[2] * z + add[0])];
	out[o + 1] = ENCODE_TABLE[encodeIndex(m[3] * x + m[4] * y + m[5] * z + add[1])];
	out[o + 2] = ENCODE_TABLE[encodeIndex(m[6] * x + m[7] * y + m[8] * z + add[2])];
}

/** CIE's f^-1 for Lab -> XYZ (as labToXyz in srgb.ts, inlined for the pixel loop). */
function labInverse(t: number): number {
	const cube = t * t * t;
	return cube > 216 / 24389 ? cube : (116 * t - 16) / (24389 / 27);
}

const LINEAR_STEPS = ENCODE_TABLE_SIZE - 1;

/** The encoding table's index for a linear value, clipped to [0, 1]. */
export function encodeIndex(linear: number): number {
	if (!(linear > 0)) return 0;
	return linear >= 1 ? LINEAR_STEPS : (linear * LINEAR_STEPS + 0.5) | 0;
}
