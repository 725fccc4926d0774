/**
 * The retry policy as pure functions: which failures are sent again, how long the node waits
 * between attempts (exponential backoff with jitter, never less than Retry-After, capped), and
 * how a Retry-After header is read. The waits are n8n-workflow's `sleep`, recorded here instead
 * of slept. How the node applies the policy to Kredibel's real answers (requests counted at the
 * sandbox) is tested inside n8n-core in test/engine/retries.test.ts.
 */
import type { Failure } from '../../nodes/KredibelBiometric/common/failure';

// Waiting is n8n's `sleep`: recorded here instead of slept, so the tests see every backoff.
const sleeps: number[] = [];
jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async (ms: number) => {
		sleeps.push(ms);
	}),
}));

import { parseRetryAfter } from '../../nodes/KredibelBiometric/kredibel/apiResponse';
import {
	backoffDelay,
	MAX_RETRY_AFTER_MS,
	shouldRetry,
	withRetries,
	type AttemptResult,
} from '../../nodes/KredibelBiometric/common/retry';

beforeEach(() => {
	sleeps.length = 0;
});

const failure = (extra: Partial<Failure> = {}): Failure => ({
	errorType: 'server_error',
	reason: '',
	hint: '',
	charged: false,
	fromApi: true,
	retryable: true,
	...extra,
});

/** An attempt that fails with these failures in turn, then succeeds; counts its calls. */
function scripted(...failures: Failure[]) {
	const script = {
		calls: 0,
		attempt: async (): Promise<AttemptResult<string>> => {
			const next = failures[script.calls++];
			return next ? { ok: false, failure: next } : { ok: true, value: 'answer' };
		},
	};
	return script;
}

describe('backoff', () => {
	it('grows exponentially, with jitter between half and the full step, up to a cap', () => {
		expect(backoffDelay(1, failure(), () => 0)).toBe(250);
		expect(backoffDelay(1, failure(), () => 0.999999)).toBeCloseTo(500, 0);
		expect(backoffDelay(2, failure(), () => 0)).toBe(500);
		expect(backoffDelay(3, failure(), () => 0)).toBe(1000);
		expect(backoffDelay(20, failure(), () => 0.999999)).toBeCloseTo(8000, 0);
	});

	it('never waits less than Retry-After', () => {
		expect(backoffDelay(1, failure({ retryAfterMs: 5000 }), () => 0)).toBe(5000);
	});

	it('never retries charged or non-retryable failures', () => {
		expect(shouldRetry(failure({ charged: true }), 0, 5)).toBe(false);
		expect(shouldRetry(failure({ retryable: false }), 0, 5)).toBe(false);
		expect(shouldRetry(failure(), 5, 5)).toBe(false);
		expect(shouldRetry(failure(), 4, 5)).toBe(true);
	});

	it('stops retrying once cancelled', async () => {
		let cancelled = false;
		let calls = 0;
		const outcome = await withRetries(
			async () => {
				calls++;
				cancelled = true;
				return { ok: false, failure: failure() };
			},
			{ maxRetries: 5, isCancelled: () => cancelled },
		);
		expect(calls).toBe(1);
		expect(outcome.attempts).toBe(1);
	});
});

describe('withRetries', () => {
	it('retries free failures until the answer, waiting before each retry', async () => {
		const script = scripted(failure(), failure());
		const outcome = await withRetries(script.attempt, { maxRetries: 3, random: () => 0 });
		expect(outcome).toEqual({ result: { ok: true, value: 'answer' }, attempts: 3 });
		expect(sleeps).toEqual([250, 500]);
	});

	it('gives the last failure and the number of attempts once Max Retries is used up', async () => {
		const last = failure({ httpCode: 503 });
		const script = scripted(failure({ errorType: 'request_error' }), failure(), last, failure());
		const outcome = await withRetries(script.attempt, { maxRetries: 2 });
		expect(script.calls).toBe(3);
		expect(outcome).toEqual({ result: { ok: false, failure: last }, attempts: 3 });
		expect(sleeps).toHaveLength(2);
	});

	it('Max Retries 0 makes one attempt and never waits', async () => {
		const script = scripted(failure());
		const outcome = await withRetries(script.attempt, { maxRetries: 0 });
		expect(script.calls).toBe(1);
		expect(outcome.attempts).toBe(1);
		expect(sleeps).toHaveLength(0);
	});

	it.each<[string, Partial<Failure>]>([
		[
			'charged (no_face_detected)',
			{ errorType: 'no_face_detected', charged: true, retryable: false },
		],
		['maybe charged (timeout)', { errorType: 'timeout', charged: 'unknown', retryable: false }],
		['not retryable (a 4XX)', { errorType: 'validation_error', retryable: false }],
	])('a failure that is %s is attempted once, without waiting', async (_name, extra) => {
		const script = scripted(failure(extra), failure(extra));
		const outcome = await withRetries(script.attempt, { maxRetries: 5 });
		expect(script.calls).toBe(1);
		expect(outcome.attempts).toBe(1);
		expect(sleeps).toHaveLength(0);
	});

	it('a 429 waits at least its Retry-After before the retry', async () => {
		const script = scripted(failure({ errorType: 'rate_limited', retryAfterMs: 1000 }));
		const outcome = await withRetries(script.attempt, { maxRetries: 3, random: () => 0 });
		expect(outcome.result.ok).toBe(true);
		expect(sleeps).toEqual([1000]);
	});

	it('a Retry-After beyond the cap fails at once instead of stalling the workflow', async () => {
		const tooLong = failure({ errorType: 'rate_limited', retryAfterMs: MAX_RETRY_AFTER_MS + 1 });
		const script = scripted(tooLong);
		const outcome = await withRetries(script.attempt, { maxRetries: 3 });
		expect(outcome).toEqual({ result: { ok: false, failure: tooLong }, attempts: 1 });
		expect(sleeps).toHaveLength(0);
	});

	it('a Retry-After exactly at the cap is still waited for', async () => {
		const script = scripted(
			failure({ errorType: 'rate_limited', retryAfterMs: MAX_RETRY_AFTER_MS }),
		);
		await withRetries(script.attempt, { maxRetries: 1 });
		expect(sleeps).toEqual([MAX_RETRY_AFTER_MS]);
	});

	it('does not retry when the execution is stopped during the wait', async () => {
		let cancelled = false;
		const script = scripted(failure(), failure());
		const outcome = await withRetries(script.attempt, {
			maxRetries: 5,
			isCancelled: () => {
				// Not cancelled when the failure is judged; cancelled once the wait is over.
				const now = cancelled;
				cancelled = true;
				return now;
			},
		});
		expect(script.calls).toBe(1);
		expect(outcome.attempts).toBe(1);
		expect(sleeps).toHaveLength(1);
	});
});

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-01-01T00:00:00Z');

	it.each<[string, unknown, number | undefined]>([
		['seconds', '1', 1000],
		['seconds with spaces', ' 120 ', 120_000],
		['fractional seconds', '1.5', 1500],
		['a number', 2, 2000],
		['the first of several headers', ['3', '9'], 3000],
		['an HTTP date 3 s ahead', 'Thu, 01 Jan 2026 00:00:03 GMT', 3000],
		['an HTTP date in the past', 'Wed, 31 Dec 2025 23:59:00 GMT', 0],
		['text that is neither', 'soon', undefined],
		['missing', undefined, undefined],
		['an object', { seconds: 1 }, undefined],
	])('%s', (_name, header, expected) => {
		expect(parseRetryAfter(header, now)).toBe(expected);
	});
});
