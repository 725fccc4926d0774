/**
 * The node's own retries (Max Retries), inside n8n against the sandbox, counted in the sandbox's
 * log: which of Kredibel's answers are sent again and which never are, Retry-After, the cap on
 * it, and a stop of the execution during a request. The waits themselves are the retry policy's
 * business (test/unit/retry.test.ts); here the node's `sleep` only records what it was asked
 * for, so the runs stay fast. Ambiguous failures (timeout, cut after sending) and refused
 * connections are in money.test.ts.
 */
jest.mock('n8n-workflow', () =>
	jest
		.requireActual<typeof import('./harness/backoffWaits')>('./harness/backoffWaits')
		.n8nWorkflowWithRecordedSleep(),
);

import type { INodeExecutionData } from 'n8n-workflow';

import type { Fault } from '../sandbox/faults';
import { SANDBOX_NIKS } from '../sandbox/server';
import { clearRequestedWaits, requestedWaits } from './harness/backoffWaits';
import { allItems, useSandbox, verifyWith, type VerifySpec } from './harness/fixtures';

const env = useSandbox();

const serverError: Fault = { kind: 'status', status: 503 };
const requestError: Fault = { kind: 'error', errorType: 'request_error' };
const noFace: Fault = { kind: 'error', errorType: 'no_face_detected' };

/** The faults for the next requests, one each, in order; later requests get the sandbox's answer. */
function nextAnswers(...faults: Fault[]): void {
	for (const fault of faults) env.sandbox.addFault({ times: 1, fault });
}

/** One applicant whose NIK matches in the sandbox; returns its one output item. */
async function verifyOne(options: VerifySpec['options'] = {}): Promise<INodeExecutionData> {
	const run = await verifyWith(env.sandbox, { niks: [SANDBOX_NIKS.match], options });
	const items = allItems(run);
	expect(items).toHaveLength(1);
	expect(items[0].pairedItem).toEqual({ item: 0 });
	return items[0];
}

const requests = () => env.biometricRequests().length;

beforeEach(() => clearRequestedWaits());

describe('retried: free failures that may pass next time', () => {
	it('5XX twice then success: 3 requests, one success item, two backoff waits', async () => {
		nextAnswers(serverError, serverError);
		const item = await verifyOne();
		expect(requests()).toBe(3);
		expect(item.json.result).toBe('match');
		expect(item.json.attempts).toBeUndefined();
		expect(requestedWaits).toHaveLength(2);
	});

	it('request_error is retried', async () => {
		nextAnswers(requestError);
		const item = await verifyOne();
		expect(requests()).toBe(2);
		expect(item.json.result).toBe('match');
	});

	it('exhausted retries give the last error, not charged, with the number of attempts', async () => {
		nextAnswers(serverError, requestError, serverError, serverError);
		const item = await verifyOne({ maxRetries: 2 });
		expect(requests()).toBe(3);
		expect(item.json).toMatchObject({
			errorType: 'server_error',
			charged: false,
			attempts: 3,
			httpCode: 503,
		});
	});

	it('Max Retries 0 sends once', async () => {
		nextAnswers(serverError);
		const item = await verifyOne({ maxRetries: 0 });
		expect(requests()).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'server_error', attempts: 1 });
		expect(requestedWaits).toHaveLength(0);
	});
});

describe('never sent again', () => {
	it('no_face_detected is charged, so it is sent exactly once', async () => {
		nextAnswers(noFace, noFace, noFace);
		const item = await verifyOne({ maxRetries: 5 });
		expect(requests()).toBe(1);
		expect(item.json).toMatchObject({ errorType: 'no_face_detected', charged: true, attempts: 1 });
		expect(requestedWaits).toHaveLength(0);
	});

	it.each<[string, Fault, string]>([
		[
			'400 validation',
			{
				kind: 'answer',
				status: 400,
				body: {
					errors: { identityId: ['Length must be 16.'] },
					message: 'Input payload validation failed.',
				},
			},
			'validation_error',
		],
		['401', { kind: 'answer', status: 401, body: { message: 'Invalid API key.' } }, 'unauthorized'],
		['404', { kind: 'answer', status: 404, body: { message: 'Not found.' } }, 'api_error'],
		[
			'invalid_base64_encoding',
			{ kind: 'error', errorType: 'invalid_base64_encoding' },
			'invalid_base64_encoding',
		],
		['200 with malformed JSON (may have been charged)', { kind: 'malformed' }, 'invalid_response'],
	])('%s is not retried', async (_name, fault, errorType) => {
		nextAnswers(fault, fault);
		const item = await verifyOne({ maxRetries: 3 });
		expect(requests()).toBe(1);
		expect(item.json).toMatchObject({ errorType, attempts: 1 });
		expect(requestedWaits).toHaveLength(0);
	});
});

describe('429 and Retry-After', () => {
	it('a 429 waits at least Retry-After (seconds), then the retry gets the answer', async () => {
		nextAnswers({ kind: 'rateLimit', retryAfter: 1 });
		const item = await verifyOne();
		expect(requests()).toBe(2);
		expect(item.json.result).toBe('match');
		expect(requestedWaits).toHaveLength(1);
		expect(requestedWaits[0]).toBeGreaterThanOrEqual(1000);
	});

	it('a 429 waits at least Retry-After (HTTP date)', async () => {
		// An HTTP date has whole seconds: 4 s ahead is more than 3 s away whenever it is read.
		const inFourSeconds = new Date(Date.now() + 4000).toUTCString();
		nextAnswers({ kind: 'rateLimit', retryAfter: inFourSeconds });
		const item = await verifyOne();
		expect(requests()).toBe(2);
		expect(item.json.result).toBe('match');
		expect(requestedWaits[0]).toBeGreaterThan(1500);
	});

	it('a Retry-After beyond the cap fails the item instead of stalling the workflow', async () => {
		nextAnswers({ kind: 'rateLimit', retryAfter: 3600 });
		const item = await verifyOne();
		expect(requests()).toBe(1);
		expect(item.json).toMatchObject({
			errorType: 'rate_limited',
			charged: false,
			attempts: 1,
			httpCode: 429,
		});
		expect(requestedWaits).toHaveLength(0);
	});
});

describe('a stop of the execution during a request', () => {
	it('is not retried: one request, reported as cancelled, and the run ends cancelled', async () => {
		env.sandbox.addFault({ fault: { kind: 'delay', ms: 1500 } });
		const run = await verifyWith(env.sandbox, {
			niks: [SANDBOX_NIKS.match],
			options: { maxRetries: 5 },
			onStarted: (cancel) => {
				const timer = setInterval(() => {
					if (env.sandbox.stats().inFlight === 1) {
						clearInterval(timer);
						cancel();
					}
				}, 5);
			},
		});
		expect(run.run.status).toBe('canceled');
		expect(requests()).toBe(1);
		expect(requestedWaits).toHaveLength(0);
		// The request was aborted, and n8n kept what the node returned: a cancelled item whose
		// charge is unknown (Kredibel may have processed it), made in one attempt.
		expect(run.output('Error')[0].json).toMatchObject({
			errorType: 'cancelled',
			charged: 'unknown',
			attempts: 1,
		});
	});
});
