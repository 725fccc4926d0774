/**
 * What every stage of the photo code hands to the next: decoded pixels, the failure a hostile or
 * broken file turns into, and the hook that lets long loops give the event loop back. Kept in one
 * small file with no imports so that decoders, encoders and transforms depend on it and on
 * nothing else (no n8n, no Node module).
 */

/**
 * Interleaved 8-bit samples, row by row, top to bottom: 1 channel (grey), 3 (R, G, B) or 4 (C, M,
 * Y, K exactly as libjpeg's JCS_CMYK output gives them: for Adobe files, as Adobe stores them,
 * inverted, 255 meaning no ink). Only the JPEG decoder makes 4-channel pictures, and only when
 * asked; the photo path turns them into RGB at once (colourTransform.ts cmykPictureToSrgb), so
 * the rest of the pipeline works on 1 or 3 channels.
 */
export interface Picture {
	width: number;
	height: number;
	channels: 1 | 3 | 4;
	data: Uint8Array;
}

/**
 * Why a photo could not be read or made to fit:
 * - `corrupt`: the bytes break the format (truncated, bad marker, bad Huffman code, bad CRC);
 * - `unsupported`: a valid file of a kind this code does not convert (e.g. 12-bit JPEG, arithmetic coding);
 * - `too_large`: above the input limits (bytes or pixels), from the header or while decoding;
 * - `cancelled`: the checkpoint said the execution was stopped.
 */
export type PhotoErrorKind = 'corrupt' | 'unsupported' | 'too_large' | 'cancelled';

/**
 * Optional details for the message the user sees: `fix` says how to make the photo work (e.g.
 * "save it again as an ordinary JPEG"); `limit: 'output'` says the limit met is the item's own
 * size limit (Max Image Size), not an input limit, so raising it is the fix.
 */
export interface PhotoErrorDetails {
	fix?: string;
	limit?: 'input' | 'output';
}

export class PhotoError extends Error {
	constructor(
		readonly kind: PhotoErrorKind,
		message: string,
		readonly details: PhotoErrorDetails = {},
	) {
		super(message);
		this.name = 'PhotoError';
	}
}

/** The one way the codec says "these bytes break their format" (damaged, cut or forged). */
export function corrupt(message: string): PhotoError {
	return new PhotoError('corrupt', message);
}

/**
 * Called by long loops between units of work (an MCU row, a PNG scanline band). The caller
 * decides when to really yield (e.g. every ~20 ms) and may throw a `PhotoError('cancelled')`.
 * Cheap when it has nothing to do, so calling it often costs nothing.
 */
export type Checkpoint = () => Promise<void> | void;

/** Input limits checked from headers before decoding, and again while decoding. */
export const MAX_INPUT_BYTES = 25 * 1024 * 1024;
export const MAX_INPUT_PIXELS = 50_000_000;
