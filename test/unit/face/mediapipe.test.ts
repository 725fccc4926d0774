/**
 * The detector against MediaPipe's own runtime: the pictures of test/face-eval/referenceScenes.ts
 * went through MediaPipe's published face_detection solution (WASM + WebGL in headless Chromium,
 * scripts/face-reference.ts, which refreshes mediapipe.reference.json); the whole-picture reading
 * here must find the same faces: boxes with IoU >= 0.95, scores within 0.01.
 */
import { readView } from '../../../nodes/KredibelBiometric/face/readings';
import { intersectionOverUnion } from '../../../nodes/KredibelBiometric/face/suppression';
import { wholeView } from '../../../nodes/KredibelBiometric/face/views';
import type { ReferenceFile } from '../../../scripts/face-reference';
import { referenceScenes } from '../../face-eval/referenceScenes';
import reference from './mediapipe.reference.json';

const { scenes } = reference as ReferenceFile;

describe('the face detector against MediaPipe face_detection (short range)', () => {
	const pictures = new Map(referenceScenes().map((scene) => [scene.name, scene.picture]));

	it('covers every reference scene, with and without faces', () => {
		expect(scenes.map((scene) => scene.name).sort()).toEqual([...pictures.keys()].sort());
		expect(scenes.some((scene) => scene.detections.length === 0)).toBe(true);
		expect(scenes.some((scene) => scene.detections.length === 2)).toBe(true);
	});

	it.each(scenes.map((scene) => [scene.name, scene] as const))(
		'%s: same faces, boxes and scores',
		async (_name, scene) => {
			const picture = pictures.get(scene.name)!;
			expect([picture.width, picture.height]).toEqual([scene.width, scene.height]);
			const reading = await readView(picture, wholeView(picture, 0));
			expect(reading.faces).toHaveLength(scene.detections.length);
			for (const expected of scene.detections) {
				const box = {
					xMin: expected.box.xCenter - expected.box.width / 2,
					yMin: expected.box.yCenter - expected.box.height / 2,
					xMax: expected.box.xCenter + expected.box.width / 2,
					yMax: expected.box.yCenter + expected.box.height / 2,
				};
				const overlaps = reading.faces.map((face) =>
					intersectionOverUnion(box, {
						xMin: face.box.x,
						yMin: face.box.y,
						xMax: face.box.x + face.box.width,
						yMax: face.box.y + face.box.height,
					}),
				);
				const best = Math.max(...overlaps);
				expect(best).toBeGreaterThanOrEqual(0.95);
				const match = reading.faces[overlaps.indexOf(best)];
				expect(Math.abs(match.score - expected.score)).toBeLessThanOrEqual(0.01);
			}
		},
	);
});
