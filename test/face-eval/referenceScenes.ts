/**
 * Why this file exists: the face detector is compared with MediaPipe's own runtime on the same
 * pictures. These are those pictures, made by code from the two small public-domain portraits
 * committed in test/fixtures/faces/ (see its NOTICE.md), so that the script that asks MediaPipe
 * (scripts/face-reference.ts) and the unit test that compares (test/unit/face/mediapipe.test.ts)
 * see exactly the same pixels.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Picture } from '../../nodes/KredibelBiometric/photo';
import {
	blank,
	darken,
	decodeImage,
	fitLongSide,
	mirror,
	paste,
	toGrey,
	toRgb,
	turnClockwise,
} from './pictures';

export const FACE_FIXTURES = path.join(__dirname, '..', 'fixtures', 'faces');

export function loadFixture(name: 'astronaut.jpg' | 'grace-hopper.jpg'): Picture {
	return decodeImage(new Uint8Array(fs.readFileSync(path.join(FACE_FIXTURES, name))));
}

export interface ReferenceScene {
	name: string;
	picture: Picture;
}

export function referenceScenes(): ReferenceScene[] {
	const astronaut = loadFixture('astronaut.jpg');
	const hopper = loadFixture('grace-hopper.jpg');
	const pair = blank(2 * hopper.width, hopper.height, [90, 110, 120]);
	paste(pair, hopper, 0, 0);
	paste(pair, mirror(hopper), hopper.width, 0);
	const wide = blank(640, 480, [200, 190, 170]);
	paste(wide, fitLongSide(astronaut, 200), 380, 120);
	return [
		{ name: 'astronaut', picture: astronaut },
		{ name: 'astronaut turned once clockwise', picture: turnClockwise(astronaut, 1) },
		{ name: 'astronaut dark', picture: darken(astronaut, 0.25) },
		{ name: 'astronaut grey', picture: toRgb(toGrey(astronaut)) },
		{ name: 'grace hopper', picture: hopper },
		{ name: 'grace hopper mirrored', picture: mirror(hopper) },
		{ name: 'two portraits side by side', picture: pair },
		{ name: 'astronaut small in a 640x480 frame', picture: wide },
	];
}
