import type { Failure } from '../../nodes/KredibelBiometric/failure';
import { makeJpeg } from '../fixtures/images';
import {
	BinaryStore,
	jsonItem,
	runNode,
	sandboxResponder,
	type Reply,
} from '../helpers/mockExecuteContext';

// Waiting is n8n's `sleep`: recorded here instead of slept, so the tests see every backoff.
const sleeps: number[] = [];
jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async (ms: number) => {
		sleeps.push(ms);
	}),
}));

import { backoffDelay, shouldRetry, withRetries } from '../../nodes/KredibelBiometric/retry';

const MATCH_NIK = '1234567890123456';
const noFace: Reply = {
	statusCode: 400,
	body: { errors: { errorId: 'e1', errorType: 'no_face_detected' }, message: 'No face.' },
};
const requestError: Reply = {
	statusCode: 400,
	body: { errors: { errorId: 'e2', errorType: 'request_error' }, message: 'Dukcapil unreachable.' },
};
const serverError: Reply = { statusCode: 503, body: { message: 'Service unavailable.' } };

/** Answers with the scripted replies in turn, then with the sandbox answer. */
function script(...replies: Array<Reply | Error>) {
	return (request: { body: { identityId: string } }, call: number): Reply => {
		const reply = replies[call - 1];
		if (reply instanceof Error) throw reply;
		return reply ?? sandboxResponder(request as never, call);
	};
}

async function runOne(respond: ReturnType<typeof script>, options: Record<string, unknown> = {}) {
	const store = new BinaryStore();
	const result = await runNode(
		{
			items: [jsonItem({}, { data: store.add(makeJpeg()) })],
			parameters: { identityId: MATCH_NIK, options },
			continueOnFail: true,
			respond,
		},
		store,
	);
	if (!result.ok) throw result.error;
	return { item: result.outputs[0][0], requests: result.requests.length };
}

beforeEach(() => {
	sleeps.length = 0;
});

describe('retries in the node', () => {
	it('5XX twice then success: 3 requests, one success item', async () => {
		const { item, requests } = await runOne(script(serverError, serverError));
		expect(requests).toBe(3);
		expect(item.json.result).toBe('match');
		expect(sleeps).toHaveLength(2);
	});

	it('request_error is retried', async () => {
		const { item, requests } = await runOne(script(requestError));
		expect(requests).toBe(2);
		expect(item.json.result).toBe('match');
	});

	it('no_face_detected is charged, so it is sent exactly once', async () => {
		const { item, requests } = await runOne(script(noFace, noFace, noFace), { maxRetries: 5 });
		expect(requests).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'no_face_detected', charged: true, attempts: 1 });
		expect(sleeps).toHaveLength(0);
	});

	it.each([
		[
			'400 validation',
			{
				statusCode: 400,
				body: {
					errors: { identityId: ['Length must be 16.'] },
					message: 'Input payload validation failed.',
				},
			},
		],
		['401', { statusCode: 401, body: { message: 'Invalid API key.' } }],
		['404', { statusCode: 404, body: { message: 'Not found.' } }],
		[
			'invalid_base64_encoding',
			{
				statusCode: 400,
				body: { errors: { errorId: 'x', errorType: 'invalid_base64_encoding' }, message: 'x' },
			},
		],
		['200 with malformed JSON (may have been charged)', { statusCode: 200, body: '<html>' }],
	])('%s is not retried', async (_name, reply) => {
		const { requests, item } = await runOne(script(reply as Reply, reply as Reply), {
			maxRetries: 3,
		});
		expect(requests).toBe(1);
		expect(item.json.attempts).toBe(1);
	});

	it('a 429 waits at least Retry-After (seconds)', async () => {
		const { item, requests } = await runOne(
			script({ statusCode: 429, body: { message: 'slow down' }, headers: { 'retry-after': '1' } }),
		);
		expect(requests).toBe(2);
		expect(item.json.result).toBe('match');
		expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
	});

	it('a 429 waits at least Retry-After (HTTP date)', async () => {
		const inThreeSeconds = new Date(Date.now() + 3000).toUTCString();
		await runOne(script({ statusCode: 429, body: {}, headers: { 'retry-after': inThreeSeconds } }));
		expect(sleeps[0]).toBeGreaterThan(1500);
	});

	it('a Retry-After beyond the cap fails the item instead of stalling the workflow', async () => {
		const { item, requests } = await runOne(
			script({ statusCode: 429, body: {}, headers: { 'retry-after': '3600' } }),
		);
		expect(requests).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'rate_limited', attempts: 1 });
	});

	it('a timeout may have been charged: sent once, charged "unknown"', async () => {
		const timeout = Object.assign(new Error('timeout of 30000ms exceeded'), {
			code: 'ECONNABORTED',
		});
		const { item, requests } = await runOne(script(timeout));
		expect(requests).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'timeout', charged: 'unknown', attempts: 1 });
	});

	it('an abort the execution did not ask for (n8n 2.x ends slow requests so) is a timeout, not retried', async () => {
		const aborted = Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
		const { item, requests } = await runOne(script(aborted));
		expect(requests).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'timeout', charged: 'unknown' });
	});

	it('a connection refused before sending is free and retried', async () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
		const { item, requests } = await runOne(script(refused, refused));
		expect(requests).toBe(3);
		expect(item.json.result).toBe('match');
	});

	it('an abort because the execution was stopped is reported as cancelled and not retried', async () => {
		const controller = new AbortController();
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: {} },
				continueOnFail: true,
				cancelSignal: controller.signal,
				respond: () => {
					controller.abort();
					throw Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
				},
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(result.requests).toHaveLength(1);
		expect(result.outputs[0][0].json).toMatchObject({ errorType: 'cancelled', attempts: 1 });
	});

	it('a connection cut after sending may have been charged: sent once, charged "unknown"', async () => {
		const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		const { item, requests } = await runOne(script(reset, reset));
		expect(requests).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'network_error', charged: 'unknown' });
	});

	it('exhausted retries give the last error, not charged, with the number of attempts', async () => {
		const { item, requests } = await runOne(
			script(serverError, requestError, serverError, serverError),
			{ maxRetries: 2 },
		);
		expect(requests).toBe(3);
		expect(item.json).toMatchObject({
			errorType: 'server_error',
			charged: false,
			attempts: 3,
			httpCode: 503,
		});
	});

	it('Max Retries 0 sends once', async () => {
		const { requests } = await runOne(script(serverError), { maxRetries: 0 });
		expect(requests).toBe(1);
	});
});

describe('backoff', () => {
	const failure = (extra: Partial<Failure> = {}): Failure => ({
		errorType: 'server_error',
		reason: '',
		hint: '',
		charged: false,
		fromApi: true,
		retryable: true,
		...extra,
	});

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
