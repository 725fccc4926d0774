/**
 * Why this file exists: it is the colour science of one conversion, device values of a profile
 * to linear sRGB, as Little CMS links an input profile to its built-in sRGB with the perceptual
 * intent (cmscnvrt.c DefaultICCintents): the profile's A2B0 table (its Lab or XYZ output decoded
 * as Little CMS does for each table type) or its matrix/TRC or grey TRC model gives a colour in
 * the connection space (D50); then black point compensation (forced for the perceptual intent
 * because the sRGB profile is v4; the input's black found as cmssamp.c cmsDetectBlackPoint
 * does) and XYZ -> linear sRGB, folded into one affine map. The two halves are kept apart so
 * that a sampled grid (colourGrid.ts) can hold connection values and finish each pixel exactly;
 * every fast form is built from these functions, so there is one definition of the result.
 */

import { evaluateToneCurve, type ToneCurve } from './iccCurves';
import { lutEvaluator } from './iccLut';
import type { IccProfile } from './iccProfile';
import {
	apply,
	blackPointCompensation,
	D50,
	labToXyz,
	lightness,
	multiply,
	PERCEPTUAL_BLACK,
	type Vector3,
	XYZ_TO_LINEAR_SRGB,
} from './srgb';

/** Device values in [0, 1] (as many as the profile's colour space has) -> linear sRGB. */
export type DeviceToLinearSrgb = (device: ArrayLike<number>) => Vector3;

/** The connection half: device values -> Lab (L 0-100) or XYZ (D50), before any compensation. */
export interface DeviceToConnection {
	space: 'Lab' | 'XYZ';
	convert: (device: ArrayLike<number>) => Vector3;
}

/** The sRGB half: linear sRGB = matrix x XYZ + offset (compensation and sRGB's matrix folded). */
export interface XyzToLinearSrgb {
	matrix: number[];
	offset: Vector3;
}

/** The profile's device channels: 1 grey, 3 RGB, 4 CMYK. */
export function channelsOf(profile: IccProfile): number {
	return profile.colourSpace === 'GRAY' ? 1 : profile.colourSpace === 'RGB' ? 3 : 4;
}

/** The whole conversion for one profile, black point compensation included. */
export function deviceToLinearSrgb(profile: IccProfile): DeviceToLinearSrgb {
	const connection = deviceToConnection(profile);
	const { matrix, offset } = xyzToLinearSrgb(profile);
	return (device) => {
		const value = connection.convert(device);
		const xyz = connection.space === 'Lab' ? labToXyz(value[0], value[1], value[2]) : value;
		const linear = apply(matrix, xyz);
		return [linear[0] + offset[0], linear[1] + offset[1], linear[2] + offset[2]];
	};
}

/**
 * For an RGB matrix/TRC profile (no A2B0): linear sRGB = matrix x TRC(device) + offset, the
 * colorants folded into the sRGB half.
 */
export function matrixShaperToLinearSrgb(
	profile: IccProfile,
): { curves: ToneCurve[]; matrix: number[]; offset: Vector3 } | undefined {
	const { aToB, curves, colorants } = profile;
	if (aToB || !curves || !colorants || profile.colourSpace !== 'RGB') return undefined;
	const { matrix, offset } = xyzToLinearSrgb(profile);
	return { curves, matrix: multiply(matrix, colorants), offset };
}

/** XYZ (D50) -> linear sRGB for this profile: its black point compensation, then sRGB. */
export function xyzToLinearSrgb(profile: IccProfile): XyzToLinearSrgb {
	const compensation = blackPointCompensation(blackPoint(profile));
	if (!compensation) return { matrix: XYZ_TO_LINEAR_SRGB, offset: [0, 0, 0] };
	const { scale, offset } = compensation;
	return {
		matrix: XYZ_TO_LINEAR_SRGB.map((value, index) => value * scale[index % 3]),
		offset: apply(XYZ_TO_LINEAR_SRGB, offset),
	};
}

/**
 * Device values -> connection space. With `firstStage` 1 the input is taken as already through
 * the A2B0 table's leading curves (leadingCurves in iccLut.ts), for a grid placed along them.
 */
export function deviceToConnection(profile: IccProfile, firstStage = 0): DeviceToConnection {
	const { aToB, curves, colorants } = profile;
	if (aToB) {
		const evaluate = lutEvaluator(aToB, firstStage);
		const output = new Float64Array(3);
		if (profile.pcs === 'XYZ') {
			// XYZ is encoded as u1Fixed15: 0..1 here stands for 0..65535/32768.
			const range = 65535 / 32768;
			return {
				space: 'XYZ',
				convert: (device) => {
					evaluate(device, output);
					return [output[0] * range, output[1] * range, output[2] * range];
				},
			};
		}
		// Little CMS reads lut16 Lab in the v2 encoding (L 100 at 0xFF00) and adds a stage
		// scaling by 65535/65280 to reach v4's (L 100 at 0xFFFF); lut8 and lutAtoB are v4.
		const scale = aToB.encoding === 'lut16' ? 65535 / 65280 : 1;
		return {
			space: 'Lab',
			convert: (device) => {
				evaluate(device, output);
				return [
					output[0] * scale * 100,
					output[1] * scale * 255 - 128,
					output[2] * scale * 255 - 128,
				];
			},
		};
	}
	if (!curves) throw new Error('a profile without a colour model');
	if (profile.colourSpace === 'GRAY') {
		const [grey] = curves;
		// Grey profiles give Y (XYZ connection) or L* (Lab connection) on the neutral axis.
		if (profile.pcs === 'Lab') {
			return {
				space: 'Lab',
				convert: (device) => [evaluateToneCurve(grey, device[0]) * 100, 0, 0],
			};
		}
		return {
			space: 'XYZ',
			convert: (device) => {
				const y = evaluateToneCurve(grey, device[0]);
				return [D50[0] * y, D50[1] * y, D50[2] * y];
			},
		};
	}
	const matrix = colorants as number[];
	return {
		space: 'XYZ',
		convert: (device) =>
			apply(matrix, [
				evaluateToneCurve(curves[0], device[0]),
				evaluateToneCurve(curves[1], device[1]),
				evaluateToneCurve(curves[2], device[2]),
			]),
	};
}

/**
 * The input's black for black point compensation: v4 table profiles have the fixed perceptual
 * black; others the darkest colorant (RGB 0, grey 0, CMYK all inks at 100%) made neutral and
 * held to L* 0-50 (an L* above 95 means a negative profile: 0), as Little CMS finds it.
 */
function blackPoint(profile: IccProfile): Vector3 {
	if (profile.aToB && profile.version >= 0x4000000) return [...PERCEPTUAL_BLACK];
	const connection = deviceToConnection(profile);
	const darkest = new Array<number>(channelsOf(profile)).fill(
		profile.colourSpace === 'CMYK' ? 1 : 0,
	);
	const value = connection.convert(darkest);
	let l = connection.space === 'Lab' ? value[0] : lightness(value);
	if (!(l >= 0) || l > 95) l = 0;
	else if (l > 50) l = 50;
	return l === 0 ? [0, 0, 0] : labToXyz(l, 0, 0);
}
