/**
 * Part 3's measuring side: one scenario (N one-megabyte images at concurrency C) in a fresh
 * process, so that its peak is its own. Images are files on disk read through the binary
 * helper, as in n8n's default filesystem mode; requests go to the sandbox over loopback.
 * Memory is sampled every few milliseconds while the node runs, and the kernel's high-water
 * mark (VmHWM) is read at the end, which also catches a peak between two samples.
 *
 * In `live` mode (needs --expose-gc) each sample first collects garbage, so it shows what is
 * still referenced, not what V8 has not collected yet: V8 frees Buffers only once tens of MB of
 * them have piled up, which makes natural peaks of short runs look like retention.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

import { assertAllMatched, createBenchContext, DiskBinaryStore, imageItem } from './benchContext';
import { serveWorker } from './childWorker';
import { loadNodeFromDist } from './loadNode';
import { resetSandbox, sandboxStats } from './sandbox';
import { httpTransport } from './transports';

export interface MemoryWorkerInput {
	sandboxUrl: string;
	/** One image file per item. */
	files: string[];
	concurrency: number;
	sampleEveryMs: number;
	mode: 'natural' | 'live';
}

/** Bytes. */
export interface MemoryFigures {
	rss: number;
	heapUsed: number;
	/** Buffers and other memory outside the JavaScript heap (`external`, which includes arrayBuffers). */
	external: number;
}

export interface MemoryWorkerOutput {
	/** After loading the node and building the items, before the first image is read. */
	before: MemoryFigures;
	/** The highest value of each figure over the run (each may peak at a different moment). */
	peak: MemoryFigures;
	/** The kernel's peak RSS for the whole process life (/proc/self/status VmHWM). */
	vmHwm: number;
	elapsedMs: number;
	samples: number;
	maxInFlight: number;
}

function currentFigures(): MemoryFigures {
	const usage = process.memoryUsage();
	return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
}

function exposedGc(): () => void {
	const { gc } = globalThis as { gc?: () => void };
	if (!gc) throw new Error('memoryWorker in live mode needs --expose-gc');
	return gc;
}

function readVmHwm(): number {
	const status = fs.readFileSync('/proc/self/status', 'utf8');
	const kib = /^VmHWM:\s+(\d+) kB/m.exec(status);
	if (!kib) throw new Error('no VmHWM in /proc/self/status');
	return Number(kib[1]) * 1024;
}

async function measure(input: MemoryWorkerInput): Promise<MemoryWorkerOutput> {
	const node = await loadNodeFromDist();
	const { transport, close } = httpTransport();
	const items = input.files.map((file, index) => imageItem(index, file, fs.statSync(file).size));
	const context = createBenchContext({
		items,
		binaryStore: new DiskBinaryStore(),
		transport,
		baseUrl: input.sandboxUrl,
		concurrency: input.concurrency,
	});
	const collectGarbage = input.mode === 'live' ? exposedGc() : () => {};
	try {
		await resetSandbox(input.sandboxUrl);
		collectGarbage();
		const before = currentFigures();
		const peak = { ...before };
		let samples = 0;
		const sample = () => {
			collectGarbage();
			const now = currentFigures();
			peak.rss = Math.max(peak.rss, now.rss);
			peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
			peak.external = Math.max(peak.external, now.external);
			samples++;
		};
		const sampler = setInterval(sample, input.sampleEveryMs);
		const started = performance.now();
		const outputs = await node.execute.call(context);
		const elapsedMs = performance.now() - started;
		clearInterval(sampler);
		sample();
		assertAllMatched(`${input.files.length} images`, outputs, input.files.length);
		const stats = await sandboxStats(input.sandboxUrl);
		return { before, peak, vmHwm: readVmHwm(), elapsedMs, samples, maxInFlight: stats.maxInFlight };
	} finally {
		close();
	}
}

serveWorker(measure);
