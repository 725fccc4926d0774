/**
 * The hostile section's measuring side, one fresh process per input (or per group of inputs run
 * at once) so that its memory peak is its own: loads the built codec (dist/), reads the files,
 * then prepares them as the node does (checkpoint yielding every 20 ms) while n8n-like work (a
 * 1 ms timer) measures the event loop's worst delay. Reports CPU time, the kernel's peak RSS
 * (VmHWM, reset after the files are read) above the RSS before, the longest synchronous stretch
 * (CPU time between two checkpoint calls: on a busy machine the wall time between them also
 * counts the time other processes had the core), the outcome, and the budget's own counters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { serveWorker } from './childWorker';
import { REPO_ROOT } from './loadNode';

export interface HostileWorkerInput {
	/** Files prepared at the same time (Promise.all), as Concurrency does. */
	files: string[];
	/**
	 * Ordinary photos prepared first, unmeasured: n8n runs the node warm, and a fresh process
	 * would otherwise count the compiling of the codec's code as a synchronous stretch.
	 */
	warmUp: string[];
	maxBytes: number;
	yieldEveryMs: number;
}

export interface HostileWorkerOutput {
	cpuMs: number;
	wallMs: number;
	extraPeakRss: number;
	/** Longest CPU time between two checkpoint calls of one preparation, ms. */
	longestStretchMs: number;
	/** The same in wall time (includes time other processes had the core), ms. */
	longestWallStretchMs: number;
	worstEventLoopDelayMs: number;
	outcomes: string[];
	/** The budget's counters, summed over the files. */
	workUnits: number;
	memoryPeak: number;
}

type PrepareModule = typeof import('../nodes/KredibelBiometric/photo/preparePhoto');
type BudgetModule = typeof import('../nodes/KredibelBiometric/photo/budget');

function vmHwm(): number {
	const status = fs.readFileSync('/proc/self/status', 'utf8');
	const match = /VmHWM:\s+(\d+) kB/.exec(status);
	return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

serveWorker<HostileWorkerInput, HostileWorkerOutput>(async (input) => {
	const dist = path.join(REPO_ROOT, 'dist/nodes/KredibelBiometric/photo');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const codec = require(path.join(dist, 'preparePhoto.js')) as PrepareModule;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { PhotoBudget } = require(path.join(dist, 'budget.js')) as BudgetModule;
	for (const file of input.warmUp) {
		await codec.preparePhoto(fs.readFileSync(file), { maxBytes: input.maxBytes });
	}
	const files = input.files.map((file) => fs.readFileSync(file));
	// Reset the peak RSS: reading the files is the caller's memory, not the photo step's.
	fs.writeFileSync('/proc/self/clear_refs', '5');

	const histogram = monitorEventLoopDelay({ resolution: 1 });
	const probe = setInterval(() => undefined, 1);
	let longestStretchMs = 0;
	let longestWallStretchMs = 0;
	const cpuNow = (): number => {
		const usage = process.cpuUsage();
		return (usage.user + usage.system) / 1000;
	};
	const budgets = files.map(() => {
		let last = performance.now();
		let lastCpu = cpuNow();
		let lastYield = last;
		return new PhotoBudget(async () => {
			const now = performance.now();
			const cpu = cpuNow();
			longestWallStretchMs = Math.max(longestWallStretchMs, now - last);
			longestStretchMs = Math.max(longestStretchMs, cpu - lastCpu);
			if (now - lastYield >= input.yieldEveryMs) {
				await new Promise((resolve) => setImmediate(resolve));
				lastYield = performance.now();
			}
			last = performance.now();
			lastCpu = cpuNow();
		});
	});
	const rssBefore = process.memoryUsage().rss;
	const cpuBefore = process.cpuUsage();
	histogram.enable();
	const start = performance.now();
	const results = await Promise.all(
		files.map((bytes, i) =>
			codec.preparePhoto(bytes, { maxBytes: input.maxBytes, budget: budgets[i] }),
		),
	);
	const wallMs = performance.now() - start;
	histogram.disable();
	const cpu = process.cpuUsage(cpuBefore);
	const extraPeakRss = vmHwm() - rssBefore;
	clearInterval(probe);
	return {
		cpuMs: (cpu.user + cpu.system) / 1000,
		wallMs,
		extraPeakRss,
		longestStretchMs,
		longestWallStretchMs,
		worstEventLoopDelayMs: histogram.max / 1e6,
		outcomes: results.map((result) =>
			result.ok
				? `sent ${result.changes ? `${result.changes.widthAfter}x${result.changes.heightAfter}` : 'as is'}`
				: `refused (${result.error.kind})`,
		),
		workUnits: budgets.reduce((sum, budget) => sum + budget.workDone, 0),
		memoryPeak: budgets.reduce((sum, budget) => sum + budget.memoryPeak, 0),
	};
});
