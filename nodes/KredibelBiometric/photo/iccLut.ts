/**
 * Why this file exists: CMYK profiles (and some RGB ones) do not describe their colours with a
 * matrix but with a table: the A2B0 tag maps device values to the connection space (PCS) through
 * curves, a multi-dimensional colour look-up table (CLUT), more curves and a matrix. This reads
 * the three table types a photo's profile uses (ICC.1:2022 10.10 lut8Type 'mft1', 10.11
 * lut16Type 'mft2', 10.12 lutAToBType 'mAB ') into one pipeline of stages, bounded so that no
 * table can grow past MAX_CLUT_VALUES, and evaluates it in floating point the way Little CMS
 * does: 1-D tables linearly, a 3-input CLUT tetrahedrally, a 4-input CLUT as two tetrahedral
 * lookups blended along the first input, 1 and 2 inputs (bi)linearly.
 */

import { IccDamage, type IccReader } from './iccBytes';
import { evaluateToneCurve, readToneCurve, type ToneCurve } from './iccCurves';

/** A colour look-up table: values normalised to [0, 1], the first input varying slowest. */
export interface Clut {
	inputs: number;
	outputs: number;
	gridPoints: number[];
	/** Entries, each `outputs` values; divide by `scale` for [0, 1]. */
	values: Uint16Array | Float32Array;
	scale: number;
}

export type LutStage =
	| { kind: 'curves'; curves: ToneCurve[] }
	| { kind: 'matrix'; matrix: number[]; offset: number[] }
	| { kind: 'clut'; clut: Clut };

/** Which tag type the pipeline came from: it decides how its Lab output is encoded. */
export type LutEncoding = 'lut8' | 'lut16' | 'lutAtoB';

export interface LutPipeline {
	inputs: number;
	outputs: number;
	encoding: LutEncoding;
	stages: LutStage[];
}

/**
 * At most this many CLUT values (entries x outputs) are read: 4 MB as 16-bit numbers, enough for
 * a 25-point CMYK table (the usual is 17 or 9) or a 128-point RGB one. Larger tables are refused
 * as damage, so the profile is ignored instead of costing memory.
 */
export const MAX_CLUT_VALUES = 1 << 21;
/** Inputs a photo's colour space can have here: grey 1, RGB 3, CMYK 4. */
const MAX_INPUTS = 4;
/** Entries of a lut16Type input or output table (the format allows 2-4096). */
const MAX_TABLE_ENTRIES = 4096;

/** The per-channel curves the pipeline starts with, if it starts with curves. */
export function leadingCurves(pipeline: LutPipeline): ToneCurve[] | undefined {
	const first = pipeline.stages[0];
	return first?.kind === 'curves' && first.curves.length === pipeline.inputs
		? first.curves
		: undefined;
}

/** Reads an A2Bx tag of type mft1, mft2 or mAB (the reader spans the whole tag). */
export function readLutPipeline(reader: IccReader): LutPipeline {
	const type = reader.signature(0);
	if (type === 'mft1' || type === 'mft2') return readLegacyLut(reader, type === 'mft2');
	if (type === 'mAB ') return readLutAtoB(reader);
	throw new IccDamage(`an A2B tag of type '${type}'`);
}

function checkChannels(inputs: number, outputs: number): void {
	if (inputs < 1 || inputs > MAX_INPUTS || outputs !== 3) {
		throw new IccDamage(`a table of ${inputs} inputs and ${outputs} outputs`);
	}
}

function checkGrid(gridPoints: number[], outputs: number): number {
	let values = outputs;
	for (const points of gridPoints) {
		if (points < 2) throw new IccDamage(`a colour table of ${points} grid points`);
		values *= points;
		if (values > MAX_CLUT_VALUES) throw new IccDamage('a colour table above the size limit');
	}
	return values;
}

/** lut8Type / lut16Type: matrix, input tables, CLUT, output tables. */
function readLegacyLut(reader: IccReader, sixteenBit: boolean): LutPipeline {
	const inputs = reader.u8(8);
	const outputs = reader.u8(9);
	const points = reader.u8(10);
	checkChannels(inputs, outputs);
	const matrix: number[] = [];
	for (let i = 0; i < 9; i++) matrix.push(reader.s15f16(12 + 4 * i));
	const inputEntries = sixteenBit ? reader.u16(48) : 256;
	const outputEntries = sixteenBit ? reader.u16(50) : 256;
	for (const entries of [inputEntries, outputEntries]) {
		if (entries < 2 || entries > MAX_TABLE_ENTRIES) {
			throw new IccDamage(`a table of ${entries} entries`);
		}
	}
	const size = sixteenBit ? 2 : 1;
	const gridPoints = new Array<number>(inputs).fill(points);
	const clutValues = checkGrid(gridPoints, outputs);
	let offset = sixteenBit ? 52 : 48;
	const readTables = (count: number, entries: number): ToneCurve[] => {
		const curves: ToneCurve[] = [];
		for (let c = 0; c < count; c++) {
			const table = new Float64Array(entries);
			for (let i = 0; i < entries; i++) {
				table[i] = sixteenBit ? reader.u16(offset) / 65535 : reader.u8(offset) / 255;
				offset += size;
			}
			curves.push({ kind: 'table', table });
		}
		return curves;
	};
	const inputCurves = readTables(inputs, inputEntries);
	const clut = readClutValues(reader, offset, gridPoints, outputs, size);
	offset += clutValues * size;
	const outputCurves = readTables(outputs, outputEntries);
	const stages: LutStage[] = [];
	// Little CMS applies the matrix to any 3-input table whose matrix is not the identity (the
	// ICC text asks for it only with XYZ input, where it is the only case a profile sets one).
	if (inputs === 3 && !isIdentity(matrix)) {
		stages.push({ kind: 'matrix', matrix, offset: [0, 0, 0] });
	}
	stages.push({ kind: 'curves', curves: inputCurves });
	stages.push({ kind: 'clut', clut });
	stages.push({ kind: 'curves', curves: outputCurves });
	return { inputs, outputs, encoding: sixteenBit ? 'lut16' : 'lut8', stages };
}

function isIdentity(matrix: number[]): boolean {
	return matrix.every((value, index) => Math.abs(value - (index % 4 === 0 ? 1 : 0)) < 1e-4);
}

/** CLUT samples of `size` bytes each, scaled to 16 bits as Little CMS does for 8-bit tables. */
function readClutValues(
	reader: IccReader,
	offset: number,
	gridPoints: number[],
	outputs: number,
	size: number,
): Clut {
	const count = checkGrid(gridPoints, outputs);
	if (reader.remaining(offset) < count * size) throw new IccDamage('a colour table is cut off');
	const values = new Uint16Array(count);
	for (let i = 0; i < count; i++) {
		values[i] = size === 2 ? reader.u16(offset + 2 * i) : reader.u8(offset + i) * 257;
	}
	return { inputs: gridPoints.length, outputs, gridPoints, values, scale: 65535 };
}

/** lutAToBType: A curves, CLUT, M curves, matrix, B curves; offsets of absent parts are 0. */
function readLutAtoB(reader: IccReader): LutPipeline {
	const inputs = reader.u8(8);
	const outputs = reader.u8(9);
	checkChannels(inputs, outputs);
	const [bOffset, matrixOffset, mOffset, clutOffset, aOffset] = [12, 16, 20, 24, 28].map((at) =>
		reader.u32(at),
	);
	if (bOffset === 0) throw new IccDamage('an lutAToB tag without B curves');
	if ((aOffset === 0) !== (clutOffset === 0)) {
		throw new IccDamage('an lutAToB tag with A curves or a CLUT alone');
	}
	if (clutOffset === 0 && inputs !== outputs) {
		throw new IccDamage('an lutAToB tag that changes channels without a CLUT');
	}
	if ((mOffset === 0) !== (matrixOffset === 0)) {
		throw new IccDamage('an lutAToB tag with M curves or a matrix alone');
	}
	const stages: LutStage[] = [];
	if (aOffset !== 0) {
		stages.push({ kind: 'curves', curves: readCurveSet(reader, aOffset, inputs) });
		const gridPoints: number[] = [];
		for (let i = 0; i < inputs; i++) gridPoints.push(reader.u8(clutOffset + i));
		const precision = reader.u8(clutOffset + 16);
		if (precision !== 1 && precision !== 2) {
			throw new IccDamage(`a colour table of precision ${precision}`);
		}
		stages.push({
			kind: 'clut',
			clut: readClutValues(reader, clutOffset + 20, gridPoints, outputs, precision),
		});
	}
	if (mOffset !== 0) {
		stages.push({ kind: 'curves', curves: readCurveSet(reader, mOffset, outputs) });
		const values: number[] = [];
		for (let i = 0; i < 12; i++) values.push(reader.s15f16(matrixOffset + 4 * i));
		stages.push({ kind: 'matrix', matrix: values.slice(0, 9), offset: values.slice(9) });
	}
	stages.push({ kind: 'curves', curves: readCurveSet(reader, bOffset, outputs) });
	return { inputs, outputs, encoding: 'lutAtoB', stages };
}

/** `count` curves one after the other, each starting on a 4-byte boundary (ICC.1 10.12.2). */
function readCurveSet(reader: IccReader, offset: number, count: number): ToneCurve[] {
	const curves: ToneCurve[] = [];
	let at = offset;
	for (let i = 0; i < count; i++) {
		const { curve, byteLength } = readToneCurve(reader, at);
		curves.push(curve);
		at += (byteLength + 3) & ~3;
	}
	return curves;
}

/**
 * Runs the pipeline on `input` (values in [0, 1]); writes `pipeline.outputs` values. From
 * `firstStage` on: a caller that applied the leading curves itself passes 1.
 */
export function evaluateLut(
	pipeline: LutPipeline,
	input: Float64Array,
	output: Float64Array,
	firstStage = 0,
): void {
	let current = Float64Array.from(input);
	for (const stage of pipeline.stages.slice(firstStage)) {
		switch (stage.kind) {
			case 'curves':
				for (let c = 0; c < stage.curves.length; c++) {
					current[c] = evaluateToneCurve(stage.curves[c], current[c]);
				}
				break;
			case 'matrix': {
				const { matrix: m, offset } = stage;
				const [x, y, z] = current;
				current = Float64Array.of(
					m[0] * x + m[1] * y + m[2] * z + offset[0],
					m[3] * x + m[4] * y + m[5] * z + offset[1],
					m[6] * x + m[7] * y + m[8] * z + offset[2],
				);
				break;
			}
			case 'clut': {
				const next = new Float64Array(stage.clut.outputs);
				interpolateClut(stage.clut, current, next);
				current = next;
				break;
			}
		}
	}
	output.set(current.subarray(0, pipeline.outputs));
}

/** Grid position of one input: the lower grid index, the step to the next one, the fraction. */
function gridPosition(value: number, points: number, stride: number): [number, number, number] {
	const clamped = value > 0 ? (value < 1 ? value : 1) : 0;
	const position = clamped * (points - 1);
	const index = Math.min(Math.floor(position), points - 1);
	const step = index < points - 1 ? stride : 0;
	return [index * stride, step, position - index];
}

/**
 * Interpolates a CLUT of 1-4 inputs: linear, bilinear, tetrahedral, and for 4 inputs tetrahedral
 * in the last three blended linearly along the first, as Little CMS does.
 */
export function interpolateClut(clut: Clut, input: ArrayLike<number>, output: Float64Array): void {
	const { gridPoints, outputs, values, scale } = clut;
	const strides = new Array<number>(clut.inputs);
	let stride = outputs;
	for (let d = clut.inputs - 1; d >= 0; d--) {
		strides[d] = stride;
		stride *= gridPoints[d];
	}
	const positions = gridPoints.map((points, d) => gridPosition(input[d], points, strides[d]));
	const corner = (base: number, k: number): number => values[base + k] / scale;
	if (clut.inputs === 1) {
		const [base, step, f] = positions[0];
		for (let k = 0; k < outputs; k++) {
			output[k] = corner(base, k) + (corner(base + step, k) - corner(base, k)) * f;
		}
		return;
	}
	if (clut.inputs === 2) {
		const [b0, s0, f0] = positions[0];
		const [b1, s1, f1] = positions[1];
		for (let k = 0; k < outputs; k++) {
			const low = corner(b0 + b1, k) + (corner(b0 + b1 + s1, k) - corner(b0 + b1, k)) * f1;
			const top = b0 + s0 + b1;
			const high = corner(top, k) + (corner(top + s1, k) - corner(top, k)) * f1;
			output[k] = low + (high - low) * f0;
		}
		return;
	}
	const inner = clut.inputs === 3 ? positions : positions.slice(1);
	const outer = clut.inputs === 3 ? [0, 0, 0] : positions[0];
	const low = new Float64Array(outputs);
	tetrahedral(values, scale, outer[0], inner, outputs, low);
	if (clut.inputs === 3 || outer[1] === 0) {
		output.set(low);
		return;
	}
	const high = new Float64Array(outputs);
	tetrahedral(values, scale, outer[0] + outer[1], inner, outputs, high);
	for (let k = 0; k < outputs; k++) output[k] = low[k] + (high[k] - low[k]) * outer[2];
}

/**
 * Tetrahedral interpolation in a cube of the grid: from the lower corner, one step along each
 * axis in order of decreasing fraction, each step weighted by its fraction.
 */
function tetrahedral(
	values: Uint16Array | Float32Array,
	scale: number,
	origin: number,
	positions: Array<[number, number, number]>,
	outputs: number,
	out: Float64Array,
): void {
	const order = [0, 1, 2].sort((a, b) => positions[b][2] - positions[a][2]);
	const base = origin + positions[0][0] + positions[1][0] + positions[2][0];
	const p1 = base + positions[order[0]][1];
	const p2 = p1 + positions[order[1]][1];
	const p3 = p2 + positions[order[2]][1];
	const [fa, fb, fc] = order.map((d) => positions[d][2]);
	for (let k = 0; k < outputs; k++) {
		const v0 = values[base + k];
		const v1 = values[p1 + k];
		const v2 = values[p2 + k];
		const v3 = values[p3 + k];
		out[k] = (v0 + fa * (v1 - v0) + fb * (v2 - v1) + fc * (v3 - v2)) / scale;
	}
}
