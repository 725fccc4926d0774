/**
 * Why this file exists: it is the colour science of one conversion, device values of a profile
 * to linear sRGB, as Little CMS links an input profile to its built-in sRGB with the perceptual
 * intent (cmscnvrt.c DefaultICCintents): the profile's A2B0 table (its Lab or XYZ output decoded
 * as Little CMS does for each table type) or its matrix/TRC or grey TRC model, then black point
 * compensation (forced for the perceptual intent because the sRGB profile is v4; the input's
 * black found as cmssamp.c cmsDetectBlackPoint does), then XYZ -> linear sRGB. The fast forms
 * that run over pixels (colourTransform.ts, colourGrid.ts) are built from this one function, so
 * there is one definition of the result.
 */

import { evaluateToneCurve, type ToneCurve } from './iccCurves';
import { evaluateLut } from './iccLut';
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

/** The profile's device channels: 1 grey, 3 RGB, 4 CMYK. */
export function channelsOf(profile: IccProfile): number {
	return profile.colourSpace === 'GRAY' ? 1 : profile.colourSpace === 'RGB' ? 3 : 4;
}

/** The whole conversion for one profile, black point compensation included. */
export function deviceToLinearSrgb(profile: IccProfile): DeviceToLinearSrgb {
	const affine = matrixShaperToLinearSrgb(profile);
	if (affine) {
		const { curves, matrix, offset } = affine;
		return (device) => {
			const linear = apply(matrix, [
				evaluateToneCurve(curves[0], device[0]),
				evaluateToneCurve(curves[1], device[1]),
				evaluateToneCurve(curves[2], device[2]),
			]);
			return [linear[0] + offset[0], linear[1] + offset[1], linear[2] + offset[2]];
		};
	}
	const toXyz = deviceToXyz(profile);
	const compensation = blackPointCompensation(blackPoint(profile, toXyz));
	return (device) => {
		const xyz = toXyz(device);
		if (compensation) {
			for (let i = 0; i < 3; i++) xyz[i] = xyz[i] * compensation.scale[i] + compensation.offset[i];
		}
		return apply(XYZ_TO_LINEAR_SRGB, xyz);
	};
}

/**
 * For an RGB matrix/TRC profile (no A2B0): linear sRGB = matrix x TRC(device) + offset, the
 * colorants, black point compensation and sRGB's inverse matrix folded into one affine map.
 */
export function matrixShaperToLinearSrgb(
	profile: IccProfile,
): { curves: ToneCurve[]; matrix: number[]; offset: Vector3 } | undefined {
	const { aToB, curves, colorants } = profile;
	if (aToB || !curves || !colorants || profile.colourSpace !== 'RGB') return undefined;
	const compensation = blackPointCompensation(blackPoint(profile, deviceToXyz(profile)));
	if (!compensation)
		return { curves, matrix: multiply(XYZ_TO_LINEAR_SRGB, colorants), offset: [0, 0, 0] };
	const { scale, offset } = compensation;
	const scaled = colorants.map((value, index) => value * scale[Math.floor(index / 3)]);
	return {
		curves,
		matrix: multiply(XYZ_TO_LINEAR_SRGB, scaled),
		offset: apply(XYZ_TO_LINEAR_SRGB, offset),
	};
}

/** Device values -> XYZ (D50, relative to the medium), before any black point compensation. */
function deviceToXyz(profile: IccProfile): (device: ArrayLike<number>) => Vector3 {
	const { aToB, curves, colorants } = profile;
	if (aToB) {
		const input = new Float64Array(aToB.inputs);
		const output = new Float64Array(3);
		// Little CMS reads lut16 Lab in the v2 encoding (L 100 at 0xFF00) and adds a stage
		// scaling by 65535/65280 to reach v4's (L 100 at 0xFFFF); lut8 and lutAtoB are v4.
		const labScale = aToB.encoding === 'lut16' ? 65535 / 65280 : 1;
		return (device) => {
			for (let i = 0; i < aToB.inputs; i++) input[i] = device[i];
			evaluateLut(aToB, input, output);
			if (profile.pcs === 'XYZ') {
				// XYZ is encoded as u1Fixed15: 0..1 here stands for 0..65535/32768.
				const range = 65535 / 32768;
				return [output[0] * range, output[1] * range, output[2] * range];
			}
			const [l, a, b] = output.map((value) => value * labScale);
			return labToXyz(l * 100, a * 255 - 128, b * 255 - 128);
		};
	}
	if (!curves) throw new Error('a profile without a colour model');
	if (profile.colourSpace === 'GRAY') {
		const [grey] = curves;
		return (device) => {
			const value = evaluateToneCurve(grey, device[0]);
			// Grey profiles give Y (XYZ connection) or L* (Lab connection) on the neutral axis.
			return profile.pcs === 'Lab'
				? labToXyz(value * 100, 0, 0)
				: [D50[0] * value, D50[1] * value, D50[2] * value];
		};
	}
	const matrix = colorants as number[];
	return (device) =>
		apply(matrix, [
			evaluateToneCurve(curves[0], device[0]),
			evaluateToneCurve(curves[1], device[1]),
			evaluateToneCurve(curves[2], device[2]),
		]);
}

/**
 * The input's black for black point compensation: v4 table profiles have the fixed perceptual
 * black; others the darkest colorant (RGB 0, grey 0, CMYK all inks at 100%) made neutral and
 * held to L* 0-50 (an L* above 95 means a negative profile: 0), as Little CMS finds it.
 */
function blackPoint(profile: IccProfile, toXyz: (device: ArrayLike<number>) => Vector3): Vector3 {
	if (profile.aToB && profile.version >= 0x4000000) return [...PERCEPTUAL_BLACK];
	const darkest = new Array<number>(channelsOf(profile)).fill(
		profile.colourSpace === 'CMYK' ? 1 : 0,
	);
	let l = lightness(toXyz(darkest));
	if (!(l >= 0) || l > 95) l = 0;
	else if (l > 50) l = 50;
	return l === 0 ? [0, 0, 0] : labToXyz(l, 0, 0);
}
