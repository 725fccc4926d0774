/**
 * Why this file exists: faceStep.ts decides what Face Check does with the detector's finding:
 * refuse or report, turn the photo or only say it needs turning, what the `faceCheck` record
 * holds, and that items sending the same photo run the detector once. The detector is the real
 * one (counted, not replaced), on the committed portraits and pictures made from them.
 */
import fc from 'fast-check';

import * as face from '../../nodes/KredibelBiometric/face';
import {
	boxBeforeTurn,
	checkFace,
	faceCheckRecord,
	type FaceCheckContext,
	type FaceFindings,
} from '../../nodes/KredibelBiometric/faceStep';
import type { PreparedBytes } from '../../nodes/KredibelBiometric/photoStep';
import type { Picture } from '../../nodes/KredibelBiometric/photo';
import { blank, encodeJpeg, turnClockwise } from '../face-eval/pictures';
import { loadFixture } from '../face-eval/referenceScenes';

jest.mock('../../nodes/KredibelBiometric/face', () => {
	const actual = jest.requireActual('../../nodes/KredibelBiometric/face');
	return { ...actual, findFaces: jest.fn(actual.findFaces) };
});
const findFaces = face.findFaces as jest.MockedFunction<typeof face.findFaces>;

const hopper = loadFixture('grace-hopper.jpg');
const jpeg = (picture: Picture): Buffer => Buffer.from(encodeJpeg(picture, 90));
const PORTRAIT = jpeg(hopper);
const SIDEWAYS = jpeg(turnClockwise(hopper, 1));
const WALL = jpeg(blank(320, 240, [128, 128, 128]));

function context(mode: FaceCheckContext['mode'], findings: FaceFindings = new Map()) {
	return { mode, findings, isCancelled: () => false, asTool: false };
}

beforeEach(() => findFaces.mockClear());

describe('checkFace', () => {
	it('runs the detector once for items that send the same photo, once per execution', async () => {
		const findings: FaceFindings = new Map();
		const photo = { bytes: PORTRAIT, preview: null };
		const [first, second] = await Promise.all([
			checkFace(photo, context('refuse', findings)),
			checkFace({ ...photo, bytes: Buffer.from(PORTRAIT) }, context('refuse', findings)),
		]);
		expect(findFaces).toHaveBeenCalledTimes(1);
		expect(second).toEqual(first);
		await checkFace(photo, context('refuse', new Map()));
		expect(findFaces).toHaveBeenCalledTimes(2);
	});

	it('refuses a wall free with refuse, and sends it with report, with the same record but `refused`', async () => {
		const refused = await checkFace({ bytes: WALL, preview: null }, context('refuse'));
		const reported = await checkFace({ bytes: WALL, preview: null }, context('report'));
		if (refused.ok || !reported.ok) throw new Error('expected a refusal, then a report');
		expect(refused.failure).toMatchObject({
			errorType: 'no_face_found',
			charged: false,
			retryable: false,
		});
		expect(refused.faceCheck).toMatchObject({ faces: 0, box: null, refused: true });
		expect(reported.bytes).toBe(WALL);
		expect(reported.faceCheck).toEqual({ ...refused.faceCheck, refused: false });
	});

	it('tells a model only what to ask for', async () => {
		const refused = await checkFace(
			{ bytes: WALL, preview: null },
			{ ...context('refuse'), asTool: true },
		);
		if (refused.ok) throw new Error('expected a refusal');
		expect(refused.failure.reason).toBe('The photo shows no usable face.');
		expect(refused.failure.hint).not.toMatch(/score|detector|Face Check/);
	});

	it('with Prepare Photo on, has a sideways photo without a tag prepared again turned upright', async () => {
		const turnsAsked: number[] = [];
		const turnedBytes = Buffer.from('turned');
		const checked = await checkFace(
			{
				bytes: SIDEWAYS,
				preview: null,
				orientationTagged: false,
				prepareTurned: async (turns): Promise<PreparedBytes> => {
					turnsAsked.push(turns);
					const photo = {
						format: 'jpeg' as const,
						orientationApplied: null,
						metadataRemoved: [],
						reencoded: true,
						bytesBefore: SIDEWAYS.length,
						bytesAfter: turnedBytes.length,
						widthBefore: hopper.height,
						heightBefore: hopper.width,
						widthAfter: hopper.width,
						heightAfter: hopper.height,
					};
					return { ok: true, bytes: turnedBytes, photo, preview: hopper, orientationTagged: false };
				},
			},
			context('refuse'),
		);
		expect(turnsAsked).toEqual([3]);
		if (!checked.ok) throw new Error(checked.failure.reason);
		expect(checked.bytes).toBe(turnedBytes);
		expect(checked.digest).toBeUndefined();
		expect(checked.turnedPhoto).toMatchObject({ turnedForFace: 270, widthAfter: hopper.width });
		expect(checked.faceCheck).not.toHaveProperty('turnNeeded');
	});

	it('never turns a photo whose camera tagged it upright', async () => {
		const checked = await checkFace(
			{ bytes: SIDEWAYS, preview: null, orientationTagged: true, prepareTurned: jest.fn() },
			context('report'),
		);
		expect(findFaces.mock.calls[0][1].mayTurn).toBe(false);
		if (!checked.ok) throw new Error(checked.failure.reason);
		expect(checked.bytes).toBe(SIDEWAYS);
		expect(checked.turnedPhoto).toBeUndefined();
	});

	it('with Prepare Photo off, keeps the bytes and reports the turn, the box in the picture as sent', async () => {
		const sideways = await checkFace({ bytes: SIDEWAYS, preview: null }, context('refuse'));
		const upright = await checkFace({ bytes: PORTRAIT, preview: null }, context('refuse'));
		if (!sideways.ok || !upright.ok) throw new Error('expected both sent');
		expect(sideways.bytes).toBe(SIDEWAYS);
		expect(sideways.faceCheck.turnNeeded).toBe(270);
		// The face of the upright portrait, turned a quarter clockwise, is where the sideways box says.
		const box = upright.faceCheck.box as face.FaceBox;
		const turnedBack = sideways.faceCheck.box as face.FaceBox;
		const expected = { x: 1 - box.y - box.height, y: box.x, width: box.height, height: box.width };
		for (const side of ['x', 'y', 'width', 'height'] as const) {
			expect(Math.abs(turnedBack[side] - expected[side])).toBeLessThan(0.02);
		}
	});

	it('with Prepare Photo off and bytes the codec cannot read: refuse says so, report sends them', async () => {
		const unreadable = Buffer.concat([PORTRAIT.subarray(0, 300)]);
		const refused = await checkFace({ bytes: unreadable, preview: null }, context('refuse'));
		if (refused.ok) throw new Error('expected a refusal');
		expect(refused.failure.errorType).toBe('unsupported_image_format');
		expect(refused.failure.reason).toMatch(/^Face Check could not read the photo/);
		expect(refused.failure.hint).toMatch(/Prepare Photo on/);
		const reported = await checkFace({ bytes: unreadable, preview: null }, context('report'));
		if (!reported.ok) throw new Error('expected the photo sent');
		expect(reported.bytes).toBe(unreadable);
		expect(reported.faceCheck).toMatchObject({ faces: null, refused: false });
		expect(reported.faceCheck.notChecked).toMatch(/^Face Check could not read the photo/);
	});
});

describe('faceCheckRecord', () => {
	it('rounds the score and box to 3 decimals, sharpness to 1, and keeps nulls', () => {
		expect(
			faceCheckRecord(
				{
					verdict: 'face',
					quarterTurns: 0,
					faces: 1,
					score: 0.940660113,
					box: { x: 0.326463634, y: 0.240949438, width: 0.38887393, height: 0.3311318 },
					sharpness: 1705.79291812,
					brightness: 0.51655908,
				},
				false,
			),
		).toEqual({
			faces: 1,
			score: 0.941,
			box: { x: 0.326, y: 0.241, width: 0.389, height: 0.331 },
			sharpness: 1705.8,
			brightness: 0.517,
			refused: false,
		});
		expect(
			faceCheckRecord(
				{
					verdict: 'no_face',
					quarterTurns: 0,
					faces: 0,
					score: 0.0443,
					box: null,
					sharpness: null,
					brightness: null,
				},
				true,
			),
		).toEqual({
			faces: 0,
			score: 0.044,
			box: null,
			sharpness: null,
			brightness: null,
			refused: true,
		});
	});
});

describe('boxBeforeTurn', () => {
	it('finds a rectangle where it was before the turn, as the reference turn moved it', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 4, max: 40 }),
				fc.integer({ min: 4, max: 40 }),
				fc.integer({ min: 0, max: 3 }),
				fc.nat(),
				(width, height, turns, seed) => {
					const left = seed % (width - 1);
					const top = (seed >> 3) % (height - 1);
					const right = left + 1 + ((seed >> 6) % (width - left));
					const bottom = top + 1 + ((seed >> 9) % (height - top));
					const stored = blank(width, height, [0, 0, 0]);
					for (let y = top; y < bottom; y++) {
						for (let x = left; x < right; x++)
							stored.data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
					}
					const turned = turnClockwise(stored, turns);
					const box = whiteBox(turned);
					const back = boxBeforeTurn(stored, turns as 0 | 1 | 2 | 3, box);
					expect(back.x * width).toBeCloseTo(left, 6);
					expect(back.y * height).toBeCloseTo(top, 6);
					expect(back.width * width).toBeCloseTo(right - left, 6);
					expect(back.height * height).toBeCloseTo(bottom - top, 6);
				},
			),
			{ seed: 25, numRuns: 200 },
		);
	});
});

/** The white pixels' bounding box, 0-1 of the picture. */
function whiteBox(picture: Picture): face.FaceBox {
	let [x0, y0, x1, y1] = [picture.width, picture.height, 0, 0];
	for (let y = 0; y < picture.height; y++) {
		for (let x = 0; x < picture.width; x++) {
			if (picture.data[(y * picture.width + x) * 3] !== 255) continue;
			[x0, y0, x1, y1] = [
				Math.min(x0, x),
				Math.min(y0, y),
				Math.max(x1, x + 1),
				Math.max(y1, y + 1),
			];
		}
	}
	return {
		x: x0 / picture.width,
		y: y0 / picture.height,
		width: (x1 - x0) / picture.width,
		height: (y1 - y0) / picture.height,
	};
}
