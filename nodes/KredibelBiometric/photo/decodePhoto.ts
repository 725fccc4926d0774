/**
 * Why this file exists: the face check looks at pixels, and preparation does not always decode
 * a photo it sends (a PNG sent as it is) or does not run at all (Prepare Photo off). This decodes
 * such a photo for looking only: upright by its EXIF orientation, a JPEG at the DCT scale nearest
 * the preview size, within the same PhotoBudget as preparation, never throwing.
 */
import { PhotoBudget } from './budget';
import { readJpeg } from './jpegDecode';
import { readJpegHeaderPaced } from './jpegHeader';
import { isJpeg } from './jpegSegments';
import { applyOrientation } from './orientation';
import { type Checkpoint, PhotoError, type Picture } from './picture';
import { decodePng } from './pngDecode';
import { isPng } from './pngChunks';
import { readPngOrientationTag } from './pngTags';
import { WorkMeter } from './workMeter';
import {
	asPhotoError,
	checkPhotoHeader,
	decodeScale,
	guardCheckpoint,
	MAX_LOST_FRACTION,
	PREVIEW_LONG_SIDE,
} from './preparePhoto';

export type DecodedPhoto =
	| {
			ok: true;
			/** Upright (its orientation tag applied), as a viewer shows it. */
			picture: Picture;
			/** Whether the photo carried an orientation tag (1 included). */
			orientationTagged: boolean;
	  }
	| { ok: false; error: PhotoError };

export async function decodePhoto(
	bytes: Uint8Array,
	options: { checkpoint?: Checkpoint } = {},
): Promise<DecodedPhoto> {
	const checkpoint = options.checkpoint ? guardCheckpoint(options.checkpoint) : undefined;
	try {
		const headerProblem = checkPhotoHeader(bytes);
		if (headerProblem) return { ok: false, error: headerProblem };
		const budget = new PhotoBudget(checkpoint);
		const pace = budget.callCheckpoint.bind(budget);
		if (isJpeg(bytes)) {
			const header = await readJpegHeaderPaced(bytes, budget);
			const longSide = Math.max(header.info.width, header.info.height);
			const reading = await readJpeg(
				bytes,
				{
					scale: decodeScale(longSide, PREVIEW_LONG_SIDE, 1),
					budget,
					refuseLostAbove: MAX_LOST_FRACTION,
				},
				header,
			);
			if (header.orientation >= 2) budget.claim(reading.pictureBytes, 'a turned picture');
			const picture = await applyOrientation(reading.picture, header.orientation, pace);
			return { ok: true, picture, orientationTagged: header.orientationTagged };
		}
		if (isPng(bytes)) {
			// Decoded row by row into the reduced picture, every buffer claimed on the budget (a small
			// file can claim a big picture: a flat 50 MP PNG compresses to kilobytes).
			const meter = new WorkMeter(budget);
			const { picture: stored, layout } = await decodePng(bytes, {
				maxLongSide: PREVIEW_LONG_SIDE,
				meter,
			});
			const tag = readPngOrientationTag(bytes, layout);
			if (tag !== null && tag >= 2) budget.claim(stored.data.length, 'a turned picture');
			const picture = await applyOrientation(stored, tag ?? 1, pace);
			return { ok: true, picture, orientationTagged: tag !== null };
		}
		return {
			ok: false,
			error: new PhotoError('unsupported', 'Only JPEG and PNG photos can be decoded'),
		};
	} catch (error) {
		return { ok: false, error: asPhotoError(error) };
	}
}
