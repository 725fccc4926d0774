/**
 * The face check's evaluation cases: every picture of the set (manifest.ts) as it is, and scenes
 * made from each portrait by code (turned with and without an orientation tag, dark, grey, a
 * 320x240 webcam frame, mirrored, a small face in a big frame, two faces side by side, a KTP-sized
 * card held next to the face, a person far behind, a faint reflection, half a face at the edge),
 * and flat and noisy pictures. Each case says what a right answer is.
 */
import fs from 'node:fs';
import path from 'node:path';

import { findFaces, type FaceFinding } from '../../nodes/KredibelBiometric/face';
import type { Picture } from '../../nodes/KredibelBiometric/photo';
import { EVAL_SOURCES, type EvalSource } from './manifest';
import {
	blank,
	crop,
	darken,
	decodeImage,
	fitLongSide,
	mirror,
	noise,
	paste,
	resize,
	toGrey,
	turnClockwise,
} from './pictures';

/**
 * - `face`: must not be refused, `several_faces` is wrong too; `quarterTurns` must match when set;
 * - `several_faces`: `several_faces` expected (a refusal as `no_face` is a miss, not a harm);
 * - `no_face`: should be refused;
 * - `either`: any answer is acceptable (half a face, crowds): reported, not scored.
 */
export type Expected = 'face' | 'several_faces' | 'no_face' | 'either';

export interface EvalCase {
	name: string;
	picture: Picture;
	mayTurn: boolean;
	expected: Expected;
	quarterTurns?: 0 | 1 | 2 | 3;
	/** The portrait a scene was made from, or the source itself. */
	source: string;
}

export function loadSource(directory: string, source: EvalSource): Picture {
	return decodeImage(new Uint8Array(fs.readFileSync(path.join(directory, source.file))));
}

function texture(width: number, height: number, seed: number): Picture {
	const random = noise(seed);
	const canvas = blank(width, height, [0, 0, 0]);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const base = 90 + 60 * Math.sin(x / 37) * Math.cos(y / 53);
			for (let channel = 0; channel < 3; channel++) {
				canvas.data[(y * width + x) * 3 + channel] = Math.max(
					0,
					Math.min(255, base + channel * 15 + random() * 40),
				);
			}
		}
	}
	return canvas;
}

/** Where the face is in an upright portrait, in pixels (found by the detector itself). */
async function faceBox(portrait: Picture, finding?: FaceFinding) {
	const found = finding ?? (await findFaces(portrait, { mayTurn: false }));
	if (!found.box) return undefined;
	return {
		x: found.box.x * portrait.width,
		y: found.box.y * portrait.height,
		width: found.box.width * portrait.width,
		height: found.box.height * portrait.height,
	};
}

/** The scenes made from one upright portrait. */
export async function portraitScenes(name: string, portrait: Picture): Promise<EvalCase[]> {
	const { width, height } = portrait;
	const scene = (
		suffix: string,
		picture: Picture,
		expected: Expected,
		extra: Partial<EvalCase> = {},
	): EvalCase => ({
		name: `${name} ${suffix}`,
		picture,
		mayTurn: true,
		expected,
		source: name,
		...extra,
	});
	const cases: EvalCase[] = [
		scene('as is', portrait, 'face'),
		scene('upright, tag applied', portrait, 'face', { mayTurn: false, quarterTurns: 0 }),
		// A phone held sideways without a tag: stored turned; the detector must turn it back.
		scene('sideways left, no tag', turnClockwise(portrait, 3), 'face', { quarterTurns: 1 }),
		scene('sideways right, no tag', turnClockwise(portrait, 1), 'face', { quarterTurns: 3 }),
		scene('upside down, no tag', turnClockwise(portrait, 2), 'face', { quarterTurns: 2 }),
		scene('dark', darken(portrait, 0.25), 'face'),
		scene('grey', toGrey(portrait), 'face'),
		scene('mirrored', mirror(portrait), 'face'),
	];
	// A 320x240 webcam frame: the portrait in the middle of a 4:3 frame.
	const webcam = texture(
		Math.max(width, Math.round((height * 4) / 3)),
		Math.max(height, Math.round((width * 3) / 4)),
		5,
	);
	paste(webcam, portrait, (webcam.width - width) / 2, (webcam.height - height) / 2);
	cases.push(scene('webcam 320x240', resize(webcam, 320, 240), 'face'));
	// Two people side by side, same size.
	const pair = texture(2 * width, height, 7);
	paste(pair, portrait, 0, 0);
	paste(pair, mirror(portrait), width, 0);
	cases.push(scene('two side by side', pair, 'several_faces'));
	const box = await faceBox(portrait);
	if (!box) return cases;
	// Small in a big frame: scaled so that the face is 5% of the long side of a 1024x768 picture.
	const big = texture(1024, 768, 11);
	const scale = (0.05 * 1024) / Math.max(box.width, box.height);
	const small = fitLongSide(portrait, Math.round(Math.max(width, height) * scale));
	paste(big, small, 620, 300);
	cases.push(scene('small in a big frame (face 5% of the long side)', big, 'face'));
	// A KTP card (85.6 x 54 mm: about half a face wide) held next to the face, its photo a
	// quarter of the card wide, showing the same face.
	const cardWidth = Math.round(box.width * 0.6);
	const cardHeight = Math.round((cardWidth * 54) / 85.6);
	const withCard = texture(width + cardWidth + 40, height, 13);
	paste(withCard, portrait, 0, 0);
	const card = blank(cardWidth, cardHeight, [180, 205, 235]);
	const cardFace = crop(
		portrait,
		box.x - box.width * 0.2,
		box.y - box.height * 0.3,
		box.width * 1.4,
		box.height * 1.8,
	);
	const cardPhoto = resize(
		cardFace,
		Math.max(4, Math.round(cardWidth * 0.25)),
		Math.max(5, Math.round(cardWidth * 0.32)),
	);
	paste(card, cardPhoto, cardWidth * 0.68, cardHeight * 0.25);
	for (let line = 0; line < 5; line++) {
		paste(
			card,
			blank(Math.round(cardWidth * 0.5), Math.max(1, Math.round(cardHeight * 0.05)), [40, 40, 60]),
			cardWidth * 0.08,
			cardHeight * (0.25 + 0.12 * line),
		);
	}
	paste(withCard, card, box.x + box.width + 20, box.y + box.height * 0.2);
	cases.push(scene('KTP card held next to the face', withCard, 'face'));
	// Someone far behind: the same picture at a third of the size, beside the head.
	const behind = texture(Math.round(width * 1.5), height, 17);
	paste(behind, portrait, 0, 0);
	paste(
		behind,
		fitLongSide(mirror(portrait), Math.round(Math.max(width, height) / 3)),
		width + 10,
		10,
	);
	cases.push(scene('person far behind', behind, 'face'));
	// A faint reflection in a window beside the applicant: the mirrored portrait at 30% over the
	// plain grey of the glass.
	const reflection = texture(2 * width, height, 19);
	paste(reflection, portrait, 0, 0);
	paste(reflection, blank(width, height, [110, 118, 125]), width, 0);
	paste(reflection, mirror(portrait), width, 0, 0.3);
	cases.push(scene('faint reflection beside', reflection, 'face'));
	// Half the face outside the frame: either answer is acceptable.
	const half = crop(portrait, box.x + box.width / 2, 0, width, height);
	if (half.width > 16) cases.push(scene('half a face at the edge', half, 'either'));
	return cases;
}

/** Pictures no face detector should see a face in: flat, noisy, gradients, stripes. */
export function syntheticNoFace(): EvalCase[] {
	const make = (name: string, picture: Picture): EvalCase => ({
		name,
		picture,
		mayTurn: true,
		expected: 'no_face',
		source: 'synthetic',
	});
	const random = noise(23);
	const noisy = blank(640, 480, [0, 0, 0]);
	noisy.data.forEach((_, index) => (noisy.data[index] = Math.floor(random() * 256)));
	const gradient = blank(640, 480, [0, 0, 0]);
	const stripes = blank(640, 480, [0, 0, 0]);
	for (let y = 0; y < 480; y++) {
		for (let x = 0; x < 640; x++) {
			gradient.data.set([x / 2.5, y / 1.9, 128], (y * 640 + x) * 3);
			stripes.data.fill(
				Math.floor(x / 20) % 2 ? 230 : 30,
				(y * 640 + x) * 3,
				(y * 640 + x) * 3 + 3,
			);
		}
	}
	return [
		make('flat grey', blank(640, 480, [128, 128, 128])),
		make('black', blank(640, 480, [0, 0, 0])),
		make('white', blank(480, 640, [255, 255, 255])),
		make('noise', noisy),
		make('gradient', gradient),
		make('stripes', stripes),
		make('texture', texture(800, 600, 29)),
	];
}

/** Every case of the set in `directory` (see scripts/face-eval.ts). */
export async function buildCases(directory: string): Promise<EvalCase[]> {
	const cases: EvalCase[] = [];
	for (const source of EVAL_SOURCES) {
		const picture = loadSource(directory, source);
		if (source.kind === 'portrait') {
			cases.push(...(await portraitScenes(source.file, picture)));
		} else {
			const expected: Expected =
				source.kind === 'group' ? 'several_faces' : source.kind === 'crowd' ? 'either' : 'no_face';
			cases.push({ name: source.file, picture, mayTurn: true, expected, source: source.file });
			if (source.kind === 'no_face') {
				cases.push({
					name: `${source.file} grey`,
					picture: toGrey(picture),
					mayTurn: true,
					expected,
					source: source.file,
				});
			}
		}
	}
	return [...cases, ...syntheticNoFace()];
}
