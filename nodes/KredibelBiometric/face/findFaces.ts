/**
 * The face check: readings in turn (readings.ts) until one shows a confident face (decision.ts),
 * then the measures of that face (measures.ts): the upright picture (whole, then a centre crop);
 * without an orientation tag, the three other quarter turns; then zoomed tiles, 2x and 3x, each
 * small face found there confirmed by a second, closer look. A photo is `no_face` only after all
 * of them found nothing confident: refusing is the expensive mistake (a real applicant turned
 * away), so the detector looks hard before it does. The first reading settles most portraits.
 */
import type { Checkpoint, Picture } from '../photo';
import {
	CONFIRMED_FACE_SCORE,
	judgeFaces,
	judgeReading,
	sameFace,
	TILE_CANDIDATE_SCORE,
	TILE_FACE_SCORE,
	TURN_MARGIN,
	UPRIGHT_SURE_SCORE,
	type Judgement,
} from './decision';
import { faceContrast, measureFace } from './measures';
import { readView, TILE_ZOOMS, uprightViews, type SeenFace } from './readings';
import { blazeFaceNetwork } from './network';
import {
	focusView,
	tileViews,
	wholeView,
	type FaceBox,
	type QuarterTurns,
	type View,
} from './views';

/** Tile faces between the candidate and the tile score get a second look, the best few only. */
const MAX_SECOND_LOOKS = 3;
/** The turns tried for a photo without a tag. */
const OTHER_TURNS: readonly QuarterTurns[] = [1, 3, 2];

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
	const { mayTurn, checkpoint } = options;
	const workspace = blazeFaceNetwork().createWorkspace();
	const read = (view: View) => readView(picture, view, checkpoint, workspace);
	const found = async (judgement: Judgement, quarterTurns: QuarterTurns): Promise<FaceFinding> => {
		const { sharpness, brightness } = await measureFace(
			picture,
			quarterTurns,
			judgement.main.box,
			checkpoint,
		);
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
	let bestUpright = 0;

	const contrastIn = (quarterTurns: QuarterTurns) => (face: SeenFace) =>
		faceContrast(picture, quarterTurns, face.box);
	/**
	 * The turn (of `turns`) whose reading shows a face best, above `toBeat`. All are read: a
	 * quarter turn of an upside-down face can score 0.85, the right one 0.92.
	 */
	const bestTurn = async (turns: readonly QuarterTurns[], toBeat: number) => {
		let best: { judgement: Judgement; turns: QuarterTurns } | undefined;
		for (const turn of turns) {
			const judgement = judgeReading(await read(wholeView(picture, turn)), contrastIn(turn));
			if (judgement && judgement.main.score > (best?.judgement.main.score ?? toBeat)) {
				best = { judgement, turns: turn };
			}
		}
		return best;
	};

	for (const view of uprightViews(picture)) {
		const reading = await read(view);
		bestUpright = Math.max(bestUpright, reading.best);
		const judgement = judgeReading(reading, contrastIn(0));
		if (!judgement) continue;
		// A sideways or upside-down face can still score as a face upright, a little lower than
		// the right way up. Without an orientation tag, a face whose landmarks lie sideways is
		// read in the three other turns; one whose landmarks look upright but whose score is not
		// sure is read upside down (the network tends to place upright landmarks on an upside-down
		// face, and puts sideways ones on sideways faces). A turn that sees it clearly better wins.
		const { score, turnsToUpright } = judgement.main;
		if (mayTurn && (turnsToUpright !== 0 || score < UPRIGHT_SURE_SCORE)) {
			const turns: readonly QuarterTurns[] = turnsToUpright === 0 ? [2] : OTHER_TURNS;
			const turned = await bestTurn(turns, score + TURN_MARGIN);
			if (turned) return found(turned.judgement, turned.turns);
		}
		return found(judgement, 0);
	}

	if (mayTurn) {
		const turned = await bestTurn(OTHER_TURNS, 0);
		if (turned) return found(turned.judgement, turned.turns);
	}

	for (const zoom of TILE_ZOOMS) {
		// Every tile of the level is read first, so that faces split over tiles count together.
		const candidates: SeenFace[] = [];
		for (const view of tileViews(picture, zoom)) {
			const reading = await read(view);
			bestUpright = Math.max(bestUpright, reading.best);
			for (const face of reading.faces) {
				if (face.score < TILE_CANDIDATE_SCORE) continue;
				const twin = candidates.findIndex((other) => sameFace(face, other));
				if (twin < 0) candidates.push(face);
				else if (face.score > candidates[twin].score) candidates[twin] = face;
			}
		}
		candidates.sort((a, b) => b.score - a.score);
		const confirmed: SeenFace[] = [];
		for (const [index, candidate] of candidates.entries()) {
			if (candidate.score >= TILE_FACE_SCORE) {
				confirmed.push(candidate);
			} else if (index < MAX_SECOND_LOOKS) {
				const second = judgeFaces(
					(await read(focusView(picture, candidate.box))).faces,
					CONFIRMED_FACE_SCORE,
				);
				if (second) confirmed.push(second.main);
			}
		}
		const judgement = judgeFaces(confirmed, 0, contrastIn(0));
		if (judgement) return found(judgement, 0);
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
