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

/** The first network code (ECONNREFUSED, ETIMEDOUT, ...) in the chain. */
export function findCode(error: unknown): string | undefined {
	for (const link of causeChain(error)) {
		const { code } = link as { code?: unknown };
		if (typeof code === 'string' && code !== '') return code;
	}
	return undefined;
}
