/**
 * Running the external commands the harness needs (npm, node, n8n): output captured or
 * appended to a log file, a time limit that kills the whole process tree, and a heartbeat for
 * the commands that take minutes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface RunOptions {
	cwd: string;
	env?: NodeJS.ProcessEnv;
	/** Append stdout and stderr here instead of keeping them in memory (npm installs print MBs). */
	logFile?: string;
	/** Kill the process tree after this long; the result then has `timedOut: true`. */
	timeoutMs?: number;
	/** Every `heartbeatMs`, print `heartbeat(elapsedSeconds)` so CI and users see progress. */
	heartbeat?: (elapsedSeconds: number) => string;
	heartbeatMs?: number;
}

export interface RunResult {
	exitCode: number;
	/** stdout and stderr interleaved as they arrived (empty when `logFile` was given). */
	output: string;
	timedOut: boolean;
	durationMs: number;
}

/** Progress lines go to stderr directly: Jest buffers `console.log`, stderr shows up live. */
export function progress(message: string): void {
	process.stderr.write(`[e2e-harness] ${message}\n`);
}

export function runCommand(
	command: string,
	args: readonly string[],
	options: RunOptions,
): Promise<RunResult> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const log = options.logFile ? fs.openSync(options.logFile, 'a') : undefined;
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', log ?? 'pipe', log ?? 'pipe'],
			// Same process group as the harness, so Ctrl-C in a terminal reaches the command as
			// well. (Handlers on `process` do not help under Jest, whose tests see a copy of it.)
		});
		let output = '';
		child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

		let timedOut = false;
		const timer =
			options.timeoutMs === undefined
				? undefined
				: setTimeout(() => {
						timedOut = true;
						killTree(child.pid);
					}, options.timeoutMs);
		const beat = options.heartbeat
			? setInterval(
					() => progress(options.heartbeat!(Math.round((Date.now() - started) / 1000))),
					options.heartbeatMs ?? 20_000,
				)
			: undefined;
		if (child.pid !== undefined) live.add(child.pid);
		hookExit();

		const finish = (): void => {
			clearTimeout(timer);
			clearInterval(beat);
			if (child.pid !== undefined) live.delete(child.pid);
			if (log !== undefined) fs.closeSync(log);
		};
		child.on('error', (error) => {
			finish();
			reject(new Error(`could not start ${command}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			finish();
			resolve({
				exitCode: code ?? (signal ? 128 : 1),
				output,
				timedOut,
				durationMs: Date.now() - started,
			});
		});
	});
}

const live = new Set<number>();
let exitHooked = false;

/** A script that exits (tsx CLI) takes its commands with it; best effort, see above. */
function hookExit(): void {
	if (exitHooked) return;
	exitHooked = true;
	process.on('exit', () => live.forEach((pid) => killTree(pid)));
}

/**
 * Kills a process and everything it started (n8n 2.x starts a task-runner process, npm starts
 * compilers), children first. Descendants are found through /proc (Linux); elsewhere only
 * the process itself is killed.
 */
function killTree(pid: number | undefined): void {
	if (pid === undefined) return;
	for (const target of [...descendants(pid), pid]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
}

function descendants(root: number): number[] {
	const children = new Map<number, number[]>();
	let entries: string[];
	try {
		entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
	} catch {
		return [];
	}
	for (const entry of entries) {
		try {
			// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parens.
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
		} catch {
			// Exited meanwhile.
		}
	}
	const found: number[] = [];
	const visit = (pid: number): void => {
		for (const child of children.get(pid) ?? []) {
			visit(child);
			found.push(child);
		}
	};
	visit(root);
	return found;
}

/** The last lines of a log file, for error messages. */
export function tailOfFile(file: string, lines = 30): string {
	try {
		return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
