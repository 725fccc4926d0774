/**
 * Runs per-item work with a bounded number in flight and returns results in input order.
 * The bound is also what bounds memory: each task holds one image buffer and its base64 text,
 * so at most `concurrency` of them are alive at once, whatever the number of items.
 */
interface PoolOptions<T> {
	concurrency: number;
	/** Checked before each new task starts: once true, no new task starts. */
	shouldStop?: () => boolean;
	/** The result for an item whose task never started. */
	notStarted: (index: number) => T;
}

export async function mapInOrder<T>(
	count: number,
	task: (index: number) => Promise<T>,
	options: PoolOptions<T>,
): Promise<T[]> {
	const results = new Array<T>(count);
	let next = 0;
	let failure: { error: unknown } | undefined;
	const worker = async () => {
		while (next < count && failure === undefined && !options.shouldStop?.()) {
			const index = next++;
			try {
				results[index] = await task(index);
			} catch (error) {
				// No new task starts after one threw, and the pool only settles once every task in
				// flight has: nothing is sent on behalf of a run that has already ended.
				failure ??= { error };
			}
		}
	};
	const workers = Math.max(1, Math.min(options.concurrency, count));
	await Promise.all(Array.from({ length: workers }, worker));
	if (failure !== undefined) throw failure.error;
	// Items are taken in order, so the ones never started are exactly those from `next` on.
	for (let index = next; index < count; index++) results[index] = options.notStarted(index);
	return results;
}
