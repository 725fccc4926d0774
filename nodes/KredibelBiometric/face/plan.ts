/**
 * The shape of BlazeFace short-range as the generator reads it from MediaPipe's model file: which
 * layers run in which order, with which strides, and where each one's weights sit in the packed
 * half-precision blob. The generated module (`blazeFaceWeights.generated.ts`) is a value of this
 * type; the network (`network.ts`) runs it. Keeping the architecture in data read from the model,
 * not in hand-copied numbers, is what lets the generator refuse a model file that differs.
 */

/** A constant tensor of the model: `shape` as TFLite stores it, `offset` in half-floats. */
export interface PackedTensor {
	offset: number;
	shape: readonly number[];
}

/** The first layer: a 5x5 convolution with `stride` and SAME padding, then ReLU. */
export interface StemLayer {
	/** [outputChannels, 5, 5, 3] (TFLite's OHWI). */
	kernel: PackedTensor;
	bias: PackedTensor;
	stride: number;
}

/**
 * One BlazeBlock: depthwise 3x3 (SAME, `stride`), pointwise 1x1, plus the shortcut (2x2 max pool
 * when `stride` is 2, zero channels appended when the block widens), added, then ReLU.
 */
export interface BlazeBlock {
	stride: 1 | 2;
	inputChannels: number;
	outputChannels: number;
	/** [1, 3, 3, inputChannels]. */
	depthwiseKernel: PackedTensor;
	depthwiseBias: PackedTensor;
	/** [outputChannels, 1, 1, inputChannels]. */
	pointwiseKernel: PackedTensor;
	pointwiseBias: PackedTensor;
}

/**
 * A detection head: two 1x1 convolutions on the output of block `afterBlock`, one giving
 * `anchorsPerCell` score logits per cell, the other 16 box numbers per anchor.
 */
export interface DetectionHead {
	afterBlock: number;
	anchorsPerCell: number;
	classifierKernel: PackedTensor;
	classifierBias: PackedTensor;
	regressorKernel: PackedTensor;
	regressorBias: PackedTensor;
}

export interface BlazeFacePlan {
	inputSize: number;
	stem: StemLayer;
	blocks: readonly BlazeBlock[];
	/** In the order the model concatenates their anchors (finer grid first). */
	heads: readonly DetectionHead[];
	/** Number of half-floats in the packed blob. */
	halfCount: number;
}
