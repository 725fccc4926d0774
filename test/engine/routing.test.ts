/**
 * What n8n does with the node's outputs, run by n8n-core itself: the outputs it draws from the
 * Route by Result parameter (literal or expression), the split into the error output, the JSON
 * it keeps with "Continue (regular output)", stop-on-error, pairedItem, and n8n's own fallbacks
 * (a deactivated node, Always Output Data, Execute Once), which all land on output 0: No Verdict.
 * Downstream nodes show which outputs ran; Approve hangs off Match (or the one output).
 */
import { SANDBOX_NIKS } from '../sandbox/server';
import { freePort as closedPort } from '../e2e/harness/freePort';
import {
	allItems,
	applicants,
	pairedIndexes,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';
import { APPROVE_NODE } from './harness/runWorkflow';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

const ROUTED = ['No Verdict', 'Match', 'No Match', 'Invalid Identity'];
const NOT_IN_REGISTRY = '3171011708450001';
/** no match, match, invalid, match, not in the registry */
const MIXED = [
	SANDBOX_NIKS.noMatch,
	SANDBOX_NIKS.match,
	SANDBOX_NIKS.invalid,
	SANDBOX_NIKS.match,
	NOT_IN_REGISTRY,
];
/** match, a NIK refused locally, no match */
const WITH_FAILURE = [SANDBOX_NIKS.match, '123', SANDBOX_NIKS.noMatch];

describe('Route by Result', () => {
	it('on: n8n draws No Verdict, Match, No Match, Invalid Identity, each keeping input order; Approve gets the matches', async () => {
		const run = await verify({ niks: MIXED, parameters: { routeByResult: true }, settings: {} });
		expect(run.outputNames).toEqual(ROUTED);
		expect(run.output('No Verdict')).toHaveLength(0);
		expect(pairedIndexes(run.output('Match'))).toEqual([1, 3]);
		expect(pairedIndexes(run.output('No Match'))).toEqual([0]);
		expect(pairedIndexes(run.output('Invalid Identity'))).toEqual([2, 4]);
		expect(run.reached('Invalid Identity')?.map((item) => item.json.result)).toEqual([
			'identity_invalid',
			'identity_invalid',
		]);
		expect(run.reached(APPROVE_NODE)?.map((item) => item.json.result)).toEqual(['match', 'match']);
	});

	it('off: one output with every item in input order', async () => {
		const run = await verify({ niks: MIXED, parameters: { routeByResult: false }, settings: {} });
		expect(run.outputNames).toEqual(['Output']);
		expect(pairedIndexes(run.output('Output'))).toEqual([0, 1, 2, 3, 4]);
		expect(run.reached('Output')?.map((item) => item.json.result)).toEqual([
			'no_match',
			'match',
			'identity_invalid',
			'match',
			'identity_invalid',
		]);
	});

	// n8n evaluates the outputs expression on the parameter's stored text ("={{ true }}"), so an
	// expression draws one output, and a workflow wired for four would send every result down
	// the one left. The node refuses it before any request: with stop on error the run fails;
	// with continue on fail every item is an error item saying why (never a verdict).
	it.each([
		['={{ "false" }}', 'continueRegularOutput', 'Output'],
		['={{ true }}', 'continueRegularOutput', 'Output'],
		['={{ true }}', 'continueErrorOutput', 'Error'],
		['={{ $vars.route }}', undefined, undefined],
	] as const)(
		'as the expression %s (%s): refused, nothing sent, no verdict out',
		async (routeByResult, onError, failuresOn) => {
			const run = await verify({
				niks: MIXED,
				parameters: { routeByResult },
				settings: onError ? { onError } : {},
			});
			expect(env.biometricRequests()).toHaveLength(0);
			expect(allItems(run).filter((item) => item.json.result !== undefined)).toHaveLength(0);
			if (failuresOn === undefined) {
				expect(String(run.task?.error?.message)).toBe('Route by Result cannot be an expression');
				return;
			}
			const failed = run.output(failuresOn);
			expect(pairedIndexes(failed)).toEqual([0, 1, 2, 3, 4]);
			for (const item of failed) {
				expect(item.json).toMatchObject({ errorType: 'invalid_parameter', charged: false });
				expect(String(item.json.error)).toMatch(/Route by Result cannot be an expression/);
			}
		},
	);

	it.each([
		['the string "true"', 'true', ROUTED],
		['the string "false"', 'false', ['Output']],
	])(
		'as %s (a hand-edited workflow): n8n draws %j and the node fills exactly those',
		async (_name, routeByResult, drawn) => {
			const run = await verify({ niks: MIXED, parameters: { routeByResult }, settings: {} });
			expect(run.outputNames).toEqual(drawn);
			expect(run.outputs).toHaveLength(drawn.length);
			expect(allItems(run)).toHaveLength(MIXED.length);
			if (drawn.length === ROUTED.length) {
				const matched = run.output('Match');
				expect(matched.every((item) => item.json.result === 'match')).toBe(true);
				expect(pairedIndexes(matched)).toEqual([1, 3]);
			} else {
				expect(pairedIndexes(run.output(drawn[0]))).toEqual([0, 1, 2, 3, 4]);
			}
		},
	);

	it('as a number: refused, naming the value', async () => {
		const run = await verify({ niks: MIXED, parameters: { routeByResult: 1 }, settings: {} });
		expect(env.biometricRequests()).toHaveLength(0);
		expect(String(run.task?.error?.message)).toBe('Route by Result must be on or off, got 1');
	});
});

describe('Continue (using error output)', () => {
	it('n8n moves failed items to the Error output, with the input fields and the node’s error fields', async () => {
		const run = await verify({
			niks: WITH_FAILURE,
			parameters: { routeByResult: true },
			settings: { onError: 'continueErrorOutput' },
		});
		expect(run.outputNames).toEqual([...ROUTED, 'Error']);
		expect(run.output('No Verdict')).toHaveLength(0);
		expect(pairedIndexes(run.output('Match'))).toEqual([0]);
		expect(pairedIndexes(run.output('No Match'))).toEqual([2]);
		expect(run.reached('Invalid Identity')).toBeUndefined();
		const [failed] = run.output('Error');
		expect(failed.pairedItem).toEqual({ item: 1 });
		expect(failed.json).toMatchObject({
			applicant: 1,
			nik: '123',
			errorType: 'invalid_identity_id',
			charged: false,
			attempts: 0,
			error: '[item 1] The NIK has 3 digits instead of 16',
		});
		expect(run.reached(APPROVE_NODE)).toHaveLength(1);
	});

	it('without routing: successes on Success, failures on Error', async () => {
		const run = await verify({ niks: WITH_FAILURE, settings: { onError: 'continueErrorOutput' } });
		expect(run.outputNames).toEqual(['Success', 'Error']);
		expect(pairedIndexes(run.output('Success'))).toEqual([0, 2]);
		expect(pairedIndexes(run.output('Error'))).toEqual([1]);
	});
});

describe('Continue (regular output)', () => {
	it('n8n keeps the node’s JSON of a failed item (no replacement by a bare {error})', async () => {
		const run = await verify({
			niks: WITH_FAILURE,
			settings: { onError: 'continueRegularOutput' },
		});
		const output = run.output('Output');
		expect(pairedIndexes(output)).toEqual([0, 1, 2]);
		expect(output[1].json).toMatchObject({
			errorType: 'invalid_identity_id',
			charged: false,
			attempts: 0,
			identityId: '123',
			error: '[item 1] The NIK has 3 digits instead of 16',
		});
		expect(output[0].json.result).toBe('match');
	});

	it('with routing, failures leave by No Verdict, never by Match or No Match', async () => {
		const run = await verify({
			niks: WITH_FAILURE,
			parameters: { routeByResult: true },
			settings: { onError: 'continueRegularOutput' },
		});
		expect(run.outputNames).toEqual(ROUTED);
		expect(pairedIndexes(run.output('Match'))).toEqual([0]);
		expect(run.output('No Verdict').map((item) => [item.pairedItem, item.json.errorType])).toEqual([
			[{ item: 1 }, 'invalid_identity_id'],
		]);
		expect(run.output('No Match').map((item) => [item.pairedItem, item.json.result])).toEqual([
			[{ item: 2 }, 'no_match'],
		]);
	});

	it('with routing and Kredibel unreachable, every item leaves by No Verdict; Match and Approve do not run', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch],
			parameters: { routeByResult: true },
			options: { maxRetries: 0 },
			credentials: {
				apiKey: 'unused',
				environment: 'custom',
				baseUrl: `http://127.0.0.1:${await closedPort()}`,
			},
			settings: { onError: 'continueRegularOutput' },
		});
		expect(
			run
				.output('No Verdict')
				.map((item) => [item.pairedItem, item.json.errorType, item.json.charged]),
		).toEqual([
			[{ item: 0 }, 'network_error', false],
			[{ item: 1 }, 'network_error', false],
		]);
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
	});
});

describe('stop on error (n8n’s default)', () => {
	it('the execution fails with the first failing item’s error; nothing downstream runs, nothing is sent', async () => {
		const run = await verify({
			niks: WITH_FAILURE,
			options: { concurrency: 1 },
			settings: {},
		});
		expect(run.run.status).toBe('error');
		expect(run.error?.message).toBe('[item 1] The NIK has 3 digits instead of 16');
		expect(run.error?.description).toMatch(/KTP/);
		expect(run.task?.error?.message).toBe('[item 1] The NIK has 3 digits instead of 16');
		expect(run.reached('Output')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
		// Every item is checked locally first: the good items around the bad one were not paid for.
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('a 15-digit NIK at item 0 with three good applicants at Concurrency 4: nothing is sent', async () => {
		const run = await verify({
			niks: ['317101170845000', SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch, SANDBOX_NIKS.invalid],
			options: { concurrency: 4 },
			settings: {},
		});
		expect(run.error?.message).toBe('[item 0] The NIK has 15 digits instead of 16');
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('the first bad item by index is reported, whichever check fails (NIK, missing binary)', async () => {
		const items = applicants([SANDBOX_NIKS.match, SANDBOX_NIKS.match, '12']);
		delete items[1].binary;
		const run = await verify({ niks: [], items, settings: {} });
		expect(run.error?.message).toBe('[item 1] The item has no binary property "data"');
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('an API failure stops the run with a NodeApiError carrying httpCode, errorType, errorId, charged', async () => {
		env.sandbox.addFault({ fault: { kind: 'error', errorType: 'no_face_detected' } });
		const run = await verify({ niks: [SANDBOX_NIKS.match], settings: {} });
		expect(run.error?.name).toBe('NodeApiError');
		expect((run.error as unknown as { httpCode: string }).httpCode).toBe('400');
		expect(run.error?.context).toMatchObject({
			itemIndex: 0,
			errorType: 'no_face_detected',
			charged: true,
			attempts: 1,
		});
		expect(run.error?.context?.errorId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('no credential selected: n8n stops the run before any request', async () => {
		const run = await verify({ niks: [SANDBOX_NIKS.match], credentials: null, settings: {} });
		expect(run.run.status).toBe('error');
		expect(run.error?.message).toMatch(/credentials/i);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('a failure around the item loop, with continue on fail', () => {
	it('fails every item, by No Verdict, when the credential is missing', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.match],
			parameters: { routeByResult: true },
			credentials: null,
			settings: { onError: 'continueRegularOutput' },
		});
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
		const failed = run.output('No Verdict');
		expect(failed.map((item) => [item.pairedItem, item.json.errorType])).toEqual([
			[{ item: 0 }, 'configuration_error'],
			[{ item: 1 }, 'configuration_error'],
		]);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe("n8n's fallbacks land on No Verdict", () => {
	it('a deactivated node: n8n passes every applicant to No Verdict; Match and Approve do not run, nothing is sent', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch],
			parameters: { routeByResult: true },
			settings: { disabled: true },
		});
		expect(env.biometricRequests()).toHaveLength(0);
		expect(run.reached('No Verdict')?.map((item) => item.json.nik)).toEqual([
			SANDBOX_NIKS.match,
			SANDBOX_NIKS.noMatch,
		]);
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
	});

	it.each([
		['stop on error', undefined],
		['continue (regular output)', 'continueRegularOutput'],
		['error output', 'continueErrorOutput'],
	] as const)(
		'Always Output Data, nobody matched, %s: n8n adds its empty item to No Verdict; Match and Approve do not run',
		async (_name, onError) => {
			const run = await verify({
				niks: [SANDBOX_NIKS.noMatch, SANDBOX_NIKS.invalid],
				parameters: { routeByResult: true },
				settings: { alwaysOutputData: true, ...(onError ? { onError } : {}) },
			});
			expect(env.biometricRequests()).toHaveLength(2);
			expect(run.output('No Verdict').map((item) => item.json)).toEqual([{}]);
			expect(run.reached('Match')).toBeUndefined();
			expect(run.reached(APPROVE_NODE)).toBeUndefined();
			expect(pairedIndexes(run.output('No Match'))).toEqual([0]);
			expect(pairedIndexes(run.output('Invalid Identity'))).toEqual([1]);
		},
	);

	it('Always Output Data with Retry On Fail, continue (regular output), Kredibel failing: nothing reaches Match', async () => {
		env.sandbox.addFault({ fault: { kind: 'error', errorType: 'no_face_detected' } });
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			parameters: { routeByResult: true },
			settings: {
				alwaysOutputData: true,
				onError: 'continueRegularOutput',
				retryOnFail: true,
				maxTries: 3,
				waitBetweenTries: 1,
			},
		});
		expect(env.biometricRequests()).toHaveLength(1);
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
		expect(run.output('No Verdict').map((item) => item.json.errorType)).toEqual([
			'no_face_detected',
		]);
	});

	it('one output, Always Output Data, every item failing into the error output: n8n puts {} on Success, and an approval check on result is false for it', async () => {
		const run = await verify({
			niks: ['123', '456'],
			settings: { alwaysOutputData: true, onError: 'continueErrorOutput' },
		});
		expect(run.outputNames).toEqual(['Success', 'Error']);
		expect(pairedIndexes(run.output('Error'))).toEqual([0, 1]);
		// What reaches the step after the one output: an empty item, with no result at all.
		const approved = run.reached(APPROVE_NODE) ?? [];
		expect(approved.map((item) => item.json)).toEqual([{}]);
		expect(approved.filter((item) => item.json.result === 'match')).toHaveLength(0);
	});

	it('without routing, Always Output Data leaves real items as they are', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.noMatch],
			settings: { alwaysOutputData: true },
		});
		expect(run.reached('Output')?.map((item) => item.json.result)).toEqual(['no_match']);
	});
});

describe('Execute Once', () => {
	it('n8n hands the node only the first item: one request, one item paired with item 0', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch, SANDBOX_NIKS.invalid],
			parameters: { routeByResult: true },
			settings: { executeOnce: true },
		});
		expect(env.biometricRequests().map((entry) => entry.identityId)).toEqual([SANDBOX_NIKS.match]);
		expect(allItems(run)).toHaveLength(1);
		expect(pairedIndexes(run.output('Match'))).toEqual([0]);
		expect(run.output('No Verdict')).toHaveLength(0);
	});
});

describe('pairedItem', () => {
	it('every output item is paired with its own input, so later nodes can read the applicant', async () => {
		const run = await verify({
			niks: [...MIXED, '123'],
			parameters: { routeByResult: true },
			settings: { onError: 'continueErrorOutput' },
		});
		const seen = run.outputNames.flatMap((name) => pairedIndexes(run.output(name)));
		expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
		// n8n merged the paired input's fields into the error item: the pairing resolved.
		expect(run.output('Error')[0]?.json).toMatchObject({ applicant: 5, nik: '123' });
	});
});
