/**
 * The face check: readings in turn (readings.ts) until one shows a confident face (decision.ts),
 * then the measures of that face (measures.ts). A photo is `no_face` only after every reading,
 * tiles included, found nothing confident: refusing is the expensive mistake (a real applicant
 * turned away), so the detector looks hard before it does.
 */
import type { Checkpoint, Picture } from '../photo';
import { judgeReading, type Judgement } from './decision';
import { measureFace } from './measures';
import { readingPlan, readView } from './readings';
import { wholeView, type FaceBox, type QuarterTurns } from './views';

export interface FaceFinding {
	verdict: 'face' | 'no_face' | 'several_faces';
	/** Clockwise quarter turns to apply so the face is upright (only when `mayTurn`). */
	quarterTurns: QuarterTurns;
	/** Faces counted (0 for `no_face`). */
	faces: number;
	/** The main face's score; for `no_face`, the best score any upright reading gave. */
	score: number | null;
	/** The main face, 0-1 of the turned picture. */
	box: FaceBox | null;
	sharpness: number | null;
	brightness: number | null;
}

export interface FindFacesOptions {
	/** True when the photo had no orientation tag: a face lying sideways may be turned upright. */
	mayTurn: boolean;
	checkpoint?: Checkpoint;
}

export async function findFaces(picture: Picture, options: FindFacesOptions): Promise<FaceFinding> {
	const { width, height, channels, data } = picture;
	if (!(width >= 1 && height >= 1 && data.length === width * height * channels)) {
		throw new Error(
			`findFaces: a ${width}x${height}x${channels} picture needs ${width * height * channels} samples`,
		);
	}
	let bestUpright = 0;
	const found = (judgement: Judgement, quarterTurns: QuarterTurns): FaceFinding => {
		const { sharpness, brightness } = measureFace(picture, quarterTurns, judgement.main.box);
		return {
			verdict: judgement.verdict,
			quarterTurns,
			faces: judgement.faces.length,
			score: judgement.main.score,
			box: judgement.main.box,
			sharpness,
			brightness,
		};
	};
	for (const view of readingPlan(picture, options.mayTurn)) {
		const reading = await readView(picture, view, options.checkpoint);
		if (view.quarterTurns === 0) bestUpright = Math.max(bestUpright, reading.best);
		const judgement = judgeReading(reading);
		if (!judgement) continue;
		// A sideways face can still score as a face upright; its landmarks say so. Without an
		// orientation tag, the turn they point to is read too, and wins when it sees the face better.
		const turns = judgement.main.turnsToUpright;
		if (options.mayTurn && view.kind !== 'tile' && view.quarterTurns === 0 && turns !== 0) {
			const turned = judgeReading(
				await readView(picture, wholeView(picture, turns), options.checkpoint),
			);
			if (turned && turned.main.score > judgement.main.score) return found(turned, turns);
		}
		return found(judgement, view.quarterTurns);
	}
	return {
		verdict: 'no_face',
		quarterTurns: 0,
		faces: 0,
		score: bestUpright,
		box: null,
		sharpness: null,
		brightness: null,
	};
}
