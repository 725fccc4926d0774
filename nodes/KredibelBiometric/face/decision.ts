/**
 * When a reading settles the question, and what it says. Pure rules on a reading's faces:
 * - a face counts only from a confident score: FACE_SCORE in an upright reading; in a turned
 *   reading the stricter TURNED_FACE_SCORE, because turning raises the scores of pictures without
 *   any face (a turn is there to find a face in a photo held sideways, not to give a doubtful
 *   picture more chances);
 * - the main face is the largest counted one; another face counts as a second face only when it
 *   is not the same face seen twice (mostly inside the main box: a duplicate box, a reflection in
 *   glasses);
 * - `several_faces` only when a second counted face is at least half the main face's area: a
 *   KTP card held up (its photo is a few percent of the face), people far behind and faint
 *   reflections (which score low) do not make a photo ambiguous.
 * Calibrated on the evaluation set (test/face-eval/README.md, `npx tsx bench/run.ts --only face`).
 */
import type { Reading, SeenFace } from './readings';
import { area, intersection } from './suppression';

/** Upright readings: no evaluation portrait's best reading scored below it, no no-face photo above. */
export const FACE_SCORE = 0.8;
/** Turned readings (photos without an orientation tag). */
export const TURNED_FACE_SCORE = 0.9;
/** A second face this fraction of the main face's area or more makes the photo ambiguous. */
export const SIMILAR_SIZE = 0.5;
/** A face whose box lies this much inside the main face's box is the main face again. */
const SAME_FACE_OVERLAP = 0.5;

export interface Judgement {
	verdict: 'face' | 'several_faces';
	main: SeenFace;
	/** The counted faces, the main one first, then by decreasing area. */
	faces: SeenFace[];
}

function boxCorners(face: SeenFace) {
	const { x, y, width, height } = face.box;
	return { xMin: x, yMin: y, xMax: x + width, yMax: y + height };
}

function faceArea(face: SeenFace): number {
	return area(boxCorners(face));
}

/** The judgement of one reading, or null when it shows no confident face. */
export function judgeReading(reading: Reading): Judgement | null {
	const threshold = reading.view.quarterTurns === 0 ? FACE_SCORE : TURNED_FACE_SCORE;
	const confident = reading.faces
		.filter((face) => face.score >= threshold)
		.sort((a, b) => faceArea(b) - faceArea(a));
	if (confident.length === 0) return null;
	const [main, ...rest] = confident;
	const mainBox = boxCorners(main);
	const others = rest.filter((face) => {
		const own = faceArea(face);
		return own === 0 || intersection(boxCorners(face), mainBox) / own < SAME_FACE_OVERLAP;
	});
	const several = others.some((face) => faceArea(face) >= SIMILAR_SIZE * faceArea(main));
	return { verdict: several ? 'several_faces' : 'face', main, faces: [main, ...others] };
}
