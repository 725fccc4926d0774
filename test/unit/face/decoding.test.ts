/**
 * Anchors, box decoding and weighted non-maximum suppression, against what MediaPipe's
 * SsdAnchorsCalculator, TensorsToDetectionsCalculator and NonMaxSuppressionCalculator compute for
 * the face_detection_short_range graph (hand-checkable values, the rules written out).
 */
import { ssdAnchors } from '../../../nodes/KredibelBiometric/face/anchors';
import {
	bestScore,
	decodeDetections,
	scoreOfLogit,
	type Detection,
} from '../../../nodes/KredibelBiometric/face/decode';
import {
	intersectionOverUnion,
	weightedNonMaxSuppression,
} from '../../../nodes/KredibelBiometric/face/suppression';

function detection(
	xMin: number,
	yMin: number,
	size: number,
	score: number,
	landmark = xMin,
): Detection {
	return {
		xMin,
		yMin,
		xMax: xMin + size,
		yMax: yMin + size,
		score,
		landmarks: Array.from({ length: 12 }, () => landmark),
	};
}

describe('BlazeFace short-range anchors', () => {
	const anchors = ssdAnchors();

	it('makes 896 anchors: 16x16 cells of 2, then 8x8 cells of 6', () => {
		expect(anchors).toHaveLength(896);
		expect(anchors[0]).toEqual({ x: 0.5 / 16, y: 0.5 / 16, width: 1, height: 1 });
		expect(anchors[1]).toEqual(anchors[0]);
		expect(anchors[2]).toEqual({ x: 1.5 / 16, y: 0.5 / 16, width: 1, height: 1 });
		expect(anchors[32]).toEqual({ x: 0.5 / 16, y: 1.5 / 16, width: 1, height: 1 });
		expect(anchors[511]).toEqual({ x: 15.5 / 16, y: 15.5 / 16, width: 1, height: 1 });
		for (let k = 512; k < 518; k++)
			expect(anchors[k]).toEqual({ x: 0.5 / 8, y: 0.5 / 8, width: 1, height: 1 });
		expect(anchors[518]).toEqual({ x: 1.5 / 8, y: 0.5 / 8, width: 1, height: 1 });
		expect(anchors[895]).toEqual({ x: 7.5 / 8, y: 7.5 / 8, width: 1, height: 1 });
	});
});

describe('decoding the network outputs', () => {
	const anchors = ssdAnchors();

	function outputs(hits: { anchor: number; logit: number; values: number[] }[]) {
		const logits = new Float32Array(896).fill(-10);
		const regressors = new Float32Array(896 * 16);
		for (const hit of hits) {
			logits[hit.anchor] = hit.logit;
			regressors.set(hit.values, hit.anchor * 16);
		}
		return { logits, regressors };
	}

	it('scores with a sigmoid of the logit clipped to +-100', () => {
		expect(scoreOfLogit(0)).toBe(0.5);
		expect(scoreOfLogit(Math.log(3))).toBeCloseTo(0.75, 12);
		expect(scoreOfLogit(1e6)).toBe(scoreOfLogit(100));
		expect(scoreOfLogit(-1e6)).toBe(scoreOfLogit(-100));
	});

	it('places x, y, width, height (in that order) and landmarks on the anchor, /128', () => {
		const values = [
			12.8,
			-6.4,
			64,
			32,
			...Array.from({ length: 12 }, (_, k) => (k % 2 ? -12.8 : 25.6)),
		];
		const [found] = decodeDetections(outputs([{ anchor: 518, logit: 2, values }]), anchors);
		const centreX = 1.5 / 8 + 0.1;
		const centreY = 0.5 / 8 - 0.05;
		expect(found.xMin).toBeCloseTo(centreX - 0.25, 6);
		expect(found.xMax).toBeCloseTo(centreX + 0.25, 6);
		expect(found.yMin).toBeCloseTo(centreY - 0.125, 6);
		expect(found.yMax).toBeCloseTo(centreY + 0.125, 6);
		expect(found.landmarks[0]).toBeCloseTo(1.5 / 8 + 0.2, 6);
		expect(found.landmarks[1]).toBeCloseTo(0.5 / 8 - 0.1, 6);
		expect(found.score).toBeCloseTo(scoreOfLogit(2), 6);
	});

	it('drops boxes under the 0.5 minimum and boxes without size, but reports the best score', () => {
		const output = outputs([
			{ anchor: 3, logit: -0.1, values: [0, 0, 20, 20] },
			{ anchor: 700, logit: 3, values: [0, 0, -5, 20] },
		]);
		expect(decodeDetections(output, anchors)).toEqual([]);
		expect(bestScore(output)).toBeCloseTo(scoreOfLogit(3), 6);
	});
});

describe('weighted non-maximum suppression (IoU > 0.3)', () => {
	it('computes IoU, 0 for boxes that do not meet', () => {
		expect(intersectionOverUnion(detection(0, 0, 0.2, 1), detection(0.1, 0, 0.2, 1))).toBeCloseTo(
			0.02 / 0.06,
			12,
		);
		expect(intersectionOverUnion(detection(0, 0, 0.2, 1), detection(0.5, 0.5, 0.2, 1))).toBe(0);
	});

	it('merges a cluster into the score-weighted mean box and landmarks, keeping the best score', () => {
		const merged = weightedNonMaxSuppression([
			detection(0.4, 0.4, 0.2, 0.7, 0.1),
			detection(0.42, 0.4, 0.2, 0.9, 0.3),
			detection(0.44, 0.4, 0.2, 0.8, 0.5),
		]);
		expect(merged).toHaveLength(1);
		const total = 0.7 + 0.9 + 0.8;
		expect(merged[0].xMin).toBeCloseTo((0.4 * 0.7 + 0.42 * 0.9 + 0.44 * 0.8) / total, 12);
		expect(merged[0].xMax).toBeCloseTo((0.6 * 0.7 + 0.62 * 0.9 + 0.64 * 0.8) / total, 12);
		expect(merged[0].landmarks[5]).toBeCloseTo((0.1 * 0.7 + 0.3 * 0.9 + 0.5 * 0.8) / total, 12);
		expect(merged[0].score).toBe(0.9);
	});

	it('keeps boxes that overlap by IoU 0.3 or less apart, best first', () => {
		// IoU of two 0.2 squares shifted by 0.1 along x is 1/3 (> 0.3); by 0.11 it is 0.29.
		const kept = weightedNonMaxSuppression([
			detection(0.11, 0, 0.2, 0.6),
			detection(0, 0, 0.2, 0.95),
			detection(0.6, 0.6, 0.2, 0.7),
		]);
		expect(kept.map((face) => face.score)).toEqual([0.95, 0.7, 0.6]);
		expect(kept[0].xMin).toBe(0);
		expect(
			weightedNonMaxSuppression([detection(0.1, 0, 0.2, 0.6), detection(0, 0, 0.2, 0.95)]),
		).toHaveLength(1);
	});

	it('terminates on degenerate boxes', () => {
		expect(
			weightedNonMaxSuppression([detection(0.1, 0.1, 0, 0.9), detection(0.1, 0.1, 0, 0.8)]),
		).toHaveLength(2);
	});
});
