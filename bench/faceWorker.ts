/**
 * The face section's measuring side, in a fresh process (started with --expose-gc) so that its
 * memory figures are its own: builds the evaluation cases, runs the face check on each with a
 * checkpoint that yields every 20 ms (as the node does) and records, per case, the verdict, the
 * wall and CPU time, the longest stretch between two checkpoints (what blocks the event loop) and
 * the peak of heap + array buffers above the level before the case.
 */
import { performance } from 'node:perf_hooks';

import { findFaces, type FaceFinding } from '../nodes/KredibelBiometric/face';
import { blazeFaceNetwork } from '../nodes/KredibelBiometric/face/network';
import { ensureFaceEvalSet } from '../scripts/face-eval';
import { buildCases, type Expected } from '../test/face-eval/cases';
import { serveWorker } from './childWorker';

export interface FaceCaseResult {
	name: string;
	expected: Expected;
	expectedTurns?: number;
	finding: Omit<FaceFinding, 'box'>;
	wallMs: number;
	cpuMs: number;
	longestStretchMs: number;
	/** The same stretch in CPU time: what the code itself holds, without the machine's waits. */
	longestStretchCpuMs: number;
	/** Network passes the case took. */
	readings: number;
	extraBytes: number;
}

export interface FaceWorkerOutput {
	cases: FaceCaseResult[];
}

const YIELD_EVERY_MS = 20;

function liveBytes(): number {
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

serveWorker<Record<string, never>, FaceWorkerOutput>(async () => {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('faceWorker needs --expose-gc');
	const cases = await buildCases(ensureFaceEvalSet());
	// A reading calls the checkpoint once before its pass and once after each unit of the pass.
	const checkpointsPerReading = blazeFaceNetwork().units.length + 1;
	// Warm-up: compiled code and the unpacked weights are there before anything is timed.
	for (const warm of cases.slice(0, 3)) await findFaces(warm.picture, { mayTurn: true });
	const results: FaceCaseResult[] = [];
	for (const evalCase of cases) {
		gc();
		const baseline = liveBytes();
		let peak = baseline;
		let lastYield = performance.now();
		let lastCheckpoint = lastYield;
		let longestStretchMs = 0;
		let longestStretchCpuMs = 0;
		const start = performance.now();
		const cpuStart = process.cpuUsage();
		let lastCpu = cpuStart;
		let checkpoints = 0;
		const finding = await findFaces(evalCase.picture, {
			mayTurn: evalCase.mayTurn,
			checkpoint: async () => {
				checkpoints++;
				const now = performance.now();
				const cpuNow = process.cpuUsage();
				longestStretchMs = Math.max(longestStretchMs, now - lastCheckpoint);
				longestStretchCpuMs = Math.max(
					longestStretchCpuMs,
					(cpuNow.user + cpuNow.system - lastCpu.user - lastCpu.system) / 1000,
				);
				peak = Math.max(peak, liveBytes());
				if (now - lastYield >= YIELD_EVERY_MS) {
					await new Promise((resolve) => setImmediate(resolve));
					lastYield = performance.now();
				}
				lastCheckpoint = performance.now();
				lastCpu = process.cpuUsage();
			},
		});
		const end = performance.now();
		const cpu = process.cpuUsage(cpuStart);
		longestStretchMs = Math.max(longestStretchMs, end - lastCheckpoint);
		peak = Math.max(peak, liveBytes());
		results.push({
			name: evalCase.name,
			expected: evalCase.expected,
			expectedTurns: evalCase.quarterTurns,
			finding: {
				verdict: finding.verdict,
				quarterTurns: finding.quarterTurns,
				faces: finding.faces,
				score: finding.score,
				sharpness: finding.sharpness,
				brightness: finding.brightness,
			},
			wallMs: end - start,
			cpuMs: (cpu.user + cpu.system) / 1000,
			longestStretchMs,
			longestStretchCpuMs,
			readings: Math.round(checkpoints / checkpointsPerReading),
			extraBytes: peak - baseline,
		});
	}
	return { cases: results };
});
