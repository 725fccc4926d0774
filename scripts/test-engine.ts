/**
 * `npm run test:engine`: runs Jest's `engine` project (the node inside n8n-core's
 * WorkflowExecute) on a Node that n8n-core 2.x accepts. The package and its other tests target
 * Node 20; when npm runs on an older Node than 22, the Node 24 the e2e harness uses is fetched
 * from the npm registry into its cache (once) and Jest runs on it. Extra arguments go to Jest.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { ensureNodeRuntime } from '../test/e2e/harness/installNode';
import { NODE_24 } from '../test/e2e/harness/versions';

/** n8n-core 2.x's `engines.node`. */
const MINIMUM_NODE_MAJOR = 22;

async function nodeForEngineTests(): Promise<string> {
	const major = Number(process.versions.node.split('.')[0]);
	if (major >= MINIMUM_NODE_MAJOR) return process.execPath;
	return (await ensureNodeRuntime(NODE_24)).nodeBin;
}

async function main(): Promise<void> {
	const nodeBin = await nodeForEngineTests();
	// Jest's package exports do not include its bin script, so it is found by path.
	const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
	const result = spawnSync(
		nodeBin,
		// Last: --selectProjects takes every argument after it as a project name.
		[jest, ...process.argv.slice(2), '--selectProjects', 'engine'],
		{ stdio: 'inherit' },
	);
	process.exitCode = result.status ?? 1;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
