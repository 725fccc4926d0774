/**
 * What the CPU measurements run on: one JPEG of the chosen size held in memory, enough items
 * pointing at it for a run of `bytesPerRun`, and a bench context whose requests are answered at
 * once. Shared by the timed runs (cpuWorker.ts) and the profile (profileWorker.ts).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { createBenchContext, imageItem, MATCHING_NIK, MemoryBinaryStore } from './benchContext';
import { jpegOfSize } from './images';
import { instantTransport } from './transports';

export interface CpuFixture {
	imageBytes: number;
	itemsPerRun: number;
	context: IExecuteFunctions;
}

export function makeCpuFixture(
	targetBytes: number,
	ceilingBytes: number,
	bytesPerRun: number,
): CpuFixture {
	const image = jpegOfSize(targetBytes, ceilingBytes);
	const itemsPerRun = Math.max(10, Math.round(bytesPerRun / image.length));
	const store = new MemoryBinaryStore();
	const binaryId = store.add(image);
	const items = Array.from({ length: itemsPerRun }, (_, index) =>
		imageItem(index, binaryId, image.length),
	);
	const context = createBenchContext({
		items,
		binaryStore: store,
		transport: instantTransport(MATCHING_NIK),
		// https: the node refuses plain http to anything but loopback (the transport is in memory).
		baseUrl: 'https://kredibel.bench.invalid',
	});
	return { imageBytes: image.length, itemsPerRun, context };
}
