/**
 * A loopback HTTP server that answers each biometric request with whatever a test scripts:
 * any status, headers and raw body (hostile envelopes, redirects, a wrong-NIK echo, scores out
 * of range), or a connection cut after the request arrived. The sandbox answers like Kredibel;
 * this one answers like a broken or hostile Kredibel, for the odd answers the sandbox has no
 * fault mode for. It logs every request it receives, so "nothing reached it" is checkable too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedRequest {
	method: string;
	path: string;
	authorization: string | undefined;
	/** From the JSON body, when there is one. */
	identityId?: string;
	faceImageLength?: number;
}

export type ScriptedAnswer =
	| { status: number; body: unknown; headers?: Record<string, string> }
	/** The raw text of the body, sent as it is (HTML, broken JSON, huge bodies). */
	| { status: number; text: string; contentType?: string; headers?: Record<string, string> }
	/** The connection is destroyed after the whole request was read: the client cannot know. */
	| { cut: true };

export interface ScriptedKredibel {
	readonly url: string;
	readonly requests: ScriptedRequest[];
	close(): Promise<void>;
}

export async function startScriptedKredibel(
	answer: (request: ScriptedRequest, index: number) => ScriptedAnswer,
): Promise<ScriptedKredibel> {
	const requests: ScriptedRequest[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const request: ScriptedRequest = {
				method: req.method ?? 'GET',
				path: req.url ?? '/',
				authorization: req.headers.authorization,
			};
			try {
				const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
				if (typeof body.identityId === 'string') request.identityId = body.identityId;
				if (typeof body.faceImage === 'string') request.faceImageLength = body.faceImage.length;
			} catch {
				// Not a JSON body: only the method and path are logged.
			}
			requests.push(request);
			const scripted = answer(request, requests.length - 1);
			if ('cut' in scripted) {
				res.socket?.destroy();
				return;
			}
			const headers = scripted.headers ?? {};
			if ('text' in scripted) {
				res.writeHead(scripted.status, {
					'content-type': scripted.contentType ?? 'text/html; charset=utf-8',
					...headers,
				});
				res.end(scripted.text);
			} else {
				res.writeHead(scripted.status, { 'content-type': 'application/json', ...headers });
				res.end(JSON.stringify(scripted.body));
			}
		});
	});
	await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Kredibel's success envelope around the given `data`. */
export function verificationAnswer(data: Record<string, unknown>): ScriptedAnswer {
	return {
		status: 200,
		body: { message: 'Identity biometric verification succeeded.', data },
	};
}

/** A clear match for the NIK sent, with the given fields changed. */
export function matchAnswer(
	request: ScriptedRequest,
	changes: Record<string, unknown> = {},
	response: Record<string, unknown> = { face: true, faceSimilarity: 0.99 },
): ScriptedAnswer {
	return verificationAnswer({
		id: '64d07984-81a8-4e79-ad16-a439f5885075',
		identityId: request.identityId,
		isValid: true,
		isActive: true,
		response,
		...changes,
	});
}
