/**
 * Runs per-item work with a bounded number in flight and returns results in input order.
 * The bound is also what bounds memory: each task holds one image buffer and its base64 text,
 * so at most `concurrency` of them are alive at once, whatever the number of items.
 */
export interface PoolOptions {
	concurrency: number;
	/** Checked before each new task starts: once true, no new task starts. */
	shouldStop?: () => boolean;
}

export type PoolResult<T> = { started: true; value: T } | { started: false };

export async function mapInOrder<T>(
	count: number,
	task: (index: number) => Promise<T>,
	options: PoolOptions,
): Promise<Array<PoolResult<T>>> {
	const results: Array<PoolResult<T>> = Array.from({ length: count }, () => ({ started: false }));
	let next = 0;
	const worker = async () => {
		while (next < count && !options.shouldStop?.()) {
			const index = next++;
			results[index] = { started: true, value: await task(index) };
		}
	};
	const workers = Math.max(1, Math.min(options.concurrency, count));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
