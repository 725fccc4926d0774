/**
 * What `npm run dev` starts, reusable by the browser test: the local sandbox, an n8n server
 * with this package installed (packed and installed as users install it), a sandbox credential,
 * the example workflow and an owner account.
 */
import fs from 'node:fs';
import path from 'node:path';

import { createN8nRun, type N8nRun } from '../test/e2e/harness/n8nInstance';
import { setupOwner, startN8nServer, type N8nServer } from '../test/e2e/harness/n8nServer';
import { packPackage } from '../test/e2e/harness/packPackage';
import { SANDBOX_API_KEY, startSandbox, type Sandbox } from '../test/sandbox/server';

export const EXAMPLE_WORKFLOW = path.join(__dirname, '..', 'examples', 'kyc-sandbox-demo.json');
/**
 * The example's applicant who uploads a photo of a wall (see the workflow's Sample applicants
 * node): Face Check refuses it locally; with Face Check off the sandbox answers "no face detected".
 */
export const NO_FACE_NIK = '3171015708450001';
export const SANDBOX_CREDENTIAL = { id: 'kredibelSandbox', name: 'Kredibel sandbox (local)' };

export interface DevEnvironment {
	sandbox: Sandbox;
	run: N8nRun;
	server: N8nServer;
	workflowId: string;
	/** The editor's address as a browser should use it. */
	editorUrl: string;
	stop(): Promise<void>;
}

export async function startDevEnvironment(options: {
	version: string;
	port: number;
	sandboxPort: number;
	env?: Record<string, string>;
}): Promise<DevEnvironment> {
	const sandbox = await startSandbox({ apiKey: SANDBOX_API_KEY, port: options.sandboxPort });
	sandbox.addFault({
		match: { identityId: NO_FACE_NIK },
		fault: { kind: 'error', errorType: 'no_face_detected' },
	});
	let run: N8nRun | undefined;
	let server: N8nServer | undefined;
	const stop = async () => {
		await server?.stop();
		await sandbox.close();
		await run?.dispose();
	};
	try {
		run = await createN8nRun({
			version: options.version,
			tarball: await packPackage(),
			env: options.env,
		});
		await run.importCredentials([
			{
				...SANDBOX_CREDENTIAL,
				type: 'kredibelApi',
				data: { apiKey: SANDBOX_API_KEY, environment: 'custom', baseUrl: sandbox.url },
			},
		]);
		const workflowId = await run.importWorkflow(
			JSON.parse(fs.readFileSync(EXAMPLE_WORKFLOW, 'utf8')),
		);
		server = await startN8nServer(run, { port: options.port });
		await setupOwner(server);
		return {
			sandbox,
			run,
			server,
			workflowId,
			editorUrl: `http://localhost:${options.port}`,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
