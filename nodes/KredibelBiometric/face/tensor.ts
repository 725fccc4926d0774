/**
 * The tensor layout every stage of the detector shares. TFLite and tfjs keep activations
 * channel-last (NHWC); here a feature map is channel-first (one contiguous plane per channel),
 * because then the 1x1 convolutions that make up most of BlazeFace's work become, for each
 * output channel, a sum of whole input planes scaled by one weight: a loop over contiguous
 * memory that the JavaScript engine compiles to tight code. `fromChannelsLast`/`toChannelsLast`
 * convert at the edges (tests compare with tfjs in its layout).
 */

/** `channels` planes of `height` x `width` float32 values, plane after plane, row by row. */
export interface FeatureMap {
	channels: number;
	height: number;
	width: number;
	data: Float32Array;
}

/**
 * A map of this shape, zeroed, or over the start of `buffer` (a workspace's, reused from pass to
 * pass: it holds whatever the last map left there; `data` is exactly the map's length).
 */
export function createFeatureMap(
	channels: number,
	height: number,
	width: number,
	buffer?: Float32Array,
): FeatureMap {
	const length = channels * height * width;
	if (buffer && buffer.length < length) throw new Error('feature map: buffer too small');
	return {
		channels,
		height,
		width,
		data: buffer ? buffer.subarray(0, length) : new Float32Array(length),
	};
}

/** A feature map from NHWC values (batch 1), as tfjs and TFLite store them. */
export function fromChannelsLast(
	values: ArrayLike<number>,
	height: number,
	width: number,
	channels: number,
): FeatureMap {
	const map = createFeatureMap(channels, height, width);
	const plane = height * width;
	for (let pixel = 0; pixel < plane; pixel++) {
		for (let channel = 0; channel < channels; channel++) {
			map.data[channel * plane + pixel] = values[pixel * channels + channel];
		}
	}
	return map;
}

/** The NHWC values (batch 1) of a feature map. */
export function toChannelsLast(map: FeatureMap): Float32Array {
	const { channels, height, width, data } = map;
	const plane = height * width;
	const values = new Float32Array(data.length);
	for (let pixel = 0; pixel < plane; pixel++) {
		for (let channel = 0; channel < channels; channel++) {
			values[pixel * channels + channel] = data[channel * plane + pixel];
		}
	}
	return values;
}
