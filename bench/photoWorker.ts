/**
 * The photo section's measuring side, in a fresh process so that its memory peak is its own:
 * loads the built codec (dist/), reads the photo, then (1) prepares it once and reads the
 * kernel's peak RSS (VmHWM) against the RSS before, (2) times N more preparations, (3) prepares it
 * once more with a checkpoint that yields to the event loop every 20 ms, as the node does, while
 * n8n-like work (a 1 ms timer) measures the event loop's worst delay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { serveWorker } from './childWorker';
import { REPO_ROOT } from './loadNode';
import { summarize, type Summary } from './stats';

export interface PhotoWorkerInput {
	file: string;
	maxBytes: number;
	rounds: number;
	yieldEveryMs: number;
}

export interface PhotoWorkerOutput {
	/** ms per preparation, without yielding. */
	prepare: Summary;
	/** ms of the preparation that yields every `yieldEveryMs`. */
	prepareYielding: number;
	/** VmHWM after the first preparation minus RSS before it, bytes. */
	extraPeakRss: number;
	/** The event loop's worst delay while the yielding preparation ran, ms. */
	worstEventLoopDelayMs: number;
	outputBytes: number;
	outputSize: string;
}

type PrepareModule = typeof import('../nodes/KredibelBiometric/photo/preparePhoto');

function vmHwm(): number {
	const status = fs.readFileSync('/proc/self/status', 'utf8');
	const match = /VmHWM:\s+(\d+) kB/.exec(status);
	return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

serveWorker<PhotoWorkerInput, PhotoWorkerOutput>(async (input) => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const codec = require(
		path.join(REPO_ROOT, 'dist/nodes/KredibelBiometric/photo/preparePhoto.js'),
	) as PrepareModule;
	const bytes = new Uint8Array(fs.readFileSync(input.file));
	const limits = { maxBytes: input.maxBytes };

	const rssBefore = process.memoryUsage().rss;
	const first = await codec.preparePhoto(bytes, limits);
	const extraPeakRss = vmHwm() - rssBefore;
	if (!first.ok) throw first.error;

	const times: number[] = [];
	for (let round = 0; round < input.rounds; round++) {
		const start = performance.now();
		await codec.preparePhoto(bytes, limits);
		times.push(performance.now() - start);
	}

	const histogram = monitorEventLoopDelay({ resolution: 1 });
	let lastYield = performance.now();
	const probe = setInterval(() => undefined, 1);
	histogram.enable();
	const start = performance.now();
	await codec.preparePhoto(bytes, {
		...limits,
		checkpoint: async () => {
			if (performance.now() - lastYield < input.yieldEveryMs) return;
			await new Promise((resolve) => setImmediate(resolve));
			lastYield = performance.now();
		},
	});
	const prepareYielding = performance.now() - start;
	histogram.disable();
	clearInterval(probe);

	return {
		prepare: summarize(times),
		prepareYielding,
		extraPeakRss,
		worstEventLoopDelayMs: histogram.max / 1e6,
		outputBytes: first.bytes.length,
		outputSize: `${first.changes?.widthAfter}x${first.changes?.heightAfter}`,
	};
});
