/**
 * Never pay twice across executions (issue 18), in one n8n process, through n8n-core's engine
 * against the sandbox: each `verifyWith` is a new execution with its own id, as a webhook
 * delivered twice or an execution retried from the list would be. Counted in the sandbox's log.
 */
import { answerMemory } from '../../nodes/KredibelBiometric/reuse/answerMemory';
import { ledgerFootprint } from '../../nodes/KredibelBiometric/reuse/ledger';
import { makeJpeg } from '../fixtures/images';
import { SECOND_TEST_API_KEY } from '../helpers/secrets';
import { SANDBOX_NIKS } from '../sandbox/server';
import {
	allItems,
	applicants,
	sandboxCredential,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

/** The sum of `charged` over every item of a run: what the run cost, in requests Kredibel counted. */
function chargedSum(items: ReturnType<typeof allItems>): number {
	return items.filter((item) => item.json.charged === true).length;
}

describe('the same applicant in two executions', () => {
	it('is sent once; the second execution gets the verdict, reused and not charged', async () => {
		const first = await verify({ niks: [SANDBOX_NIKS.match] });
		const second = await verify({ niks: [SANDBOX_NIKS.match] });
		expect(first.executionId).not.toBe(second.executionId);
		expect(env.biometricRequests()).toHaveLength(1);
		expect(first.output('Success')[0].json).toMatchObject({
			result: 'match',
			charged: true,
			reused: false,
		});
		expect(second.output('Success')[0].json).toMatchObject({
			result: 'match',
			charged: false,
			reused: true,
			id: first.output('Success')[0].json.id,
		});
	});

	it('two executions in flight at once share one request', async () => {
		env.sandbox.setLatency(300);
		const [first, second] = await Promise.all([
			verify({ niks: [SANDBOX_NIKS.noMatch] }),
			verify({ niks: [SANDBOX_NIKS.noMatch] }),
		]);
		expect(env.biometricRequests()).toHaveLength(1);
		const results = [first, second].map((run) => run.output('Success')[0].json);
		expect(results.map((json) => json.result)).toEqual(['no_match', 'no_match']);
		expect(results.map((json) => json.charged).sort()).toEqual([false, true]);
	});

	it('the same NIK with another photo is another applicant: a new request', async () => {
		await verify({ niks: [SANDBOX_NIKS.match] });
		await verify({
			niks: [],
			items: applicants([SANDBOX_NIKS.match], makeJpeg(64, 80, { noise: 40, seed: 9 })),
		});
		expect(env.biometricRequests()).toHaveLength(2);
	});

	it('a second credential with another key pays for its own', async () => {
		await verify({ niks: [SANDBOX_NIKS.match] });
		const other = await verify({
			niks: [SANDBOX_NIKS.match],
			credentials: sandboxCredential(env.sandbox, SECOND_TEST_API_KEY),
		});
		expect(env.biometricRequests()).toHaveLength(2);
		expect(env.biometricRequests()[1].authorization).toBe(`Bearer ${SECOND_TEST_API_KEY}`);
		expect(other.output('Success')[0].json).toMatchObject({ charged: true, reused: false });
	});

	it('Reuse Window 0 sends it again (and the text "0" from an expression too)', async () => {
		await verify({ niks: [SANDBOX_NIKS.match] });
		await verify({ niks: [SANDBOX_NIKS.match], options: { reuseWindowHours: 0 } });
		await verify({ niks: [SANDBOX_NIKS.match], options: { reuseWindowHours: '={{ "0" }}' } });
		expect(env.biometricRequests()).toHaveLength(3);
	});

	it('Dedupe off sends it again', async () => {
		await verify({ niks: [SANDBOX_NIKS.match] });
		await verify({ niks: [SANDBOX_NIKS.match], options: { dedupe: false } });
		expect(env.biometricRequests()).toHaveLength(2);
	});

	it('a free failure is forgotten at once: the next execution sends the applicant again', async () => {
		env.sandbox.addFault({ times: 1, fault: { kind: 'status', status: 503 } });
		const failed = await verify({ niks: [SANDBOX_NIKS.match], options: { maxRetries: 0 } });
		expect(failed.output('Error')[0].json).toMatchObject({
			errorType: 'server_error',
			charged: false,
		});
		const again = await verify({ niks: [SANDBOX_NIKS.match], options: { maxRetries: 0 } });
		expect(again.output('Success')[0].json).toMatchObject({ result: 'match', reused: false });
		expect(env.biometricRequests()).toHaveLength(2);
	});

	it('a charged failure is reused, not paid again, and says so', async () => {
		env.sandbox.addFault({ fault: { kind: 'error', errorType: 'no_face_detected' } });
		await verify({ niks: [SANDBOX_NIKS.match] });
		const again = await verify({ niks: [SANDBOX_NIKS.match] });
		expect(env.biometricRequests()).toHaveLength(1);
		expect(again.output('Error')[0].json).toMatchObject({
			errorType: 'no_face_detected',
			charged: false,
			reused: true,
		});
		expect(String(again.output('Error')[0].json.error)).toMatch(
			/earlier request.*not charged again/,
		);
	});
});

describe('process memory is bounded by what is remembered (issue 27, point 2)', () => {
	it('executions that remember nothing (local and free failures) leave nothing; a paid one leaves its answer', async () => {
		env.sandbox.addFault({ fault: { kind: 'status', status: 503 } });
		for (let execution = 0; execution < 40; execution++) {
			await verify({ niks: ['123', SANDBOX_NIKS.match], options: { maxRetries: 0 } });
		}
		expect(env.biometricRequests()).toHaveLength(40);
		expect(answerMemory.stats()).toEqual({ entries: 0, bytes: 0, executions: 0, keys: 0 });
		expect(ledgerFootprint()).toEqual({ inFlight: 0, released: 0 });
		env.sandbox.reset();
		await verify({ niks: [SANDBOX_NIKS.match] });
		expect(answerMemory.stats()).toMatchObject({ entries: 1, executions: 1, keys: 1 });
	});
});

describe('charged, item by item', () => {
	it('summed over a run with duplicates, equals the requests Kredibel counted', async () => {
		const niks = [
			SANDBOX_NIKS.match,
			SANDBOX_NIKS.match,
			SANDBOX_NIKS.noMatch,
			SANDBOX_NIKS.invalid,
			SANDBOX_NIKS.noMatch,
			'123',
			SANDBOX_NIKS.match,
		];
		env.sandbox.addFault({
			match: { identityId: SANDBOX_NIKS.invalid },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		const run = await verify({ niks });
		expect(env.biometricRequests()).toHaveLength(3);
		expect(env.sandbox.charges().total).toBe(3);
		expect(chargedSum(allItems(run))).toBe(3);
		expect(allItems(run).filter((item) => item.json.reused === true)).toHaveLength(3);
		// A second run of the same applicants costs nothing, and says so.
		const again = await verify({ niks });
		expect(env.biometricRequests()).toHaveLength(3);
		expect(chargedSum(allItems(again))).toBe(0);
	});
});
