/**
 * Image Source: URL against the `helpers.httpRequest` of every pinned n8n, loaded from its own
 * install: n8n 1.x ignores `maxRedirects` and has no outbound policy, 2.x routes requests
 * through @n8n/backend-network and wraps streamed bodies, so what holds on one version proves
 * nothing on another. No n8n process is started: the helper is the same function n8n hands to
 * nodes, called in this process against the local image host.
 */
import path from 'node:path';
import type { SendRequest } from '../../nodes/KredibelBiometric/common';
import {
	downloadImage,
	MAX_IMAGE_REDIRECTS,
} from '../../nodes/KredibelBiometric/image/imageDownload';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { ensureN8n } from './harness/installN8n';
import { cacheLayout, PINNED_N8N } from './harness/versions';
import { freePort } from './harness/freePort';

const VERSIONS = PINNED_N8N.map((pin) => pin.version);
/** The image host is on loopback. */
const LIMITS = { maxBytes: 200 * 1024, timeoutMs: 5_000, allowPrivateAddresses: true };
/** Socket buffers the host may fill before the client hangs up (see test/unit/imageDownload). */
const BUFFERED_BYTES_BOUND = 32 * 1024 * 1024;
const INSTALL_TIMEOUT_MS = 40 * 60_000;

/** The helper an n8n version gives nodes, required from that version's own n8n-core. */
function httpRequestOf(version: string): SendRequest {
	const modulePath = path.join(
		cacheLayout.n8nDir(version),
		'node_modules/n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions',
	);
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
	const core = require(modulePath) as {
		getRequestHelperFunctions: (...args: unknown[]) => { httpRequest: SendRequest };
	};
	return core.getRequestHelperFunctions({}, { name: 'Kredibel Biometric' }, {}).httpRequest;
}

let host: ImageHost;

beforeAll(async () => {
	host = await startImageHost();
});
afterAll(async () => {
	await host.close();
});
beforeEach(() => host.clearLog());
afterEach(() => {
	for (const request of host.requests) expect(request.headers.authorization).toBeUndefined();
});

describe.each(VERSIONS)('n8n %s', (version) => {
	let send: SendRequest;

	beforeAll(async () => {
		await ensureN8n(version);
		send = httpRequestOf(version);
	}, INSTALL_TIMEOUT_MS);

	it('downloads the exact bytes through a redirect chain at the limit', async () => {
		const url = `${host.url}/redirect/${MAX_IMAGE_REDIRECTS}/face.jpg`;
		const result = await downloadImage(send, url, LIMITS);

		expect(result.ok && result.bytes.equals(host.images.get('face.jpg') as Buffer)).toBe(true);
		expect(host.requests).toHaveLength(MAX_IMAGE_REDIRECTS + 1);
	});

	it('stops one redirect over the limit', async () => {
		const url = `${host.url}/redirect/${MAX_IMAGE_REDIRECTS + 1}/face.jpg`;
		const result = await downloadImage(send, url, LIMITS);

		expect(!result.ok && result.failure.reason).toContain('redirected more than');
		expect(host.requests).toHaveLength(MAX_IMAGE_REDIRECTS + 1);
	});

	it.each(['/endless.jpg', '/lying-length.jpg'])(
		'stops %s at the size limit and the host sees the client hang up',
		async (route) => {
			const streamEnd = host.streamEnded(0);
			const result = await downloadImage(send, `${host.url}${route}`, LIMITS);

			expect(!result.ok && result.failure.errorType).toBe('image_too_large');
			const stream = await streamEnd;
			expect(stream.endedBy).toBe('client');
			expect(stream.bytesWritten).toBeLessThan(BUFFERED_BYTES_BOUND);
		},
	);

	it('cuts a dripping body at the deadline', async () => {
		const streamEnd = host.streamEnded(0);
		const result = await downloadImage(send, `${host.url}/drip.jpg`, {
			...LIMITS,
			timeoutMs: 400,
		});

		expect(!result.ok && result.failure.reason).toContain('timed out after 400 ms');
		expect((await streamEnd).endedBy).toBe('client');
	});

	it('names a 404 and a refused connection', async () => {
		const notFound = await downloadImage(send, `${host.url}/status/404`, LIMITS);
		const port = await freePort();
		const refused = await downloadImage(send, `http://127.0.0.1:${port}/face.jpg`, LIMITS);

		expect(!notFound.ok && notFound.failure.reason).toContain('HTTP 404');
		expect(!refused.ok && refused.failure.reason).toContain('refused the connection');
	});
});
