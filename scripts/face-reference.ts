/**
 * Refreshes the MediaPipe reference of the face detector: runs the pictures of
 * test/face-eval/referenceScenes.ts through MediaPipe's own published solution (the WASM + WebGL
 * build in `@mediapipe/face_detection`, the same pinned package the weights come from), in
 * headless Chromium on files served from 127.0.0.1, and writes what it detects (boxes, landmarks,
 * scores) to test/unit/face/mediapipe.reference.json, which the unit test compares with this
 * package's detector (IoU >= 0.95, scores within 0.01) without a browser.
 * With `--fixtures` it first remakes the two small portraits of test/fixtures/faces/ from the
 * evaluation set (scripts/face-eval.ts).
 *
 *   npx tsx scripts/face-reference.ts [--fixtures]
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { launchChromium } from '../test/e2e/editor/chromium';
import { FACE_FIXTURES, referenceScenes } from '../test/face-eval/referenceScenes';
import { decodeImage, encodeJpeg, fitLongSide, toRgb } from '../test/face-eval/pictures';
import { ensureFaceEvalSet } from './face-eval';
import { FACE_MODEL_SOURCE } from './face-weights';

const ROOT = path.join(__dirname, '..');
const SOLUTION = path.join(ROOT, 'node_modules', FACE_MODEL_SOURCE.package);
export const REFERENCE_FILE = path.join(ROOT, 'test/unit/face/mediapipe.reference.json');

/** One detection as MediaPipe's solution reports it (0-1 of the picture). */
export interface ReferenceDetection {
	score: number;
	box: { xCenter: number; yCenter: number; width: number; height: number };
	landmarks: { x: number; y: number }[];
}

export interface ReferenceFile {
	source: string;
	scenes: { name: string; width: number; height: number; detections: ReferenceDetection[] }[];
}

function remakeFixtures(): void {
	const directory = ensureFaceEvalSet((line) => console.log(line));
	const sources: [string, string][] = [
		['skimage-astronaut.png', 'astronaut.jpg'],
		['matplotlib-grace_hopper.jpg', 'grace-hopper.jpg'],
	];
	for (const [source, target] of sources) {
		const picture = decodeImage(new Uint8Array(fs.readFileSync(path.join(directory, source))));
		fs.writeFileSync(path.join(FACE_FIXTURES, target), encodeJpeg(fitLongSide(picture, 256), 90));
	}
}

function serveSolution(): Promise<http.Server> {
	const server = http.createServer((request, response) => {
		const name = path.basename(decodeURIComponent((request.url ?? '/').split('?')[0]));
		if (name === '' || name === '/') {
			response.setHeader('content-type', 'text/html');
			response.end(
				'<html><body><canvas id="c"></canvas><script src="face_detection.js"></script></body></html>',
			);
			return;
		}
		const file = path.join(SOLUTION, name);
		if (!fs.existsSync(file)) {
			response.statusCode = 404;
			response.end();
			return;
		}
		const type = name.endsWith('.js')
			? 'text/javascript'
			: name.endsWith('.wasm')
				? 'application/wasm'
				: 'application/octet-stream';
		response.setHeader('content-type', type);
		response.end(fs.readFileSync(file));
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Runs in the page (as text: the bundler's helpers do not exist there). MediaPipe's solution
 * object keeps the score of a detection in a field whose name its minifier chose; the score is
 * the only number in [0, 1] besides the box and landmarks, so it is found by walking the object.
 */
const PAGE_SCRIPT = `async (scenes) => {
	const detector = new FaceDetection({ locateFile: (file) => '/' + file });
	detector.setOptions({ model: 'short' });
	let results;
	detector.onResults((r) => { results = r; });
	await detector.initialize();
	const canvas = document.getElementById('c');
	const context = canvas.getContext('2d');
	const output = [];
	for (const scene of scenes) {
		canvas.width = scene.width;
		canvas.height = scene.height;
		const bytes = Uint8ClampedArray.from(atob(scene.rgba), (c) => c.charCodeAt(0));
		context.putImageData(new ImageData(bytes, scene.width, scene.height), 0, 0);
		await detector.send({ image: canvas });
		output.push(results.detections.map((d) => {
			const scores = [];
			for (const [key, value] of Object.entries(d)) {
				if (key === 'boundingBox' || key === 'landmarks') continue;
				JSON.stringify(value, (k, v) => { if (typeof v === 'number') scores.push(v); return v; });
			}
			return {
				score: scores.find((v) => v > 0 && v <= 1),
				box: { xCenter: d.boundingBox.xCenter, yCenter: d.boundingBox.yCenter, width: d.boundingBox.width, height: d.boundingBox.height },
				landmarks: d.landmarks.map((l) => ({ x: l.x, y: l.y })),
				raw: JSON.stringify(d).slice(0, 400),
			};
		}));
	}
	return output;
}`;

async function main(): Promise<void> {
	if (process.argv.includes('--fixtures')) remakeFixtures();
	const scenes = referenceScenes();
	const server = await serveSolution();
	const browser = await launchChromium({ softwareWebGl: true });
	try {
		const page = await browser.newPage();
		await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
		const input = scenes.map(({ picture }) => {
			const rgb = toRgb(picture);
			const rgba = Buffer.alloc(rgb.width * rgb.height * 4, 255);
			for (let pixel = 0; pixel < rgb.width * rgb.height; pixel++) {
				rgb.data
					.subarray(3 * pixel, 3 * pixel + 3)
					.forEach((value, channel) => (rgba[4 * pixel + channel] = value));
			}
			return { width: rgb.width, height: rgb.height, rgba: rgba.toString('base64') };
		});
		const found = (await page.evaluate(
			`(${PAGE_SCRIPT})(${JSON.stringify(input)})`,
		)) as (ReferenceDetection & { raw: string })[][];
		if (process.argv.includes('--raw')) console.log(found.map((list) => list.map((d) => d.raw)));
		const reference: ReferenceFile = {
			source: `${FACE_MODEL_SOURCE.package}@${FACE_MODEL_SOURCE.version}, model 'short', headless Chromium (WebGL on SwiftShader)`,
			scenes: scenes.map((scene, index) => ({
				name: scene.name,
				width: scene.picture.width,
				height: scene.picture.height,
				detections: found[index].map(({ score, box, landmarks }) => {
					if (typeof score !== 'number')
						throw new Error(`no score in MediaPipe's detection for ${scene.name}`);
					return { score, box, landmarks };
				}),
			})),
		};
		fs.writeFileSync(REFERENCE_FILE, `${JSON.stringify(reference, null, '\t')}\n`);
		console.log(
			`wrote ${path.relative(ROOT, REFERENCE_FILE)}: ${reference.scenes.map((scene) => `${scene.name} ${scene.detections.length}`).join(', ')}`,
		);
	} finally {
		await browser.close();
		server.close();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
