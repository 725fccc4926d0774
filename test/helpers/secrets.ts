/**
 * Everything a user could ever see of a run, as one string: items, error messages,
 * descriptions, contexts, stacks and causes. Tests search it for things that must never show
 * (the API key, a full NIK with Mask NIK on).
 */

/** The API key every test credential uses; no output, error or log may ever contain it. */
export const TEST_API_KEY = 'kb_test_SECRET-key-0123456789abcdef';

/** The key of a second Kredibel account on the same host, for tests that use two credentials. */
export const SECOND_TEST_API_KEY = 'kb_test_SECOND-account-key-fedcba9876543210';

export function visibleText(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, function (_key, inner: unknown) {
		if (inner instanceof Error) {
			const error = inner as Error & { description?: unknown; context?: unknown; cause?: unknown };
			return {
				...error,
				message: error.message,
				description: error.description,
				context: error.context,
				stack: error.stack,
				cause: error.cause,
			};
		}
		if (typeof inner === 'object' && inner !== null) {
			if (seen.has(inner)) return '[circular]';
			seen.add(inner);
		}
		return inner;
	});
}

export function assertNoSecret(value: unknown, secret?: string): void {
	const text = visibleText(value);
	for (const key of secret === undefined ? [TEST_API_KEY, SECOND_TEST_API_KEY] : [secret]) {
		const at = text.indexOf(key);
		if (at !== -1) {
			throw new Error(`API key found in what n8n keeps of the run: ...${text.slice(at - 300, at)}`);
		}
	}
}
