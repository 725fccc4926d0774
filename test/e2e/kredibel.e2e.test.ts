/**
 * The packed package inside real n8n processes (every pinned version, side by side), against
 * the local sandbox over real HTTP on loopback: credentials encrypted in n8n's database, binary
 * data stored on disk, the node loaded as an installed community package. Each workflow in
 * workflows/ runs once per version; the assertions read n8n's output and the sandbox's log.
 */
import fs from 'node:fs';
import path from 'node:path';

import { makeJpeg, makePng } from '../fixtures/images';
import { SANDBOX_NIKS, startSandbox, type RequestLogEntry, type Sandbox } from '../sandbox/server';
import { outputsOf, type ExecutionResult, type OutputItem } from './harness/executionResult';
import { createN8nRun, type N8nRun, type WorkflowImport } from './harness/n8nInstance';
import { packPackage } from './harness/packPackage';
import { progress } from './harness/processes';
import { PINNED_N8N } from './harness/versions';

const VERSIONS = PINNED_N8N.map((pin) => pin.version);
const API_KEY = 'e2e-kredibel-key-0f1e2d3c';
const CREDENTIAL_ID = 'kredibelSandbox1';
const NODE = 'Kredibel Biometric';

/** What each workflow needs the sandbox to do before it runs. */
const SCENARIOS: Record<string, (sandbox: Sandbox) => void> = {
	'sandbox-answers': () => {},
	'route-by-result': () => {},
	'base64-input': () => {},
	'local-rejections': () => {},
	'api-errors': (sandbox) => {
		sandbox.addFault({
			match: { identityId: '3171011708450001' },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		sandbox.addFault({
			match: { identityId: '3171015708450001' },
			fault: { kind: 'error', errorType: 'request_error' },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450002' },
			fault: { kind: 'status', status: 502 },
		});
	},
	'twenty-items': () => {},
	retries: (sandbox) => {
		sandbox.addFault({
			match: { identityId: '3171011708450003' },
			times: 2,
			fault: { kind: 'status', status: 503 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450004' },
			times: 1,
			fault: { kind: 'rateLimit', retryAfter: 1 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450005' },
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450006' },
			fault: { kind: 'status', status: 500 },
		});
		sandbox.addFault({
			match: { identityId: '3171011708450007' },
			times: 1,
			fault: { kind: 'delay', ms: 4000 },
		});
	},
};

interface Ran {
	result: ExecutionResult;
	requests: RequestLogEntry[];
}

const runs = new Map<string, Map<string, Ran>>();
/** What `npm install <tarball>` put into each run's ~/.n8n/nodes/node_modules. */
const installedModules = new Map<string, string[]>();
const failures = new Map<string, Error>();

function loadWorkflow(name: string): WorkflowImport {
	return JSON.parse(
		fs.readFileSync(path.join(__dirname, 'workflows', `${name}.json`), 'utf8'),
	) as WorkflowImport;
}

async function waitForIdle(sandbox: Sandbox): Promise<void> {
	while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function runVersion(version: string, tarball: string): Promise<Map<string, Ran>> {
	const sandbox = await startSandbox({ apiKey: API_KEY });
	let run: N8nRun | undefined;
	try {
		// Binary data on disk, as n8n runs in production.
		run = await createN8nRun({
			version,
			tarball,
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		await run.importCredentials([
			{
				id: CREDENTIAL_ID,
				name: 'Kredibel sandbox',
				type: 'kredibelApi',
				data: { apiKey: API_KEY, environment: 'custom', baseUrl: `${sandbox.url}/` },
			},
		]);
		installedModules.set(
			version,
			fs
				.readdirSync(path.join(run.userFolder, '.n8n', 'nodes', 'node_modules'))
				.filter((entry) => !entry.startsWith('.')),
		);
		const names = Object.keys(SCENARIOS);
		const ids = await run.importWorkflows(names.map(loadWorkflow));
		const results = new Map<string, Ran>();
		for (const [index, name] of names.entries()) {
			await waitForIdle(sandbox);
			sandbox.reset();
			SCENARIOS[name](sandbox);
			const started = Date.now();
			const result = await run.execute(ids[index]);
			await waitForIdle(sandbox);
			results.set(name, {
				result,
				requests: sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity')),
			});
			progress(
				`n8n ${version}: ${name} ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
			);
		}
		return results;
	} finally {
		await run?.dispose();
		await sandbox.close();
	}
}

beforeAll(async () => {
	const tarball = await packPackage();
	await Promise.all(
		VERSIONS.map(async (version) => {
			try {
				runs.set(version, await runVersion(version, tarball));
			} catch (error) {
				failures.set(version, error as Error);
			}
		}),
	);
}, 20 * 60_000);

function ran(version: string, workflow: string): Ran {
	const failure = failures.get(version);
	if (failure) throw failure;
	const result = runs.get(version)?.get(workflow);
	if (!result) throw new Error(`${workflow} did not run on n8n ${version}`);
	if (result.result.status !== 'success') {
		throw new Error(
			`${workflow} on n8n ${version}: ${result.result.status} ${JSON.stringify(result.result.error)}\n${result.result.log.slice(-3000)}`,
		);
	}
	return result;
}

const json = (items: OutputItem[]) => items.map((item) => item.json);

/**
 * What the sandbox received, as sorted "NIK:image" pairs. Requests run concurrently, so their
 * arrival order is not the item order; the image is named only if its bytes are exactly the
 * fixture's.
 */
function received(requests: RequestLogEntry[]): string[] {
	const image = (entry: RequestLogEntry) =>
		entry.faceImage?.equals(makeJpeg())
			? 'jpeg'
			: entry.faceImage?.equals(makePng())
				? 'png'
				: 'other';
	return requests.map((entry) => `${entry.identityId}:${image(entry)}`).sort();
}
const indexes = (items: OutputItem[]) =>
	items.map((item) => (item.pairedItem as { item: number }).item);

describe.each(VERSIONS)('n8n %s', (version) => {
	it('installs from the packed tarball with nothing but n8n present: no dependency comes along', () => {
		ran(version, 'sandbox-answers');
		expect(installedModules.get(version)).toEqual(['n8n-nodes-kredibel']);
	});

	it('gives the three sandbox answers through one output, from binary JPEG and PNG', () => {
		const { result, requests } = ran(version, 'sandbox-answers');
		const [output] = outputsOf(result, NODE);
		expect(indexes(output)).toEqual([0, 1, 2, 3]);
		expect(json(output)).toEqual([
			expect.objectContaining({
				identityId: SANDBOX_NIKS.match,
				isValid: true,
				isActive: true,
				face: true,
				faceSimilarity: 1,
				result: 'match',
				threshold: 0.75,
			}),
			expect.objectContaining({
				identityId: SANDBOX_NIKS.noMatch,
				face: false,
				faceSimilarity: 0.24,
				result: 'no_match',
			}),
			expect.objectContaining({
				identityId: SANDBOX_NIKS.invalid,
				isValid: false,
				face: null,
				faceSimilarity: null,
				result: 'identity_invalid',
			}),
			expect.objectContaining({ identityId: SANDBOX_NIKS.match, result: 'match' }),
		]);
		expect(output.every((item) => item.binary === undefined)).toBe(true);
		// The key came through the credential; the bytes are exactly the images the workflow held.
		expect(requests.map((entry) => entry.authorization)).toEqual(
			Array(4).fill(`Bearer ${API_KEY}`),
		);
		expect(received(requests)).toEqual(
			[
				`${SANDBOX_NIKS.match}:jpeg`,
				`${SANDBOX_NIKS.noMatch}:jpeg`,
				`${SANDBOX_NIKS.invalid}:jpeg`,
				`${SANDBOX_NIKS.match}:png`,
			].sort(),
		);
		expect(JSON.stringify(result.raw)).not.toContain(API_KEY);
	});

	it('routes by result to Match, No Match and Invalid Identity, with binary made by Convert to File', () => {
		const { result, requests } = ran(version, 'route-by-result');
		const [match, noMatch, invalid] = outputsOf(result, NODE);
		expect(indexes(match)).toEqual([0, 3]);
		expect(indexes(noMatch)).toEqual([1, 4]);
		expect(indexes(invalid)).toEqual([2]);
		expect(json(outputsOf(result, 'Approve')[0]).map((item) => item.result)).toEqual([
			'match',
			'match',
		]);
		expect(json(outputsOf(result, 'Reject')[0]).map((item) => item.result)).toEqual([
			'no_match',
			'no_match',
		]);
		expect(json(outputsOf(result, 'Manual review')[0]).map((item) => item.result)).toEqual([
			'identity_invalid',
		]);
		expect(received(requests)).toEqual(
			[
				`${SANDBOX_NIKS.match}:jpeg`,
				`${SANDBOX_NIKS.noMatch}:jpeg`,
				`${SANDBOX_NIKS.invalid}:png`,
				`${SANDBOX_NIKS.match}:png`,
				`${SANDBOX_NIKS.noMatch}:png`,
			].sort(),
		);
	});

	it('takes base64 input from a JSON field: plain, a data: URL with line breaks, PNG', () => {
		const { result, requests } = ran(version, 'base64-input');
		expect(json(outputsOf(result, NODE)[0]).map((item) => item.result)).toEqual([
			'match',
			'no_match',
			'match',
		]);
		expect(received(requests)).toEqual(
			[
				`${SANDBOX_NIKS.match}:jpeg`,
				`${SANDBOX_NIKS.noMatch}:jpeg`,
				`${SANDBOX_NIKS.match}:png`,
			].sort(),
		);
	});

	it('sends locally rejected input to the error output without any request', () => {
		const { result, requests } = ran(version, 'local-rejections');
		const [success, errors] = outputsOf(result, NODE);
		expect(indexes(success)).toEqual([0]);
		expect(indexes(errors)).toEqual([1, 2, 3, 4, 5]);
		expect(json(errors).map((item) => item.errorType)).toEqual([
			'invalid_identity_id',
			'unsupported_image_format',
			'image_too_large',
			'invalid_identity_id',
			'missing_image',
		]);
		for (const item of json(errors)) {
			expect(item).toMatchObject({ charged: false, attempts: 0, httpCode: null });
			expect(item.error).toMatch(/^\[item \d\] /);
		}
		// n8n merges the input item's JSON into error items: the applicant is still known.
		expect(json(errors).map((item) => item.applicant)).toEqual([
			'short-nik',
			'gif',
			'too-large',
			'nik-as-number',
			'no-binary',
		]);
		expect(json(outputsOf(result, 'Errors')[0])).toHaveLength(5);
		expect(requests.map((entry) => entry.identityId)).toEqual([SANDBOX_NIKS.match]);
	});

	it("sends the sandbox's API errors to the error output with errorType, errorId and charged", () => {
		const { result, requests } = ran(version, 'api-errors');
		const [match, noMatch, invalid, errors] = outputsOf(result, NODE);
		expect(indexes(match)).toEqual([0]);
		expect(indexes(noMatch)).toEqual([4]);
		expect(invalid).toEqual([]);
		expect(indexes(errors)).toEqual([1, 2, 3]);
		const [noFace, registryDown, serverError] = json(errors);
		expect(noFace).toMatchObject({
			applicant: 'no-face',
			errorType: 'no_face_detected',
			charged: true,
			httpCode: 400,
			attempts: 1,
		});
		expect(noFace.errorId).toMatch(/^[0-9a-f-]{36}$/);
		expect(registryDown).toMatchObject({
			applicant: 'registry-down',
			errorType: 'request_error',
			charged: false,
			attempts: 2,
		});
		expect(registryDown.errorId).toMatch(/^[0-9a-f-]{36}$/);
		expect(serverError).toMatchObject({
			applicant: 'server-error',
			errorType: 'server_error',
			charged: false,
			httpCode: 502,
			attempts: 2,
		});
		const sent = (nik: string) => requests.filter((entry) => entry.identityId === nik).length;
		expect([sent('3171011708450001'), sent('3171015708450001'), sent('3171011708450002')]).toEqual([
			1, 2, 2,
		]);
		expect(json(outputsOf(result, 'Errors')[0])).toHaveLength(3);
	});

	it('gives every one of 20 inputs back exactly once, paired with itself', () => {
		const { result, requests } = ran(version, 'twenty-items');
		const outputs = outputsOf(result, NODE);
		const all = outputs.flat();
		expect(all).toHaveLength(20);
		expect([...indexes(all)].sort((a, b) => a - b)).toEqual(
			Array.from({ length: 20 }, (_, i) => i),
		);
		for (const output of outputs)
			expect(indexes(output)).toEqual([...indexes(output)].sort((a, b) => a - b));
		for (const item of all) {
			const index = (item.pairedItem as { item: number }).item;
			const expected = ['match', 'no_match', 'identity_invalid', 'invalid_identity_id'][index % 4];
			expect(item.json.result ?? item.json.errorType).toBe(expected);
		}
		// Failed items (the short NIKs) leave by No Match, never by Match.
		expect(outputs[0].every((item) => item.json.result === 'match')).toBe(true);
		expect(requests).toHaveLength(15);
	});

	it('rides out injected faults with retries, and never retries a charged error', () => {
		const { result, requests } = ran(version, 'retries');
		const [success, errors] = outputsOf(result, NODE);
		const sent = (nik: string) => requests.filter((entry) => entry.identityId === nik);
		expect(indexes(success)).toEqual([0, 1, 4]);
		expect(json(success).map((item) => item.result)).toEqual([
			'identity_invalid',
			'identity_invalid',
			'identity_invalid',
		]);
		expect(sent('3171011708450003').map((entry) => entry.status)).toEqual([503, 503, 200]);
		const rateLimited = sent('3171011708450004');
		expect(rateLimited.map((entry) => entry.status)).toEqual([429, 200]);
		expect(rateLimited[1].startedAt - (rateLimited[0].endedAt ?? 0)).toBeGreaterThanOrEqual(990);
		expect(sent('3171011708450007')).toHaveLength(2);
		expect(indexes(errors)).toEqual([2, 3]);
		expect(json(errors)).toEqual([
			expect.objectContaining({
				applicant: 'no-face',
				errorType: 'no_face_detected',
				charged: true,
				attempts: 1,
			}),
			expect.objectContaining({
				applicant: 'always-down',
				errorType: 'server_error',
				charged: false,
				attempts: 3,
			}),
		]);
		expect(sent('3171011708450005')).toHaveLength(1);
		expect(sent('3171011708450006')).toHaveLength(3);
	});
});
