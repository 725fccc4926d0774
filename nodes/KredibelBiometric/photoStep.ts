/**
 * Prepare Photo for one item: hands a JPEG or PNG to the photo room (upright, without metadata,
 * within Max Image Size), lets n8n's event loop run while it works, stops it when the execution
 * is cancelled, and turns what the photo room reports into the item's Failure.
 */
import { type Failure, localFailure, yieldingCheckpoint } from './common';
import { PREPARED_HINTS } from './image';
import { type PhotoChanges, PhotoError, type Picture, preparePhoto } from './photo';

/**
 * The `photo` record of an item: what Prepare Photo changed, and the quarter turn (in degrees,
 * clockwise) Face Check added for a photo held sideways without an orientation tag.
 */
export type PhotoRecord = PhotoChanges & { turnedForFace?: number };

export type PreparedBytes =
	| {
			ok: true;
			bytes: Buffer;
			photo: PhotoChanges | null /* null: sent byte for byte */;
			/** The decoded upright picture, for the face check (every photo is decoded before sending). */
			preview: Picture;
			/** Whether the photo carried an EXIF orientation tag. */
			orientationTagged: boolean;
	  }
	| { ok: false; failure: Failure };

/** `extraQuarterTurns`: clockwise quarter turns after the orientation tag (the face check's). */
export async function preparePhotoBytes(
	bytes: Buffer,
	maxImageBytes: number,
	isCancelled: () => boolean,
	extraQuarterTurns: 0 | 1 | 2 | 3 = 0,
): Promise<PreparedBytes> {
	const prepared = await preparePhoto(bytes, {
		maxBytes: maxImageBytes,
		checkpoint: yieldingCheckpoint(
			isCancelled,
			() => new PhotoError('cancelled', 'The execution was cancelled'),
		),
		extraQuarterTurns,
	});
	if (!prepared.ok) return { ok: false, failure: photoFailure(prepared.error) };
	const { preview, orientationTagged } = prepared;
	if (prepared.changes === null)
		return { ok: true, bytes, photo: null, preview, orientationTagged };
	const { buffer, byteOffset, byteLength } = prepared.bytes;
	return {
		ok: true,
		bytes: Buffer.from(buffer, byteOffset, byteLength),
		photo: prepared.changes,
		preview,
		orientationTagged,
	};
}

/**
 * A photo that cannot be prepared fails its own item, before any request (free). A damaged file
 * is `unsupported_image_format` too: Kredibel could not read it either, and the table of error
 * types stays the one the README documents; the reason says it is damaged.
 */
function photoFailure(error: PhotoError): Failure {
	switch (error.kind) {
		case 'cancelled':
			return localFailure(
				'cancelled',
				error.message,
				'The execution was stopped; run it again to verify this item.',
			);
		case 'too_large':
			return localFailure(
				'image_too_large',
				error.message,
				error.details.limit === 'output' ? PREPARED_HINTS.maxImageSize : PREPARED_HINTS.tooLarge,
			);
		case 'unsupported':
			// A kind the codec names itself (arithmetic, 12-bit, lossless JPEG) comes with its fix.
			return error.details.fix
				? localFailure('unsupported_image_format', error.message, error.details.fix)
				: localFailure(
						'unsupported_image_format',
						`The photo is of a kind the node cannot convert: ${error.message}`,
						PREPARED_HINTS.format,
					);
		default:
			return localFailure(
				'unsupported_image_format',
				`The photo is damaged and could not be read (${error.message})`,
				'Send the original file again: it was probably cut off or changed on the way (an upload, a copy of its base64 text).',
			);
	}
}
