/**
 * Part 5 of `npm run bench`: preparing a 12 MP, 3.85 MB sideways phone photo for Kredibel, next
 * to the ways a user could do it without this node's codec, all in one run on one machine:
 * - the node's preparePhoto (dist/), in a fresh process: time, extra peak RSS, and the event
 *   loop's worst delay while it runs yielding every 20 ms;
 * - jpeg-js (the pure-JavaScript codec): full decode, halve (2x2 average), encode at quality 85;
 * - GraphicsMagick as n8n's Edit Image runs it: `gm convert -auto-orient -resize 50% -quality 85`,
 *   wall time and peak RSS (`/usr/bin/time -f %M`);
 * - libjpeg-turbo: `djpeg -scale 1/2 | cjpeg -quality 85`, the native floor.
 * Run alone with `npx tsx bench/photo.ts` (after `npm run build`); about one minute.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import jpeg from 'jpeg-js';

import { ensureDebianTool } from '../test/helpers/referenceTools';
import { twelveMegapixelPhoto } from '../test/unit/photo/phonePhoto';
import { runWorker } from './childWorker';
import type { PhotoWorkerInput, PhotoWorkerOutput } from './photoWorker';
import { markdownTable, formatSummary } from './report';
import { summarize, type Summary } from './stats';

export interface PhotoResult {
	photo: { width: number; height: number; bytes: number; orientation: number };
	maxBytes: number;
	ours: PhotoWorkerOutput;
	jpegJs: Summary;
	gm: { time: Summary; peakRss: number };
	libjpeg: Summary;
	/** ours / jpeg-js, ours / gm (medians). Targets: <= 1/3 and <= 1. */
	ratios: { jpegJs: number; gm: number };
	targets: { jpegJsMet: boolean; gmMet: boolean; memoryMet: boolean; eventLoopMet: boolean };
}

export interface PhotoOptions {
	rounds: number;
	slowRounds: number;
}

const MAX_BYTES = 1024 * 1024;
const EXTRA_MEMORY_TARGET = 64 * 1024 * 1024;
const EVENT_LOOP_TARGET_MS = 50;

function time(rounds: number, run: () => void): Summary {
	run(); // warm-up: JIT, page cache
	const times: number[] = [];
	for (let round = 0; round < rounds; round++) {
		const start = performance.now();
		run();
		times.push(performance.now() - start);
	}
	return summarize(times);
}

/** jpeg-js: decode at full size, average 2x2 blocks, encode; what pure-JS code does without DCT scaling. */
function jpegJsHalve(bytes: Uint8Array): number {
	const decoded = jpeg.decode(bytes, { useTArray: true, maxMemoryUsageInMB: 1024 });
	const width = decoded.width >> 1;
	const height = decoded.height >> 1;
	const half = new Uint8Array(width * height * 4);
	const source = decoded.data;
	const stride = decoded.width * 4;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const at = y * 2 * stride + x * 8;
			const out = (y * width + x) * 4;
			for (let c = 0; c < 3; c++) {
				half[out + c] =
					(source[at + c] +
						source[at + 4 + c] +
						source[at + stride + c] +
						source[at + stride + 4 + c] +
						2) >>
					2;
			}
			half[out + 3] = 255;
		}
	}
	return jpeg.encode({ data: half, width, height }, 85).data.length;
}

export async function measurePhoto(options: PhotoOptions): Promise<PhotoResult> {
	const gm = ensureDebianTool('gm', 'graphicsmagick');
	ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
	const bytes = twelveMegapixelPhoto();
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kredibel-photo-bench-'));
	try {
		const file = path.join(folder, 'phone.jpg');
		fs.writeFileSync(file, bytes);
		const ours = await runWorker<PhotoWorkerInput, PhotoWorkerOutput>('photoWorker.ts', {
			file,
			maxBytes: MAX_BYTES,
			rounds: options.rounds,
			yieldEveryMs: 20,
		});
		const jpegJs = time(options.slowRounds, () => jpegJsHalve(bytes));
		const output = path.join(folder, 'out.jpg');
		let gmPeak = 0;
		const gmTime = time(options.rounds, () => {
			const report = spawnSync(
				'/usr/bin/time',
				[
					'-f',
					'%M',
					gm,
					'convert',
					file,
					'-auto-orient',
					'-resize',
					'50%',
					'-quality',
					'85',
					output,
				],
				{ stdio: ['ignore', 'ignore', 'pipe'] },
			);
			if (report.status !== 0) throw new Error(`gm failed: ${report.stderr.toString()}`);
			gmPeak = Math.max(gmPeak, Number(report.stderr.toString().trim().split('\n').pop()) * 1024);
		});
		const libjpeg = time(options.rounds, () => {
			execFileSync('/bin/sh', [
				'-c',
				'djpeg -scale 1/2 "$1" | cjpeg -quality 85 > "$2"',
				'sh',
				file,
				output,
			]);
		});
		const ratios = {
			jpegJs: ours.prepare.median / jpegJs.median,
			gm: ours.prepare.median / gmTime.median,
		};
		return {
			photo: { width: 4000, height: 3000, bytes: bytes.length, orientation: 6 },
			maxBytes: MAX_BYTES,
			ours,
			jpegJs,
			gm: { time: gmTime, peakRss: gmPeak },
			libjpeg,
			ratios,
			targets: {
				jpegJsMet: ratios.jpegJs <= 1 / 3,
				gmMet: ratios.gm <= 1,
				memoryMet: ours.extraPeakRss <= EXTRA_MEMORY_TARGET,
				eventLoopMet: ours.worstEventLoopDelayMs <= EVENT_LOOP_TARGET_MS,
			},
		};
	} finally {
		fs.rmSync(folder, { recursive: true, force: true });
	}
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');

export function photoSection(result: PhotoResult): string {
	const { ours } = result;
	return [
		`## Photo: a ${result.photo.width}x${result.photo.height}, ${mb(result.photo.bytes)} JPEG, EXIF orientation ${result.photo.orientation}, to within ${mb(result.maxBytes)}`,
		'',
		markdownTable(
			['Route', 'Time (ms)', 'Peak memory', 'Output'],
			[
				[
					'preparePhoto (this node)',
					formatSummary(ours.prepare, 0),
					`+${mb(ours.extraPeakRss)} RSS`,
					`${ours.outputSize}, ${(ours.outputBytes / 1024).toFixed(0)} KB, upright`,
				],
				['jpeg-js decode + halve + encode q85', formatSummary(result.jpegJs, 0), '', 'not rotated'],
				[
					'gm -auto-orient -resize 50% -quality 85 (Edit Image)',
					formatSummary(result.gm.time, 0),
					`${mb(result.gm.peakRss)} process`,
					'upright',
				],
				[
					'djpeg -scale 1/2 \\| cjpeg -quality 85',
					formatSummary(result.libjpeg, 0),
					'',
					'not rotated',
				],
			],
		),
		'',
		markdownTable(
			['Target', 'Measured', 'Verdict'],
			[
				[
					'ours / jpeg-js <= 0.33',
					result.ratios.jpegJs.toFixed(2),
					verdict(result.targets.jpegJsMet),
				],
				['ours / gm <= 1', result.ratios.gm.toFixed(2), verdict(result.targets.gmMet)],
				['extra peak memory <= 64 MB', mb(ours.extraPeakRss), verdict(result.targets.memoryMet)],
				[
					`worst event-loop delay <= 50 ms (yielding every 20 ms; that run took ${ours.prepareYielding.toFixed(0)} ms)`,
					`${ours.worstEventLoopDelayMs.toFixed(1)} ms`,
					verdict(result.targets.eventLoopMet),
				],
			],
		),
	].join('\n');
}

if (require.main === module) {
	measurePhoto({ rounds: 7, slowRounds: 3 })
		.then((result) => {
			process.stdout.write(`${photoSection(result)}\n`);
		})
		.catch((error: unknown) => {
			console.error(error);
			process.exitCode = 1;
		});
}
