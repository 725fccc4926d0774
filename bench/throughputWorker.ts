/**
 * Part 2's measuring side, in a process of its own: runs the node from dist/ on `items` small
 * images at one concurrency level against the sandbox, `runs` times, after a warm-up that opens
 * the keep-alive sockets and compiles the hot paths. The sandbox is reset before each timed run,
 * so its `maxInFlight` describes that run alone.
 */
import { performance } from 'node:perf_hooks';

import { makeJpeg } from '../test/fixtures/images';
import { assertAllMatched, createBenchContext, imageItem, MemoryBinaryStore } from './benchContext';
import { serveWorker } from './childWorker';
import { loadNodeFromDist } from './loadNode';
import { resetSandbox, sandboxStats } from './sandbox';
import { httpTransport } from './transports';

export interface ThroughputWorkerInput {
	sandboxUrl: string;
	items: number;
	concurrency: number;
	runs: number;
}

export interface ThroughputWorkerOutput {
	imageBytes: number;
	runs: Array<{ elapsedMs: number; maxInFlight: number; requests: number }>;
}

async function measure(input: ThroughputWorkerInput): Promise<ThroughputWorkerOutput> {
	const image = makeJpeg();
	const store = new MemoryBinaryStore();
	const binaryId = store.add(image);
	const itemsOf = (count: number) =>
		Array.from({ length: count }, (_, index) => imageItem(index, binaryId, image.length));
	const { transport, close } = httpTransport();
	const node = await loadNodeFromDist();
	const contextFor = (count: number) =>
		createBenchContext({
			items: itemsOf(count),
			binaryStore: store,
			transport,
			baseUrl: input.sandboxUrl,
			concurrency: input.concurrency,
		});
	try {
		const warmupItems = input.concurrency * 2;
		assertAllMatched('warm-up', await node.execute.call(contextFor(warmupItems)), warmupItems);
		const context = contextFor(input.items);
		const runs: ThroughputWorkerOutput['runs'] = [];
		for (let run = 0; run < input.runs; run++) {
			await resetSandbox(input.sandboxUrl);
			const started = performance.now();
			const outputs = await node.execute.call(context);
			const elapsedMs = performance.now() - started;
			assertAllMatched(`concurrency ${input.concurrency}`, outputs, input.items);
			const stats = await sandboxStats(input.sandboxUrl);
			runs.push({ elapsedMs, maxInFlight: stats.maxInFlight, requests: stats.totalRequests });
		}
		return { imageBytes: image.length, runs };
	} finally {
		close();
	}
}

serveWorker(measure);
