/**
 * Never pay twice (issue 11), over real HTTP against the sandbox, counted in the sandbox's log:
 * ambiguous failures (timeout, connection cut after sending) are sent once and reported as
 * `charged: "unknown"`; free retryable failures are retried; duplicates in one execution cost
 * one request; n8n's Retry On Fail re-runs the node without re-sending known answers; and a
 * seeded 200-item chaos run charges no applicant twice.
 */
// The node's backoff between its own retries only records its waits here (see backoffWaits.ts).
jest.mock('n8n-workflow', () =>
	jest
		.requireActual<typeof import('./harness/backoffWaits')>('./harness/backoffWaits')
		.n8nWorkflowWithRecordedSleep(),
);

import type { RequestLogEntry } from '../sandbox/server';
import { SANDBOX_NIKS, type Fault } from '../sandbox/server';
import { makeJpeg } from '../fixtures/images';
import {
	allItems,
	applicants,
	pairedIndexes,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

/** A NIK per applicant that the sandbox answers (charged) with "not in the registry". */
const applicantNik = (index: number) => `3171${String(index).padStart(12, '0')}`;

function requestsPerNik(entries: RequestLogEntry[] = env.biometricRequests()): Map<string, number> {
	const counts = new Map<string, number>();
	for (const entry of entries) {
		const nik = entry.identityId ?? '';
		counts.set(nik, (counts.get(nik) ?? 0) + 1);
	}
	return counts;
}

describe('ambiguous failures: sent once, charged "unknown", not retried', () => {
	it('a timeout', async () => {
		env.sandbox.addFault({ fault: { kind: 'delay', ms: 700 } });
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			options: { timeout: 200, maxRetries: 3 },
		});
		expect(env.biometricRequests()).toHaveLength(1);
		expect(run.output('Error')[0].json).toMatchObject({
			errorType: 'timeout',
			charged: 'unknown',
			attempts: 1,
		});
		expect(run.output('Error')[0].json.description).toMatch(/dashboard/i);
	});

	it('a connection cut after the request was sent', async () => {
		env.sandbox.addFault({ fault: { kind: 'reset' } });
		const run = await verify({ niks: [SANDBOX_NIKS.match], options: { maxRetries: 3 } });
		expect(env.biometricRequests()).toHaveLength(1);
		expect(run.output('Error')[0].json).toMatchObject({
			errorType: 'network_error',
			charged: 'unknown',
			attempts: 1,
		});
	});
});

describe('a paid answer is never turned into a free error (issue 27, point 5)', () => {
	/** Kredibel's verdict for the sandbox's matching NIK, with a field nested `depth` deep, as JSON text. */
	function deepVerdict(depth: number, withData = true): string {
		const deep = `${'{"a":'.repeat(depth)}"end"${'}'.repeat(depth)}`;
		if (!withData) return `{"message":"ok","extra":${deep}}`;
		return `{"message":"Identity biometric verification succeeded.","data":{"id":"v-deep","identityId":"${SANDBOX_NIKS.match}","isValid":true,"isActive":true,"response":{"face":true,"faceSimilarity":0.93},"extra":${deep}}}`;
	}

	it.each([
		['with its data block: the verdict', true],
		['without it: invalid_response', false],
	])(
		'a 2XX with a field nested 6,000 deep and Include Raw Response on, %s, charged and remembered',
		async (_name, withData) => {
			env.sandbox.addFault({
				fault: {
					kind: 'malformed',
					contentType: 'application/json',
					body: deepVerdict(6_000, withData),
				},
			});
			const spec: VerifySpec = {
				niks: [SANDBOX_NIKS.match],
				options: { includeRawResponse: true },
				settings: { onError: 'continueRegularOutput' },
			};
			const [first] = allItems(await verify(spec));
			if (withData) expect(first.json).toMatchObject({ result: 'match', charged: true });
			else expect(first.json).toMatchObject({ errorType: 'invalid_response', charged: true });
			expect(JSON.stringify(first.json.raw)).toContain(
				'[cut by the node: nested deeper than 32 levels]',
			);
			// The next execution reuses it: Kredibel is not asked (and paid) again.
			const [second] = allItems(await verify(spec));
			expect(second.json).toMatchObject({ charged: false, reused: true });
			expect(env.biometricRequests()).toHaveLength(1);
		},
	);
});

describe('free retryable failures are still retried', () => {
	it.each<[string, Fault, number]>([
		['503', { kind: 'status', status: 503 }, 2],
		['500', { kind: 'status', status: 500 }, 1],
		['request_error', { kind: 'error', errorType: 'request_error' }, 2],
		['429', { kind: 'rateLimit', retryAfter: 0 }, 1],
	])('%s, %#: retried until the answer, each attempt counted', async (_name, fault, times) => {
		env.sandbox.addFault({ times, fault });
		const run = await verify({ niks: [SANDBOX_NIKS.match], options: { maxRetries: 3 } });
		expect(env.biometricRequests()).toHaveLength(times + 1);
		expect(run.output('Success')[0].json.result).toBe('match');
	});

	it('connection refused (nothing sent): retried, charged false', async () => {
		const closedPort = { url: 'http://127.0.0.1:9' };
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			options: { maxRetries: 2 },
			credentials: {
				apiKey: 'kb_test_SECRET-key-0123456789abcdef',
				environment: 'custom',
				baseUrl: closedPort.url,
			},
		});
		expect(run.output('Error')[0].json).toMatchObject({
			errorType: 'network_error',
			charged: false,
			attempts: 3,
		});
	});
});

describe('duplicates in one execution', () => {
	it('the same NIK with the same image bytes costs one request; each item gets the answer, paired with itself', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch, SANDBOX_NIKS.match],
		});
		expect(requestsPerNik().get(SANDBOX_NIKS.match)).toBe(1);
		expect(env.biometricRequests()).toHaveLength(2);
		expect(pairedIndexes(run.output('Success'))).toEqual([0, 1, 2]);
		expect(run.output('Success').map((item) => item.json.result)).toEqual([
			'match',
			'no_match',
			'match',
		]);
	});

	it('the same NIK with other image bytes is another applicant: two requests', async () => {
		const items = [
			...applicants([SANDBOX_NIKS.match]),
			...applicants([SANDBOX_NIKS.match], makeJpeg(80, 80, { seed: 5 })),
		];
		await verify({ niks: [], items });
		expect(requestsPerNik().get(SANDBOX_NIKS.match)).toBe(2);
	});

	it('dedupe: false sends both', async () => {
		await verify({ niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.match], options: { dedupe: false } });
		expect(requestsPerNik().get(SANDBOX_NIKS.match)).toBe(2);
	});
});

// n8n reads waitBetweenTries 0 as its default, 1000 ms per try; 1 ms keeps the runs fast (the
// e2e suite runs these workflows with 0).
describe("n8n's Retry On Fail (retryOnFail, maxTries 3)", () => {
	const retryOnFail = { retryOnFail: true, maxTries: 3, waitBetweenTries: 1 };

	it('stop on error, two matches then a charged no_face_detected: each applicant reached Kredibel once', async () => {
		const niks = [applicantNik(1), applicantNik(2), applicantNik(3)];
		env.sandbox.addFault({
			match: { identityId: niks[2] },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		const run = await verify({ niks, options: { concurrency: 1 }, settings: retryOnFail });
		expect(run.run.status).toBe('error');
		// The last try reused the first try's answer: this try paid nothing for it.
		expect(run.error?.context).toMatchObject({
			errorType: 'no_face_detected',
			charged: false,
			reused: true,
		});
		expect(run.error?.message).toMatch(/not charged again/);
		expect([...requestsPerNik().values()]).toEqual([1, 1, 1]);
	});

	it('continue (regular output) with a charged failure first: each applicant reached Kredibel once', async () => {
		const niks = [applicantNik(1), applicantNik(2)];
		env.sandbox.addFault({
			match: { identityId: niks[0] },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		const run = await verify({
			niks,
			settings: { ...retryOnFail, onError: 'continueRegularOutput' },
		});
		expect([...requestsPerNik().values()]).toEqual([1, 1]);
		expect(run.output('Output').map((item) => item.json.errorType ?? item.json.result)).toEqual([
			'no_face_detected',
			'identity_invalid',
		]);
	});

	it('only free retryable failures are sent again by the re-runs', async () => {
		const niks = [applicantNik(1), applicantNik(2)];
		// The first applicant gets request_error on every request, the node's own retries off.
		env.sandbox.addFault({
			match: { identityId: niks[0] },
			fault: { kind: 'error', errorType: 'request_error' },
		});
		await verify({
			niks,
			options: { maxRetries: 0 },
			settings: { ...retryOnFail, onError: 'continueRegularOutput' },
		});
		const counts = requestsPerNik();
		expect(counts.get(niks[1])).toBe(1);
		// n8n ran the node up to 3 times; only the free failure was sent again.
		expect(counts.get(niks[0])).toBeGreaterThan(1);
		expect(counts.get(niks[0])).toBeLessThanOrEqual(3);
	});
});

describe('a seeded chaos run: 200 applicants, concurrency 8, Retry On Fail on', () => {
	const ITEMS = 200;
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

	it('charges no applicant more than once, and every applicant comes out once', async () => {
		const niks = Array.from({ length: ITEMS }, (_, i) => applicantNik(i));
		env.sandbox.setChaos({ seed: 20261125, rate: 0.35, kinds });
		const run = await verify({
			niks,
			parameters: { routeByResult: true },
			options: { concurrency: 8, maxRetries: 2, timeout: 250 },
			settings: {
				retryOnFail: true,
				maxTries: 3,
				waitBetweenTries: 1,
				onError: 'continueRegularOutput',
			},
		});
		env.sandbox.setChaos(null);
		const log = env.biometricRequests();
		expect(new Set(log.map((entry) => entry.fault).filter(Boolean)).size).toBeGreaterThanOrEqual(6);
		const charged = new Map<string, number>();
		for (const entry of log.filter(
			(e) => e.charged || e.fault === 'delay' || e.fault === 'reset',
		)) {
			// A delayed answer is charged although the client gave up; a cut one may have been.
			charged.set(entry.identityId ?? '', (charged.get(entry.identityId ?? '') ?? 0) + 1);
		}
		for (const [nik, count] of charged) expect([nik, count]).toEqual([nik, 1]);
		const paired = allItems(run).map((item) => (item.pairedItem as { item: number }).item);
		expect([...paired].sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
		expect(run.output('Match').every((item) => item.json.result === 'match')).toBe(true);
	}, 60_000);
});
