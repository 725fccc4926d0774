/**
 * The node's reliability against the local sandbox over real HTTP on loopback: every fault
 * mode with its exact number of requests, a seeded chaos run, real concurrency, cancellation.
 * Backoff waits are shortened (except where a test measures them) so the suite stays fast.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { makeJpeg } from '../fixtures/images';
import { BinaryStore, jsonItem, runNode, TEST_API_KEY } from '../helpers/mockExecuteContext';
import { realHttpResponder } from '../helpers/realHttp';
import {
	SANDBOX_NIKS,
	startSandbox,
	type Fault,
	type RequestLogEntry,
	type Sandbox,
} from '../sandbox/server';

const waits: number[] = [];
let realWaits = false;
jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async (ms: number) => {
		waits.push(ms);
		await new Promise((resolve) => setTimeout(resolve, realWaits ? ms : 1));
	}),
}));

let sandbox: Sandbox;
const jpeg = makeJpeg();

beforeAll(async () => {
	sandbox = await startSandbox({ apiKey: TEST_API_KEY });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
	// Requests abandoned by a client timeout are still being answered: let them finish first.
	while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
	sandbox.reset();
	sandbox.setLatency(0);
	waits.length = 0;
	realWaits = false;
});

async function run(
	niks: string[],
	options: Record<string, unknown> = {},
	extra: { routeByResult?: boolean; cancelSignal?: AbortSignal } = {},
) {
	const store = new BinaryStore();
	const items = niks.map((nik) => jsonItem({ nik }, { data: store.add(jpeg) }));
	const result = await runNode(
		{
			items,
			parameters: {
				identityId: (i: number) => niks[i],
				routeByResult: extra.routeByResult ?? false,
				options,
			},
			credentials: { apiKey: TEST_API_KEY, environment: 'custom', baseUrl: sandbox.url },
			continueOnFail: true,
			respond: realHttpResponder,
			cancelSignal: extra.cancelSignal,
		},
		store,
	);
	if (!result.ok) throw result.error;
	return result.outputs;
}

const apiRequests = (): RequestLogEntry[] =>
	sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity'));

describe('fault modes, with exact request counts', () => {
	it('5XX twice then success: 3 requests, one success item', async () => {
		sandbox.addFault({ times: 2, fault: { kind: 'status', status: 503 } });
		const [[item]] = await run([SANDBOX_NIKS.match]);
		expect(apiRequests().map((entry) => entry.status)).toEqual([503, 503, 200]);
		expect(item.json).toMatchObject({ result: 'match', faceSimilarity: 1 });
	});

	it('request_error is retried', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'error', errorType: 'request_error' } });
		const [[item]] = await run([SANDBOX_NIKS.noMatch]);
		expect(apiRequests()).toHaveLength(2);
		expect(item.json.result).toBe('no_match');
	});

	it('no_face_detected: exactly one request, charged', async () => {
		sandbox.addFault({ fault: { kind: 'error', errorType: 'no_face_detected' } });
		const [[item]] = await run([SANDBOX_NIKS.match], { maxRetries: 5 });
		expect(apiRequests()).toHaveLength(1);
		expect(item.json).toMatchObject({
			errorType: 'no_face_detected',
			charged: true,
			attempts: 1,
			httpCode: 400,
		});
		expect(item.json.errorId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('a 429 with Retry-After: 1 waits at least one second before the next request', async () => {
		realWaits = true;
		sandbox.addFault({ times: 1, fault: { kind: 'rateLimit', retryAfter: 1 } });
		const [[item]] = await run([SANDBOX_NIKS.match]);
		const [first, second] = apiRequests();
		expect(first.status).toBe(429);
		expect(second.startedAt - (first.endedAt ?? first.startedAt)).toBeGreaterThanOrEqual(990);
		expect(item.json.result).toBe('match');
	});

	it('a hung request ends at the timeout and is retried', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'delay', ms: 3000 } });
		const [[item]] = await run([SANDBOX_NIKS.match], { timeout: 300 });
		expect(apiRequests()).toHaveLength(2);
		expect(item.json.result).toBe('match');
	});

	it('a hung request on every attempt gives a timeout error with the attempts made', async () => {
		sandbox.addFault({ fault: { kind: 'delay', ms: 3000 } });
		const [[item]] = await run([SANDBOX_NIKS.match], { timeout: 200, maxRetries: 1 });
		expect(apiRequests()).toHaveLength(2);
		expect(item.json).toMatchObject({ errorType: 'timeout', attempts: 2, charged: false });
		expect(item.json.error).toBe(
			'[item 0] Kredibel did not answer within 200 ms (after 2 attempts)',
		);
	});

	it('a reset connection is retried', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'reset' } });
		const [[item]] = await run([SANDBOX_NIKS.match]);
		expect(apiRequests()).toHaveLength(2);
		expect(item.json.result).toBe('match');
	});

	it('malformed JSON gives invalid_response and is not resent', async () => {
		sandbox.addFault({ fault: { kind: 'malformed' } });
		const [[item]] = await run([SANDBOX_NIKS.match]);
		expect(apiRequests()).toHaveLength(1);
		expect(item.json).toMatchObject({ errorType: 'invalid_response', httpCode: 200, attempts: 1 });
	});

	it('retries exhausted: the last error, not charged, with the number of attempts', async () => {
		sandbox.addFault({ times: 2, fault: { kind: 'status', status: 502 } });
		sandbox.addFault({ fault: { kind: 'error', errorType: 'request_error' } });
		const [[item]] = await run([SANDBOX_NIKS.match], { maxRetries: 2 });
		expect(apiRequests().map((entry) => entry.fault)).toEqual([
			'status',
			'status',
			'request_error',
		]);
		expect(item.json).toMatchObject({
			errorType: 'request_error',
			charged: false,
			attempts: 3,
			httpCode: 400,
		});
	});

	it('a wrong key is not retried and says so', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(jpeg) })],
				parameters: { identityId: SANDBOX_NIKS.match, options: {} },
				credentials: { apiKey: 'wrong-key', environment: 'custom', baseUrl: sandbox.url },
				continueOnFail: true,
				respond: realHttpResponder,
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(apiRequests()).toHaveLength(1);
		expect(result.outputs[0][0].json).toMatchObject({ errorType: 'unauthorized', httpCode: 401 });
	});

	it('the sandbox received the Bearer key and the exact image bytes', async () => {
		await run([SANDBOX_NIKS.match]);
		const [entry] = apiRequests();
		expect(entry.authorization).toBe(`Bearer ${TEST_API_KEY}`);
		expect(entry.faceImage?.equals(jpeg)).toBe(true);
	});
});

describe('a seeded chaos run: 200 items, concurrency 8', () => {
	const ITEMS = 200;
	const MAX_RETRIES = 2;
	const kinds: Fault[] = [
		{ kind: 'status', status: 500 },
		{ kind: 'status', status: 503 },
		{ kind: 'error', errorType: 'request_error' },
		{ kind: 'error', errorType: 'no_face_detected' },
		{ kind: 'rateLimit', retryAfter: 0 },
		{ kind: 'reset' },
		{ kind: 'malformed' },
		{ kind: 'delay', ms: 400 },
	];
	// Unique NIKs map every request in the sandbox log back to its item.
	const niks = Array.from({ length: ITEMS }, (_, i) =>
		i % 10 === 0 ? SANDBOX_NIKS.match : `3171${String(i).padStart(12, '0')}`,
	);

	let outputs: INodeExecutionData[][];
	// Kept here: the outer beforeEach clears the sandbox log before every test.
	let log: RequestLogEntry[];
	beforeAll(async () => {
		while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
		sandbox.reset();
		sandbox.setChaos({ seed: 20261125, rate: 0.35, kinds });
		outputs = await run(
			niks,
			{ concurrency: 8, maxRetries: MAX_RETRIES, timeout: 250 },
			{ routeByResult: true },
		);
		sandbox.setChaos(null);
		log = apiRequests();
	}, 60_000);

	it('really injected a mix of faults', () => {
		const faults = new Set(log.map((entry) => entry.fault).filter(Boolean));
		expect(faults.size).toBeGreaterThanOrEqual(6);
		// Retries happened: more requests than items.
		expect(log.length).toBeGreaterThan(ITEMS);
	});

	it('gives exactly 200 items across the three outputs', () => {
		expect(outputs).toHaveLength(3);
		expect(outputs.flat()).toHaveLength(ITEMS);
	});

	it('pairs outputs with inputs one to one', () => {
		const paired = outputs.flat().map((item) => (item.pairedItem as { item: number }).item);
		expect(new Set(paired).size).toBe(ITEMS);
		expect([...paired].sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
	});

	it('keeps input order within each output', () => {
		for (const output of outputs) {
			const indexes = output.map((item) => (item.pairedItem as { item: number }).item);
			expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
		}
	});

	it('never lets a failure out by Match', () => {
		expect(
			outputs[0].every((item) => item.json.result === 'match' && item.json.errorType === undefined),
		).toBe(true);
	});

	it('sends no NIK more often than the retry policy allows, and never repeats a charged error', () => {
		const byNik = new Map<string, RequestLogEntry[]>();
		for (const entry of log) {
			const list = byNik.get(entry.identityId ?? '') ?? [];
			list.push(entry);
			byNik.set(entry.identityId ?? '', list);
		}
		const sandboxNikRequests = byNik.get(SANDBOX_NIKS.match)?.length ?? 0;
		for (const [nik, entries] of byNik) {
			if (nik === SANDBOX_NIKS.match) continue;
			expect(entries.length).toBeLessThanOrEqual(MAX_RETRIES + 1);
			expect(
				entries.filter((entry) => entry.fault === 'no_face_detected').length,
			).toBeLessThanOrEqual(1);
			// Nothing is sent after a charged answer or an unreadable 200.
			const stop = entries.findIndex(
				(entry) => entry.fault === 'no_face_detected' || entry.fault === 'malformed',
			);
			if (stop !== -1) expect(stop).toBe(entries.length - 1);
		}
		expect(sandboxNikRequests).toBeLessThanOrEqual((ITEMS / 10) * (MAX_RETRIES + 1));
	});

	it('reports attempts and charged on every failed item consistently with the sandbox log', () => {
		const failed = outputs.flat().filter((item) => item.json.errorType !== undefined);
		expect(failed.length).toBeGreaterThan(0);
		for (const item of failed) {
			expect(item.json.attempts).toBeGreaterThanOrEqual(1);
			expect(item.json.attempts).toBeLessThanOrEqual(MAX_RETRIES + 1);
			expect(item.json.charged).toBe(item.json.errorType === 'no_face_detected');
		}
	});
});

describe('concurrency', () => {
	/** For each request, how many others were in flight at some moment of its life. */
	function overlaps(entries: RequestLogEntry[]): number[] {
		return entries.map(
			(a) =>
				entries.filter(
					(b) =>
						b !== a &&
						b.startedAt < (a.endedAt ?? Infinity) &&
						(b.endedAt ?? Infinity) > a.startedAt,
				).length,
		);
	}

	it('16 items at concurrency 4 with 200 ms latency run 4 at a time', async () => {
		sandbox.setLatency(200);
		const niks = Array.from({ length: 16 }, (_, i) => `3171${String(i).padStart(12, '0')}`);
		const [output] = await run(niks, { concurrency: 4 });
		expect(output).toHaveLength(16);
		const entries = apiRequests();
		expect(entries).toHaveLength(16);
		expect(sandbox.stats().maxInFlight).toBe(4);
		// Every request shared the sandbox with others: 4 rounds of 4, not 16 one after another.
		expect(Math.min(...overlaps(entries))).toBeGreaterThanOrEqual(3);
	});

	it('concurrency 1 sends one request at a time', async () => {
		sandbox.setLatency(50);
		const niks = Array.from({ length: 5 }, (_, i) => `3171${String(i).padStart(12, '0')}`);
		await run(niks, { concurrency: 1 });
		expect(sandbox.stats().maxInFlight).toBe(1);
		expect(Math.max(...overlaps(apiRequests()))).toBe(0);
	});

	it('starts no new request once the execution is cancelled', async () => {
		sandbox.setLatency(150);
		const controller = new AbortController();
		const niks = Array.from({ length: 12 }, (_, i) => `3171${String(i).padStart(12, '0')}`);
		setTimeout(() => controller.abort(), 60);
		const [output] = await run(niks, { concurrency: 3 }, { cancelSignal: controller.signal });
		expect(apiRequests()).toHaveLength(3);
		expect(output).toHaveLength(12);
		expect(output.slice(3).every((item) => item.json.errorType === 'cancelled')).toBe(true);
	});
});
