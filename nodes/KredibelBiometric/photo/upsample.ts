/**
 * Why this file exists: most photos store colour (Cb, Cr) at half the resolution of brightness
 * (T.81 A.1.1 sampling factors; 4:2:0 and 4:2:2), so decoding ends by bringing every component
 * back to the picture's resolution. At full scale this uses the same "fancy" triangle filter as
 * libjpeg's default (jdsample.c: each output sample weighs its nearest input sample 3/4 and the
 * next nearest 1/4, horizontally and/or vertically), so our output matches `djpeg` closely; other
 * ratios, and scaled decodes whose blocks are a single sample, repeat samples (box filter).
 * Works one output row at a time so no full-size chroma plane is ever allocated.
 */

export type UpsampleKind = 'none' | 'fancyH2V1' | 'fancyH1V2' | 'fancyH2V2' | 'replicate';

/** One component's decoded samples at its own resolution, with its upsampling to the output. */
export interface ComponentPlane {
	samples: Uint8ClampedArray;
	stride: number;
	/** Samples of real picture data per row and rows (libjpeg's downsampled_width/height). */
	width: number;
	height: number;
	horizontalFactor: number;
	verticalFactor: number;
	kind: UpsampleKind;
}

/** Picks the filter for integer factors, as libjpeg's jinit_upsampler does. */
export function chooseUpsampling(
	horizontalFactor: number,
	verticalFactor: number,
	width: number,
	fancyAllowed: boolean,
): UpsampleKind {
	if (horizontalFactor === 1 && verticalFactor === 1) return 'none';
	if (fancyAllowed && width > 2) {
		if (horizontalFactor === 2 && verticalFactor === 1) return 'fancyH2V1';
		if (horizontalFactor === 2 && verticalFactor === 2) return 'fancyH2V2';
	}
	if (fancyAllowed && horizontalFactor === 1 && verticalFactor === 2) return 'fancyH1V2';
	return 'replicate';
}

/**
 * Writes output row `outputRow` of `plane`, upsampled, into `out` (at least
 * `plane.width * plane.horizontalFactor` long). Not for kind 'none' (read the plane directly).
 */
export function upsampleRow(
	plane: ComponentPlane,
	outputRow: number,
	out: Uint8ClampedArray,
): void {
	const { samples, stride, width, height } = plane;
	const last = width - 1;
	switch (plane.kind) {
		case 'fancyH2V1': {
			const p = outputRow * stride;
			out[0] = samples[p];
			out[1] = (samples[p] * 3 + samples[p + 1] + 2) >> 2;
			for (let x = 1; x < last; x++) {
				const centre = samples[p + x] * 3;
				out[2 * x] = (centre + samples[p + x - 1] + 1) >> 2;
				out[2 * x + 1] = (centre + samples[p + x + 1] + 2) >> 2;
			}
			out[2 * last] = (samples[p + last] * 3 + samples[p + last - 1] + 1) >> 2;
			out[2 * last + 1] = samples[p + last];
			return;
		}
		case 'fancyH1V2': {
			const row = outputRow >> 1;
			const lower = (outputRow & 1) === 1;
			const neighbour = lower ? Math.min(row + 1, height - 1) : Math.max(row - 1, 0);
			const bias = lower ? 2 : 1;
			const p = row * stride;
			const q = neighbour * stride;
			for (let x = 0; x < width; x++) out[x] = (samples[p + x] * 3 + samples[q + x] + bias) >> 2;
			return;
		}
		case 'fancyH2V2': {
			const row = outputRow >> 1;
			const lower = (outputRow & 1) === 1;
			const neighbour = lower ? Math.min(row + 1, height - 1) : Math.max(row - 1, 0);
			const p = row * stride;
			const q = neighbour * stride;
			let thisSum = samples[p] * 3 + samples[q];
			let nextSum = samples[p + 1] * 3 + samples[q + 1];
			out[0] = (thisSum * 4 + 8) >> 4;
			out[1] = (thisSum * 3 + nextSum + 7) >> 4;
			let lastSum = thisSum;
			thisSum = nextSum;
			for (let x = 1; x < last; x++) {
				nextSum = samples[p + x + 1] * 3 + samples[q + x + 1];
				out[2 * x] = (thisSum * 3 + lastSum + 8) >> 4;
				out[2 * x + 1] = (thisSum * 3 + nextSum + 7) >> 4;
				lastSum = thisSum;
				thisSum = nextSum;
			}
			out[2 * last] = (thisSum * 3 + lastSum + 8) >> 4;
			out[2 * last + 1] = (thisSum * 4 + 7) >> 4;
			return;
		}
		default: {
			const factor = plane.horizontalFactor;
			const p = Math.floor(outputRow / plane.verticalFactor) * stride;
			let o = 0;
			for (let x = 0; x < width; x++) {
				const value = samples[p + x];
				for (let i = 0; i < factor; i++) out[o++] = value;
			}
		}
	}
}
