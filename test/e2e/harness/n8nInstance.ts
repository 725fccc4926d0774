/**
 * One isolated n8n "instance" for tests: its own user folder (SQLite database, settings,
 * community packages), driven through n8n's CLI. Every method starts a short-lived n8n
 * process (2-5 s each), one at a time, since they share the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pinnedN8n } from './versions';
import { ensureN8n, type N8nInstall } from './installN8n';
import { installCommunityPackage, type InstalledCommunityPackage } from './installCommunityPackage';
import {
	parseExecuteOutput,
	toExecutionResult,
	type ExecutionResult,
	type RawExecution,
} from './executionResult';
import { freePort } from './freePort';
import { runCommand, type RunResult } from './processes';

export interface N8nRunOptions {
	/** A pinned version from versions.ts. */
	version: string;
	/** A tarball from `packPackage()`, installed into `.n8n/nodes` before anything runs. */
	tarball?: string;
	/** Extra environment for every n8n process of this run (e.g. the sandbox's URL). */
	env?: Record<string, string>;
}

export interface CredentialImport {
	id: string;
	name: string;
	/** Credential type name, e.g. `kredibelApi`. */
	type: string;
	/** Plain values; n8n encrypts them with the run's encryption key on import. */
	data: Record<string, unknown>;
}

/** A workflow as exported from the editor; `id`, `name`, `active`, `settings` get defaults. */
export interface WorkflowImport {
	id?: string;
	name?: string;
	nodes: unknown[];
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

export interface CallOptions {
	/** Added to this call's environment only. */
	env?: Record<string, string>;
	/** Default: 3 minutes, n8n's own per-workflow limit in execute-batch. */
	timeoutMs?: number;
}

/** Fixed so that credentials imported in one command decrypt in the next. */
export const ENCRYPTION_KEY = 'kredibel-e2e-fixed-encryption-key';

const DEFAULT_TIMEOUT_MS = 3 * 60_000;

/**
 * Variables from the caller's environment that would change how n8n behaves. NODE_ENV=test
 * (Jest sets it) makes n8n print nothing and exit 0 even when the workflow fails;
 * NODE_OPTIONS may carry tsx or Jest hooks the Node 24 process cannot load.
 */
const NOT_INHERITED =
	/^(N8N_|DB_|EXECUTIONS_|QUEUE_|NODES_|CREDENTIALS_|NODE_ENV$|NODE_OPTIONS$|GENERIC_TIMEZONE$|WEBHOOK_URL$)/;

export async function createN8nRun(options: N8nRunOptions): Promise<N8nRun> {
	const install = await ensureN8n(options.version);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${options.version}-`));
	const pinEnv = pinnedN8n(options.version).env ?? {};
	const run = new N8nRun(install, userFolder, await freePort(), { ...pinEnv, ...options.env });
	if (options.tarball) {
		try {
			await run.installPackage(options.tarball);
		} catch (error) {
			await run.dispose();
			throw error;
		}
	}
	return run;
}

export class N8nRun {
	readonly version: string;
	/** What `installPackage` put into `.n8n/nodes` (the last one, if called twice). */
	installedPackage?: InstalledCommunityPackage;
	private readonly baseEnv: NodeJS.ProcessEnv;
	/** Commands share one SQLite file: the next one starts when the previous one has ended. */
	private queue: Promise<unknown> = Promise.resolve();
	private importCount = 0;
	private disposed = false;

	constructor(
		private readonly install: N8nInstall,
		/** N8N_USER_FOLDER: n8n keeps everything in `<userFolder>/.n8n`. */
		readonly userFolder: string,
		/** N8N_RUNNERS_BROKER_PORT of this run. */
		readonly brokerPort: number,
		extraEnv: Record<string, string>,
	) {
		this.version = install.version;
		const inherited = Object.fromEntries(
			Object.entries(process.env).filter(([key]) => !NOT_INHERITED.test(key)),
		);
		this.baseEnv = {
			...inherited,
			// n8n 2.x starts its task runner with process.execPath, other helpers with `node`.
			PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			// info, not warn: a failed `execute` prints the run's JSON at level info.
			N8N_LOG_LEVEL: 'info',
			// 1.x otherwise warns on every start that the settings file is world-readable.
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			...install.env,
			...extraEnv,
		};
	}

	/** The environment n8n processes of this run get (before per-call additions). */
	get env(): Readonly<NodeJS.ProcessEnv> {
		return this.baseEnv;
	}

	/** Installs a community package tarball as users do by hand; done by createN8nRun({tarball}). */
	installPackage(tarball: string): Promise<InstalledCommunityPackage> {
		return this.serialize(async () => {
			this.installedPackage = await installCommunityPackage(this.userFolder, tarball);
			return this.installedPackage;
		});
	}

	async importCredentials(credentials: CredentialImport[]): Promise<void> {
		const file = this.writeImportFile('credentials', credentials);
		await this.cliOrThrow(['import:credentials', `--input=${file}`]);
	}

	/** Imports one workflow; returns its id (generated when the JSON has none). */
	async importWorkflow(workflow: WorkflowImport): Promise<string> {
		const [id] = await this.importWorkflows([workflow]);
		return id!;
	}

	/** Imports several workflows with one n8n start-up; returns their ids in order. */
	async importWorkflows(workflows: WorkflowImport[]): Promise<string[]> {
		const prepared = workflows.map((wf) => {
			const id = wf.id ?? newWorkflowId();
			// execute-batch only accepts ids containing a digit (it filters them with /\d+/).
			if (!/\d/.test(id)) throw new Error(`workflow id ${id} needs a digit for execute-batch`);
			return { name: id, active: false, settings: {}, ...wf, id };
		});
		const file = this.writeImportFile('workflows', prepared);
		await this.cliOrThrow(['import:workflow', `--input=${file}`]);
		return prepared.map((wf) => wf.id);
	}

	/** Runs a workflow (`n8n execute`) and returns the run, failed or not. */
	async execute(workflowId: string, options: CallOptions = {}): Promise<ExecutionResult> {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], options);
		const parsed = parseExecuteOutput(workflowId, result.output);
		if (!parsed) {
			// 2.x checks credentials before it creates the execution; 1.x fails inside the run.
			const hint = result.output.includes('No active execution found')
				? '\n(n8n 2.x says this when the run could not start, e.g. a node names a credential id that was not imported)'
				: '';
			throw new Error(
				`n8n ${this.version} execute ${workflowId} printed no run (exit ${result.exitCode}` +
					`${result.timedOut ? ', timed out' : ''}):\n${result.output}${hint}`,
			);
		}
		return parsed;
	}

	/**
	 * Runs several workflows in one n8n process (`n8n execute-batch`), saving a start-up per
	 * workflow. execute-batch saves full data only for runs that succeeded; a workflow whose run
	 * failed is run once more through `execute` to get its data, so it runs twice: use `execute`
	 * for failing workflows whose side effects a test counts.
	 */
	async executeBatch(
		workflowIds: string[],
		options: CallOptions = {},
	): Promise<Record<string, ExecutionResult>> {
		const dir = fs.mkdtempSync(path.join(this.userFolder, 'batch-'));
		const summaryFile = path.join(dir, 'summary.json');
		const result = await this.cli(
			[
				'execute-batch',
				`--ids=${workflowIds.join(',')}`,
				`--snapshot=${dir}`,
				`--output=${summaryFile}`,
				// Its default retries failed workflows once, which would run them twice.
				'--retries=0',
				'--concurrency=1',
			],
			{ ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS * workflowIds.length },
		);
		if (!fs.existsSync(summaryFile)) {
			throw new Error(`n8n ${this.version} execute-batch wrote no summary:\n${result.output}`);
		}
		const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as {
			executions: Array<{ workflowId: string }>;
		};
		const ran = new Set(summary.executions.map((e) => e.workflowId));
		const results: Record<string, ExecutionResult> = {};
		for (const id of workflowIds) {
			if (!ran.has(id))
				throw new Error(`execute-batch did not run workflow ${id}:\n${result.output}`);
			const snapshot = path.join(dir, `${id}-snapshot.json`);
			results[id] = fs.existsSync(snapshot)
				? toExecutionResult(
						id,
						JSON.parse(fs.readFileSync(snapshot, 'utf8')) as RawExecution,
						result.output,
					)
				: await this.execute(id, options);
		}
		return results;
	}

	/**
	 * Starts a long-running n8n command (`start`, `worker`, `webhook`) in this run's environment;
	 * the caller stops it. Not serialized with the other calls: it runs alongside them.
	 */
	spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
		return spawn(this.install.nodeBin, [this.install.n8nBin, ...args], {
			cwd: this.userFolder,
			env: { ...this.baseEnv, ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
	}

	/** Any n8n CLI command in this run's environment, e.g. `['list:workflow']`. */
	cli(args: string[], options: CallOptions = {}): Promise<RunResult> {
		return this.serialize(async () => {
			// Output goes to a file, not a pipe: a process writes to a file synchronously, so n8n
			// exiting right after it printed a run cannot cut the run short. Through a pipe, on a
			// busy machine, `n8n execute` was seen to exit 0 with half its JSON printed.
			const outputFile = path.join(this.userFolder, `cli-output-${++this.cliCalls}.log`);
			const result = await runCommand(this.install.nodeBin, [this.install.n8nBin, ...args], {
				cwd: this.userFolder,
				env: { ...this.baseEnv, ...options.env },
				timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
				logFile: outputFile,
			});
			const output = fs.readFileSync(outputFile, 'utf8');
			fs.rmSync(outputFile, { force: true });
			return { ...result, output };
		});
	}

	private cliCalls = 0;

	/**
	 * Removes the user folder. Set KREDIBEL_E2E_KEEP=1 to keep it for a look at the database
	 * or to rerun a workflow by hand (the path is printed).
	 */
	async dispose(): Promise<void> {
		if (this.disposed) return;
		this.disposed = true;
		await this.queue.catch(() => undefined);
		if (process.env.KREDIBEL_E2E_KEEP === '1') {
			process.stderr.write(
				`[e2e-harness] kept n8n ${this.version} user folder ${this.userFolder}\n`,
			);
			return;
		}
		fs.rmSync(this.userFolder, { recursive: true, force: true });
	}

	private async cliOrThrow(args: string[]): Promise<RunResult> {
		const result = await this.cli(args);
		if (result.exitCode !== 0) {
			throw new Error(
				`n8n ${this.version} ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.output}`,
			);
		}
		return result;
	}

	private writeImportFile(kind: string, content: unknown): string {
		const file = path.join(this.userFolder, `import-${kind}-${++this.importCount}.json`);
		fs.writeFileSync(file, JSON.stringify(content, null, 2));
		return file;
	}

	private serialize<T>(work: () => Promise<T>): Promise<T> {
		if (this.disposed) return Promise.reject(new Error(`n8n ${this.version} run is disposed`));
		const next = this.queue.then(work, work);
		this.queue = next.catch(() => undefined);
		return next;
	}
}

let workflowCounter = 0;

/** 16 characters like n8n's own ids; the counter makes them sortable and digit-bearing. */
function newWorkflowId(): string {
	const random = randomBytes(12)
		.toString('base64')
		.replace(/[^A-Za-z0-9]/g, '')
		.slice(0, 11);
	return `e2e${String(++workflowCounter).padStart(2, '0')}${random}`.padEnd(16, '0').slice(0, 16);
}
