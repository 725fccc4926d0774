/**
 * The one reading of network errors, shared by the two places that talk HTTP: the call to
 * Kredibel (kredibel/transport.ts) and the image download (image/imageDownload.ts). Each says in
 * its own words what a kind of failure means for it (charged or not, retried or not), but which
 * kind a failure is gets decided here, from one list of codes.
 *
 * n8n wraps the HTTP client's error (in NodeApiError, in its own request errors), so what Node's
 * HTTP stack said is found a few `cause` links down. Only codes, names and messages are read
 * from these errors: they also hold the request, headers included.
 */
import type { IHttpRequestOptions } from 'n8n-workflow';

/**
 * One HTTP request through n8n's helpers, as the node file hands it to the rooms (n8nCompat.ts
 * builds it); it rejects with the HTTP client's error, its network code in `code`.
 */
export type SendRequest = (request: IHttpRequestOptions) => Promise<unknown>;

/** The error and the errors it wraps, outermost first, at most a few levels deep. */
export function* causeChain(error: unknown): Generator<object> {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
		yield current;
		current = (current as { cause?: unknown }).cause;
	}
}

/** The first network code (ECONNREFUSED, ETIMEDOUT, ...) in the chain. */
export function findCode(error: unknown): string | undefined {
	for (const link of causeChain(error)) {
		const { code } = link as { code?: unknown };
		if (typeof code === 'string' && code !== '') return code;
	}
	return undefined;
}

/**
 * What went wrong on the network, as far as the error tells:
 * - `refused`, `nameNotFound`, `noLocalAddress`: no connection was made, so nothing was sent;
 * - `certificate`: the TLS handshake refused the server, so nothing was sent, and trying again
 *   fails the same way; `invalidUrl` likewise;
 * - `tlsSession`: TLS failed (ERR_SSL_...), which can also happen once the request is out;
 * - `timeout`: no answer in time (axios, undici, or n8n's AbortSignal ending a slow request);
 * - `unreachable`: no route to the host; a kept-alive connection that already carried a request
 *   can report it too, so it does not prove that nothing was sent;
 * - `connectionCut`: reset or broken pipe, possibly after the request was sent;
 * - `other`: anything else.
 */
export type NetworkFailureKind =
	| 'refused'
	| 'nameNotFound'
	| 'noLocalAddress'
	| 'certificate'
	| 'invalidUrl'
	| 'tlsSession'
	| 'timeout'
	| 'unreachable'
	| 'connectionCut'
	| 'other';

const KIND_BY_CODE: Record<string, NetworkFailureKind> = {
	ECONNREFUSED: 'refused',
	ENOTFOUND: 'nameNotFound',
	EAI_AGAIN: 'nameNotFound',
	EAI_FAIL: 'nameNotFound',
	EADDRNOTAVAIL: 'noLocalAddress',
	ERR_INVALID_URL: 'invalidUrl',
	ECONNABORTED: 'timeout',
	ETIMEDOUT: 'timeout',
	ESOCKETTIMEDOUT: 'timeout',
	UND_ERR_CONNECT_TIMEOUT: 'timeout',
	UND_ERR_HEADERS_TIMEOUT: 'timeout',
	UND_ERR_BODY_TIMEOUT: 'timeout',
	ERR_CANCELED: 'timeout',
	ABORT_ERR: 'timeout',
	EHOSTUNREACH: 'unreachable',
	ENETUNREACH: 'unreachable',
	ENETDOWN: 'unreachable',
	EHOSTDOWN: 'unreachable',
	ECONNRESET: 'connectionCut',
	EPIPE: 'connectionCut',
};

const CERTIFICATE_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;
const TIMEOUT_MESSAGE = /timeout|timed out|aborted|canceled/i;

/**
 * The kind of a network failure, by its code, or by its message where it has no code (some
 * timeouts and aborts come without one).
 */
export function networkFailureKind(error: unknown): NetworkFailureKind {
	const code = findCode(error);
	if (code !== undefined) {
		if (Object.hasOwn(KIND_BY_CODE, code)) return KIND_BY_CODE[code];
		if (CERTIFICATE_CODE.test(code)) return 'certificate';
		if (code.startsWith('ERR_SSL_')) return 'tlsSession';
	}
	const message = error instanceof Error ? error.message : String(error);
	return TIMEOUT_MESSAGE.test(message) ? 'timeout' : 'other';
}
