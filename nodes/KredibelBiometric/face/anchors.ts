/**
 * The anchors of BlazeFace short-range, as MediaPipe's SsdAnchorsCalculator makes them for the
 * face_detection_short_range graph (4 layers, strides 8, 16, 16, 16, input 128, offset 0.5,
 * aspect ratio 1 plus one interpolated scale, fixed anchor size). Layers that share a stride
 * share one grid: each cell of the 16 x 16 grid holds 2 anchors, each cell of the 8 x 8 grid 6
 * (3 layers x 2), 896 in all, in the order the model's heads emit them. With fixed anchor size
 * every anchor is 1 x 1: the regressor's box sizes are fractions of the input directly.
 */

export interface Anchor {
	/** Centre, 0-1 of the input. */
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface AnchorOptions {
	inputSize: number;
	strides: readonly number[];
	offset: number;
	/** Anchors one layer adds to each cell (aspect ratio 1 and the interpolated scale). */
	anchorsPerLayer: number;
}

export const SHORT_RANGE_ANCHORS: AnchorOptions = {
	inputSize: 128,
	strides: [8, 16, 16, 16],
	offset: 0.5,
	anchorsPerLayer: 2,
};

/** The anchors, grid after grid, row by row, cell by cell, anchor by anchor. */
export function ssdAnchors(options: AnchorOptions = SHORT_RANGE_ANCHORS): Anchor[] {
	const anchors: Anchor[] = [];
	let layer = 0;
	while (layer < options.strides.length) {
		const stride = options.strides[layer];
		let sameStride = 0;
		while (layer < options.strides.length && options.strides[layer] === stride) {
			sameStride++;
			layer++;
		}
		const grid = Math.ceil(options.inputSize / stride);
		const perCell = sameStride * options.anchorsPerLayer;
		for (let row = 0; row < grid; row++) {
			for (let column = 0; column < grid; column++) {
				for (let k = 0; k < perCell; k++) {
					anchors.push({
						x: (column + options.offset) / grid,
						y: (row + options.offset) / grid,
						width: 1,
						height: 1,
					});
				}
			}
		}
	}
	return anchors;
}
