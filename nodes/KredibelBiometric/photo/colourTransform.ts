/**
 * Why this file exists: it is what the rest of the photo code calls to get colours right. A
 * decoded picture and the profile its file carried go in, sRGB pixels come out (`toSrgb`, and
 * `cmykPictureToSrgb` for the decoder's 4-channel CMYK through a row converter, `cmykConverter`);
 * `isSrgbEquivalent` tells whether a profile changes anything, so that a photo tagged sRGB may
 * still leave unchanged. Each form is as cheap as the profile allows, as in Little CMS's 8-bit
 * transforms: matrix/TRC profiles through three 256-entry curves, one 3x3 matrix and a 16K-entry
 * encoding table; grey through one 256-entry table; table-based profiles through a sampled grid
 * (colourGrid.ts). Pixels are converted in place, calling the checkpoint every
 * PIXELS_PER_CHECKPOINT pixels, and the extra memory is the tables (at most about 1 MB);
 * `conversionCost` tells the photo's budget (budget.ts) what a conversion will take beforehand.
 */

import { type CmykToRgb, naiveCmykToRgb, storedCmykRowToRgb } from './colour';
import {
	buildColourGrid,
	type ColourGrid,
	cmykGridConverter,
	encodeIndex,
	GRID_CHUNK,
	gridPointsFor,
	rgbGridConverter,
} from './colourGrid';
import { evaluateToneCurve } from './iccCurves';
import { leadingCurves } from './iccLut';
import type { IccProfile } from './iccProfile';
import type { Checkpoint, Picture } from './picture';
import {
	channelsOf,
	deviceToConnection,
	deviceToLinearSrgb,
	matrixShaperToLinearSrgb,
	xyzToLinearSrgb,
} from './profileToSrgb';
import { ENCODE_TABLE, encodeSrgb } from './srgb';

/**
 * Pixels converted between checkpoints: well under a millisecond, and within the photo budget's
 * pacing quantum (budget.ts UNITS_PER_CHECKPOINT) at the units counted below, even through a grid.
 */
const PIXELS_PER_CHECKPOINT = 4096;

/** True when `profile` describes pictures of `channels` channels (1 grey, 3 RGB, 4 CMYK). */
export function profileFits(profile: IccProfile, channels: number): boolean {
	return channelsOf(profile) === channels;
}

/**
 * The picture in sRGB: converted from `profile` in place (and returned), or returned as it is
 * when there is no profile or it does not fit the picture (an RGB profile on a grey JPEG is
 * ignored, as the picture is then read as untagged).
 */
export async function toSrgb(
	picture: Picture,
	profile: IccProfile | undefined,
	checkpoint?: Checkpoint,
): Promise<Picture> {
	if (!profile || !profileFits(profile, picture.channels)) return picture;
	const pixels = picture.width * picture.height;
	if (picture.channels === 1) {
		const table = greyTable(profile);
		await inChunks(pixels, checkpoint, (start, count) => {
			const data = picture.data;
			for (let i = start; i < start + count; i++) data[i] = table[data[i]];
		});
		return picture;
	}
	const affine = matrixShaperToLinearSrgb(profile);
	if (affine) {
		const curves = affine.curves.map((curve) => {
			const table = new Float32Array(256);
			for (let v = 0; v < 256; v++) table[v] = evaluateToneCurve(curve, v / 255);
			return table;
		});
		const { matrix, offset } = affine;
		await inChunks(pixels, checkpoint, (start, count) =>
			convertRgbThroughMatrix(picture.data, start * 3, count, curves, matrix, offset),
		);
		return picture;
	}
	const convert = rgbGridConverter(await gridFor(profile, 3, checkpoint));
	await inChunks(pixels, checkpoint, (start, count) => convert(picture.data, start * 3, count));
	return picture;
}

/** The sampled grid of a table profile, placed along the table's own leading curves. */
function gridFor(profile: IccProfile, inputs: 3 | 4, checkpoint?: Checkpoint): Promise<ColourGrid> {
	const curves = profile.aToB ? leadingCurves(profile.aToB) : undefined;
	const connection = deviceToConnection(profile, curves ? 1 : 0);
	const points = gridPointsOf(profile, inputs);
	return buildColourGrid(connection, xyzToLinearSrgb(profile), inputs, points, checkpoint, curves);
}

/** Points per axis of the grid gridFor samples for `profile`. */
function gridPointsOf(profile: IccProfile, inputs: 3 | 4): number {
	const curves = profile.aToB ? leadingCurves(profile.aToB) : undefined;
	const tableStage = profile.aToB?.stages[curves ? 1 : 0];
	const table = tableStage?.kind === 'clut' ? tableStage.clut.gridPoints : [];
	const uniform = table.length === inputs && table.every((points) => points === table[0]);
	return gridPointsFor(inputs, uniform ? table[0] : undefined);
}

/**
 * Work units (budget.ts: about 50 ns each quiet, 100 ns under load) per pixel converted through
 * curves and a matrix (or one grey table, or the naive CMYK model), per pixel interpolated in a
 * grid, and per grid point sampled through the profile's own curves and table. From the bench's
 * colour section on the loaded 2-core machine: a 2048x1536 Display P3 conversion 130 ms (0.4
 * units a pixel), the CMYK grid's pixels 374 ms (1.2), its 17^4 points 191 ms (23 a point).
 */
const UNITS_PER_PIXEL = 0.5;
const UNITS_PER_GRID_PIXEL = 1.5;
const UNITS_PER_GRID_POINT = 24;

/** What a conversion will cost, for the photo's budget (budget.ts) before it starts. */
export interface ConversionCost {
	/** Work units in all. */
	units: number;
	/** How many times the conversion calls its checkpoint, about. */
	checkpoints: number;
	/** The new picture a CMYK conversion makes (others convert in place). */
	pictureBytes: number;
	/** Tables and grid, dropped once the conversion is done. */
	tableBytes: number;
}

/**
 * The cost of converting `picture` with `profile` (toSrgb) or, for 4 channels, of
 * cmykPictureToSrgb: nothing when toSrgb would leave the picture as it is.
 */
export function conversionCost(
	picture: Pick<Picture, 'width' | 'height' | 'channels'>,
	profile: IccProfile | undefined,
): ConversionCost {
	const fits = profile !== undefined && profileFits(profile, picture.channels);
	const cmyk = picture.channels === 4;
	if (!fits && !cmyk) return { units: 0, checkpoints: 0, pictureBytes: 0, tableBytes: 0 };
	const pixels = picture.width * picture.height;
	const gridInputs = cmyk ? 4 : 3;
	const gridded =
		fits && picture.channels !== 1 && (cmyk || matrixShaperToLinearSrgb(profile) === undefined);
	const gridPoints = gridded ? gridPointsOf(profile, gridInputs) ** gridInputs : 0;
	return {
		units:
			Math.ceil(pixels * (gridded ? UNITS_PER_GRID_PIXEL : UNITS_PER_PIXEL)) +
			gridPoints * UNITS_PER_GRID_POINT,
		checkpoints:
			(cmyk
				? Math.floor(picture.height / cmykRowsPerCheckpoint(picture.width))
				: Math.ceil(pixels / PIXELS_PER_CHECKPOINT)) + Math.floor(gridPoints / GRID_CHUNK),
		pictureBytes: cmyk ? pixels * 3 : 0,
		// The grid, a CMYK row of scratch, and 64 KB for the curves and per-axis tables.
		tableBytes: gridPoints * 3 * Float32Array.BYTES_PER_ELEMENT + picture.width * 4 + 64 * 1024,
	};
}

async function inChunks(
	pixels: number,
	checkpoint: Checkpoint | undefined,
	convert: (start: number, count: number) => void,
): Promise<void> {
	for (let start = 0; start < pixels; start += PIXELS_PER_CHECKPOINT) {
		convert(start, Math.min(PIXELS_PER_CHECKPOINT, pixels - start));
		await checkpoint?.();
	}
}

/** TRC by table, the folded matrix, then sRGB's encoding by table; in place. */
function convertRgbThroughMatrix(
	data: Uint8Array,
	offset: number,
	count: number,
	curves: Float32Array[],
	m: number[],
	add: number[],
): void {
	const [red, green, blue] = curves;
	const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
	const [a0, a1, a2] = add;
	const end = offset + count * 3;
	for (let o = offset; o < end; o += 3) {
		const r = red[data[o]];
		const g = green[data[o + 1]];
		const b = blue[data[o + 2]];
		data[o] = ENCODE_TABLE[encodeIndex(m0 * r + m1 * g + m2 * b + a0)];
		data[o + 1] = ENCODE_TABLE[encodeIndex(m3 * r + m4 * g + m5 * b + a1)];
		data[o + 2] = ENCODE_TABLE[encodeIndex(m6 * r + m7 * g + m8 * b + a2)];
	}
}

/**
 * Grey in, grey out: each of the 256 values to the sRGB value of its luminance (for a neutral
 * grey, what R, G and B all get from Little CMS).
 */
function greyTable(profile: IccProfile): Uint8Array {
	const toLinear = deviceToLinearSrgb(profile);
	const table = new Uint8Array(256);
	for (let v = 0; v < 256; v++) {
		const [r, g, b] = toLinear([v / 255]);
		table[v] = Math.round(encodeSrgb(0.2126 * r + 0.7152 * g + 0.0722 * b) * 255);
	}
	return table;
}

/**
 * The row converter for a CMYK JPEG: through the profile's A2B0 table when there is a CMYK
 * profile, else the simple subtractive model (colour.ts), the documented default.
 */
export async function cmykConverter(
	profile: IccProfile | undefined,
	checkpoint?: Checkpoint,
): Promise<CmykToRgb> {
	if (!profile || !profileFits(profile, 4)) return naiveCmykToRgb;
	return cmykGridConverter(await gridFor(profile, 4, checkpoint));
}

/**
 * A whole decoded CMYK picture (4 interleaved channels as the decoder's keepCmyk gives them,
 * libjpeg's JCS_CMYK: Adobe files `inverted`, 255 meaning no ink) to a new RGB picture, through
 * `profile` or the naive model, row by row the way the decoder's own RGB output goes (colour.ts).
 */
export async function cmykPictureToSrgb(
	picture: Picture,
	profile: IccProfile | undefined,
	inverted: boolean,
	checkpoint?: Checkpoint,
): Promise<Picture> {
	const convert = await cmykConverter(profile, checkpoint);
	const { width, height } = picture;
	const out = new Uint8ClampedArray(width * height * 3);
	const ink = new Uint8Array(width * 4);
	const rowsPerCheckpoint = cmykRowsPerCheckpoint(width);
	for (let y = 0; y < height; y++) {
		storedCmykRowToRgb(
			picture.data,
			y * width * 4,
			inverted,
			convert,
			ink,
			out,
			y * width * 3,
			width,
		);
		if (y % rowsPerCheckpoint === rowsPerCheckpoint - 1) await checkpoint?.();
	}
	return { width, height, channels: 3, data: new Uint8Array(out.buffer) };
}

function cmykRowsPerCheckpoint(width: number): number {
	return Math.max(1, Math.floor(PIXELS_PER_CHECKPOINT / Math.max(1, width)));
}

/** Largest difference, in 8-bit levels, at which a profile still counts as sRGB: the common
 * v2 "sRGB IEC61966-2.1" profile differs from Little CMS's own sRGB by 1.4 in pure green. */
const EQUIVALENT_WITHIN_LEVELS = 2;
/** Sample values per RGB axis for the check (0, 15, ... 255). */
const EQUIVALENCE_STEP = 15;

/**
 * True when converting from `profile` would change no sample by more than two levels: sRGB itself
 * (any of its many encodings), or a grey profile with sRGB's curve. Checked on the result rather
 * than on the profile's name or fields, so a profile that only claims to be sRGB is caught. CMYK
 * is never equivalent: it is always converted.
 */
export function isSrgbEquivalent(profile: IccProfile): boolean {
	if (profile.colourSpace === 'CMYK') return false;
	const toLinear = deviceToLinearSrgb(profile);
	const level = (linear: number): number => encodeSrgb(linear) * 255;
	if (profile.colourSpace === 'GRAY') {
		const table = greyTable(profile);
		return table.every((value, v) => Math.abs(value - v) <= EQUIVALENT_WITHIN_LEVELS);
	}
	for (let r = 0; r < 256; r += EQUIVALENCE_STEP) {
		for (let g = 0; g < 256; g += EQUIVALENCE_STEP) {
			for (let b = 0; b < 256; b += EQUIVALENCE_STEP) {
				const linear = toLinear([r / 255, g / 255, b / 255]);
				if (
					Math.abs(level(linear[0]) - r) > EQUIVALENT_WITHIN_LEVELS ||
					Math.abs(level(linear[1]) - g) > EQUIVALENT_WITHIN_LEVELS ||
					Math.abs(level(linear[2]) - b) > EQUIVALENT_WITHIN_LEVELS
				) {
					return false;
				}
			}
		}
	}
	return true;
}
