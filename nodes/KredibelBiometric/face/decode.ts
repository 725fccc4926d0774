/**
 * From the network's raw outputs to scored boxes, as MediaPipe's TensorsToDetectionsCalculator
 * does for face_detection_short_range: score = sigmoid(logit clipped to +-100); box centre and
 * size and the six landmarks are the regressor's numbers divided by 128 (the input size) and
 * placed on their anchor; boxes under the minimum score (MediaPipe's 0.5) are dropped, and so are
 * boxes with no width or height. Coordinates are 0-1 of the network's input square.
 */
import type { Anchor } from './anchors';
import { VALUES_PER_ANCHOR, type NetworkOutput } from './network';

export interface Detection {
	xMin: number;
	yMin: number;
	xMax: number;
	yMax: number;
	score: number;
	/** Six (x, y) landmarks: eyes, nose tip, mouth, ear tragions. */
	landmarks: number[];
}

/** MediaPipe's score threshold for face_detection_short_range. */
export const MIN_DETECTION_SCORE = 0.5;
const SCORE_CLIPPING = 100;
/** x_scale = y_scale = w_scale = h_scale in the graph: the input size. */
const COORDINATE_SCALE = 128;
const LANDMARKS = 6;

export function scoreOfLogit(logit: number): number {
	const clipped = Math.max(-SCORE_CLIPPING, Math.min(SCORE_CLIPPING, logit));
	return 1 / (1 + Math.exp(-clipped));
}

/** The highest anchor score, whether or not it passes the minimum. */
export function bestScore(output: NetworkOutput): number {
	let best = -Infinity;
	for (const logit of output.logits) if (logit > best) best = logit;
	return scoreOfLogit(best);
}

export function decodeDetections(
	output: NetworkOutput,
	anchors: readonly Anchor[],
	minScore = MIN_DETECTION_SCORE,
): Detection[] {
	if (anchors.length !== output.logits.length) throw new Error('one anchor per score expected');
	const detections: Detection[] = [];
	const { logits, regressors } = output;
	for (let index = 0; index < anchors.length; index++) {
		const score = scoreOfLogit(logits[index]);
		if (score < minScore) continue;
		const anchor = anchors[index];
		const at = index * VALUES_PER_ANCHOR;
		// reverse_output_order: the model writes x before y and width before height.
		const x = (regressors[at] / COORDINATE_SCALE) * anchor.width + anchor.x;
		const y = (regressors[at + 1] / COORDINATE_SCALE) * anchor.height + anchor.y;
		const width = (regressors[at + 2] / COORDINATE_SCALE) * anchor.width;
		const height = (regressors[at + 3] / COORDINATE_SCALE) * anchor.height;
		if (!(width > 0 && height > 0)) continue;
		const landmarks: number[] = [];
		for (let k = 0; k < LANDMARKS; k++) {
			landmarks.push(
				(regressors[at + 4 + 2 * k] / COORDINATE_SCALE) * anchor.width + anchor.x,
				(regressors[at + 5 + 2 * k] / COORDINATE_SCALE) * anchor.height + anchor.y,
			);
		}
		detections.push({
			xMin: x - width / 2,
			yMin: y - height / 2,
			xMax: x + width / 2,
			yMax: y + height / 2,
			score,
			landmarks,
		});
	}
	return detections;
}
