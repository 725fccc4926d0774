/**
 * BlazeFace short-range's forward pass: the stem, the BlazeBlocks and the two detection heads,
 * in the order of the plan read from MediaPipe's model file. Its outputs are the model's own two
 * tensors, `classificators` (one score logit per anchor) and `regressors` (16 numbers per anchor:
 * box centre and size, six landmarks), in the model's anchor order: for each head, row by row,
 * cell by cell, anchor by anchor.
 *
 * The pass is cut into units of work of at most OPS_PER_UNIT multiply-adds (a band of one
 * layer's output rows), and the caller's checkpoint runs after each one: whatever the machine,
 * a pass never holds the event loop for longer than one unit (under a millisecond here). The
 * units are data (`units`), so a test can prove the bound without a clock. The feature maps live
 * in a workspace that one face check owns: three buffers of the largest map (a block reads one,
 * writes another, its depthwise stage a third), reused by every layer of every pass.
 */
import type { Checkpoint } from '../photo';
import { depthwiseConvolution, pointwiseConvolution, samePadding, stemConvolution } from './layers';
import { createFeatureMap, type FeatureMap } from './tensor';
import { blazeFaceWeights, type NetworkWeights } from './weights';

/** Numbers per anchor in `regressors`: 4 for the box, 2 for each of the 6 landmarks. */
export const VALUES_PER_ANCHOR = 16;

/**
 * The most multiply-adds between two checkpoints: under a millisecond at the 3-4 G multiply-adds
 * per second the layers reach here, so even a machine ten times slower, or as loaded as this
 * one gets, stays far below the 50 ms the node allows.
 */
export const OPS_PER_UNIT = 1 << 21;

export interface NetworkOutput {
	/** Raw score logit per anchor (the model's `classificators`). */
	logits: Float32Array;
	/** 16 raw numbers per anchor (the model's `regressors`). */
	regressors: Float32Array;
}

type Shape = Pick<FeatureMap, 'channels' | 'height' | 'width'>;

/** What one face check runs its passes in; one pass at a time. */
export interface NetworkWorkspace {
	/**
	 * The network's input, 3 planes in [-1, 1], with the stem's SAME padding around the
	 * picture: `inputPadding` zeros before, the rest after (never written, so they stay 0).
	 */
	input: FeatureMap;
	/** The stem's output map, then each block's: block b reads map b and writes map b + 1. */
	maps: FeatureMap[];
	/** Each block's depthwise output. */
	expanded: FeatureMap[];
	/** Each head's score and box maps, before they are laid out per anchor. */
	heads: { scores: FeatureMap; boxes: FeatureMap }[];
	/** Overwritten by each pass. */
	output: NetworkOutput;
}

/** One band of one step's output rows: the work between two checkpoints. */
export interface WorkUnit {
	step: number;
	from: number;
	to: number;
	/** Multiply-adds of the band. */
	ops: number;
}

interface Step {
	rows: number;
	opsPerRow: number;
	run(workspace: NetworkWorkspace, from: number, to: number): void;
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

/** The units a step of `rows` rows at `opsPerRow` is cut into. */
function unitsOf(step: number, rows: number, opsPerRow: number): WorkUnit[] {
	const rowsPerUnit = Math.max(1, Math.floor(OPS_PER_UNIT / opsPerRow));
	const units: WorkUnit[] = [];
	for (let from = 0; from < rows; from += rowsPerUnit) {
		const to = Math.min(rows, from + rowsPerUnit);
		units.push({ step, from, to, ops: (to - from) * opsPerRow });
	}
	return units;
}

function mapOf(shape: Shape, buffer?: Float32Array): FeatureMap {
	return createFeatureMap(shape.channels, shape.height, shape.width, buffer);
}

/**
 * Rows `from` to `to` of a head's maps laid out as the model's outputs: anchor
 * `firstAnchor + cell * perCell + a` takes score plane `a` and box planes `a * 16` to `a * 16 + 15`.
 */
function layOutAnchors(
	scores: FeatureMap,
	boxes: FeatureMap,
	output: NetworkOutput,
	firstAnchor: number,
	from: number,
	to: number,
): void {
	const plane = scores.height * scores.width;
	const perCell = scores.channels;
	for (let cell = from * scores.width; cell < to * scores.width; cell++) {
		for (let a = 0; a < perCell; a++) {
			const anchor = firstAnchor + cell * perCell + a;
			output.logits[anchor] = scores.data[a * plane + cell];
			for (let value = 0; value < VALUES_PER_ANCHOR; value++) {
				output.regressors[anchor * VALUES_PER_ANCHOR + value] =
					boxes.data[(a * VALUES_PER_ANCHOR + value) * plane + cell];
			}
		}
	}
}

export class BlazeFaceNetwork {
	/** The input map's shape, padding included. */
	readonly input: Shape;
	/** Zeros before the picture in the input, on each axis (the rest of the padding is after). */
	readonly inputPadding: number;
	readonly anchors: number;
	/** The whole pass, unit by unit, in order. */
	readonly units: readonly WorkUnit[];
	private readonly maps: Shape[] = [];
	private readonly expanded: Shape[] = [];
	private readonly heads: { scores: Shape; boxes: Shape }[] = [];
	private readonly steps: Step[] = [];

	constructor(readonly weights: NetworkWeights) {
		const { inputSize, stem, stemStride } = weights;
		const padding = samePadding(inputSize, stem.size, stemStride);
		this.inputPadding = padding.before;
		const padded = (padding.outputSize - 1) * stemStride + stem.size;
		this.input = { channels: stem.inputs, height: padded, width: padded };
		this.anchors = anchorCount(weights);

		const stemOutput = {
			channels: stem.outputs,
			height: padding.outputSize,
			width: padding.outputSize,
		};
		this.maps.push(stemOutput);
		this.steps.push({
			rows: stemOutput.height,
			opsPerRow: stemOutput.width * stem.outputs * stem.size * stem.size * stem.inputs,
			run: (workspace, from, to) =>
				stemConvolution(workspace.input, stem, stemStride, workspace.maps[0], from, to),
		});

		let firstAnchor = 0;
		weights.blocks.forEach((block, index) => {
			const input = this.maps[index];
			const size = samePadding(input.height, 3, block.stride).outputSize;
			const channels = block.depthwise.channels;
			this.expanded.push({ channels, height: size, width: size });
			this.maps.push({ channels: block.pointwise.outputs, height: size, width: size });
			this.steps.push({
				rows: size,
				opsPerRow: size * channels * (9 + block.pointwise.outputs),
				run: (workspace, from, to) => {
					const expanded = workspace.expanded[index];
					const blockInput = workspace.maps[index];
					depthwiseConvolution(blockInput, block.depthwise, block.stride, expanded, from, to);
					pointwiseConvolution(expanded, block.pointwise, workspace.maps[index + 1], from, to, {
						shortcut: blockInput,
						shortcutStride: block.stride,
						relu: true,
					});
				},
			});
			for (const head of weights.heads.filter((candidate) => candidate.afterBlock === index)) {
				const headIndex = this.heads.length;
				const anchorsBefore = firstAnchor;
				const { classifier, regressor } = head;
				this.heads.push({
					scores: { channels: classifier.outputs, height: size, width: size },
					boxes: { channels: regressor.outputs, height: size, width: size },
				});
				this.steps.push({
					rows: size,
					opsPerRow: size * classifier.inputs * (classifier.outputs + regressor.outputs),
					run: (workspace, from, to) => {
						const features = workspace.maps[index + 1];
						const { scores, boxes } = workspace.heads[headIndex];
						pointwiseConvolution(features, classifier, scores, from, to);
						pointwiseConvolution(features, regressor, boxes, from, to);
						layOutAnchors(scores, boxes, workspace.output, anchorsBefore, from, to);
					},
				});
				firstAnchor += size * size * head.anchorsPerCell;
			}
		});
		if (firstAnchor !== this.anchors) throw new Error('network: heads do not cover the anchors');
		this.units = this.steps.flatMap((step, index) => unitsOf(index, step.rows, step.opsPerRow));
	}

	/**
	 * Buffers for one face check: the input; three buffers as long as the largest map, map m
	 * over buffer m % 2 and every depthwise output over the third; the heads' maps; the outputs.
	 */
	createWorkspace(): NetworkWorkspace {
		const length = (shape: Shape) => shape.channels * shape.height * shape.width;
		const longest = Math.max(...this.maps.map(length), ...this.expanded.map(length));
		const buffers = [0, 1, 2].map(() => new Float32Array(longest));
		return {
			input: mapOf(this.input),
			maps: this.maps.map((shape, index) => mapOf(shape, buffers[index % 2])),
			expanded: this.expanded.map((shape) => mapOf(shape, buffers[2])),
			heads: this.heads.map(({ scores, boxes }) => ({
				scores: mapOf(scores),
				boxes: mapOf(boxes),
			})),
			output: {
				logits: new Float32Array(this.anchors),
				regressors: new Float32Array(this.anchors * VALUES_PER_ANCHOR),
			},
		};
	}

	/** One pass over the workspace's input; the checkpoint runs after every unit. */
	async run(workspace: NetworkWorkspace, checkpoint?: Checkpoint): Promise<NetworkOutput> {
		for (const unit of this.units) {
			this.steps[unit.step].run(workspace, unit.from, unit.to);
			await checkpoint?.();
		}
		return workspace.output;
	}
}

let cached: BlazeFaceNetwork | undefined;

/** BlazeFace short-range with its weights, prepared on first use and kept for the process. */
export function blazeFaceNetwork(): BlazeFaceNetwork {
	cached ??= new BlazeFaceNetwork(blazeFaceWeights());
	return cached;
}
