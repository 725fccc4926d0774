/**
 * Runs a bench worker (a TypeScript file) in a fresh Node process and gets its result back over
 * the IPC channel. Fresh processes keep measurements apart: a memory peak or a heap warmed up by
 * one scenario must not leak into the next.
 */
import { fork } from 'node:child_process';
import path from 'node:path';

import { REPO_ROOT } from './loadNode';

export interface WorkerOptions {
	/** Extra Node flags, e.g. `--expose-gc`. */
	nodeFlags?: string[];
	timeoutMs?: number;
}

export function runWorker<Input, Output>(
	script: string,
	input: Input,
	options: WorkerOptions = {},
): Promise<Output> {
	return new Promise((resolve, reject) => {
		// tsx as a loader (not its CLI), so the worker is one plain Node process whose memory
		// and CPU are the worker's own.
		const child = fork(path.join(__dirname, script), [JSON.stringify(input)], {
			cwd: REPO_ROOT,
			execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		let result: { ok: true; value: Output } | { ok: false; error: string } | undefined;
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 5 * 60_000);
		child.on('message', (message) => {
			result = message as typeof result;
		});
		child.on('error', reject);
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			if (result?.ok) resolve(result.value);
			else if (result) reject(new Error(`${script}: ${result.error}`));
			else reject(new Error(`${script} exited (${signal ?? code}) without a result`));
		});
	});
}

/** The worker's side: reads its input, runs, sends the result (or the error) and exits. */
export function serveWorker<Input, Output>(work: (input: Input) => Promise<Output>): void {
	const channel = process.send?.bind(process);
	if (!channel) throw new Error('bench workers are started by runWorker(), which opens IPC');
	const send = (message: unknown) =>
		new Promise<void>((resolve) => channel(message, undefined, {}, () => resolve()));
	const input = JSON.parse(process.argv[2] ?? '{}') as Input;
	work(input)
		.then((value) => send({ ok: true, value }))
		.catch((error: unknown) =>
			send({
				ok: false,
				error: error instanceof Error ? (error.stack ?? error.message) : String(error),
			}),
		)
		.finally(() => process.exit(0));
}
