/**
 * The packed package inside real n8n processes (every pinned version, side by side), against
 * the local sandbox over real HTTP on loopback: credentials encrypted in n8n's database, binary
 * data stored on disk, the node loaded as an installed community package. Each workflow in
 * workflows/ runs once per version; the assertions read n8n's output and the sandbox's log.
 *
 * Two groups, each with its own n8n run per version, so that `-t` on one group does not run the
 * other's workflows: the everyday workflows, and "fail closed / never pay twice" (odd answers,
 * Route by Result as an expression, n8n's fallbacks on No Verdict, Retry On Fail). KREDIBEL_E2E_N8N=2.41.1
 * (a comma list) limits the versions while working on a test.
 */
import fs from 'node:fs';
import path from 'node:path';

import { perApplicant, received } from './harness/sandboxRequests';
import {
	BIOMETRIC_PATH,
	SANDBOX_NIKS,
	startSandbox,
	type RequestLogEntry,
	type Sandbox,
} from '../sandbox/server';
import { startTrap, type Trap, type TrapRequest } from '../sandbox/trap';
import {
	nodeRun,
	outputsOf,
	type ExecutionResult,
	type OutputItem,
} from './harness/executionResult';
import { freePort } from './harness/freePort';
import { createN8nRun, type N8nRun, type WorkflowImport } from './harness/n8nInstance';
import { packPackage } from './harness/packPackage';
import { progress } from './harness/processes';
import { PINNED_N8N } from './harness/versions';

const VERSIONS = PINNED_N8N.map((pin) => pin.version).filter(
	(version) =>
		!process.env.KREDIBEL_E2E_N8N || process.env.KREDIBEL_E2E_N8N.split(',').includes(version),
);
const API_KEY = 'e2e-kredibel-key-0f1e2d3c';
const CREDENTIAL_ID = 'kredibelSandbox1';
const NODE = 'Kredibel Biometric';

/** What each workflow needs the sandbox to do before it runs (the trap is where redirects point). */
type Scenarios = Record<string, (sandbox: Sandbox, trap: Trap) => void>;

const SCENARIOS: Scenarios = {
	'sandbox-answers': () => {},
	'route-by-result': () => {},
	'base64-input': () => {},
	'local-rejections': () => {},
	'api-errors': (sandbox) => {
		sandbox.addFault({
			match: { identityId: '3171011708450001' },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		sandbox.addFault({
			match: { identityId: '3171015708450001' },
			fault: { kind: 'error', errorType: 'request_error' },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450002' },
			fault: { kind: 'status', status: 502 },
		});
	},
	'twenty-items': () => {},
	retries: (sandbox) => {
		sandbox.addFault({
			match: { identityId: '3171011708450003' },
			times: 2,
			fault: { kind: 'status', status: 503 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450004' },
			times: 1,
			fault: { kind: 'rateLimit', retryAfter: 1 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450005' },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450006' },
			fault: { kind: 'status', status: 500 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450007' },
			times: 1,
			fault: { kind: 'delay', ms: 4000 },
		});
	},
};

/** NIKs of the odd answers: the sandbox's rules pick the answer by NIK. */
const ODD = {
	redirected: '3171011708450011',
	wrongNikEcho: '3171011708450012',
	stringScore: '3171011708450013',
	scoreOutOfRange: '3171011708450014',
	faceFalseHighScore: '3171011708450015',
	hostileEnvelope: '3171011708450016',
	protoErrorType: '3171011708450017',
	noFaceAfterMatches: '3171011708450021',
	noFaceFirst: '3171011708450022',
} as const;

const FAIL_CLOSED_SCENARIOS: Scenarios = {
	'odd-answers': (sandbox, trap) => {
		sandbox.addFault({
			match: { identityId: ODD.redirected },
			fault: { kind: 'redirect', status: 307, location: `${trap.url}${BIOMETRIC_PATH}` },
		});
		sandbox.addFault({
			match: { identityId: ODD.wrongNikEcho },
			fault: { kind: 'echoNik', identityId: SANDBOX_NIKS.match },
		});
		sandbox.addFault({
			match: { identityId: ODD.stringScore },
			fault: { kind: 'score', faceSimilarity: '0.10' },
		});
		sandbox.addFault({
			match: { identityId: ODD.scoreOutOfRange },
			fault: { kind: 'score', faceSimilarity: 24 },
		});
		sandbox.addFault({
			match: { identityId: ODD.faceFalseHighScore },
			fault: { kind: 'score', faceSimilarity: 0.8, face: false },
		});
		sandbox.addFault({
			match: { identityId: ODD.hostileEnvelope },
			fault: {
				kind: 'answer',
				status: 400,
				body: {
					errors: { identityId: [{ toString: 1 }] },
					message: 'Input payload validation failed.',
				},
			},
		});
		sandbox.addFault({
			match: { identityId: ODD.protoErrorType },
			fault: {
				kind: 'answer',
				status: 400,
				body: { errors: { errorId: 'e2e-proto', errorType: '__proto__' }, message: 'constructor' },
			},
		});
	},
	'route-expression-false': scoreAsString,
	'route-expression-true': scoreAsString,
	'always-output-stop': () => {},
	'always-output-continue-regular': () => {},
	'always-output-continue-error-output': () => {},
	'deactivated-route': () => {},
	'always-output-one-output': () => {},
	'stop-bad-nik-first': () => {},
	'unreachable-route': () => {},
	'retry-on-fail-stop': (sandbox) => {
		sandbox.addFault({
			match: { identityId: ODD.noFaceAfterMatches },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
	},
	'retry-on-fail-continue': (sandbox) => {
		sandbox.addFault({
			match: { identityId: ODD.noFaceFirst },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
	},
};

function scoreAsString(sandbox: Sandbox): void {
	sandbox.addFault({
		match: { identityId: ODD.stringScore },
		fault: { kind: 'score', faceSimilarity: '0.10' },
	});
}

interface Ran {
	result: ExecutionResult;
	requests: RequestLogEntry[];
	/** What reached the trap server (the target of the sandbox's redirects) during this workflow. */
	trapped: TrapRequest[];
}

/** Per version: what each workflow gave, or why the version could not run at all. */
interface GroupRuns {
	runs: Map<string, Map<string, Ran>>;
	/** What `npm install <tarball>` put into each run's ~/.n8n/nodes/node_modules. */
	installedModules: Map<string, string[]>;
	failures: Map<string, Error>;
}

const everyday: GroupRuns = { runs: new Map(), installedModules: new Map(), failures: new Map() };
const failClosed: GroupRuns = { runs: new Map(), installedModules: new Map(), failures: new Map() };

function loadWorkflow(name: string): WorkflowImport {
	return JSON.parse(
		fs.readFileSync(path.join(__dirname, 'workflows', `${name}.json`), 'utf8'),
	) as WorkflowImport;
}

async function waitForIdle(sandbox: Sandbox): Promise<void> {
	while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function runVersion(
	version: string,
	tarball: string,
	scenarios: Scenarios,
	group: GroupRuns,
): Promise<Map<string, Ran>> {
	const sandbox = await startSandbox({ apiKey: API_KEY });
	const trap = await startTrap();
	let run: N8nRun | undefined;
	try {
		// Binary data on disk, as n8n runs in production.
		run = await createN8nRun({
			version,
			tarball,
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		await run.importCredentials([
			{
				id: CREDENTIAL_ID,
				name: 'Kredibel sandbox',
				type: 'kredibelApi',
				data: { apiKey: API_KEY, environment: 'custom', baseUrl: `${sandbox.url}/` },
			},
			{
				// Nothing listens there: Kredibel unreachable.
				id: 'kredibelUnreachable',
				name: 'Kredibel unreachable',
				type: 'kredibelApi',
				data: {
					apiKey: API_KEY,
					environment: 'custom',
					baseUrl: `http://127.0.0.1:${await freePort()}`,
				},
			},
		]);
		group.installedModules.set(
			version,
			fs
				.readdirSync(path.join(run.userFolder, '.n8n', 'nodes', 'node_modules'))
				.filter((entry) => !entry.startsWith('.')),
		);
		const names = Object.keys(scenarios);
		const ids = await run.importWorkflows(names.map(loadWorkflow));
		const results = new Map<string, Ran>();
		for (const [index, name] of names.entries()) {
			await waitForIdle(sandbox);
			sandbox.reset();
			const trappedBefore = trap.requests().length;
			scenarios[name](sandbox, trap);
			const started = Date.now();
			const result = await run.execute(ids[index]);
			await waitForIdle(sandbox);
			const requests = sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity'));
			results.set(name, { result, requests, trapped: trap.requests().slice(trappedBefore) });
			progress(
				`n8n ${version}: ${name} ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
					`${requests.length} request(s) to the sandbox, ${sandbox.charges().total} charged`,
			);
		}
		return results;
	} finally {
		await run?.dispose();
		await trap.close();
		await sandbox.close();
	}
}

async function runGroup(scenarios: Scenarios, group: GroupRuns): Promise<void> {
	const tarball = await packPackage();
	await Promise.all(
		VERSIONS.map(async (version) => {
			try {
				group.runs.set(version, await runVersion(version, tarball, scenarios, group));
			} catch (error) {
				group.failures.set(version, error as Error);
			}
		}),
	);
}

/** A workflow's run, whatever its status (for the workflows that are meant to fail). */
function ranAny(group: GroupRuns, version: string, workflow: string): Ran {
	const failure = group.failures.get(version);
	if (failure) throw failure;
	const result = group.runs.get(version)?.get(workflow);
	if (!result) throw new Error(`${workflow} did not run on n8n ${version}`);
	return result;
}

/** A workflow's run, which must have succeeded. */
function ran(version: string, workflow: string, group: GroupRuns = everyday): Ran {
	const result = ranAny(group, version, workflow);
	if (result.result.status !== 'success') {
		throw new Error(
			`${workflow} on n8n ${version}: ${result.result.status} ${JSON.stringify(result.result.error)}\n${result.result.log.slice(-3000)}`,
		);
	}
	return result;
}

const json = (items: OutputItem[]) => items.map((item) => item.json);

const indexes = (items: OutputItem[]) =>
	items.map((item) => (item.pairedItem as { item: number }).item);

describe('everyday workflows', () => {
	beforeAll(() => runGroup(SCENARIOS, everyday), 20 * 60_000);

	describe.each(VERSIONS)('n8n %s', (version) => {
		it('installs from the packed tarball with nothing but n8n present: no dependency comes along', () => {
			ran(version, 'sandbox-answers');
			expect(everyday.installedModules.get(version)).toEqual(['n8n-nodes-kredibel']);
		});

		it('gives the three sandbox answers through one output, from binary JPEG and PNG', () => {
			const { result, requests } = ran(version, 'sandbox-answers');
			const [output] = outputsOf(result, NODE);
			expect(indexes(output)).toEqual([0, 1, 2, 3]);
			expect(json(output)).toEqual([
				expect.objectContaining({
					identityId: SANDBOX_NIKS.match,
					isValid: true,
					isActive: true,
					face: true,
					faceSimilarity: 1,
					result: 'match',
					threshold: 0.75,
				}),
				expect.objectContaining({
					identityId: SANDBOX_NIKS.noMatch,
					face: false,
					faceSimilarity: 0.24,
					result: 'no_match',
				}),
				expect.objectContaining({
					identityId: SANDBOX_NIKS.invalid,
					isValid: false,
					face: null,
					faceSimilarity: null,
					result: 'identity_invalid',
				}),
				expect.objectContaining({ identityId: SANDBOX_NIKS.match, result: 'match' }),
			]);
			expect(output.every((item) => item.binary === undefined)).toBe(true);
			// The key came through the credential; the bytes are exactly the images the workflow held.
			expect(requests.map((entry) => entry.authorization)).toEqual(
				Array(4).fill(`Bearer ${API_KEY}`),
			);
			expect(received(requests)).toEqual(
				[
					`${SANDBOX_NIKS.match}:jpeg`,
					`${SANDBOX_NIKS.noMatch}:jpeg`,
					`${SANDBOX_NIKS.invalid}:jpeg`,
					`${SANDBOX_NIKS.match}:png`,
				].sort(),
			);
			expect(JSON.stringify(result.raw)).not.toContain(API_KEY);
		});

		it('routes by result to Match, No Match and Invalid Identity, with binary made by Convert to File', () => {
			const { result, requests } = ran(version, 'route-by-result');
			const [noVerdict, match, noMatch, invalid] = outputsOf(result, NODE);
			expect(noVerdict).toEqual([]);
			expect(indexes(match)).toEqual([0, 3]);
			expect(indexes(noMatch)).toEqual([1, 4]);
			expect(indexes(invalid)).toEqual([2]);
			expect(json(outputsOf(result, 'Approve')[0]).map((item) => item.result)).toEqual([
				'match',
				'match',
			]);
			expect(json(outputsOf(result, 'Reject')[0]).map((item) => item.result)).toEqual([
				'no_match',
				'no_match',
			]);
			expect(json(outputsOf(result, 'Manual review')[0]).map((item) => item.result)).toEqual([
				'identity_invalid',
			]);
			expect(received(requests)).toEqual(
				[
					`${SANDBOX_NIKS.match}:jpeg`,
					`${SANDBOX_NIKS.noMatch}:jpeg`,
					`${SANDBOX_NIKS.invalid}:png`,
					`${SANDBOX_NIKS.match}:png`,
					`${SANDBOX_NIKS.noMatch}:png`,
				].sort(),
			);
		});

		it('takes base64 input from a JSON field: plain, a data: URL with line breaks, PNG', () => {
			const { result, requests } = ran(version, 'base64-input');
			expect(json(outputsOf(result, NODE)[0]).map((item) => item.result)).toEqual([
				'match',
				'no_match',
				'match',
			]);
			expect(received(requests)).toEqual(
				[
					`${SANDBOX_NIKS.match}:jpeg`,
					`${SANDBOX_NIKS.noMatch}:jpeg`,
					`${SANDBOX_NIKS.match}:png`,
				].sort(),
			);
		});

		it('sends locally rejected input to the error output without any request', () => {
			const { result, requests } = ran(version, 'local-rejections');
			const [success, errors] = outputsOf(result, NODE);
			expect(indexes(success)).toEqual([0]);
			expect(indexes(errors)).toEqual([1, 2, 3, 4, 5]);
			expect(json(errors).map((item) => item.errorType)).toEqual([
				'invalid_identity_id',
				'unsupported_image_format',
				'image_too_large',
				'invalid_identity_id',
				'missing_image',
			]);
			for (const item of json(errors)) {
				expect(item).toMatchObject({ charged: false, attempts: 0, httpCode: null });
				expect(item.error).toMatch(/^\[item \d\] /);
			}
			// n8n merges the input item's JSON into error items: the applicant is still known.
			expect(json(errors).map((item) => item.applicant)).toEqual([
				'short-nik',
				'gif',
				'too-large',
				'nik-as-number',
				'no-binary',
			]);
			expect(json(outputsOf(result, 'Errors')[0])).toHaveLength(5);
			expect(requests.map((entry) => entry.identityId)).toEqual([SANDBOX_NIKS.match]);
		});

		it("sends the sandbox's API errors to the error output with errorType, errorId and charged", () => {
			const { result, requests } = ran(version, 'api-errors');
			const [noVerdict, match, noMatch, invalid, errors] = outputsOf(result, NODE);
			expect(noVerdict).toEqual([]);
			expect(indexes(match)).toEqual([0]);
			expect(indexes(noMatch)).toEqual([4]);
			expect(invalid).toEqual([]);
			expect(indexes(errors)).toEqual([1, 2, 3]);
			const [noFace, registryDown, serverError] = json(errors);
			expect(noFace).toMatchObject({
				applicant: 'no-face',
				errorType: 'no_face_detected',
				charged: true,
				httpCode: 400,
				attempts: 1,
			});
			expect(noFace.errorId).toMatch(/^[0-9a-f-]{36}$/);
			expect(registryDown).toMatchObject({
				applicant: 'registry-down',
				errorType: 'request_error',
				charged: false,
				attempts: 2,
			});
			expect(registryDown.errorId).toMatch(/^[0-9a-f-]{36}$/);
			expect(serverError).toMatchObject({
				applicant: 'server-error',
				errorType: 'server_error',
				charged: false,
				httpCode: 502,
				attempts: 2,
			});
			const sent = (nik: string) => requests.filter((entry) => entry.identityId === nik).length;
			expect([
				sent('3171011708450001'),
				sent('3171015708450001'),
				sent('3171011708450002'),
			]).toEqual([1, 2, 2]);
			expect(json(outputsOf(result, 'Errors')[0])).toHaveLength(3);
		});

		it('gives every one of 20 inputs back exactly once, paired with itself', () => {
			const { result, requests } = ran(version, 'twenty-items');
			const outputs = outputsOf(result, NODE);
			const all = outputs.flat();
			expect(all).toHaveLength(20);
			expect([...indexes(all)].sort((a, b) => a - b)).toEqual(
				Array.from({ length: 20 }, (_, i) => i),
			);
			for (const output of outputs)
				expect(indexes(output)).toEqual([...indexes(output)].sort((a, b) => a - b));
			for (const item of all) {
				const index = (item.pairedItem as { item: number }).item;
				const expected = ['match', 'no_match', 'identity_invalid', 'invalid_identity_id'][
					index % 4
				];
				expect(item.json.result ?? item.json.errorType).toBe(expected);
			}
			// Failed items (the short NIKs) leave by No Verdict, never by Match or No Match.
			expect(json(outputs[0]).map((item) => item.errorType)).toEqual(
				Array(5).fill('invalid_identity_id'),
			);
			expect(outputs[1].every((item) => item.json.result === 'match')).toBe(true);
			expect(outputs[2].every((item) => item.json.result === 'no_match')).toBe(true);
			// 15 items have a valid NIK, but only 3 different NIK + image pairs: with Dedupe (on by
			// default) each pair costs one request, and every item still gets its verdict.
			expect(received(requests)).toEqual(
				[
					`${SANDBOX_NIKS.match}:jpeg`,
					`${SANDBOX_NIKS.noMatch}:jpeg`,
					`${SANDBOX_NIKS.invalid}:jpeg`,
				].sort(),
			);
		});

		it('rides out free faults with retries, and never retries a charged error or a timeout', () => {
			const { result, requests } = ran(version, 'retries');
			const [success, errors] = outputsOf(result, NODE);
			const sent = (nik: string) => requests.filter((entry) => entry.identityId === nik);
			expect(indexes(success)).toEqual([0, 1]);
			expect(json(success).map((item) => item.result)).toEqual([
				'identity_invalid',
				'identity_invalid',
			]);
			expect(sent('3171011708450003').map((entry) => entry.status)).toEqual([503, 503, 200]);
			const rateLimited = sent('3171011708450004');
			expect(rateLimited.map((entry) => entry.status)).toEqual([429, 200]);
			expect(rateLimited[1].startedAt - (rateLimited[0].endedAt ?? 0)).toBeGreaterThanOrEqual(990);
			// A timeout may have been processed and charged: sent once, reported as "unknown".
			expect(sent('3171011708450007')).toHaveLength(1);
			expect(indexes(errors)).toEqual([2, 3, 4]);
			expect(json(errors)).toEqual([
				expect.objectContaining({
					applicant: 'no-face',
					errorType: 'no_face_detected',
					charged: true,
					attempts: 1,
				}),
				expect.objectContaining({
					applicant: 'always-down',
					errorType: 'server_error',
					charged: false,
					attempts: 3,
				}),
				expect.objectContaining({
					applicant: 'hangs-once',
					errorType: 'timeout',
					charged: 'unknown',
					attempts: 1,
				}),
			]);
			expect(sent('3171011708450005')).toHaveLength(1);
			expect(sent('3171011708450006')).toHaveLength(3);
		});
	});
});

/**
 * The applicants of each workflow in input order (as its Applicants node lists them): output items
 * are named through their pairedItem, since a verdict item does not carry the input's fields.
 */
const APPLICANTS: Record<string, string[]> = {
	'odd-answers': [
		'redirected',
		'wrong-nik-echo',
		'string-score',
		'real-match',
		'score-out-of-range',
		'face-false-high-score',
		'hostile-envelope',
		'proto-error-type',
	],
};
const named = (workflow: string) => (items: OutputItem[]) =>
	indexes(items).map((index) => APPLICANTS[workflow][index]);

/** Node names that ran in the execution: a branch that must not run is absent. */
const nodesThatRan = (result: ExecutionResult) => Object.keys(result.runData).sort();

describe('fail closed and never pay twice', () => {
	beforeAll(() => runGroup(FAIL_CLOSED_SCENARIOS, failClosed), 20 * 60_000);

	const fc = (version: string, workflow: string) => ran(version, workflow, failClosed);

	describe.each(VERSIONS)('n8n %s', (version) => {
		it('odd answers: nothing reaches the redirect target, nothing but the real match leaves by Match', () => {
			const { result, requests, trapped } = fc(version, 'odd-answers');
			const applicants = named('odd-answers');
			const [noVerdict, match, noMatch, invalid, errors] = outputsOf(result, NODE);
			expect(noVerdict).toEqual([]);
			// Nothing followed the 307: no key, NIK or selfie went to the second port.
			expect(trapped).toEqual([]);
			expect(applicants(match)).toEqual(['real-match']);
			expect(json(match)[0]).toMatchObject({
				identityId: SANDBOX_NIKS.match,
				result: 'match',
				face: true,
				faceSimilarity: 1,
			});
			// Downstream nodes get exactly what left by their output (their pairedItem points there).
			expect(json(outputsOf(result, 'Approve')[0])).toEqual(json(match));
			// face: false is a verdict, never a match, whatever the score.
			expect(applicants(noMatch)).toEqual(['face-false-high-score']);
			expect(json(noMatch)[0]).toMatchObject({ result: 'no_match' });
			expect(invalid).toEqual([]);
			expect(indexes(errors)).toEqual([0, 1, 2, 4, 6, 7]);
			const failed = Object.fromEntries(errors.map((item) => [applicants([item])[0], item.json]));
			expect(failed.redirected).toMatchObject({ errorType: 'invalid_response', charged: false });
			for (const name of ['wrong-nik-echo', 'string-score', 'score-out-of-range']) {
				// A 2XX Kredibel answered (and billed) but that cannot be read as a verdict.
				expect({ name, ...failed[name] }).toMatchObject({
					name,
					errorType: 'invalid_response',
					charged: true,
					attempts: 1,
				});
			}
			// One odd envelope fails only its own item, with a readable message.
			for (const item of json(errors)) {
				expect(item.error).toMatch(/^\[item \d\] \S/);
				expect(String(item.error)).not.toMatch(/undefined|\[object Object\]/);
			}
			for (const name of ['hostile-envelope', 'proto-error-type']) {
				expect({ name, charged: failed[name].charged }).toEqual({ name, charged: false });
			}
			expect(json(outputsOf(result, 'Errors')[0])).toEqual(json(errors));
			// Neither the redirect nor an unreadable 2XX is sent again.
			const sent = (nik: string) => requests.filter((entry) => entry.identityId === nik).length;
			expect(
				[ODD.redirected, ODD.wrongNikEcho, ODD.stringScore, ODD.scoreOutOfRange].map(sent),
			).toEqual([1, 1, 1, 1]);
			expect(
				requests
					.filter((entry) => entry.charged)
					.map((entry) => entry.identityId)
					.sort(),
			).toEqual(
				[
					SANDBOX_NIKS.match,
					ODD.wrongNikEcho,
					ODD.stringScore,
					ODD.scoreOutOfRange,
					ODD.faceFalseHighScore,
				].sort(),
			);
		});

		// What n8n draws for an expression in routeByResult depends on the version (n8n 1.123 and
		// 2.x read the parameter's text, so one output; n8n 1.81 resolves it first), and a workflow
		// wired for four outputs would send every result down the one left. So the node refuses
		// any expression there, before any request: every item is an error saying why, on output 0,
		// never a verdict.
		it.each([
			['={{ "false" }}', 'route-expression-false'],
			['={{ true }}', 'route-expression-true'],
		])(
			'routeByResult %s: refused before any request; output 0 holds only the refusal, no verdict',
			(expression, workflow) => {
				const { result, requests } = ranAny(failClosed, version, workflow);
				progress(
					`n8n ${version}: routeByResult ${expression} ended "${result.status}": ${result.error?.message ?? 'no execution error'}`,
				);
				expect(requests).toEqual([]);
				expect(nodesThatRan(result)).not.toContain('Reject');
				expect(nodesThatRan(result)).not.toContain('Manual review');
				const run = nodeRun(result, NODE);
				const first = (run.data?.main[0] ?? []) as OutputItem[];
				expect(json(first).map((item) => item.result)).toEqual(first.map(() => undefined));
				expect(JSON.stringify(run)).toMatch(/Route by Result cannot be an expression/);
			},
		);

		// n8n's own fallbacks all land on output 0, which is No Verdict: none reaches Approve.
		it('a deactivated node: n8n passes every applicant to No Verdict; Approve does not run, nothing is sent', () => {
			const { result, requests } = ranAny(failClosed, version, 'deactivated-route');
			expect(requests).toEqual([]);
			expect(nodesThatRan(result)).not.toContain('Approve');
			expect(json(outputsOf(result, 'No verdict')[0])).toHaveLength(5);
		});

		it('one output, Always Output Data, every item on the error output: what n8n puts on Success has no result, so an approval check on it is false', () => {
			const { result, requests } = ranAny(failClosed, version, 'always-output-one-output');
			const [success, errors] = outputsOf(result, NODE);
			progress(
				`n8n ${version}: one output + Always Output Data, Success got ${JSON.stringify(json(success))}`,
			);
			expect(result.status).toBe('success');
			expect(requests).toEqual([]);
			expect(json(errors).map((item) => item.errorType)).toEqual([
				'invalid_identity_id',
				'invalid_identity_id',
			]);
			expect(json(success).every((item) => item.result === undefined)).toBe(true);
			expect(nodesThatRan(result)).not.toContain('Approve');
		});

		it('Kredibel unreachable, continue (regular output): every applicant leaves by No Verdict, free', () => {
			const { result } = ranAny(failClosed, version, 'unreachable-route');
			expect(result.status).toBe('success');
			const [noVerdict, ...verdicts] = outputsOf(result, NODE);
			expect(verdicts.flat()).toEqual([]);
			expect(json(noVerdict).map((item) => [item.errorType, item.charged])).toEqual(
				Array(5).fill(['network_error', false]),
			);
			expect(nodesThatRan(result)).not.toContain('Approve');
		});

		it.each([
			'always-output-stop',
			'always-output-continue-regular',
			'always-output-continue-error-output',
		])(
			'Always Output Data + Route by Result, nobody matched, %s: Approve does not run; anything n8n adds is on No Verdict',
			(workflow) => {
				const { result, requests } = ranAny(failClosed, version, workflow);
				progress(
					`n8n ${version}: ${workflow} ended "${result.status}", No Verdict got ${JSON.stringify(json(nodeRun(result, NODE).data?.main[0] ?? []))}`,
				);
				expect(result.status).toBe('success');
				expect(nodesThatRan(result)).not.toContain('Approve');
				const [noVerdict, match, noMatch, invalid] = outputsOf(result, NODE);
				expect(match).toEqual([]);
				expect(json(noVerdict).every((item) => item.result === undefined)).toBe(true);
				expect(json(noMatch).map((item) => item.result)).toEqual(['no_match']);
				expect(json(invalid).map((item) => item.result)).toEqual(['identity_invalid']);
				expect(requests).toHaveLength(2);
			},
		);

		it('stop on error, a 15-digit NIK at item 0 and three good applicants at Concurrency 4: nothing is sent', () => {
			const { result, requests } = ranAny(failClosed, version, 'stop-bad-nik-first');
			expect(result.status).toBe('error');
			expect(result.error?.message).toBe('[item 0] The NIK has 15 digits instead of 16');
			expect(requests).toEqual([]);
		});

		it('Retry On Fail, stop on error (two matches, then no face): each applicant reached Kredibel once', () => {
			const { result, requests } = ranAny(failClosed, version, 'retry-on-fail-stop');
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(/^\[item 2\] /);
			expect(perApplicant(requests)).toEqual({
				[`${SANDBOX_NIKS.match}:jpeg`]: 1,
				[`${SANDBOX_NIKS.match}:png`]: 1,
				[`${ODD.noFaceAfterMatches}:jpeg`]: 1,
			});
			expect(requests.every((entry) => entry.charged)).toBe(true);
			reportExecutionId(version, 'retry-on-fail-stop', result);
		});

		it('Retry On Fail, continue (regular output), a charged failure first: each applicant reached Kredibel once', () => {
			const { result, requests } = fc(version, 'retry-on-fail-continue');
			const [output] = outputsOf(result, NODE);
			expect(indexes(output)).toEqual([0, 1]);
			// n8n 1.123 and 2.x re-run the node (the first item has an error): the last try reused
			// the first try's answer, charged then, not again. n8n 1.81 does not re-run here.
			const [noFace] = json(output);
			progress(`n8n ${version}: retry-on-fail-continue gave ${JSON.stringify(noFace)}`);
			expect(noFace).toMatchObject({ errorType: 'no_face_detected', attempts: 1 });
			expect([noFace.reused, noFace.charged]).toEqual(
				version === '1.81.4' ? [false, true] : [true, false],
			);
			expect(json(output)[1]).toMatchObject({ identityId: SANDBOX_NIKS.match, result: 'match' });
			expect(perApplicant(requests)).toEqual({
				[`${ODD.noFaceFirst}:jpeg`]: 1,
				[`${SANDBOX_NIKS.match}:jpeg`]: 1,
			});
			reportExecutionId(version, 'retry-on-fail-continue', result);
		});
	});
});

/**
 * What `$execution.id` (the value behind a node's `getExecutionId()`) is in an `n8n execute`
 * run: the Retry On Fail memory is keyed by it. Printed for the record, not asserted.
 */
function reportExecutionId(version: string, workflow: string, result: ExecutionResult): void {
	const [first] = json(outputsOf(result, 'Applicants')[0]);
	progress(
		`n8n ${version}: ${workflow}: $execution.id in n8n execute = ${JSON.stringify(first?.executionId)}`,
	);
}
