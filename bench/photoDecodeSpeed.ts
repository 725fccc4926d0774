/**
 * Why this file exists: the JPEG decoder exists to shrink 12 MP phone photos quickly inside the
 * node, so its speed is measured against the alternatives: jpeg-js (pure JavaScript, a dev
 * dependency) and libjpeg-turbo's djpeg (native, SIMD; timed as a whole process). Run with
 * `npx tsx bench/photoDecodeSpeed.ts`; prints milliseconds (best of several runs) and ratios.
 */

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import * as jpegJs from 'jpeg-js';

import { decodeJpeg, type JpegScale } from '../nodes/KredibelBiometric/photo/jpegDecode';
import { cjpeg } from '../test/unit/photo/photoFixtures';
import { syntheticPhoto } from '../test/unit/photo/photoFixtures';

const RUNS = 5;

async function bestOf(runs: number, task: () => Promise<unknown> | unknown): Promise<number> {
	let best = Infinity;
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		await task();
		best = Math.min(best, performance.now() - start);
	}
	return best;
}

async function main(): Promise<void> {
	const width = 4000;
	const height = 3000;
	const jpeg = cjpeg(syntheticPhoto(width, height, 3, 7), ['-quality', '92', '-sample', '2x2']);
	console.log(`${width}x${height} q92 4:2:0 baseline, ${(jpeg.length / 1e6).toFixed(2)} MB`);
	const jpegJsMs = await bestOf(3, () =>
		jpegJs.decode(jpeg, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 }),
	);
	const djpegMs: Record<number, number> = {};
	for (const scale of [1, 2, 4, 8]) {
		djpegMs[scale] = await bestOf(RUNS, () =>
			execFileSync('/usr/bin/djpeg', ['-scale', `1/${scale}`, '-ppm'], {
				input: jpeg,
				maxBuffer: 1 << 30,
			}),
		);
	}
	console.log(`jpeg-js full size: ${jpegJsMs.toFixed(0)} ms`);
	for (const scale of [1, 2, 4, 8] as JpegScale[]) {
		const ours = await bestOf(RUNS, () => decodeJpeg(jpeg, { scale }));
		console.log(
			`scale 1/${scale}: ours ${ours.toFixed(0)} ms, djpeg process ${djpegMs[scale].toFixed(0)} ms` +
				` (ours/djpeg ${(ours / djpegMs[scale]).toFixed(2)}), jpeg-js full/ours ${(jpegJsMs / ours).toFixed(2)}x`,
		);
	}
	const progressive = cjpeg(syntheticPhoto(width, height, 3, 7), [
		'-quality',
		'92',
		'-progressive',
	]);
	for (const scale of [1, 2] as JpegScale[]) {
		const ours = await bestOf(3, () => decodeJpeg(progressive, { scale }));
		console.log(
			`progressive ${(progressive.length / 1e6).toFixed(2)} MB, scale 1/${scale}: ours ${ours.toFixed(0)} ms`,
		);
	}
}

void main();
