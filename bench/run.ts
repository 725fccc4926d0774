/**
 * `npm run bench`: the measurements of the performance issue, the photo codec's and the face
 * check's, in one run, printed as Markdown tables and written to bench/results/latest.json.
 *
 *   npm run bench                          everything (about 6-9 minutes on 2 cores)
 *   npm run bench -- --only cpu,memory     some parts: cpu, throughput, memory, n8n, photo, hostile, face
 *
 * The node under test is always dist/ (npm run bench builds it first). Nothing here asserts:
 * targets are reported as met or MISSED, and the exit code is 0 unless the bench itself failed.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { PINNED_N8N } from '../test/e2e/harness/versions';
import { measureCpu, worstAboveTarget } from './cpu';
import { faceSection, measureFace } from './face';
import { NODE_DEFAULT_MAX_IMAGE_BYTES } from './images';
import { hostileSection, measureHostile } from './hostile';
import { describeMachine } from './machine';
import { measureMemory } from './memory';
import { measureN8n } from './n8n';
import { colourSection, measureColour } from './colour';
import { measurePhoto, photoSection } from './photo';
import { profileNode } from './profile';
import {
	cpuSection,
	headerSection,
	memorySection,
	n8nSection,
	profileSection,
	throughputSection,
	writeResults,
	type BenchResults,
} from './report';
import { startBenchSandbox } from './sandbox';
import { measureThroughput } from './throughput';

const RESULTS_DIRECTORY = path.join(__dirname, 'results');
const RESULTS_FILE = path.join(RESULTS_DIRECTORY, 'latest.json');
const PARTS = ['cpu', 'throughput', 'memory', 'n8n', 'photo', 'hostile', 'face'] as const;
type Part = (typeof PARTS)[number];

const CPU_SIZES = [
	{ label: '50 KB', targetBytes: 50_000 },
	{ label: '300 KB', targetBytes: 300_000 },
	{ label: '1 MB', targetBytes: 1_000_000 },
];

function progress(message: string): void {
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function selectedParts(): Set<Part> {
	const { values } = parseArgs({ options: { only: { type: 'string' } } });
	if (!values.only) return new Set(PARTS);
	const wanted = values.only.split(',').map((part) => part.trim());
	const unknown = wanted.filter((part) => !(PARTS as readonly string[]).includes(part));
	if (unknown.length > 0) {
		throw new Error(`unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}`);
	}
	return new Set(wanted as Part[]);
}

function print(section: string): void {
	process.stdout.write(`\n${section}\n`);
}

async function main(): Promise<void> {
	const parts = selectedParts();
	const started = Date.now();
	const results: BenchResults = {
		generatedAt: new Date().toISOString(),
		command:
			parts.size === PARTS.length
				? 'npm run bench'
				: `npm run bench -- --only ${[...parts].join(',')}`,
		machine: describeMachine(),
		loadAverage: { atStart: os.loadavg() },
	};
	print(headerSection(results));

	if (parts.has('cpu')) {
		progress('part 1: node CPU work per item against the baseline (3 sizes)');
		results.cpu = await measureCpu({
			sizes: CPU_SIZES,
			// Many short runs: on a shared 2-core machine a short run is less often preempted,
			// and the per-round pairing cancels what slows both sides alike.
			rounds: 60,
			warmupRounds: 10,
			bytesPerRun: 5_000_000,
		});
		print(cpuSection(results.cpu));
		const worst = worstAboveTarget(results.cpu);
		if (worst) {
			progress(`part 1: ${worst.label} is above target, profiling the node`);
			const size = CPU_SIZES.find((candidate) => candidate.label === worst.label)!;
			results.cpuProfile = await profileNode(
				worst.label,
				size.targetBytes,
				NODE_DEFAULT_MAX_IMAGE_BYTES,
				worst.node[worst.steadier].median - worst.baseline[worst.steadier].median,
				RESULTS_DIRECTORY,
			);
			print(profileSection(results.cpuProfile));
		}
	}

	if (parts.has('throughput') || parts.has('memory') || parts.has('n8n')) {
		const sandbox = await startBenchSandbox(0);
		try {
			if (parts.has('throughput')) {
				progress('part 2: throughput at concurrency 1, 4, 16 (about 1.5 minutes)');
				results.throughput = await measureThroughput(sandbox, {
					items: 200,
					latencyMs: 100,
					levels: [
						{ concurrency: 1, runs: 3 },
						{ concurrency: 4, runs: 3 },
						{ concurrency: 16, runs: 5 },
					],
				});
				print(throughputSection(results.throughput));
			}
			if (parts.has('memory')) {
				progress('part 3: peak memory, 3 scenarios, 3 natural runs and 2 with forced GC each');
				results.memory = await measureMemory(sandbox, {
					scenarios: [
						{ items: 20, concurrency: 4 },
						{ items: 200, concurrency: 4 },
						{ items: 200, concurrency: 16 },
					],
					runs: 3,
					liveRuns: 2,
					latencyMs: 20,
					imageBytes: 1_000_000,
				});
				print(memorySection(results.memory));
			}
			if (parts.has('n8n')) {
				progress('part 4: inside n8n, 6 workflows x 3 rounds (about 5 minutes)');
				results.n8n = await measureN8n(sandbox, {
					version: PINNED_N8N[0].version,
					items: 100,
					selfieBytes: 50_000,
					latencyMs: 100,
					rounds: 3,
					photoItems: 8,
				});
				print(n8nSection(results.n8n));
			}
		} finally {
			await sandbox.close();
		}
	}

	if (parts.has('photo')) {
		progress(
			'part 5: preparing a 12 MP phone photo, against jpeg-js, gm and libjpeg (about 1 minute)',
		);
		results.photo = await measurePhoto({ rounds: 7, slowRounds: 3 });
		print(photoSection(results.photo));
		progress('part 5, colours: ICC and CMYK conversion of a 2048x1536 photo, against its decode');
		results.colour = await measureColour();
		print(colourSection(results.colour));
	}

	if (parts.has('hostile')) {
		progress('part 6: hostile photos, each in a fresh process, against the budget and djpeg');
		results.hostile = await measureHostile();
		print(hostileSection(results.hostile));
	}

	if (parts.has('face')) {
		progress('part 7: the face check on its evaluation set (about 1-3 minutes)');
		results.face = await measureFace();
		print(faceSection(results.face));
	}

	results.durationSeconds = Math.round((Date.now() - started) / 1000);
	results.loadAverage.atEnd = os.loadavg();
	writeResults(RESULTS_FILE, results);
	const load = results.loadAverage.atEnd.map((value) => value.toFixed(2)).join(' ');
	print(
		`Load average at end (1/5/15 min): ${load}\n` +
			`Bench took ${results.durationSeconds} s. Results: ${path.relative(process.cwd(), RESULTS_FILE)}`,
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
