/**
 * `npm run dev`: an n8n editor on http://localhost:5678 with this package installed (packed and
 * installed as users install it), the local sandbox on http://127.0.0.1:8787, a sandbox
 * credential and the example workflow imported. Open the printed URL, log in, click Execute.
 * Ctrl-C stops everything and removes the throwaway n8n folder.
 *
 *   npm run dev                       n8n 2.41.1
 *   npm run dev -- --n8n 1.123.81     the last 1.x
 *   npm run dev -- --port 5680 --sandbox-port 8788
 */
import { parseArgs } from 'node:util';

import { OWNER } from '../test/e2e/harness/n8nServer';
import { PINNED_N8N } from '../test/e2e/harness/versions';
import { SANDBOX_API_KEY } from '../test/sandbox/server';
import { SANDBOX_CREDENTIAL, startDevEnvironment } from './devEnvironment';

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			n8n: { type: 'string', default: PINNED_N8N[0].version },
			port: { type: 'string', default: '5678' },
			'sandbox-port': { type: 'string', default: process.env.KREDIBEL_SANDBOX_PORT ?? '8787' },
		},
	});
	console.log(`Starting the sandbox and n8n ${values.n8n}...`);
	const dev = await startDevEnvironment({
		version: values.n8n as string,
		port: Number(values.port),
		sandboxPort: Number(values['sandbox-port']),
	});
	console.log(`
n8n ${dev.run.version} is ready with n8n-nodes-kredibel installed.

  Editor:    ${dev.editorUrl}/workflow/${dev.workflowId}
  Log in:    ${OWNER.email} / ${OWNER.password}
  Sandbox:   ${dev.sandbox.url} (API key ${SANDBOX_API_KEY}; credential "${SANDBOX_CREDENTIAL.name}")
  n8n log:   ${dev.server.logFile}

Open the workflow and click "Execute workflow". Ctrl-C stops n8n and the sandbox.`);

	let stopping = false;
	const stop = async (exitCode: number) => {
		if (stopping) return;
		stopping = true;
		console.log('\nStopping...');
		await dev.stop();
		process.exitCode = exitCode;
	};
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));
	dev.server.process.once('exit', (code) => {
		if (!stopping) console.error(`n8n exited (${code}); see ${dev.server.logFile}`);
		void stop(1);
	});
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
