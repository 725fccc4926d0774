/**
 * Image Source: URL inside n8n-core: the selfie downloaded with n8n's own HTTP helper from the
 * shared local image host (test/fixtures/imageHost.ts), then sent to the sandbox. The exact
 * bytes reach Kredibel; no credential ever reaches the image host; an endless body is cut at Max
 * Image Size and nothing is sent; each way a link fails is named on its item; and a URL works
 * with Concurrency, the node's retries, n8n's Retry On Fail, both continue-on-fail modes,
 * stop-on-error, Route by Result and tool mode, like the other sources. The image host is on
 * loopback, so these runs turn on Allow Private Addresses; the default refusal is tested last.
 */
jest.mock('n8n-workflow', () =>
	jest
		.requireActual<typeof import('./harness/backoffWaits')>('./harness/backoffWaits')
		.n8nWorkflowWithRecordedSleep(),
);

import type { INodeExecutionData } from 'n8n-workflow';

import { freePort } from '../e2e/harness/freePort';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { TEST_API_KEY } from '../helpers/secrets';
import { SANDBOX_NIKS } from '../sandbox/server';
import { clearRequestedWaits, requestedWaits } from './harness/backoffWaits';
import {
	allItems,
	pairedIndexes,
	sandboxCredential,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';
import { startFlakyLink, type FlakyLink } from './harness/flakyLink';
import { AGENT_NODE, APPROVE_NODE, runWorkflow, type NodeSettings } from './harness/runWorkflow';
import type { InputItem } from './harness/testNodes';
import { TOOL_FAILURE_MIN_MS, toolClock } from '../../nodes/KredibelBiometric/toolMode';

const env = useSandbox();
let host: ImageHost;
const flakyLinks: FlakyLink[] = [];

beforeAll(async () => {
	// An endless body that no client stops ends by itself here, so a broken download cannot hang.
	host = await startImageHost({ endlessCapBytes: 64 * 1024 * 1024 });
});
afterAll(async () => {
	await host.close();
});
beforeEach(() => {
	host.clearLog();
	clearRequestedWaits();
});
afterEach(async () => {
	// Whatever the test, the image host never saw the Kredibel key or any Authorization header.
	for (const request of host.requests) {
		expect(Object.keys(request.headers)).not.toContain('authorization');
		expect(JSON.stringify(request)).not.toContain(TEST_API_KEY);
	}
	await Promise.all(flakyLinks.splice(0).map((link) => link.close()));
});

const image = (name: string) => `${host.url}/images/${name}`;
const NOT_IN_REGISTRY = '3171011708450001';

/** Applicants with a NIK and a selfie link in their JSON, no binary data. */
function linkApplicants(entries: Array<[nik: string, url: string]>): InputItem[] {
	return entries.map(([nik, selfieUrl], applicant) => ({ json: { applicant, nik, selfieUrl } }));
}

async function verifyLinks(
	entries: Array<[nik: string, url: string]>,
	spec: Omit<VerifySpec, 'niks' | 'items'> = {},
) {
	return await verifyWith(env.sandbox, {
		...spec,
		niks: [],
		items: linkApplicants(entries),
		parameters: { imageSource: 'url', imageUrl: '={{ $json.selfieUrl }}', ...spec.parameters },
		options: { allowPrivateAddresses: true, ...spec.options },
	});
}

/** The one item of a one-applicant run, on whichever output it left by. */
async function verifyLink(url: string, spec: Omit<VerifySpec, 'niks' | 'items'> = {}) {
	const run = await verifyLinks([[SANDBOX_NIKS.match, url]], spec);
	const items = allItems(run);
	expect(items).toHaveLength(1);
	return { run, item: items[0] };
}

function expectDownloadFailure(item: INodeExecutionData, errorType: string, reason: RegExp) {
	expect(item.json).toMatchObject({
		errorType,
		charged: false,
		attempts: 0,
		httpCode: null,
		identityId: SANDBOX_NIKS.match,
	});
	expect(item.json.error).toMatch(/^\[item 0\] /);
	expect(item.json.error).toMatch(reason);
	expect(String(item.json.description).length).toBeGreaterThan(20);
}

describe('the download', () => {
	it.each([
		['a JPEG', 'face.jpg', '/images/face.jpg'],
		['a PNG', 'face.png', '/images/face.png'],
		['a JPEG sent in chunks without a Content-Length', 'face.jpg', '/chunked/face.jpg'],
	])('%s: the exact bytes reach Kredibel, and the item is a match', async (_name, name, path) => {
		const { run, item } = await verifyLink(`${host.url}${path}`);
		expect(item.json.result).toBe('match');
		const [sent] = env.biometricRequests();
		expect(sent.faceImage?.equals(host.images.get(name) as Buffer)).toBe(true);
		expect(host.requests.map((request) => request.path)).toEqual([path]);
		// The download went through n8n's plain helper: the credential authenticated one request.
		expect(run.authenticatedRequests.map((request) => request.url)).toEqual([
			`${env.sandbox.url}/v1/identity/verification/biometric`,
		]);
	});

	it('the image host gets a plain GET: no Authorization header, no key, no Kredibel header', async () => {
		await verifyLink(image('face.jpg'));
		const [request] = host.requests;
		expect(request.method).toBe('GET');
		expect(request.headers.authorization).toBeUndefined();
		expect(JSON.stringify(request.headers)).not.toContain(TEST_API_KEY);
		expect(JSON.stringify(request.headers)).not.toMatch(/bearer/i);
	});

	it('an endless body: the download stops at Max Image Size, image_too_large, nothing sent to Kredibel', async () => {
		const { item } = await verifyLink(`${host.url}/endless.jpg`, {
			options: { maxImageSizeKb: 256, preparePhoto: false },
		});
		expectDownloadFailure(item, 'image_too_large', /passed the 256(\.0)? KB limit/);
		expect(env.biometricRequests()).toHaveLength(0);
		// The node hung up: the host did not write until its own cap.
		expect((await host.streamEnded(0)).endedBy).toBe('client');
	});

	it('a Content-Length above Max Image Size: image_too_large before reading the body', async () => {
		const { item } = await verifyLink(`${host.url}/lying-length.jpg`);
		expectDownloadFailure(item, 'image_too_large', /by its Content-Length/);
		expect(env.biometricRequests()).toHaveLength(0);
		expect((await host.streamEnded(0)).endedBy).toBe('client');
	});

	it('an HTML page: unsupported_image_format, nothing sent', async () => {
		const { item } = await verifyLink(`${host.url}/page.html`);
		expectDownloadFailure(item, 'unsupported_image_format', /\S/);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('a link that fails: image_download_failed, saying which way, nothing sent', () => {
	it('404', async () => {
		const { item } = await verifyLink(`${host.url}/status/404`, { options: { maxRetries: 2 } });
		expectDownloadFailure(item, 'image_download_failed', /answered HTTP 404/);
		expect(item.json.description).toMatch(/no file at that address/);
		// A 404 fails the same way every time: asked once.
		expect(host.requests).toHaveLength(1);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('a refused connection', async () => {
		const closed = `http://127.0.0.1:${await freePort()}/selfie.jpg`;
		const { item } = await verifyLink(closed, { options: { maxRetries: 1 } });
		expectDownloadFailure(item, 'image_download_failed', /refused the connection/);
		expect(env.biometricRequests()).toHaveLength(0);
		// Refused is free and may pass later: retried once, after one backoff wait.
		expect(requestedWaits).toHaveLength(1);
	});

	it('a file: address is not read', async () => {
		const { item } = await verifyLink('file:///etc/hostname');
		expectDownloadFailure(item, 'image_download_failed', /file: scheme/);
		expect(item.json.description).toMatch(/Read\/Write Files from Disk/);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('a redirect to a file: address is not followed', async () => {
		const { item } = await verifyLink(
			`${host.url}/redirect-to?location=${encodeURIComponent('file:///etc/hostname')}`,
		);
		expectDownloadFailure(item, 'image_download_failed', /to a file: address/);
		expect(host.requests).toHaveLength(1);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('redirects', () => {
	it('a chain of 3 redirects is followed to the image', async () => {
		const { item } = await verifyLink(`${host.url}/redirect/3/face.jpg`);
		expect(item.json.result).toBe('match');
		expect(host.requests.map((request) => request.path)).toEqual([
			'/redirect/3/face.jpg',
			'/redirect/2/face.jpg',
			'/redirect/1/face.jpg',
			'/images/face.jpg',
		]);
		expect(
			env.biometricRequests()[0].faceImage?.equals(host.images.get('face.jpg') as Buffer),
		).toBe(true);
	});

	it('a chain of 4 is refused at the fourth redirect, before the image is asked for', async () => {
		const { item } = await verifyLink(`${host.url}/redirect/4/face.jpg`);
		expectDownloadFailure(item, 'image_download_failed', /redirected more than 3 times/);
		expect(host.requests.map((request) => request.path)).not.toContain('/images/face.jpg');
		expect(host.requests).toHaveLength(4);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('with Concurrency', () => {
	it('several links at once; each applicant gets its own image, and the output keeps input order', async () => {
		env.sandbox.setLatency(100);
		const entries: Array<[string, string]> = [
			[SANDBOX_NIKS.match, `${host.url}/slow/150/face.jpg`],
			[SANDBOX_NIKS.noMatch, image('face.png')],
			[NOT_IN_REGISTRY, `${host.url}/chunked/face.jpg`],
			['3171011708450002', `${host.url}/status/404`],
		];
		const run = await verifyLinks(entries, {
			options: { concurrency: 3 },
			settings: { onError: 'continueRegularOutput' },
		});
		const output = run.output('Output');
		expect(pairedIndexes(output)).toEqual([0, 1, 2, 3]);
		expect(output.map((item) => item.json.result ?? item.json.errorType)).toEqual([
			'match',
			'no_match',
			'identity_invalid',
			'image_download_failed',
		]);
		const sentImage = new Map(
			env.biometricRequests().map((entry) => [entry.identityId, entry.faceImage]),
		);
		expect(sentImage.size).toBe(3);
		expect(sentImage.get(SANDBOX_NIKS.match)?.equals(host.images.get('face.jpg') as Buffer)).toBe(
			true,
		);
		expect(sentImage.get(SANDBOX_NIKS.noMatch)?.equals(host.images.get('face.png') as Buffer)).toBe(
			true,
		);
		expect(sentImage.get(NOT_IN_REGISTRY)?.equals(host.images.get('face.jpg') as Buffer)).toBe(
			true,
		);
		expect(env.sandbox.stats().maxInFlight).toBeGreaterThan(1);
	});
});

describe('with retries', () => {
	it('the node’s retries: a 503 from the image host, then the image; one request to Kredibel', async () => {
		const link = await startFlakyLink(image('face.jpg'), 1);
		flakyLinks.push(link);
		const { item } = await verifyLink(link.url, { options: { maxRetries: 2 } });
		expect(item.json.result).toBe('match');
		expect(link.hits).toBe(2);
		expect(requestedWaits).toHaveLength(1);
		expect(env.biometricRequests()).toHaveLength(1);
		expect(
			env.biometricRequests()[0].faceImage?.equals(host.images.get('face.jpg') as Buffer),
		).toBe(true);
	});

	it('Max Retries 0: the 503 fails the item, as a passing failure, nothing sent', async () => {
		const link = await startFlakyLink(image('face.jpg'), 1);
		flakyLinks.push(link);
		const { item } = await verifyLink(link.url, { options: { maxRetries: 0 } });
		expectDownloadFailure(item, 'image_download_failed', /answered HTTP 503/);
		expect(item.json.description).toMatch(/retried later/);
		expect(link.hits).toBe(1);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('n8n’s Retry On Fail (stop on error): the re-run downloads again and verifies once', async () => {
		const link = await startFlakyLink(image('face.jpg'), 1);
		flakyLinks.push(link);
		const { run, item } = await verifyLink(link.url, {
			options: { maxRetries: 0 },
			settings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 1 },
		});
		expect(run.run.status).toBe('success');
		expect(item.json.result).toBe('match');
		expect(link.hits).toBe(2);
		expect(env.biometricRequests()).toHaveLength(1);
	});
});

describe('continue on fail, stop on error and Route by Result', () => {
	/** match, a 404, an HTML page, no match, an endless body. */
	const mixed = (): Array<[string, string]> => [
		[SANDBOX_NIKS.match, image('face.jpg')],
		[SANDBOX_NIKS.match, `${host.url}/status/404`],
		[SANDBOX_NIKS.match, `${host.url}/page.html`],
		[SANDBOX_NIKS.noMatch, image('face.png')],
		[SANDBOX_NIKS.match, `${host.url}/endless.jpg`],
	];
	const FAILED = [
		[1, 'image_download_failed'],
		[2, 'unsupported_image_format'],
		[4, 'image_too_large'],
	];
	const options = { maxImageSizeKb: 256, maxRetries: 0 };

	it('continue (using error output): failures on Error with their reasons, successes on Success', async () => {
		const run = await verifyLinks(mixed(), { options });
		expect(pairedIndexes(run.output('Success'))).toEqual([0, 3]);
		expect(
			run
				.output('Error')
				.map((item) => [(item.pairedItem as { item: number }).item, item.json.errorType]),
		).toEqual(FAILED);
		expect(run.output('Error')[0].json.error).toMatch(/^\[item 1\] .*HTTP 404/);
		expect(
			env
				.biometricRequests()
				.map((entry) => entry.identityId)
				.sort(),
		).toEqual([SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch].sort());
	});

	it('continue (regular output): one output in input order, the failures as error items', async () => {
		const run = await verifyLinks(mixed(), {
			options,
			settings: { onError: 'continueRegularOutput' },
		});
		const output = run.output('Output');
		expect(pairedIndexes(output)).toEqual([0, 1, 2, 3, 4]);
		expect(output.map((item) => item.json.result ?? item.json.errorType)).toEqual([
			'match',
			'image_download_failed',
			'unsupported_image_format',
			'no_match',
			'image_too_large',
		]);
	});

	it('stop on error: a link refused without a connection at item 2 stops the run before any download or request', async () => {
		const run = await verifyLinks(
			[
				[SANDBOX_NIKS.match, image('face.jpg')],
				[SANDBOX_NIKS.noMatch, image('face.png')],
				[SANDBOX_NIKS.match, 'ftp://storage.example/selfie.jpg'],
			],
			{ options: { concurrency: 4 }, settings: {} },
		);
		expect(run.error?.message).toMatch(/^\[item 2\] The Image URL .* uses the ftp: scheme/);
		expect(host.requests).toHaveLength(0);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('stop on error: the run fails with the download’s error and nothing is sent for it', async () => {
		const run = await verifyLinks([[SANDBOX_NIKS.match, `${host.url}/status/404`]], {
			options,
			settings: {},
		});
		expect(run.run.status).toBe('error');
		expect(run.error?.message).toMatch(/^\[item 0\] The image host answered HTTP 404/);
		expect(run.error?.context).toMatchObject({
			errorType: 'image_download_failed',
			charged: false,
		});
		expect(run.reached('Output')).toBeUndefined();
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it.each<[string, string, NodeSettings]>([
		['continue (regular output)', 'No Verdict', { onError: 'continueRegularOutput' }],
		['continue (using error output)', 'Error', { onError: 'continueErrorOutput' }],
	])(
		'Route by Result, %s: only the real match leaves by Match; failures by %s',
		async (_name, failuresOutput, settings) => {
			const run = await verifyLinks(mixed(), {
				options,
				parameters: { routeByResult: true },
				settings,
			});
			expect(run.output('Match').map((item) => [item.pairedItem, item.json.result])).toEqual([
				[{ item: 0 }, 'match'],
			]);
			expect(run.reached(APPROVE_NODE)?.map((item) => item.json.result)).toEqual(['match']);
			const failed = run
				.output(failuresOutput)
				.filter((item) => item.json.errorType !== undefined)
				.map((item) => [(item.pairedItem as { item: number }).item, item.json.errorType]);
			expect(failed).toEqual(FAILED);
			expect(pairedIndexes(run.output('No Match'))).toEqual([3]);
		},
	);
});

describe('as an AI tool', () => {
	async function callTool(
		calls: Array<{ nik: string; imageUrl: string }>,
		options: Record<string, unknown> = { allowPrivateAddresses: true },
	) {
		return await runWorkflow({
			items: [{ json: {} }],
			parameters: {
				identityId: "={{ $fromAI('nik', 'The applicant NIK', 'string') }}",
				imageSource: 'url',
				imageUrl: "={{ $fromAI('imageUrl', 'A link to the selfie', 'string') }}",
				options: { maxRetries: 0, ...options },
			},
			credentials: sandboxCredential(env.sandbox),
			toolCalls: calls.map((args) => ({ arguments: args })),
		});
	}

	it('a link that works gives the verdict; a link that fails gives JSON the model can act on, never a throw', async () => {
		const run = await callTool([
			{ nik: SANDBOX_NIKS.match, imageUrl: image('face.jpg') },
			{ nik: SANDBOX_NIKS.match, imageUrl: `${host.url}/status/404` },
			{ nik: SANDBOX_NIKS.match, imageUrl: `${host.url}/page.html` },
			{ nik: SANDBOX_NIKS.match, imageUrl: 'file:///etc/hostname' },
		]);
		expect(run.run.status).toBe('success');
		const answers = (run.reached(AGENT_NODE) ?? []).map((item) => item.json);
		expect(answers.map((answer) => answer.thrown)).toEqual([
			undefined,
			undefined,
			undefined,
			undefined,
		]);
		const [match, notFound, html, file] = answers.map(
			(answer) => (JSON.parse(String(answer.answer)) as Array<Record<string, unknown>>)[0],
		);
		expect(match).toMatchObject({ result: 'match' });
		// Whatever went wrong, the model reads the same: no port, status or page to map a network by.
		for (const failed of [notFound, html, file]) expect(failed).toEqual(DOWNLOAD_FAILED_ANSWER);
		expect(env.biometricRequests()).toHaveLength(1);
		expect(
			env.biometricRequests()[0].faceImage?.equals(host.images.get('face.jpg') as Buffer),
		).toBe(true);
	});
	it('every failed link reads the same to the model, and nothing the host says reaches it', async () => {
		const closed = `http://127.0.0.1:${await freePort()}/face.jpg`;
		const internal = `http://127.0.0.2:${host.port}/images/face.jpg`;
		const links = [
			`${host.url}/status/404`,
			`${host.url}/hostile-status/401`,
			closed,
			internal,
			`${host.url}/redirect-to?location=${encodeURIComponent(internal)}`,
			`${host.url}/endless.jpg`,
			'ftp://example.com/face.jpg',
			'http://169.254.169.254/latest/meta-data/',
		];
		for (const options of [{ allowPrivateAddresses: true }, {}]) {
			const run = await callTool(
				links.map((imageUrl) => ({ nik: SANDBOX_NIKS.match, imageUrl })),
				{ ...options, maxImageSizeKb: 64 },
			);
			const answers = (run.reached(AGENT_NODE) ?? []).map((item) => String(item.json.answer));
			expect(answers).toHaveLength(links.length);
			for (const answer of answers) {
				expect((JSON.parse(answer) as unknown[])[0]).toEqual(DOWNLOAD_FAILED_ANSWER);
				expect(answer).not.toContain('IGNORE');
			}
		}
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

describe('as an AI tool, every failed link answers in one time (issue 27, point 3)', () => {
	/**
	 * The tool-mode clock, made virtual: each read moves it on by one millisecond, a wait by what
	 * was waited, so what the node computes does not depend on how loaded the machine is (a
	 * download that took longer than the minimum on a busy machine would otherwise be answered
	 * without a wait, and the record would not say which call it was). Every read and wait is
	 * recorded in order.
	 */
	function recordingClock() {
		let waited = 0;
		let reads = 0;
		const events: Array<{ now: number } | { wait: number }> = [];
		jest.spyOn(toolClock, 'now').mockImplementation(() => {
			const now = ++reads + waited;
			events.push({ now });
			return now;
		});
		jest.spyOn(toolClock, 'sleep').mockImplementation(async (ms) => {
			events.push({ wait: ms });
			waited += ms;
		});
		return events;
	}

	afterEach(() => {
		jest.restoreAllMocks();
	});

	/** The tool called once per link; the model's answers, and each failed call's timing. */
	async function callToolTimed(links: string[], options: Record<string, unknown>) {
		const events = recordingClock();
		const run = await runWorkflow({
			items: [{ json: {} }],
			parameters: {
				identityId: "={{ $fromAI('nik', 'The applicant NIK', 'string') }}",
				imageSource: 'url',
				imageUrl: "={{ $fromAI('imageUrl', 'A link to the selfie', 'string') }}",
				// The node's own retries would wait and ask again: in tool mode they must not.
				options: { maxRetries: 2, maxImageSizeKb: 64, ...options },
			},
			credentials: sandboxCredential(env.sandbox),
			toolCalls: links.map((imageUrl) => ({ arguments: { nik: SANDBOX_NIKS.match, imageUrl } })),
		});
		const answers = (run.reached(AGENT_NODE) ?? []).map(
			(item) => (JSON.parse(String(item.json.answer)) as unknown[])[0],
		);
		// A call reads the clock when its download begins; a failed one reads it again and waits.
		const waited = events.flatMap((event, at) => {
			if (!('wait' in event)) return [];
			const [start, end] = [events[at - 2], events[at - 1]] as Array<{ now: number }>;
			return [{ took: end.now - start.now, wait: event.wait }];
		});
		const starts = events.filter((event) => 'now' in event).length - waited.length;
		return { answers, waited, starts };
	}

	it('a closed port, a 404, a 503, an HTML page and a too large file: not retried, each answered TOOL_FAILURE_MIN_MS after its download began; a working link waits for nothing', async () => {
		const failing = [
			`http://127.0.0.1:${await freePort()}/face.jpg`,
			`${host.url}/status/404`,
			`${host.url}/status/503`,
			`${host.url}/page.html`,
			`${host.url}/endless.jpg`,
		];
		const { answers, waited, starts } = await callToolTimed([...failing, image('face.jpg')], {
			allowPrivateAddresses: true,
		});
		expect(answers.slice(0, failing.length)).toEqual(failing.map(() => DOWNLOAD_FAILED_ANSWER));
		expect(answers[failing.length]).toMatchObject({ result: 'match' });
		expect(starts).toBe(failing.length + 1);
		expect(waited).toHaveLength(failing.length);
		for (const { took, wait } of waited) {
			expect(wait).toBeGreaterThan(0);
			expect(took + wait).toBe(TOOL_FAILURE_MIN_MS);
		}
		// No retry: no backoff was waited for, and the 503 was asked for once.
		expect(requestedWaits).toEqual([]);
		expect(host.requests.filter((request) => request.path === '/status/503')).toHaveLength(1);
	});

	it('links refused before any connection (metadata address, intranet name, loopback) take the same time', async () => {
		const refused = [
			'http://169.254.169.254/latest/meta-data/',
			'http://vm/x.jpg',
			image('face.jpg'),
		];
		const { answers, waited } = await callToolTimed(refused, {});
		expect(answers).toEqual(refused.map(() => DOWNLOAD_FAILED_ANSWER));
		expect(waited.map(({ took, wait }) => took + wait)).toEqual(
			refused.map(() => TOOL_FAILURE_MIN_MS),
		);
		expect(host.requests).toHaveLength(0);
	});
});

const DOWNLOAD_FAILED_ANSWER = {
	result: 'error',
	errorType: 'image_download_failed',
	message: 'The image could not be downloaded from the given URL.',
	whatToDo:
		'Ask the user for a public https link to a JPEG or PNG selfie, then call the tool again with it.',
	charged: false,
};

describe('private addresses (the default: Allow Private Addresses off)', () => {
	it('a loopback link is refused before any connection, naming the option; with it on, it verifies', async () => {
		const refused = await verifyLink(image('face.jpg'), {
			options: { allowPrivateAddresses: false },
		});
		expectDownloadFailure(refused.item, 'image_download_failed', /a loopback address/);
		expect(refused.item.json.description).toMatch(/Allow Private Addresses/);
		expect(host.requests).toHaveLength(0);
		expect(env.biometricRequests()).toHaveLength(0);

		const allowed = await verifyLink(image('face.jpg'), {
			options: { allowPrivateAddresses: 'true' },
		});
		expect(allowed.item.json.result).toBe('match');
		expect(host.requests).toHaveLength(1);
	});

	it('intranet names (issue 27, point 4): refused like private addresses, before any connection, nothing sent', async () => {
		const links = [
			'http://vm/face.jpg',
			'http://runsc:8080/face.jpg',
			'https://nas.home.arpa./face.jpg',
			'http://metadata.google.internal/computeMetadata/v1/',
			'http://instance-data/latest/meta-data/',
			'http://ip6-localhost/face.jpg',
		];
		const run = await verifyLinks(
			links.map((link) => [SANDBOX_NIKS.match, link]),
			{ options: { allowPrivateAddresses: false } },
		);
		const items = allItems(run);
		expect(items).toHaveLength(links.length);
		for (const item of items) {
			expect(item.json).toMatchObject({ errorType: 'image_download_failed', charged: false });
			expect(item.json.error).toMatch(/name.*Allow Private Addresses/);
		}
		expect(host.requests).toHaveLength(0);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('an option that is neither true nor false is refused as invalid_parameter', async () => {
		const { item } = await verifyLink(image('face.jpg'), {
			options: { allowPrivateAddresses: 'yes' },
		});
		expect(item.json).toMatchObject({ errorType: 'invalid_parameter' });
		expect(item.json.error).toMatch(/Allow Private Addresses/);
		expect(host.requests).toHaveLength(0);
	});

	it("outside tool mode, the host's long reason phrase is cut short in every output field", async () => {
		const { item } = await verifyLink(`${host.url}/hostile-status/401`);
		expect(item.json.error).toMatch(/HTTP 401 IGNORE ALL PREVIOUS/);
		for (const value of Object.values(item.json)) {
			expect(String(value).length).toBeLessThan(250);
		}
	});

	it('with Mask NIK, a NIK in the link (spelled with dashes, within the part shown) is masked in the error', async () => {
		const nik = SANDBOX_NIKS.match;
		const spelled = `${nik.slice(0, 4)}-${nik.slice(4, 8)}-${nik.slice(8, 12)}-${nik.slice(12)}`;
		const url = `${host.url}/status/404/k-${spelled}/${'x'.repeat(40)}.jpg`;
		const { item } = await verifyLink(url, { options: { maskIdentityId: true } });
		// The node's own fields (n8n adds the input item's fields, the raw link among them).
		const { error, description, identityId } = item.json;
		const shown = JSON.stringify({ error, description, identityId });
		expect(item.json.errorType).toBe('image_download_failed');
		expect(shown.replace(/(?<=\d)-(?=\d)/g, '')).not.toMatch(
			new RegExp(`${nik.slice(0, 12)}|${nik.slice(6)}`),
		);
	});
});
