/**
 * The layers BlazeFace is made of, on channel-first feature maps (`tensor.ts`), each computing
 * what TFLite's and tfjs-core's CPU kernels compute (the tests compare them on random tensors):
 * the stem (a 5x5 convolution with stride, then ReLU), the 3x3 depthwise convolution with SAME
 * padding, and the 1x1 convolution that can start from a shortcut (max-pooled when the block
 * strides, zero-padded in channels, as the model's MAX_POOL_2D + PAD + ADD do) and apply ReLU.
 *
 * Every layer computes a band of output rows, `from` to `to`, so that the network can hand the
 * event loop back between bands (network.ts). How the loops are shaped, from measuring variants
 * side by side in V8 (docs/performance.md): a loop that sweeps along whole planes (rows, in the
 * stem) with its weights held in local variables ran about twice as fast as one that holds
 * sixteen sums in locals and loops over the inputs. Each sweep reads eight input planes (five
 * kernel taps in the stem) and updates eight output planes, so that the typed-array loads and
 * stores, not the multiply-adds, stay few. The stem reads its taps straight from the padded
 * input (no patch planes are built). No array is allocated in a layer.
 */
import type { FeatureMap } from './tensor';
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

/** The kernel width the stem's loop is written for (BlazeFace's first layer is 5x5). */
export const STEM_KERNEL = 5;

/**
 * Sets every negative value to 0 in planes `firstPlane` to `firstPlane + count - 1`, values
 * `first` to `end` of each (as `(v + |v|) / 2`: exact, and without a branch for the processor to
 * mispredict on noisy signs).
 */
function reluPlanes(
	data: Float32Array,
	plane: number,
	firstPlane: number,
	count: number,
	first: number,
	end: number,
): void {
	for (let channel = firstPlane; channel < firstPlane + count; channel++) {
		const stop = channel * plane + end;
		for (let at = channel * plane + first; at < stop; at++) {
			const value = data[at];
			data[at] = (value + Math.abs(value)) * 0.5;
		}
	}
}

/**
 * A 5x5 convolution with `stride` and no padding of its own, then ReLU: `input` already holds
 * the SAME padding of the picture it was sampled from (views.ts writes the picture inside a
 * frame of zeros), so every tap lies inside it. Weights are TFLite's OHWI. Eight output planes
 * at a time take one kernel row of one input channel (five taps, 40 weights in locals) per
 * sweep over the rows.
 */
export function stemConvolution(
	input: FeatureMap,
	convolutionWeights: ConvolutionWeights,
	stride: number,
	output: FeatureMap,
	from: number,
	to: number,
): void {
	const { inputs, outputs, size, weights, bias } = convolutionWeights;
	if (size !== STEM_KERNEL || input.channels !== inputs || output.channels !== outputs) {
		throw new Error('stem: shape mismatch');
	}
	if (
		(output.height - 1) * stride + size > input.height ||
		(output.width - 1) * stride + size > input.width
	) {
		throw new Error('stem: the input does not hold the padding');
	}
	const inputPlane = input.height * input.width;
	const outputPlane = output.height * output.width;
	const { width, data: out } = output;
	const data = input.data;
	const taps = size * size * inputs;
	for (let channel = 0; channel < outputs; channel++) {
		out.fill(
			bias[channel],
			channel * outputPlane + from * width,
			channel * outputPlane + to * width,
		);
	}
	const groups = outputs - (outputs % 8);
	for (let first = 0; first < groups; first += 8) {
		for (let row = 0; row < size; row++) {
			for (let source = 0; source < inputs; source++) {
				// wO_K: output first + O, kernel column K, of this kernel row and input channel.
				const r0 = first * taps + row * size * inputs + source;
				const r1 = r0 + taps;
				const r2 = r1 + taps;
				const r3 = r2 + taps;
				const r4 = r3 + taps;
				const r5 = r4 + taps;
				const r6 = r5 + taps;
				const r7 = r6 + taps;
				const w0_0 = weights[r0];
				const w0_1 = weights[r0 + 1 * inputs];
				const w0_2 = weights[r0 + 2 * inputs];
				const w0_3 = weights[r0 + 3 * inputs];
				const w0_4 = weights[r0 + 4 * inputs];
				const w1_0 = weights[r1];
				const w1_1 = weights[r1 + 1 * inputs];
				const w1_2 = weights[r1 + 2 * inputs];
				const w1_3 = weights[r1 + 3 * inputs];
				const w1_4 = weights[r1 + 4 * inputs];
				const w2_0 = weights[r2];
				const w2_1 = weights[r2 + 1 * inputs];
				const w2_2 = weights[r2 + 2 * inputs];
				const w2_3 = weights[r2 + 3 * inputs];
				const w2_4 = weights[r2 + 4 * inputs];
				const w3_0 = weights[r3];
				const w3_1 = weights[r3 + 1 * inputs];
				const w3_2 = weights[r3 + 2 * inputs];
				const w3_3 = weights[r3 + 3 * inputs];
				const w3_4 = weights[r3 + 4 * inputs];
				const w4_0 = weights[r4];
				const w4_1 = weights[r4 + 1 * inputs];
				const w4_2 = weights[r4 + 2 * inputs];
				const w4_3 = weights[r4 + 3 * inputs];
				const w4_4 = weights[r4 + 4 * inputs];
				const w5_0 = weights[r5];
				const w5_1 = weights[r5 + 1 * inputs];
				const w5_2 = weights[r5 + 2 * inputs];
				const w5_3 = weights[r5 + 3 * inputs];
				const w5_4 = weights[r5 + 4 * inputs];
				const w6_0 = weights[r6];
				const w6_1 = weights[r6 + 1 * inputs];
				const w6_2 = weights[r6 + 2 * inputs];
				const w6_3 = weights[r6 + 3 * inputs];
				const w6_4 = weights[r6 + 4 * inputs];
				const w7_0 = weights[r7];
				const w7_1 = weights[r7 + 1 * inputs];
				const w7_2 = weights[r7 + 2 * inputs];
				const w7_3 = weights[r7 + 3 * inputs];
				const w7_4 = weights[r7 + 4 * inputs];
				for (let y = from; y < to; y++) {
					const inputRow = source * inputPlane + (y * stride + row) * input.width;
					const t0 = first * outputPlane + y * width;
					const t1 = t0 + outputPlane;
					const t2 = t1 + outputPlane;
					const t3 = t2 + outputPlane;
					const t4 = t3 + outputPlane;
					const t5 = t4 + outputPlane;
					const t6 = t5 + outputPlane;
					const t7 = t6 + outputPlane;
					for (let x = 0; x < width; x++) {
						const i = inputRow + x * stride;
						const x0 = data[i];
						const x1 = data[i + 1];
						const x2 = data[i + 2];
						const x3 = data[i + 3];
						const x4 = data[i + 4];
						out[t0 + x] += w0_0 * x0 + w0_1 * x1 + w0_2 * x2 + w0_3 * x3 + w0_4 * x4;
						out[t1 + x] += w1_0 * x0 + w1_1 * x1 + w1_2 * x2 + w1_3 * x3 + w1_4 * x4;
						out[t2 + x] += w2_0 * x0 + w2_1 * x1 + w2_2 * x2 + w2_3 * x3 + w2_4 * x4;
						out[t3 + x] += w3_0 * x0 + w3_1 * x1 + w3_2 * x2 + w3_3 * x3 + w3_4 * x4;
						out[t4 + x] += w4_0 * x0 + w4_1 * x1 + w4_2 * x2 + w4_3 * x3 + w4_4 * x4;
						out[t5 + x] += w5_0 * x0 + w5_1 * x1 + w5_2 * x2 + w5_3 * x3 + w5_4 * x4;
						out[t6 + x] += w6_0 * x0 + w6_1 * x1 + w6_2 * x2 + w6_3 * x3 + w6_4 * x4;
						out[t7 + x] += w7_0 * x0 + w7_1 * x1 + w7_2 * x2 + w7_3 * x3 + w7_4 * x4;
					}
				}
			}
		}
	}
	// Output counts that are not a multiple of eight: the rest one plane at a time.
	for (let channel = groups; channel < outputs; channel++) {
		for (let tap = 0; tap < taps; tap++) {
			const weight = weights[channel * taps + tap];
			const source = tap % inputs;
			const column = Math.floor(tap / inputs) % size;
			const row = Math.floor(tap / inputs / size);
			for (let y = from; y < to; y++) {
				const inputRow = source * inputPlane + (y * stride + row) * input.width + column;
				const target = channel * outputPlane + y * width;
				for (let x = 0; x < width; x++) out[target + x] += weight * data[inputRow + x * stride];
			}
		}
	}
	reluPlanes(out, outputPlane, 0, outputs, from * width, to * width);
}

/** Zeros standing in for rows above and below the input (never written). */
let zeroRow = new Float32Array(0);

/**
 * A 3x3 depthwise convolution (one kernel per channel), stride 1 or 2, SAME padding, output rows
 * `from` to `to`. Rows above and below the input are read from a row of zeros. Along a row, the
 * columns whose taps all lie inside the input slide a window: each step reads one new column of
 * three values (two when striding) and keeps the others in locals; the one or two columns at the
 * edges take the checked path.
 */
export function depthwiseConvolution(
	input: FeatureMap,
	depthwiseWeights: DepthwiseWeights,
	stride: number,
	output: FeatureMap,
	from: number,
	to: number,
): void {
	const { channels, weights, bias } = depthwiseWeights;
	const { height, width, data } = input;
	const vertical = samePadding(height, 3, stride);
	const horizontal = samePadding(width, 3, stride);
	if (
		input.channels !== channels ||
		output.channels !== channels ||
		output.height !== vertical.outputSize ||
		output.width !== horizontal.outputSize
	) {
		throw new Error('depthwise: shape mismatch');
	}
	if (zeroRow.length < width + 2) zeroRow = new Float32Array(width + 2);
	const zeros = zeroRow;
	const out = output.data;
	const outputWidth = output.width;
	const plane = height * width;
	const left = horizontal.before;
	// Output columns whose three taps all lie inside the input: firstInner to lastInner.
	const firstInner = Math.ceil(left / stride);
	const lastInner = Math.min(outputWidth - 1, Math.floor((width - 3 + left) / stride));
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
		for (let y = from; y < to; y++) {
			const top = y * stride - vertical.before;
			// Each kernel row reads the input row it lies on, or zeros; xStart is where the
			// window of output column 0 starts in it.
			const a = top >= 0 ? data : zeros;
			const b = top + 1 < height ? data : zeros;
			const c = top + 2 < height ? data : zeros;
			const aStart = a === data ? channel * plane + top * width - left : 1 - left;
			const bStart = b === data ? channel * plane + (top + 1) * width - left : 1 - left;
			const cStart = c === data ? channel * plane + (top + 2) * width - left : 1 - left;
			const target = (channel * output.height + y) * outputWidth;
			for (let x = 0; x < outputWidth; x++) {
				if (x === firstInner && firstInner <= lastInner) {
					x = lastInner;
					continue;
				}
				// An edge column: taps left or right of the input count as 0.
				let sum = channelBias;
				for (let column = 0; column < 3; column++) {
					const sourceX = x * stride - left + column;
					if (sourceX < 0 || sourceX >= width) continue;
					const at = x * stride + column;
					sum +=
						weights[tap + column] * a[aStart + at] +
						weights[tap + 3 + column] * b[bStart + at] +
						weights[tap + 6 + column] * c[cStart + at];
				}
				out[target + x] = sum;
			}
			if (firstInner > lastInner) continue;
			// aN, bN, cN: column N of the window in kernel rows 0, 1 and 2.
			const start = firstInner * stride;
			let a0 = a[aStart + start];
			let b0 = b[bStart + start];
			let c0 = c[cStart + start];
			if (stride === 1) {
				let a1 = a[aStart + start + 1];
				let b1 = b[bStart + start + 1];
				let c1 = c[cStart + start + 1];
				for (let x = firstInner; x <= lastInner; x++) {
					const a2 = a[aStart + x + 2];
					const b2 = b[bStart + x + 2];
					const c2 = c[cStart + x + 2];
					out[target + x] =
						channelBias +
						w00 * a0 +
						w01 * a1 +
						w02 * a2 +
						w10 * b0 +
						w11 * b1 +
						w12 * b2 +
						w20 * c0 +
						w21 * c1 +
						w22 * c2;
					a0 = a1;
					a1 = a2;
					b0 = b1;
					b1 = b2;
					c0 = c1;
					c1 = c2;
				}
				continue;
			}
			for (let x = firstInner; x <= lastInner; x++) {
				const at = 2 * x;
				const a2 = a[aStart + at + 2];
				const b2 = b[bStart + at + 2];
				const c2 = c[cStart + at + 2];
				out[target + x] =
					channelBias +
					w00 * a0 +
					w01 * a[aStart + at + 1] +
					w02 * a2 +
					w10 * b0 +
					w11 * b[bStart + at + 1] +
					w12 * b2 +
					w20 * c0 +
					w21 * c[cStart + at + 1] +
					w22 * c2;
				a0 = a2;
				b0 = b2;
				c0 = c2;
			}
		}
	}
}

/**
 * Starts rows `from` to `to` of a block's output: each plane's bias, plus, for the first
 * `shortcut.channels` planes, the block's input (its 2x2 maximum when the block strides; a last
 * odd row or column is its own window, as SAME max pooling has it). The planes past the
 * shortcut's are its zero padding.
 */
function startFromShortcut(
	output: FeatureMap,
	bias: Float32Array,
	shortcut: FeatureMap,
	stride: number,
	from: number,
	to: number,
): void {
	const { channels, height, width, data: out } = output;
	const plane = height * width;
	const source = shortcut.data;
	const sourceWidth = shortcut.width;
	const sourcePlane = shortcut.height * sourceWidth;
	for (let channel = 0; channel < channels; channel++) {
		const channelBias = bias[channel];
		const rowsStart = channel * plane + from * width;
		const rowsEnd = channel * plane + to * width;
		if (channel >= shortcut.channels) {
			out.fill(channelBias, rowsStart, rowsEnd);
			continue;
		}
		if (stride === 1) {
			const offset = channel * sourcePlane - channel * plane;
			for (let at = rowsStart; at < rowsEnd; at++) out[at] = channelBias + source[at + offset];
			continue;
		}
		for (let y = from; y < to; y++) {
			const upper = channel * sourcePlane + 2 * y * sourceWidth;
			const lower = 2 * y + 1 < shortcut.height ? upper + sourceWidth : upper;
			const target = channel * plane + y * width;
			for (let x = 0; x < width; x++) {
				const x0 = 2 * x;
				const x1 = x0 + 1 < sourceWidth ? x0 + 1 : x0;
				out[target + x] =
					channelBias +
					Math.max(source[upper + x0], source[upper + x1], source[lower + x0], source[lower + x1]);
			}
		}
	}
}

export interface PointwiseOptions {
	/** Added to the first output planes (the model pads it with zero planes, then adds). */
	shortcut?: FeatureMap;
	/** 2 when the shortcut is the block's input before a stride-2 block: it is max-pooled. */
	shortcutStride?: number;
	relu?: boolean;
}

/**
 * A 1x1 convolution, output rows `from` to `to`: `out = bias (+ shortcut) + sum of weight x
 * input plane`, then ReLU when asked. Weights are [output][input]. Output planes eight at a time
 * (`eightOutputs`), then four, then one by one; the ReLU runs on each group while its planes are
 * still in the cache.
 */
export function pointwiseConvolution(
	input: FeatureMap,
	pointwiseWeights: PointwiseWeights,
	output: FeatureMap,
	from: number,
	to: number,
	options: PointwiseOptions = {},
): void {
	const { inputs, outputs, weights, bias } = pointwiseWeights;
	const { shortcut, shortcutStride = 1, relu = false } = options;
	const { height, width, data } = input;
	if (
		input.channels !== inputs ||
		output.channels !== outputs ||
		output.height !== height ||
		output.width !== width
	) {
		throw new Error('pointwise: shape mismatch');
	}
	if (
		shortcut &&
		(shortcut.channels > outputs ||
			Math.ceil(shortcut.height / shortcutStride) !== height ||
			Math.ceil(shortcut.width / shortcutStride) !== width)
	) {
		throw new Error('pointwise: shortcut shape mismatch');
	}
	const plane = height * width;
	const out = output.data;
	if (shortcut) startFromShortcut(output, bias, shortcut, shortcutStride, from, to);
	else {
		for (let channel = 0; channel < outputs; channel++) {
			out.fill(bias[channel], channel * plane + from * width, channel * plane + to * width);
		}
	}
	const first = from * width;
	const end = to * width;
	let channel = 0;
	for (; channel + 8 <= outputs; channel += 8) {
		eightOutputs(out, data, weights, inputs, plane, channel, first, end);
		// While these planes are still in the cache.
		if (relu) reluPlanes(out, plane, channel, 8, first, end);
	}
	for (; channel + 4 <= outputs; channel += 4) {
		fourOutputs(out, data, weights, inputs, plane, channel, first, end);
		if (relu) reluPlanes(out, plane, channel, 4, first, end);
	}
	for (; channel < outputs; channel++) {
		const target = channel * plane;
		for (let source = 0; source < inputs; source++) {
			const weight = weights[channel * inputs + source];
			const s = source * plane;
			for (let pixel = first; pixel < end; pixel++) out[target + pixel] += weight * data[s + pixel];
		}
		if (relu) reluPlanes(out, plane, channel, 1, first, end);
	}
}

/**
 * Adds to output planes `channel` to `channel + 7` (pixels `first` to `end`) the 1x1 convolution of
 * all inputs: eight input planes per sweep, 64 weights in locals, then the inputs left one by one.
 */
function eightOutputs(
	out: Float32Array,
	data: Float32Array,
	weights: Float32Array,
	inputs: number,
	plane: number,
	channel: number,
	first: number,
	end: number,
): void {
	const t0 = channel * plane;
	const t1 = t0 + plane;
	const t2 = t1 + plane;
	const t3 = t2 + plane;
	const t4 = t3 + plane;
	const t5 = t4 + plane;
	const t6 = t5 + plane;
	const t7 = t6 + plane;
	let source = 0;
	for (; source + 8 <= inputs; source += 8) {
		// wO_I: output channel + O, input source + I.
		const r0 = channel * inputs + source;
		const r1 = r0 + inputs;
		const r2 = r1 + inputs;
		const r3 = r2 + inputs;
		const r4 = r3 + inputs;
		const r5 = r4 + inputs;
		const r6 = r5 + inputs;
		const r7 = r6 + inputs;
		const w0_0 = weights[r0];
		const w0_1 = weights[r0 + 1];
		const w0_2 = weights[r0 + 2];
		const w0_3 = weights[r0 + 3];
		const w0_4 = weights[r0 + 4];
		const w0_5 = weights[r0 + 5];
		const w0_6 = weights[r0 + 6];
		const w0_7 = weights[r0 + 7];
		const w1_0 = weights[r1];
		const w1_1 = weights[r1 + 1];
		const w1_2 = weights[r1 + 2];
		const w1_3 = weights[r1 + 3];
		const w1_4 = weights[r1 + 4];
		const w1_5 = weights[r1 + 5];
		const w1_6 = weights[r1 + 6];
		const w1_7 = weights[r1 + 7];
		const w2_0 = weights[r2];
		const w2_1 = weights[r2 + 1];
		const w2_2 = weights[r2 + 2];
		const w2_3 = weights[r2 + 3];
		const w2_4 = weights[r2 + 4];
		const w2_5 = weights[r2 + 5];
		const w2_6 = weights[r2 + 6];
		const w2_7 = weights[r2 + 7];
		const w3_0 = weights[r3];
		const w3_1 = weights[r3 + 1];
		const w3_2 = weights[r3 + 2];
		const w3_3 = weights[r3 + 3];
		const w3_4 = weights[r3 + 4];
		const w3_5 = weights[r3 + 5];
		const w3_6 = weights[r3 + 6];
		const w3_7 = weights[r3 + 7];
		const w4_0 = weights[r4];
		const w4_1 = weights[r4 + 1];
		const w4_2 = weights[r4 + 2];
		const w4_3 = weights[r4 + 3];
		const w4_4 = weights[r4 + 4];
		const w4_5 = weights[r4 + 5];
		const w4_6 = weights[r4 + 6];
		const w4_7 = weights[r4 + 7];
		const w5_0 = weights[r5];
		const w5_1 = weights[r5 + 1];
		const w5_2 = weights[r5 + 2];
		const w5_3 = weights[r5 + 3];
		const w5_4 = weights[r5 + 4];
		const w5_5 = weights[r5 + 5];
		const w5_6 = weights[r5 + 6];
		const w5_7 = weights[r5 + 7];
		const w6_0 = weights[r6];
		const w6_1 = weights[r6 + 1];
		const w6_2 = weights[r6 + 2];
		const w6_3 = weights[r6 + 3];
		const w6_4 = weights[r6 + 4];
		const w6_5 = weights[r6 + 5];
		const w6_6 = weights[r6 + 6];
		const w6_7 = weights[r6 + 7];
		const w7_0 = weights[r7];
		const w7_1 = weights[r7 + 1];
		const w7_2 = weights[r7 + 2];
		const w7_3 = weights[r7 + 3];
		const w7_4 = weights[r7 + 4];
		const w7_5 = weights[r7 + 5];
		const w7_6 = weights[r7 + 6];
		const w7_7 = weights[r7 + 7];
		const s0 = source * plane;
		const s1 = s0 + plane;
		const s2 = s1 + plane;
		const s3 = s2 + plane;
		const s4 = s3 + plane;
		const s5 = s4 + plane;
		const s6 = s5 + plane;
		const s7 = s6 + plane;
		for (let pixel = first; pixel < end; pixel++) {
			const x0 = data[s0 + pixel];
			const x1 = data[s1 + pixel];
			const x2 = data[s2 + pixel];
			const x3 = data[s3 + pixel];
			const x4 = data[s4 + pixel];
			const x5 = data[s5 + pixel];
			const x6 = data[s6 + pixel];
			const x7 = data[s7 + pixel];
			out[t0 + pixel] +=
				w0_0 * x0 +
				w0_1 * x1 +
				w0_2 * x2 +
				w0_3 * x3 +
				w0_4 * x4 +
				w0_5 * x5 +
				w0_6 * x6 +
				w0_7 * x7;
			out[t1 + pixel] +=
				w1_0 * x0 +
				w1_1 * x1 +
				w1_2 * x2 +
				w1_3 * x3 +
				w1_4 * x4 +
				w1_5 * x5 +
				w1_6 * x6 +
				w1_7 * x7;
			out[t2 + pixel] +=
				w2_0 * x0 +
				w2_1 * x1 +
				w2_2 * x2 +
				w2_3 * x3 +
				w2_4 * x4 +
				w2_5 * x5 +
				w2_6 * x6 +
				w2_7 * x7;
			out[t3 + pixel] +=
				w3_0 * x0 +
				w3_1 * x1 +
				w3_2 * x2 +
				w3_3 * x3 +
				w3_4 * x4 +
				w3_5 * x5 +
				w3_6 * x6 +
				w3_7 * x7;
			out[t4 + pixel] +=
				w4_0 * x0 +
				w4_1 * x1 +
				w4_2 * x2 +
				w4_3 * x3 +
				w4_4 * x4 +
				w4_5 * x5 +
				w4_6 * x6 +
				w4_7 * x7;
			out[t5 + pixel] +=
				w5_0 * x0 +
				w5_1 * x1 +
				w5_2 * x2 +
				w5_3 * x3 +
				w5_4 * x4 +
				w5_5 * x5 +
				w5_6 * x6 +
				w5_7 * x7;
			out[t6 + pixel] +=
				w6_0 * x0 +
				w6_1 * x1 +
				w6_2 * x2 +
				w6_3 * x3 +
				w6_4 * x4 +
				w6_5 * x5 +
				w6_6 * x6 +
				w6_7 * x7;
			out[t7 + pixel] +=
				w7_0 * x0 +
				w7_1 * x1 +
				w7_2 * x2 +
				w7_3 * x3 +
				w7_4 * x4 +
				w7_5 * x5 +
				w7_6 * x6 +
				w7_7 * x7;
		}
	}
	for (; source < inputs; source++) {
		const r0 = channel * inputs + source;
		const r1 = r0 + inputs;
		const r2 = r1 + inputs;
		const r3 = r2 + inputs;
		const r4 = r3 + inputs;
		const r5 = r4 + inputs;
		const r6 = r5 + inputs;
		const r7 = r6 + inputs;
		const w0 = weights[r0];
		const w1 = weights[r1];
		const w2 = weights[r2];
		const w3 = weights[r3];
		const w4 = weights[r4];
		const w5 = weights[r5];
		const w6 = weights[r6];
		const w7 = weights[r7];
		const s = source * plane;
		for (let pixel = first; pixel < end; pixel++) {
			const x = data[s + pixel];
			out[t0 + pixel] += w0 * x;
			out[t1 + pixel] += w1 * x;
			out[t2 + pixel] += w2 * x;
			out[t3 + pixel] += w3 * x;
			out[t4 + pixel] += w4 * x;
			out[t5 + pixel] += w5 * x;
			out[t6 + pixel] += w6 * x;
			out[t7 + pixel] += w7 * x;
		}
	}
}

/**
 * Adds to output planes `channel` to `channel + 3` (pixels `first` to `end`) the 1x1 convolution of
 * all inputs: eight input planes per sweep, 32 weights in locals, then the inputs left one by one.
 */
function fourOutputs(
	out: Float32Array,
	data: Float32Array,
	weights: Float32Array,
	inputs: number,
	plane: number,
	channel: number,
	first: number,
	end: number,
): void {
	const t0 = channel * plane;
	const t1 = t0 + plane;
	const t2 = t1 + plane;
	const t3 = t2 + plane;
	let source = 0;
	for (; source + 8 <= inputs; source += 8) {
		// wO_I: output channel + O, input source + I.
		const r0 = channel * inputs + source;
		const r1 = r0 + inputs;
		const r2 = r1 + inputs;
		const r3 = r2 + inputs;
		const w0_0 = weights[r0];
		const w0_1 = weights[r0 + 1];
		const w0_2 = weights[r0 + 2];
		const w0_3 = weights[r0 + 3];
		const w0_4 = weights[r0 + 4];
		const w0_5 = weights[r0 + 5];
		const w0_6 = weights[r0 + 6];
		const w0_7 = weights[r0 + 7];
		const w1_0 = weights[r1];
		const w1_1 = weights[r1 + 1];
		const w1_2 = weights[r1 + 2];
		const w1_3 = weights[r1 + 3];
		const w1_4 = weights[r1 + 4];
		const w1_5 = weights[r1 + 5];
		const w1_6 = weights[r1 + 6];
		const w1_7 = weights[r1 + 7];
		const w2_0 = weights[r2];
		const w2_1 = weights[r2 + 1];
		const w2_2 = weights[r2 + 2];
		const w2_3 = weights[r2 + 3];
		const w2_4 = weights[r2 + 4];
		const w2_5 = weights[r2 + 5];
		const w2_6 = weights[r2 + 6];
		const w2_7 = weights[r2 + 7];
		const w3_0 = weights[r3];
		const w3_1 = weights[r3 + 1];
		const w3_2 = weights[r3 + 2];
		const w3_3 = weights[r3 + 3];
		const w3_4 = weights[r3 + 4];
		const w3_5 = weights[r3 + 5];
		const w3_6 = weights[r3 + 6];
		const w3_7 = weights[r3 + 7];
		const s0 = source * plane;
		const s1 = s0 + plane;
		const s2 = s1 + plane;
		const s3 = s2 + plane;
		const s4 = s3 + plane;
		const s5 = s4 + plane;
		const s6 = s5 + plane;
		const s7 = s6 + plane;
		for (let pixel = first; pixel < end; pixel++) {
			const x0 = data[s0 + pixel];
			const x1 = data[s1 + pixel];
			const x2 = data[s2 + pixel];
			const x3 = data[s3 + pixel];
			const x4 = data[s4 + pixel];
			const x5 = data[s5 + pixel];
			const x6 = data[s6 + pixel];
			const x7 = data[s7 + pixel];
			out[t0 + pixel] +=
				w0_0 * x0 +
				w0_1 * x1 +
				w0_2 * x2 +
				w0_3 * x3 +
				w0_4 * x4 +
				w0_5 * x5 +
				w0_6 * x6 +
				w0_7 * x7;
			out[t1 + pixel] +=
				w1_0 * x0 +
				w1_1 * x1 +
				w1_2 * x2 +
				w1_3 * x3 +
				w1_4 * x4 +
				w1_5 * x5 +
				w1_6 * x6 +
				w1_7 * x7;
			out[t2 + pixel] +=
				w2_0 * x0 +
				w2_1 * x1 +
				w2_2 * x2 +
				w2_3 * x3 +
				w2_4 * x4 +
				w2_5 * x5 +
				w2_6 * x6 +
				w2_7 * x7;
			out[t3 + pixel] +=
				w3_0 * x0 +
				w3_1 * x1 +
				w3_2 * x2 +
				w3_3 * x3 +
				w3_4 * x4 +
				w3_5 * x5 +
				w3_6 * x6 +
				w3_7 * x7;
		}
	}
	for (; source < inputs; source++) {
		const r0 = channel * inputs + source;
		const r1 = r0 + inputs;
		const r2 = r1 + inputs;
		const r3 = r2 + inputs;
		const w0 = weights[r0];
		const w1 = weights[r1];
		const w2 = weights[r2];
		const w3 = weights[r3];
		const s = source * plane;
		for (let pixel = first; pixel < end; pixel++) {
			const x = data[s + pixel];
			out[t0 + pixel] += w0 * x;
			out[t1 + pixel] += w1 * x;
			out[t2 + pixel] += w2 * x;
			out[t3 + pixel] += w3 * x;
		}
	}
}
