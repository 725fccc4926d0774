/**
 * Part 2: how well the node keeps `concurrency` requests in flight against the local sandbox,
 * over real HTTP on loopback with 100 ms of injected latency. Small images, so the network wait
 * dominates. Ideal = items x latency / concurrency; each level runs in a fresh process.
 */
import type { Sandbox } from '../test/sandbox/server';
import { runWorker } from './childWorker';
import { summarize, type Summary } from './stats';
import type { ThroughputWorkerInput, ThroughputWorkerOutput } from './throughputWorker';

export const THROUGHPUT_TARGET_PERCENT = 90;

export interface ThroughputPlan {
	items: number;
	latencyMs: number;
	/** Runs per concurrency level: the sequential level takes items x latency per run. */
	levels: Array<{ concurrency: number; runs: number }>;
}

export interface ThroughputLevel {
	concurrency: number;
	idealMs: number;
	achievedMs: Summary;
	/** ideal / achieved x 100, per run. */
	percentOfIdeal: Summary;
	/** The most requests the sandbox handled at once, per run. */
	maxInFlight: Summary;
}

export interface ThroughputResult {
	items: number;
	latencyMs: number;
	imageBytes: number;
	targetPercent: number;
	levels: ThroughputLevel[];
}

export async function measureThroughput(
	sandbox: Sandbox,
	plan: ThroughputPlan,
): Promise<ThroughputResult> {
	sandbox.setLatency(plan.latencyMs);
	let imageBytes = 0;
	const levels: ThroughputLevel[] = [];
	for (const { concurrency, runs } of plan.levels) {
		const output = await runWorker<ThroughputWorkerInput, ThroughputWorkerOutput>(
			'throughputWorker.ts',
			{ sandboxUrl: sandbox.url, items: plan.items, concurrency, runs },
		);
		for (const run of output.runs) {
			if (run.requests !== plan.items) {
				throw new Error(
					`concurrency ${concurrency}: ${run.requests} requests for ${plan.items} items`,
				);
			}
		}
		imageBytes = output.imageBytes;
		const idealMs = (plan.items * plan.latencyMs) / concurrency;
		levels.push({
			concurrency,
			idealMs,
			achievedMs: summarize(output.runs.map((run) => run.elapsedMs)),
			percentOfIdeal: summarize(output.runs.map((run) => (idealMs / run.elapsedMs) * 100)),
			maxInFlight: summarize(output.runs.map((run) => run.maxInFlight)),
		});
	}
	return {
		items: plan.items,
		latencyMs: plan.latencyMs,
		imageBytes,
		targetPercent: THROUGHPUT_TARGET_PERCENT,
		levels,
	};
}
