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
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { createN8nRun } from '../test/e2e/harness/n8nInstance';
import { OWNER, setupOwner, startN8nServer } from '../test/e2e/harness/n8nServer';
import { packPackage } from '../test/e2e/harness/packPackage';
import { PINNED_N8N } from '../test/e2e/harness/versions';
import { SANDBOX_API_KEY, startSandbox } from '../test/sandbox/server';

export const EXAMPLE_WORKFLOW = path.join(__dirname, '..', 'examples', 'kyc-sandbox-demo.json');
/** The example's "no face detected" applicant (see the workflow's Sample applicants node). */
export const NO_FACE_NIK = '3171015708450001';

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			n8n: { type: 'string', default: PINNED_N8N[0].version },
			port: { type: 'string', default: '5678' },
			'sandbox-port': { type: 'string', default: process.env.KREDIBEL_SANDBOX_PORT ?? '8787' },
		},
	});
	const sandbox = await startSandbox({
		apiKey: SANDBOX_API_KEY,
		port: Number(values['sandbox-port']),
	});
	sandbox.addFault({
		match: { identityId: NO_FACE_NIK },
		fault: { kind: 'error', errorType: 'no_face_detected' },
	});
	const run = await createN8nRun({ version: values.n8n as string, tarball: await packPackage() });
	await run.importCredentials([
		{
			id: 'kredibelSandbox',
			name: 'Kredibel sandbox (local)',
			type: 'kredibelApi',
			data: { apiKey: SANDBOX_API_KEY, environment: 'custom', baseUrl: sandbox.url },
		},
	]);
	const workflowId = await run.importWorkflow(
		JSON.parse(fs.readFileSync(EXAMPLE_WORKFLOW, 'utf8')),
	);
	console.log(`Starting n8n ${run.version}...`);
	const server = await startN8nServer(run, { port: Number(values.port) });
	await setupOwner(server).catch(async (error: unknown) => {
		await server.stop();
		throw error;
	});
	const editorUrl = `http://localhost:${values.port}`;
	console.log(`
n8n ${run.version} is ready with n8n-nodes-kredibel installed.

  Editor:    ${editorUrl}/workflow/${workflowId}
  Log in:    ${OWNER.email} / ${OWNER.password}
  Sandbox:   ${sandbox.url} (API key ${SANDBOX_API_KEY}; credential "Kredibel sandbox (local)")
  n8n log:   ${server.logFile}

Open the workflow and click "Execute workflow". Ctrl-C stops n8n and the sandbox.`);

	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		console.log('\nStopping...');
		await server.stop();
		await sandbox.close();
		await run.dispose();
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
	server.process.once('exit', (code) => {
		if (!stopping) {
			console.error(`n8n exited (${code}); see ${server.logFile}`);
			void stop().then(() => (process.exitCode = 1));
		}
	});
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exitCode = 1;
	});
}
