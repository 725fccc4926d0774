/**
 * A running n8n server (`n8n start`) for the editor, webhooks and queue mode: started from an
 * N8nRun, ready once its REST API answers, with its owner account set up through the REST API as
 * a person would on first visit.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { N8nRun } from './n8nInstance';

export interface N8nServer {
	url: string;
	process: ChildProcess;
	/** Everything the server printed, for error messages. */
	logFile: string;
	stop(): Promise<void>;
}

export const OWNER = {
	email: 'kyc-demo@example.com',
	firstName: 'KYC',
	lastName: 'Demo',
	password: 'Kredibel-demo-2026',
} as const;

const READY_TIMEOUT_MS = 180_000;

export async function startN8nServer(
	run: N8nRun,
	options: { port: number; args?: string[]; env?: Record<string, string> },
): Promise<N8nServer> {
	const url = `http://127.0.0.1:${options.port}`;
	const logFile = path.join(run.userFolder, `server-${options.port}.log`);
	const log = fs.createWriteStream(logFile);
	const child = run.spawn(options.args ?? ['start'], {
		N8N_PORT: String(options.port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		// Plain http on loopback: the session cookie must not require https.
		N8N_SECURE_COOKIE: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		...options.env,
	});
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
		const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
		await exited;
		clearTimeout(killer);
		log.end();
	};
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (child.exitCode !== null) {
			throw new Error(`n8n exited (${child.exitCode}) before it was ready:\n${tail(logFile)}`);
		}
		try {
			// /healthz answers before the REST API is mounted; /rest/settings only once it is. While
			// n8n 1.x starts, every path answers 200 "n8n is starting up", so JSON is the signal.
			const response = await fetch(`${url}/rest/settings`);
			if (response.ok && response.headers.get('content-type')?.includes('json')) break;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(
				`n8n did not answer /rest/settings within ${READY_TIMEOUT_MS / 1000} s:\n${tail(logFile)}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	return { url, process: child, logFile, stop };
}

/** The first visit's "set up owner account" step; returns the session cookie. */
export async function setupOwner(server: N8nServer): Promise<string> {
	const response = await fetch(`${server.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	if (!response.ok)
		throw new Error(`owner setup failed: HTTP ${response.status} ${await response.text()}`);
	return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

function tail(file: string): string {
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : '';
}
