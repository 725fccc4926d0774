/**
 * PostgreSQL and Redis for the queue-mode test: Debian's packages (installed once, with apt,
 * when missing), started on loopback with throwaway data folders and stopped afterwards.
 *
 * Every run's state lives in `<tmp>/kredibel-queue-<pid>-*`: the database files, Redis's folder,
 * the logs, a `pids` file with every long-running process started (PostgreSQL, Redis, n8n) and
 * a `folders` file with the n8n user folders. A later run sweeps the folders whose owner is gone
 * (a Jest process killed by a timeout or Ctrl-C): it stops what they left running, n8n processes
 * included, and removes them. A crash never leaves a database, a Redis or an n8n behind for long.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { freePort } from '../harness/freePort';
import { withInstallLock } from '../harness/installLock';
import { isAlive, progress, runCommand, tailOfFile } from '../harness/processes';
import { cacheRoot } from '../harness/versions';

const APT_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 60_000;
const STATE_PREFIX = 'kredibel-queue-';
/** In a state folder kept on purpose: its processes were stopped, the sweep leaves it alone. */
const KEPT_MARKER = 'kept';

export interface PostgresBinaries {
	/** e.g. `/usr/lib/postgresql/15/bin`: Debian keeps initdb and pg_ctl off the PATH. */
	binDir: string;
}

export interface ServiceBinaries {
	postgres: PostgresBinaries;
	redisServer: string;
}

/**
 * Finds PostgreSQL and Redis, installing Debian's packages when one is missing (root only:
 * `apt-get update` then `apt-get install -y postgresql redis-server`). One installer at a time
 * across processes; apt's own lock is waited for, not fought over.
 */
export async function ensureServiceBinaries(): Promise<ServiceBinaries> {
	const found = findServiceBinaries();
	if (found.postgres && found.redisServer) {
		return { postgres: found.postgres, redisServer: found.redisServer };
	}
	if (process.getuid?.() !== 0) {
		throw new Error(
			'The queue-mode test needs PostgreSQL and Redis: install them with ' +
				'`sudo apt-get install -y postgresql redis-server` (or run the test as root, which does it).',
		);
	}
	await withInstallLock(path.join(cacheRoot(), 'debian-queue-services'), async () => {
		const now = findServiceBinaries();
		const packages = [
			...(now.postgres ? [] : ['postgresql']),
			...(now.redisServer ? [] : ['redis-server']),
		];
		if (packages.length > 0) await aptInstall(packages);
	});
	const installed = findServiceBinaries();
	if (!installed.postgres || !installed.redisServer) {
		throw new Error(
			'apt-get installed postgresql and redis-server, but initdb, pg_ctl, psql or redis-server is still missing',
		);
	}
	return { postgres: installed.postgres, redisServer: installed.redisServer };
}

function findServiceBinaries(): Partial<ServiceBinaries> {
	const redisServer = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(isExecutable);
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((entry) => /^\d+$/.test(entry))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	const binDir = versions
		.map((version) => path.join(root, version, 'bin'))
		.find((dir) =>
			['initdb', 'pg_ctl', 'postgres', 'psql'].every((b) => isExecutable(path.join(dir, b))),
		);
	return { postgres: binDir ? { binDir } : undefined, redisServer };
}

function isExecutable(file: string): boolean {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

async function aptInstall(packages: string[]): Promise<void> {
	const started = Date.now();
	progress(`installing ${packages.join(' ')} from Debian's packages (one-off, 1-3 minutes)`);
	// A machine without policy-rc.d would start the packages' own services (PostgreSQL's "main"
	// cluster on 5432, Redis on 6379) during the install: the test needs neither, and must not
	// leave them running. Debian's documented switch for that is a policy-rc.d that says 101.
	const policy = '/usr/sbin/policy-rc.d';
	const addedPolicy = !fs.existsSync(policy);
	if (addedPolicy)
		fs.writeFileSync(policy, '#!/bin/sh\n# added by the kredibel queue-mode test\nexit 101\n', {
			mode: 0o755,
		});
	try {
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		// apt waits up to 10 minutes for another apt/dpkg (another engineer, unattended-upgrades).
		const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
		await aptStep(['apt-get', ...lockWait, 'update'], env);
		await aptStep(
			[
				'apt-get',
				...lockWait,
				'install',
				'-y',
				'--no-upgrade',
				'--no-install-recommends',
				...packages,
			],
			env,
		);
	} finally {
		if (addedPolicy) fs.rmSync(policy, { force: true });
	}
	progress(`installed ${packages.join(' ')} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Runs one apt-get command, forwarding its progress lines (Get:, Unpacking, Setting up). */
function aptStep(command: string[], env: NodeJS.ProcessEnv): Promise<void> {
	const label = command.filter((arg) => !arg.startsWith('-') && !arg.includes('::')).join(' ');
	progress(label);
	return new Promise((resolve, reject) => {
		const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
		const lines: string[] = [];
		const forward = (line: string) => {
			lines.push(line);
			if (/^(Get:|Hit:|Unpacking|Setting up|Fetched|E:|W:)/.test(line)) progress(`  apt: ${line}`);
		};
		readline.createInterface({ input: child.stdout }).on('line', forward);
		readline.createInterface({ input: child.stderr }).on('line', forward);
		const timer = setTimeout(() => child.kill('SIGKILL'), APT_TIMEOUT_MS);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(new Error(`could not start ${command[0]}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (code === 0) resolve();
			else
				reject(
					new Error(
						`${label} failed (${signal ?? `exit ${code}`}):\n${lines.slice(-30).join('\n')}`,
					),
				);
		});
	});
}

/**
 * The folder that holds one test run's throwaway state (database files, Redis folder, logs)
 * plus the `pids` file the sweep reads. Removed by `dispose()`.
 */
export class StateFolder {
	readonly dir: string;

	constructor() {
		sweepStaleStateFolders();
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${STATE_PREFIX}${process.pid}-`));
		// PostgreSQL runs as `postgres` and must reach its data folder inside this one.
		fs.chmodSync(this.dir, 0o755);
	}

	/** Records a long-running process so that a later run can stop it if this one crashes. */
	track(pid: number | undefined, label: string): void {
		if (pid !== undefined) fs.appendFileSync(path.join(this.dir, 'pids'), `${pid} ${label}\n`);
	}

	/**
	 * Records an n8n user folder: if this run crashes, a later one stops every process working in
	 * it (n8n processes run there) and removes it.
	 */
	trackFolder(folder: string): void {
		fs.appendFileSync(path.join(this.dir, 'folders'), `${folder}\n`);
	}

	file(name: string): string {
		return path.join(this.dir, name);
	}

	/** Copies every `*.log` in the folder into `destination` (created); returns the copies. */
	saveLogs(destination: string): string[] {
		fs.mkdirSync(destination, { recursive: true });
		const saved: string[] = [];
		const visit = (dir: string) => {
			for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
				const file = path.join(dir, entry.name);
				// Not into PostgreSQL's data folder: only its own files live there.
				if (entry.isDirectory() && entry.name !== 'data') visit(file);
				else if (entry.isFile() && entry.name.endsWith('.log')) {
					const copy = path.join(destination, entry.name);
					fs.copyFileSync(file, copy);
					saved.push(copy);
				}
			}
		};
		visit(this.dir);
		return saved;
	}

	dispose(): void {
		if (process.env.KREDIBEL_E2E_KEEP === '1') {
			fs.writeFileSync(path.join(this.dir, KEPT_MARKER), '');
			progress(`kept queue-mode state and logs in ${this.dir}`);
			return;
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

/**
 * Stops what crashed runs left behind and removes their folders (their owner pid is gone):
 * the processes in `pids`, PostgreSQL (its postmaster.pid), and every process still working in
 * one of the n8n user folders listed in `folders` (main, workers, their task runners, a CLI
 * command), which go too. A folder kept on purpose (KREDIBEL_E2E_KEEP=1) was stopped cleanly and
 * is left alone.
 */
function sweepStaleStateFolders(): void {
	for (const entry of fs.readdirSync(os.tmpdir())) {
		const match = new RegExp(`^${STATE_PREFIX}(\\d+)-`).exec(entry);
		if (!match || isAlive(Number(match[1]))) continue;
		const dir = path.join(os.tmpdir(), entry);
		if (fs.existsSync(path.join(dir, KEPT_MARKER))) continue;
		progress(`cleaning up ${dir}, left by a queue-mode run that did not finish`);
		const lines = (name: string) => {
			const file = path.join(dir, name);
			return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
		};
		const pids = lines('pids').map((line) => Number(line.split(' ')[0]));
		const postmaster = path.join(dir, 'postgres', 'data', 'postmaster.pid');
		if (fs.existsSync(postmaster)) {
			pids.push(Number(fs.readFileSync(postmaster, 'utf8').split('\n')[0]));
		}
		// Only processes that still run these programs: a pid may have been reused since.
		const targets = pids.filter(
			(pid) =>
				Number.isInteger(pid) && pid > 0 && /postgres|redis-server|n8n/.test(commandLineOf(pid)),
		);
		const userFolders = lines('folders').filter((folder) => folder.startsWith(os.tmpdir()));
		targets.push(...processesWorkingIn(userFolders));
		for (const pid of targets) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone meanwhile.
			}
		}
		for (const folder of userFolders) fs.rmSync(folder, { recursive: true, force: true });
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** Processes whose working directory is one of `folders` (n8n's are started there). Linux only. */
function processesWorkingIn(folders: string[]): number[] {
	if (folders.length === 0) return [];
	let entries: string[];
	try {
		entries = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
	} catch {
		return [];
	}
	return entries
		.filter((entry) => {
			try {
				return folders.includes(fs.readlinkSync(`/proc/${entry}/cwd`));
			} catch {
				return false;
			}
		})
		.map(Number);
}

function commandLineOf(pid: number): string {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
	} catch {
		return '';
	}
}

export interface Postgres {
	host: '127.0.0.1';
	port: number;
	database: string;
	user: string;
	password: string;
	logFile: string;
	/** Runs SQL as the superuser; rows come back as arrays of strings (psql's unaligned output). */
	query(sql: string): Promise<string[][]>;
	stop(): Promise<void>;
}

/**
 * A fresh cluster in `<state>/postgres/data` (initdb as `postgres` when we are root: PostgreSQL
 * refuses to run as root), listening on 127.0.0.1 only, with a database and a password user for
 * n8n. Durability is switched off: the data is thrown away anyway.
 */
export async function startPostgres(
	binaries: PostgresBinaries,
	state: StateFolder,
): Promise<Postgres> {
	const bin = (name: string) => path.join(binaries.binDir, name);
	const root = state.file('postgres');
	const data = path.join(root, 'data');
	const logFile = path.join(root, 'postgres.log');
	fs.mkdirSync(root);
	const asRoot = process.getuid?.() === 0;
	if (asRoot) {
		const { uid, gid } = postgresUser();
		fs.chownSync(root, uid, gid);
	}
	const port = await freePort();
	const password = 'kredibel-queue-e2e';
	// `runuser -u postgres --` as root; as anyone else the current user owns the cluster.
	const asOwner = (args: string[]) =>
		asRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args;
	const run = async (args: string[], what: string) => {
		const [command, ...rest] = asOwner(args);
		const result = await runCommand(command, rest, { cwd: root, timeoutMs: START_TIMEOUT_MS });
		if (result.exitCode !== 0) {
			throw new Error(
				`${what} failed (exit ${result.exitCode}):\n${result.output}\n${tailOfFile(logFile)}`,
			);
		}
	};
	await run(
		[
			bin('initdb'),
			'-D',
			data,
			'-U',
			'postgres',
			'--auth-local=trust',
			'--auth-host=scram-sha-256',
			'-E',
			'UTF8',
			// C exists everywhere; the machine's LANG may name a locale that is not generated.
			'--locale=C',
			'--no-sync',
		],
		'initdb',
	);
	const serverOptions = [
		`-c listen_addresses=127.0.0.1`,
		`-p ${port}`,
		`-c unix_socket_directories=${root}`,
		'-c fsync=off',
		'-c synchronous_commit=off',
		'-c full_page_writes=off',
	].join(' ');
	await run(
		[bin('pg_ctl'), 'start', '-D', data, '-w', '-t', '60', '-l', logFile, '-o', serverOptions],
		'pg_ctl start',
	);
	const postmasterPid = Number(
		fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0],
	);
	state.track(postmasterPid, 'postgres');

	/** psql as the superuser over the server's socket folder, stopping at the first error. */
	const psql = (database: string, args: string[]) =>
		runCommand(
			bin('psql'),
			[
				'-h',
				root,
				'-p',
				String(port),
				'-U',
				'postgres',
				'-d',
				database,
				'-X',
				'-v',
				'ON_ERROR_STOP=1',
				...args,
			],
			{ cwd: root, timeoutMs: 30_000 },
		);
	const query = async (sql: string): Promise<string[][]> => {
		const result = await psql('n8n', ['-A', '-t', '-F', '\t', '-c', sql]);
		if (result.exitCode !== 0) throw new Error(`psql failed: ${sql}\n${result.output}`);
		return result.output
			.split('\n')
			.filter((line) => line !== '')
			.map((line) => line.split('\t'));
	};
	const stop = async () => {
		const [command, ...args] = asOwner([
			bin('pg_ctl'),
			'stop',
			'-D',
			data,
			'-m',
			'fast',
			'-w',
			'-t',
			'30',
		]);
		const result = await runCommand(command, args, { cwd: os.tmpdir(), timeoutMs: 45_000 });
		if (result.exitCode !== 0 && isAlive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
	};
	try {
		const created = await psql('postgres', [
			'-c',
			`CREATE ROLE n8n LOGIN PASSWORD '${password}'`,
			'-c',
			'CREATE DATABASE n8n OWNER n8n',
		]);
		if (created.exitCode !== 0) {
			throw new Error(`creating n8n's database failed:\n${created.output}`);
		}
	} catch (error) {
		await stop();
		throw error;
	}
	return { host: '127.0.0.1', port, database: 'n8n', user: 'n8n', password, logFile, query, stop };
}

function postgresUser(): { uid: number; gid: number } {
	const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
	const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
	if (result.status !== 0 || group.status !== 0) {
		throw new Error("there is no `postgres` user (Debian's postgresql package creates it)");
	}
	return { uid: Number(result.stdout.trim()), gid: Number(group.stdout.trim()) };
}

export interface Redis {
	host: '127.0.0.1';
	port: number;
	logFile: string;
	stop(): Promise<void>;
}

/** `redis-server` on 127.0.0.1 with persistence off and its folder inside the state folder. */
export async function startRedis(redisServer: string, state: StateFolder): Promise<Redis> {
	const dir = state.file('redis');
	fs.mkdirSync(dir);
	const logFile = path.join(dir, 'redis.log');
	const port = await freePort();
	const log = fs.openSync(logFile, 'a');
	const child = spawn(
		redisServer,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
			'--daemonize',
			'no',
		],
		{ cwd: dir, stdio: ['ignore', log, log] },
	);
	fs.closeSync(log);
	state.track(child.pid, 'redis-server');
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
		const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(killer);
	};
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!(await answersPing(port))) {
		if (child.exitCode !== null || Date.now() > deadline) {
			await stop();
			throw new Error(`redis-server did not start:\n${tailOfFile(logFile)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	return { host: '127.0.0.1', port, logFile, stop };
}

/** Redis's inline protocol: `PING` answers `+PONG`. */
function answersPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1_000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
	});
}
