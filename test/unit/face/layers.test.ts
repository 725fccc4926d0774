/**
 * Each layer of the face detector against tfjs-core's CPU kernels on random tensors, including
 * sizes the model never uses (odd sizes, channel counts that are not multiples of four) so that
 * the padding and remainder paths are exercised; and the whole network against the model file's
 * own graph run by tfjs-core (test/helpers/tfliteReference.ts).
 */
import {
	convolution,
	depthwiseConvolution,
	maxPool2x2,
	pointwiseConvolution,
	samePadding,
} from '../../../nodes/KredibelBiometric/face/layers';
import { runNetwork } from '../../../nodes/KredibelBiometric/face/network';
import { fromChannelsLast, toChannelsLast } from '../../../nodes/KredibelBiometric/face/tensor';
import { blazeFaceWeights } from '../../../nodes/KredibelBiometric/face/weights';
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
		[128, 128, 2],
		[17, 20, 2],
		[9, 6, 1],
	])(
		'5x5 convolution on %ix%i with stride %i equals tf.conv2d(same) + ReLU',
		async (height, width, stride) => {
			const tf = await tfjsCpu();
			const inputs = 3;
			const outputs = 6;
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
			const actual = convolution(
				fromChannelsLast(input, height, width, inputs),
				{ inputs, outputs, size: 5, weights: kernel, bias },
				stride,
				true,
			);
			expect(actual.height).toBe(Math.ceil(height / stride));
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	it.each([
		[16, 16, 1],
		[64, 64, 2],
		[7, 10, 2],
		[5, 3, 1],
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
			const actual = depthwiseConvolution(
				fromChannelsLast(input, height, width, channels),
				{ channels, weights: perChannel, bias },
				stride,
			);
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	it.each([
		[42, 48, false],
		[24, 28, true],
		[88, 2, false],
		[7, 6, true],
	])(
		'1x1 convolution %i -> %i (shortcut + ReLU: %s) equals tf.conv2d + pad + add + relu',
		async (inputs, outputs, withShortcut) => {
			const tf = await tfjsCpu();
			const height = 6;
			const width = 5;
			const input = randomValues(height * width * inputs, 31);
			const kernel = randomValues(outputs * inputs, 37);
			const bias = randomValues(outputs, 41);
			const shortcutChannels = Math.min(inputs, outputs);
			const shortcut = randomValues(height * width * shortcutChannels, 43);
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
				if (!withShortcut) return convolved.dataSync();
				const padded = tf.pad(tf.tensor4d(shortcut, [1, height, width, shortcutChannels]), [
					[0, 0],
					[0, 0],
					[0, 0],
					[0, outputs - shortcutChannels],
				]);
				return tf.relu(tf.add(padded, convolved)).dataSync();
			});
			const actual = pointwiseConvolution(
				fromChannelsLast(input, height, width, inputs),
				{ inputs, outputs, weights: kernel, bias },
				withShortcut
					? { shortcut: fromChannelsLast(shortcut, height, width, shortcutChannels), relu: true }
					: {},
			);
			expect(maxDifference(toChannelsLast(actual), expected)).toBeLessThan(TOLERANCE);
		},
	);

	it.each([
		[8, 8],
		[7, 5],
	])('2x2 max pool on %ix%i equals tf.maxPool(same)', async (height, width) => {
		const tf = await tfjsCpu();
		const channels = 3;
		const input = randomValues(height * width * channels, 47);
		const expected = tf.tidy(() =>
			tf.maxPool(tf.tensor4d(input, [1, height, width, channels]), 2, 2, 'same').dataSync(),
		);
		const actual = maxPool2x2(fromChannelsLast(input, height, width, channels));
		expect(maxDifference(toChannelsLast(actual), expected)).toBe(0);
	});

	it('the whole network equals the model graph run by tfjs-core, output by output', async () => {
		const input = randomValues(128 * 128 * 3, 53);
		const reference = await runReferenceModel(input);
		const actual = await runNetwork(fromChannelsLast(input, 128, 128, 3), blazeFaceWeights());
		expect(actual.logits).toHaveLength(896);
		expect(actual.regressors).toHaveLength(896 * 16);
		expect(maxDifference(actual.logits, reference.logits)).toBeLessThan(TOLERANCE);
		expect(maxDifference(actual.regressors, reference.regressors)).toBeLessThan(TOLERANCE);
	});

	it('calls the checkpoint between blocks', async () => {
		let calls = 0;
		await runNetwork(
			fromChannelsLast(randomValues(128 * 128 * 3, 3), 128, 128, 3),
			blazeFaceWeights(),
			() => {
				calls++;
			},
		);
		expect(calls).toBe(blazeFaceWeights().blocks.length);
	});
});
