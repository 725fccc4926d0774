/**
 * What a network failure says about money: refused before sending is free and retried; a
 * timeout or a cut after sending may have been charged, so it is "unknown" and never retried.
 */
import { describeNetworkError } from '../../nodes/KredibelBiometric/kredibel/transport';
import { shouldRetry } from '../../nodes/KredibelBiometric/common/retry';

/** How n8n hands a network failure over: an outer error whose cause carries Node's code. */
function wrapped(code: string | undefined, message = 'request failed'): Error {
	const cause = Object.assign(new Error(message), code === undefined ? {} : { code });
	return Object.assign(new Error(message), { cause });
}

describe('describeNetworkError', () => {
	it.each([
		['ECONNREFUSED', 'network_error', false, true],
		['ENOTFOUND', 'network_error', false, true],
		['EAI_AGAIN', 'network_error', false, true],
		// Also seen on a kept-alive connection already used for the request: may have been sent.
		['EHOSTUNREACH', 'network_error', 'unknown', false],
		['ENETUNREACH', 'network_error', 'unknown', false],
		['CERT_HAS_EXPIRED', 'network_error', false, false],
		['ERR_TLS_CERT_ALTNAME_INVALID', 'network_error', false, false],
		['ECONNABORTED', 'timeout', 'unknown', false],
		['ETIMEDOUT', 'timeout', 'unknown', false],
		['ERR_CANCELED', 'timeout', 'unknown', false],
		['ECONNRESET', 'network_error', 'unknown', false],
		['EPIPE', 'network_error', 'unknown', false],
		[undefined, 'network_error', 'unknown', false],
	])('%s is %s, charged %s, retryable %s', (code, errorType, charged, retryable) => {
		const failure = describeNetworkError(wrapped(code), 1000);
		expect(failure).toMatchObject({ errorType, charged, retryable });
		expect(shouldRetry(failure, 0, 5)).toBe(retryable);
	});

	it('reads "socket hang up" without a code as a cut after sending', () => {
		expect(describeNetworkError(new Error('socket hang up'), 1000)).toMatchObject({
			errorType: 'network_error',
			charged: 'unknown',
		});
	});

	it('tells the user to check the dashboard when the charge is unknown', () => {
		const failure = describeNetworkError(wrapped('ETIMEDOUT'), 1500);
		expect(failure.reason).toBe('Kredibel did not answer within 1500 ms');
		expect(failure.hint).toContain(
			'check the Kredibel dashboard before sending this applicant again',
		);
	});

	it('reports a stop of the execution as cancelled, charge unknown', () => {
		expect(describeNetworkError(wrapped('ERR_CANCELED'), 1000, true)).toMatchObject({
			errorType: 'cancelled',
			charged: 'unknown',
			retryable: false,
		});
	});

	it('cuts a long error message short', () => {
		const failure = describeNetworkError(new Error('x'.repeat(100_000)), 1000);
		expect(failure.reason.length).toBeLessThan(200);
	});
});
