/**
 * What n8n does with the node's outputs, run by n8n-core itself: the outputs it draws from the
 * Route by Result parameter (literal or expression), the split into the error output, the JSON
 * it keeps with "Continue (regular output)", stop-on-error, pairedItem, Always Output Data and
 * Execute Once. Downstream nodes show which outputs ran; Approve hangs off the first output.
 */
import { SANDBOX_NIKS } from '../sandbox/server';
import {
	allItems,
	pairedIndexes,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';
import { APPROVE_NODE, type EngineRun } from './harness/runWorkflow';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

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
	it('on: n8n draws Match, No Match, Invalid Identity, each keeping input order; Approve gets the matches', async () => {
		const run = await verify({ niks: MIXED, parameters: { routeByResult: true }, settings: {} });
		expect(run.outputNames).toEqual(['Match', 'No Match', 'Invalid Identity']);
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
	// expression draws one output, and a workflow wired for three would send every result down
	// the one left. The node refuses it before any request; nothing leaves by the first output.
	it.each([
		['={{ "false" }}', 'continueRegularOutput'],
		['={{ true }}', 'continueRegularOutput'],
		['={{ true }}', 'continueErrorOutput'],
		['={{ $vars.route }}', undefined],
	] as const)(
		'as the expression %s (%s): refused, nothing sent, nothing out',
		async (routeByResult, onError) => {
			const run = await verify({
				niks: MIXED,
				parameters: { routeByResult },
				settings: onError ? { onError } : {},
			});
			expect(env.biometricRequests()).toHaveLength(0);
			expect(allItems(run)).toHaveLength(0);
			expect(String(run.task?.error?.message)).toBe('Route by Result cannot be an expression');
		},
	);

	it.each([
		['the string "true"', 'true', ['Match', 'No Match', 'Invalid Identity']],
		['the string "false"', 'false', ['Output']],
	])(
		'as %s (a hand-edited workflow): n8n draws %j and the node fills exactly those',
		async (_name, routeByResult, drawn) => {
			const run = await verify({ niks: MIXED, parameters: { routeByResult }, settings: {} });
			expect(run.outputNames).toEqual(drawn);
			expect(run.outputs).toHaveLength(drawn.length);
			expect(allItems(run)).toHaveLength(MIXED.length);
			const firstOutput = run.output(drawn[0]);
			if (drawn.length === 3) {
				expect(firstOutput.every((item) => item.json.result === 'match')).toBe(true);
				expect(pairedIndexes(firstOutput)).toEqual([1, 3]);
			} else {
				expect(pairedIndexes(firstOutput)).toEqual([0, 1, 2, 3, 4]);
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
		expect(run.outputNames).toEqual(['Match', 'No Match', 'Invalid Identity', 'Error']);
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

	it('with routing, failures leave by No Match, never by Match', async () => {
		const run = await verify({
			niks: WITH_FAILURE,
			parameters: { routeByResult: true },
			settings: { onError: 'continueRegularOutput' },
		});
		expect(run.outputNames).toEqual(['Match', 'No Match', 'Invalid Identity']);
		expect(pairedIndexes(run.output('Match'))).toEqual([0]);
		expect(
			run
				.output('No Match')
				.map((item) => [item.pairedItem, item.json.errorType ?? item.json.result]),
		).toEqual([
			[{ item: 1 }, 'invalid_identity_id'],
			[{ item: 2 }, 'no_match'],
		]);
	});
});

describe('stop on error (n8n’s default)', () => {
	it('the execution fails with the first failing item’s error; nothing downstream runs', async () => {
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
		// Sequential: the item after the failing one was never sent.
		expect(env.biometricRequests().map((entry) => entry.identityId)).toEqual([SANDBOX_NIKS.match]);
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
	it('fails every item (no input passed on by Match) when the credential is missing', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.match],
			parameters: { routeByResult: true },
			credentials: null,
			settings: { onError: 'continueRegularOutput' },
		});
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
		const failed = run.output('No Match');
		expect(failed.map((item) => [item.pairedItem, item.json.errorType])).toEqual([
			[{ item: 0 }, 'configuration_error'],
			[{ item: 1 }, 'configuration_error'],
		]);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('Always Output Data with Route by Result', () => {
	/** The refusal as n8n shows it: the node's error, or an error item. */
	const shownError = (run: EngineRun) =>
		String(
			run.task?.error?.message ??
				allItems(run).find((item) => item.json.errorType !== undefined)?.json.error,
		);

	it.each([
		[
			'nobody matches, continue (regular output)',
			[SANDBOX_NIKS.noMatch, SANDBOX_NIKS.invalid],
			'continueRegularOutput',
		],
		['everybody matches, continue (regular output)', [SANDBOX_NIKS.match], 'continueRegularOutput'],
		['nobody matches, error output', [SANDBOX_NIKS.noMatch], 'continueErrorOutput'],
		['everybody matches, error output', [SANDBOX_NIKS.match], 'continueErrorOutput'],
		['nobody matches, stop on error', [SANDBOX_NIKS.noMatch], undefined],
	] as const)(
		'%s: refused before any request, nothing reaches Match, Approve does not run',
		async (_name, niks, onError) => {
			const run = await verify({
				niks: [...niks],
				parameters: { routeByResult: true },
				settings: { alwaysOutputData: true, ...(onError ? { onError } : {}) },
			});
			expect(env.biometricRequests()).toHaveLength(0);
			expect(run.reached('Match') ?? []).toHaveLength(0);
			expect(run.output('Match')).toHaveLength(0);
			expect(run.reached(APPROVE_NODE)).toBeUndefined();
			expect(shownError(run)).toMatch(/Always Output Data/);
		},
	);

	// Retry On Fail calls execute() again after each thrown error: the node must keep the run's
	// input until the last try, or n8n would skip that try's execute() and add its empty item.
	it.each([
		['continue (regular output), Retry On Fail with 2 tries', 'continueRegularOutput', 2],
		['continue (regular output), Retry On Fail with 5 tries', 'continueRegularOutput', 5],
		['error output, Retry On Fail with 3 tries', 'continueErrorOutput', 3],
	] as const)(
		'%s: nothing reaches Match, Approve does not run',
		async (_name, onError, maxTries) => {
			const run = await verify({
				niks: [SANDBOX_NIKS.noMatch],
				parameters: { routeByResult: true },
				settings: {
					alwaysOutputData: true,
					onError,
					retryOnFail: true,
					maxTries,
					waitBetweenTries: 1,
				},
			});
			expect(env.biometricRequests()).toHaveLength(0);
			expect(run.reached('Match') ?? []).toHaveLength(0);
			expect(run.reached(APPROVE_NODE)).toBeUndefined();
			expect(shownError(run)).toMatch(/Always Output Data/);
		},
	);

	it('without routing it is allowed: the items come out as usual', async () => {
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
