/**
 * Real JPEG selfies of a chosen size for the bench: the test selfie (a real face, which Face Check
 * needs to let the photo through) with noise, which does not compress, so the file size follows
 * the pixel count: the height is adjusted until the file lands within 2% of the target.
 * Never above the target's `ceiling`, so a "1 MB" image stays under the node's default 1 MiB limit.
 */
import fs from 'node:fs';
import path from 'node:path';

import { makeJpeg } from '../test/fixtures/images';

/** The node's default Max Image Size (1024 KB): bench images meant to pass stay below it. */
export const NODE_DEFAULT_MAX_IMAGE_BYTES = 1024 * 1024;

/**
 * Noise that keeps the face: at 96 the detector still scores a 600x600 selfie 0.91 (0.68 at 160,
 * none left at 255).
 */
const NOISE = 96;
/** Bytes per pixel of makeJpeg's noisy image at quality 95, measured; only a first guess. */
const BYTES_PER_PIXEL = 1.65;
const TOLERANCE = 0.02;

export function jpegOfSize(targetBytes: number, ceiling = Number.POSITIVE_INFINITY): Buffer {
	const width = Math.max(16, Math.round(Math.sqrt(targetBytes / BYTES_PER_PIXEL)));
	let height = width;
	for (let attempt = 0; attempt < 8; attempt++) {
		const jpeg = makeJpeg(width, height, { noise: NOISE, seed: 7, quality: 95 });
		const close = Math.abs(jpeg.length - targetBytes) <= targetBytes * TOLERANCE;
		if (close && jpeg.length <= ceiling) return jpeg;
		height = Math.max(8, Math.round((height * targetBytes * (1 - TOLERANCE / 2)) / jpeg.length));
	}
	throw new Error(`could not make a JPEG of about ${targetBytes} bytes`);
}

/** `count` copies of one image as separate files, as n8n's filesystem binary mode keeps them. */
export function writeImageFiles(directory: string, image: Buffer, count: number): string[] {
	fs.mkdirSync(directory, { recursive: true });
	return Array.from({ length: count }, (_, index) => {
		const file = path.join(directory, `selfie-${String(index).padStart(4, '0')}.jpg`);
		fs.writeFileSync(file, image);
		return file;
	});
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(2)} MB`;
	return `${Math.round(bytes / 1000)} KB`;
}
