/**
 * Part 3: peak memory while the node verifies one-megabyte images, each scenario in a fresh
 * process. The node holds at most `concurrency` images (and their base64 text) at once, so the
 * growth over the idle process should follow concurrency, not the number of items: 200 images
 * at concurrency 4 against 20 at 4 shows the item count does not matter, 200 at 16 shows that
 * concurrency does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Sandbox } from '../test/sandbox/server';
import { runWorker } from './childWorker';
import { jpegOfSize, NODE_DEFAULT_MAX_IMAGE_BYTES, writeImageFiles } from './images';
import type { MemoryWorkerInput, MemoryWorkerOutput } from './memoryWorker';
import { summarize, type Summary } from './stats';

export interface MemoryScenario {
	items: number;
	concurrency: number;
}

export interface MemoryPlan {
	scenarios: MemoryScenario[];
	/** Each scenario runs this often; the runs of different scenarios alternate. */
	runs: number;
	/** Runs with garbage collected before every sample: slower, and steadier, so fewer. */
	liveRuns: number;
	latencyMs: number;
	imageBytes: number;
}

/** MB (10^6 bytes) per run. */
export interface MemoryScenarioResult extends MemoryScenario {
	rssBefore: Summary;
	rssPeak: Summary;
	/** Peak RSS minus RSS before the run: what the run itself needed. */
	rssGrowth: Summary;
	heapUsedGrowth: Summary;
	externalGrowth: Summary;
	/** The kernel's high-water mark, for the whole process life. */
	vmHwm: Summary;
	/**
	 * Peak of (heap used + external) over its value before the run, with garbage collected
	 * before every sample (separate runs): the memory the node actually holds on to.
	 */
	liveGrowth: Summary;
	elapsedMs: Summary;
	maxInFlight: Summary;
}

export interface MemoryResult {
	imageBytes: number;
	latencyMs: number;
	scenarios: MemoryScenarioResult[];
}

const MB = 1_000_000;

export async function measureMemory(sandbox: Sandbox, plan: MemoryPlan): Promise<MemoryResult> {
	sandbox.setLatency(plan.latencyMs);
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kredibel-bench-images-'));
	try {
		const image = jpegOfSize(plan.imageBytes, NODE_DEFAULT_MAX_IMAGE_BYTES);
		const mostItems = Math.max(...plan.scenarios.map((scenario) => scenario.items));
		const files = writeImageFiles(directory, image, mostItems);
		const runScenario = async (scenario: MemoryScenario, mode: MemoryWorkerInput['mode']) => {
			const output = await runWorker<MemoryWorkerInput, MemoryWorkerOutput>(
				'memoryWorker.ts',
				{
					sandboxUrl: sandbox.url,
					files: files.slice(0, scenario.items),
					concurrency: scenario.concurrency,
					// A forced collection takes milliseconds: live samples are spaced further apart.
					sampleEveryMs: mode === 'live' ? 25 : 5,
					mode,
				},
				{ nodeFlags: mode === 'live' ? ['--expose-gc'] : [] },
			);
			// The sandbox's request log keeps every decoded image: let them go between runs.
			sandbox.resetLog();
			return output;
		};
		const natural = plan.scenarios.map((): MemoryWorkerOutput[] => []);
		const live = plan.scenarios.map((): MemoryWorkerOutput[] => []);
		for (let run = 0; run < Math.max(plan.runs, plan.liveRuns); run++) {
			for (const [index, scenario] of plan.scenarios.entries()) {
				if (run < plan.runs) natural[index].push(await runScenario(scenario, 'natural'));
				if (run < plan.liveRuns) live[index].push(await runScenario(scenario, 'live'));
			}
		}
		return {
			imageBytes: image.length,
			latencyMs: plan.latencyMs,
			scenarios: plan.scenarios.map((scenario, index) =>
				toScenarioResult(scenario, natural[index], live[index]),
			),
		};
	} finally {
		fs.rmSync(directory, { recursive: true, force: true });
	}
}

function toScenarioResult(
	scenario: MemoryScenario,
	runs: MemoryWorkerOutput[],
	liveRuns: MemoryWorkerOutput[],
): MemoryScenarioResult {
	const held = (figures: MemoryWorkerOutput['peak']) => figures.heapUsed + figures.external;
	const inMb = (pick: (run: MemoryWorkerOutput) => number) =>
		summarize(runs.map((run) => pick(run) / MB));
	return {
		...scenario,
		rssBefore: inMb((run) => run.before.rss),
		rssPeak: inMb((run) => run.peak.rss),
		rssGrowth: inMb((run) => run.peak.rss - run.before.rss),
		heapUsedGrowth: inMb((run) => run.peak.heapUsed - run.before.heapUsed),
		externalGrowth: inMb((run) => run.peak.external - run.before.external),
		vmHwm: inMb((run) => run.vmHwm),
		liveGrowth: summarize(liveRuns.map((run) => (held(run.peak) - held(run.before)) / MB)),
		elapsedMs: summarize(runs.map((run) => run.elapsedMs)),
		maxInFlight: summarize(runs.map((run) => run.maxInFlight)),
	};
}
