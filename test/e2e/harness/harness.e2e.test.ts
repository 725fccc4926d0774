/**
 * Proves the harness itself on every pinned n8n: n8n's own nodes run and their items come
 * back per node and output, a community package installed from a tarball is loaded (with its
 * credential and the caller's env), failures come back with their error, and execute-batch
 * agrees with execute. Uses a throwaway package, not the real node.
 *
 * The versions run side by side (KREDIBEL_E2E_PARALLEL=0 runs them one after the other).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installCommunityPackage } from './installCommunityPackage';
import { ensureN8n } from './installN8n';
import { createN8nRun, type N8nRun, type WorkflowImport } from './n8nInstance';
import { nodeErrorOf, outputsOf, type ExecutionResult } from './executionResult';
import { packDirectory } from './packPackage';
import { progress } from './processes';
import {
	PROBE_CREDENTIAL_TYPE,
	PROBE_NODE_TYPE,
	PROBE_PACKAGE,
	writeFakeN8nWorkflow,
	writeProbePackage,
} from './probePackage';
import { PINNED_N8N } from './versions';

const VERSIONS = PINNED_N8N.map((p) => p.version);
const PARALLEL = process.env.KREDIBEL_E2E_PARALLEL !== '0';
const CREDENTIAL = { id: 'harnessCred00001', name: 'Probe credential' };

interface Outcome {
	run: N8nRun;
	builtin: ExecutionResult;
	probe: ExecutionResult;
	failing: ExecutionResult;
	batch: Record<string, ExecutionResult>;
	ids: { builtin: string; probe: string };
}

const outcomes = new Map<string, Outcome | Error>();
const tempDirs: string[] = [];

function node(name: string, type: string, x: number, parameters: object, extra: object = {}) {
	return {
		id: `id-${name.replace(/\W/g, '')}`,
		name,
		type,
		typeVersion: 1,
		position: [x, 0],
		parameters,
		...extra,
	};
}

const start = node('Start', 'n8n-nodes-base.manualTrigger', 0, {});

function code(name: string, jsCode: string) {
	return { ...node(name, 'n8n-nodes-base.code', 220, { jsCode }), typeVersion: 2 };
}

/** Connects the nodes in a line, each to the next one's input 0. */
function chain(...names: string[]): Record<string, unknown> {
	return Object.fromEntries(
		names
			.slice(0, -1)
			.map((from, i) => [from, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
	);
}

const builtinWorkflow: WorkflowImport = {
	name: 'harness: built-in nodes',
	nodes: [
		start,
		code('Two Items', 'return [{ json: { n: 1 } }, { json: { n: 2 } }];'),
		{
			// Set 3.4 exists in 1.x and 2.x; its expression exercises the expression engine.
			...node('Label', 'n8n-nodes-base.set', 440, {
				mode: 'manual',
				assignments: {
					assignments: [
						{ id: 'a1', name: 'label', value: "={{ 'item-' + $json.n }}", type: 'string' },
					],
				},
				includeOtherFields: true,
				options: {},
			}),
			typeVersion: 3.4,
		},
	],
	connections: chain('Start', 'Two Items', 'Label'),
};

const probeWorkflow: WorkflowImport = {
	name: 'harness: community package',
	nodes: [
		start,
		code('Three Items', 'return [1, 2, 3].map((n) => ({ json: { n } }));'),
		node(
			'Probe',
			PROBE_NODE_TYPE,
			440,
			{ tag: 'hello' },
			{
				credentials: { [PROBE_CREDENTIAL_TYPE]: CREDENTIAL },
			},
		),
	],
	connections: chain('Start', 'Three Items', 'Probe'),
};

const failingWorkflow: WorkflowImport = {
	name: 'harness: failing',
	nodes: [start, code('Explode', "throw new Error('harness boom');")],
	connections: chain('Start', 'Explode'),
};

async function scenario(version: string, tarball: string): Promise<Outcome> {
	const timings: string[] = [];
	const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
		const started = Date.now();
		const result = await work();
		timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return result;
	};
	const run = await timed('create+package', () =>
		createN8nRun({ version, tarball, env: { HARNESS_PROBE_MARK: `run-${version}` } }),
	);
	try {
		await timed('credentials', () =>
			run.importCredentials([
				{
					...CREDENTIAL,
					type: PROBE_CREDENTIAL_TYPE,
					data: { label: 'from-credential', token: 's3cret' },
				},
			]),
		);
		const [builtinId, probeId, failingId] = await timed('workflows', () =>
			run.importWorkflows([builtinWorkflow, probeWorkflow, failingWorkflow]),
		);
		const builtin = await timed('execute', () => run.execute(builtinId!));
		const probe = await timed('execute', () =>
			run.execute(probeId!, { env: { HARNESS_PROBE_MARK: `call-${version}` } }),
		);
		const failing = await timed('execute(failing)', () => run.execute(failingId!));
		const batch = await timed('execute-batch(2)', () => run.executeBatch([builtinId!, probeId!]));
		progress(`n8n ${version}: ${timings.join(', ')}`);
		return { run, builtin, probe, failing, batch, ids: { builtin: builtinId!, probe: probeId! } };
	} catch (error) {
		await run.dispose();
		throw error;
	}
}

function outcome(version: string): Outcome {
	const result = outcomes.get(version);
	if (result === undefined) throw new Error(`no outcome for n8n ${version}`);
	if (result instanceof Error) throw result;
	return result;
}

beforeAll(async () => {
	// Installs (minutes on a fresh machine, a marker read afterwards) come first, so a slow
	// download is not mistaken for a slow workflow.
	await Promise.all(VERSIONS.map((v) => ensureN8n(v)));
	const probeDir = writeProbePackage();
	tempDirs.push(probeDir);
	const tarball = await packDirectory(probeDir, probeDir);
	const started = Date.now();
	const runOne = async (version: string): Promise<void> => {
		try {
			outcomes.set(version, await scenario(version, tarball));
		} catch (error) {
			outcomes.set(version, error as Error);
		}
	};
	if (PARALLEL) await Promise.all(VERSIONS.map(runOne));
	else for (const version of VERSIONS) await runOne(version);
	progress(
		`all versions (${PARALLEL ? 'parallel' : 'serial'}): ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
}, 20 * 60_000);

afterAll(async () => {
	await Promise.all(
		[...outcomes.values()].map((o) => (o instanceof Error ? undefined : o.run.dispose())),
	);
	for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(VERSIONS)('n8n %s', (version) => {
	it("runs n8n's own nodes and returns their items with pairedItem", () => {
		const { builtin } = outcome(version);
		expect(builtin.error).toBeUndefined();
		expect(builtin.status).toBe('success');
		expect(outputsOf(builtin, 'Two Items')).toEqual([
			[
				{ json: { n: 1 }, pairedItem: { item: 0 } },
				{ json: { n: 2 }, pairedItem: { item: 0 } },
			],
		]);
		expect(outputsOf(builtin, 'Label')).toEqual([
			[
				{ json: { n: 1, label: 'item-1' }, pairedItem: { item: 0 } },
				{ json: { n: 2, label: 'item-2' }, pairedItem: { item: 1 } },
			],
		]);
	});

	it('loads a community package from a tarball, with its credential and the env', () => {
		const { probe, run } = outcome(version);
		expect(run.installedPackage?.name).toBe(PROBE_PACKAGE);
		expect(probe.error).toBeUndefined();
		const item = (n: number, mark: string) => ({
			json: { n, tag: 'hello', label: 'from-credential', mark },
			pairedItem: { item: n - 1 },
		});
		// Per-call env wins over the run's env.
		const mark = `call-${version}`;
		expect(outputsOf(probe, 'Probe')).toEqual([[item(1, mark), item(3, mark)], [item(2, mark)]]);
	});

	it('returns a failed run with the error and the failing node', () => {
		const { failing } = outcome(version);
		expect(failing.status).toBe('error');
		expect(failing.error?.message).toContain('harness boom');
		expect(failing.lastNodeExecuted).toBe('Explode');
		expect(nodeErrorOf(failing, 'Explode')?.message).toContain('harness boom');
		expect(() => outputsOf(failing, 'Never There')).toThrow(/nodes that ran: Start, Explode/);
	});

	it('execute-batch returns the same items as execute', () => {
		const { batch, builtin, ids } = outcome(version);
		expect(outputsOf(batch[ids.builtin]!, 'Label')).toEqual(outputsOf(builtin, 'Label'));
		const mark = `run-${version}`;
		expect(outputsOf(batch[ids.probe]!, 'Probe')[1]).toEqual([
			{ json: { n: 2, tag: 'hello', label: 'from-credential', mark }, pairedItem: { item: 1 } },
		]);
	});
});

describe('harness guards', () => {
	it('refuses a package that brings its own n8n-workflow', async () => {
		const fake = writeFakeN8nWorkflow();
		const broken = writeProbePackage({ dependencies: { 'n8n-workflow': `file:${fake}` } });
		const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-guard-'));
		tempDirs.push(fake, broken, userFolder);
		const tarball = await packDirectory(broken, broken);
		await expect(installCommunityPackage(userFolder, tarball)).rejects.toThrow(
			/brought its own n8n-workflow/,
		);
	}, 120_000);

	it('refuses a tarball that lacks a file its n8n section names', async () => {
		const unbuilt = writeProbePackage({ omitNodeFile: true });
		tempDirs.push(unbuilt);
		await expect(packDirectory(unbuilt, unbuilt)).rejects.toThrow(
			/lacks dist\/HarnessProbe.node.js/,
		);
	}, 120_000);
});
