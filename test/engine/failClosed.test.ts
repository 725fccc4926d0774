/**
 * Fail closed (issue 10), through n8n's engine and over real HTTP against the sandbox's fault
 * modes: every odd answer fails only its own item, never leaves by Match, and a redirect sends
 * nothing to where it points. With Mask NIK on, the full NIK appears nowhere in what the run
 * produced, although Kredibel echoes it in its messages.
 */
import { visibleText } from '../helpers/secrets';
import type { JsonValue } from '../sandbox/faults';
import { SANDBOX_NIKS, type Fault } from '../sandbox/server';
import { startTrap, type Trap } from '../sandbox/trap';
import {
	allItems,
	pairedIndexes,
	SELFIE,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';
import { APPROVE_NODE } from './harness/runWorkflow';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

let trap: Trap;
beforeAll(async () => {
	trap = await startTrap();
});
afterAll(() => trap.close());

/** The applicant with the odd answer (item 0), between two real matches (items 1 and 2). */
const ODD = '3171011708450001';
const NIKS = [ODD, SANDBOX_NIKS.match, SANDBOX_NIKS.match];

/** Runs the three applicants with Route by Result and the error output, `fault` on item 0. */
async function oddAnswerRun(fault: Fault, options: Record<string, unknown> = {}) {
	env.sandbox.addFault({ match: { identityId: ODD }, fault });
	return await verify({
		niks: NIKS,
		parameters: { routeByResult: true },
		options: { maxRetries: 2, ...options },
		settings: { onError: 'continueErrorOutput' },
	});
}

const score = (
	faceSimilarity: JsonValue,
	more: Partial<Record<'face' | 'isValid' | 'isActive', JsonValue>> = {},
): Fault => ({
	kind: 'score',
	faceSimilarity,
	...more,
});

describe('odd answers fail closed, one item each', () => {
	it.each<[string, Fault, string]>([
		['a string score "0.10" with face true', score('0.10', { face: true }), 'invalid_response'],
		['a score of 24 (0-100 scale)', score(24, { face: true }), 'invalid_response'],
		['a negative score', score(-0.1, { face: true }), 'invalid_response'],
		['face as a string', score(0.9, { face: 'true' }), 'invalid_response'],
		['isValid as a string', score(0.9, { face: true, isValid: 'true' }), 'invalid_response'],
		[
			'an answer about another NIK',
			{ kind: 'echoNik', identityId: SANDBOX_NIKS.match },
			'invalid_response',
		],
		['HTML with status 200', { kind: 'malformed' }, 'invalid_response'],
		['JSON without data', { kind: 'wrongShape' }, 'invalid_response'],
		['a JSON array', { kind: 'answer', body: [{ data: { isValid: true } }] }, 'invalid_response'],
		[
			'data.response not an object',
			{
				kind: 'answer',
				body: { data: { identityId: ODD, isValid: true, isActive: true, response: 'face' } },
			},
			'invalid_response',
		],
	])(
		'%s: an error item, charged, sent once; Match holds only the real matches',
		async (_name, fault, errorType) => {
			const run = await oddAnswerRun(fault);
			const [failed, ...others] = run.output('Error');
			expect(others).toHaveLength(0);
			expect(failed.pairedItem).toEqual({ item: 0 });
			expect(failed.json).toMatchObject({ errorType, charged: true, attempts: 1 });
			expect(failed.json.error).toMatch(/^\[item 0\] \S/);
			expect(pairedIndexes(run.output('Match'))).toEqual([1, 2]);
			expect(env.biometricRequests().filter((entry) => entry.identityId === ODD)).toHaveLength(1);
		},
	);

	it.each<[string, Fault]>([
		['face false with a score of 0.80', score(0.8, { face: false })],
		['face false at threshold 0 with a score of 0', score(0, { face: false })],
	])('%s is never a match', async (_name, fault) => {
		const run = await oddAnswerRun(fault, { similarityThreshold: 0 });
		expect(run.output('No Match').map((item) => [item.pairedItem, item.json.result])).toEqual([
			[{ item: 0 }, 'no_match'],
		]);
		expect(pairedIndexes(run.output('Match'))).toEqual([1, 2]);
	});

	it.each<[string, JsonValue, RegExp]>([
		['field errors holding objects', { errors: { identityId: [{ toString: 1 }] } }, /identityId/],
		[
			'errorType __proto__',
			{ errors: { errorId: 'x', errorType: '__proto__' }, message: 'odd' },
			/__proto__/,
		],
		[
			'errorType constructor',
			{ errors: { errorId: 'x', errorType: 'constructor' }, message: 'odd' },
			/constructor/,
		],
		[
			'errorType toString',
			{ errors: { errorId: 'x', errorType: 'toString' }, message: 'odd' },
			/toString/,
		],
		['errors as an array', { errors: ['a', { b: 1 }] }, /HTTP 400/],
		[
			'deeply nested errors',
			{ errors: { a: { b: { c: { d: [1, [2, [3]]] } } } } },
			/payload|HTTP 400/,
		],
	])('a 400 with %s: a readable message for that item only', async (_name, body, reason) => {
		const run = await oddAnswerRun({ kind: 'answer', status: 400, body });
		const [failed] = run.output('Error');
		expect(failed.pairedItem).toEqual({ item: 0 });
		expect(failed.json.error).toMatch(/^\[item 0\] \S/);
		expect(failed.json.error).toMatch(reason);
		expect(failed.json.error).not.toMatch(/undefined|\[object Object\]/);
		expect(pairedIndexes(run.output('Match'))).toEqual([1, 2]);
	});

	it('a huge body: a readable error for that item only', async () => {
		const run = await oddAnswerRun({ kind: 'hugeBody', bytes: 20 * 1024 * 1024, status: 502 });
		const [failed] = run.output('Error');
		expect(failed.pairedItem).toEqual({ item: 0 });
		expect(String(failed.json.error).length).toBeLessThan(1000);
		expect(pairedIndexes(run.output('Match'))).toEqual([1, 2]);
	});
});

describe('redirects are not followed', () => {
	it.each([301, 302, 303, 307, 308] as const)(
		'%i to a second local port: that port receives nothing; invalid_response, not charged, not retried',
		async (status) => {
			const run = await oddAnswerRun({ kind: 'redirect', status, location: `${trap.url}/steal` });
			expect(trap.requests()).toHaveLength(0);
			expect(run.output('Error')[0].json).toMatchObject({
				errorType: 'invalid_response',
				charged: false,
				attempts: 1,
				httpCode: status,
			});
			expect(pairedIndexes(run.output('Match'))).toEqual([1, 2]);
			expect(run.reached(APPROVE_NODE)).toHaveLength(2);
		},
	);
});

describe('Mask NIK', () => {
	it('with Kredibel echoing the NIK in its messages, the full NIK is nowhere in the run’s items or errors', async () => {
		const nik = ODD;
		const echoes: Fault[] = [
			{
				kind: 'answer',
				status: 400,
				body: { errors: { identityId: [`${nik} is not valid`] }, message: `Input ${nik} invalid.` },
			},
			{
				kind: 'answer',
				status: 400,
				body: {
					errors: { errorId: 'e1', errorType: 'no_face_detected' },
					message: `No face for ${nik}.`,
				},
			},
			{
				kind: 'answer',
				status: 200,
				body: {
					message: `Verified ${nik}.`,
					data: {
						id: 'x',
						identityId: nik,
						isValid: true,
						isActive: true,
						response: { face: true, faceSimilarity: 0.9, note: nik },
					},
				},
			},
			{ kind: 'answer', status: 500, body: { message: `Upstream failed for ${nik}` } },
		];
		for (const fault of echoes) {
			env.sandbox.reset();
			env.sandbox.addFault({ fault });
			for (const onError of ['continueErrorOutput', 'continueRegularOutput'] as const) {
				const run = await verifyWith(env.sandbox, {
					niks: [],
					// The NIK is a literal parameter, so the input items do not carry it themselves.
					items: [{ json: { applicant: 1 }, binary: { data: { bytes: SELFIE } } }],
					parameters: { identityId: nik, routeByResult: true },
					options: { maskIdentityId: true, includeRawResponse: true, maxRetries: 0 },
					settings: { onError },
				});
				expect(allItems(run).length).toBe(1);
				expect(visibleText(run.outputs)).not.toContain(nik);
				expect(visibleText(run.task?.error ?? null)).not.toContain(nik);
			}
			const stopped = await verifyWith(env.sandbox, {
				niks: [],
				items: [{ json: { applicant: 1 }, binary: { data: { bytes: SELFIE } } }],
				parameters: { identityId: nik },
				options: { maskIdentityId: true, includeRawResponse: true, maxRetries: 0 },
				settings: {},
			});
			// The node's own parameters (the user's configuration) hold the NIK; what it reports may not.
			const error = stopped.error;
			const reported = [error?.message, error?.description, error?.context, stopped.outputs];
			expect(visibleText(reported)).not.toContain(nik);
		}
	});
});
