/**
 * `npm run docs:screenshots`: regenerates the README's screenshots from a real n8n editor
 * (the dev environment, headless Chromium):
 *
 *   docs/example-workflow.png   the example workflow on the canvas after a run
 *   docs/node-parameters.png    the Kredibel Biometric node's view: input, parameters, output
 *   docs/ai-agent-tool.png      the node attached to an AI Agent as a tool, its tool parameters
 *
 * The run's results are checked first (the same expectations as the editor test), so a broken
 * run never replaces the pictures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { REPO_ROOT } from '../harness/packPackage';
import { OWNER } from '../harness/n8nServer';
import {
	NODE_NAME,
	expectedConnectionLabels,
	startEditorEnvironment,
	type EditorEnvironment,
} from './example';
import { attachKredibelToAgent } from './agentWorkflow';

const DOCS = path.join(REPO_ROOT, 'docs');
const PICTURES = {
	workflow: path.join(DOCS, 'example-workflow.png'),
	parameters: path.join(DOCS, 'node-parameters.png'),
	agentTool: path.join(DOCS, 'ai-agent-tool.png'),
};

async function main(): Promise<void> {
	// Failure screenshots stay here (test-results/ is ignored by git).
	const artifactsDir = path.join(REPO_ROOT, 'test-results', 'docs-screenshots');
	fs.rmSync(artifactsDir, { recursive: true, force: true });
	let editor: EditorEnvironment | undefined;
	try {
		editor = await startEditorEnvironment({ artifactsDir });
		const { session: s, dev } = editor;
		await s.step('sign in', () => s.signIn(OWNER));
		await s.step('open the example workflow', () => s.openWorkflow(dev.workflowId));
		await s.step('execute the workflow', () => s.executeWorkflow());
		const shot = await s.step('check the results on the canvas', async () => {
			const expected = expectedConnectionLabels();
			const shown = await s.eventually(() => s.connectionLabels(NODE_NAME), expected);
			if (!isDeepStrictEqual(shown, expected)) {
				throw new Error(
					`the connections show ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`,
				);
			}
			await s.tidyForPicture();
			return s.screenshot('example-workflow');
		});
		const shotParameters = await s.step('open the node', async () => {
			await s.openNode(NODE_NAME);
			// The applicants (name, NIK) on the left, Siti's match result on the right.
			await s.showDataAs('input', 'table');
			await s.selectOutputBranch(0);
			await s.showDataAs('output', 'json');
			await s.tidyForPicture();
			return s.screenshot('node-parameters');
		});
		await s.step('close the node', () => s.closeNode());
		const attached = await attachKredibelToAgent(s, dev.server.url);
		if (attached.parameters.some((parameter) => parameter.label === 'Route by Result')) {
			throw new Error('the tool shows Route by Result: tool mode is not in effect');
		}
		const shotAgentTool = await s.step('picture the tool', async () => {
			await s.tidyForPicture();
			return s.screenshot('ai-agent-tool');
		});
		fs.mkdirSync(DOCS, { recursive: true });
		fs.copyFileSync(shot, PICTURES.workflow);
		fs.copyFileSync(shotParameters, PICTURES.parameters);
		fs.copyFileSync(shotAgentTool, PICTURES.agentTool);
		for (const file of Object.values(PICTURES)) {
			console.log(
				`${path.relative(REPO_ROOT, file)}  ${Math.round(fs.statSync(file).size / 1024)} KB`,
			);
		}
	} finally {
		await editor?.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
