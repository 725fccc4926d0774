/**
 * When the node's CPU cost per item is above its target, says where its time goes: the node is
 * profiled in a process of its own on the same fixture as the timed runs (profileWorker.ts), and
 * the profile is broken down by function and source line (cpuProfile.ts). The .cpuprofile file
 * is kept next to the results, for Chrome DevTools.
 */
import fs from 'node:fs';
import path from 'node:path';

import { runWorker } from './childWorker';
import { analyzeProfile, type ProfileBreakdown } from './cpuProfile';
import type { ProfileWorkerInput, ProfileWorkerOutput } from './profileWorker';

export interface ProfileReport {
	label: string;
	imageBytes: number;
	itemsProfiled: number;
	profileFile: string;
	/** Node minus baseline per item, from the timed runs' medians: what the profile explains. */
	extraUsPerItem: number;
	breakdown: ProfileBreakdown;
}

export async function profileNode(
	label: string,
	targetBytes: number,
	ceilingBytes: number,
	extraUsPerItem: number,
	resultsDirectory: string,
): Promise<ProfileReport> {
	fs.mkdirSync(resultsDirectory, { recursive: true });
	const profileFile = path.join(resultsDirectory, `node-${label.replace(/\s+/g, '')}.cpuprofile`);
	const output = await runWorker<ProfileWorkerInput, ProfileWorkerOutput>('profileWorker.ts', {
		targetBytes,
		ceilingBytes,
		bytesPerRun: 5_000_000,
		warmupRuns: 20,
		runs: 240,
		profileFile,
		// Finer than the default 1 ms: an item takes microseconds.
		samplingIntervalUs: 50,
	});
	return {
		label,
		imageBytes: output.imageBytes,
		itemsProfiled: output.itemsProfiled,
		profileFile: path.relative(process.cwd(), profileFile),
		extraUsPerItem,
		breakdown: analyzeProfile(profileFile, output.itemsProfiled),
	};
}
