/**
 * What the face check reports about the face it found, never uses to refuse (nobody knows yet
 * where Kredibel's own blur limit lies): `brightness`, the mean luma (BT.601) over the face box,
 * 0-1; and `sharpness`, the variance of the 4-neighbour Laplacian of that luma (0-255 scale) over
 * the box, on the picture's own pixels: the common blur measure ("variance of the Laplacian").
 * In-focus faces at 640-1024 px score in the hundreds, blurred ones in the tens or below; a
 * smaller picture of the same face scores higher, so compare photos of similar size.
 */
import type { Picture } from '../photo';
import { turnedSize, type FaceBox, type QuarterTurns } from './views';

export interface FaceMeasures {
	sharpness: number | null;
	brightness: number | null;
}

/** The face box (0-1 of the turned picture) as a pixel rectangle of the picture as stored. */
export function boxInStoredPicture(
	picture: Pick<Picture, 'width' | 'height'>,
	quarterTurns: QuarterTurns,
	box: FaceBox,
): { left: number; top: number; right: number; bottom: number } {
	const { width, height } = picture;
	const turned = turnedSize(picture, quarterTurns);
	const x0 = box.x * turned.width;
	const x1 = (box.x + box.width) * turned.width;
	const y0 = box.y * turned.height;
	const y1 = (box.y + box.height) * turned.height;
	// The inverse of the turn, as in views.ts: each turned edge is an edge of the stored picture.
	const [left, right, top, bottom] =
		quarterTurns === 1
			? [y0, y1, turned.width - x1, turned.width - x0]
			: quarterTurns === 2
				? [width - x1, width - x0, height - y1, height - y0]
				: quarterTurns === 3
					? [width - y1, width - y0, x0, x1]
					: [x0, x1, y0, y1];
	// Whole pixels touched by the box; a hair of float error (0.2 * 30 = 6.000000000000001) must
	// not add a row.
	const EPSILON = 1e-9;
	return {
		left: Math.max(0, Math.floor(left + EPSILON)),
		right: Math.min(width, Math.ceil(right - EPSILON)),
		top: Math.max(0, Math.floor(top + EPSILON)),
		bottom: Math.min(height, Math.ceil(bottom - EPSILON)),
	};
}

/** The luma (0-255) of the face box's pixels, row by row, with the box's size. */
function faceLuma(picture: Picture, quarterTurns: QuarterTurns, box: FaceBox) {
	const { left, right, top, bottom } = boxInStoredPicture(picture, quarterTurns, box);
	const boxWidth = Math.max(0, right - left);
	const boxHeight = Math.max(0, bottom - top);
	const { width, channels, data } = picture;
	const luma = new Float32Array(boxWidth * boxHeight);
	for (let y = 0; y < boxHeight; y++) {
		for (let x = 0; x < boxWidth; x++) {
			const at = ((top + y) * width + left + x) * channels;
			luma[y * boxWidth + x] =
				channels === 1 ? data[at] : 0.299 * data[at] + 0.587 * data[at + 1] + 0.114 * data[at + 2];
		}
	}
	return { luma, boxWidth, boxHeight };
}

/** Standard deviation of the luma over the face box (0 for an empty box): its contrast. */
export function faceContrast(picture: Picture, quarterTurns: QuarterTurns, box: FaceBox): number {
	const { luma } = faceLuma(picture, quarterTurns, box);
	if (luma.length === 0) return 0;
	let sum = 0;
	let squares = 0;
	for (const value of luma) {
		sum += value;
		squares += value * value;
	}
	const mean = sum / luma.length;
	return Math.sqrt(Math.max(0, squares / luma.length - mean * mean));
}

export function measureFace(
	picture: Picture,
	quarterTurns: QuarterTurns,
	box: FaceBox,
): FaceMeasures {
	const { luma, boxWidth, boxHeight } = faceLuma(picture, quarterTurns, box);
	if (luma.length === 0) return { sharpness: null, brightness: null };
	let sum = 0;
	for (const value of luma) sum += value;
	const brightness = sum / luma.length / 255;
	if (boxWidth < 3 || boxHeight < 3) return { sharpness: null, brightness };
	let count = 0;
	let mean = 0;
	let squares = 0;
	for (let y = 1; y < boxHeight - 1; y++) {
		for (let x = 1; x < boxWidth - 1; x++) {
			const at = y * boxWidth + x;
			const laplacian =
				luma[at - 1] + luma[at + 1] + luma[at - boxWidth] + luma[at + boxWidth] - 4 * luma[at];
			count++;
			mean += laplacian;
			squares += laplacian * laplacian;
		}
	}
	mean /= count;
	return { sharpness: squares / count - mean * mean, brightness };
}
