/**
 * n8n in queue mode ("scaling mode"), the way teams run it when one process is not enough: one
 * main (editor, REST API, webhooks; puts executions on Redis), optional `n8n webhook` processes
 * (receive production webhooks and put them on Redis too), and `n8n worker` processes that take
 * executions off the queue and run them. All share one PostgreSQL database, one Redis and one
 * encryption key, and store binary data in the database so that every process can read what
 * another one wrote. Each process has its own user folder with the packed package installed into
 * `.n8n/nodes`, as on separate machines.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

import { freePort } from '../harness/freePort';
import { createN8nRun, type N8nRun } from '../harness/n8nInstance';
import { startN8nServer, type N8nServer } from '../harness/n8nServer';
import { progress, tailOfFile } from '../harness/processes';
import type { Postgres, Redis, StateFolder } from './services';

export interface QueueClusterOptions {
	version: string;
	/** From `packPackage()`: installed into every process's `.n8n/nodes`. */
	tarball: string;
	postgres: Postgres;
	redis: Redis;
	/** Logs go here; every long-running process is recorded in it (see services.ts). */
	state: StateFolder;
	workers: number;
	/** `n8n webhook` processes next to the main (default 0). */
	webhookProcesses?: number;
	/** `n8n worker --concurrency`: jobs one worker runs at once (n8n's default 10). */
	workerConcurrency: number;
	/** Runs with the main's environment before anything starts: imports, publishing. */
	prepare: (main: N8nRun) => Promise<void>;
	/** Added to every process's environment. */
	env?: Record<string, string>;
}

/** A long-running n8n process other than the main: a worker or a webhook process. */
export interface QueueProcess {
	name: string;
	run: N8nRun;
	process: ChildProcess;
	logFile: string;
	/** Workers: the worker server (QUEUE_HEALTH_CHECK_PORT). Webhook processes: their HTTP port. */
	url: string;
}

export interface QueueCluster {
	main: { run: N8nRun; server: N8nServer; url: string };
	webhookProcesses: QueueProcess[];
	workers: QueueProcess[];
	/** Every log of the set-up: main, webhook processes, workers, PostgreSQL, Redis. */
	logFiles(): Array<{ name: string; file: string }>;
	/** The last lines of every log, for a failing test's message. */
	tails(lines?: number): string;
	/** Stops every n8n process, then removes their user folders (idempotent). */
	stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;

/** The environment every process of the set-up shares: database, queue, binary data. */
export function queueModeEnv(postgres: Postgres, redis: Redis): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		// Already n8n 2.x's default in queue mode (n8n-core's BinaryDataConfig), set anyway as
		// n8n's docs ask: the process that receives an upload stores it, a worker reads it.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
	};
}

export async function startQueueCluster(options: QueueClusterOptions): Promise<QueueCluster> {
	const env = { ...queueModeEnv(options.postgres, options.redis), ...options.env };
	const webhookCount = options.webhookProcesses ?? 0;
	const started = Date.now();
	// One user folder per process, each with the package installed as users install it; the
	// installs (npm, a few seconds each) run side by side.
	const settled = await Promise.allSettled(
		Array.from({ length: 1 + webhookCount + options.workers }, () =>
			createN8nRun({ version: options.version, tarball: options.tarball, env }),
		),
	);
	const runs = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
	for (const run of runs) options.state.trackFolder(run.userFolder);
	const failedInstall = settled.find((result) => result.status === 'rejected');
	if (failedInstall) {
		await Promise.all(runs.map((run) => run.dispose()));
		throw (failedInstall as PromiseRejectedResult).reason;
	}
	const [mainRun, ...others] = runs;
	const webhookRuns = others.slice(0, webhookCount);
	const workerRuns = others.slice(webhookCount);
	progress(`queue mode: package installed in ${runs.length} user folders in ${seconds(started)} s`);

	let server: N8nServer | undefined;
	const webhookProcesses: QueueProcess[] = [];
	const workers: QueueProcess[] = [];
	const mainLog = options.state.file('main.log');
	let stopped: Promise<void> | undefined;
	const stop = () => {
		stopped ??= (async () => {
			await Promise.all([
				server?.stop(),
				...[...webhookProcesses, ...workers].map((p) => stopProcess(p.process)),
			]);
			// The main's log lives in its user folder (n8nServer.ts); keep a copy with the others.
			if (server && fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, mainLog);
			await Promise.all(runs.map((run) => run.dispose()));
		})();
		return stopped;
	};
	const logFiles = () => [
		{ name: 'main', file: server && !stopped ? server.logFile : mainLog },
		...[...webhookProcesses, ...workers].map((p) => ({ name: p.name, file: p.logFile })),
		{ name: 'postgres', file: options.postgres.logFile },
		{ name: 'redis', file: options.redis.logFile },
	];
	const tails = (lines = 40) =>
		logFiles()
			.map(({ name, file }) => `----- ${name} (${file}) -----\n${tailOfFile(file, lines)}`)
			.join('\n');

	try {
		// Migrations and imports first, through the CLI, before any server holds the database.
		const prepared = Date.now();
		await options.prepare(mainRun);
		progress(`queue mode: database migrated and workflows imported in ${seconds(prepared)} s`);

		const booted = Date.now();
		const mainPort = await freePort();
		// Started side by side; whatever did start is stopped again if anything else failed.
		const [mainResult, ...otherResults] = await Promise.allSettled([
			startN8nServer(mainRun, { port: mainPort }),
			...webhookRuns.map((run, index) => startWebhookProcess(run, `webhook-${index + 1}`, options)),
			...workerRuns.map((run, index) => startWorker(run, `worker-${index + 1}`, options)),
		]);
		if (mainResult.status === 'fulfilled') {
			server = mainResult.value;
			options.state.track(server.process.pid, 'n8n main');
		}
		otherResults.forEach((result, index) => {
			if (result.status !== 'fulfilled') return;
			(index < webhookCount ? webhookProcesses : workers).push(result.value as QueueProcess);
		});
		const bootFailure = [mainResult, ...otherResults].find((r) => r.status === 'rejected');
		if (bootFailure) throw (bootFailure as PromiseRejectedResult).reason;
		const main = server!;
		progress(
			`queue mode: main, ${webhookProcesses.length} webhook process(es) and ${workers.length} ` +
				`workers ready in ${seconds(booted)} s`,
		);
		return {
			main: { run: mainRun, server: main, url: main.url },
			webhookProcesses,
			workers,
			logFiles,
			tails,
			stop,
		};
	} catch (error) {
		const detail = tails(30);
		await stop();
		throw new Error(`${(error as Error).message}\n${detail}`);
	}
}

/** `n8n worker`, ready once its readiness endpoint says: database migrated, Redis connected, taking jobs. */
async function startWorker(
	run: N8nRun,
	name: string,
	options: QueueClusterOptions,
): Promise<QueueProcess> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	return startProcess(
		run,
		name,
		['worker', `--concurrency=${options.workerConcurrency}`],
		{
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(port),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		},
		url,
		`${url}/healthz/readiness`,
		options.state,
	);
}

/** `n8n webhook`: serves `/webhook/...` on its own port; ready once `/healthz/readiness` says so. */
async function startWebhookProcess(
	run: N8nRun,
	name: string,
	options: QueueClusterOptions,
): Promise<QueueProcess> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	return startProcess(
		run,
		name,
		['webhook'],
		{ N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1' },
		url,
		`${url}/healthz/readiness`,
		options.state,
	);
}

async function startProcess(
	run: N8nRun,
	name: string,
	args: string[],
	env: Record<string, string>,
	url: string,
	readinessUrl: string,
	state: StateFolder,
): Promise<QueueProcess> {
	const logFile = state.file(`${name}.log`);
	const log = fs.createWriteStream(logFile);
	const child = run.spawn(args, env);
	state.track(child.pid, `n8n ${name}`);
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	child.once('exit', () => log.end());
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (child.exitCode !== null) {
			throw new Error(`n8n ${name} exited (${child.exitCode}) before it was ready`);
		}
		try {
			if ((await fetch(readinessUrl)).ok) return { name, run, process: child, logFile, url };
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) {
			await stopProcess(child);
			throw new Error(`n8n ${name} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/**
 * Waits until a production webhook is served at `<baseUrl>/webhook/<path>`. In 2.41.1 the main
 * answers /rest/settings (what startN8nServer waits for) seconds before its production webhooks
 * do: a POST right then got Express's 404 "Cannot POST /webhook/...". A CORS preflight is
 * answered 204 only for a registered webhook, and starts no execution.
 */
export async function waitForWebhook(
	baseUrl: string,
	webhookPath: string,
	method = 'POST',
	timeoutMs = 60_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	for (;;) {
		try {
			const response = await fetch(`${baseUrl}/webhook/${webhookPath}`, {
				method: 'OPTIONS',
				headers: { origin: baseUrl, 'access-control-request-method': method },
			});
			if (response.status === 204) return;
			last = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
		} catch (error) {
			last = (error as Error).message;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`no ${method} webhook ${webhookPath} at ${baseUrl} after ${timeoutMs / 1000} s: ${last}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** SIGTERM (n8n stops its task runner and lets running jobs finish), SIGKILL after 20 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
	await exited;
	clearTimeout(killer);
}

function seconds(since: number): string {
	return ((Date.now() - since) / 1000).toFixed(1);
}
