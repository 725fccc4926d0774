/**
 * Money across executions: within the Reuse Window (default 24 hours) the same applicant (same
 * Kredibel account, NIK and exact photo) is paid for once, in real n8n on every pinned version.
 * One user folder per version, all versions side by side:
 *
 * 1. `n8n execute`, twice, one workflow with the same applicants (separate processes, one SQLite
 *    database): the second run does not send what the first one paid for (n8n's deduplication
 *    store), and sends again what failed for free (a 503).
 * 2. One `n8n start` with webhook workflows: a repeat, a repeat while the first request is still
 *    out, another photo, another account (second credential, other key), and a batch that stops
 *    on error, retried from the executions list (REST, as the editor's Retry button does).
 * 3. An editor manual run (REST) of the workflow from 1: n8n's store shares its list between
 *    manual and production runs.
 *
 * Run: `npm run build && npx jest test/e2e/reuse --selectProjects e2e` (KREDIBEL_REUSE_N8N=1.81.4
 * for one version).
 */
import fs from 'node:fs';
import path from 'node:path';

import { makeJpeg, makePng } from '../../fixtures/images';
import {
	SANDBOX_NIKS,
	startSandbox,
	type Fault,
	type RequestLogEntry,
	type Sandbox,
} from '../../sandbox/server';
import { outputsOf, type ExecutionResult } from '../harness/executionResult';
import { freePort } from '../harness/freePort';
import { createN8nRun, type N8nRun, type WorkflowImport } from '../harness/n8nInstance';
import { setupOwner, startN8nServer, type N8nServer } from '../harness/n8nServer';
import { packPackage } from '../harness/packPackage';
import { progress, tailOfFile } from '../harness/processes';
import {
	finishedExecution,
	listExecutions,
	rest,
	runData,
	waitForListedExecution,
	type ExecutionRecord,
} from '../harness/restExecutions';
import { perApplicant } from '../harness/sandboxRequests';
import { pinnedVersionsFrom } from '../harness/versions';
import { waitForWebhook } from '../queue/queueCluster';

const VERSIONS = pinnedVersionsFrom('KREDIBEL_REUSE_N8N');
const KEY_A = 'e2e-reuse-account-a-7f1e';
const KEY_B = 'e2e-reuse-account-b-2c9d';
const CREDENTIALS = {
	a: { id: 'kredibelReuseA1', name: 'Kredibel sandbox (account A)', apiKey: KEY_A },
	b: { id: 'kredibelReuseB1', name: 'Kredibel sandbox (account B)', apiKey: KEY_B },
};
const PATHS = {
	a: 'kredibel-reuse-a',
	b: 'kredibel-reuse-b',
	/** Account A again, another node: answers are shared per account, whichever node asks. */
	c: 'kredibel-reuse-c',
	retry: 'kredibel-reuse-retry',
};
/** While the first request is out (the sandbox answers after this), the second one arrives. */
const SLOW_MS = 1_500;
const SECOND_POST_AFTER_MS = 150;

const JPEG = makeJpeg();
const PNG = makePng();
const selfie = { jpeg: JPEG.toString('base64'), png: PNG.toString('base64') };

/**
 * 16-digit NIKs the sandbox answers "identity invalid" (a charged 2XX answer) for, one per
 * applicant of each part, so that no part sees another part's answers.
 */
const nik = (part: number, n: number) => `3171${String(part).padStart(2, '0')}01010100${n}${n}`;
const CLI = { x: nik(1, 1), y: nik(1, 2), free503: nik(1, 3) };
/** A batch that stops on error at its last applicant: a charged no_face_detected. */
const NO_FACE_BATCH = { first: nik(2, 1), second: nik(2, 2), noFace: nik(2, 3) };
/** A batch that stops on error at its last applicant: a free 503 (Max Retries 0). */
const FREE_FAILURE_BATCH = { first: nik(3, 1), second: nik(3, 2), free503: nik(3, 3) };

interface Answer {
	status: number;
	json: Record<string, unknown>;
}

interface Retried {
	failed: ExecutionRecord & { error?: string };
	retry: ExecutionRecord & { error?: string; items: Array<Record<string, unknown>> };
	requests: RequestLogEntry[];
}

interface Observed {
	cli: { runs: ExecutionResult[]; requests: RequestLogEntry[] };
	repeat: { answers: Answer[]; requests: RequestLogEntry[] };
	inFlight: { answers: Answer[]; requests: RequestLogEntry[]; secondPostedAt: number };
	otherPhoto: { answer: Answer; requests: RequestLogEntry[] };
	otherAccount: { b: Answer[]; c: Answer; requests: RequestLogEntry[] };
	retryNoFace: Retried;
	retryFreeFailure: Retried;
	manual: {
		execution: ExecutionRecord;
		outputs: Array<Array<Record<string, unknown>>>;
		requests: RequestLogEntry[];
	};
	seconds: Record<string, number>;
}

const observed = new Map<string, Observed>();
const failures = new Map<string, Error>();

function loadWorkflow(file: string): WorkflowImport {
	return JSON.parse(
		fs.readFileSync(path.join(__dirname, 'workflows', file), 'utf8'),
	) as WorkflowImport;
}

/** The execute workflow with its applicants written into its Code node. */
function executeWorkflow(applicants: Array<{ nik: string; selfie: string }>): WorkflowImport {
	const workflow = loadWorkflow('execute.json');
	for (const node of workflow.nodes as Array<{ name: string; parameters: { jsCode?: string } }>) {
		if (node.name === 'Applicants') {
			node.parameters.jsCode = node.parameters.jsCode!.replace(
				'const applicants = [];',
				`const applicants = ${JSON.stringify(applicants)};`,
			);
		}
	}
	return workflow;
}

/** The API requests since the last `resetLog`, once none is in flight any more; resets the log. */
async function takeRequests(sandbox: Sandbox): Promise<RequestLogEntry[]> {
	while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 25));
	const requests = sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity'));
	sandbox.resetLog();
	return requests;
}

async function post(server: N8nServer, webhookPath: string, body: unknown): Promise<Answer> {
	const response = await fetch(`${server.url}/webhook/${webhookPath}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	try {
		return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
	} catch {
		return { status: response.status, json: { text } };
	}
}

/**
 * n8n 1.x activates before start (`update:workflow`); 2.x publishes (`publish:workflow`). Either
 * way the server registers the production webhooks when it starts.
 */
async function activate(run: N8nRun, workflowId: string): Promise<void> {
	const args =
		Number(run.version.split('.')[0]) >= 2
			? ['publish:workflow', `--id=${workflowId}`]
			: ['update:workflow', `--id=${workflowId}`, '--active=true'];
	const result = await run.cli(args);
	if (result.exitCode !== 0) {
		throw new Error(`n8n ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.output}`);
	}
}

/**
 * Posts a batch to the stop-on-error workflow, waits for its failed execution, retries it as the
 * editor's Retry button ("Retry with original workflow": `loadWorkflow: false`; 1.x and 2.x read
 * the same body) and waits for the retry.
 */
async function postAndRetry(
	{
		server,
		cookie,
		sandbox,
		workflowId,
	}: { server: N8nServer; cookie: string; sandbox: Sandbox; workflowId: string },
	batch: Record<string, string>,
	/** What the batch's last applicant gets, once. */
	fault: Fault,
): Promise<Retried> {
	const niks = Object.values(batch);
	sandbox.addFault({ match: { identityId: niks[niks.length - 1] }, times: 1, fault });
	const applicants = niks.map((id) => ({ nik: id, selfie: selfie.jpeg }));
	// Every call to the workflow's webhooks is an execution of it: the batch's is the new one.
	const known = new Set((await listExecutions(server, cookie, workflowId)).map((e) => e.id));
	const accepted = await post(server, PATHS.retry, { applicants });
	if (accepted.status !== 200) throw new Error(`retry batch: HTTP ${accepted.status}`);
	const listed = await waitForListedExecution(
		server,
		cookie,
		workflowId,
		(execution) => !known.has(execution.id) && !execution.retryOf,
	);
	const failed = await finishedExecution(server, cookie, listed.id);
	await rest(server, cookie, 'POST', `/executions/${failed.id}/retry`, { loadWorkflow: false });
	const listedRetry = await waitForListedExecution(
		server,
		cookie,
		workflowId,
		(execution) => String(execution.retryOf ?? '') === failed.id,
	);
	const retry = await finishedExecution(server, cookie, listedRetry.id);
	const retryRun = runData(retry);
	const kredibel = retryRun.resultData.runData['Kredibel Retry']?.[0];
	return {
		failed: { ...failed, data: undefined, error: runData(failed).resultData.error?.message },
		retry: {
			...retry,
			data: undefined,
			error: retryRun.resultData.error?.message,
			items: (kredibel?.data?.main[0] ?? []).map((item) => item.json),
		},
		requests: await takeRequests(sandbox),
	};
}

async function observe(version: string, tarball: string): Promise<Observed> {
	const seconds: Record<string, number> = {};
	let last = Date.now();
	const lap = (step: string) => {
		seconds[step] = (Date.now() - last) / 1000;
		last = Date.now();
		progress(`reuse on n8n ${version}: ${step} ${seconds[step].toFixed(1)} s`);
	};
	const sandbox = await startSandbox({ apiKey: KEY_A, otherApiKeys: [KEY_B] });
	let run: N8nRun | undefined;
	let server: N8nServer | undefined;
	try {
		run = await createN8nRun({ version, tarball });
		await run.importCredentials(
			Object.values(CREDENTIALS).map(({ id, name, apiKey }) => ({
				id,
				name,
				type: 'kredibelApi',
				data: { apiKey, environment: 'custom', baseUrl: sandbox.url },
			})),
		);
		const [webhooksId, executeId] = await run.importWorkflows([
			loadWorkflow('webhooks.json'),
			executeWorkflow([
				{ nik: CLI.x, selfie: selfie.jpeg },
				{ nik: CLI.y, selfie: selfie.jpeg },
				{ nik: CLI.free503, selfie: selfie.jpeg },
			]),
		]);
		lap('install and import');

		// 1. Two `n8n execute` processes, one database.
		sandbox.addFault({
			match: { identityId: CLI.free503 },
			times: 1,
			fault: { kind: 'status', status: 503 },
		});
		const runs = [await run.execute(executeId), await run.execute(executeId)];
		const cli = { runs, requests: await takeRequests(sandbox) };
		lap('two n8n execute runs');

		// 2. One n8n server.
		await activate(run, webhooksId);
		server = await startN8nServer(run, { port: await freePort() });
		const cookie = await setupOwner(server);
		for (const webhookPath of Object.values(PATHS)) await waitForWebhook(server.url, webhookPath);
		lap('activate and start n8n');

		const match = { nik: SANDBOX_NIKS.match, selfie: selfie.jpeg };
		const repeatAnswers = [await post(server, PATHS.a, match), await post(server, PATHS.a, match)];
		const repeat = { answers: repeatAnswers, requests: await takeRequests(sandbox) };

		sandbox.setLatency(SLOW_MS);
		const noMatch = { nik: SANDBOX_NIKS.noMatch, selfie: selfie.jpeg };
		const first = post(server, PATHS.a, noMatch);
		await new Promise((resolve) => setTimeout(resolve, SECOND_POST_AFTER_MS));
		const secondPostedAt = performance.now();
		const second = post(server, PATHS.a, noMatch);
		const inFlight = {
			answers: await Promise.all([first, second]),
			requests: await takeRequests(sandbox),
			secondPostedAt,
		};
		sandbox.setLatency(0);

		const otherPhoto = {
			answer: await post(server, PATHS.a, { nik: SANDBOX_NIKS.match, selfie: selfie.png }),
			requests: await takeRequests(sandbox),
		};
		const b = [await post(server, PATHS.b, match), await post(server, PATHS.b, match)];
		const c = await post(server, PATHS.c, match);
		const otherAccount = { b, c, requests: await takeRequests(sandbox) };
		lap('webhook calls');

		const batch = { server, cookie, sandbox, workflowId: webhooksId };
		const retryNoFace = await postAndRetry(batch, NO_FACE_BATCH, {
			kind: 'error',
			errorType: 'no_face_detected',
		});
		const retryFreeFailure = await postAndRetry(batch, FREE_FAILURE_BATCH, {
			kind: 'status',
			status: 503,
		});
		lap('two failed executions retried');

		// 3. A manual run of the workflow the CLI ran. 2.x reads the workflow from the database and
		// wants `triggerToStartFrom`; 1.x wants the workflow in `workflowData` too.
		const workflowData = await rest<unknown>(server, cookie, 'GET', `/workflows/${executeId}`);
		const started = await rest<{ executionId: string }>(
			server,
			cookie,
			'POST',
			`/workflows/${executeId}/run`,
			{ workflowData, triggerToStartFrom: { name: 'Start' } },
		);
		const execution = await finishedExecution(server, cookie, started.executionId);
		const kredibel = runData(execution).resultData.runData['Kredibel Biometric']?.[0];
		const manual = {
			execution: { ...execution, data: undefined },
			outputs: (kredibel?.data?.main ?? []).map((items) => (items ?? []).map((i) => i.json)),
			requests: await takeRequests(sandbox),
		};
		lap('manual run');
		return {
			cli,
			repeat,
			inFlight,
			otherPhoto,
			otherAccount,
			retryNoFace,
			retryFreeFailure,
			manual,
			seconds,
		};
	} catch (error) {
		if (server) {
			process.stderr.write(`n8n ${version} server log:\n${tailOfFile(server.logFile, 60)}\n`);
		}
		throw error;
	} finally {
		await server?.stop();
		await run?.dispose();
		await sandbox.close();
	}
}

beforeAll(async () => {
	const tarball = await packPackage();
	await Promise.all(
		VERSIONS.map(async (version) => {
			try {
				observed.set(version, await observe(version, tarball));
			} catch (error) {
				failures.set(version, error as Error);
			}
		}),
	);
}, 15 * 60_000);

function get(version: string): Observed {
	const failure = failures.get(version);
	if (failure) throw failure;
	const result = observed.get(version);
	if (!result) throw new Error(`n8n ${version}: nothing observed (see beforeAll)`);
	return result;
}

/** The fields of an answer that say what it cost. */
const cost = (json: Record<string, unknown>) => ({
	result: json.result,
	charged: json.charged,
	reused: json.reused,
});

/**
 * A batch of three that stopped at its last applicant (item 2) and was retried: the retry has
 * `status`; the first two reached Kredibel once, the last `lastSent` times.
 */
function expectRetried(
	retried: Retried,
	status: string,
	batch: { first: string; second: string } & Record<string, string>,
	lastSent: number,
): Retried {
	const { failed, retry, requests } = retried;
	expect(failed).toMatchObject({ status: 'error' });
	expect(failed.error).toMatch(/^\[item 2\] /);
	expect(retry).toMatchObject({ status, retryOf: failed.id, mode: 'retry' });
	const [first, second, last] = Object.values(batch);
	expect(perApplicant(requests)).toEqual({
		[`${first}:jpeg`]: 1,
		[`${second}:jpeg`]: 1,
		[`${last}:jpeg`]: lastSent,
	});
	return retried;
}

describe.each(VERSIONS)('n8n %s', (version) => {
	describe('n8n execute, twice, one database (across processes)', () => {
		it('the second run sends nothing the first paid for: duplicate_request, not charged', () => {
			const { runs } = get(version).cli;
			expect(runs.map((run) => run.error?.message)).toEqual([undefined, undefined]);
			const [ok1, failed1] = outputsOf(runs[0], 'Kredibel Biometric');
			expect(
				ok1.map((item) => [item.json.identityId, item.json.charged, item.json.reused]),
			).toEqual([
				[CLI.x, true, false],
				[CLI.y, true, false],
			]);
			expect(failed1.map((item) => [item.json.identityId, item.json.errorType])).toEqual([
				[CLI.free503, 'server_error'],
			]);
			expect(failed1[0].json.charged).toBe(false);

			const [ok2, failed2] = outputsOf(runs[1], 'Kredibel Biometric');
			expect(
				failed2.map((item) => [item.json.identityId, item.json.errorType, item.json.charged]),
			).toEqual([
				[CLI.x, 'duplicate_request', false],
				[CLI.y, 'duplicate_request', false],
			]);
			// A free failure is forgotten at once: the second run sends it and pays for it.
			expect(
				ok2.map((item) => [item.json.identityId, item.json.charged, item.json.reused]),
			).toEqual([[CLI.free503, true, false]]);
		});

		it('the sandbox saw each applicant once, and the free 503 once more', () => {
			const { requests } = get(version).cli;
			expect(perApplicant(requests)).toEqual({
				[`${CLI.x}:jpeg`]: 1,
				[`${CLI.y}:jpeg`]: 1,
				[`${CLI.free503}:jpeg`]: 2,
			});
			expect(requests.filter((entry) => entry.charged).map((entry) => entry.identityId)).toEqual(
				expect.arrayContaining([CLI.x, CLI.y, CLI.free503]),
			);
			expect(requests.filter((entry) => entry.charged)).toHaveLength(3);
		});
	});

	describe('one n8n server, webhooks', () => {
		it('the same applicant twice: one request, both answers carry the verdict', () => {
			const { answers, requests } = get(version).repeat;
			expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
			expect(answers.map((answer) => cost(answer.json))).toEqual([
				{ result: 'match', charged: true, reused: false },
				{ result: 'match', charged: false, reused: true },
			]);
			expect(perApplicant(requests)).toEqual({ [`${SANDBOX_NIKS.match}:jpeg`]: 1 });
		});

		it('posted again while the first request is still out: one request, shared', () => {
			const { answers, requests, secondPostedAt } = get(version).inFlight;
			expect(perApplicant(requests)).toEqual({ [`${SANDBOX_NIKS.noMatch}:jpeg`]: 1 });
			// The sandbox answered the one request after the second call had been posted.
			expect(requests[0].endedAt).toBeGreaterThan(secondPostedAt);
			expect(answers.map((answer) => cost(answer.json))).toEqual([
				{ result: 'no_match', charged: true, reused: false },
				{ result: 'no_match', charged: false, reused: true },
			]);
		});

		it('the same NIK with another photo is another applicant: a new request', () => {
			const { answer, requests } = get(version).otherPhoto;
			expect(cost(answer.json)).toEqual({ result: 'match', charged: true, reused: false });
			expect(perApplicant(requests)).toEqual({ [`${SANDBOX_NIKS.match}:png`]: 1 });
		});

		it('another credential (another key) pays for its own; the same account shares across nodes', () => {
			const { b, c, requests } = get(version).otherAccount;
			expect(b.map((answer) => cost(answer.json))).toEqual([
				{ result: 'match', charged: true, reused: false },
				{ result: 'match', charged: false, reused: true },
			]);
			// Account A's node in the same workflow gets account A's earlier answer.
			expect(cost(c.json)).toEqual({ result: 'match', charged: false, reused: true });
			expect(requests.map((entry) => [entry.identityId, entry.authorization])).toEqual([
				[SANDBOX_NIKS.match, `Bearer ${KEY_B}`],
			]);
		});
	});

	describe('a failed execution retried from the executions list (same n8n process)', () => {
		it('stopped at a charged no_face_detected: the retry sends nothing again', () => {
			const { retry } = expectRetried(get(version).retryNoFace, 'error', NO_FACE_BATCH, 1);
			// The same verdict for the same photo, from memory: Kredibel is not asked (or paid) again.
			expect(retry.error).toMatch(/^\[item 2\] .*the answer of an earlier request/);
		});

		it('stopped at a free 503: the retry reuses the answered two and sends only the third', () => {
			const retried = get(version).retryFreeFailure;
			const { retry } = expectRetried(retried, 'success', FREE_FAILURE_BATCH, 2);
			expect(retry.items.map((json) => [json.identityId, json.charged, json.reused])).toEqual([
				[FREE_FAILURE_BATCH.first, false, true],
				[FREE_FAILURE_BATCH.second, false, true],
				[FREE_FAILURE_BATCH.free503, true, false],
			]);
		});
	});

	// n8n's store keeps one list per workflow and node for manual and production runs alike
	// (/tmp/dedup-findings.md, "Manual runs and workflow ids"): a manual run in the editor after
	// the CLI runs sees their applicants as sent.
	it('an editor manual run shares the store with the CLI runs: all duplicate_request, nothing sent', () => {
		const { execution, outputs, requests } = get(version).manual;
		expect(execution).toMatchObject({ mode: 'manual', status: 'success' });
		expect(outputs[0]).toEqual([]);
		expect(outputs[1].map((json) => [json.identityId, json.errorType, json.charged])).toEqual([
			[CLI.x, 'duplicate_request', false],
			[CLI.y, 'duplicate_request', false],
			[CLI.free503, 'duplicate_request', false],
		]);
		expect(requests).toEqual([]);
	});
});
