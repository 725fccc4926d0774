/**
 * The face check end to end on scenes made by code from the two committed public-domain
 * portraits (test/fixtures/faces/): a face is found where it is, a photo held sideways without a
 * tag is turned upright and one with a tag never is, two people are several_faces while a KTP
 * card, a person far behind and a faint reflection are not, a flat picture is no_face; and, with
 * fast-check (fixed seed), the properties that hold for any picture: the box lies within the
 * picture, and turning the picture turns the finding.
 */
import fc from 'fast-check';

import { FACE_SCORE, findFaces } from '../../../nodes/KredibelBiometric/face';
import type { Picture } from '../../../nodes/KredibelBiometric/photo';
import { loadFixture } from '../../face-eval/referenceScenes';
import { blank, crop, fitLongSide, mirror, paste, turnClockwise } from '../../face-eval/pictures';

const astronaut = loadFixture('astronaut.jpg');
const hopper = loadFixture('grace-hopper.jpg');

/** Where the astronaut's face is (pixels of the 256x256 fixture), from MediaPipe's reference. */
const ASTRONAUT_FACE = { x: 0.348, y: 0.158, width: 0.183, height: 0.183 };

function beside(
	left: Picture,
	right: Picture,
	opacity = 1,
	backdrop?: [number, number, number],
): Picture {
	const canvas = blank(
		left.width + right.width,
		Math.max(left.height, right.height),
		[96, 104, 112],
	);
	paste(canvas, left, 0, 0);
	if (backdrop) paste(canvas, blank(right.width, right.height, backdrop), left.width, 0);
	paste(canvas, right, left.width, 0, opacity);
	return canvas;
}

describe('findFaces', () => {
	it('finds the face where it is, with its measures', async () => {
		const finding = await findFaces(astronaut, { mayTurn: true });
		expect(finding).toMatchObject({ verdict: 'face', quarterTurns: 0, faces: 1 });
		expect(finding.score).toBeGreaterThanOrEqual(FACE_SCORE);
		expect(finding.box!.x).toBeCloseTo(ASTRONAUT_FACE.x, 1);
		expect(finding.box!.y).toBeCloseTo(ASTRONAUT_FACE.y, 1);
		expect(finding.box!.width).toBeCloseTo(ASTRONAUT_FACE.width, 1);
		expect(finding.sharpness).toBeGreaterThan(0);
		expect(finding.brightness).toBeGreaterThan(0.2);
		expect(finding.brightness).toBeLessThan(0.9);
	});

	it('turns a photo held sideways without a tag upright, and never one with a tag', async () => {
		const sideways = turnClockwise(hopper, 1);
		const untagged = await findFaces(sideways, { mayTurn: true });
		expect(untagged).toMatchObject({ verdict: 'face', quarterTurns: 3 });
		// The box is in the turned picture: where the face is in the upright portrait.
		const upright = await findFaces(hopper, { mayTurn: false });
		expect(untagged.box!.x).toBeCloseTo(upright.box!.x, 1);
		expect(untagged.box!.y).toBeCloseTo(upright.box!.y, 1);
		const tagged = await findFaces(sideways, { mayTurn: false });
		expect(tagged.quarterTurns).toBe(0);
	});

	it('says several_faces for two people side by side', async () => {
		const finding = await findFaces(beside(hopper, mirror(hopper)), { mayTurn: false });
		expect(finding).toMatchObject({ verdict: 'several_faces', faces: 2 });
	});

	it('does not count a KTP card held next to the face', async () => {
		const card = blank(90, 57, [180, 205, 235]);
		paste(card, fitLongSide(crop(hopper, 60, 50, 110, 130), 22), 62, 14);
		paste(card, blank(45, 3, [40, 40, 60]), 8, 14);
		paste(card, blank(45, 3, [40, 40, 60]), 8, 24);
		const withCard = beside(hopper, blank(110, hopper.height, [96, 104, 112]));
		paste(withCard, card, hopper.width + 5, 110);
		const finding = await findFaces(withCard, { mayTurn: false });
		expect(finding.verdict).toBe('face');
	});

	it('does not count a person far behind, nor a faint reflection in a window', async () => {
		const behind = beside(hopper, blank(120, hopper.height, [150, 160, 150]));
		paste(behind, fitLongSide(astronaut, 85), hopper.width + 10, 20);
		expect((await findFaces(behind, { mayTurn: false })).verdict).toBe('face');
		const reflection = beside(hopper, mirror(hopper), 0.3, [110, 118, 125]);
		expect((await findFaces(reflection, { mayTurn: false })).verdict).toBe('face');
	});

	it('refuses a flat picture, reporting the best score it saw', async () => {
		const finding = await findFaces(blank(320, 240, [128, 128, 128]), { mayTurn: false });
		expect(finding).toMatchObject({ verdict: 'no_face', faces: 0, box: null, sharpness: null });
		expect(finding.score).toBeLessThan(FACE_SCORE);
	});

	it('refuses a picture whose samples do not match its size', async () => {
		await expect(
			findFaces({ width: 4, height: 4, channels: 3, data: new Uint8Array(5) }, { mayTurn: false }),
		).rejects.toThrow(/needs 48 samples/);
	});

	it('property: the box lies within the picture, wherever the portrait sits', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 0, max: 160 }),
				fc.integer({ min: 0, max: 160 }),
				fc.integer({ min: 150, max: 256 }),
				async (left, top, size) => {
					const canvas = blank(400, 320, [70, 90, 80]);
					paste(canvas, fitLongSide(hopper, size), left, top);
					const { box } = await findFaces(canvas, { mayTurn: false });
					if (!box) return;
					expect(box.x).toBeGreaterThanOrEqual(0);
					expect(box.y).toBeGreaterThanOrEqual(0);
					expect(box.x + box.width).toBeLessThanOrEqual(1 + 1e-12);
					expect(box.y + box.height).toBeLessThanOrEqual(1 + 1e-12);
				},
			),
			{ seed: 25, numRuns: 4 },
		);
	});

	it('property: turning the picture turns the finding', async () => {
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), fc.boolean(), async (turns, useHopper) => {
				const portrait = useHopper ? hopper : astronaut;
				const finding = await findFaces(turnClockwise(portrait, turns), { mayTurn: true });
				expect(finding.verdict).toBe('face');
				expect(finding.quarterTurns).toBe((4 - turns) % 4);
			}),
			{ seed: 25, numRuns: 4 },
		);
	});
});
