/**
 * The example workflows in examples/, served by a real n8n server the way a user runs them:
 * the packed package installed as a community node, a Kredibel credential with the id and name
 * the examples reference (pointing at the local sandbox), the example files imported unchanged,
 * published (activated), and `n8n start` answering their production form and webhook URLs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startSandbox, type Sandbox } from '../../sandbox/server';
import { freePort } from '../harness/freePort';
import { createN8nRun, type N8nRun } from '../harness/n8nInstance';
import { setupOwner, startN8nServer, type N8nServer } from '../harness/n8nServer';
import { progress } from '../harness/processes';

export const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', '..', 'examples');

/** What the examples' Kredibel nodes reference; a user picks their own credential on import. */
export const EXAMPLE_CREDENTIAL = { id: 'kredibelSandbox', name: 'Kredibel sandbox (local)' };

export const KREDIBEL_NODE_TYPE = 'n8n-nodes-kredibel.kredibelBiometric';

/** Where server logs are kept after the run's user folder is removed. */
export const LOG_DIR = path.join(os.tmpdir(), 'kredibel-examples-e2e');

const READY_TIMEOUT_MS = 60_000;

export interface ExampleWorkflow {
	file: string;
	json: ExampleJson;
}

/** A workflow file as the editor exports it (assignable to the harness's WorkflowImport). */
export interface ExampleJson {
	id?: string;
	name: string;
	nodes: ExampleNode[];
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

export interface ExampleNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	onError?: string;
	webhookId?: string;
}

export function listExampleFiles(): string[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort();
}

export function loadExample(file: string): ExampleWorkflow {
	const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as ExampleJson;
	return { file, json };
}

/**
 * The example with Reuse Window 0 on its Kredibel nodes: the tests post the same sandbox
 * applicants again and again and count what reaches Kredibel, so each execution must stand
 * alone. Reuse across executions, the default, is tested in test/e2e/reuse/.
 */
export function standAlone(example: ExampleWorkflow): ExampleWorkflow {
	const json = structuredClone(example.json);
	for (const node of json.nodes) {
		if (!node.type.endsWith('.kredibelBiometric')) continue;
		const options = (node.parameters.options ?? {}) as Record<string, unknown>;
		node.parameters.options = { ...options, reuseWindowHours: 0 };
	}
	return { ...example, json };
}

export const MCP_TRIGGER_TYPE = '@n8n/n8n-nodes-langchain.mcpTrigger';
const TRIGGER_TYPES = ['n8n-nodes-base.formTrigger', 'n8n-nodes-base.webhook', MCP_TRIGGER_TYPE];

/**
 * The production path a trigger node serves: `/form/<path>` for a Form Trigger, `/webhook/<path>`
 * for a Webhook node (the same in n8n 1.x and 2.x for fixed paths), `/mcp/<path>` for an MCP
 * Server Trigger (version 2: Streamable HTTP on that one path).
 */
export function productionPath(node: ExampleNode): string {
	if (node.type === MCP_TRIGGER_TYPE) return `/mcp/${node.parameters.path as string}`;
	if (node.type === 'n8n-nodes-base.formTrigger') {
		const options = node.parameters.options as { path?: string } | undefined;
		const fixed = (node.parameters.path as string | undefined) ?? options?.path;
		return `/form/${fixed ?? node.webhookId}`;
	}
	if (node.type === 'n8n-nodes-base.webhook') {
		return `/webhook/${(node.parameters.path as string | undefined) ?? node.webhookId}`;
	}
	throw new Error(`${node.name} (${node.type}) is not a form or webhook trigger`);
}

export function triggerOf(example: ExampleWorkflow): ExampleNode {
	const trigger = example.json.nodes.find((node) => TRIGGER_TYPES.includes(node.type));
	if (!trigger) throw new Error(`${example.file} has no form, webhook or MCP trigger`);
	return trigger;
}

export interface ExampleServer {
	version: string;
	sandbox: Sandbox;
	run: N8nRun;
	server: N8nServer;
	/** Example file name -> imported workflow id. */
	workflowIds: Record<string, string>;
	/** Copy of the server log that survives the run (updated by `saveLog`). */
	savedLog: string;
	/** Copies the server log to `savedLog` and returns its last lines, for failure messages. */
	logTail(lines?: number): string;
	timings: Record<string, number>;
	/**
	 * A finished run's status from the REST API (as the owner), waiting while it is still new,
	 * running or waiting: `success`, `error`, `crashed` or `canceled`.
	 */
	finishedStatus(executionId: string): Promise<string>;
	stop(): Promise<void>;
}

/**
 * Everything from an empty folder to a server answering the examples' production URLs. Each
 * step is timed (`timings`, seconds) and printed, so a slow machine shows where time goes.
 */
export async function startExampleServer(options: {
	version: string;
	tarball: string;
	apiKey: string;
	examples: ExampleWorkflow[];
	/** Names the kept server log, so suites running side by side keep their own. */
	suite?: string;
}): Promise<ExampleServer> {
	const { version } = options;
	const timings: Record<string, number> = {};
	let last = Date.now();
	const lap = (step: string): void => {
		const now = Date.now();
		timings[step] = (now - last) / 1000;
		last = now;
		progress(
			`${options.suite ?? 'examples'} on n8n ${version}: ${step} ${timings[step].toFixed(1)} s`,
		);
	};

	const sandbox = await startSandbox({ apiKey: options.apiKey });
	let run: N8nRun | undefined;
	let server: N8nServer | undefined;
	fs.mkdirSync(LOG_DIR, { recursive: true });
	const savedLog = path.join(LOG_DIR, `${options.suite ?? 'examples'}-n8n-${version}-server.log`);
	const saveLog = (): void => {
		if (server && fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, savedLog);
	};
	const stop = async (): Promise<void> => {
		await server?.stop();
		saveLog();
		await run?.dispose();
		await sandbox.close();
	};
	try {
		// Binary data on disk, as n8n runs in production (the form upload and the resized photo).
		run = await createN8nRun({
			version,
			tarball: options.tarball,
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		lap('install package');
		await run.importCredentials([
			{
				...EXAMPLE_CREDENTIAL,
				type: 'kredibelApi',
				data: { apiKey: options.apiKey, environment: 'custom', baseUrl: sandbox.url },
			},
		]);
		const ids = await run.importWorkflows(options.examples.map((example) => example.json));
		lap('import credential and workflows');
		const major = Number(version.split('.')[0]);
		if (major < 2) {
			await activateWithCli(run, ids);
			lap('activate workflows (CLI)');
		}
		server = await startN8nServer(run, { port: await freePort() });
		await waitUntilStarted(server);
		lap('start server');
		const cookie = await setupOwner(server);
		if (!cookie.startsWith('n8n-auth=')) throw new Error(`owner setup gave no session cookie`);
		if (major >= 2) {
			await publishWithRest(server, cookie, ids);
			lap('publish workflows (REST)');
		}
		// A GET on an MCP trigger opens an event stream: its clients retry the connection instead.
		await waitForProductionUrls(
			server,
			options.examples.map(triggerOf).filter((trigger) => trigger.type !== MCP_TRIGGER_TYPE),
		);
		lap('production URLs answer');
		const ready = server;
		return {
			version,
			sandbox,
			run,
			server,
			workflowIds: Object.fromEntries(options.examples.map((example, i) => [example.file, ids[i]])),
			savedLog,
			logTail: (lines = 60) => {
				saveLog();
				return serverLogTail(ready.logFile, lines);
			},
			timings,
			finishedStatus: (executionId) => finishedStatus(ready, cookie, executionId),
			stop,
		};
	} catch (error) {
		const tail = server
			? `\n--- n8n ${version} server log (tail) ---\n${serverLogTail(server.logFile)}`
			: '';
		await stop().catch(() => undefined);
		if (error instanceof Error) error.message += tail;
		throw error;
	}
}

/**
 * n8n 1.x: `update:workflow --all --active=true` before the server starts, which then registers
 * the production webhooks. It logs an error but exits 0 when something is wrong, hence the
 * `list:workflow` check.
 */
async function activateWithCli(run: N8nRun, ids: string[]): Promise<void> {
	const args = ['update:workflow', '--all', '--active=true'];
	const result = await run.cli(args);
	if (result.exitCode !== 0) {
		throw new Error(`n8n ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.output}`);
	}
	const listed = await run.cli(['list:workflow', '--active=true', '--onlyId']);
	const active = new Set(listed.output.split('\n').map((line) => line.trim()));
	const missing = ids.filter((id) => !active.has(id));
	if (missing.length > 0) {
		throw new Error(
			`workflows ${missing.join(', ')} are not active after ${args.join(' ')}:\n${listed.output}`,
		);
	}
}

/**
 * n8n 2.x: what the editor's Publish button does, `POST /rest/workflows/<id>/activate` with the
 * current versionId; it answers once the production webhooks are registered. (Before start,
 * `n8n publish:workflow --id=<id>` works too, and `update:workflow --id=<id> --active=true` is its
 * deprecated alias; `--all` is refused for publishing. Each is a 4-18 s n8n start-up, against
 * well under a second here.)
 */
async function publishWithRest(server: N8nServer, cookie: string, ids: string[]): Promise<void> {
	for (const id of ids) {
		const url = `${server.url}/rest/workflows/${id}`;
		const got = await fetch(url, { headers: { cookie } });
		const workflow = (await got.json()) as { data?: { versionId?: string } };
		const versionId = workflow.data?.versionId;
		if (got.status !== 200 || !versionId) {
			throw new Error(`GET /rest/workflows/${id}: HTTP ${got.status}, no versionId`);
		}
		const published = await fetch(`${url}/activate`, {
			method: 'POST',
			headers: { cookie, 'content-type': 'application/json' },
			body: JSON.stringify({ versionId }),
		});
		const text = await published.text();
		const data = (JSON.parse(text) as { data?: { active?: boolean; activeVersionId?: string } })
			.data;
		if (published.status !== 200 || !data?.active || data.activeVersionId !== versionId) {
			throw new Error(
				`POST /rest/workflows/${id}/activate: HTTP ${published.status} ${text.slice(0, 500)}`,
			);
		}
	}
}

/**
 * n8n 1.x answers every request with HTTP 200 "n8n is starting up. Please wait" (text/html)
 * while it starts, /rest/settings included, so `startN8nServer` can return early: an owner set
 * up then gets no cookie and a form page "answers" 200. The real settings are JSON.
 */
async function waitUntilStarted(server: N8nServer): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		const response = await fetch(`${server.url}/rest/settings`);
		const text = await response.text();
		if (response.ok && (response.headers.get('content-type') ?? '').includes('json')) return;
		if (Date.now() > deadline) {
			throw new Error(`n8n still says "${text.slice(0, 200)}" after ${READY_TIMEOUT_MS / 1000} s`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/**
 * A safety net before the first real request: every production URL answers. A GET tells
 * without side effects: a form page answers 200; a POST-only webhook answers 404 "not registered
 * for GET requests" once registered and "... is not registered" before. (n8n 2.x registers the
 * webhooks of workflows published before start only after its REST API answers.)
 */
async function waitForProductionUrls(server: N8nServer, triggers: ExampleNode[]): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (const trigger of triggers) {
		const url = `${server.url}${productionPath(trigger)}`;
		for (;;) {
			const response = await fetch(url);
			const text = await response.text();
			if (response.status === 200 || text.includes('not registered for GET')) break;
			if (Date.now() > deadline) {
				throw new Error(
					`${url} (${trigger.name}) is still not served after ${READY_TIMEOUT_MS / 1000} s: HTTP ${response.status} ${text.slice(0, 300)}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
}

async function finishedStatus(
	server: N8nServer,
	cookie: string,
	executionId: string,
): Promise<string> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		const response = await fetch(`${server.url}/rest/executions/${executionId}`, {
			headers: { cookie },
		});
		const text = await response.text();
		if (response.status !== 200) {
			throw new Error(`GET /rest/executions/${executionId}: HTTP ${response.status} ${text}`);
		}
		const body = JSON.parse(text) as { data?: { status?: string }; status?: string };
		const status = (body.data ?? body).status ?? 'unknown';
		if (!['new', 'running', 'waiting'].includes(status)) return status;
		if (Date.now() > deadline) {
			throw new Error(
				`execution ${executionId} is still "${status}" after ${READY_TIMEOUT_MS / 1000} s`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/**
 * The server log without the noise of a machine that cannot reach n8n's own services (stack
 * traces of failed fetches from api.n8n.io).
 */
export function serverLogTail(logFile: string, lines = 60): string {
	if (!fs.existsSync(logFile)) return '(no server log)';
	return fs
		.readFileSync(logFile, 'utf8')
		.split('\n')
		.filter((line) => !/^\s+at /.test(line))
		.slice(-lines)
		.join('\n');
}
