/**
 * Stop on error never pays before it knows (issue 26): with n8n's default On Error, a last item
 * whose photo is damaged inside (its header reads) or whose link answers 404 fails the execution
 * before any request reaches Kredibel, whether the run keeps its prepared items (no more items
 * than Concurrency) or only their digests (more). A link that serves other bytes on the send
 * pass than on the check fails closed. Requests are counted in the sandbox's log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

import { makeJpeg } from '../fixtures/images';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { SANDBOX_NIKS } from '../sandbox/server';
import { chunk, ihdr, SIGNATURE } from '../unit/photo/pngFixtures';
import { applicants, useSandbox, verifyWith } from './harness/fixtures';
import type { InputItem } from './harness/testNodes';

const env = useSandbox();
let host: ImageHost;

beforeAll(async () => {
	host = await startImageHost();
});
afterAll(async () => {
	await host.close();
});
beforeEach(() => host.clearLog());

/**
 * A PNG whose chunks and CRCs are sound but whose image data stops halfway: only decoding finds
 * it. At 30 KB it is above the Max Image Size used below, so Prepare Photo must decode it.
 */
function pngDamagedInside(): Buffer {
	const side = 100;
	const rows = Buffer.alloc((side * 3 + 1) * side);
	let state = 7;
	for (let i = 0; i < rows.length; i++) {
		state = (state * 1664525 + 1013904223) >>> 0;
		// Filter byte 0 at each row start, noise elsewhere (noise does not compress).
		rows[i] = i % (side * 3 + 1) === 0 ? 0 : state >>> 24;
	}
	const data = zlib.deflateSync(rows);
	return Buffer.concat([
		SIGNATURE,
		ihdr(side, side, 8, 2),
		chunk('IDAT', data.subarray(0, data.length >> 1)),
		chunk('IEND'),
	]);
}

const STOP_ON_ERROR = {};
/** Small enough that the damaged PNG must be decoded, large enough for the good selfies. */
const MAX_IMAGE_SIZE_KB = 8;

describe.each([
	['Concurrency 4: the checked items are kept', 4],
	['Concurrency 1: only digests are kept', 1],
])('stop on error, %s', (_label, concurrency) => {
	it('a photo damaged inside, as the last item: the execution fails and nothing is sent', async () => {
		const items: InputItem[] = [
			...applicants([SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch]),
			...applicants([SANDBOX_NIKS.match], pngDamagedInside()),
		];
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items,
			options: { concurrency, maxImageSizeKb: MAX_IMAGE_SIZE_KB },
			settings: STOP_ON_ERROR,
		});
		expect(run.run.status).toBe('error');
		expect(run.error?.message).toMatch(/^\[item 2\] The photo is damaged/);
		expect(run.error?.context).toMatchObject({
			errorType: 'unsupported_image_format',
			charged: false,
		});
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('a link answering 404, as the last item: the execution fails and nothing is sent', async () => {
		const links = [`${host.url}/images/face.jpg`, `${host.url}/images/face.png`];
		const items: InputItem[] = [
			{ json: { nik: SANDBOX_NIKS.match, selfieUrl: links[0] } },
			{ json: { nik: SANDBOX_NIKS.noMatch, selfieUrl: links[1] } },
			{ json: { nik: SANDBOX_NIKS.match, selfieUrl: `${host.url}/status/404` } },
		];
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items,
			parameters: { imageSource: 'url', imageUrl: '={{ $json.selfieUrl }}' },
			options: { concurrency, allowPrivateAddresses: true, maxRetries: 0 },
			settings: STOP_ON_ERROR,
		});
		expect(run.run.status).toBe('error');
		expect(run.error?.message).toMatch(/^\[item 2\] The image host answered HTTP 404/);
		expect(run.error?.context).toMatchObject({
			errorType: 'image_download_failed',
			charged: false,
		});
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

/** A link that serves `first` once and `later` from then on. */
async function startChangingLink(
	first: Buffer,
	later: Buffer,
): Promise<{ url: string; close(): Promise<void> }> {
	let hits = 0;
	const server = http.createServer((_request, response) => {
		hits++;
		const body = hits === 1 ? first : later;
		response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
		response.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/selfie.jpg`,
		close: async () =>
			await new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

describe('a link that serves other bytes on the send pass than on the check', () => {
	it('fails closed: an error, not a verdict, and that image is never sent', async () => {
		const link = await startChangingLink(
			makeJpeg(64, 80, { noise: 40, seed: 1 }),
			makeJpeg(64, 80, { noise: 40, seed: 9 }),
		);
		try {
			const run = await verifyWith(env.sandbox, {
				niks: [],
				items: [
					{ json: { nik: SANDBOX_NIKS.match, selfieUrl: link.url } },
					{ json: { nik: SANDBOX_NIKS.noMatch, selfieUrl: `${host.url}/images/face.jpg` } },
				],
				parameters: { imageSource: 'url', imageUrl: '={{ $json.selfieUrl }}' },
				// More items than Concurrency: the check keeps digests, and the send pass downloads again.
				options: { concurrency: 1, allowPrivateAddresses: true },
				settings: STOP_ON_ERROR,
			});
			expect(run.run.status).toBe('error');
			expect(run.error?.message).toMatch(/^\[item 0\] The image link served other bytes/);
			expect(run.error?.context).toMatchObject({
				errorType: 'image_download_failed',
				charged: false,
			});
			expect(env.biometricRequests()).toHaveLength(0);
		} finally {
			await link.close();
		}
	});
});
