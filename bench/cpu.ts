/**
 * Part 1: the node's own CPU work per item (validation, format sniffing, base64, output
 * shaping) next to the baseline, for 50 KB, 300 KB and 1 MB JPEGs, HTTP answered at once.
 * Each size runs in a fresh process (see cpuWorker.ts for how runs are interleaved).
 */
import { runWorker } from './childWorker';
import type { CpuWorkerInput, CpuWorkerOutput } from './cpuWorker';
import { NODE_DEFAULT_MAX_IMAGE_BYTES } from './images';
import { relativeSpread, summarize, type Summary } from './stats';

export const CPU_TARGET_RATIO = 1.25;

export interface CpuSizeResult {
	label: string;
	imageBytes: number;
	itemsPerRun: number;
	/** Microseconds per item. */
	node: { wall: Summary; cpu: Summary };
	baseline: { wall: Summary; cpu: Summary };
	/** node / baseline, paired round by round (each round has one run of each). */
	ratio: { wall: Summary; cpu: Summary };
	/** The clock whose round-to-round ratios spread least (interquartile range / median). */
	steadier: 'wall' | 'cpu';
}

export interface CpuResult {
	targetRatio: number;
	sizes: CpuSizeResult[];
}

export interface CpuImageSize {
	label: string;
	targetBytes: number;
}

export interface CpuPlan {
	sizes: CpuImageSize[];
	/** Measured rounds per size; each round is one node run and one baseline run. */
	rounds: number;
	/** Rounds run first and thrown away, while V8 compiles and sizes its heap. */
	warmupRounds: number;
	/**
	 * Image bytes per run, which sets the items per run (at least 10): a few ms per run, long
	 * enough for the clocks, short enough to be seldom preempted, and many rounds in little time.
	 */
	bytesPerRun: number;
}

export async function measureCpu(plan: CpuPlan): Promise<CpuResult> {
	const sizes: CpuSizeResult[] = [];
	for (const size of plan.sizes) {
		const output = await runWorker<CpuWorkerInput, CpuWorkerOutput>(
			'cpuWorker.ts',
			{
				targetBytes: size.targetBytes,
				ceilingBytes: NODE_DEFAULT_MAX_IMAGE_BYTES,
				bytesPerRun: plan.bytesPerRun,
				warmupRounds: plan.warmupRounds,
				rounds: plan.rounds,
			},
			{ nodeFlags: ['--expose-gc'] },
		);
		sizes.push(toSizeResult(size.label, output));
	}
	return { targetRatio: CPU_TARGET_RATIO, sizes };
}

/** The size whose ratio (on its steadier measure) is furthest above target, if any is. */
export function worstAboveTarget(result: CpuResult): CpuSizeResult | undefined {
	const above = result.sizes.filter(
		(size) => size.ratio[size.steadier].median > result.targetRatio,
	);
	return above.sort((a, b) => b.ratio[b.steadier].median - a.ratio[a.steadier].median)[0];
}

function toSizeResult(label: string, output: CpuWorkerOutput): CpuSizeResult {
	const pairedRatios = (node: number[], baseline: number[]) =>
		node.map((value, round) => value / baseline[round]);
	const wallRatios = pairedRatios(output.node.wallUs, output.baseline.wallUs);
	const cpuRatios = pairedRatios(output.node.cpuUs, output.baseline.cpuUs);
	const ratio = { wall: summarize(wallRatios), cpu: summarize(cpuRatios) };
	return {
		label,
		imageBytes: output.imageBytes,
		itemsPerRun: output.itemsPerRun,
		node: { wall: summarize(output.node.wallUs), cpu: summarize(output.node.cpuUs) },
		baseline: { wall: summarize(output.baseline.wallUs), cpu: summarize(output.baseline.cpuUs) },
		ratio,
		steadier: relativeSpread(cpuRatios) < relativeSpread(wallRatios) ? 'cpu' : 'wall',
	};
}
