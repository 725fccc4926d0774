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
import { tetrahedralWalk } from './tetrahedral';

/** A colour look-up table: values normalised to [0, 1], the first input varying slowest. */
export interface Clut {
	inputs: number;
	outputs: number;
	gridPoints: number[];
	/**
	 * Where the entries are (each `outputs` samples of `sampleBytes` big-endian bytes): the
	 * profile's own bytes from `start`, read in place (bounds checked once), never copied.
	 */
	bytes: Uint8Array;
	start: number;
	sampleBytes: 1 | 2;
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
 * At most this many CLUT values (entries x outputs): 4 MB as 16-bit numbers, enough for a
 * 28-point CMYK table (the usual is 17 or 9) or a 128-point RGB one. Tables are read in place
 * from the profile, so the limit bounds the profile's work, not a copy; larger ones are refused
 * as damage, so the profile is ignored.
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

/** A CLUT of `size`-byte samples at `offset`, checked to lie within the tag. */
function readClutValues(
	reader: IccReader,
	offset: number,
	gridPoints: number[],
	outputs: number,
	size: number,
): Clut {
	const count = checkGrid(gridPoints, outputs);
	reader.sub(offset, count * size); // throws unless every sample is inside the tag
	return {
		inputs: gridPoints.length,
		outputs,
		gridPoints,
		bytes: reader.bytes,
		start: reader.start + offset,
		sampleBytes: size === 2 ? 2 : 1,
	};
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

/** Runs a pipeline: `input` values in [0, 1] -> `output` (3 values). */
export type LutEvaluator = (input: ArrayLike<number>, output: Float64Array) => void;

/**
 * Prepares the pipeline for many evaluations (a grid samples it tens of thousands of times):
 * scratch buffers and CLUT strides are made once, nothing is allocated per call. From
 * `firstStage` on: a caller that applied the leading curves itself passes 1.
 */
export function lutEvaluator(pipeline: LutPipeline, firstStage = 0): LutEvaluator {
	const stages = pipeline.stages.slice(firstStage).map(stageEvaluator);
	let current = new Float64Array(MAX_INPUTS);
	let next = new Float64Array(MAX_INPUTS);
	return (input, output) => {
		for (let i = 0; i < pipeline.inputs; i++) current[i] = input[i];
		for (const stage of stages) {
			if (stage(current, next)) {
				const swap = current;
				current = next;
				next = swap;
			}
		}
		output[0] = current[0];
		output[1] = current[1];
		output[2] = current[2];
	};
}

/** One stage: reads `values`, writes in place or to `out`; true when the result is in `out`. */
type StageEvaluator = (values: Float64Array, out: Float64Array) => boolean;

function stageEvaluator(stage: LutStage): StageEvaluator {
	switch (stage.kind) {
		case 'curves': {
			const curves = stage.curves;
			return (values) => {
				for (let c = 0; c < curves.length; c++) values[c] = evaluateToneCurve(curves[c], values[c]);
				return false;
			};
		}
		case 'matrix': {
			const { matrix: m, offset } = stage;
			return (v, out) => {
				out[0] = m[0] * v[0] + m[1] * v[1] + m[2] * v[2] + offset[0];
				out[1] = m[3] * v[0] + m[4] * v[1] + m[5] * v[2] + offset[1];
				out[2] = m[6] * v[0] + m[7] * v[1] + m[8] * v[2] + offset[2];
				return true;
			};
		}
		case 'clut': {
			const interpolate = clutInterpolator(stage.clut);
			return (values, out) => {
				interpolate(values, out);
				return true;
			};
		}
	}
}

/**
 * Interpolates a CLUT of 1-4 inputs: linear, bilinear, tetrahedral, and for 4 inputs tetrahedral
 * in the last three blended linearly along the first, as Little CMS does.
 */
export function clutInterpolator(
	clut: Clut,
): (input: ArrayLike<number>, output: Float64Array) => void {
	const { gridPoints, outputs, bytes, start, inputs } = clut;
	const strides = new Int32Array(inputs);
	let stride = outputs;
	for (let d = inputs - 1; d >= 0; d--) {
		strides[d] = stride;
		stride *= gridPoints[d];
	}
	// Per axis, for the current input: offset of the lower grid point, step up, fraction.
	const base = new Int32Array(inputs);
	const step = new Int32Array(inputs);
	const fraction = new Float64Array(inputs);
	const locate = (input: ArrayLike<number>): void => {
		for (let d = 0; d < inputs; d++) {
			const value = input[d] > 0 ? (input[d] < 1 ? input[d] : 1) : 0;
			const position = value * (gridPoints[d] - 1);
			const index = Math.min(Math.floor(position), gridPoints[d] - 1);
			base[d] = index * strides[d];
			step[d] = index < gridPoints[d] - 1 ? strides[d] : 0;
			fraction[d] = position - index;
		}
	};
	// A sample in [0, 1]; 8-bit samples as Little CMS scales them (x 257 / 65535 = / 255).
	const at =
		clut.sampleBytes === 2
			? (offset: number): number =>
					((bytes[start + 2 * offset] << 8) | bytes[start + 2 * offset + 1]) / 65535
			: (offset: number): number => bytes[start + offset] / 255;
	if (inputs === 1) {
		return (input, output) => {
			locate(input);
			for (let k = 0; k < outputs; k++) {
				const low = at(base[0] + k);
				output[k] = low + (at(base[0] + step[0] + k) - low) * fraction[0];
			}
		};
	}
	if (inputs === 2) {
		return (input, output) => {
			locate(input);
			for (let k = 0; k < outputs; k++) {
				const corner = base[0] + base[1] + k;
				const low = at(corner) + (at(corner + step[1]) - at(corner)) * fraction[1];
				const top = corner + step[0];
				const high = at(top) + (at(top + step[1]) - at(top)) * fraction[1];
				output[k] = low + (high - low) * fraction[0];
			}
		};
	}
	const first = inputs - 3; // the three axes interpolated tetrahedrally
	const high = new Float64Array(outputs);
	const walk = new Float64Array(5);
	const tetrahedral = (origin: number, out: Float64Array): void => {
		const f0 = fraction[first];
		const f1 = fraction[first + 1];
		const f2 = fraction[first + 2];
		const s0 = step[first];
		const s1 = step[first + 1];
		const s2 = step[first + 2];
		tetrahedralWalk(s0, s1, s2, f0, f1, f2, walk);
		const [a, b, fa, fb, fc] = walk;
		const corner = origin + base[first] + base[first + 1] + base[first + 2];
		const all = s0 + s1 + s2;
		for (let k = 0; k < outputs; k++) {
			const v0 = at(corner + k);
			const v1 = at(corner + a + k);
			const v2 = at(corner + b + k);
			const v3 = at(corner + all + k);
			out[k] = v0 + fa * (v1 - v0) + fb * (v2 - v1) + fc * (v3 - v2);
		}
	};
	if (inputs === 3) {
		return (input, output) => {
			locate(input);
			tetrahedral(0, output);
		};
	}
	return (input, output) => {
		locate(input);
		tetrahedral(base[0], output);
		if (step[0] === 0 || fraction[0] === 0) return;
		tetrahedral(base[0] + step[0], high);
		for (let k = 0; k < outputs; k++) output[k] += (high[k] - output[k]) * fraction[0];
	};
}
