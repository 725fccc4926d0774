/**
 * The layers BlazeFace is made of, on channel-first feature maps (`tensor.ts`), each computing
 * what TFLite's and tfjs-core's CPU kernels compute (the tests compare them on random tensors):
 * a square convolution with SAME padding (the 5x5 stride-2 stem), a 3x3 depthwise convolution
 * with SAME padding, a 1x1 convolution that can also add a shortcut (zero-padded in channels, as
 * the model's PAD + ADD do) and apply ReLU, and the 2x2 stride-2 max pool of the shortcut.
 * SAME padding puts the odd pixel of padding after, not before (TensorFlow's rule).
 */
import { createFeatureMap, type FeatureMap } from './tensor';
import type { ConvolutionWeights, DepthwiseWeights, PointwiseWeights } from './weights';

/** TensorFlow's SAME padding: output size and the padding before the first input pixel. */
export function samePadding(
	inputSize: number,
	kernelSize: number,
	stride: number,
): { outputSize: number; before: number } {
	const outputSize = Math.ceil(inputSize / stride);
	const total = Math.max((outputSize - 1) * stride + kernelSize - inputSize, 0);
	return { outputSize, before: Math.floor(total / 2) };
}

function applyRelu(values: Float32Array, from: number, to: number): void {
	for (let index = from; index < to; index++) if (values[index] < 0) values[index] = 0;
}

/** A convolution with a square kernel (OHWI weights), stride `stride`, SAME padding. */
export function convolution(
	input: FeatureMap,
	convolutionWeights: ConvolutionWeights,
	stride: number,
	relu: boolean,
): FeatureMap {
	const { inputs, outputs, size, weights, bias } = convolutionWeights;
	if (input.channels !== inputs) throw new Error('convolution: channel count mismatch');
	const { height, width, data } = input;
	const vertical = samePadding(height, size, stride);
	const horizontal = samePadding(width, size, stride);
	const output = createFeatureMap(outputs, vertical.outputSize, horizontal.outputSize);
	const outputWidth = output.width;
	const outputPlane = output.height * outputWidth;
	const out = output.data;
	for (let channel = 0; channel < outputs; channel++) {
		const planeStart = channel * outputPlane;
		out.fill(bias[channel], planeStart, planeStart + outputPlane);
		for (let row = 0; row < size; row++) {
			for (let column = 0; column < size; column++) {
				// Output x reads input x * stride + column - before: keep it inside the picture.
				const shift = column - horizontal.before;
				const firstX = Math.max(0, Math.ceil(-shift / stride));
				const lastX = Math.min(outputWidth - 1, Math.floor((width - 1 - shift) / stride));
				for (let source = 0; source < inputs; source++) {
					const weight = weights[((channel * size + row) * size + column) * inputs + source];
					const sourcePlane = source * height * width;
					for (let y = 0; y < vertical.outputSize; y++) {
						const sourceY = y * stride + row - vertical.before;
						if (sourceY < 0 || sourceY >= height) continue;
						const sourceRow = sourcePlane + sourceY * width + shift;
						const outputRow = planeStart + y * outputWidth;
						for (let x = firstX; x <= lastX; x++) {
							out[outputRow + x] += weight * data[sourceRow + x * stride];
						}
					}
				}
			}
		}
		if (relu) applyRelu(out, planeStart, planeStart + outputPlane);
	}
	return output;
}

/** A 3x3 depthwise convolution (one kernel per channel), stride 1 or 2, SAME padding. */
export function depthwiseConvolution(
	input: FeatureMap,
	depthwiseWeights: DepthwiseWeights,
	stride: number,
): FeatureMap {
	const { channels, weights, bias } = depthwiseWeights;
	if (input.channels !== channels) throw new Error('depthwise: channel count mismatch');
	const { height, width, data } = input;
	const vertical = samePadding(height, 3, stride);
	const horizontal = samePadding(width, 3, stride);
	const outputHeight = vertical.outputSize;
	const outputWidth = horizontal.outputSize;
	const output = createFeatureMap(channels, outputHeight, outputWidth);
	const out = output.data;
	const plane = height * width;
	for (let channel = 0; channel < channels; channel++) {
		const tap = channel * 9;
		const w00 = weights[tap];
		const w01 = weights[tap + 1];
		const w02 = weights[tap + 2];
		const w10 = weights[tap + 3];
		const w11 = weights[tap + 4];
		const w12 = weights[tap + 5];
		const w20 = weights[tap + 6];
		const w21 = weights[tap + 7];
		const w22 = weights[tap + 8];
		const kernelRows = [w00, w01, w02, w10, w11, w12, w20, w21, w22];
		const source = channel * plane;
		let at = channel * outputHeight * outputWidth;
		for (let y = 0; y < outputHeight; y++) {
			const top = y * stride - vertical.before;
			const rowsInside = top >= 0 && top + 2 < height;
			for (let x = 0; x < outputWidth; x++) {
				const left = x * stride - horizontal.before;
				let sum = bias[channel];
				if (rowsInside && left >= 0 && left + 2 < width) {
					const a = source + top * width + left;
					const b = a + width;
					const c = b + width;
					sum +=
						w00 * data[a] +
						w01 * data[a + 1] +
						w02 * data[a + 2] +
						w10 * data[b] +
						w11 * data[b + 1] +
						w12 * data[b + 2] +
						w20 * data[c] +
						w21 * data[c + 1] +
						w22 * data[c + 2];
				} else {
					for (let row = 0; row < 3; row++) {
						const sourceY = top + row;
						if (sourceY < 0 || sourceY >= height) continue;
						for (let column = 0; column < 3; column++) {
							const sourceX = left + column;
							if (sourceX < 0 || sourceX >= width) continue;
							sum += kernelRows[row * 3 + column] * data[source + sourceY * width + sourceX];
						}
					}
				}
				out[at++] = sum;
			}
		}
	}
	return output;
}

/**
 * A 1x1 convolution. With `shortcut`, its channels are added to the first output channels (the
 * model pads the shortcut with zero channels up to the output's count, then adds); with `relu`,
 * negatives become 0. Output channels are computed four at a time so that each input value is
 * read once per four outputs.
 */
export function pointwiseConvolution(
	input: FeatureMap,
	pointwiseWeights: PointwiseWeights,
	options: { shortcut?: FeatureMap; relu?: boolean } = {},
): FeatureMap {
	const { inputs, outputs, weights, bias } = pointwiseWeights;
	if (input.channels !== inputs) throw new Error('pointwise: channel count mismatch');
	const { shortcut, relu = false } = options;
	const { height, width, data } = input;
	const plane = height * width;
	if (
		shortcut &&
		(shortcut.height !== height || shortcut.width !== width || shortcut.channels > outputs)
	) {
		throw new Error('pointwise: shortcut shape mismatch');
	}
	const output = createFeatureMap(outputs, height, width);
	const out = output.data;
	for (let channel = 0; channel < outputs; channel++) {
		const start = channel * plane;
		if (shortcut && channel < shortcut.channels) {
			out.set(shortcut.data.subarray(start, start + plane), start);
			const channelBias = bias[channel];
			for (let index = start; index < start + plane; index++) out[index] += channelBias;
		} else {
			out.fill(bias[channel], start, start + plane);
		}
	}
	let channel = 0;
	for (; channel + 4 <= outputs; channel += 4) {
		const o0 = channel * plane;
		const o1 = o0 + plane;
		const o2 = o1 + plane;
		const o3 = o2 + plane;
		for (let source = 0; source < inputs; source++) {
			const w0 = weights[channel * inputs + source];
			const w1 = weights[(channel + 1) * inputs + source];
			const w2 = weights[(channel + 2) * inputs + source];
			const w3 = weights[(channel + 3) * inputs + source];
			const s = source * plane;
			for (let pixel = 0; pixel < plane; pixel++) {
				const value = data[s + pixel];
				out[o0 + pixel] += w0 * value;
				out[o1 + pixel] += w1 * value;
				out[o2 + pixel] += w2 * value;
				out[o3 + pixel] += w3 * value;
			}
		}
	}
	for (; channel < outputs; channel++) {
		const o = channel * plane;
		for (let source = 0; source < inputs; source++) {
			const weight = weights[channel * inputs + source];
			const s = source * plane;
			for (let pixel = 0; pixel < plane; pixel++) out[o + pixel] += weight * data[s + pixel];
		}
	}
	if (relu) applyRelu(out, 0, out.length);
	return output;
}

/** Max over 2x2 windows with stride 2 (SAME padding: a last odd row or column is kept alone). */
export function maxPool2x2(input: FeatureMap): FeatureMap {
	const { channels, height, width, data } = input;
	const output = createFeatureMap(channels, Math.ceil(height / 2), Math.ceil(width / 2));
	const out = output.data;
	let at = 0;
	for (let channel = 0; channel < channels; channel++) {
		const plane = channel * height * width;
		for (let y = 0; y < output.height; y++) {
			const y0 = 2 * y;
			const y1 = Math.min(y0 + 1, height - 1);
			for (let x = 0; x < output.width; x++) {
				const x0 = 2 * x;
				const x1 = Math.min(x0 + 1, width - 1);
				out[at++] = Math.max(
					data[plane + y0 * width + x0],
					data[plane + y0 * width + x1],
					data[plane + y1 * width + x0],
					data[plane + y1 * width + x1],
				);
			}
		}
	}
	return output;
}
