/**
 * Queue mode ("scaling mode"): the packed package in n8n's distributed set-up. A main and an
 * `n8n webhook` process receive KYC applicants on a production webhook and put the executions
 * on Redis; two `n8n worker` processes run them against the local sandbox. PostgreSQL is the
 * database, binary data is stored in it, and every process has its own user folder with the
 * package installed, as on separate machines.
 *
 * n8n 2.41.1 only. What this test proves about the package (it loads on every process,
 * credentials decrypt on workers, the node reads binary data another process stored) does not
 * depend on the n8n version, and the node's own code paths already run on 1.123.81 in
 * kredibel.e2e.test.ts. A 1.x run would mostly test n8n 1.x's queue mode (configured
 * differently: `database` binary mode must be listed in N8N_AVAILABLE_BINARY_DATA_MODES there,
 * activation is update:workflow) and would double the run time.
 *
 * Each applicant's selfie carries its name in a JPEG comment, which is how a sandbox request is
 * traced back to its applicant; the workflows turn Prepare Photo off, which would remove that
 * comment (photos are tested in test/engine/photo.test.ts and the examples suite).
 *
 * Needs PostgreSQL and Redis: installed from Debian's packages on first run when missing (root).
 * Run: `npx jest --selectProjects e2e -- queue`. KREDIBEL_E2E_KEEP=1 keeps logs and folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { makeJpeg } from '../../fixtures/images';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../sandbox/server';
import { setupOwner } from '../harness/n8nServer';
import { packPackage } from '../harness/packPackage';
import { progress, tailOfFile } from '../harness/processes';
import {
	applicantOf,
	expectedVerdict,
	makeApplicants,
	type Applicant,
	type Verdict,
} from './applicants';
import { startQueueCluster, waitForWebhook, type QueueCluster } from './queueCluster';
import {
	ensureServiceBinaries,
	startPostgres,
	startRedis,
	StateFolder,
	type Postgres,
	type Redis,
} from './services';

const VERSION = '2.41.1';
const API_KEY = 'e2e-queue-kredibel-key-5a6b7c';
const CREDENTIAL = { id: 'kredibelQueue01', name: 'Kredibel sandbox' };
const WORKERS = 2;
/** Jobs per worker at once: low enough that one worker cannot swallow the whole burst. */
const WORKER_CONCURRENCY = 5;
/** Kredibel takes a while to answer; it also keeps jobs in flight long enough to spread out. */
const SANDBOX_LATENCY_MS = 150;
const WORKFLOWS = {
	json: { file: 'kyc-json.json', path: 'kyc-queue-e2e' },
	upload: { file: 'kyc-upload.json', path: 'kyc-queue-e2e-upload' },
	// Retry On Fail with "continue (regular output)" and one output: n8n runs the node again on
	// the worker whenever the first item failed. The node's Max Retries is 0 there, so a free 503
	// is what triggers it, and a charged no_face_detected must not be paid for again.
	retry: { file: 'kyc-json-retry.json', path: 'kyc-queue-e2e-retry' },
	// One output and the error output, both to one answer: the same applicant posted again and
	// again after the burst (see the last describe).
	reuse: { file: 'kyc-json-reuse.json', path: 'kyc-queue-e2e-reuse' },
} as const;

/** Entry points: 0 = the main, 1 = the webhook process. */
const ENTRY_POINTS = 2;
const APPLICANTS: Applicant[] = [
	...makeApplicants('json', 60, 2, ENTRY_POINTS),
	...makeApplicants('upload', 12, 1, ENTRY_POINTS, 60),
	...makeApplicants('retry', 12, 2, ENTRY_POINTS, 72, 2),
];

interface Answer {
	applicant: Applicant;
	status: number;
	body: Record<string, unknown>;
	text: string;
}

interface ExecutionRow {
	id: string;
	mode: string;
	status: string;
	finished: string;
	retryOf: string;
	workflowId: string;
}

interface StoredFile {
	fileName: string;
	fileSize: number;
	sourceType: string;
	sourceId: string;
	/** Executions whose saved run data refers to this file (`database:<fileId>`). */
	referencedBy: string[];
}

interface Observed {
	answers: Answer[];
	requests: RequestLogEntry[];
	executions: ExecutionRow[];
	/** Execution ids each process's log says it started ("Worker started execution N"). */
	startedBy: Map<string, string[]>;
	/** Execution ids each entry point's log says it put on the queue ("Enqueued execution N"). */
	enqueuedBy: Map<string, string[]>;
	/** binary_data rows: the uploads as the receiving process stored them, and whose run data names them. */
	files: StoredFile[];
	/** The same after deleting the upload executions through the REST API, as a user would. */
	afterDeletion: { executions: string[]; files: StoredFile[] };
	burstSeconds: number;
}

let state: StateFolder | undefined;
let postgres: Postgres | undefined;
let redis: Redis | undefined;
let sandbox: Sandbox | undefined;
let cluster: QueueCluster | undefined;
let observed: Observed | undefined;
let failed = false;

beforeAll(async () => {
	try {
		const tarball = await packPackage();
		const binaries = await ensureServiceBinaries();
		state = new StateFolder();
		postgres = await startPostgres(binaries.postgres, state);
		redis = await startRedis(binaries.redisServer, state);
		sandbox = await startSandbox({ apiKey: API_KEY, latencyMs: SANDBOX_LATENCY_MS });
		for (const applicant of APPLICANTS.filter((a) => a.kind === 'noFace')) {
			sandbox.addFault({
				match: { identityId: applicant.nik },
				fault: { kind: 'error', errorType: 'no_face_detected' },
			});
		}
		for (const applicant of APPLICANTS.filter((a) => a.kind === 'flaky')) {
			sandbox.addFault({
				match: { identityId: applicant.nik },
				times: 1,
				fault: { kind: 'status', status: 503 },
			});
		}
		const sandboxUrl = sandbox.url;
		cluster = await startQueueCluster({
			version: VERSION,
			tarball,
			postgres,
			redis,
			state,
			workers: WORKERS,
			webhookProcesses: ENTRY_POINTS - 1,
			workerConcurrency: WORKER_CONCURRENCY,
			prepare: async (main) => {
				await main.importCredentials([
					{
						...CREDENTIAL,
						type: 'kredibelApi',
						data: { apiKey: API_KEY, environment: 'custom', baseUrl: sandboxUrl },
					},
				]);
				const ids = await main.importWorkflows(
					Object.values(WORKFLOWS).map((wf) =>
						JSON.parse(fs.readFileSync(path.join(__dirname, 'workflows', wf.file), 'utf8')),
					),
				);
				// n8n 2.x: "publish" is what activating was; import:workflow leaves workflows
				// unpublished, and update:workflow --active=true is deprecated in its favour.
				for (const id of ids) {
					const result = await main.cli(['publish:workflow', `--id=${id}`]);
					if (result.exitCode !== 0 || !result.output.includes('Publishing workflow')) {
						throw new Error(`publish:workflow --id=${id} failed:\n${result.output}`);
					}
				}
			},
		});
		const entryUrls = [cluster.main.url, ...cluster.webhookProcesses.map((p) => p.url)];
		await Promise.all(
			entryUrls.flatMap((url) =>
				Object.values(WORKFLOWS).map((wf) => waitForWebhook(url, wf.path)),
			),
		);
		observed = await sendApplicants(cluster, sandbox, postgres, entryUrls);
		report(observed, cluster);
	} catch (error) {
		failed = true;
		throw error;
	}
}, 20 * 60_000);

afterAll(async () => {
	// Everything is stopped, whatever failed before: n8n first, then what it depends on.
	const steps: Array<[string, (() => Promise<void>) | undefined]> = [
		['n8n', cluster?.stop],
		['sandbox', sandbox && (() => sandbox!.close())],
		['redis', redis?.stop],
		['postgres', postgres?.stop],
	];
	for (const [name, step] of steps) {
		try {
			await step?.();
		} catch (error) {
			process.stderr.write(`[e2e-harness] stopping ${name} failed: ${(error as Error).message}\n`);
		}
	}
	if (failed && state) {
		// The state folder goes; the logs of every process (main, webhook, workers, PostgreSQL,
		// Redis) are copied out first, and their last lines printed.
		const keep = path.join(os.tmpdir(), `kredibel-queue-mode-logs-${Date.now()}`);
		const saved = state.saveLogs(keep);
		for (const file of saved) {
			process.stderr.write(`----- ${path.basename(file)} -----\n${tailOfFile(file, 40)}\n`);
		}
		process.stderr.write(`[e2e-harness] queue-mode logs saved in ${keep}\n`);
	}
	state?.dispose();
}, 2 * 60_000);

/** POSTs every applicant at once, then waits until n8n has recorded every execution as finished. */
async function sendApplicants(
	cluster: QueueCluster,
	sandbox: Sandbox,
	postgres: Postgres,
	entryUrls: string[],
): Promise<Observed> {
	sandbox.resetLog();
	const started = Date.now();
	const answers = await Promise.all(
		APPLICANTS.map(async (applicant): Promise<Answer> => {
			const url = `${entryUrls[applicant.entry]}/webhook/${WORKFLOWS[applicant.channel].path}`;
			const response = await fetch(url, { method: 'POST', ...requestBody(applicant) });
			const text = await response.text();
			let body: Record<string, unknown> = {};
			try {
				body = JSON.parse(text) as Record<string, unknown>;
			} catch {
				// Compared as text below.
			}
			return { applicant, status: response.status, body, text };
		}),
	);
	const burstSeconds = (Date.now() - started) / 1000;

	// The response leaves the worker before the execution is saved as finished.
	let executions: ExecutionRow[] = [];
	const deadline = Date.now() + 60_000;
	for (;;) {
		executions = (
			await postgres.query(
				'SELECT id, mode, status, finished, coalesce("retryOf", \'\'), "workflowId" FROM execution_entity ORDER BY id',
			)
		).map(([id, mode, status, finished, retryOf, workflowId]) => ({
			id,
			mode,
			status,
			finished,
			retryOf,
			workflowId,
		}));
		const settled = executions.every((e) => e.finished === 't' || e.status === 'error');
		if ((executions.length >= APPLICANTS.length && settled) || Date.now() > deadline) break;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	// Logs are written through pipes: give the last lines a moment to land.
	await new Promise((resolve) => setTimeout(resolve, 1_000));
	const logs = cluster.logFiles();
	const idsInLog = (name: string, pattern: RegExp) => {
		const file = logs.find((log) => log.name === name)?.file;
		const text = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
		return [...text.matchAll(pattern)].map((match) => match[1]);
	};
	const processNames = ['main', ...cluster.webhookProcesses.map((p) => p.name)];
	const allNames = [...processNames, ...cluster.workers.map((w) => w.name)];
	return {
		answers,
		requests: sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity')),
		executions,
		startedBy: new Map(
			allNames.map((name) => [name, idsInLog(name, /Worker started execution (\d+) \(job/g)]),
		),
		enqueuedBy: new Map(
			processNames.map((name) => [name, idsInLog(name, /Enqueued execution (\d+) \(job/g)]),
		),
		files: await storedFiles(postgres),
		afterDeletion: await deleteUploadExecutions(cluster, postgres, answers),
		burstSeconds,
	};
}

/** Every binary_data row, with the executions whose run data points at it. */
async function storedFiles(postgres: Postgres): Promise<StoredFile[]> {
	const rows = await postgres.query(
		`SELECT b."fileName", b."fileSize", b."sourceType", b."sourceId",
			coalesce(string_agg(d."executionId"::text, ',' ORDER BY d."executionId"), '')
		FROM binary_data b
		LEFT JOIN execution_data d ON position(b."fileId"::text IN d.data) > 0
		GROUP BY b."fileId", b."fileName", b."fileSize", b."sourceType", b."sourceId"
		ORDER BY b."fileName"`,
	);
	return rows.map(([fileName, fileSize, sourceType, sourceId, referencedBy]) => ({
		fileName,
		fileSize: Number(fileSize),
		sourceType,
		sourceId,
		referencedBy: referencedBy === '' ? [] : referencedBy.split(','),
	}));
}

/**
 * Deletes the upload executions as a user does in the editor's execution list (REST, as the
 * owner; a hard delete that also deletes the executions' binary data), then looks again.
 */
async function deleteUploadExecutions(
	cluster: QueueCluster,
	postgres: Postgres,
	answers: Answer[],
): Promise<Observed['afterDeletion']> {
	const ids = answers
		.filter((answer) => answer.applicant.channel === 'upload')
		.map((answer) => String(answer.body.executionId));
	const cookie = await setupOwner(cluster.main.server);
	const response = await fetch(`${cluster.main.url}/rest/executions/delete`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie },
		body: JSON.stringify({ ids }),
	});
	if (!response.ok) {
		throw new Error(`deleting executions failed: HTTP ${response.status} ${await response.text()}`);
	}
	const left = await postgres.query(
		`SELECT id FROM execution_entity WHERE id IN (${ids.map(Number).join(', ')})`,
	);
	return { executions: left.map(([id]) => id), files: await storedFiles(postgres) };
}

function requestBody(applicant: Applicant): {
	headers?: Record<string, string>;
	body: string | FormData;
} {
	if (applicant.channel !== 'upload') {
		return {
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				applicant: applicant.name,
				nik: applicant.nik,
				selfie: applicant.selfie.toString('base64'),
			}),
		};
	}
	const form = new FormData();
	form.append('applicant', applicant.name);
	form.append('nik', applicant.nik);
	form.append(
		'selfie',
		new Blob([applicant.selfie], { type: 'image/jpeg' }),
		`${applicant.name}.jpg`,
	);
	return { body: form };
}

function report(result: Observed, cluster: QueueCluster): void {
	const perWorker = cluster.workers
		.map((w) => `${w.name} ran ${result.startedBy.get(w.name)?.length ?? 0}`)
		.join(', ');
	const perEntry = [...result.enqueuedBy].map(([name, ids]) => `${name} ${ids.length}`).join(', ');
	progress(
		`queue mode: ${APPLICANTS.length} applicants answered in ${result.burstSeconds.toFixed(1)} s ` +
			`(enqueued by ${perEntry}); ${perWorker}`,
	);
}

function get(): Observed {
	if (!observed) throw new Error('the queue-mode set-up did not run (see beforeAll)');
	return observed;
}

/** Marks the run failed, so afterAll saves the logs and prints their tails. */
function check(name: string, body: () => void): void {
	it(name, () => {
		try {
			body();
		} catch (error) {
			failed = true;
			throw error;
		}
	});
}

/** The fields of an answer the test compares, in the shape of `expectedVerdict`. */
function verdictOf(answer: Answer): Verdict | string {
	const { body } = answer;
	if (typeof body.verdict !== 'string')
		return `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`;
	const verdict: Verdict = {
		applicant: String(body.applicant),
		status: answer.status,
		verdict: body.verdict as Verdict['verdict'],
		identityId: String(body.identityId),
	};
	if (body.verdict === 'error') {
		verdict.errorType = body.errorType as string;
		verdict.charged = body.charged as boolean;
	} else {
		verdict.result = body.result as string;
		verdict.faceSimilarity = body.faceSimilarity as number | null;
	}
	return verdict;
}

describe(`n8n ${VERSION} in queue mode: main + webhook process + ${WORKERS} workers, PostgreSQL, Redis`, () => {
	check(
		`answers every one of ${APPLICANTS.length} concurrent applicants with the sandbox's verdict`,
		() => {
			const { answers, requests } = get();
			expect(answers.map(verdictOf)).toEqual(APPLICANTS.map(expectedVerdict));
			// What the sandbox itself answered for each applicant agrees with the verdict.
			const sandboxAnswer = new Map(requests.map((entry) => [applicantOf(entry), entry]));
			for (const applicant of APPLICANTS) {
				const entry = sandboxAnswer.get(applicant.name);
				expect({ applicant: applicant.name, status: entry?.status, fault: entry?.fault }).toEqual({
					applicant: applicant.name,
					status: applicant.kind === 'noFace' ? 400 : 200,
					fault: applicant.kind === 'noFace' ? 'no_face_detected' : undefined,
				});
			}
		},
	);

	check(
		'sends each applicant to the sandbox once (a free 503 once more), with its own NIK, selfie and the key',
		() => {
			const { requests } = get();
			const perApplicant = new Map<string, Array<number | null>>();
			for (const entry of requests) {
				const name = applicantOf(entry) ?? `unknown (${entry.identityId})`;
				perApplicant.set(name, [...(perApplicant.get(name) ?? []), entry.status]);
			}
			// Retry On Fail (on in every workflow) sends nothing already answered again: only the
			// flaky applicants' free 503 is sent once more, when n8n runs the node again.
			expect(Object.fromEntries(perApplicant)).toEqual(
				Object.fromEntries(
					APPLICANTS.map((applicant) => [
						applicant.name,
						applicant.kind === 'flaky' ? [503, 200] : [applicant.kind === 'noFace' ? 400 : 200],
					]),
				),
			);
			// Nobody is paid for twice (many applicants share the sandbox's match and no-match NIKs,
			// so this counts per applicant, not per NIK).
			const chargedPerApplicant = new Map<string, number>();
			for (const entry of requests.filter((e) => e.charged)) {
				const name = applicantOf(entry)!;
				chargedPerApplicant.set(name, (chargedPerApplicant.get(name) ?? 0) + 1);
			}
			expect([...new Set(chargedPerApplicant.values())]).toEqual([1]);
			expect(chargedPerApplicant.size).toBe(APPLICANTS.length);
			const byName = new Map(APPLICANTS.map((applicant) => [applicant.name, applicant]));
			for (const entry of requests) {
				const applicant = byName.get(applicantOf(entry)!)!;
				expect(entry.identityId).toBe(applicant.nik);
				// Byte for byte what was sent, also for uploads that went through the database.
				expect(entry.faceImage?.equals(applicant.selfie)).toBe(true);
				expect(entry.authorization).toBe(`Bearer ${API_KEY}`);
			}
		},
	);

	check('runs the executions on both workers, never on the main or the webhook process', () => {
		const { answers, startedBy, enqueuedBy, executions } = get();
		const workerOf = new Map<string, string[]>();
		for (const [name, ids] of startedBy) {
			for (const id of ids) workerOf.set(id, [...(workerOf.get(id) ?? []), name]);
		}
		// Each applicant's execution (its id is in the answer) was started by exactly one worker.
		const ranOn = answers.map((answer) => workerOf.get(String(answer.body.executionId)) ?? []);
		expect(ranOn.filter((names) => names.length !== 1 || !names[0].startsWith('worker-'))).toEqual(
			[],
		);
		for (const worker of cluster!.workers) {
			expect(ranOn.filter(([name]) => name === worker.name).length).toBeGreaterThan(0);
		}
		expect(startedBy.get('main')).toEqual([]);
		for (const webhook of cluster!.webhookProcesses)
			expect(startedBy.get(webhook.name)).toEqual([]);
		// The process that received each request put it on the queue.
		const entryNames = ['main', ...cluster!.webhookProcesses.map((p) => p.name)];
		for (const answer of answers) {
			expect({
				applicant: answer.applicant.name,
				enqueuedBy: entryNames.filter((name) =>
					enqueuedBy.get(name)?.includes(String(answer.body.executionId)),
				),
			}).toEqual({
				applicant: answer.applicant.name,
				enqueuedBy: [entryNames[answer.applicant.entry]],
			});
		}
		// One production webhook execution per applicant, all finished, none re-run.
		expect(executions).toHaveLength(APPLICANTS.length);
		expect(new Set(executions.map((e) => e.id))).toEqual(
			new Set(answers.map((answer) => String(answer.body.executionId))),
		);
		for (const execution of executions) {
			expect(execution).toMatchObject({
				mode: 'webhook',
				status: 'success',
				finished: 't',
				retryOf: '',
			});
		}
	});

	check(
		'stores uploaded selfies in PostgreSQL, where the worker that ran the execution read them',
		() => {
			const { answers, files } = get();
			const uploads = answers.filter((answer) => answer.applicant.channel === 'upload');
			expect(uploads.length).toBeGreaterThan(0);
			// The receiving process stored each file once; only its own execution's data refers to it
			// (and the sandbox got exactly these bytes, see above: the worker read them back).
			expect(files.map((file) => [file.fileName, file.fileSize, file.referencedBy])).toEqual(
				uploads
					.map((answer) => [
						`${answer.applicant.name}.jpg`,
						answer.applicant.selfie.length,
						[String(answer.body.executionId)],
					])
					.sort(),
			);
		},
	);

	// A fact about n8n 2.41.1, not about this package; the README's advice rests on it. Webhook
	// uploads are stored before the execution exists, under sourceId "temp". In filesystem mode
	// n8n moves them to the execution once it has an id (restore-binary-data-id.js looks for
	// "/temp/" in the file id); database-mode file ids are bare UUIDs, so the rows keep "temp",
	// and deleting or pruning the execution (which deletes binary data by execution id) leaves
	// them. If this fails after an n8n upgrade, n8n fixed it: update the README.
	check('n8n 2.41.1 keeps webhook uploads in binary_data after their execution is deleted', () => {
		const { files, afterDeletion } = get();
		expect(files.map((file) => [file.sourceType, file.sourceId])).toEqual(
			files.map(() => ['execution', 'temp']),
		);
		expect(afterDeletion.executions).toEqual([]);
		expect(
			afterDeletion.files.map((file) => [file.fileName, file.sourceId, file.referencedBy]),
		).toEqual(files.map((file) => [file.fileName, 'temp', []]));
	});
});

/**
 * The same applicant in executions on both workers. Each worker is its own process: the one that
 * paid keeps the answer in memory and reuses it; the other learns from n8n's deduplication store
 * (one PostgreSQL row per workflow and node) that it was sent, and answers a free
 * duplicate_request instead of paying again. Posted one after the other (the store is not a
 * lock: two executions checking at the same moment could both send, see CONTRIBUTING.md), to
 * the main and the webhook process in turn, until both workers have run one.
 */
const REUSE_NIK = '3175010101010001';
const REUSE_MAX_POSTS = 16;

interface ReuseAnswer {
	executionId: string;
	worker: string;
	body: Record<string, unknown>;
}

/** The worker whose log says it started the execution (log lines arrive through a pipe). */
async function workerThatRan(cluster: QueueCluster, executionId: string): Promise<string> {
	const pattern = new RegExp(`Worker started execution ${executionId} \\(job`);
	const deadline = Date.now() + 15_000;
	for (;;) {
		for (const worker of cluster.workers) {
			if (fs.existsSync(worker.logFile) && pattern.test(fs.readFileSync(worker.logFile, 'utf8'))) {
				return worker.name;
			}
		}
		if (Date.now() > deadline) return 'unknown';
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe(`n8n ${VERSION} in queue mode: one applicant, executions on both workers`, () => {
	const answers: ReuseAnswer[] = [];
	let requests: RequestLogEntry[] = [];

	beforeAll(async () => {
		if (!cluster || !sandbox) throw new Error('the queue-mode set-up did not run (see beforeAll)');
		const entryUrls = [cluster.main.url, ...cluster.webhookProcesses.map((p) => p.url)];
		const body = JSON.stringify({ nik: REUSE_NIK, selfie: makeJpeg().toString('base64') });
		for (let i = 0; i < REUSE_MAX_POSTS; i++) {
			const url = `${entryUrls[i % entryUrls.length]}/webhook/${WORKFLOWS.reuse.path}`;
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body,
			});
			const json = (await response.json()) as Record<string, unknown>;
			const executionId = String(json.executionId);
			answers.push({ executionId, worker: await workerThatRan(cluster, executionId), body: json });
			if (new Set(answers.slice(1).map((a) => a.worker)).size === WORKERS) break;
		}
		requests = sandbox.requests().filter((entry) => entry.identityId === REUSE_NIK);
		progress(
			`queue mode, reuse: ${answers.length} posts of one applicant, ran on ` +
				answers.map((a) => a.worker).join(', '),
		);
	}, 5 * 60_000);

	check('Kredibel sees the applicant once, whichever worker runs the execution', () => {
		expect(requests.map((entry) => [entry.status, entry.charged])).toEqual([[200, true]]);
	});

	check(
		'the paying worker reuses its answer; the other worker answers duplicate_request, free',
		() => {
			const [first, ...later] = answers;
			expect(first.body).toMatchObject({
				result: 'identity_invalid',
				charged: true,
				reused: false,
			});
			// After the first one, both workers ran the applicant at least once more.
			expect(new Set(later.map((a) => a.worker))).toEqual(
				new Set(cluster!.workers.map((w) => w.name)),
			);
			for (const answer of later) {
				expect({ worker: answer.worker, ...answer.body }).toEqual(
					answer.worker === first.worker
						? {
								worker: first.worker,
								executionId: answer.executionId,
								identityId: REUSE_NIK,
								result: 'identity_invalid',
								charged: false,
								reused: true,
								errorType: null,
							}
						: {
								worker: answer.worker,
								executionId: answer.executionId,
								identityId: REUSE_NIK,
								result: null,
								charged: false,
								reused: false,
								errorType: 'duplicate_request',
							},
				);
			}
		},
	);
});
