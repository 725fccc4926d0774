/**
 * Turns the generated module's packed half-floats into the float32 arrays the layers read, once,
 * the first time the detector runs (about 0.4 MB; a few milliseconds). Half to float is what the
 * model's own DEQUANTIZE operators do, and it is exact. Kernels are rearranged here for the
 * channel-first layout: depthwise kernels per channel (9 taps each), pointwise kernels as
 * [output][input] rows.
 */
import { BLAZE_FACE_HALF_FLOATS_BASE64, BLAZE_FACE_PLAN } from './blazeFaceWeights.generated';
import type { BlazeFacePlan, PackedTensor } from './plan';

/** A 1x1 convolution: `weights[output * inputs + input]`, one bias per output. */
export interface PointwiseWeights {
	inputs: number;
	outputs: number;
	weights: Float32Array;
	bias: Float32Array;
}

/** A 3x3 depthwise convolution: `weights[channel * 9 + row * 3 + column]`. */
export interface DepthwiseWeights {
	channels: number;
	weights: Float32Array;
	bias: Float32Array;
}

/** A convolution with a square kernel: `weights[((output * size + row) * size + column) * inputs + input]` (OHWI). */
export interface ConvolutionWeights {
	inputs: number;
	outputs: number;
	size: number;
	weights: Float32Array;
	bias: Float32Array;
}

export interface BlockWeights {
	stride: 1 | 2;
	depthwise: DepthwiseWeights;
	pointwise: PointwiseWeights;
}

export interface HeadWeights {
	afterBlock: number;
	anchorsPerCell: number;
	classifier: PointwiseWeights;
	regressor: PointwiseWeights;
}

export interface NetworkWeights {
	inputSize: number;
	stem: ConvolutionWeights;
	stemStride: number;
	blocks: BlockWeights[];
	heads: HeadWeights[];
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with `=` padding) to bytes; the room may not use Node's Buffer. */
export function decodeBase64(text: string): Uint8Array {
	const values = new Uint8Array(128).fill(255);
	for (let index = 0; index < BASE64_ALPHABET.length; index++) {
		values[BASE64_ALPHABET.charCodeAt(index)] = index;
	}
	const length = text.replace(/=+$/, '').length;
	const bytes = new Uint8Array(Math.floor((length * 3) / 4));
	let bits = 0;
	let bitCount = 0;
	let at = 0;
	for (let index = 0; index < length; index++) {
		const value = values[text.charCodeAt(index) & 127];
		if (value === 255) throw new Error(`not base64 at character ${index}`);
		bits = (bits << 6) | value;
		bitCount += 6;
		if (bitCount >= 8) {
			bitCount -= 8;
			bytes[at++] = (bits >> bitCount) & 255;
		}
	}
	return bytes;
}

/** IEEE 754 binary16 to a number (subnormals, infinities and NaN included). */
export function halfToFloat(half: number): number {
	const sign = half & 0x8000 ? -1 : 1;
	const exponent = (half >> 10) & 0x1f;
	const fraction = half & 0x3ff;
	if (exponent === 0) return sign * fraction * 2 ** -24;
	if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
	return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Widens every half-float of the packed blob (little-endian) to float32. */
export function unpackHalves(bytes: Uint8Array): Float32Array {
	const values = new Float32Array(bytes.length >> 1);
	for (let index = 0; index < values.length; index++) {
		values[index] = halfToFloat(bytes[2 * index] | (bytes[2 * index + 1] << 8));
	}
	return values;
}

function slice(values: Float32Array, tensor: PackedTensor): Float32Array {
	const count = tensor.shape.reduce((product, size) => product * size, 1);
	return values.slice(tensor.offset, tensor.offset + count);
}

function pointwise(
	values: Float32Array,
	kernel: PackedTensor,
	bias: PackedTensor,
): PointwiseWeights {
	const [outputs, , , inputs] = kernel.shape;
	return { inputs, outputs, weights: slice(values, kernel), bias: slice(values, bias) };
}

/** TFLite's depthwise kernel is [1, 3, 3, channels]; here each channel's 9 taps are together. */
function depthwise(
	values: Float32Array,
	kernel: PackedTensor,
	bias: PackedTensor,
): DepthwiseWeights {
	const channels = kernel.shape[3];
	const packed = slice(values, kernel);
	const weights = new Float32Array(channels * 9);
	for (let tap = 0; tap < 9; tap++) {
		for (let channel = 0; channel < channels; channel++) {
			weights[channel * 9 + tap] = packed[tap * channels + channel];
		}
	}
	return { channels, weights, bias: slice(values, bias) };
}

/** Builds the network's weights from a plan and its unpacked values. */
export function networkWeightsFrom(plan: BlazeFacePlan, values: Float32Array): NetworkWeights {
	const [outputs, size, , inputs] = plan.stem.kernel.shape;
	return {
		inputSize: plan.inputSize,
		stem: {
			inputs,
			outputs,
			size,
			weights: slice(values, plan.stem.kernel),
			bias: slice(values, plan.stem.bias),
		},
		stemStride: plan.stem.stride,
		blocks: plan.blocks.map((block) => ({
			stride: block.stride,
			depthwise: depthwise(values, block.depthwiseKernel, block.depthwiseBias),
			pointwise: pointwise(values, block.pointwiseKernel, block.pointwiseBias),
		})),
		heads: plan.heads.map((head) => ({
			afterBlock: head.afterBlock,
			anchorsPerCell: head.anchorsPerCell,
			classifier: pointwise(values, head.classifierKernel, head.classifierBias),
			regressor: pointwise(values, head.regressorKernel, head.regressorBias),
		})),
	};
}

let cached: NetworkWeights | undefined;

/** BlazeFace short-range's weights, unpacked on first use and kept for the process. */
export function blazeFaceWeights(): NetworkWeights {
	cached ??= networkWeightsFrom(
		BLAZE_FACE_PLAN,
		unpackHalves(decodeBase64(BLAZE_FACE_HALF_FLOATS_BASE64)),
	);
	return cached;
}
