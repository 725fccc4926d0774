/**
 * A responder for the mocked execution context that makes real HTTP requests on loopback,
 * failing the way n8n's HTTP client fails: timeouts as ECONNABORTED, resets as ECONNRESET,
 * both wrapped in an outer error (n8n wraps them in NodeApiError), bodies parsed as JSON when
 * they are JSON and left as text otherwise.
 */
import { request as httpRequest } from 'node:http';

import type { Reply, Responder } from './mockExecuteContext';

function wrapped(message: string, code: string): Error {
	const cause = Object.assign(new Error(message), { code });
	return Object.assign(new Error(message), { cause });
}

export const realHttpResponder: Responder = (recorded) =>
	new Promise<Reply>((resolve, reject) => {
		const { options, headers } = recorded;
		const payload = Buffer.from(JSON.stringify(options.body));
		const timeoutMs = options.timeout ?? 300_000;
		const req = httpRequest(
			options.url,
			{
				method: options.method,
				headers: {
					...headers,
					'content-type': 'application/json',
					accept: 'application/json',
					'content-length': String(payload.length),
				},
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () => {
					clearTimeout(timer);
					const text = Buffer.concat(chunks).toString('utf8');
					let body: unknown = text;
					try {
						body = JSON.parse(text);
					} catch {
						// Not JSON: n8n's client hands the text over as it is.
					}
					resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body });
				});
				res.on('error', (error) => reject(wrapped(error.message, 'ECONNRESET')));
			},
		);
		const timer = setTimeout(() => {
			req.destroy();
			reject(wrapped(`timeout of ${timeoutMs}ms exceeded`, 'ECONNABORTED'));
		}, timeoutMs);
		req.on('error', (error: Error & { code?: string }) => {
			clearTimeout(timer);
			reject(wrapped(error.message, error.code ?? 'ECONNRESET'));
		});
		req.end(payload);
	});
