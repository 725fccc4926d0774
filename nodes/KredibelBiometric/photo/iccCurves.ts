/**
 * Why this file exists: every ICC profile the node converts from describes the tone response of
 * its channels with curves (ICC.1:2022 10.6 curveType 'curv': identity, a gamma, or a sampled
 * table; 10.18 parametricCurveType 'para': function types 0-4, the form sRGB, Display P3 and
 * Adobe RGB use). This reads them with every count bounded and evaluates them on [0, 1], the
 * way Little CMS does for 8- and 16-bit transforms: tables interpolated linearly, results held
 * within [0, 1], a power of a negative base taken as 0.
 */

import { IccDamage, type IccReader } from './iccBytes';

export type ToneCurve =
	| { kind: 'identity' }
	| { kind: 'gamma'; gamma: number }
	| { kind: 'table'; table: Float64Array }
	/** ICC function type 0-4 with its parameters g, a, b, c, d, e, f (as many as the type has). */
	| { kind: 'parametric'; type: number; params: number[] };

/** More entries than any real curve has (4096 is common); also bounds the copy. */
export const MAX_CURVE_ENTRIES = 65536;

/** How many parameters each parametric function type (0-4) has. */
const PARAMETER_COUNTS = [1, 3, 4, 5, 7];

/** A curve element at `offset` of `reader`, and its length in bytes (before any padding). */
export function readToneCurve(
	reader: IccReader,
	offset: number,
): { curve: ToneCurve; byteLength: number } {
	const type = reader.signature(offset);
	if (type === 'curv') {
		const count = reader.u32(offset + 8);
		if (count > MAX_CURVE_ENTRIES) throw new IccDamage(`a curve of ${count} entries`);
		const byteLength = 12 + 2 * count;
		if (reader.remaining(offset) < byteLength) throw new IccDamage('a curve is cut off');
		if (count === 0) return { curve: { kind: 'identity' }, byteLength };
		if (count === 1) {
			const gamma = reader.u16(offset + 12) / 256; // u8Fixed8Number
			return { curve: { kind: 'gamma', gamma }, byteLength };
		}
		const table = new Float64Array(count);
		for (let i = 0; i < count; i++) table[i] = reader.u16(offset + 12 + 2 * i) / 65535;
		return { curve: { kind: 'table', table }, byteLength };
	}
	if (type === 'para') {
		const functionType = reader.u16(offset + 8);
		if (functionType >= PARAMETER_COUNTS.length) {
			throw new IccDamage(`parametric curve type ${functionType}`);
		}
		const count = PARAMETER_COUNTS[functionType];
		const params: number[] = [];
		for (let i = 0; i < count; i++) params.push(reader.s15f16(offset + 12 + 4 * i));
		return {
			curve: { kind: 'parametric', type: functionType, params },
			byteLength: 12 + 4 * count,
		};
	}
	throw new IccDamage(`a curve of type '${type}'`);
}

/** The curve at x in [0, 1] (x is clamped), held within [0, 1]. */
export function evaluateToneCurve(curve: ToneCurve, x: number): number {
	const input = x > 0 ? (x < 1 ? x : 1) : 0;
	let y: number;
	switch (curve.kind) {
		case 'identity':
			y = input;
			break;
		case 'gamma':
			y = Math.pow(input, curve.gamma);
			break;
		case 'table':
			y = interpolateTable(curve.table, input);
			break;
		case 'parametric':
			y = evaluateParametric(curve.type, curve.params, input);
			break;
	}
	return y > 0 ? (y < 1 ? y : 1) : 0; // NaN ends as 0 too
}

function interpolateTable(table: Float64Array, x: number): number {
	const position = x * (table.length - 1);
	const below = Math.floor(position);
	if (below >= table.length - 1) return table[table.length - 1];
	const fraction = position - below;
	return table[below] + (table[below + 1] - table[below]) * fraction;
}

/** (a x + b)^g, with a base at or below 0 giving 0 (no NaN from a negative base). */
function power(a: number, b: number, g: number, x: number): number {
	const base = a * x + b;
	return base > 0 ? Math.pow(base, g) : 0;
}

/** ICC.1:2022 Table 68, function types 0-4. */
function evaluateParametric(type: number, p: number[], x: number): number {
	const [g, a, b, c, d, e, f] = p;
	switch (type) {
		case 0:
			return Math.pow(x, g);
		case 1:
			return Math.abs(a) < 1e-9 || x < -b / a ? 0 : power(a, b, g, x);
		case 2:
			return Math.abs(a) < 1e-9 || x < -b / a ? c : power(a, b, g, x) + c;
		case 3:
			return x >= d ? power(a, b, g, x) : c * x;
		default:
			return x >= d ? power(a, b, g, x) + e : c * x + f;
	}
}

/** Samples a curve at `size` evenly spaced inputs over [0, 1]. */
export function sampleToneCurve(curve: ToneCurve, size: number): Float64Array {
	const samples = new Float64Array(size);
	for (let i = 0; i < size; i++) samples[i] = evaluateToneCurve(curve, i / (size - 1));
	return samples;
}
