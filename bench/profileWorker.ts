/**
 * Profiles the node alone on the CPU fixture, in a process of its own, with V8's
 * sampling profiler (what `node --cpu-prof` uses), started only after warm-up so that module
 * loading and JIT compilation stay out of the picture. Writes a .cpuprofile (open it in Chrome
 * DevTools' Performance panel) and says how many items it covers.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

import { assertAllMatched } from './benchContext';
import { serveWorker } from './childWorker';
import { makeCpuFixture } from './cpuFixture';
import { loadNodeFromDist } from './loadNode';

export interface ProfileWorkerInput {
	targetBytes: number;
	ceilingBytes: number;
	bytesPerRun: number;
	warmupRuns: number;
	runs: number;
	/** Where the .cpuprofile goes. */
	profileFile: string;
	samplingIntervalUs: number;
}

export interface ProfileWorkerOutput {
	imageBytes: number;
	itemsProfiled: number;
}

async function profile(input: ProfileWorkerInput): Promise<ProfileWorkerOutput> {
	const { imageBytes, itemsPerRun, context } = makeCpuFixture(
		input.targetBytes,
		input.ceilingBytes,
		input.bytesPerRun,
	);
	const node = await loadNodeFromDist();
	for (let run = 0; run < input.warmupRuns; run++) {
		assertAllMatched('node', await node.execute.call(context), itemsPerRun);
	}
	const session = new Session();
	session.connect();
	await session.post('Profiler.enable');
	await session.post('Profiler.setSamplingInterval', { interval: input.samplingIntervalUs });
	await session.post('Profiler.start');
	for (let run = 0; run < input.runs; run++) await node.execute.call(context);
	const { profile: recorded } = await session.post('Profiler.stop');
	session.disconnect();
	fs.writeFileSync(input.profileFile, JSON.stringify(recorded));
	return { imageBytes, itemsProfiled: itemsPerRun * input.runs };
}

serveWorker(profile);
