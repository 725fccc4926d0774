/**
 * Part 1, measured in a process of its own (started with --expose-gc): the node's CPU work per
 * item against the baseline, HTTP answered at once. Node and baseline runs alternate, which one
 * goes first swaps every round, and the heap is collected before each run, so that neither side
 * pays for the other's garbage or profits from a warmer moment.
 */
import { performance } from 'node:perf_hooks';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { baselineExecute } from './baseline';
import { assertAllMatched } from './benchContext';
import { serveWorker } from './childWorker';
import { makeCpuFixture } from './cpuFixture';
import { loadNodeFromDist } from './loadNode';

export interface CpuWorkerInput {
	targetBytes: number;
	/** The image size never exceeds this (the node's default limit is 1 MiB). */
	ceilingBytes: number;
	/** Bytes of image data per run: sets how many items a run has, whatever the image size. */
	bytesPerRun: number;
	warmupRounds: number;
	rounds: number;
}

/** Per-item figures of each measured round, in microseconds. */
export interface CpuWorkerOutput {
	imageBytes: number;
	itemsPerRun: number;
	node: { wallUs: number[]; cpuUs: number[] };
	baseline: { wallUs: number[]; cpuUs: number[] };
}

type Side = 'node' | 'baseline';
type Execute = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

function exposedGc(): () => void {
	const { gc } = globalThis as { gc?: () => void };
	if (!gc) throw new Error('cpuWorker needs --expose-gc');
	return gc;
}

async function measure(input: CpuWorkerInput): Promise<CpuWorkerOutput> {
	const collectGarbage = exposedGc();
	const { imageBytes, itemsPerRun, context } = makeCpuFixture(
		input.targetBytes,
		input.ceilingBytes,
		input.bytesPerRun,
	);
	const node = await loadNodeFromDist();
	const executeOf: Record<Side, Execute> = { node: node.execute, baseline: baselineExecute };

	const runOnce = async (side: Side) => {
		collectGarbage();
		const cpuBefore = process.cpuUsage();
		const started = performance.now();
		const outputs = await executeOf[side].call(context);
		const wallUs = (performance.now() - started) * 1000;
		const cpu = process.cpuUsage(cpuBefore);
		assertAllMatched(side, outputs, itemsPerRun);
		return { wallUs: wallUs / itemsPerRun, cpuUs: (cpu.user + cpu.system) / itemsPerRun };
	};

	const result: CpuWorkerOutput = {
		imageBytes,
		itemsPerRun,
		node: { wallUs: [], cpuUs: [] },
		baseline: { wallUs: [], cpuUs: [] },
	};
	for (let round = 0; round < input.warmupRounds + input.rounds; round++) {
		const order: Side[] = round % 2 === 0 ? ['node', 'baseline'] : ['baseline', 'node'];
		for (const side of order) {
			const figures = await runOnce(side);
			if (round < input.warmupRounds) continue;
			result[side].wallUs.push(figures.wallUs);
			result[side].cpuUs.push(figures.cpuUs);
		}
	}
	return result;
}

serveWorker(measure);
