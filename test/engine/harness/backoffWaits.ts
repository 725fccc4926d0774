/**
 * The node's own retry backoff waits with n8n-workflow's `sleep` (250 ms to 8 s per retry, and
 * at least a Retry-After). Engine tests that make the node retry replace that one function, so a
 * run stays fast, and keep the waits the node asked for, so a test can still check them without
 * timing anything. n8n-core's own waits (Retry On Fail, `waitBetweenTries`) use its own timers
 * and are not touched. Use it in a test file as:
 *
 *     jest.mock('n8n-workflow', () =>
 *       jest.requireActual<typeof import('./harness/backoffWaits')>('./harness/backoffWaits')
 *         .n8nWorkflowWithRecordedSleep(),
 *     );
 *
 * and read `requestedWaits` (cleared by `clearRequestedWaits()`).
 */

/** Every wait the node asked `sleep` for since the last clear, in milliseconds, in order. */
export const requestedWaits: number[] = [];

export function clearRequestedWaits(): void {
	requestedWaits.length = 0;
}

/**
 * n8n-workflow as it is, except that `sleep` records the wait and yields for 1 ms only. `sleep(0)`
 * is not a wait but the yield of the photo step's and the face check's checkpoints (every 20 ms
 * of work, so more or fewer on a loaded machine): it is not recorded.
 */
export function n8nWorkflowWithRecordedSleep(): Record<string, unknown> {
	const actual = jest.requireActual<Record<string, unknown>>('n8n-workflow');
	return {
		...actual,
		sleep: async (ms: number): Promise<void> => {
			if (ms > 0) requestedWaits.push(ms);
			await new Promise((resolve) => setTimeout(resolve, 1));
		},
	};
}
