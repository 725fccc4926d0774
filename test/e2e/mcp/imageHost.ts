/**
 * Stand-in until test/fixtures/imageHost.ts (the shared image host, same interface) is on main:
 * serves registered images at /images/<name> on 127.0.0.1 and logs each request's headers.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImageHostRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
}

export interface ImageHost {
	url: string;
	requests: ImageHostRequest[];
	clearLog(): void;
	close(): Promise<void>;
}

export async function startImageHost(options: {
	images: Record<string, Buffer>;
}): Promise<ImageHost> {
	const requests: ImageHostRequest[] = [];
	const server = http.createServer((req, res) => {
		requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
		const name = /^\/images\/([^/]+)$/.exec(req.url ?? '')?.[1];
		const bytes = name === undefined ? undefined : options.images[name];
		if (!bytes) {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('Not found\n');
			return;
		}
		res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
		res.end(bytes);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		clearLog: () => void (requests.length = 0),
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
