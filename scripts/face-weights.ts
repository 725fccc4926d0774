/**
 * Why this file exists: the face detector ships MediaPipe's BlazeFace short-range weights inside
 * the package as TypeScript (n8n nodes may not read files), and that module must be exactly what
 * the pinned model file holds. This script reads `face_detection_short_range.tflite` from the
 * pinned `@mediapipe/face_detection` devDependency, refuses any other file (SHA-256), checks that
 * the graph is the BlazeFace it expects (every operator, stride, padding and dequantisation), and
 * writes `nodes/KredibelBiometric/face/blazeFaceWeights.generated.ts`: the layer plan and the
 * half-precision weights as base64. A unit test regenerates it and compares.
 *
 *   npx tsx scripts/face-weights.ts          write the module
 *   npx tsx scripts/face-weights.ts --check  exit 1 when the committed module differs
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type {
	BlazeBlock,
	BlazeFacePlan,
	DetectionHead,
	PackedTensor,
} from '../nodes/KredibelBiometric/face/plan';
import {
	readTflite,
	TFLITE_OP,
	TFLITE_TYPE,
	type TfliteModel,
	type TfliteOperator,
} from './tflite';

export const FACE_MODEL_SOURCE = {
	package: '@mediapipe/face_detection',
	version: '0.4.1657300184',
	file: 'face_detection_short_range.tflite',
	sha256: '3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633',
	licence: 'Apache-2.0',
} as const;

const ROOT = path.join(__dirname, '..');
export const GENERATED_MODULE = path.join(
	ROOT,
	'nodes/KredibelBiometric/face/blazeFaceWeights.generated.ts',
);

/** The pinned model file's bytes, after checking the package version and the file's digest. */
export function readPinnedModel(): Uint8Array {
	const packageDirectory = path.join(ROOT, 'node_modules', FACE_MODEL_SOURCE.package);
	const { version } = JSON.parse(
		fs.readFileSync(path.join(packageDirectory, 'package.json'), 'utf8'),
	) as { version: string };
	if (version !== FACE_MODEL_SOURCE.version) {
		throw new Error(
			`${FACE_MODEL_SOURCE.package} is ${version}, expected ${FACE_MODEL_SOURCE.version} (npm ci)`,
		);
	}
	const bytes = fs.readFileSync(path.join(packageDirectory, FACE_MODEL_SOURCE.file));
	return checkModelDigest(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The bytes themselves when their SHA-256 is the pinned one; throws otherwise. */
export function checkModelDigest(bytes: Uint8Array): Uint8Array {
	const digest = createHash('sha256').update(bytes).digest('hex');
	if (digest !== FACE_MODEL_SOURCE.sha256) {
		throw new Error(
			`${FACE_MODEL_SOURCE.file} has SHA-256 ${digest}, expected ${FACE_MODEL_SOURCE.sha256}: ` +
				'refusing to generate weights from a different model file',
		);
	}
	return bytes;
}

function fail(message: string): never {
	throw new Error(`unexpected BlazeFace graph: ${message}`);
}

/** Walks the graph in operator order and packs the constants as the plan needs them. */
export function planFromModel(model: TfliteModel): { plan: BlazeFacePlan; halves: Uint16Array } {
	const { tensors } = model;
	// Every constant reaches its layer through a DEQUANTIZE op (fp16 -> fp32), which is exact.
	const dequantisedFrom = new Map<number, number>();
	const operators: TfliteOperator[] = [];
	for (const operator of model.operators) {
		if (operator.op === TFLITE_OP.DEQUANTIZE) {
			const source = tensors[operator.inputs[0]];
			if (source.type !== TFLITE_TYPE.FLOAT16) fail(`${source.name} is not float16`);
			dequantisedFrom.set(operator.outputs[0], source.index);
		} else {
			operators.push(operator);
		}
	}

	const chunks: Uint8Array[] = [];
	let halfCount = 0;
	function pack(tensorIndex: number): PackedTensor {
		const sourceIndex = dequantisedFrom.get(tensorIndex) ?? fail(`${tensorIndex} is not constant`);
		const source = tensors[sourceIndex];
		const elements = source.shape.reduce((product, size) => product * size, 1);
		if (source.data.length !== elements * 2) fail(`${source.name} holds the wrong byte count`);
		const packed = { offset: halfCount, shape: [...source.shape] };
		chunks.push(source.data);
		halfCount += elements;
		return packed;
	}

	let cursor = 0;
	const next = (op: number, what: string): TfliteOperator => {
		const operator = operators[cursor++];
		if (!operator || operator.op !== op) fail(`expected ${what} at operator ${cursor - 1}`);
		return operator;
	};
	const peek = () => operators[cursor]?.op;
	const channelsOf = (tensorIndex: number) => tensors[tensorIndex].shape[3];
	const [inputIndex] = model.inputs;
	const inputSize = tensors[inputIndex].shape[1];
	if (tensors[inputIndex].shape.join() !== `1,${inputSize},${inputSize},3`) fail('input shape');

	const stemConv = next(TFLITE_OP.CONV_2D, 'the 5x5 stem convolution');
	const { options: stemOptions } = stemConv;
	if (stemConv.inputs[0] !== inputIndex || stemOptions.padding !== 'same') fail('stem input');
	if (stemOptions.strideWidth !== stemOptions.strideHeight || stemOptions.activation !== 0) {
		fail('stem stride/activation');
	}
	const stem = {
		kernel: pack(stemConv.inputs[1]),
		bias: pack(stemConv.inputs[2]),
		stride: stemOptions.strideWidth!,
	};
	if (stem.kernel.shape.slice(1).join() !== '5,5,3') fail('stem kernel shape');
	let current = next(TFLITE_OP.RELU, 'the stem ReLU').outputs[0];

	const blocks: BlazeBlock[] = [];
	const blockOutputs: number[] = [];
	while (peek() === TFLITE_OP.DEPTHWISE_CONV_2D) {
		const depthwise = next(TFLITE_OP.DEPTHWISE_CONV_2D, 'a depthwise convolution');
		const stride = depthwise.options.strideWidth;
		if (stride !== 1 && stride !== 2) fail(`depthwise stride ${stride}`);
		if (depthwise.options.strideHeight !== stride || depthwise.options.padding !== 'same') {
			fail('depthwise padding/stride');
		}
		if (depthwise.options.depthMultiplier !== 1 || depthwise.options.activation !== 0) {
			fail('depthwise multiplier/activation');
		}
		if (depthwise.inputs[0] !== current) fail('depthwise input is not the previous block');
		let shortcut = current;
		if (stride === 2) {
			const pool = next(TFLITE_OP.MAX_POOL_2D, 'the shortcut max pool');
			const { options } = pool;
			if (pool.inputs[0] !== current || options.filterWidth !== 2 || options.strideWidth !== 2) {
				fail('shortcut pool');
			}
			if (options.filterHeight !== 2 || options.strideHeight !== 2) fail('shortcut pool');
			shortcut = pool.outputs[0];
		}
		const pointwise = next(TFLITE_OP.CONV_2D, 'the pointwise convolution');
		if (pointwise.inputs[0] !== depthwise.outputs[0] || pointwise.options.activation !== 0) {
			fail('pointwise input/activation');
		}
		const inputChannels = channelsOf(current);
		const outputChannels = channelsOf(pointwise.outputs[0]);
		if (peek() === TFLITE_OP.PAD) {
			const pad = next(TFLITE_OP.PAD, 'the channel padding');
			const paddings = tensors[pad.inputs[1]];
			const values = Array.from(
				new Int32Array(paddings.data.slice().buffer, 0, paddings.data.length / 4),
			);
			if (
				pad.inputs[0] !== shortcut ||
				values.join() !== `0,0,0,0,0,0,0,${outputChannels - inputChannels}`
			) {
				fail('channel padding appends zero channels only');
			}
			shortcut = pad.outputs[0];
		} else if (inputChannels !== outputChannels) {
			fail('a widening block without channel padding');
		}
		const add = next(TFLITE_OP.ADD, 'the residual add');
		if (add.inputs.join() !== `${shortcut},${pointwise.outputs[0]}` || add.options.activation) {
			fail('residual add');
		}
		current = next(TFLITE_OP.RELU, 'the block ReLU').outputs[0];
		blocks.push({
			stride,
			inputChannels,
			outputChannels,
			depthwiseKernel: pack(depthwise.inputs[1]),
			depthwiseBias: pack(depthwise.inputs[2]),
			pointwiseKernel: pack(pointwise.inputs[1]),
			pointwiseBias: pack(pointwise.inputs[2]),
		});
		blockOutputs.push(current);
	}

	// The heads: classifiers, then regressors, each a 1x1 convolution on a block output.
	const headConvs: TfliteOperator[] = [];
	while (peek() === TFLITE_OP.CONV_2D) headConvs.push(next(TFLITE_OP.CONV_2D, 'a head'));
	const reshapes: TfliteOperator[] = [];
	while (peek() === TFLITE_OP.RESHAPE) reshapes.push(next(TFLITE_OP.RESHAPE, 'a reshape'));
	const scoresConcat = next(TFLITE_OP.CONCATENATION, 'the score concatenation');
	const boxesConcat = next(TFLITE_OP.CONCATENATION, 'the box concatenation');
	if (cursor !== operators.length) fail('operators after the outputs');
	const producerOf = (tensorIndex: number, list: TfliteOperator[]) =>
		list.find((operator) => operator.outputs[0] === tensorIndex) ??
		fail(`no producer of ${tensorIndex}`);
	const headFor = (scoresReshape: number, boxesReshape: number): DetectionHead => {
		const classifier = producerOf(producerOf(scoresReshape, reshapes).inputs[0], headConvs);
		const regressor = producerOf(producerOf(boxesReshape, reshapes).inputs[0], headConvs);
		if (classifier.inputs[0] !== regressor.inputs[0]) fail('a head reads two blocks');
		const afterBlock = blockOutputs.indexOf(classifier.inputs[0]);
		const anchorsPerCell = channelsOf(classifier.outputs[0]);
		if (afterBlock < 0 || channelsOf(regressor.outputs[0]) !== anchorsPerCell * 16) {
			fail('head shapes');
		}
		return {
			afterBlock,
			anchorsPerCell,
			classifierKernel: pack(classifier.inputs[1]),
			classifierBias: pack(classifier.inputs[2]),
			regressorKernel: pack(regressor.inputs[1]),
			regressorBias: pack(regressor.inputs[2]),
		};
	};
	if (scoresConcat.options.axis !== 1 || boxesConcat.options.axis !== 1) fail('concat axis');
	if (scoresConcat.inputs.length !== boxesConcat.inputs.length) fail('head count');
	const heads = scoresConcat.inputs.map((scores, index) =>
		headFor(scores, boxesConcat.inputs[index]),
	);

	const halves = new Uint16Array(halfCount);
	let at = 0;
	for (const chunk of chunks) {
		const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		for (let byte = 0; byte < chunk.length; byte += 2) halves[at++] = view.getUint16(byte, true);
	}
	return { plan: { inputSize, stem, blocks, heads, halfCount }, halves };
}

function base64OfHalves(halves: Uint16Array): string {
	const bytes = Buffer.alloc(halves.length * 2);
	halves.forEach((half, index) => bytes.writeUInt16LE(half, index * 2));
	return bytes.toString('base64');
}

/**
 * The generated module's text. Its layout is this function's (the file is in .prettierignore), so
 * the unit test can compare it without running Prettier.
 */
export function generateFaceWeightsModule(): string {
	const bytes = readPinnedModel();
	const { plan, halves } = planFromModel(readTflite(bytes));
	const source = `/**
 * GENERATED by scripts/face-weights.ts (\`npx tsx scripts/face-weights.ts\`); do not edit.
 * Source: ${FACE_MODEL_SOURCE.package}@${FACE_MODEL_SOURCE.version}, ${FACE_MODEL_SOURCE.file},
 * SHA-256 ${FACE_MODEL_SOURCE.sha256}.
 * MediaPipe's BlazeFace short-range face detector, (c) The MediaPipe Authors, ${FACE_MODEL_SOURCE.licence}
 * (see THIRD_PARTY_NOTICES.md). The layer plan as read from the model's graph, and its
 * ${plan.halfCount} weights as little-endian IEEE half-floats in base64: the model stores them so and
 * its DEQUANTIZE operators widen them to float32, which is exact (weights.ts does the same).
 */
import type { BlazeFacePlan } from './plan';

export const BLAZE_FACE_MODEL = {
	package: '${FACE_MODEL_SOURCE.package}',
	version: '${FACE_MODEL_SOURCE.version}',
	file: '${FACE_MODEL_SOURCE.file}',
	sha256: '${FACE_MODEL_SOURCE.sha256}',
} as const;

export const BLAZE_FACE_PLAN: BlazeFacePlan = ${JSON.stringify(plan, null, '\t')};

export const BLAZE_FACE_HALF_FLOATS_BASE64 =
	'${base64OfHalves(halves)}';
`;
	return source;
}

async function main(): Promise<void> {
	const text = generateFaceWeightsModule();
	if (process.argv.includes('--check')) {
		const committed = fs.existsSync(GENERATED_MODULE)
			? fs.readFileSync(GENERATED_MODULE, 'utf8')
			: '';
		if (committed !== text) {
			console.error(`${path.relative(ROOT, GENERATED_MODULE)} differs from what the model gives`);
			process.exitCode = 1;
		}
		return;
	}
	fs.writeFileSync(GENERATED_MODULE, text);
	console.log(`wrote ${path.relative(ROOT, GENERATED_MODULE)} (${text.length} characters)`);
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
}
