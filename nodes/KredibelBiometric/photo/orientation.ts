/**
 * Turns a decoded photo upright. Phones store the sensor's pixels as they come and record in EXIF
 * how to display them (CIPA DC-008 / Exif 2.3 section 4.6.4, tag 0x0112 Orientation, values as
 * in TIFF 6.0 section 8); the face-matching API does not read that tag, so the pixels themselves
 * are rotated or mirrored here before the photo is re-encoded without metadata.
 */

import { type Checkpoint, PhotoError, type Picture } from './picture';

/** Output rows handled between two checkpoints. */
const ROWS_PER_BAND = 64;

/**
 * Applies EXIF orientation 1-8 (CIPA DC-008 / Exif 2.3 tag 0x0112): returns the upright picture
 * (5-8 swap width and height). Orientation 1 (or any value outside 1-8, which Exif reserves)
 * returns the picture itself.
 *
 * The value says where the stored 0th row and 0th column are meant to be:
 * 1 top/left, 2 top/right (mirror), 3 bottom/right (180 degrees), 4 bottom/left (flip),
 * 5 left/top (transpose), 6 right/top (turn 90 degrees clockwise to view),
 * 7 right/bottom (transverse), 8 left/bottom (turn 90 degrees anticlockwise to view).
 */
export async function applyOrientation(
	picture: Picture,
	orientation: number,
	checkpoint?: Checkpoint,
): Promise<Picture> {
	if (!Number.isInteger(orientation) || orientation <= 1 || orientation > 8) return picture;
	const { width, height, channels, data } = picture;
	if (data.length < width * height * channels) {
		throw new PhotoError('corrupt', 'The picture has fewer samples than its size says.');
	}
	const swaps = orientation >= 5;
	const outWidth = swaps ? height : width;
	const outHeight = swaps ? width : height;
	const output = new Uint8Array(outWidth * outHeight * channels);

	// The source offset of output pixel (x, y) is origin + x * stepX + y * stepY: every
	// orientation is a walk over the source with a fixed step per output column and per row.
	const pixelRow = width * channels;
	const last = { x: (width - 1) * channels, y: (height - 1) * pixelRow };
	let origin: number;
	let stepX: number;
	let stepY: number;
	switch (orientation) {
		case 2: // mirror: out(x, y) = in(W-1-x, y)
			origin = last.x;
			stepX = -channels;
			stepY = pixelRow;
			break;
		case 3: // 180 degrees: out(x, y) = in(W-1-x, H-1-y)
			origin = last.x + last.y;
			stepX = -channels;
			stepY = -pixelRow;
			break;
		case 4: // flip: out(x, y) = in(x, H-1-y)
			origin = last.y;
			stepX = channels;
			stepY = -pixelRow;
			break;
		case 5: // transpose: out(x, y) = in(y, x)
			origin = 0;
			stepX = pixelRow;
			stepY = channels;
			break;
		case 6: // 90 clockwise: out(x, y) = in(y, H-1-x)
			origin = last.y;
			stepX = -pixelRow;
			stepY = channels;
			break;
		case 7: // transverse: out(x, y) = in(W-1-y, H-1-x)
			origin = last.x + last.y;
			stepX = -pixelRow;
			stepY = -channels;
			break;
		default: // 8, 90 anticlockwise: out(x, y) = in(W-1-y, x)
			origin = last.x;
			stepX = pixelRow;
			stepY = -channels;
			break;
	}

	for (let y = 0, target = 0; y < outHeight; y++) {
		let source = origin + y * stepY;
		if (channels === 3) {
			for (let x = 0; x < outWidth; x++, source += stepX, target += 3) {
				output[target] = data[source];
				output[target + 1] = data[source + 1];
				output[target + 2] = data[source + 2];
			}
		} else {
			for (let x = 0; x < outWidth; x++, source += stepX) output[target++] = data[source];
		}
		if (y % ROWS_PER_BAND === ROWS_PER_BAND - 1) await checkpoint?.();
	}
	return { width: outWidth, height: outHeight, channels, data: output };
}
