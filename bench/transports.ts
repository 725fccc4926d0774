/**
 * How the bench context's `httpRequestWithAuthentication` answers: at once with the sandbox's
 * documented success body (to measure the node's own CPU work, with no network in it), or over
 * real HTTP on loopback with a keep-alive agent, as n8n's HTTP client keeps connections open.
 */
import http from 'node:http';

import type { IHttpRequestOptions } from 'n8n-workflow';

import { verificationBody } from '../test/sandbox/kredibel-responses';

/** What the node asks for (returnFullResponse): status, headers and the parsed body. */
export interface FullResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

export type Transport = (request: IHttpRequestOptions) => Promise<FullResponse>;

/**
 * The sandbox's answer for a matching NIK, made once: building it per call would add the same
 * cost to the node and the baseline and so make the ratio look better than it is.
 */
export function instantTransport(identityId: string): Transport {
	const reply: FullResponse = {
		statusCode: 200,
		headers: { 'content-type': 'application/json' },
		body: verificationBody(identityId),
	};
	return async () => reply;
}

export interface HttpTransport {
	transport: Transport;
	/** Closes the kept-alive sockets, so the process can exit. */
	close(): void;
}

export function httpTransport(): HttpTransport {
	// No socket limit: the node's own pool is what bounds requests in flight, as in n8n.
	const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
	const transport: Transport = (request) =>
		new Promise<FullResponse>((resolve, reject) => {
			const payload = Buffer.from(JSON.stringify(request.body));
			const outgoing = http.request(
				request.url,
				{
					method: request.method ?? 'GET',
					agent,
					timeout: request.timeout,
					headers: {
						...(request.headers as http.OutgoingHttpHeaders),
						'content-type': 'application/json',
						accept: 'application/json',
						'content-length': payload.length,
					},
				},
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('error', reject);
					response.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						let body: unknown = text;
						try {
							body = JSON.parse(text);
						} catch {
							// Not JSON: handed over as text, as n8n's client does.
						}
						resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body });
					});
				},
			);
			outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
			outgoing.on('error', reject);
			outgoing.end(payload);
		});
	return { transport, close: () => agent.destroy() };
}
