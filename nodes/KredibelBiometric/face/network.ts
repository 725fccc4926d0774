/**
 * BlazeFace short-range's forward pass: the stem, the BlazeBlocks and the two detection heads,
 * in the order of the plan read from MediaPipe's model file. Its outputs are the model's own two
 * tensors, `classificators` (one score logit per anchor) and `regressors` (16 numbers per anchor:
 * box centre and size, six landmarks), in the model's anchor order: for each head, row by row,
 * cell by cell, anchor by anchor. The caller's checkpoint runs between blocks, so one pass never
 * holds the event loop for more than one block (a few milliseconds).
 */
import type { Checkpoint } from '../photo';
import { convolution, depthwiseConvolution, maxPool2x2, pointwiseConvolution } from './layers';
import type { FeatureMap, FeatureMapPool } from './tensor';
import type { NetworkWeights } from './weights';

/** Numbers per anchor in `regressors`: 4 for the box, 2 for each of the 6 landmarks. */
export const VALUES_PER_ANCHOR = 16;

export interface NetworkOutput {
	/** Raw score logit per anchor (the model's `classificators`). */
	logits: Float32Array;
	/** 16 raw numbers per anchor (the model's `regressors`). */
	regressors: Float32Array;
}

/** Number of anchors the heads produce for an input of the plan's size. */
export function anchorCount(weights: NetworkWeights): number {
	let size = weights.inputSize / weights.stemStride;
	const sizes: number[] = [];
	for (const block of weights.blocks) {
		size /= block.stride;
		sizes.push(size);
	}
	return weights.heads.reduce(
		(total, head) => total + sizes[head.afterBlock] ** 2 * head.anchorsPerCell,
		0,
	);
}

/** Runs the network on a channel-first 3 x size x size input in [-1, 1]. */
export async function runNetwork(
	input: FeatureMap,
	weights: NetworkWeights,
	checkpoint?: Checkpoint,
	pool?: FeatureMapPool,
): Promise<NetworkOutput> {
	if (
		input.channels !== 3 ||
		input.height !== weights.inputSize ||
		input.width !== weights.inputSize
	) {
		throw new Error(`the network takes 3 x ${weights.inputSize} x ${weights.inputSize}`);
	}
	let features = convolution(input, weights.stem, weights.stemStride, true, pool);
	const headInputs = new Map<number, FeatureMap>();
	const wanted = new Set(weights.heads.map((head) => head.afterBlock));
	for (let index = 0; index < weights.blocks.length; index++) {
		const block = weights.blocks[index];
		const shortcut = block.stride === 2 ? maxPool2x2(features, pool) : features;
		const expanded = depthwiseConvolution(features, block.depthwise, block.stride, pool);
		const next = pointwiseConvolution(expanded, block.pointwise, { shortcut, relu: true, pool });
		pool?.give(expanded);
		if (shortcut !== features) pool?.give(shortcut);
		if (!wanted.has(index - 1) || index === 0) pool?.give(features);
		features = next;
		if (wanted.has(index)) headInputs.set(index, features);
		await checkpoint?.();
	}

	const total = anchorCount(weights);
	const logits = new Float32Array(total);
	const regressors = new Float32Array(total * VALUES_PER_ANCHOR);
	let firstAnchor = 0;
	for (const head of weights.heads) {
		const source = headInputs.get(head.afterBlock)!;
		const scores = pointwiseConvolution(source, head.classifier, { pool });
		const boxes = pointwiseConvolution(source, head.regressor, { pool });
		const plane = source.height * source.width;
		const perCell = head.anchorsPerCell;
		// NHWC reshaped to [anchors, values]: anchor = firstAnchor + cell * perCell + a.
		for (let cell = 0; cell < plane; cell++) {
			for (let a = 0; a < perCell; a++) {
				const anchor = firstAnchor + cell * perCell + a;
				logits[anchor] = scores.data[a * plane + cell];
				for (let value = 0; value < VALUES_PER_ANCHOR; value++) {
					regressors[anchor * VALUES_PER_ANCHOR + value] =
						boxes.data[(a * VALUES_PER_ANCHOR + value) * plane + cell];
				}
			}
		}
		firstAnchor += plane * perCell;
		pool?.give(scores);
		pool?.give(boxes);
	}
	for (const source of headInputs.values()) pool?.give(source);
	return { logits, regressors };
}
