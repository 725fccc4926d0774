/**
 * Face Check inside n8n-core (DESIGN.md "Face Check"): a photo with no face or two similar faces
 * is refused free and the stand-in receives nothing; `report` sends and reports; a portrait held
 * sideways without an orientation tag reaches the stand-in upright; with stop on error a no-face
 * photo stops the run before any request; a bad Face Check value is a configuration error naming
 * the item. The photos are the committed public-domain portraits and scenes made from them.
 */
import type { IDataObject } from 'n8n-workflow';

import { findFaces } from '../../nodes/KredibelBiometric/face';
import type { Picture } from '../../nodes/KredibelBiometric/photo';
import {
	blank,
	decodeImage,
	encodeJpeg,
	mirror,
	paste,
	turnClockwise,
} from '../face-eval/pictures';
import { loadFixture } from '../face-eval/referenceScenes';
import { SANDBOX_NIKS } from '../sandbox/server';
import {
	allItems,
	pairedIndexes,
	sandboxCredential,
	useSandbox,
	verifyWith,
} from './harness/fixtures';
import { AGENT_NODE, runWorkflow } from './harness/runWorkflow';
import type { InputItem } from './harness/testNodes';

const env = useSandbox();

const jpeg = (picture: Picture): Buffer => Buffer.from(encodeJpeg(picture, 90));
const hopper = loadFixture('grace-hopper.jpg');
/** jpeg-js writes no EXIF: these photos carry no orientation tag. */
const PORTRAIT = jpeg(hopper);
/** Held sideways: stored turned a quarter clockwise, so the face lies on its side. */
const SIDEWAYS = jpeg(turnClockwise(hopper, 1));
const TWO_PEOPLE = (() => {
	const pair = blank(2 * hopper.width, hopper.height, [90, 110, 120]);
	paste(pair, hopper, 0, 0);
	paste(pair, mirror(hopper), hopper.width, 0);
	return jpeg(pair);
})();
/** A wall: one flat colour. */
const WALL = jpeg(blank(640, 480, [128, 128, 128]));
/** Noise, which scores higher than a wall and still shows no face. */
const NOISE = (() => {
	const picture = blank(640, 480, [0, 0, 0]);
	let state = 7;
	picture.data.forEach((_, index) => {
		state = (state * 1664525 + 1013904223) >>> 0;
		picture.data[index] = state >>> 24;
	});
	return jpeg(picture);
})();

const applicant = (nik: string, bytes: Buffer): InputItem => ({
	json: { nik },
	binary: { data: { bytes } },
});

describe('Face Check refuse (the default)', () => {
	it('refuses a wall and a noise picture free, with what to retake, and sends nothing', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, WALL), applicant(SANDBOX_NIKS.noMatch, NOISE)],
		});
		const failed = run.output('Error');
		expect(pairedIndexes(failed)).toEqual([0, 1]);
		for (const [index, item] of failed.entries()) {
			expect(item.json).toMatchObject({
				errorType: 'no_face_found',
				charged: false,
				attempts: 0,
				faceCheck: { faces: 0, box: null, sharpness: null, brightness: null, refused: true },
			});
			expect(item.json.error).toMatch(new RegExp(`^\\[item ${index}\\] No face was found`));
			expect(item.json.description).toMatch(/facing the camera.*whole face.*light/);
			expect(item.json.description).toMatch(/Face Check to Report Only or Off/);
		}
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('refuses two people of similar size as several_faces, free, and sends nothing', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, TWO_PEOPLE)],
		});
		const [item] = run.output('Error');
		expect(item.json).toMatchObject({
			errorType: 'several_faces',
			charged: false,
			faceCheck: { faces: 2, refused: true },
		});
		expect(item.json.error).toMatch(/^\[item 0\] The photo shows 2 faces of similar size/);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('sends a portrait and says what it saw: one face, its box in the sent picture, sharpness, brightness', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, PORTRAIT)],
		});
		const [item] = allItems(run);
		expect(item.json.result).toBe('match');
		const faceCheck = item.json.faceCheck as IDataObject;
		expect(faceCheck).toMatchObject({ faces: 1, refused: false });
		expect(faceCheck.score).toBeGreaterThan(0.65);
		const box = faceCheck.box as { x: number; y: number; width: number; height: number };
		// The detector's own reading of the bytes the stand-in received gives the same box.
		const [entry] = env.biometricRequests();
		const seen = await findFaces(decodeImage(entry.faceImage as Buffer), { mayTurn: false });
		expect(seen.box).not.toBeNull();
		for (const side of ['x', 'y', 'width', 'height'] as const) {
			expect(Math.abs(box[side] - seen.box![side])).toBeLessThan(0.002);
		}
		expect(faceCheck.sharpness).toBeGreaterThan(0);
		expect(faceCheck.brightness).toBeGreaterThan(0);
		expect(faceCheck.brightness).toBeLessThan(1);
	});

	it('sends a sideways portrait without an orientation tag upright, and records the turn', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, SIDEWAYS)],
		});
		const [item] = allItems(run);
		expect(item.json.result).toBe('match');
		const [entry] = env.biometricRequests();
		const sent = decodeImage(entry.faceImage as Buffer);
		// Stored 218x256; sent as the portrait was taken, 256 wide and 218 high.
		expect([sent.width, sent.height]).toEqual([hopper.width, hopper.height]);
		const seen = await findFaces(sent, { mayTurn: true });
		expect(seen).toMatchObject({ verdict: 'face', quarterTurns: 0 });
		expect(item.json.photo).toMatchObject({
			reencoded: true,
			orientationApplied: null,
			turnedForFace: 270,
			widthBefore: hopper.height,
			heightBefore: hopper.width,
			widthAfter: hopper.width,
			heightAfter: hopper.height,
		});
		expect(item.json.faceCheck).toMatchObject({ faces: 1, refused: false });
	});

	it('with Prepare Photo off, refuses a wall, and reports the turn a sideways photo needs without altering its bytes', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, WALL), applicant(SANDBOX_NIKS.match, SIDEWAYS)],
			options: { preparePhoto: false, dedupe: false },
		});
		const [refused] = run.output('Error');
		expect(pairedIndexes([refused])).toEqual([0]);
		expect(refused.json).toMatchObject({ errorType: 'no_face_found', charged: false });
		const [sent] = env.biometricRequests();
		expect(Buffer.compare(sent.faceImage as Buffer, SIDEWAYS)).toBe(0);
		const [item] = run.output('Success');
		expect(item.json.photo).toBeUndefined();
		expect(item.json.faceCheck).toMatchObject({ faces: 1, refused: false, turnNeeded: 270 });
	});
});

describe('Face Check report', () => {
	it('sends a wall anyway and reports that no face was seen', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, WALL), applicant(SANDBOX_NIKS.noMatch, PORTRAIT)],
			options: { faceCheck: 'report' },
		});
		expect(run.output('Error')).toHaveLength(0);
		expect(env.biometricRequests()).toHaveLength(2);
		const items = run.output('Success');
		expect(pairedIndexes(items)).toEqual([0, 1]);
		expect(items[0].json).toMatchObject({
			result: 'match',
			faceCheck: { faces: 0, box: null, refused: false },
		});
		expect(items[1].json).toMatchObject({
			result: 'no_match',
			faceCheck: { faces: 1, refused: false },
		});
	});
});

describe('Face Check off', () => {
	it('sends a wall without looking, and the item carries no faceCheck', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [applicant(SANDBOX_NIKS.match, WALL)],
			options: { faceCheck: 'off' },
		});
		const [item] = allItems(run);
		expect(item.json.result).toBe('match');
		expect(item.json).not.toHaveProperty('faceCheck');
		expect(env.biometricRequests()).toHaveLength(1);
	});
});

describe('Face Check with stop on error', () => {
	it.each([
		['Concurrency 4: the checked items are kept', 4],
		['Concurrency 1: only digests are kept', 1],
	])(
		'%s: a wall as the last item fails the execution before any request',
		async (_label, concurrency) => {
			const run = await verifyWith(env.sandbox, {
				niks: [],
				items: [
					applicant(SANDBOX_NIKS.match, PORTRAIT),
					applicant(SANDBOX_NIKS.noMatch, SIDEWAYS),
					applicant(SANDBOX_NIKS.match, WALL),
				],
				options: { concurrency },
				settings: {},
			});
			expect(run.run.status).toBe('error');
			expect(run.error?.message).toMatch(/^\[item 2\] No face was found/);
			expect(run.error?.context).toMatchObject({
				errorType: 'no_face_found',
				charged: false,
				faceCheck: { faces: 0, refused: true },
			});
			expect(env.biometricRequests()).toHaveLength(0);
		},
	);
});

describe('Face Check value', () => {
	it('an expression giving it an unknown value fails that item as a configuration error', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [
				{
					...applicant(SANDBOX_NIKS.match, PORTRAIT),
					json: { nik: SANDBOX_NIKS.match, mode: 'off' },
				},
				{
					...applicant(SANDBOX_NIKS.match, PORTRAIT),
					json: { nik: SANDBOX_NIKS.match, mode: 'skip' },
				},
			],
			options: { faceCheck: '={{ $json.mode }}' },
		});
		const [failed] = run.output('Error');
		expect(pairedIndexes([failed])).toEqual([1]);
		expect(failed.json).toMatchObject({ errorType: 'invalid_parameter', charged: false });
		expect(failed.json.error).toBe(
			'[item 1] Face Check must be "refuse", "report" or "off", got "skip"',
		);
		expect(env.biometricRequests()).toHaveLength(1);
	});
});

describe('Face Check as an AI tool', () => {
	it('tells the model the photo showed no usable face, and nothing of the detector', async () => {
		const run = await runWorkflow({
			items: [{ json: {} }],
			parameters: {
				identityId: "={{ $fromAI('nik', 'The applicant NIK', 'string') }}",
				imageSource: 'base64',
				base64Image: "={{ $fromAI('selfie', 'The selfie as base64', 'string') }}",
				options: {},
			},
			credentials: sandboxCredential(env.sandbox),
			toolCalls: [{ arguments: { nik: SANDBOX_NIKS.match, selfie: WALL.toString('base64') } }],
		});
		const [answer] = run.reached(AGENT_NODE) ?? [];
		const [reply] = JSON.parse(String(answer.json.answer)) as IDataObject[];
		expect(reply).toEqual({
			result: 'error',
			errorType: 'no_face_found',
			message: 'The photo shows no usable face.',
			whatToDo: expect.stringMatching(/^Ask the user for a new selfie/),
			charged: false,
		});
		expect(env.biometricRequests()).toHaveLength(0);
	});
});
