/**
 * A manual run, as the editor's "Execute workflow" button makes one: `n8n start`, the owner signed
 * in, `POST /rest/workflows/:id/run` from the Manual Trigger. The Retry On Fail memory of the
 * node is keyed by `getExecutionId()` (additionalData.executionId); `n8n execute` and queue mode
 * are covered elsewhere, this file checks that a manual run has an execution id too and that a
 * Retry On Fail re-run there pays for nobody twice.
 *
 * What the editor posts differs by version: 2.x reads the workflow from the database and wants
 * `{ triggerToStartFrom }`; 1.x wants the workflow itself in `workflowData` as well. The body
 * below carries both (2.x's ManualRunDto drops keys it does not know).
 *
 * Run: `npm run build && npx jest test/e2e/manual --selectProjects e2e`.
 */
import fs from 'node:fs';
import path from 'node:path';

import { perApplicant } from '../harness/sandboxRequests';
import { startSandbox, SANDBOX_NIKS, type RequestLogEntry } from '../../sandbox/server';
import { freePort } from '../harness/freePort';
import { createN8nRun, type N8nRun, type WorkflowImport } from '../harness/n8nInstance';
import { setupOwner, startN8nServer, type N8nServer } from '../harness/n8nServer';
import { finishedExecution, listExecutions, rest, runData } from '../harness/restExecutions';
import { packPackage } from '../harness/packPackage';
import { progress, tailOfFile } from '../harness/processes';
import { PINNED_N8N } from '../harness/versions';

const API_KEY = 'e2e-manual-kredibel-key-3d4e5f';
const CREDENTIAL_ID = 'kredibelSandbox1';
/** The third applicant's NIK: the sandbox answers it with a charged no_face_detected. */
const NO_FACE_NIK = '3171011708450021';
const TRIGGER = 'Start';
const VERSIONS = PINNED_N8N.map((pin) => pin.version);

interface ExecutionSummary {
	id: string;
	mode: string;
	status: string;
}

interface ManualRun {
	/** `data.executionId` of the answer to POST /rest/workflows/:id/run. */
	answeredId: unknown;
	/** The workflow's executions in GET /rest/executions once the run was over. */
	listed: ExecutionSummary[];
	/** The finished execution from GET /rest/executions/:id. */
	execution: ExecutionSummary;
	/** `$execution.id` as the Code node before the Kredibel node saw it, per item. */
	codeNodeExecutionIds: unknown[];
	/** The error n8n recorded for the run. */
	errorMessage: string | undefined;
	requests: RequestLogEntry[];
	seconds: number;
}

const runs = new Map<string, ManualRun>();
const failures = new Map<string, Error>();

function loadWorkflow(): WorkflowImport {
	const file = path.join(__dirname, 'workflows', 'retry-on-fail-stop-manual.json');
	return JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowImport;
}

async function runManually(version: string, tarball: string): Promise<ManualRun> {
	const sandbox = await startSandbox({ apiKey: API_KEY });
	let run: N8nRun | undefined;
	let server: N8nServer | undefined;
	try {
		run = await createN8nRun({ version, tarball });
		await run.importCredentials([
			{
				id: CREDENTIAL_ID,
				name: 'Kredibel sandbox',
				type: 'kredibelApi',
				data: { apiKey: API_KEY, environment: 'custom', baseUrl: `${sandbox.url}/` },
			},
		]);
		const workflowId = await run.importWorkflow(loadWorkflow());
		server = await startN8nServer(run, { port: await freePort() });
		const cookie = await setupOwner(server);
		const workflowData = await rest<Record<string, unknown>>(
			server,
			cookie,
			'GET',
			`/workflows/${workflowId}`,
		);

		sandbox.reset();
		sandbox.addFault({
			match: { identityId: NO_FACE_NIK },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		const started = Date.now();
		const answer = await rest<{ executionId?: unknown; waitingForWebhook?: boolean }>(
			server,
			cookie,
			'POST',
			`/workflows/${workflowId}/run`,
			{ workflowData, triggerToStartFrom: { name: TRIGGER } },
		);
		if (typeof answer.executionId !== 'string' || answer.executionId === '') {
			throw new Error(`the manual run answered no execution id: ${JSON.stringify(answer)}`);
		}
		const finished = await finishedExecution(server, cookie, answer.executionId);
		const seconds = (Date.now() - started) / 1000;
		while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 25));

		const listed = await listExecutions(server, cookie, workflowId);
		const data = runData(finished);
		const applicants = data.resultData.runData['Applicants']?.[0]?.data?.main[0] ?? [];
		const result: ManualRun = {
			answeredId: answer.executionId,
			listed: listed.map(({ id, mode, status }) => ({ id, mode, status })),
			execution: { id: finished.id, mode: finished.mode, status: finished.status },
			codeNodeExecutionIds: applicants.map((item) => item.json.executionId),
			errorMessage: data.resultData.error?.message,
			requests: sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity')),
			seconds,
		};
		progress(
			`n8n ${version}: manual run ${result.execution.status} in ${seconds.toFixed(1)} s, ` +
				`execution id ${JSON.stringify(answer.executionId)}, ${result.requests.length} request(s) to the sandbox`,
		);
		return result;
	} catch (error) {
		if (server)
			process.stderr.write(`n8n ${version} server log:\n${tailOfFile(server.logFile, 40)}\n`);
		throw error;
	} finally {
		await server?.stop();
		await run?.dispose();
		await sandbox.close();
	}
}

function ran(version: string): ManualRun {
	const failure = failures.get(version);
	if (failure) throw failure;
	const result = runs.get(version);
	if (!result) throw new Error(`n8n ${version}: the manual run did not happen (see beforeAll)`);
	return result;
}

describe.each(VERSIONS)('n8n %s, a manual run from the editor (REST)', (version) => {
	beforeAll(async () => {
		try {
			runs.set(version, await runManually(version, await packPackage()));
		} catch (error) {
			failures.set(version, error as Error);
		}
	}, 10 * 60_000);

	it('Retry On Fail, stop on error (two matches, then no face): each applicant reached Kredibel once', () => {
		const { requests, execution, errorMessage } = ran(version);
		expect(execution).toMatchObject({ mode: 'manual', status: 'error' });
		expect(errorMessage).toMatch(/^\[item 2\] /);
		expect(perApplicant(requests)).toEqual({
			[`${SANDBOX_NIKS.match}:jpeg`]: 1,
			[`${SANDBOX_NIKS.match}:png`]: 1,
			[`${NO_FACE_NIK}:jpeg`]: 1,
		});
		expect(requests.every((entry) => entry.charged)).toBe(true);
	});

	it('has one non-empty execution id: in the REST answer, the executions list and $execution.id', () => {
		const { answeredId, listed, execution, codeNodeExecutionIds } = ran(version);
		expect(answeredId).toEqual(expect.stringMatching(/\S/));
		expect(execution.id).toBe(answeredId);
		expect(listed).toEqual([{ id: answeredId, mode: 'manual', status: 'error' }]);
		// What a node's getExecutionId() reads (additionalData.executionId) is what $execution.id is.
		expect(codeNodeExecutionIds).toEqual([answeredId, answeredId, answeredId]);
	});
});
