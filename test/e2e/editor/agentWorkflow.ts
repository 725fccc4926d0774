/**
 * A workflow with a chat trigger and an AI Agent, made through n8n's REST API as the owner, for
 * the editor scenario that attaches Kredibel Biometric to the agent as a tool.
 */
import { OWNER } from '../harness/n8nServer';
import type { EditorSession, NodeParameter } from './editorSession';

export const AGENT_NAME = 'AI Agent';
export const AGENT_WORKFLOW_NAME = 'KYC assistant (AI Agent with tools)';

const WORKFLOW = {
	name: AGENT_WORKFLOW_NAME,
	nodes: [
		{
			parameters: { options: {} },
			id: 'e0c6a1f2-5b1e-4f0a-9d8e-0d6c1f7a2b31',
			name: 'When chat message received',
			type: '@n8n/n8n-nodes-langchain.chatTrigger',
			typeVersion: 1.1,
			position: [0, 0],
			webhookId: '3e5b2d7c-8a41-4c3e-b0f9-6a2d4e8c1b57',
		},
		{
			parameters: { options: {} },
			id: '9b2f4c6d-1e3a-4b5c-8d7e-2f1a3c5e7d90',
			name: AGENT_NAME,
			type: '@n8n/n8n-nodes-langchain.agent',
			typeVersion: 2,
			position: [260, 0],
		},
	],
	connections: {
		'When chat message received': {
			main: [[{ node: AGENT_NAME, type: 'main', index: 0 }]],
		},
	},
	settings: { executionOrder: 'v1' },
	active: false,
};

/** Signs in as the owner and saves the workflow; returns its id. */
export async function createAgentWorkflow(editorUrl: string): Promise<string> {
	const login = await fetch(`${editorUrl}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
	});
	if (!login.ok) throw new Error(`POST /rest/login: HTTP ${login.status} ${await login.text()}`);
	const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
	const created = await fetch(`${editorUrl}/rest/workflows`, {
		method: 'POST',
		headers: { cookie, 'content-type': 'application/json' },
		body: JSON.stringify(WORKFLOW),
	});
	const text = await created.text();
	const id = (JSON.parse(text) as { data?: { id?: string } }).data?.id;
	if (!created.ok || !id) throw new Error(`POST /rest/workflows: HTTP ${created.status} ${text}`);
	return id;
}

/** What the editor showed once the node was attached to the agent as a tool. */
export interface AttachedTool {
	/** The node panel's hits for "Kredibel" from the agent's Tool connector. */
	searchHits: string[];
	/** The tool's visible parameters, with Image Source set to URL. */
	parameters: NodeParameter[];
	/** What its Options collection offers to add. */
	options: string[];
}

/**
 * The scenario the editor test checks and `npm run docs:screenshots` pictures: a workflow with
 * an AI Agent, the node attached to its Tool connector, Image Source set to URL (what a tool
 * needs). Leaves the tool's detail view open.
 */
export async function attachKredibelToAgent(
	s: EditorSession,
	serverUrl: string,
): Promise<AttachedTool> {
	const id = await s.step('create a workflow with an AI Agent (REST)', () =>
		createAgentWorkflow(serverUrl),
	);
	await s.step('open the agent workflow', () => s.openWorkflow(id));
	const searchHits = await s.step("attach Kredibel from the agent's Tool connector", () =>
		s.attachTool(AGENT_NAME, 'Kredibel'),
	);
	await s.step('set Image Source to URL', () => s.selectOption('imageSource', 'URL'));
	const parameters = await s.step("read the tool's parameters", () => s.nodeParameters());
	const options = await s.step("read the tool's options", () => s.collectionOptionNames());
	return { searchHits, parameters, options };
}
