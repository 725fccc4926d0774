/**
 * The decision rules on faces made up by hand (pure), and the face measures on pictures whose
 * answer is known: what counts as a face, when two faces make a photo ambiguous, and what
 * sharpness and brightness say.
 */
import {
	FACE_SCORE,
	judgeFaces,
	judgeReading,
	TURNED_FACE_SCORE,
} from '../../../nodes/KredibelBiometric/face/decision';
import {
	boxInStoredPicture,
	faceContrast,
	measureFace,
	PIXELS_PER_UNIT,
} from '../../../nodes/KredibelBiometric/face/measures';
import { turnsToUpright, type SeenFace } from '../../../nodes/KredibelBiometric/face/readings';
import { wholeView } from '../../../nodes/KredibelBiometric/face/views';
import type { Picture } from '../../../nodes/KredibelBiometric/photo';
import { blank, noise, turnClockwise } from '../../face-eval/pictures';

function face(x: number, y: number, size: number, score = 0.9): SeenFace {
	return { score, box: { x, y, width: size, height: size }, turnsToUpright: 0 };
}

describe('face decision rules', () => {
	it('counts a face only from the confident score', () => {
		expect(judgeFaces([face(0.3, 0.3, 0.3, FACE_SCORE - 0.01)], FACE_SCORE)).toBeNull();
		expect(judgeFaces([face(0.3, 0.3, 0.3, FACE_SCORE)], FACE_SCORE)?.verdict).toBe('face');
	});

	it('holds turned readings to the stricter score', () => {
		const picture = blank(100, 100, [0, 0, 0]);
		const faces = [face(0.3, 0.3, 0.3, (FACE_SCORE + TURNED_FACE_SCORE) / 2)];
		expect(judgeReading({ view: wholeView(picture, 0), best: 0.7, faces })?.verdict).toBe('face');
		expect(judgeReading({ view: wholeView(picture, 1), best: 0.7, faces })).toBeNull();
	});

	it('says several_faces for two faces of similar size, the larger one first', () => {
		const judgement = judgeFaces(
			[face(0.6, 0.3, 0.25, 0.95), face(0.1, 0.3, 0.3, 0.8)],
			FACE_SCORE,
		);
		expect(judgement?.verdict).toBe('several_faces');
		expect(judgement?.main.box.x).toBe(0.1);
		expect(judgement?.faces).toHaveLength(2);
	});

	it('ignores a second face under half the area (a KTP card, someone far behind)', () => {
		// 0.2^2 / 0.3^2 = 0.44 of the area.
		const judgement = judgeFaces([face(0.1, 0.3, 0.3), face(0.6, 0.1, 0.2)], FACE_SCORE);
		expect(judgement?.verdict).toBe('face');
		expect(judgement?.faces).toHaveLength(2);
	});

	it('counts a box lying inside the face as the same face', () => {
		const judgement = judgeFaces([face(0.3, 0.3, 0.3), face(0.35, 0.35, 0.22)], FACE_SCORE);
		expect(judgement).toMatchObject({ verdict: 'face', faces: [expect.anything()] });
	});

	it('ignores a second face of low contrast (a reflection), not one of full contrast', () => {
		const main = face(0.1, 0.3, 0.3);
		const ghost = face(0.6, 0.3, 0.3);
		const contrast = (faded: number) => (seen: SeenFace) => (seen === ghost ? faded : 40);
		expect(judgeFaces([main, ghost], FACE_SCORE, contrast(12))?.verdict).toBe('face');
		expect(judgeFaces([main, ghost], FACE_SCORE, contrast(30))?.verdict).toBe('several_faces');
		// A reflection whose box is the larger one does not become the main face either.
		const largeGhost = face(0.55, 0.3, 0.35);
		const judgement = judgeFaces([main, largeGhost], FACE_SCORE, (seen) =>
			seen === largeGhost ? 10 : 40,
		);
		expect(judgement).toMatchObject({ verdict: 'face', main, faces: [main] });
	});

	it('reads the turn that puts a face upright from where the mouth lies from the eyes', () => {
		const eyesAndMouth = (mouth: { x: number; y: number }) => [
			{ x: -1, y: 0 },
			{ x: 1, y: 0 },
			{ x: 0, y: 0 },
			mouth,
		];
		expect(turnsToUpright(eyesAndMouth({ x: 0.2, y: 2 }))).toBe(0);
		expect(turnsToUpright(eyesAndMouth({ x: 2, y: 0.3 }))).toBe(1);
		expect(turnsToUpright(eyesAndMouth({ x: 0, y: -2 }))).toBe(2);
		expect(turnsToUpright(eyesAndMouth({ x: -2, y: 0 }))).toBe(3);
	});
});

describe('face measures', () => {
	/** A 64x48 picture: black and white squares of `cell` pixels (the smaller, the sharper). */
	function checkers(cell: number): Picture {
		const picture = blank(64, 48, [0, 0, 0]);
		for (let y = 0; y < 48; y++) {
			for (let x = 0; x < 64; x++) {
				if ((Math.floor(x / cell) + Math.floor(y / cell)) % 2)
					picture.data.fill(255, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
			}
		}
		return picture;
	}
	const whole = { x: 0, y: 0, width: 1, height: 1 };

	it('brightness is the mean luma 0-1; a flat face has sharpness 0', async () => {
		expect(await measureFace(blank(20, 10, [128, 128, 128]), 0, whole)).toEqual({
			sharpness: 0,
			brightness: 128 / 255,
		});
		expect((await measureFace(checkers(4), 0, whole)).brightness).toBeCloseTo(0.5, 2);
	});

	it('sharpness (variance of the Laplacian) falls as edges get fewer and softer', async () => {
		const fine = (await measureFace(checkers(2), 0, whole)).sharpness!;
		const coarse = (await measureFace(checkers(8), 0, whole)).sharpness!;
		expect(fine).toBeGreaterThan(coarse);
		expect(coarse).toBeGreaterThan(0);
	});

	it('measures the same pixels whichever way the picture is turned', async () => {
		const random = noise(5);
		const picture = blank(40, 30, [0, 0, 0]);
		picture.data.forEach((_, index) => (picture.data[index] = Math.floor(random() * 256)));
		const box = { x: 0.1, y: 0.2, width: 0.5, height: 0.4 };
		const upright = await measureFace(picture, 0, box);
		for (const turns of [1, 2, 3] as const) {
			// The same region seen in the stored picture turned `turns` times the other way.
			const stored = turnClockwise(picture, 4 - turns);
			const region = boxInStoredPicture(stored, turns, box);
			expect(region.right - region.left).toBe(turns % 2 ? 12 : 20);
			const measured = await measureFace(stored, turns, box);
			expect(measured.brightness).toBeCloseTo(upright.brightness!, 10);
			expect(measured.sharpness).toBeCloseTo(upright.sharpness!, 6);
			expect(faceContrast(stored, turns, box)).toBeCloseTo(faceContrast(picture, 0, box), 6);
		}
	});

	/** Luma of a noisy RGB picture, and its variance of the Laplacian, the plain way. */
	function noisy(width: number, height: number) {
		const random = noise(9);
		const picture = blank(width, height, [0, 0, 0]);
		picture.data.forEach((_, index) => (picture.data[index] = Math.floor(random() * 256)));
		const luma = (x: number, y: number) => {
			const at = (y * width + x) * 3;
			return 0.299 * picture.data[at] + 0.587 * picture.data[at + 1] + 0.114 * picture.data[at + 2];
		};
		return { picture, luma };
	}

	it('streams a large face box: the same sharpness as the plain computation, checkpoints as it goes', async () => {
		const width = 400;
		const height = 300;
		const { picture, luma } = noisy(width, height);
		const values: number[] = [];
		for (let y = 1; y < height - 1; y++) {
			for (let x = 1; x < width - 1; x++) {
				values.push(
					luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1) - 4 * luma(x, y),
				);
			}
		}
		const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
		const variance =
			values.reduce((sum, value) => sum + value * value, 0) / values.length - mean * mean;
		let calls = 0;
		const measured = await measureFace(picture, 0, whole, () => {
			calls++;
		});
		expect(measured.sharpness! / variance).toBeCloseTo(1, 6);
		// Each stretch between two calls reads at most PIXELS_PER_UNIT pixels.
		expect((calls + 1) * PIXELS_PER_UNIT).toBeGreaterThanOrEqual(width * height);
	});

	it('estimates the contrast of a large box from a bounded grid, close to the exact figure', () => {
		// 520 x 390: one pixel in 5 x 4 is read.
		const { picture, luma } = noisy(520, 390);
		let sum = 0;
		let squares = 0;
		for (let y = 0; y < 390; y++) {
			for (let x = 0; x < 520; x++) {
				sum += luma(x, y);
				squares += luma(x, y) ** 2;
			}
		}
		const pixels = 520 * 390;
		const exact = Math.sqrt(squares / pixels - (sum / pixels) ** 2);
		expect(faceContrast(picture, 0, whole) / exact).toBeCloseTo(1, 1);
		expect(faceContrast(blank(520, 390, [50, 60, 70]), 0, whole)).toBeCloseTo(0, 6);
	});

	it('has no measures for an empty box', async () => {
		expect(
			await measureFace(blank(10, 10, [9, 9, 9]), 0, { x: 0.5, y: 0.5, width: 0, height: 0 }),
		).toEqual({
			sharpness: null,
			brightness: null,
		});
	});
});
