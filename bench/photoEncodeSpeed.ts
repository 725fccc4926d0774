/**
 * How fast the node's own JPEG encoder is, next to jpeg-js (the pure-JavaScript encoder most
 * n8n code would reach for) and libjpeg-turbo's cjpeg run as a process, on a 2000x1500
 * photo-like picture at quality 90. Run with `npx tsx bench/photoEncodeSpeed.ts`; prints medians
 * and ratios (ours / theirs), and the output sizes so that speed is not bought with bytes.
 */
import { execFileSync } from 'node:child_process';

import jpeg from 'jpeg-js';

import { encodeJpeg } from '../nodes/KredibelBiometric/photo/jpegEncode';
import type { Picture } from '../nodes/KredibelBiometric/photo/picture';
import { syntheticPhoto } from '../test/unit/photo/syntheticPhoto';

const WIDTH = 2000;
const HEIGHT = 1500;
const QUALITY = 90;
const ROUNDS = 9;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

async function timeIt(label: string, run: () => Promise<number> | number): Promise<number> {
	await run(); // warm-up: JIT and caches
	const times: number[] = [];
	let size = 0;
	for (let round = 0; round < ROUNDS; round++) {
		const start = performance.now();
		size = await run();
		times.push(performance.now() - start);
	}
	const result = median(times);
	console.log(`${label.padEnd(28)} ${result.toFixed(1).padStart(7)} ms   ${size} bytes`);
	return result;
}

async function main(): Promise<void> {
	const picture: Picture = syntheticPhoto(WIDTH, HEIGHT);
	const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
	for (let i = 0, j = 0; i < picture.data.length; i += 3, j += 4) {
		rgba[j] = picture.data[i];
		rgba[j + 1] = picture.data[i + 1];
		rgba[j + 2] = picture.data[i + 2];
		rgba[j + 3] = 255;
	}
	const ppm = Buffer.concat([Buffer.from(`P6\n${WIDTH} ${HEIGHT}\n255\n`), picture.data]);

	console.log(`Encoding ${WIDTH}x${HEIGHT} RGB at quality ${QUALITY}, median of ${ROUNDS}:`);
	const ours = await timeIt(
		'encodeJpeg (ours)',
		async () => (await encodeJpeg(picture, { quality: QUALITY })).length,
	);
	const jpegJs = await timeIt(
		'jpeg-js encode',
		() => jpeg.encode({ data: rgba, width: WIDTH, height: HEIGHT }, QUALITY).data.length,
	);
	const cjpeg = await timeIt(
		'cjpeg process (libjpeg-turbo)',
		() =>
			execFileSync('/usr/bin/cjpeg', ['-quality', String(QUALITY), '-sample', '2x2'], {
				input: ppm,
				maxBuffer: 64 << 20,
			}).length,
	);
	console.log(
		`ours / jpeg-js: ${(ours / jpegJs).toFixed(2)}   ours / cjpeg: ${(ours / cjpeg).toFixed(2)}`,
	);
}

void main();
