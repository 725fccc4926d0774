/**
 * A selfie link that fails before it works, for the retry tests of Image Source: URL: a server on
 * 127.0.0.1 that answers its first `failures` requests with an error status (503 by default),
 * and every later one with a redirect to `target` (an image on the shared image host). It
 * counts its requests, so a test can show how often the node asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyLink {
	/** The address to give the node. */
	url: string;
	/** How many requests it received. */
	readonly hits: number;
	close(): Promise<void>;
}

export async function startFlakyLink(
	target: string,
	failures: number,
	status = 503,
): Promise<FlakyLink> {
	let hits = 0;
	const server = http.createServer((_req, res) => {
		hits++;
		if (hits <= failures) {
			res.writeHead(status, { 'content-type': 'text/plain' });
			res.end(`Status ${status} from the flaky link\n`);
			return;
		}
		res.writeHead(302, { location: target });
		res.end();
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/selfie.jpg`,
		get hits() {
			return hits;
		},
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			}),
	};
}
