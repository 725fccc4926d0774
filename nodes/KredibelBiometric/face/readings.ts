/**
 * One reading: a view of the picture through the network, decoded and suppressed as MediaPipe
 * does, each face's box mapped back to the turned picture, with the turn its landmarks ask for.
 * Also the groups of views findFaces tries: upright, then (after the turns) tiles.
 */
import type { Checkpoint, Picture } from '../photo';
import { ssdAnchors, type Anchor } from './anchors';
import { bestScore, decodeDetections } from './decode';
import { blazeFaceNetwork, type NetworkWorkspace } from './network';
import { weightedNonMaxSuppression } from './suppression';
import {
	boxInPicture,
	centreView,
	pointInPicture,
	sampleView,
	wholeView,
	type FaceBox,
	type QuarterTurns,
	type View,
} from './views';

export interface SeenFace {
	score: number;
	/** 0-1 of the turned picture. */
	box: FaceBox;
	/**
	 * Clockwise quarter turns of the view's picture that would put this face upright, read from
	 * its landmarks: where the mouth lies from the middle of the eyes (below when upright).
	 */
	turnsToUpright: QuarterTurns;
}

/**
 * The quarter turn that brings the eyes-to-mouth direction closest to straight down. BlazeFace's
 * landmarks are right eye, left eye, nose tip, mouth, right ear, left ear (x, y pairs).
 */
export function turnsToUpright(landmarks: readonly { x: number; y: number }[]): QuarterTurns {
	const [rightEye, leftEye, , mouth] = landmarks;
	const down = {
		x: mouth.x - (rightEye.x + leftEye.x) / 2,
		y: mouth.y - (rightEye.y + leftEye.y) / 2,
	};
	if (Math.abs(down.y) >= Math.abs(down.x)) return down.y >= 0 ? 0 : 2;
	// A clockwise turn takes "down" (0, 1) to (-1, 0): a face whose down points right needs one.
	return down.x > 0 ? 1 : 3;
}

export interface Reading {
	view: View;
	/** The best anchor score of the reading, face or not. */
	best: number;
	/** MediaPipe's detections (score >= 0.5), best first. */
	faces: SeenFace[];
}

let anchors: Anchor[] | undefined;

/**
 * Reads one view: samples it into the workspace's input (a new workspace when none is given),
 * runs the network, decodes and suppresses as MediaPipe does.
 */
export async function readView(
	picture: Picture,
	view: View,
	checkpoint?: Checkpoint,
	workspace?: NetworkWorkspace,
): Promise<Reading> {
	const network = blazeFaceNetwork();
	const space = workspace ?? network.createWorkspace();
	anchors ??= ssdAnchors();
	sampleView(picture, view, network.weights.inputSize, space.input, network.inputPadding);
	// Sampling before the network and decoding after it are the other stretches of a reading,
	// kept apart by a checkpoint each; the network calls it between its units.
	await checkpoint?.();
	const output = await network.run(space, checkpoint);
	const detections = weightedNonMaxSuppression(decodeDetections(output, anchors));
	return {
		view,
		best: bestScore(output),
		faces: detections.map((detection) => {
			const points: { x: number; y: number }[] = [];
			for (let k = 0; k + 1 < detection.landmarks.length; k += 2) {
				points.push(pointInPicture(detection.landmarks[k], detection.landmarks[k + 1], view));
			}
			return {
				score: detection.score,
				box: boxInPicture(detection, view, picture),
				turnsToUpright: turnsToUpright(points),
			};
		}),
	};
}

/** The whole picture, then a centred square 1.25 times closer or more. */
export function uprightViews(picture: Picture): View[] {
	return [wholeView(picture, 0), centreView(picture)];
}

/** Tiles at 2x, then 3x: for faces under about 7% of the long side. */
export const TILE_ZOOMS = [2, 3] as const;
