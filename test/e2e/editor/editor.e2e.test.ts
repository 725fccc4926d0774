/**
 * The package in the n8n editor, in a real browser: n8n 2.41.1 with the packed package
 * installed (the dev environment of `npm run dev`, on free ports), driven headless through
 * Debian's Chromium. A person's path: sign in, find the node in the node panel, open the example
 * workflow and the node, execute, read the results on the canvas and in the node's output.
 *
 *   npx jest --selectProjects e2e -- editor
 *
 * Needs `npm run build`. Screenshots of every step land in test-results/editor/; a failing step
 * prints its screenshot's path and the page's text.
 */
import fs from 'node:fs';
import path from 'node:path';

import { OWNER } from '../harness/n8nServer';
import { REPO_ROOT } from '../harness/packPackage';
import { progress } from '../harness/processes';
import {
	APPLICANTS,
	NODE_NAME,
	NODE_TYPE,
	OUTPUTS,
	SAMPLE_NODE,
	expectedConnectionLabels,
	itemCount,
	startEditorEnvironment,
	type EditorEnvironment,
} from './example';
import type { EditorSession } from './editorSession';
import { AGENT_NAME, attachKredibelToAgent } from './agentWorkflow';

const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'editor');
const WORKFLOW_NAME = 'KYC with Kredibel Biometric (sandbox demo)';

let editor: EditorEnvironment | undefined;

function session(): EditorSession {
	if (!editor) throw new Error('the editor environment did not start (see beforeAll)');
	return editor.session;
}

function workflowId(): string {
	if (!editor) throw new Error('the editor environment did not start (see beforeAll)');
	return editor.dev.workflowId;
}

beforeAll(async () => {
	fs.rmSync(ARTIFACTS, { recursive: true, force: true });
	editor = await startEditorEnvironment({ artifactsDir: ARTIFACTS });
}, 15 * 60_000);

afterAll(async () => {
	await editor?.stop();
	progress(`editor: screenshots in ${ARTIFACTS}`);
}, 60_000);

describe('the n8n editor in Chromium', () => {
	test('signs in with the owner account on the sign-in page', async () => {
		const s = session();
		await s.step('sign in', () => s.signIn(OWNER));
		await s.step('see the example workflow in the overview', async () => {
			expect(await s.workflowNames()).toContain(WORKFLOW_NAME);
			await s.screenshot('01-signed-in');
		});
	}, 120_000);

	test('finds the node in the node panel by its name and by its aliases', async () => {
		const s = session();
		await s.step('open the example workflow', () => s.openWorkflow(workflowId()));
		// "KYC" and "NIK" are codex aliases; the node panel does not search descriptions
		// ("registry" finds nothing), so these hits come from the aliases.
		for (const query of ['Kredibel', 'KYC', 'NIK', 'onboarding']) {
			await s.step(`search the node panel for "${query}"`, async () => {
				expect(await s.searchNodePanel(query)).toContain(NODE_NAME);
				await s.screenshot(`02-node-panel-${query}`);
			});
		}
		await s.step('search the node panel for a word of the description only', async () => {
			expect(await s.searchNodePanel('registry')).not.toContain(NODE_NAME);
		});
		await s.step('close the node panel', () => s.closeNodePanel());
	}, 120_000);

	test("opens the example workflow and the node's parameters", async () => {
		const s = session();
		await s.step('open the example workflow', () => s.openWorkflow(workflowId()));
		await s.step('see the node with its five outputs on the canvas', async () => {
			expect(await s.canvasNodes()).toContainEqual({ name: NODE_NAME, type: NODE_TYPE });
			expect(await s.outputHandleLabels(NODE_NAME)).toEqual(OUTPUTS.map((o) => o.output));
		});
		await s.step('open the node', () => s.openNode(NODE_NAME));
		await s.step('see its parameters', async () => {
			const expected = [
				{ label: 'Credential', value: 'Kredibel sandbox (local)' },
				{ label: 'NIK', value: '{{ $json.nik }}' },
				{ label: 'Image Source', value: 'Binary' },
				{ label: 'Input Binary Field', value: 'data' },
				{ label: 'Route by Result', value: 'on' },
				{ label: 'Options', value: '' },
				{ label: 'Mask NIK', value: 'off' },
			];
			// The Options collection's entries appear a moment after the rest.
			expect(await s.eventually(() => s.nodeParameters(), expected)).toEqual(expected);
			await s.screenshot('03-node-parameters');
		});
		await s.step('close the node', () => s.closeNode());
	}, 120_000);

	test('executes the example: each applicant leaves by the expected output', async () => {
		const s = session();
		await s.step('open the example workflow', () => s.openWorkflow(workflowId()));
		await s.step('execute the workflow', () => s.executeWorkflow());
		await s.step('see the item counts on the connections', async () => {
			const into = { [NODE_NAME]: itemCount(APPLICANTS.length) };
			expect(await s.eventually(() => s.connectionLabels(SAMPLE_NODE), into)).toEqual(into);
			const out = expectedConnectionLabels();
			expect(await s.eventually(() => s.connectionLabels(NODE_NAME), out)).toEqual(out);
			await s.screenshot('04-executed-workflow');
		});
		await s.step('open the node after the run', () => s.openNode(NODE_NAME));
		await s.step("read the node's output branches", async () => {
			const branches = await s.outputBranches();
			expect(branches.map((branch) => branch.title)).toEqual(
				OUTPUTS.map(({ output }) => {
					const count = APPLICANTS.filter((applicant) => applicant.output === output).length;
					// An empty branch (No Verdict here) shows no count.
					return count === 0 ? `${output} Branch` : `${output} Branch (${itemCount(count)})`;
				}),
			);
			OUTPUTS.forEach(({ output }, index) => {
				const { text } = branches[index];
				for (const applicant of APPLICANTS) {
					// Match / No Match / Invalid Identity items carry the NIK (identityId); error
					// items carry the input item's fields too, so also the applicant's name.
					const shown = text.includes(applicant.nik);
					expect({ output, applicant: applicant.name, shown }).toEqual({
						output,
						applicant: applicant.name,
						shown: applicant.output === output,
					});
					if (output === 'Error') {
						expect({ output, name: applicant.name, shown: text.includes(applicant.name) }).toEqual({
							output,
							name: applicant.name,
							shown: applicant.output === 'Error',
						});
					}
				}
			});
			expect(branches[1].text).toContain('match');
			expect(branches[2].text).toContain('no_match');
			expect(branches[3].text).toContain('identity_invalid');
			for (const errorType of [
				'no_face_found',
				'unsupported_image_format',
				'invalid_identity_id',
			]) {
				expect(branches[4].text).toContain(errorType);
			}
			await s.selectOutputBranch(4);
			await s.screenshot('05-error-output');
		});
		await s.step('close the node', () => s.closeNode());
	}, 180_000);

	test('attaches the node to an AI Agent as a tool, without the parameters a tool cannot use', async () => {
		const s = session();
		await s.step('sign in', () => s.signIn(OWNER));
		const attached = await attachKredibelToAgent(s, editor!.dev.server.url);
		// The Tools view lists tool variants only: n8n names them after the node, with " Tool".
		expect(attached.searchHits).toContain(`${NODE_NAME} Tool`);
		expect(attached.searchHits).not.toContain(NODE_NAME);
		const labels = attached.parameters.map((parameter) => parameter.label);
		// n8n 2.41.1 knows `@tool`: Route by Result and Input Binary Field (Image Source is URL
		// here, but Binary would show it in the plain node) are gone, the model's description is in.
		expect(labels).toEqual(
			expect.arrayContaining([
				'Credential',
				'Tool Description',
				'NIK',
				'Image Source',
				'Image URL',
			]),
		);
		expect(labels).not.toContain('Route by Result');
		expect(labels).not.toContain('Input Binary Field');
		expect(attached.parameters.find((p) => p.label === 'Image Source')?.value).toBe('URL');
		expect(attached.options).toEqual(expect.arrayContaining(['Mask NIK', 'Max Image Size (KB)']));
		expect(attached.options).not.toContain('Concurrency');
		expect(attached.options).not.toContain('Keep Binary');
		await s.screenshot('06-ai-agent-tool');
		await s.step('close the tool', () => s.closeNode());
		await s.step("see the tool on the canvas, connected to the agent's Tool input", async () => {
			const kredibelNodes = (await s.canvasNodes()).filter((node) =>
				node.name.startsWith(NODE_NAME),
			);
			expect(kredibelNodes).toEqual([{ name: expect.any(String), type: `${NODE_TYPE}Tool` }]);
			expect(await s.connectionSources(AGENT_NAME)).toContain(kredibelNodes[0].name);
		});
	}, 180_000);
});
