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
import { tetrahedralWalk } from './tetrahedral';

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
/**
 * Grid points sampled between checkpoints: about 0.6 ms, within the photo budget's pacing quantum
 * (budget.ts UNITS_PER_CHECKPOINT) at the units colourTransform.ts counts per point.
 */
export const GRID_CHUNK = 256;

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
 * The per-pixel side of a grid: tetrahedral interpolation over the last three axes at a grid
 * offset, then the exact finish (Lab to XYZ, the affine map to linear sRGB, the sRGB curve by
 * table). Everything the pixel loops read is a local of this closure (typed arrays and plain
 * numbers), which is what keeps them at tens of nanoseconds per pixel.
 */
function gridInterpolator(grid: ColourGrid) {
	const v = grid.values;
	const first = grid.inputs - 3;
	const xBase = grid.axes[first].base;
	const xStep = grid.axes[first].step;
	const xFraction = grid.axes[first].fraction;
	const yBase = grid.axes[first + 1].base;
	const yStep = grid.axes[first + 1].step;
	const yFraction = grid.axes[first + 1].fraction;
	const zBase = grid.axes[first + 2].base;
	const zStep = grid.axes[first + 2].step;
	const zFraction = grid.axes[first + 2].fraction;
	const lab = grid.lab;
	const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = grid.toLinear.matrix;
	const [a0, a1, a2] = grid.toLinear.offset;
	const [d50x, d50y, d50z] = D50;
	const walk = new Float64Array(5);
	/** Connection colour of (x, y, z) at `origin`, into `out[0..2]`. */
	const tetrahedral = (
		origin: number,
		x: number,
		y: number,
		z: number,
		out: Float64Array,
	): void => {
		const base = origin + xBase[x] + yBase[y] + zBase[z];
		tetrahedralWalk(xStep[x], yStep[y], zStep[z], xFraction[x], yFraction[y], zFraction[z], walk);
		const f1 = walk[2];
		const f2 = walk[3];
		const f3 = walk[4];
		const p1 = base + walk[0];
		const p2 = base + walk[1];
		const p3 = base + xStep[x] + yStep[y] + zStep[z];
		for (let k = 0; k < 3; k++) {
			const c0 = v[base + k];
			const c1 = v[p1 + k];
			const c2 = v[p2 + k];
			out[k] = c0 + f1 * (c1 - c0) + f2 * (c2 - c1) + f3 * (v[p3 + k] - c2);
		}
	};
	/** Connection colour in `value[0..2]` -> 8-bit sRGB at `out[o..o+2]`. */
	const finish = (value: Float64Array, out: Uint8Array | Uint8ClampedArray, o: number): void => {
		let x = value[0];
		let y = value[1];
		let z = value[2];
		if (lab) {
			const fy = (x + 16) / 116;
			x = d50x * labInverse(fy + y / 500);
			z = d50z * labInverse(fy - z / 200);
			y = d50y * labInverse(fy);
		}
		out[o] = ENCODE_TABLE[encodeIndex(m0 * x + m1 * y + m2 * z + a0)];
		out[o + 1] = ENCODE_TABLE[encodeIndex(m3 * x + m4 * y + m5 * z + a1)];
		out[o + 2] = ENCODE_TABLE[encodeIndex(m6 * x + m7 * y + m8 * z + a2)];
	};
	return { tetrahedral, finish };
}

/** A converter of interleaved RGB pixels, in place, through a 3-D grid. */
export function rgbGridConverter(
	grid: ColourGrid,
): (data: Uint8Array, offset: number, count: number) => void {
	const { tetrahedral, finish } = gridInterpolator(grid);
	const value = new Float64Array(3);
	return (data, offset, count) => {
		const end = offset + count * 3;
		for (let o = offset; o < end; o += 3) {
			tetrahedral(0, data[o], data[o + 1], data[o + 2], value);
			finish(value, data, o);
		}
	};
}

/**
 * A converter of interleaved C, M, Y, K ink (0-255) to RGB through a 4-D grid: tetrahedral in
 * M, Y, K at the two C planes around the pixel, blended along C. A colour met recently (flat
 * and smooth areas) is taken from a small cache.
 */
export function cmykGridConverter(
	grid: ColourGrid,
): (ink: Uint8Array, out: Uint8ClampedArray, outOffset: number, width: number) => void {
	const { tetrahedral, finish } = gridInterpolator(grid);
	const cBase = grid.axes[0].base;
	const cStep = grid.axes[0].step;
	const cFraction = grid.axes[0].fraction;
	const low = new Float64Array(3);
	const high = new Float64Array(3);
	// A direct-mapped cache of recent colours: photos repeat inks in flat and smooth areas.
	// Keys are the unsigned 32-bit inks; -1 (never a key) marks an empty entry.
	const keys = new Float64Array(CACHE_SIZE).fill(-1);
	const colours = new Uint8Array(CACHE_SIZE * 3);
	return (ink, out, outOffset, width) => {
		let o = outOffset;
		for (let i = 0; i < width * 4; i += 4) {
			const c = ink[i];
			const m = ink[i + 1];
			const y = ink[i + 2];
			const k = ink[i + 3];
			const key = ((c << 24) | (m << 16) | (y << 8) | k) >>> 0;
			const entry = Math.imul(key, 0x9e3779b1) >>> CACHE_SHIFT;
			const slot = entry * 3;
			if (keys[entry] === key) {
				out[o] = colours[slot];
				out[o + 1] = colours[slot + 1];
				out[o + 2] = colours[slot + 2];
			} else {
				tetrahedral(cBase[c], m, y, k, low);
				const f = cFraction[c];
				if (f !== 0 && cStep[c] !== 0) {
					tetrahedral(cBase[c] + cStep[c], m, y, k, high);
					low[0] += (high[0] - low[0]) * f;
					low[1] += (high[1] - low[1]) * f;
					low[2] += (high[2] - low[2]) * f;
				}
				finish(low, out, o);
				keys[entry] = key;
				colours[slot] = out[o];
				colours[slot + 1] = out[o + 1];
				colours[slot + 2] = out[o + 2];
			}
			o += 3;
		}
	};
}

/** Entries of the CMYK colour cache (a power of two) and the hash shift that indexes it. */
const CACHE_SIZE = 1 << 14;
const CACHE_SHIFT = 32 - 14;

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
