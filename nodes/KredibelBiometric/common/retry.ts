/**
 * Retry policy. Only failures that Kredibel does not charge for and that may pass next time
 * are retried: request_error, 5XX, 429 and connections refused before sending. A timeout or a
 * connection cut after sending may have been charged, so it is never retried. `no_face_detected`
 * is charged, so a retry would pay again for the same blurry photo; other 4XX fail the same way
 * every time.
 */
import { sleep } from 'n8n-workflow';

import type { Failure } from './failure';

/** Retry-After beyond this is not waited for: the item fails instead of stalling the workflow. */
export const MAX_RETRY_AFTER_MS = 60_000;

const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

interface RetryPolicy {
	maxRetries: number;
	/** Returns a number in [0, 1); injectable so tests are deterministic. */
	random?: () => number;
	/** Stops further attempts, e.g. when the execution is cancelled. */
	isCancelled?: () => boolean;
}

export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: Failure };

interface RetryOutcome<T> {
	result: AttemptResult<T>;
	attempts: number;
}

/** Exponential backoff with jitter (half fixed, half random), never shorter than Retry-After. */
export function backoffDelay(retryNumber: number, failure: Failure, random: () => number): number {
	const exponential = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (retryNumber - 1));
	const jittered = exponential / 2 + (random() * exponential) / 2;
	return Math.max(jittered, failure.retryAfterMs ?? 0);
}

export function shouldRetry(failure: Failure, retriesDone: number, maxRetries: number): boolean {
	// Anything that may have been charged ("unknown" included) is never sent again.
	if (!failure.retryable || failure.charged !== false || retriesDone >= maxRetries) return false;
	// Waiting minutes for a rate limit would stall the whole workflow: fail the item instead.
	return (failure.retryAfterMs ?? 0) <= MAX_RETRY_AFTER_MS;
}

export async function withRetries<T>(
	attempt: () => Promise<AttemptResult<T>>,
	policy: RetryPolicy,
): Promise<RetryOutcome<T>> {
	const random = policy.random ?? Math.random;
	let attempts = 0;
	for (;;) {
		const result = await attempt();
		attempts++;
		if (result.ok) return { result, attempts };
		const retriesDone = attempts - 1;
		if (!shouldRetry(result.failure, retriesDone, policy.maxRetries) || policy.isCancelled?.()) {
			return { result, attempts };
		}
		await sleep(backoffDelay(attempts, result.failure, random));
		if (policy.isCancelled?.()) return { result, attempts };
	}
}
