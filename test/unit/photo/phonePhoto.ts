/**
 * Why this file exists: the photo tests, the engine tests and the bench all need the same "phone
 * photo" (12 MP, about 4 MB, stored sideways with EXIF orientation 6, GPS, device and time) without
 * a binary file in the repository. It is made by code, encoded by cjpeg and given a hand-built
 * EXIF APP1; a green square marks the stored picture's top-left corner, so a test can see where
 * the camera meant that corner to be. The codec's pictures come from syntheticPhoto.ts; the
 * applicant's phone selfie (the 12 MP photo) is the committed portrait (test/fixtures/selfie.ts)
 * stored sideways, since Face Check refuses a photo without a face. Both carry noise in brightness
 * only, as a phone's denoised output: per-channel noise is chroma detail that 4:2:0 drops, and
 * caps any encoder (cjpeg included) near 30 dB against the original.
 *
 * Synthesising 12 MP takes seconds (ten times longer under Jest), so encoded files are kept in
 * the system's temporary folder, keyed by the arguments and this file's version.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { turnClockwise } from '../../face-eval/pictures';
import { selfiePicture } from '../../fixtures/selfie';
import { exifBody, segment, withSegments } from './exifFixture';
import { cjpeg } from './photoFixtures';
import { encodePng } from './pngFixtures';
import { seededRandom, syntheticPhoto } from './syntheticPhoto';

const CACHE_VERSION = 2;
const CACHE_FOLDER = join(tmpdir(), 'kredibel-photo-fixtures');

/** The marker's colour and size (in stored pixels, at the stored top-left corner). */
export const MARKER_RGB = [0, 255, 0] as const;
export const MARKER_FRACTION = 0.06;

/** A photo-like picture with the green marker square in its stored top-left corner. */
export function markedPhoto(width: number, height: number, channels: 1 | 3 = 3, seed = 7): Picture {
	return withMarker(syntheticPhoto(width, height, channels, seed));
}

/** Clockwise quarter turns from the upright picture to the stored one, per EXIF orientation. */
const STORED_TURNS: Record<number, number> = { 1: 0, 3: 2, 6: 3, 8: 1 };

/**
 * The applicant's selfie as a phone stores it: `width` x `height` stored pixels that the EXIF
 * `orientation` (1, 3, 6 or 8) turns upright, with sensor-like noise in brightness and the marker
 * in the stored top-left corner.
 */
export function markedSelfie(width: number, height: number, orientation: number): Picture {
	const sideways = orientation === 6 || orientation === 8;
	const upright = sideways ? selfiePicture(height, width) : selfiePicture(width, height);
	const stored = turnClockwise(upright, STORED_TURNS[orientation]);
	const random = seededRandom(7);
	for (let pixel = 0; pixel < width * height; pixel++) {
		const noise = (random() - 0.5) * 10;
		for (let c = 0; c < 3; c++) {
			const value = stored.data[pixel * 3 + c] + noise;
			stored.data[pixel * 3 + c] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
		}
	}
	return withMarker(stored);
}

function withMarker(picture: Picture): Picture {
	const { width, height, channels } = picture;
	const side = Math.max(2, Math.round(Math.min(width, height) * MARKER_FRACTION));
	for (let y = 0; y < side; y++) {
		for (let x = 0; x < side; x++) {
			const i = (y * width + x) * channels;
			if (channels === 3) picture.data.set(MARKER_RGB, i);
			else picture.data[i] = 255;
		}
	}
	return picture;
}

export type Corner = 'top-left' | 'top-right' | 'bottom-right' | 'bottom-left';

/** Where the stored top-left corner belongs once upright (CIPA DC-008, tag 0x0112). */
export const STORED_TOP_LEFT_GOES_TO: Record<number, Corner> = {
	1: 'top-left',
	2: 'top-right',
	3: 'bottom-right',
	4: 'bottom-left',
	5: 'top-left',
	6: 'top-right',
	7: 'bottom-right',
	8: 'bottom-left',
};

/** Which corners of a decoded picture hold the green marker (sampled a little inside each). */
export function markedCorners(picture: Picture): Corner[] {
	const inset = Math.max(
		1,
		Math.round(Math.min(picture.width, picture.height) * MARKER_FRACTION * 0.4),
	);
	const at: Record<Corner, [number, number]> = {
		'top-left': [inset, inset],
		'top-right': [picture.width - 1 - inset, inset],
		'bottom-right': [picture.width - 1 - inset, picture.height - 1 - inset],
		'bottom-left': [inset, picture.height - 1 - inset],
	};
	return (Object.keys(at) as Corner[]).filter((corner) => {
		const [x, y] = at[corner];
		const i = (y * picture.width + x) * picture.channels;
		if (picture.channels === 1) return picture.data[i] > 235;
		return picture.data[i] < 60 && picture.data[i + 1] > 200 && picture.data[i + 2] < 60;
	});
}

/** Whether the bytes contain this text (Latin-1), e.g. a camera make left in metadata. */
export function hasText(bytes: Uint8Array, text: string): boolean {
	return Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));
}

/** The EXIF APP1 a phone writes: orientation, Make, Model, DateTime and a GPS IFD. */
export function phoneExif(orientation: number): Uint8Array {
	return segment(
		0xe1,
		exifBody({ byteOrder: 'II', orientation, make: 'PhoneMakerCorp', model: 'SecretModel X12' }),
	);
}

const cache = new Map<string, Uint8Array>();

/** Bytes made once per machine and kept in the temporary folder (`key` says what they are). */
export function cachedOnDisk(key: string, make: () => Uint8Array): Uint8Array {
	const name = createHash('sha256').update(`${CACHE_VERSION} ${key}`).digest('hex').slice(0, 20);
	const path = join(CACHE_FOLDER, name);
	if (existsSync(path)) return new Uint8Array(readFileSync(path));
	const bytes = make();
	mkdirSync(CACHE_FOLDER, { recursive: true });
	// Written aside and renamed, so that a parallel test never reads half a file.
	const partial = `${path}.${process.pid}.part`;
	writeFileSync(partial, bytes);
	renameSync(partial, path);
	return bytes;
}

/**
 * A JPEG from cjpeg (`args`, e.g. ['-quality', '95']) of a marked photo of this size, with the
 * phone EXIF for `orientation` (none when 0). Cached per arguments within a test file.
 */
export function phoneJpeg(
	width: number,
	height: number,
	orientation: number,
	args: string[] = ['-quality', '95'],
	channels: 1 | 3 = 3,
): Uint8Array {
	const key = [width, height, channels, ...args].join(' ');
	let jpeg = cache.get(key);
	if (!jpeg) {
		jpeg = cachedOnDisk(key, () => cjpeg(markedPhoto(width, height, channels), args));
		cache.set(key, jpeg);
	}
	return orientation === 0 ? jpeg : withSegments(jpeg, phoneExif(orientation));
}

/**
 * The 12 MP (4000x3000), 3.5-4 MB sideways phone selfie of the issue (cjpeg quality 96, EXIF
 * orientation 6): the portrait, upright once the tag is applied.
 */
export function twelveMegapixelPhoto(): Uint8Array {
	const args = ['-quality', '96'];
	const jpeg =
		cache.get('selfie') ??
		cachedOnDisk(`selfie 4000 3000 6 ${args.join(' ')}`, () =>
			cjpeg(markedSelfie(4000, 3000, 6), args),
		);
	cache.set('selfie', jpeg);
	return withSegments(jpeg, phoneExif(6));
}

/** A clean RGB PNG (signature, IHDR, one IDAT, IEND) of a marked photo, kept on disk like the JPEGs. */
export function phonePng(width: number, height: number): Uint8Array {
	return cachedOnDisk(`png ${width} ${height}`, () => {
		const picture = markedPhoto(width, height);
		return encodePng(
			{ width, height, bitDepth: 8, colourType: 2, samples: picture.data },
			{ filters: [4] },
		);
	});
}
