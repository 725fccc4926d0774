/**
 * The layers BlazeFace is made of, on channel-first feature maps (`tensor.ts`), each computing
 * what TFLite's and tfjs-core's CPU kernels compute (the tests compare them on random tensors):
 * a square convolution with SAME padding (the 5x5 stride-2 stem), a 3x3 depthwise convolution
 * with SAME padding, a 1x1 convolution that can also add a shortcut (zero-padded in channels, as
 * the model's PAD + ADD do) and apply ReLU, and the 2x2 stride-2 max pool of the shortcut.
 * SAME padding puts the odd pixel of padding after, not before (TensorFlow's rule).
 */
import { createFeatureMap, type FeatureMap, type FeatureMapPool } from './tensor';
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

/**
 * A convolution with a square kernel (OHWI weights), stride `stride`, SAME padding. The input
 * patches are first laid out as planes (one plane per kernel tap and input channel, zero where the
 * patch leaves the picture), which turns the convolution into a 1x1 convolution over those planes:
 * the fast loop below (the stem's 75 planes of 64 x 64 take 1.2 MB for a moment).
 */
export function convolution(
	input: FeatureMap,
	convolutionWeights: ConvolutionWeights,
	stride: number,
	relu: boolean,
	pool?: FeatureMapPool,
): FeatureMap {
	const { inputs, outputs, size, weights, bias } = convolutionWeights;
	if (input.channels !== inputs) throw new Error('convolution: channel count mismatch');
	const { height, width, data } = input;
	const vertical = samePadding(height, size, stride);
	const horizontal = samePadding(width, size, stride);
	const outputHeight = vertical.outputSize;
	const outputWidth = horizontal.outputSize;
	const taps = size * size * inputs;
	// Plane order (row, column, input channel) is the order of the OHWI weights' last three axes.
	const patches =
		pool?.take(taps, outputHeight, outputWidth) ??
		createFeatureMap(taps, outputHeight, outputWidth);
	let at = 0;
	for (let row = 0; row < size; row++) {
		for (let column = 0; column < size; column++) {
			for (let source = 0; source < inputs; source++) {
				const sourcePlane = source * height * width;
				for (let y = 0; y < outputHeight; y++) {
					const sourceY = y * stride + row - vertical.before;
					if (sourceY < 0 || sourceY >= height) {
						at += outputWidth;
						continue;
					}
					const sourceRow = sourcePlane + sourceY * width;
					for (let x = 0; x < outputWidth; x++) {
						const sourceX = x * stride + column - horizontal.before;
						patches.data[at++] = sourceX >= 0 && sourceX < width ? data[sourceRow + sourceX] : 0;
					}
				}
			}
		}
	}
	const output = pointwiseConvolution(
		patches,
		{ inputs: taps, outputs, weights, bias },
		{ relu, pool },
	);
	pool?.give(patches);
	return output;
}

/** One output value of a 3x3 depthwise convolution, taps outside the input counting as 0. */
function depthwiseAtEdge(
	data: Float32Array,
	source: number,
	height: number,
	width: number,
	top: number,
	left: number,
	weights: Float32Array,
	tap: number,
): number {
	let sum = 0;
	for (let row = 0; row < 3; row++) {
		const sourceY = top + row;
		if (sourceY < 0 || sourceY >= height) continue;
		for (let column = 0; column < 3; column++) {
			const sourceX = left + column;
			if (sourceX < 0 || sourceX >= width) continue;
			sum += weights[tap + row * 3 + column] * data[source + sourceY * width + sourceX];
		}
	}
	return sum;
}

/**
 * A 3x3 depthwise convolution (one kernel per channel), stride 1 or 2, SAME padding. Rows and
 * columns whose taps all lie inside the input take the unrolled path; the border takes the
 * checked one.
 */
export function depthwiseConvolution(
	input: FeatureMap,
	depthwiseWeights: DepthwiseWeights,
	stride: number,
	pool?: FeatureMapPool,
): FeatureMap {
	const { channels, weights, bias } = depthwiseWeights;
	if (input.channels !== channels) throw new Error('depthwise: channel count mismatch');
	const { height, width, data } = input;
	const vertical = samePadding(height, 3, stride);
	const horizontal = samePadding(width, 3, stride);
	const outputHeight = vertical.outputSize;
	const outputWidth = horizontal.outputSize;
	const output =
		pool?.take(channels, outputHeight, outputWidth) ??
		createFeatureMap(channels, outputHeight, outputWidth);
	const out = output.data;
	const plane = height * width;
	// Output columns whose three taps are all inside the input.
	const firstInner = Math.ceil(horizontal.before / stride);
	const lastInner = Math.floor((width - 3 + horizontal.before) / stride);
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
		const channelBias = bias[channel];
		const source = channel * plane;
		for (let y = 0; y < outputHeight; y++) {
			const top = y * stride - vertical.before;
			const rowStart = (channel * outputHeight + y) * outputWidth;
			const rowInside = top >= 0 && top + 2 < height;
			for (let x = 0; x < outputWidth; x++) {
				if (rowInside && x === firstInner && firstInner <= lastInner) {
					const a0 = source + top * width - horizontal.before;
					for (; x <= lastInner; x++) {
						const a = a0 + x * stride;
						const b = a + width;
						const c = b + width;
						out[rowStart + x] =
							channelBias +
							w00 * data[a] +
							w01 * data[a + 1] +
							w02 * data[a + 2] +
							w10 * data[b] +
							w11 * data[b + 1] +
							w12 * data[b + 2] +
							w20 * data[c] +
							w21 * data[c + 1] +
							w22 * data[c + 2];
					}
					if (x >= outputWidth) break;
				}
				const left = x * stride - horizontal.before;
				out[rowStart + x] =
					channelBias + depthwiseAtEdge(data, source, height, width, top, left, weights, tap);
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
	options: { shortcut?: FeatureMap; relu?: boolean; pool?: FeatureMapPool } = {},
): FeatureMap {
	const { inputs, outputs, weights, bias } = pointwiseWeights;
	if (input.channels !== inputs) throw new Error('pointwise: channel count mismatch');
	const { shortcut, relu = false, pool } = options;
	const { height, width, data } = input;
	const plane = height * width;
	if (
		shortcut &&
		(shortcut.height !== height || shortcut.width !== width || shortcut.channels > outputs)
	) {
		throw new Error('pointwise: shortcut shape mismatch');
	}
	const output = pool?.take(outputs, height, width) ?? createFeatureMap(outputs, height, width);
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
	// Four output planes take four input planes at a time: each pass over the pixels then does
	// 16 multiply-adds for 4 input reads and 4 output updates (a plain loop does 1 for 1 + 1).
	const lastGroup = outputs - (outputs % 4);
	for (let channel = 0; channel < lastGroup; channel += 4) {
		accumulateFourOutputs(out, channel, data, weights, inputs, plane);
	}
	for (let channel = lastGroup; channel < outputs; channel++) {
		const target = channel * plane;
		for (let source = 0; source < inputs; source++) {
			const weight = weights[channel * inputs + source];
			const from = source * plane;
			for (let pixel = 0; pixel < plane; pixel++)
				out[target + pixel] += weight * data[from + pixel];
		}
	}
	if (relu) applyRelu(out, 0, out.length);
	return output;
}

/** Adds the 1x1 convolution of all inputs to output planes `channel` to `channel + 3`. */
function accumulateFourOutputs(
	out: Float32Array,
	channel: number,
	data: Float32Array,
	weights: Float32Array,
	inputs: number,
	plane: number,
): void {
	const t0 = channel * plane;
	const t1 = t0 + plane;
	const t2 = t1 + plane;
	const t3 = t2 + plane;
	const r0 = channel * inputs;
	const r1 = r0 + inputs;
	const r2 = r1 + inputs;
	const r3 = r2 + inputs;
	let source = 0;
	for (; source + 4 <= inputs; source += 4) {
		const [a0, b0, c0, d0] = weights.subarray(r0 + source, r0 + source + 4);
		const [a1, b1, c1, d1] = weights.subarray(r1 + source, r1 + source + 4);
		const [a2, b2, c2, d2] = weights.subarray(r2 + source, r2 + source + 4);
		const [a3, b3, c3, d3] = weights.subarray(r3 + source, r3 + source + 4);
		const s0 = source * plane;
		const s1 = s0 + plane;
		const s2 = s1 + plane;
		const s3 = s2 + plane;
		for (let pixel = 0; pixel < plane; pixel++) {
			const a = data[s0 + pixel];
			const b = data[s1 + pixel];
			const c = data[s2 + pixel];
			const d = data[s3 + pixel];
			out[t0 + pixel] += a0 * a + b0 * b + c0 * c + d0 * d;
			out[t1 + pixel] += a1 * a + b1 * b + c1 * c + d1 * d;
			out[t2 + pixel] += a2 * a + b2 * b + c2 * c + d2 * d;
			out[t3 + pixel] += a3 * a + b3 * b + c3 * c + d3 * d;
		}
	}
	for (; source < inputs; source++) {
		const w0 = weights[r0 + source];
		const w1 = weights[r1 + source];
		const w2 = weights[r2 + source];
		const w3 = weights[r3 + source];
		const from = source * plane;
		for (let pixel = 0; pixel < plane; pixel++) {
			const value = data[from + pixel];
			out[t0 + pixel] += w0 * value;
			out[t1 + pixel] += w1 * value;
			out[t2 + pixel] += w2 * value;
			out[t3 + pixel] += w3 * value;
		}
	}
}

/** Max over 2x2 windows with stride 2 (SAME padding: a last odd row or column is kept alone). */
export function maxPool2x2(input: FeatureMap, pool?: FeatureMapPool): FeatureMap {
	const { channels, height, width, data } = input;
	const outputHeight = Math.ceil(height / 2);
	const outputWidth = Math.ceil(width / 2);
	const output =
		pool?.take(channels, outputHeight, outputWidth) ??
		createFeatureMap(channels, outputHeight, outputWidth);
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
