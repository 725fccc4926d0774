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

export function createFeatureMap(channels: number, height: number, width: number): FeatureMap {
	return { channels, height, width, data: new Float32Array(channels * height * width) };
}

/**
 * Buffers for feature maps, handed back when a layer's output has been used, so that the dozens
 * of readings one photo may need reuse a few megabytes instead of leaving hundreds of them to the
 * garbage collector. A pool lives as long as one face check.
 */
export class FeatureMapPool {
	private readonly free = new Map<number, Float32Array[]>();

	/** A zeroed feature map (a recycled buffer when one of that length is free). */
	take(channels: number, height: number, width: number): FeatureMap {
		const length = channels * height * width;
		const recycled = this.free.get(length)?.pop();
		if (recycled) recycled.fill(0);
		return { channels, height, width, data: recycled ?? new Float32Array(length) };
	}

	give(map: FeatureMap): void {
		const list = this.free.get(map.data.length);
		if (list) list.push(map.data);
		else this.free.set(map.data.length, [map.data]);
	}
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
