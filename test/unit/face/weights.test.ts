/**
 * The embedded weights are exactly what the pinned MediaPipe model file holds: the committed
 * generated module is byte for byte what scripts/face-weights.ts makes from it, another file is
 * refused, and the unpacking (base64, half-floats) is right on its edge cases.
 */
import fs from 'node:fs';

import { BLAZE_FACE_PLAN } from '../../../nodes/KredibelBiometric/face/blazeFaceWeights.generated';
import { anchorCount } from '../../../nodes/KredibelBiometric/face/network';
import {
	blazeFaceWeights,
	decodeBase64,
	halfToFloat,
} from '../../../nodes/KredibelBiometric/face/weights';
import {
	checkModelDigest,
	generateFaceWeightsModule,
	GENERATED_MODULE,
	planFromModel,
	readPinnedModel,
} from '../../../scripts/face-weights';
import { readTflite } from '../../../scripts/tflite';

describe('BlazeFace weights', () => {
	it('the committed module is what the generator makes from the pinned model file', () => {
		expect(fs.readFileSync(GENERATED_MODULE, 'utf8')).toBe(generateFaceWeightsModule());
	});

	it('refuses a model file whose SHA-256 is not the pinned one', () => {
		const changed = Uint8Array.from(readPinnedModel());
		changed[changed.length - 1] ^= 1;
		expect(() => checkModelDigest(changed)).toThrow(/refusing to generate/);
	});

	it('refuses a graph that is not the BlazeFace it expects', () => {
		const model = readTflite(readPinnedModel());
		const withoutPool = {
			...model,
			operators: model.operators.filter((operator) => operator.op !== 17),
		};
		expect(() => planFromModel(withoutPool)).toThrow(/unexpected BlazeFace graph/);
	});

	it('reads the short-range architecture: 128 input, 16 blocks, 896 anchors', () => {
		expect(BLAZE_FACE_PLAN.inputSize).toBe(128);
		expect(BLAZE_FACE_PLAN.blocks).toHaveLength(16);
		expect(BLAZE_FACE_PLAN.blocks.map((block) => block.stride).join('')).toBe('1121121111121111');
		expect(BLAZE_FACE_PLAN.heads.map((head) => head.anchorsPerCell)).toEqual([2, 6]);
		expect(anchorCount(blazeFaceWeights())).toBe(896);
	});

	it('widens half-floats exactly, subnormals and infinities included', () => {
		expect(halfToFloat(0x3c00)).toBe(1);
		expect(halfToFloat(0xc000)).toBe(-2);
		expect(halfToFloat(0x7bff)).toBe(65504);
		expect(halfToFloat(0x0400)).toBe(2 ** -14);
		expect(halfToFloat(0x0001)).toBe(2 ** -24);
		expect(halfToFloat(0x8000)).toBe(-0);
		expect(halfToFloat(0x7c00)).toBe(Infinity);
		expect(halfToFloat(0x7e00)).toBeNaN();
		expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
	});

	it('decodes base64 as Node does, for every padding length', () => {
		for (let length = 0; length < 12; length++) {
			const bytes = Buffer.from(Array.from({ length }, (_, index) => (index * 97 + 13) & 255));
			expect(Buffer.from(decodeBase64(bytes.toString('base64')))).toEqual(bytes);
		}
		expect(() => decodeBase64('ab$d')).toThrow(/not base64/);
	});

	it('every weight is finite', () => {
		const weights = blazeFaceWeights();
		const arrays = [
			weights.stem.weights,
			...weights.blocks.flatMap((block) => [block.depthwise.weights, block.pointwise.weights]),
			...weights.heads.flatMap((head) => [head.classifier.weights, head.regressor.bias]),
		];
		for (const values of arrays) expect(values.every(Number.isFinite)).toBe(true);
	});
});
