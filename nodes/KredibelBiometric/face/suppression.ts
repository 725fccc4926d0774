/**
 * Weighted non-maximum suppression, as MediaPipe's NonMaxSuppressionCalculator does it with
 * algorithm WEIGHTED, overlap INTERSECTION_OVER_UNION and min_suppression_threshold 0.3 (the
 * face_detection graphs): take the best remaining box; every remaining box overlapping it by
 * IoU > 0.3 (itself included) joins its cluster; the cluster becomes one detection whose box and
 * landmarks are the score-weighted mean of the cluster's and whose score is the best box's.
 * BlazeFace fires several neighbouring anchors per face; this is how they become one face.
 */
import type { Detection } from './decode';

export const SUPPRESSION_IOU = 0.3;

type Box = Pick<Detection, 'xMin' | 'yMin' | 'xMax' | 'yMax'>;

export function area(box: Box): number {
	return Math.max(0, box.xMax - box.xMin) * Math.max(0, box.yMax - box.yMin);
}

export function intersection(a: Box, b: Box): number {
	const width = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
	const height = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
	return width > 0 && height > 0 ? width * height : 0;
}

/** Intersection over union; 0 for boxes that do not meet. */
export function intersectionOverUnion(a: Box, b: Box): number {
	const shared = intersection(a, b);
	if (shared === 0) return 0;
	const union = area(a) + area(b) - shared;
	return union > 0 ? shared / union : 0;
}

export function weightedNonMaxSuppression(
	detections: readonly Detection[],
	threshold = SUPPRESSION_IOU,
): Detection[] {
	// Stable sort by score, best first (MediaPipe sorts index/score pairs the same way).
	let remaining = [...detections].sort((a, b) => b.score - a.score);
	const kept: Detection[] = [];
	while (remaining.length > 0) {
		const best = remaining[0];
		// The best box leads its own cluster even when degenerate (IoU with itself would be 0).
		const cluster: Detection[] = [best];
		const rest: Detection[] = [];
		for (const candidate of remaining.slice(1)) {
			(intersectionOverUnion(candidate, best) > threshold ? cluster : rest).push(candidate);
		}
		let total = 0;
		const sums = { xMin: 0, yMin: 0, xMax: 0, yMax: 0 };
		const landmarks = new Array<number>(best.landmarks.length).fill(0);
		for (const member of cluster) {
			total += member.score;
			sums.xMin += member.xMin * member.score;
			sums.yMin += member.yMin * member.score;
			sums.xMax += member.xMax * member.score;
			sums.yMax += member.yMax * member.score;
			member.landmarks.forEach((value, index) => (landmarks[index] += value * member.score));
		}
		kept.push({
			xMin: sums.xMin / total,
			yMin: sums.yMin / total,
			xMax: sums.xMax / total,
			yMax: sums.yMax / total,
			score: best.score,
			landmarks: landmarks.map((value) => value / total),
		});
		remaining = rest;
	}
	return kept;
}
