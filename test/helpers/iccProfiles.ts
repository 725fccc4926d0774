/**
 * Why this file exists: the colour tests need ICC profiles of every kind the node converts, and
 * profiles from vendors come with licences. These are written by code instead, from published
 * primaries and curves (Display P3, Adobe RGB (1998), ProPhoto, Apple's Generic RGB, sRGB) and
 * from a synthetic press model for CMYK tables (mft1, mft2, mAB), in both profile versions, so
 * the tests know exactly what each file says and nothing is committed as bytes. Little CMS
 * (`transicc`) then tells what the right conversion of each one is.
 */
import { PhotoBudget } from '../../nodes/KredibelBiometric/photo/budget';
import { readJpegHeader } from '../../nodes/KredibelBiometric/photo/jpegHeader';
import { readJpegIccProfile } from '../../nodes/KredibelBiometric/photo/jpegIccProfile';

/** A tone curve as a profile may store it. */
export type CurveSpec =
	| { type: 'gamma'; gamma: number }
	| { type: 'table'; fn: (x: number) => number; entries: number }
	| { type: 'para'; fn: number; params: number[] }
	| { type: 'identity' };

export type Xy = [number, number];

export interface MatrixProfileSpec {
	description: string;
	version: 2 | 4;
	primaries: [Xy, Xy, Xy];
	white: Xy;
	curve: CurveSpec;
	/** Write a chad tag (the Bradford matrix from the white to D50), as v4 profiles do. */
	chad?: boolean;
}

const D50 = [0.9642, 1.0, 0.8249];
const D65: Xy = [0.3127, 0.329];

/** The IEC 61966-2-1 curve as ICC 'para' type 3 (how v4 sRGB and Display P3 store it). */
export const SRGB_PARA: CurveSpec = {
	type: 'para',
	fn: 3,
	params: [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045],
};

function srgbDecode(x: number): number {
	return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}

export const PROFILES: Record<string, MatrixProfileSpec> = {
	displayP3: {
		description: 'Display P3',
		version: 4,
		primaries: [
			[0.68, 0.32],
			[0.265, 0.69],
			[0.15, 0.06],
		],
		white: D65,
		curve: SRGB_PARA,
		chad: true,
	},
	adobeRgb: {
		description: 'Adobe RGB (1998)',
		version: 2,
		primaries: [
			[0.64, 0.33],
			[0.21, 0.71],
			[0.15, 0.06],
		],
		white: D65,
		curve: { type: 'gamma', gamma: 563 / 256 },
	},
	proPhoto: {
		description: 'ProPhoto RGB',
		version: 4,
		primaries: [
			[0.7347, 0.2653],
			[0.1596, 0.8404],
			[0.0366, 0.0001],
		],
		white: [0.3457, 0.3585],
		curve: { type: 'para', fn: 0, params: [1.8] },
	},
	genericRgb: {
		description: 'Generic RGB Profile',
		version: 2,
		primaries: [
			[0.63, 0.34],
			[0.295, 0.605],
			[0.155, 0.077],
		],
		white: D65,
		curve: { type: 'table', fn: (x) => x ** 1.8, entries: 256 },
	},
	srgbTable: {
		description: 'sRGB IEC61966-2.1',
		version: 2,
		primaries: [
			[0.64, 0.33],
			[0.3, 0.6],
			[0.15, 0.06],
		],
		white: D65,
		curve: { type: 'table', fn: srgbDecode, entries: 1024 },
	},
};

// ---- arithmetic (test-side, independent of the product's) ----

type M3 = number[];

function mul(a: M3, b: M3): M3 {
	const out: number[] = [];
	for (let r = 0; r < 3; r++) {
		for (let c = 0; c < 3; c++) {
			out.push(a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c]);
		}
	}
	return out;
}

function mulVec(m: M3, v: number[]): number[] {
	return [0, 1, 2].map((r) => m[r * 3] * v[0] + m[r * 3 + 1] * v[1] + m[r * 3 + 2] * v[2]);
}

function inv(m: M3): M3 {
	const [a, b, c, d, e, f, g, h, i] = m;
	const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
	return [
		e * i - f * h,
		c * h - b * i,
		b * f - c * e,
		f * g - d * i,
		a * i - c * g,
		c * d - a * f,
		d * h - e * g,
		b * g - a * h,
		a * e - b * d,
	].map((x) => x / det);
}

const xyz = ([x, y]: Xy): number[] => [x / y, 1, (1 - x - y) / y];

const BRADFORD = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];

/** Bradford adaptation from `white` to D50 (what a profile's chad tag holds). */
export function adaptationToD50(white: Xy): M3 {
	const from = mulVec(BRADFORD, xyz(white));
	const to = mulVec(BRADFORD, D50);
	const scale = [to[0] / from[0], 0, 0, 0, to[1] / from[1], 0, 0, 0, to[2] / from[2]];
	return mul(inv(BRADFORD), mul(scale, BRADFORD));
}

/** Colorants adapted to D50, row-major linear RGB -> XYZ, as profile makers compute them. */
export function colorantsD50(primaries: [Xy, Xy, Xy], white: Xy): M3 {
	const columns = primaries.map(xyz);
	const p = [0, 1, 2].flatMap((r) => columns.map((c) => c[r]));
	const s = mulVec(inv(p), xyz(white));
	return mul(
		adaptationToD50(white),
		p.map((v, i) => v * s[i % 3]),
	);
}

// ---- writing ----

class Writer {
	private bytes: number[] = [];
	get length(): number {
		return this.bytes.length;
	}
	u8(v: number): this {
		this.bytes.push(v & 255);
		return this;
	}
	u16(v: number): this {
		return this.u8(v >> 8).u8(v);
	}
	u32(v: number): this {
		return this.u16(v >>> 16).u16(v & 0xffff);
	}
	s15f16(v: number): this {
		return this.u32(Math.round(v * 65536) >>> 0);
	}
	text(s: string): this {
		for (const ch of s) this.u8(ch.charCodeAt(0));
		return this;
	}
	pad(): this {
		while (this.bytes.length % 4) this.u8(0);
		return this;
	}
	raw(values: Iterable<number>): this {
		for (const v of values) this.u8(v);
		return this;
	}
	done(): Uint8Array {
		return Uint8Array.from(this.bytes);
	}
}

export function curveTag(curve: CurveSpec): Uint8Array {
	const w = new Writer();
	if (curve.type === 'identity') return w.text('curv').u32(0).u32(0).done();
	if (curve.type === 'gamma') {
		return w
			.text('curv')
			.u32(0)
			.u32(1)
			.u16(Math.round(curve.gamma * 256))
			.done();
	}
	if (curve.type === 'table') {
		w.text('curv').u32(0).u32(curve.entries);
		for (let i = 0; i < curve.entries; i++) {
			w.u16(Math.round(Math.min(1, Math.max(0, curve.fn(i / (curve.entries - 1)))) * 65535));
		}
		return w.done();
	}
	w.text('para').u32(0).u16(curve.fn).u16(0);
	for (const p of curve.params) w.s15f16(p);
	return w.done();
}

function xyzTag(v: number[]): Uint8Array {
	return new Writer().text('XYZ ').u32(0).s15f16(v[0]).s15f16(v[1]).s15f16(v[2]).done();
}

function descriptionTag(text: string, version: 2 | 4): Uint8Array {
	const w = new Writer();
	if (version === 4) {
		w.text('mluc')
			.u32(0)
			.u32(1)
			.u32(12)
			.text('enUS')
			.u32(text.length * 2)
			.u32(28);
		for (const ch of text) w.u16(ch.charCodeAt(0));
		return w.done();
	}
	w.text('desc')
		.u32(0)
		.u32(text.length + 1)
		.text(text)
		.u8(0);
	w.u32(0).u32(0).u16(0).u8(0).raw(new Array<number>(67).fill(0));
	return w.done();
}

export type ColourSpace = 'RGB ' | 'GRAY' | 'CMYK';

/** Assembles header, tag table and tags (4-byte aligned; shared data written once). */
export function assembleProfile(options: {
	version: 2 | 4;
	deviceClass: string;
	colourSpace: ColourSpace;
	pcs: 'XYZ ' | 'Lab ';
	tags: Array<[string, Uint8Array]>;
}): Uint8Array {
	const { tags } = options;
	const unique = [...new Set(tags.map(([, data]) => data))];
	const tableEnd = 128 + 4 + 12 * tags.length;
	const offsets = new Map<Uint8Array, number>();
	let at = tableEnd;
	for (const data of unique) {
		offsets.set(data, at);
		at += (data.length + 3) & ~3;
	}
	const w = new Writer();
	w.u32(at)
		.text('lcms')
		.u32(options.version === 4 ? 0x04300000 : 0x02100000);
	w.text(options.deviceClass).text(options.colourSpace).text(options.pcs);
	w.raw(new Array<number>(12).fill(0)).text('acsp').raw(new Array<number>(24).fill(0));
	w.u32(0); // rendering intent
	w.s15f16(D50[0]).s15f16(D50[1]).s15f16(D50[2]);
	while (w.length < 128) w.u8(0);
	w.u32(tags.length);
	for (const [signature, data] of tags) {
		w.text(signature)
			.u32(offsets.get(data) as number)
			.u32(data.length);
	}
	for (const data of unique) w.raw(data).pad();
	return w.done();
}

/** An RGB matrix/TRC profile from primaries, white and a curve. */
export function matrixProfile(spec: MatrixProfileSpec): Uint8Array {
	const m = colorantsD50(spec.primaries, spec.white);
	const curve = curveTag(spec.curve);
	const tags: Array<[string, Uint8Array]> = [
		['desc', descriptionTag(spec.description, spec.version)],
		['wtpt', xyzTag(D50)],
		['rXYZ', xyzTag([m[0], m[3], m[6]])],
		['gXYZ', xyzTag([m[1], m[4], m[7]])],
		['bXYZ', xyzTag([m[2], m[5], m[8]])],
		['rTRC', curve],
		['gTRC', curve],
		['bTRC', curve],
	];
	if (spec.chad) {
		const w = new Writer().text('sf32').u32(0);
		for (const v of adaptationToD50(spec.white)) w.s15f16(v);
		tags.push(['chad', w.done()]);
	}
	return assembleProfile({
		version: spec.version,
		deviceClass: 'mntr',
		colourSpace: 'RGB ',
		pcs: 'XYZ ',
		tags,
	});
}

/** A grey profile (kTRC) with an XYZ or Lab connection. */
export function greyProfile(
	curve: CurveSpec,
	pcs: 'XYZ ' | 'Lab ',
	version: 2 | 4 = 2,
): Uint8Array {
	return assembleProfile({
		version,
		deviceClass: 'mntr',
		colourSpace: 'GRAY',
		pcs,
		tags: [
			['desc', descriptionTag(`Grey ${pcs.trim()}`, version)],
			['wtpt', xyzTag(D50)],
			['kTRC', curveTag(curve)],
		],
	});
}

// ---- table (A2B0) profiles ----

/** A made-up press: ink 0-1 -> linear sRGB-like reflectance, with cross-talk and dot gain. */
export function syntheticPress(ink: number[]): number[] {
	const [c, m, y, k] = ink.map((v) => v ** 0.9);
	const paper = 1 - 0.88 * k;
	return [
		(1 - 0.93 * c) * (1 - 0.12 * m) * (1 - 0.03 * y) * paper,
		(1 - 0.08 * c) * (1 - 0.9 * m) * (1 - 0.1 * y) * paper,
		(1 - 0.05 * c) * (1 - 0.22 * m) * (1 - 0.86 * y) * paper,
	].map(srgbDecode);
}

const SRGB_D50 = colorantsD50(
	[
		[0.64, 0.33],
		[0.3, 0.6],
		[0.15, 0.06],
	],
	D65,
);

function labOf(xyzValue: number[]): number[] {
	const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
	const [fx, fy, fz] = xyzValue.map((v, i) => f(v / D50[i]));
	return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export type LutType = 'mft1' | 'mft2' | 'mAB ';

/** The PCS value of a device colour, encoded for `type` in [0, 1]. */
function encodePcs(
	device: number[],
	model: (device: number[]) => number[],
	pcs: 'XYZ ' | 'Lab ',
	type: LutType,
): number[] {
	const value = mulVec(SRGB_D50, model(device));
	if (pcs === 'XYZ ') return value.map((v) => Math.min(1, Math.max(0, (v * 32768) / 65535)));
	const [l, a, b] = labOf(value);
	// lut16 stores Lab in the v2 encoding (L 100 at 0xFF00); lut8 and lutAtoB in v4's.
	const top = type === 'mft2' ? 65280 / 65535 : 1;
	return [l / 100, (a + 128) / 255, (b + 128) / 255].map((v) => Math.min(1, Math.max(0, v * top)));
}

export interface TableProfileSpec {
	type: LutType;
	inputs: 3 | 4;
	gridPoints: number;
	pcs: 'XYZ ' | 'Lab ';
	version: 2 | 4;
	description: string;
	/** Device colour in [0, 1] -> linear sRGB; defaults to the synthetic press (4) or identity (3). */
	model?: (device: number[]) => number[];
}

/** A CMYK (or RGB) profile whose A2B0 is a table of `spec.type`, sampled from a model. */
export function tableProfile(spec: TableProfileSpec): Uint8Array {
	const { inputs, gridPoints: g, type } = spec;
	const model = spec.model ?? (inputs === 4 ? syntheticPress : (d: number[]) => d.map(srgbDecode));
	// Input curves bend the axis a little (x^1.2); the grid is sampled at the bent positions.
	const inputCurve = (x: number): number => x ** 1.2;
	const inverseCurve = (x: number): number => x ** (1 / 1.2);
	const clut: number[] = [];
	const total = g ** inputs;
	for (let index = 0; index < total; index++) {
		const device: number[] = [];
		let rest = index;
		for (let d = inputs - 1; d >= 0; d--) {
			device[d] = inverseCurve((rest % g) / (g - 1));
			rest = Math.floor(rest / g);
		}
		clut.push(...encodePcs(device, model, spec.pcs, type));
	}
	const w = new Writer();
	if (type === 'mft1' || type === 'mft2') {
		const sixteen = type === 'mft2';
		const entries = sixteen ? 1024 : 256;
		w.text(type).u32(0).u8(inputs).u8(3).u8(g).u8(0);
		for (let i = 0; i < 9; i++) w.s15f16(i % 4 === 0 ? 1 : 0);
		if (sixteen) w.u16(entries).u16(entries);
		const put = (v: number): void => {
			if (sixteen) w.u16(Math.round(v * 65535));
			else w.u8(Math.round(v * 255));
		};
		for (let c = 0; c < inputs; c++) {
			for (let i = 0; i < entries; i++) put(inputCurve(i / (entries - 1)));
		}
		for (const v of clut) put(v);
		for (let c = 0; c < 3; c++) for (let i = 0; i < entries; i++) put(i / (entries - 1));
	} else {
		// mAB: B curves (identity), matrix and M curves (identity matrix, no offset), CLUT, A curves.
		const header = 32;
		const bCurves = [0, 1, 2].map(() => curveTag({ type: 'identity' }));
		const mCurves = [0, 1, 2].map(() => curveTag({ type: 'gamma', gamma: 1 }));
		const aCurves = new Array(inputs)
			.fill(0)
			.map(() => curveTag({ type: 'para', fn: 0, params: [1.2] }));
		const aligned = (data: Uint8Array): number => (data.length + 3) & ~3;
		const bOffset = header;
		const matrixOffset = bOffset + bCurves.reduce((s, c) => s + aligned(c), 0);
		const mOffset = matrixOffset + 48;
		const clutOffset = mOffset + mCurves.reduce((s, c) => s + aligned(c), 0);
		const clutBytes = 20 + clut.length * 2;
		const aOffset = clutOffset + ((clutBytes + 3) & ~3);
		w.text('mAB ').u32(0).u8(inputs).u8(3).u16(0);
		w.u32(bOffset).u32(matrixOffset).u32(mOffset).u32(clutOffset).u32(aOffset);
		for (const c of bCurves) w.raw(c).pad();
		for (let i = 0; i < 12; i++) w.s15f16(i < 9 && i % 4 === 0 ? 1 : 0);
		for (const c of mCurves) w.raw(c).pad();
		for (let i = 0; i < 16; i++) w.u8(i < inputs ? g : 0);
		w.u8(2).u8(0).u8(0).u8(0);
		for (const v of clut) w.u16(Math.round(v * 65535));
		w.pad();
		for (const c of aCurves) w.raw(c).pad();
	}
	const colourSpace: ColourSpace = inputs === 4 ? 'CMYK' : 'RGB ';
	return assembleProfile({
		version: spec.version,
		deviceClass: inputs === 4 ? 'prtr' : 'mntr',
		colourSpace,
		pcs: spec.pcs,
		tags: [
			['desc', descriptionTag(spec.description, spec.version)],
			['wtpt', xyzTag(D50)],
			['A2B0', w.done()],
		],
	});
}

/** A small CMYK profile (lut16, Lab, v2) of the synthetic press, for tests that need any one. */
export function cmykProfile(gridPoints = 3, description = 'CMYK'): Uint8Array {
	return tableProfile({
		type: 'mft2',
		inputs: 4,
		gridPoints,
		pcs: 'Lab ',
		version: 2,
		description,
	});
}

/** `profile` as APP2 ICC_PROFILE segments of at most `chunkSize` bytes each (ICC.1 Annex B.4). */
export function iccSegments(profile: Uint8Array, chunkSize = 65519): Uint8Array[] {
	const count = Math.max(1, Math.ceil(profile.length / chunkSize));
	return Array.from({ length: count }, (_, i) =>
		iccChunk(profile.subarray(i * chunkSize, (i + 1) * chunkSize), i + 1, count),
	);
}

/** One APP2 ICC_PROFILE segment with the given sequence number and count. */
export function iccChunk(data: Uint8Array, sequence: number, count: number): Uint8Array {
	const length = 2 + 12 + 2 + data.length;
	const header = Buffer.from([0xff, 0xe2, length >> 8, length & 255]);
	const signature = Buffer.from('ICC_PROFILE\0', 'latin1');
	return new Uint8Array(Buffer.concat([header, signature, Buffer.from([sequence, count]), data]));
}

/** The profile a JPEG carries, joined from its APP2 chunks as the photo path reads it. */
export function jpegProfileOf(jpeg: Uint8Array): Promise<Uint8Array | undefined> {
	return Promise.resolve(
		readJpegIccProfile(jpeg, readJpegHeader(jpeg, new PhotoBudget()).segments),
	);
}
