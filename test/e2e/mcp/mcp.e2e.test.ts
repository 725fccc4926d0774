/**
 * The node as a tool of n8n's MCP Server Trigger, called by the official MCP TypeScript SDK
 * client, as Claude Desktop, Cursor or any MCP client would: `n8n start` with the packed package,
 * a workflow whose trigger has the node attached as a tool (NIK and selfie link filled by
 * `$fromAI`), published through n8n's REST API (n8n 1.x: its CLI, before start), the sandbox as
 * Kredibel and a local image host serving the selfie.
 *
 * Two workflows, one tool each: the image host is on loopback, so the tool that downloads from it
 * has Allow Private Addresses on (`mcp-kyc-tool.json`); the other is the tool as a user adds it
 * (`mcp-kyc-tool-default.json`), whose loopback and cloud metadata links must be refused before
 * any connection, with the one answer a model gets for every failed link.
 *
 *   npx jest --selectProjects e2e -- mcp
 *   KREDIBEL_MCP_N8N=2.41.1 npx jest --selectProjects e2e -- mcp     one version only
 *
 * Needs `npm run build` first. n8n 1.81.4 has no MCP Server Trigger (it came with n8n 1.88), so
 * the pinned versions from 1.88 on run here.
 */
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import {
	TOOL_DESCRIPTION,
	TOOL_DOWNLOAD_FAILED_HINT,
	TOOL_DOWNLOAD_FAILED_REASON,
} from '../../../nodes/KredibelBiometric/toolMode';
import { makeJpeg } from '../../fixtures/images';
import { VERIFICATION_MESSAGE } from '../../sandbox/kredibel-responses';
import { BIOMETRIC_PATH, SANDBOX_NIKS } from '../../sandbox/server';
import { startTrap, type Trap } from '../../sandbox/trap';
import {
	productionPath,
	startExampleServer,
	triggerOf,
	type ExampleJson,
	type ExampleServer,
	type ExampleWorkflow,
} from '../examples/exampleServer';
import { packPackage } from '../harness/packPackage';
import { progress } from '../harness/processes';
import { PINNED_N8N } from '../harness/versions';
import { expectOnePlainDownload, startImageHost, type ImageHost } from '../../fixtures/imageHost';

const API_KEY = 'e2e-mcp-key-9d41a7';
/** The tool with Allow Private Addresses on, so that it can download from the loopback image host. */
const PRIVATE_STORAGE = 'mcp-kyc-tool.json';
/** The same tool with the options left as they come: private addresses refused. */
const DEFAULT_OPTIONS = 'mcp-kyc-tool-default.json';
const WORKFLOW_FILES = [PRIVATE_STORAGE, DEFAULT_OPTIONS];
/** n8n names a node's tool after the node: "Kredibel Biometric" -> Kredibel_Biometric. */
const TOOL_NAME = 'Kredibel_Biometric';
const SELFIE = makeJpeg();

/** The MCP Server Trigger arrived in n8n 1.88. */
function hasMcpTrigger(version: string): boolean {
	const [major, minor] = version.split('.').map(Number);
	return major > 1 || minor >= 88;
}

const VERSIONS = PINNED_N8N.map((pin) => pin.version)
	.filter(hasMcpTrigger)
	.filter(
		(version) =>
			!process.env.KREDIBEL_MCP_N8N || process.env.KREDIBEL_MCP_N8N.split(',').includes(version),
	);

jest.setTimeout(90_000);

/** What the model gets back from one tool call: the parsed JSON text, and the error flag. */
interface ToolAnswer {
	isError: boolean;
	json: unknown;
}

interface Served {
	server: ExampleServer;
	/** Workflow file -> a client connected to its MCP Server Trigger. */
	clients: Map<string, Client>;
}

/** What a model gets for any link that failed, refused before a connection or not. */
const DOWNLOAD_FAILED: ToolAnswer = {
	isError: false,
	json: [
		{
			result: 'error',
			errorType: 'image_download_failed',
			message: TOOL_DOWNLOAD_FAILED_REASON,
			whatToDo: TOOL_DOWNLOAD_FAILED_HINT,
			charged: false,
		},
	],
};

describe('the node as an MCP tool', () => {
	const served = new Map<string, Served>();
	const failures = new Map<string, Error>();
	let imageHost: ImageHost;
	/** Where the refused loopback links point: it records every TCP connection it accepts. */
	let trap: Trap;
	const started = Date.now();

	beforeAll(async () => {
		imageHost = await startImageHost({ images: { 'selfie.jpg': SELFIE } });
		trap = await startTrap();
		const tarball = await packPackage();
		const workflows: ExampleWorkflow[] = WORKFLOW_FILES.map((file) => ({
			file,
			json: JSON.parse(
				fs.readFileSync(path.join(__dirname, 'workflows', file), 'utf8'),
			) as ExampleJson,
		}));
		await Promise.all(
			VERSIONS.map(async (version) => {
				let server: ExampleServer | undefined;
				const clients = new Map<string, Client>();
				try {
					server = await startExampleServer({
						version,
						tarball,
						apiKey: API_KEY,
						examples: workflows,
						suite: 'mcp',
					});
					for (const workflow of workflows) {
						const mcpUrl = `${server.server.url}${productionPath(triggerOf(workflow))}`;
						clients.set(workflow.file, await connect(mcpUrl));
						progress(`mcp on n8n ${version}: client connected to ${mcpUrl}`);
					}
					served.set(version, { server, clients });
				} catch (error) {
					for (const client of clients.values()) await client.close().catch(() => undefined);
					await server?.stop();
					failures.set(version, error as Error);
					progress(`mcp on n8n ${version}: set-up failed: ${(error as Error).message}`);
				}
			}),
		);
		progress(`mcp: set-up done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}, 20 * 60_000);

	afterAll(async () => {
		await Promise.all(
			[...served.values()].map(async ({ clients, server }) => {
				for (const client of clients.values()) await client.close().catch(() => undefined);
				await server.stop();
			}),
		);
		await imageHost?.close();
		await trap?.close();
		progress(`mcp: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}, 60_000);

	/** Runs a test against one version; a failure carries the tail of n8n's server log. */
	const on = (version: string, test: (s: Served) => Promise<void>) => async (): Promise<void> => {
		const failure = failures.get(version);
		if (failure) throw failure;
		const s = served.get(version)!;
		s.server.sandbox.reset();
		imageHost.clearLog();
		try {
			await test(s);
		} catch (error) {
			const tail = `--- n8n ${version} server log, tail (full: ${s.server.savedLog}) ---\n${s.server.logTail()}`;
			if (error instanceof Error) error.message += `\n${tail}`;
			throw error;
		}
	};

	const call = async (
		s: Served,
		args: Record<string, unknown>,
		workflow = PRIVATE_STORAGE,
	): Promise<ToolAnswer> => {
		const result = await s.clients.get(workflow)!.callTool({ name: TOOL_NAME, arguments: args });
		const content = result.content as Array<{ type: string; text?: string }>;
		expect(content.map((part) => part.type)).toEqual(['text']);
		return { isError: result.isError === true, json: JSON.parse(content[0].text!) };
	};

	const biometricRequests = (s: Served) =>
		s.server.sandbox.requests().filter((entry) => entry.path === BIOMETRIC_PATH);

	const selfieUrl = () => `${imageHost.url}/images/selfie.jpg`;

	describe.each(VERSIONS)('n8n %s', (version) => {
		it(
			'lists the node as a tool with the description for a model and the $fromAI arguments',
			on(version, async (s) => {
				const { tools } = await s.clients.get(PRIVATE_STORAGE)!.listTools();
				expect(tools.map((tool) => tool.name)).toEqual([TOOL_NAME]);
				const [tool] = tools;
				expect(tool.description).toBe(TOOL_DESCRIPTION);
				expect(tool.inputSchema).toMatchObject({
					type: 'object',
					properties: {
						nik: { type: 'string', description: 'The 16-digit NIK from the KTP card, as text' },
						selfieUrl: { type: 'string' },
					},
				});
				expect([...(tool.inputSchema.required ?? [])].sort()).toEqual(['nik', 'selfieUrl']);
			}),
		);

		it(
			'answers a match: the sandbox got the exact bytes the image host served',
			on(version, async (s) => {
				const answer = await call(s, { nik: SANDBOX_NIKS.match, selfieUrl: selfieUrl() });
				expect(answer).toEqual({
					isError: false,
					json: [{ result: 'match', faceSimilarity: 1, message: VERIFICATION_MESSAGE }],
				});
				const requests = biometricRequests(s);
				expect(requests).toHaveLength(1);
				expect(requests[0].identityId).toBe(SANDBOX_NIKS.match);
				expect(requests[0].authorization).toBe(`Bearer ${API_KEY}`);
				expect(requests[0].faceImage?.equals(SELFIE)).toBe(true);
				// The image host got one plain GET: no Kredibel key, no Authorization at all.
				expectOnePlainDownload(imageHost, '/images/selfie.jpg', API_KEY);
			}),
		);

		it(
			'answers a no-match as a result, not as an error',
			on(version, async (s) => {
				const answer = await call(s, { nik: SANDBOX_NIKS.noMatch, selfieUrl: selfieUrl() });
				expect(answer).toEqual({
					isError: false,
					json: [{ result: 'no_match', faceSimilarity: 0.24, message: VERIFICATION_MESSAGE }],
				});
				const requests = biometricRequests(s);
				expect(requests.map((entry) => entry.identityId)).toEqual([SANDBOX_NIKS.noMatch]);
				expect(requests[0].faceImage?.equals(SELFIE)).toBe(true);
			}),
		);

		it(
			'answers a bad NIK with JSON the model can act on, and sends nothing to Kredibel',
			on(version, async (s) => {
				const answer = await call(s, { nik: '3171 0117 0845', selfieUrl: selfieUrl() });
				expect(answer).toEqual({
					isError: false,
					json: [
						{
							result: 'error',
							errorType: 'invalid_identity_id',
							message: expect.stringContaining('NIK'),
							whatToDo: expect.any(String),
							charged: false,
						},
					],
				});
				expect(biometricRequests(s)).toEqual([]);
				// The session is still usable after a failure: the next call is answered normally.
				const next = await call(s, { nik: SANDBOX_NIKS.match, selfieUrl: selfieUrl() });
				expect(next.json).toEqual([expect.objectContaining({ result: 'match' })]);
			}),
		);

		describe('with the options as they come: private addresses refused', () => {
			const trapPort = () => new URL(trap.url).port;

			it.each([
				{ case: 'loopback', link: () => `${trap.url}/selfie.jpg` },
				{
					case: 'IPv4 loopback inside IPv6',
					link: () => `http://[::ffff:127.0.0.1]:${trapPort()}/`,
				},
				{
					case: 'loopback as one number',
					link: () => `http://2130706433:${trapPort()}/selfie.jpg`,
				},
				// Nothing may connect to it, this test included: the answer and the sandbox tell.
				{ case: 'cloud metadata', link: () => 'http://169.254.169.254/latest/meta-data/' },
			])(
				'refuses a link to $case before any connection, and sends nothing to Kredibel',
				({ link }) =>
					on(version, async (s) => {
						const connections = trap.connections().length;
						const answer = await call(
							s,
							{ nik: SANDBOX_NIKS.match, selfieUrl: link() },
							DEFAULT_OPTIONS,
						);
						expect(answer).toEqual(DOWNLOAD_FAILED);
						expect(trap.connections()).toHaveLength(connections);
						expect(s.server.sandbox.requests()).toEqual([]);
						expect(imageHost.requests).toEqual([]);
					})(),
			);

			it(
				'the trap sees the connection the option allows, and the model the same answer',
				on(version, async (s) => {
					// The check that the trap would have caught a connection from n8n above.
					const connections = trap.connections().length;
					const requests = trap.requests().length;
					const answer = await call(s, {
						nik: SANDBOX_NIKS.match,
						selfieUrl: `${trap.url}/selfie.jpg`,
					});
					// The trap answers with Kredibel's JSON for a match, not an image: a failed link.
					expect(answer).toEqual(DOWNLOAD_FAILED);
					expect(trap.connections().length).toBeGreaterThan(connections);
					expect(trap.requests().slice(requests)).toMatchObject([
						{ method: 'GET', url: '/selfie.jpg' },
					]);
					expect(s.server.sandbox.requests()).toEqual([]);
				}),
			);
		});
	});
});

/**
 * The SDK client over Streamable HTTP. n8n 2.x registers a published workflow's webhooks as
 * it answers the publish request, n8n 1.x shortly after it starts: a few tries cover both.
 */
async function connect(url: string): Promise<Client> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const client = new Client({ name: 'n8n-nodes-kredibel-e2e', version: '1.0.0' });
		try {
			await client.connect(new StreamableHTTPClientTransport(new URL(url)));
			return client;
		} catch (error) {
			await client.close().catch(() => undefined);
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}
}
