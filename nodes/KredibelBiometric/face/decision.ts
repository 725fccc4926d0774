/**
 * When a reading settles the question, and what it says. Pure rules on a reading's faces:
 * - a face counts only from a confident score: FACE_SCORE in an upright reading; in a turned
 *   reading the stricter TURNED_FACE_SCORE, because turning raises the scores of pictures without
 *   any face (a turn is there to find a face in a photo held sideways, not to give a doubtful
 *   picture more chances); in a zoomed tile TILE_FACE_SCORE, or a second look (below);
 * - the main face is the largest counted one; another face counts as a second face only when it
 *   is not the same face seen twice (mostly inside a larger box: a duplicate from an overlapping
 *   tile, a reflection in glasses);
 * - `several_faces` only when a second counted face is at least half the main face's area and
 *   has at least half its luma contrast: a KTP card held up (its photo is a few percent of the
 *   face), people far behind (small) and faint reflections (low contrast) do not make a photo
 *   ambiguous.
 * Calibrated on the evaluation set (test/face-eval/README.md, `npx tsx bench/run.ts --only face`).
 */
import type { Reading, SeenFace } from './readings';
import { area, intersection } from './suppression';

/**
 * Upright readings (whole picture, centre crop). Evaluation set: the lowest portrait 0.687 (a
 * yawning, tilted face in grey), the highest no-face photo 0.583.
 */
export const FACE_SCORE = 0.65;
/** Turned readings: no-face photos reach 0.63 there; sideways portraits score as upright ones. */
export const TURNED_FACE_SCORE = 0.7;
/**
 * Zoomed tiles raise no-face scores most (textures seen close up: up to 0.83 on the set). A tile
 * face counts at TILE_FACE_SCORE; from TILE_CANDIDATE_SCORE up it is read again in a view
 * centred on it at a size the network likes (`focusView`), and counts when that reading scores
 * CONFIRMED_FACE_SCORE (real small faces 0.78-0.97 there, no-face candidates at most 0.71).
 */
export const TILE_FACE_SCORE = 0.8;
export const TILE_CANDIDATE_SCORE = 0.6;
export const CONFIRMED_FACE_SCORE = 0.75;
/** A second face this fraction of the main face's area or more makes the photo ambiguous. */
export const SIMILAR_SIZE = 0.5;
/**
 * A second face with less than this fraction of the main face's luma contrast is a ghost: a
 * reflection in a window or a screen, a faded print, not a second applicant.
 */
export const SIMILAR_CONTRAST = 0.5;
/**
 * Photos without an orientation tag: an upright face scoring under UPRIGHT_SURE_SCORE, or whose
 * landmarks lie sideways, is read in the three other turns too; a turn wins when it scores
 * TURN_MARGIN more (a face seen the right way up scores higher than the same face turned).
 */
export const UPRIGHT_SURE_SCORE = 0.8;
export const TURN_MARGIN = 0.05;
/** A face whose box lies this much inside a larger face's box is that face again. */
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

/** True when `face` lies mostly inside `other` (or the other way round): one face seen twice. */
export function sameFace(face: SeenFace, other: SeenFace): boolean {
	const smaller = Math.min(faceArea(face), faceArea(other));
	return (
		smaller === 0 ||
		intersection(boxCorners(face), boxCorners(other)) / smaller >= SAME_FACE_OVERLAP
	);
}

/**
 * The faces of one view (or of tiles put together) that count, judged; null when none does.
 * `contrastOf` measures a face's luma contrast in the picture (measures.ts): faces with less than
 * SIMILAR_CONTRAST of the clearest face's are ghosts and do not count; without it, all count.
 */
export function judgeFaces(
	faces: readonly SeenFace[],
	threshold: number,
	contrastOf?: (face: SeenFace) => number,
): Judgement | null {
	const confident = faces
		.filter((face) => face.score >= threshold)
		.sort((a, b) => faceArea(b) - faceArea(a));
	let counted: SeenFace[] = [];
	for (const face of confident) {
		if (!counted.some((kept) => sameFace(face, kept))) counted.push(face);
	}
	if (contrastOf && counted.length > 1) {
		// Ghosts go before the main face is chosen: a reflection may be the larger box.
		const contrasts = counted.map(contrastOf);
		const clearest = Math.max(...contrasts);
		counted = counted.filter((_, index) => contrasts[index] >= SIMILAR_CONTRAST * clearest);
	}
	if (counted.length === 0) return null;
	const [main, ...others] = counted;
	const several = others.some((face) => faceArea(face) >= SIMILAR_SIZE * faceArea(main));
	return { verdict: several ? 'several_faces' : 'face', main, faces: counted };
}

/** The judgement of a whole-picture or centre reading (turned readings are held to more). */
export function judgeReading(
	reading: Reading,
	contrastOf?: (face: SeenFace) => number,
): Judgement | null {
	const threshold = reading.view.quarterTurns === 0 ? FACE_SCORE : TURNED_FACE_SCORE;
	return judgeFaces(reading.faces, threshold, contrastOf);
}
