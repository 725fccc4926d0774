/**
 * Each layer of the face detector against tfjs-core's CPU kernels on random tensors, including
 * sizes the model never uses (odd sizes, channel counts that are not multiples of eight or four)
 * so that the padding and remainder paths are exercised, and computed in two bands of rows as
 * the network cuts them; the whole network against the model file's own graph run by tfjs-core
 * (test/helpers/tfliteReference.ts); and the checkpoint cadence of a pass, counted, not timed.
 */
import { BLAZE_FACE_PLAN } from '../../../nodes/KredibelBiometric/face/blazeFaceWeights.generated';
import {
	depthwiseConvolution,
	pointwiseConvolution,
	samePadding,
	stemConvolution,
} from '../../../nodes/KredibelBiometric/face/layers';
import { blazeFaceNetwork, OPS_PER_UNIT } from '../../../nodes/KredibelBiometric/face/network';
import {
	createFeatureMap,
	fromChannelsLast,
	toChannelsLast,
	type FeatureMap,
} from '../../../nodes/KredibelBiometric/face/tensor';
import { runReferenceModel, tfjsCpu } from '../../helpers/tfliteReference';

/** Deterministic values in [-1, 1) (Park-Miller). */
function randomValues(count: number, seed: number): Float32Array {
	const values = new Float32Array(count);
	let state = seed;
	for (let index = 0; index < count; index++) {
		state = (state * 16807) % 2147483647;
		values[index] = (state / 2147483647) * 2 - 1;
	}
	return values;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
	expect(a.length).toBe(b.length);
	let worst = 0;
	for (let index = 0; index < a.length; index++)
		worst = Math.max(worst, Math.abs(a[index] - b[index]));
	return worst;
}

/** Runs a band-wise layer over all rows in two bands (0 to a third, the rest), as the network may. */
function inTwoBands(rows: number, layer: (from: number, to: number) => void): void {
	const split = Math.floor(rows / 3);
	layer(0, split);
	layer(split, rows);
}

/** An NHWC input inside a frame of zeros, `before` on the top and left, `after` on the bottom and right. */
function padded(
	values: Float32Array,
	height: number,
	width: number,
	channels: number,
	before: number,
	after: number,
): FeatureMap {
	const map = fromChannelsLast(values, height, width, channels);
	const frame = createFeatureMap(channels, height + before + after, width + before + after);
	for (let channel = 0; channel < channels; channel++) {
		for (let y = 0; y < height; y++) {
			frame.data.set(
				map.data.subarray((channel * height + y) * width, (channel * height + y + 1) * width),
				(channel * frame.height + y + before) * frame.width + before,
			);
		}
	}
	return frame;
}

const TOLERANCE = 1e-3;

describe('face detector layers against tfjs-core (CPU)', () => {
	it('SAME padding puts the odd pixel after, as TensorFlow does', () => {
		expect(samePadding(128, 5, 2)).toEqual({ outputSize: 64, before: 1 });
		expect(samePadding(64, 3, 2)).toEqual({ outputSize: 32, before: 0 });
		expect(samePadding(16, 3, 1)).toEqual({ outputSize: 16, before: 1 });
	});

	it('keeps values in place through the channel-first layout and back', () => {
		const values = randomValues(5 * 7 * 3, 7);
		const map = fromChannelsLast(values, 5, 7, 3);
		expect(map.data[1 * 35 + 2 * 7 + 4]).toBe(values[(2 * 7 + 4) * 3 + 1]);
		expect(Array.from(toChannelsLast(map))).toEqual(Array.from(values));
	});

	it.each([
		[32, 32, 2],
		[17, 20, 2],
		[9, 6, 1],
	])(
		'5x5 stem on %ix%i with stride %i equals tf.conv2d(same) + ReLU',
		async (height, width, stride) => {
			const tf = await tfjsCpu();
			const inputs = 3;
			// Eleven outputs: one group of eight and three left over.
			const outputs = 11;
			const input = randomValues(height * width * inputs, 11);
			const kernel = randomValues(outputs * 5 * 5 * inputs, 13); // OHWI, as TFLite stores it
			const bias = randomValues(outputs, 17);
			const expected = tf.tidy(() =>
				tf
					.relu(
						tf.add(
							tf.conv2d(
								tf.tensor4d(input, [1, height, width, inputs]),
								tf.transpose(tf.tensor4d(kernel, [outputs, 5, 5, inputs]), [1, 2, 3, 0]) as never,
								stride,
								'same',
							),
							tf.tensor1d(bias),
						),
					)
					.dataSync(),
			);
			const vertical = samePadding(height, 5, stride);
			const horizontal = samePadding(width, 5, stride);
			// The stem reads its SAME padding from the input, as the sampler writes it.
			const frame = padded(input, height, width, inputs, vertical.before, 4);
			const frameHeight = (vertical.outputSize - 1) * stride + 5;
			const frameWidth = (horizontal.outputSize - 1) * stride + 5;
			const cut = createFeatureMap(inputs, frameHeight, frameWidth);
			for (let channel = 0; channel < inputs; channel++) {
				for (let y = 0; y < frameHeight; y++) {
					const from =
						(channel * frame.height + y) * frame.width + vertical.before - horizontal.before;
					cut.data.set(
						frame.data.subarray(from, from + frameWidth),
						(channel * frameHeight + y) * frameWidth,
					);
				}
			}
			const actual = createFeatureMap(outputs, vertical.outputSize, horizontal.outputSize);
			inTwoBands(actual.height, (from, to) =>
				stemConvolution(
					cut,
					{ inputs, outputs, size: 5, weights: kernel, bias },
					stride,
					actual,
					from,
					to,
				),
			);
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	it.each([
		[16, 16, 1],
		[32, 32, 2],
		[7, 10, 2],
		[5, 3, 1],
		[1, 2, 1],
	])(
		'3x3 depthwise convolution on %ix%i with stride %i equals tf.depthwiseConv2d(same)',
		async (height, width, stride) => {
			const tf = await tfjsCpu();
			const channels = 5;
			const input = randomValues(height * width * channels, 19);
			const kernel = randomValues(9 * channels, 23); // [1, 3, 3, channels] as TFLite stores it
			const bias = randomValues(channels, 29);
			const expected = tf.tidy(() =>
				tf
					.add(
						tf.depthwiseConv2d(
							tf.tensor4d(input, [1, height, width, channels]),
							tf.tensor4d(kernel, [3, 3, channels, 1]),
							stride,
							'same',
						),
						tf.tensor1d(bias),
					)
					.dataSync(),
			);
			const perChannel = new Float32Array(channels * 9);
			for (let tap = 0; tap < 9; tap++) {
				for (let channel = 0; channel < channels; channel++)
					perChannel[channel * 9 + tap] = kernel[tap * channels + channel];
			}
			const actual = createFeatureMap(
				channels,
				Math.ceil(height / stride),
				Math.ceil(width / stride),
			);
			inTwoBands(actual.height, (from, to) =>
				depthwiseConvolution(
					fromChannelsLast(input, height, width, channels),
					{ channels, weights: perChannel, bias },
					stride,
					actual,
					from,
					to,
				),
			);
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	// Output counts 13 (8 + 4 + 1) and 2, input counts 11 (8 + 3): every path of the loops.
	it.each([
		[11, 13, 0],
		[24, 28, 1],
		[42, 48, 2],
		[11, 13, 2],
		[88, 2, 0],
	])(
		'1x1 convolution %i -> %i (shortcut with stride %i, 0: none) equals tf.conv2d (+ maxPool + pad + add + relu)',
		async (inputs, outputs, shortcutStride) => {
			const tf = await tfjsCpu();
			const height = 6;
			const width = 5;
			const input = randomValues(height * width * inputs, 31);
			const kernel = randomValues(outputs * inputs, 37);
			const bias = randomValues(outputs, 41);
			const shortcutChannels = Math.min(inputs, outputs);
			// A stride-2 shortcut comes from a map twice as large (odd: its last row is alone).
			const shortcutHeight = shortcutStride === 2 ? 2 * height - 1 : height;
			const shortcutWidth = shortcutStride === 2 ? 2 * width : width;
			const shortcut = randomValues(shortcutHeight * shortcutWidth * shortcutChannels, 43);
			const expected = tf.tidy(() => {
				const convolved = tf.add(
					tf.conv2d(
						tf.tensor4d(input, [1, height, width, inputs]),
						tf.transpose(tf.tensor4d(kernel, [outputs, 1, 1, inputs]), [1, 2, 3, 0]) as never,
						1,
						'valid',
					),
					tf.tensor1d(bias),
				);
				if (shortcutStride === 0) return convolved.dataSync();
				let source = tf.tensor4d(shortcut, [1, shortcutHeight, shortcutWidth, shortcutChannels]);
				if (shortcutStride === 2) source = tf.maxPool(source, 2, 2, 'same');
				const paddedShortcut = tf.pad(source, [
					[0, 0],
					[0, 0],
					[0, 0],
					[0, outputs - shortcutChannels],
				]);
				return tf.relu(tf.add(paddedShortcut, convolved)).dataSync();
			});
			const actual = createFeatureMap(outputs, height, width);
			inTwoBands(height, (from, to) =>
				pointwiseConvolution(
					fromChannelsLast(input, height, width, inputs),
					{ inputs, outputs, weights: kernel, bias },
					actual,
					from,
					to,
					shortcutStride === 0
						? {}
						: {
								shortcut: fromChannelsLast(
									shortcut,
									shortcutHeight,
									shortcutWidth,
									shortcutChannels,
								),
								shortcutStride,
								relu: true,
							},
				),
			);
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	it('the whole network equals the model graph run by tfjs-core, output by output', async () => {
		const input = randomValues(128 * 128 * 3, 53);
		const reference = await runReferenceModel(input);
		const network = blazeFaceNetwork();
		const workspace = network.createWorkspace();
		const { before } = samePadding(128, 5, 2);
		workspace.input.data.set(padded(input, 128, 128, 3, before, 2).data);
		const actual = await network.run(workspace);
		expect(actual.logits).toHaveLength(896);
		expect(actual.regressors).toHaveLength(896 * 16);
		expect(maxDifference(actual.logits, reference.logits)).toBeLessThan(TOLERANCE);
		expect(maxDifference(actual.regressors, reference.regressors)).toBeLessThan(TOLERANCE);
	});
});

describe('the checkpoint cadence of a pass (counted, not timed)', () => {
	const network = blazeFaceNetwork();

	/** Multiply-adds of the model, from the plan read from the model file (not from the network). */
	function modelMultiplyAdds(): number {
		const { inputSize, stem, blocks, heads } = BLAZE_FACE_PLAN;
		const [stemOutputs, kernel, , stemInputs] = stem.kernel.shape;
		let size = inputSize / stem.stride;
		let total = size * size * stemOutputs * kernel * kernel * stemInputs;
		const sizes = blocks.map((block) => {
			size /= block.stride;
			total += size * size * block.inputChannels * (9 + block.outputChannels);
			return size;
		});
		for (const head of heads) {
			const cells = sizes[head.afterBlock] ** 2;
			const [scores, , , features] = head.classifierKernel.shape;
			const [boxes] = head.regressorKernel.shape;
			total += cells * features * (scores + boxes);
		}
		return total;
	}

	it("cuts the pass into units that together do all of the model's work", () => {
		const total = network.units.reduce((sum, unit) => sum + unit.ops, 0);
		expect(total).toBe(modelMultiplyAdds());
		// About 31 million multiply-adds, as MediaPipe's model card says.
		expect(total).toBeGreaterThan(25e6);
		expect(total).toBeLessThan(35e6);
	});

	it('bounds every unit by OPS_PER_UNIT multiply-adds', () => {
		for (const unit of network.units) {
			expect(unit.ops).toBeGreaterThan(0);
			expect(unit.ops).toBeLessThanOrEqual(OPS_PER_UNIT);
		}
	});

	it('calls the checkpoint after every unit, and nothing runs after the last call', async () => {
		const workspace = network.createWorkspace();
		workspace.input.data.set(randomValues(workspace.input.data.length, 3));
		let calls = 0;
		let outputAtLastCall = new Float32Array(0);
		const output = await network.run(workspace, () => {
			calls++;
			outputAtLastCall = Float32Array.from(workspace.output.logits);
		});
		expect(calls).toBe(network.units.length);
		expect(Array.from(outputAtLastCall)).toEqual(Array.from(output.logits));
	});
});
