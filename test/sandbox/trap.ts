/**
 * A second loopback server for the sandbox's `redirect` fault to point at: it records every
 * request it receives, so that a test can assert that a client sent nothing (no API key, no NIK,
 * no selfie) to where Kredibel's host redirected it. It answers like a perfect Kredibel match
 * for the NIK it was sent, so a client that did follow the redirect would also be caught
 * taking a stranger's answer as the verdict.
 *
 * It also records every TCP connection as it is accepted, before a byte is read, so a test can
 * show that a client did not even connect (a refusal "before any connection"), not only that no
 * whole request arrived.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { readBody, sendJson } from './http-io';
import { SANDBOX_NIKS, scoredVerificationBody } from './kredibel-responses';
import { parseJsonBody } from './payload';

export interface TrapRequest {
	method: string;
	/** The path with its query string, as sent. */
	url: string;
	headers: IncomingHttpHeaders;
	bodyBytes: number;
}

/** One accepted TCP connection: where it came from. */
export interface TrapConnection {
	remoteAddress: string;
	remotePort: number;
}

export interface Trap {
	/** `http://127.0.0.1:<port>`, no trailing slash. */
	readonly url: string;
	/** Copies of the requests received so far, in arrival order. */
	requests(): TrapRequest[];
	/** Copies of the TCP connections accepted so far, with or without a request on them. */
	connections(): TrapConnection[];
	close(): Promise<void>;
}

/** Only to see what a client would leak; bodies beyond this are counted, not kept. */
const MAX_KEPT_BODY_BYTES = 10 * 1024 * 1024;

export async function startTrap(): Promise<Trap> {
	const received: TrapRequest[] = [];
	const connected: TrapConnection[] = [];
	const server = http.createServer((req, res) => {
		const record: TrapRequest = {
			method: req.method ?? 'GET',
			url: req.url ?? '/',
			headers: { ...req.headers },
			bodyBytes: 0,
		};
		// Recorded on arrival: a client that hangs up mid-body has still reached the trap.
		received.push(record);
		readBody(req, MAX_KEPT_BODY_BYTES).then(
			(read) => {
				record.bodyBytes = read.tooLarge
					? Number(req.headers['content-length'] ?? MAX_KEPT_BODY_BYTES)
					: read.body.length;
				const parsed = read.tooLarge ? { ok: false as const } : parseJsonBody(read.body);
				const sent =
					parsed.ok && typeof parsed.value === 'object' && parsed.value !== null
						? (parsed.value as { identityId?: unknown }).identityId
						: undefined;
				const nik = typeof sent === 'string' ? sent : SANDBOX_NIKS.match;
				sendJson(res, 200, scoredVerificationBody(nik, { faceSimilarity: 1 }));
			},
			() => undefined, // the client went away mid-body: it is recorded, there is no one to answer
		);
	});
	server.on('connection', (socket) => {
		connected.push({
			remoteAddress: socket.remoteAddress ?? '',
			remotePort: socket.remotePort ?? 0,
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({ port: 0, host: '127.0.0.1' }, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	let closed: Promise<void> | undefined;
	return {
		url: `http://127.0.0.1:${port}`,
		requests: () => received.map((request) => ({ ...request, headers: { ...request.headers } })),
		connections: () => connected.map((connection) => ({ ...connection })),
		close() {
			closed ??= new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			});
			return closed;
		},
	};
}
