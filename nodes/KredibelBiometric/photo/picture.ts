/**
 * What every stage of the photo code hands to the next: decoded pixels, the failure a hostile or
 * broken file turns into, and the hook that lets long loops give the event loop back. Kept in one
 * small file with no imports so that decoders, encoders and transforms depend on it and on
 * nothing else (no n8n, no Node module).
 */

/** Interleaved 8-bit samples, row by row, top to bottom: 1 channel (grey) or 3 (R, G, B). */
export interface Picture {
	width: number;
	height: number;
	channels: 1 | 3;
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

export class PhotoError extends Error {
	constructor(
		readonly kind: PhotoErrorKind,
		message: string,
	) {
		super(message);
		this.name = 'PhotoError';
	}
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
