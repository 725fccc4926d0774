/**
 * What the face check reports about the face it found, never uses to refuse (nobody knows yet
 * where Kredibel's own blur limit lies): `brightness`, the mean luma (BT.601) over the face box,
 * 0-1; and `sharpness`, the variance of the 4-neighbour Laplacian of that luma (0-255 scale) over
 * the box, on the picture's own pixels: the common blur measure ("variance of the Laplacian").
 * In-focus faces at 640-1024 px score in the hundreds, blurred ones in the tens or below; a
 * smaller picture of the same face scores higher, so compare photos of similar size. Also the
 * face's contrast, with which the decision tells a faint reflection from a second person. Each
 * costs a bounded amount of work between two checkpoints, whatever the picture's size.
 */
import type { Checkpoint, Picture } from '../photo';
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

/** Pixels measured between two checkpoints (a few hundred microseconds of work). */
export const PIXELS_PER_UNIT = 1 << 16;

/** The contrast is estimated from at most this many sample points along each side of the box. */
export const CONTRAST_SAMPLES = 128;

/** BT.601 luma (0-255) of the pixel whose first sample is at `at`. */
function lumaAt(data: Uint8Array, at: number, channels: number): number {
	return channels === 1 ? data[at] : 0.299 * data[at] + 0.587 * data[at + 1] + 0.114 * data[at + 2];
}

/**
 * Standard deviation of the luma over the face box (0 for an empty box): its contrast. Read on
 * an even grid of at most CONTRAST_SAMPLES x CONTRAST_SAMPLES pixels of the box, so that the
 * cost is bounded whatever the picture's size (it only tells a faint reflection from a face).
 */
export function faceContrast(picture: Picture, quarterTurns: QuarterTurns, box: FaceBox): number {
	const { left, right, top, bottom } = boxInStoredPicture(picture, quarterTurns, box);
	if (right <= left || bottom <= top) return 0;
	const { width, channels, data } = picture;
	const stepX = Math.ceil((right - left) / CONTRAST_SAMPLES);
	const stepY = Math.ceil((bottom - top) / CONTRAST_SAMPLES);
	let count = 0;
	let sum = 0;
	let squares = 0;
	for (let y = top; y < bottom; y += stepY) {
		for (let x = left; x < right; x += stepX) {
			const value = lumaAt(data, (y * width + x) * channels, channels);
			count++;
			sum += value;
			squares += value * value;
		}
	}
	const mean = sum / count;
	return Math.sqrt(Math.max(0, squares / count - mean * mean));
}

/** The luma of row `y`, pixels `left` to `right`, into `row`. */
function lumaRow(
	picture: Picture,
	y: number,
	left: number,
	right: number,
	row: Float32Array,
): void {
	const { width, channels, data } = picture;
	for (let x = left; x < right; x++)
		row[x - left] = lumaAt(data, (y * width + x) * channels, channels);
}

/**
 * Brightness and sharpness of the face box, on every pixel of it, three rows of luma at a time
 * (no buffer the size of the box), with the checkpoint after every PIXELS_PER_UNIT pixels: a face
 * filling a 12-megapixel photo costs no more memory than three of its rows and never holds the
 * event loop for long.
 */
export async function measureFace(
	picture: Picture,
	quarterTurns: QuarterTurns,
	box: FaceBox,
	checkpoint?: Checkpoint,
): Promise<FaceMeasures> {
	const { left, right, top, bottom } = boxInStoredPicture(picture, quarterTurns, box);
	const boxWidth = Math.max(0, right - left);
	const boxHeight = Math.max(0, bottom - top);
	if (boxWidth === 0 || boxHeight === 0) return { sharpness: null, brightness: null };
	const rowsPerUnit = Math.max(1, Math.floor(PIXELS_PER_UNIT / boxWidth));
	// rows[k % 3] holds the luma of box row k.
	const rows = [0, 1, 2].map(() => new Float32Array(boxWidth));
	let sum = 0;
	let count = 0;
	let mean = 0;
	let squares = 0;
	for (let k = 0; k < boxHeight; k++) {
		const row = rows[k % 3];
		lumaRow(picture, top + k, left, right, row);
		for (let x = 0; x < boxWidth; x++) sum += row[x];
		// With rows k - 2, k - 1 and k read, the Laplacian of row k - 1 (inner columns) is known.
		if (k >= 2 && boxWidth >= 3) {
			const above = rows[(k - 2) % 3];
			const middle = rows[(k - 1) % 3];
			for (let x = 1; x < boxWidth - 1; x++) {
				const laplacian = middle[x - 1] + middle[x + 1] + above[x] + row[x] - 4 * middle[x];
				count++;
				mean += laplacian;
				squares += laplacian * laplacian;
			}
		}
		if ((k + 1) % rowsPerUnit === 0) await checkpoint?.();
	}
	const brightness = sum / (boxWidth * boxHeight) / 255;
	if (count === 0) return { sharpness: null, brightness };
	mean /= count;
	return { sharpness: squares / count - mean * mean, brightness };
}
