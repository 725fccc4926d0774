/**
 * Image Source: URL downloads, made with n8n-core 2.41.1's own `helpers.httpRequest` (the very
 * function an ExecuteContext hands to nodes, with its axios client, agents and outbound policy)
 * against the local image host: real sockets, real redirects, real endless bodies.
 */
import { SsrfProtectionConfig } from '@n8n/config';
import { Container } from '@n8n/di';
import fc from 'fast-check';
import { getRequestHelperFunctions } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import type { IHttpRequestOptions, INode, Workflow } from 'n8n-workflow';

import type { SendRequest } from '../../nodes/KredibelBiometric/common';
import { checkImageBytes } from '../../nodes/KredibelBiometric/image/imageBytes';
import {
	checkImageAddress,
	downloadImage,
	MAX_IMAGE_REDIRECTS,
	parseImageUrl,
} from '../../nodes/KredibelBiometric/image/imageDownload';
import {
	HOSTILE_TEXT,
	HTML_PAGE,
	LYING_CONTENT_LENGTH,
	startImageHost,
	type ImageHost,
} from '../fixtures/imageHost';
import { freePort } from '../e2e/harness/freePort';

const MAX_BYTES = 200 * 1024;
const TIMEOUT_MS = 5_000;
/** The image host is on loopback: these tests allow it; the defaults are tested below. */
const LIMITS = { maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS, allowPrivateAddresses: true };
const DEFAULT_LIMITS = { maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS };
/**
 * What the host may push into socket buffers (both ends' kernel buffers and Node's stream
 * buffers) before a client that stopped at MAX_BYTES hangs up: far below the host's 256 MiB
 * cap, which a client that read on would reach.
 */
const BUFFERED_BYTES_BOUND = 32 * 1024 * 1024;

const node: INode = {
	id: 'image-download-test',
	name: 'Kredibel Biometric',
	type: 'n8n-nodes-kredibel.kredibelBiometric',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
const coreHelpers = getRequestHelperFunctions({} as Workflow, node, {} as never);

let host: ImageHost;
let sentOptions: IHttpRequestOptions[];

/**
 * What the node hands the download: n8n-core's own `helpers.httpRequest` (the credentialed
 * helpers are never handed over, so they cannot be used for an image).
 */
function imageRequests(): SendRequest {
	return async (options: IHttpRequestOptions) => {
		sentOptions.push({ ...options });
		return await coreHelpers.httpRequest(options);
	};
}

/** Waits, without a deadline of its own (jest's applies), until the host has seen something. */
async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function image(name: string): Buffer {
	const bytes = host.images.get(name);
	if (!bytes) throw new Error(`the image host has no ${name}`);
	return bytes;
}

/** Buffer.equals: jest's toEqual walks a Buffer byte by byte, seconds for a few hundred KB. */
function bytesOf(result: Awaited<ReturnType<typeof downloadImage>>): Buffer {
	if (!result.ok)
		throw new Error(`expected bytes, got ${result.failure.errorType}: ${result.failure.reason}`);
	return result.bytes;
}

function failureOf(result: Awaited<ReturnType<typeof downloadImage>>) {
	if (result.ok) throw new Error(`expected a failure, got ${result.bytes.length} bytes`);
	return result.failure;
}

beforeAll(async () => {
	host = await startImageHost();
});
afterAll(async () => {
	await host.close();
});
beforeEach(() => {
	host.clearLog();
	sentOptions = [];
});
afterEach(() => {
	for (const request of host.requests) {
		expect(request.headers.authorization).toBeUndefined();
		expect(request.headers.cookie).toBeUndefined();
	}
});

describe('downloads', () => {
	it('returns the exact bytes of a JPEG, with one plain GET and no credential', async () => {
		const result = await downloadImage(imageRequests(), `${host.url}/images/face.jpg`, LIMITS);

		expect(bytesOf(result).equals(image('face.jpg'))).toBe(true);
		expect(host.requests).toHaveLength(1);
		expect(host.requests[0].method).toBe('GET');
		expect(host.requests[0].headers.accept).toMatch(/^image\/jpeg/);
		expect(sentOptions[0]).toMatchObject({ encoding: 'stream', disableFollowRedirect: true });
	});

	it('follows a chain of redirects within the limit to the image', async () => {
		const url = `${host.url}/redirect/${MAX_IMAGE_REDIRECTS}/face.png`;
		const result = await downloadImage(imageRequests(), url, LIMITS);

		expect(bytesOf(result).equals(image('face.png'))).toBe(true);
		expect(host.requests.map((request) => request.path)).toEqual([
			'/redirect/3/face.png',
			'/redirect/2/face.png',
			'/redirect/1/face.png',
			'/images/face.png',
		]);
	});

	it('stops a redirect chain one hop over the limit, before the image is fetched', async () => {
		const url = `${host.url}/redirect/${MAX_IMAGE_REDIRECTS + 1}/face.png`;
		const failure = failureOf(await downloadImage(imageRequests(), url, LIMITS));

		expect(failure).toMatchObject({
			errorType: 'image_download_failed',
			charged: false,
			retryable: false,
		});
		expect(failure.reason).toContain(`more than ${MAX_IMAGE_REDIRECTS} times`);
		expect(host.requests).toHaveLength(MAX_IMAGE_REDIRECTS + 1);
		expect(host.requests.some((request) => request.path.startsWith('/images/'))).toBe(false);
	});

	it('takes a lower redirect limit when given one', async () => {
		const url = `${host.url}/redirect/2/face.jpg`;
		const failure = failureOf(
			await downloadImage(imageRequests(), url, { ...LIMITS, maxRedirects: 1 }),
		);

		expect(failure.reason).toContain('more than 1 times');
		expect(host.requests).toHaveLength(2);
	});

	it('refuses a redirect to a file: address without reading anything there', async () => {
		const url = `${host.url}/redirect-to?location=${encodeURIComponent('file:///etc/passwd')}`;
		const failure = failureOf(await downloadImage(imageRequests(), url, LIMITS));

		expect(failure.errorType).toBe('image_download_failed');
		expect(failure.reason).toContain('file: address');
		expect(host.requests).toHaveLength(1);
	});

	it('hands an HTML page over as it is, and the image check calls it unsupported', async () => {
		const result = await downloadImage(imageRequests(), `${host.url}/page.html`, LIMITS);

		expect(bytesOf(result).equals(HTML_PAGE)).toBe(true);
		expect(checkImageBytes(HTML_PAGE, MAX_BYTES)?.errorType).toBe('unsupported_image_format');
	});
});

describe('size limit', () => {
	it('stops reading an endless body just past the limit and hangs up', async () => {
		const streamEnd = host.streamEnded(0);
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/endless.jpg`, LIMITS),
		);

		expect(failure).toMatchObject({ errorType: 'image_too_large', charged: false });
		expect(failure.reason).toContain('200 KB limit');
		expect(failure.hint).toContain('Edit Image');
		const stream = await streamEnd;
		expect(stream.endedBy).toBe('client');
		expect(stream.bytesWritten).toBeGreaterThan(MAX_BYTES);
		expect(stream.bytesWritten).toBeLessThan(BUFFERED_BYTES_BOUND);
	});

	it('believes a Content-Length above the limit and reads none of the body', async () => {
		const streamEnd = host.streamEnded(0);
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/lying-length.jpg`, LIMITS),
		);

		expect(failure.errorType).toBe('image_too_large');
		expect(failure.reason).toContain(`${(LYING_CONTENT_LENGTH / 1024).toFixed(0)} KB`);
		expect(failure.reason).toContain('Content-Length');
		const stream = await streamEnd;
		expect(stream.endedBy).toBe('client');
		expect(stream.bytesWritten).toBeLessThan(BUFFERED_BYTES_BOUND);
	});

	it.each([
		['announced by Content-Length', 'images'],
		['sent chunked, without a length', 'chunked'],
	])(
		'accepts an image of exactly the limit and refuses it with one byte less (%s)',
		async (_label, route) => {
			const large = image('large.jpg');
			const url = `${host.url}/${route}/large.jpg`;

			const exact = await downloadImage(imageRequests(), url, {
				...LIMITS,
				maxBytes: large.length,
			});
			const under = await downloadImage(imageRequests(), url, {
				...LIMITS,
				maxBytes: large.length - 1,
			});

			expect(bytesOf(exact).equals(large)).toBe(true);
			expect(failureOf(under).errorType).toBe('image_too_large');
		},
	);
});

describe('failures say which', () => {
	it('a 404 is image_download_failed naming the status, not retried', async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/status/404`, LIMITS),
		);

		expect(failure).toMatchObject({
			errorType: 'image_download_failed',
			charged: false,
			fromApi: false,
			retryable: false,
		});
		expect(failure.reason).toContain('HTTP 404');
		expect(failure.hint).toContain('no file at that address');
	});

	it('a 403 points at permissions or expired links', async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/status/403`, LIMITS),
		);

		expect(failure.reason).toContain('HTTP 403');
		expect(failure.hint).toContain('expired');
		expect(failure.retryable).toBe(false);
	});

	it('a 503 is retryable, since it may pass later', async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/status/503`, LIMITS),
		);

		expect(failure.reason).toContain('HTTP 503');
		expect(failure.retryable).toBe(true);
	});

	it('a refused connection says refused', async () => {
		const port = await freePort();
		const failure = failureOf(
			await downloadImage(imageRequests(), `http://127.0.0.1:${port}/face.jpg`, LIMITS),
		);

		expect(failure).toMatchObject({ errorType: 'image_download_failed', retryable: true });
		expect(failure.reason).toContain('refused the connection');
		expect(failure.reason).toContain(`127.0.0.1:${port}/face.jpg`);
	});

	it('a host that sends no headers in time fails after the timeout', async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/slow/60000/face.jpg`, {
				...LIMITS,
				timeoutMs: 300,
			}),
		);

		expect(failure).toMatchObject({ errorType: 'image_download_failed', retryable: true });
		expect(failure.reason).toContain('timed out after 300 ms');
	});

	it('a body that drips for ever is cut at the deadline, not only when the socket idles', async () => {
		const streamEnd = host.streamEnded(0);
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/drip.jpg`, { ...LIMITS, timeoutMs: 400 }),
		);

		expect(failure.reason).toContain('timed out after 400 ms');
		expect((await streamEnd).endedBy).toBe('client');
	});

	it('a stopped execution cancels a download under way and hangs up', async () => {
		const controller = new AbortController();
		const streamEnd = host.streamEnded(0);
		const download = downloadImage(imageRequests(), `${host.url}/drip.jpg`, {
			...LIMITS,
			cancelSignal: controller.signal,
		});
		await until(() => host.streams.length === 1);
		controller.abort();

		expect(failureOf(await download).errorType).toBe('cancelled');
		expect((await streamEnd).endedBy).toBe('client');
	});
});

describe('on a Node without AbortSignal.any (n8n 1.x on Node 18)', () => {
	const original = AbortSignal.any;

	beforeEach(() => {
		Object.defineProperty(AbortSignal, 'any', { value: undefined, configurable: true });
	});
	afterEach(() => {
		Object.defineProperty(AbortSignal, 'any', { value: original, configurable: true });
	});

	it('still cuts a dripping body at the deadline', async () => {
		const streamEnd = host.streamEnded(0);
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/drip.jpg`, { ...LIMITS, timeoutMs: 300 }),
		);

		expect(failure.reason).toContain('timed out after 300 ms');
		expect((await streamEnd).endedBy).toBe('client');
	});

	it('still cancels with the execution and hangs up an unread body', async () => {
		const controller = new AbortController();
		const download = downloadImage(imageRequests(), `${host.url}/drip.jpg`, {
			...LIMITS,
			cancelSignal: controller.signal,
		});
		await until(() => host.streams.length === 1);
		controller.abort();

		expect(failureOf(await download).errorType).toBe('cancelled');
		expect((await host.streamEnded(0)).endedBy).toBe('client');
	});

	it('still hangs up a body announced too large', async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/lying-length.jpg`, LIMITS),
		);

		expect(failure.errorType).toBe('image_too_large');
		expect((await host.streamEnded(0)).endedBy).toBe('client');
	});
});

describe('addresses refused before any request', () => {
	const cases: Array<[string, unknown, string, string]> = [
		['a file: URL', 'file:///etc/passwd', 'image_download_failed', 'file: scheme'],
		['an ftp: URL', 'ftp://example.com/face.jpg', 'image_download_failed', 'ftp: scheme'],
		['a data: URL', 'data:image/jpeg;base64,/9j/4AAQ', 'image_download_failed', 'data: scheme'],
		['a relative path', '/images/face.jpg', 'image_download_failed', 'not an absolute address'],
		['an empty field', '   ', 'missing_image', 'empty'],
		['no value', undefined, 'missing_image', 'empty'],
		['a number', 42, 'image_download_failed', 'a number, not a text link'],
		['a list', ['http://a'], 'image_download_failed', 'a list'],
	];

	it.each(cases)('%s', async (_label, value, errorType, reasonPart) => {
		const failure = failureOf(await downloadImage(imageRequests(), value, LIMITS));

		expect(failure).toMatchObject({ errorType, charged: false, retryable: false });
		expect(failure.reason).toContain(reasonPart);
		expect(sentOptions).toHaveLength(0);
	});

	it('points data: URLs at the Base64 source and file: URLs at the Binary source', () => {
		const data = parseImageUrl('data:image/png;base64,iVBOR');
		const file = parseImageUrl('file:///tmp/face.jpg');

		expect(!data.ok && data.failure.hint).toContain('Image Source to Base64');
		expect(!file.ok && file.failure.hint).toContain('Image Source to Binary');
	});

	it('refuses an address longer than any real link without parsing it', () => {
		const parsed = parseImageUrl(`https://example.com/${'a'.repeat(10_000)}`);

		expect(!parsed.ok && parsed.failure.reason).toContain('characters long');
	});

	it('never shows a password or a query token, and cuts what it shows', async () => {
		const port = await freePort();
		const secretUrl = `http://reader:s3cret-pass@127.0.0.1:${port}/selfies/${'x'.repeat(80)}.jpg?X-Amz-Signature=token123`;
		const failure = failureOf(await downloadImage(imageRequests(), secretUrl, LIMITS));

		expect(failure.reason).not.toContain('s3cret-pass');
		expect(failure.reason).not.toContain('reader');
		expect(failure.reason).not.toContain('token123');
		expect(failure.reason).toMatch(/"http:\/\/127\.0\.0\.1:\d+\/selfies\/x+…"/);
	});

	it('property: no user, password or query text of any address appears in a failure', () => {
		const secret = fc.stringMatching(/^[A-Za-z0-9]{6,12}$/).map((text) => `Zq${text}`);
		const scheme = fc.constantFrom('http', 'https', 'ftp', 'file', 'mailto', 'gopher', 'htp');
		fc.assert(
			fc.property(scheme, secret, secret, fc.webPath(), (name, password, token, path) => {
				const failure = (() => {
					const parsed = parseImageUrl(`${name}://user:${password}@999.invalid${path}?t=${token}`);
					return parsed.ok ? undefined : parsed.failure;
				})();
				if (!failure) return;
				const text = `${failure.reason} ${failure.hint}`;
				expect(text).not.toContain(password);
				expect(text).not.toContain(token);
			}),
			{ seed: 20261201, numRuns: 300 },
		);
	});
});

describe("n8n 2.41.1's outbound-request policy (N8N_SSRF_PROTECTION_ENABLED)", () => {
	const ssrfConfig = Container.get(SsrfProtectionConfig);

	afterEach(() => {
		ssrfConfig.enabled = false;
	});

	it('is off by default, so loopback hosts answer', async () => {
		expect(ssrfConfig.enabled).toBe(false);
		expect((await downloadImage(imageRequests(), `${host.url}/images/face.jpg`, LIMITS)).ok).toBe(
			true,
		);
	});

	it('when on, blocks a loopback image host before any request reaches it', async () => {
		ssrfConfig.enabled = true;
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/images/face.jpg`, LIMITS),
		);

		expect(failure).toMatchObject({ errorType: 'image_download_failed', retryable: false });
		expect(failure.reason).toContain('outbound-request policy blocked');
		expect(failure.hint).toContain('N8N_SSRF_ALLOWED_HOSTNAMES');
		expect(host.requests).toHaveLength(0);
	});
});

describe('private addresses, refused by default before any connection', () => {
	const refusedHosts = [
		'127.0.0.1',
		'127.0.0.2',
		'2130706433',
		'0x7f.1',
		'0177.0.0.1',
		'127.1',
		'0',
		'0.0.0.0',
		'10.1.2.3',
		'100.64.0.1',
		'169.254.169.254',
		'172.16.0.1',
		'172.31.255.255',
		'192.168.1.1',
		'192.0.0.8',
		'198.18.0.1',
		'224.0.0.1',
		'240.0.0.1',
		'255.255.255.255',
		'[::]',
		'[::1]',
		'[0:0:0:0:0:0:0:1]',
		'[::ffff:127.0.0.1]',
		'[::ffff:7f00:1]',
		'[::ffff:169.254.169.254]',
		'[::127.0.0.1]',
		'[64:ff9b::10.0.0.1]',
		'[64:ff9b:1::1]',
		'[2002:7f00:1::]',
		'[fc00::1]',
		'[fd12:3456::1]',
		'[fe80::1]',
		'[ff02::1]',
		'localhost',
		'LOCALHOST',
		'localhost.',
		'images.localhost',
		// Intranet names (issue 27, point 4), in the spellings the URL parser folds (case, IDN, dots).

		'vm',
		'runsc',
		'intranet',
		'VM.',
		'vm..',
		'\uff56\uff4d',
		'vm\u3002',
		'printer.local',
		'vm%2Elocal',
		'db.internal',
		'x.localdomain',
		'nas.home.arpa',
		'router.lan',
		'git.corp',
		'wiki.intranet',
		'files.private',
		'nas.home',
		'metadata.google.internal',
		'\uff2d\uff25\uff34\uff21\uff24\uff21\uff34\uff21.google.internal.',
		'metadata',
		'instance-data',
		'ip6-localhost',
		'ip6-loopback',
		'localhost',
		'127.0.0.1..',
		'0x7f.0.0.1..',
	];

	it.each(refusedHosts)('http://%s/ is refused, naming the option', async (hostPart) => {
		const failure = failureOf(
			await downloadImage(
				imageRequests(),
				`http://${hostPart}:${host.port}/images/face.jpg`,
				DEFAULT_LIMITS,
			),
		);

		expect(failure).toMatchObject({
			errorType: 'image_download_failed',
			charged: false,
			retryable: false,
		});
		expect(failure.reason).toContain('Allow Private Addresses');
		expect(failure.hint).toContain('Allow Private Addresses');
		expect(sentOptions).toHaveLength(0);
	});

	it.each([
		'93.184.216.34',
		'8.8.8.8',
		'172.32.0.1',
		'100.128.0.1',
		'[2606:4700::1111]',
		'[64:ff9b::808:808]',
		'[2002:808:808::]',
		'example.com',
		'localhost.example.com',
		'images.example.co.id',
		'local.example.com',
		'corp.example.com',
		'internal.example.org',
		'metadata.example.com',
		'vm.example.com',
		'xn--80ak6aa92e.com',
	])('%s is a public host (no refusal of its own)', async (hostPart) => {
		const { privateHostKind } = await import('../../nodes/KredibelBiometric/image/privateAddress');
		expect(privateHostKind(new URL(`http://${hostPart}/`).hostname)).toBeUndefined();
	});

	it('with Allow Private Addresses on, an intranet name passes the link check', () => {
		for (const link of ['http://vm/x.jpg', 'https://nas.home.arpa/a.jpg', 'http://metadata/']) {
			expect(checkImageAddress(link, true).ok).toBe(true);
			expect(checkImageAddress(link, false).ok).toBe(false);
		}
	});

	it('downloads from loopback with Allow Private Addresses', async () => {
		const result = await downloadImage(imageRequests(), `${host.url}/images/face.jpg`, LIMITS);
		expect(bytesOf(result).equals(image('face.jpg'))).toBe(true);
	});

	it.each([
		'https://127.0.0.2:1/secret',
		'https://[::1]:1/x',
		'https://169.254.169.254/latest/meta-data/',
		'https://0x7f000001/',
		'https://vm/x.jpg',
		'https://metadata.google.internal/computeMetadata/v1/',
		'https://nas.home.arpa./a.jpg',
	])('a redirect to %s is refused before following it', async (location) => {
		const failure = failureOf(
			await downloadImage(
				redirectingRequests(location),
				'https://images.example.com/face.jpg',
				DEFAULT_LIMITS,
			),
		);
		expect(failure.errorType).toBe('image_download_failed');
		expect(failure.reason).toContain('redirected');
		expect(failure.hint).toContain('Allow Private Addresses');
		// Only the first hop was requested; the private address never was.
		expect(sentOptions.map((options) => options.url)).toEqual([
			'https://images.example.com/face.jpg',
		]);
	});

	it.each([
		['a public host', 'http://images.example.com/face.jpg', DEFAULT_LIMITS],
		['loopback, with Allow Private Addresses', 'http://127.0.0.1:1/face.jpg', LIMITS],
	])('a redirect from https down to http (%s) is refused', async (_label, location, limits) => {
		const failure = failureOf(
			await downloadImage(
				redirectingRequests(location),
				'https://images.example.com/face.jpg',
				limits,
			),
		);
		expect(failure.errorType).toBe('image_download_failed');
		expect(failure.reason).toContain('to plain http');
		expect(sentOptions).toHaveLength(1);
	});

	it('a redirect between loopback hosts is followed only with Allow Private Addresses', async () => {
		// The same host in hex: the host listens on 127.0.0.1 only.
		const location = `http://0x7f000001:${host.port}/images/face.jpg`;
		const url = `${host.url}/redirect-to?location=${encodeURIComponent(location)}`;
		const allowed = await downloadImage(imageRequests(), url, LIMITS);
		expect(bytesOf(allowed).equals(image('face.jpg'))).toBe(true);
		sentOptions.length = 0;
		const refused = failureOf(await downloadImage(imageRequests(), url, DEFAULT_LIMITS));
		expect(refused.hint).toContain('Allow Private Addresses');
		expect(sentOptions).toHaveLength(0);
	});

	it("cuts the host's reason phrase: no orders for a model, nothing long from the host", async () => {
		const failure = failureOf(
			await downloadImage(imageRequests(), `${host.url}/hostile-status/401`, LIMITS),
		);
		expect(failure.reason).toMatch(/^The image host answered HTTP 401 IGNORE ALL PREVIOUS/);
		expect(failure.reason.length).toBeLessThan(200);
		expect(failure.reason).not.toContain(HOSTILE_TEXT);
		expect(failure.hint).not.toContain('IGNORE');
	});
});

/**
 * Requests for an https image host that answers every request with a 302 to `location`: the
 * local image host speaks plain http only, so the https origin is played here.
 */
function redirectingRequests(location: string): SendRequest {
	const real = imageRequests();
	return async (options: IHttpRequestOptions) => {
		if (!options.url.startsWith('https://images.example.com/')) return await real(options);
		sentOptions.push({ ...options });
		return { statusCode: 302, headers: { location }, body: Buffer.alloc(0) };
	};
}
