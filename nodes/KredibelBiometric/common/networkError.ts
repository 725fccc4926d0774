/**
 * n8n wraps the HTTP client's error (in NodeApiError, in its own request errors), so what Node's
 * HTTP stack said is found a few `cause` links down. Only codes and names are read from these
 * errors: they also hold the request, headers included.
 */

/** The error and the errors it wraps, outermost first, at most a few levels deep. */
export function* causeChain(error: unknown): Generator<object> {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
		yield current;
		current = (current as { cause?: unknown }).cause;
	}
}

/** A code such as ECONNREFUSED or CERT_HAS_EXPIRED, never an HTTP status such as "404". */
const NAMED_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/**
 * The first network code (ECONNREFUSED, ETIMEDOUT, ...) in the chain. n8n 1.123's NodeApiError
 * keeps no cause: the HTTP client's code is only in its `httpCode` there.
 */
export function findCode(error: unknown): string | undefined {
	for (const link of causeChain(error)) {
		const { code, httpCode } = link as { code?: unknown; httpCode?: unknown };
		if (typeof code === 'string' && code !== '') return code;
		if (typeof httpCode === 'string' && NAMED_CODE.test(httpCode)) return httpCode;
	}
	return undefined;
}
