/**
 * Why this file exists: the face detector's network must compute what MediaPipe's model computes.
 * This runs the model file itself, operator by operator as its graph lists them, with tfjs-core's
 * CPU kernels (conv2d, depthwiseConv2d, maxPool, pad, add, relu, reshape, concat): a reference
 * that shares nothing with `nodes/KredibelBiometric/face/` but the TFLite reader and the
 * half-float widening, so a wrong stride, padding, layout or weight shows up as a difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { halfToFloat } from '../../nodes/KredibelBiometric/face/weights';
import { readPinnedModel } from '../../scripts/face-weights';
import { readTflite, TFLITE_OP, TFLITE_TYPE, type TfliteModel } from '../../scripts/tflite';

let backendReady: Promise<void> | undefined;

/** tfjs-core on its CPU backend, silenced (it prints a hint about tfjs-node otherwise). */
export async function tfjsCpu(): Promise<typeof tf> {
	backendReady ??= (async () => {
		tf.env().set('IS_TEST', true);
		await tf.setBackend('cpu');
		await tf.ready();
	})();
	await backendReady;
	return tf;
}

function constantOf(model: TfliteModel, index: number): tf.Tensor {
	const tensor = model.tensors[index];
	const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
	if (tensor.type === TFLITE_TYPE.FLOAT16) {
		const values = new Float32Array(tensor.data.length / 2);
		for (let at = 0; at < values.length; at++)
			values[at] = halfToFloat(view.getUint16(2 * at, true));
		return tf.tensor(values, tensor.shape, 'float32');
	}
	if (tensor.type === TFLITE_TYPE.INT32) {
		const values = new Int32Array(tensor.data.length / 4);
		for (let at = 0; at < values.length; at++) values[at] = view.getInt32(4 * at, true);
		return tf.tensor(values, tensor.shape, 'int32');
	}
	throw new Error(`constant ${tensor.name} of type ${tensor.type}`);
}

export interface ReferenceOutput {
	/** [896] score logits. */
	logits: Float32Array;
	/** [896 * 16] box and landmark numbers. */
	regressors: Float32Array;
}

/**
 * Runs the pinned model on an NHWC [1, 128, 128, 3] input (values in [-1, 1]) and returns its two
 * outputs, plus every activation by tensor name when `keep` names some.
 */
export async function runReferenceModel(
	input: Float32Array,
	keep: readonly string[] = [],
): Promise<ReferenceOutput & { kept: Map<string, Float32Array> }> {
	await tfjsCpu();
	const model = readTflite(readPinnedModel());
	const values = new Map<number, tf.Tensor>();
	const valueOf = (index: number): tf.Tensor => {
		const known = values.get(index);
		if (known) return known;
		const constant = constantOf(model, index);
		values.set(index, constant);
		return constant;
	};
	values.set(model.inputs[0], tf.tensor(input, model.tensors[model.inputs[0]].shape));
	for (const operator of model.operators) {
		const [a, b, c] = operator.inputs;
		const { options } = operator;
		const input4d = (index: number) => valueOf(index) as tf.Tensor4D;
		const strides: [number, number] = [options.strideHeight ?? 1, options.strideWidth ?? 1];
		const padding = options.padding ?? 'same';
		let result: tf.Tensor;
		switch (operator.op) {
			case TFLITE_OP.DEQUANTIZE:
				result = valueOf(a);
				break;
			case TFLITE_OP.CONV_2D:
				// TFLite keeps [out, h, w, in]; tfjs wants [h, w, in, out].
				result = tf.add(
					tf.conv2d(
						input4d(a),
						tf.transpose(valueOf(b), [1, 2, 3, 0]) as tf.Tensor4D,
						strides,
						padding,
					),
					valueOf(c),
				);
				break;
			case TFLITE_OP.DEPTHWISE_CONV_2D: {
				// TFLite keeps [1, h, w, channels]; tfjs wants [h, w, channels, 1].
				const [, height, width, channels] = valueOf(b).shape;
				const filter = tf.reshape(valueOf(b), [height, width, channels, 1]) as tf.Tensor4D;
				result = tf.add(tf.depthwiseConv2d(input4d(a), filter, strides, padding), valueOf(c));
				break;
			}
			case TFLITE_OP.MAX_POOL_2D:
				result = tf.maxPool(
					input4d(a),
					[options.filterHeight!, options.filterWidth!],
					strides,
					padding,
				);
				break;
			case TFLITE_OP.PAD: {
				const paddings = Array.from(valueOf(b).dataSync());
				const pairs = Array.from(
					{ length: paddings.length / 2 },
					(_, k) => [paddings[2 * k], paddings[2 * k + 1]] as [number, number],
				);
				result = tf.pad(valueOf(a), pairs);
				break;
			}
			case TFLITE_OP.ADD:
				result = tf.add(valueOf(a), valueOf(b));
				break;
			case TFLITE_OP.RELU:
				result = tf.relu(valueOf(a));
				break;
			case TFLITE_OP.RESHAPE:
				result = tf.reshape(valueOf(a), model.tensors[operator.outputs[0]].shape);
				break;
			case TFLITE_OP.CONCATENATION:
				result = tf.concat(operator.inputs.map(valueOf), options.axis);
				break;
			default:
				throw new Error(`operator ${operator.op} is not in BlazeFace`);
		}
		if (options.activation === 1) result = tf.relu(result);
		else if (options.activation) throw new Error(`activation ${options.activation}`);
		values.set(operator.outputs[0], result);
	}
	const byName = (name: string) => {
		const tensor = model.tensors.find((candidate) => candidate.name === name);
		if (!tensor) throw new Error(`no tensor ${name}`);
		return values.get(tensor.index)!.dataSync() as Float32Array;
	};
	const kept = new Map(keep.map((name) => [name, Float32Array.from(byName(name))]));
	const output = {
		logits: Float32Array.from(byName('classificators')),
		regressors: Float32Array.from(byName('regressors')),
		kept,
	};
	for (const tensor of values.values()) tensor.dispose();
	return output;
}
