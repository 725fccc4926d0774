/**
 * The workarounds for particular n8n versions (n8nCompat.ts), each against the shape that
 * version hands the node.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { describeNetworkError } from '../../nodes/KredibelBiometric/kredibel/transport';
import {
	authenticatedRequests,
	deduplicationHelpers,
	executionIdText,
	storedBinaryHelpers,
} from '../../nodes/KredibelBiometric/n8nCompat';

/** A context whose authenticated request helper rejects with `error`. */
function rejecting(error: unknown): IExecuteFunctions {
	return {
		helpers: { httpRequestWithAuthentication: async () => await Promise.reject(error) },
	} as unknown as IExecuteFunctions;
}

/** What the request helper handed over rejects with, through the node's wrapper. */
async function rejectionOf(error: unknown): Promise<unknown> {
	const send = authenticatedRequests(rejecting(error), 'kredibelApi');
	return await send({ url: 'https://kredibel.invalid/' }).then(
		() => undefined,
		(rejected: unknown) => rejected,
	);
}

describe("n8n 1.123's NodeApiError, which keeps the network code in httpCode and no cause", () => {
	it('is read as the network failure it is', async () => {
		const refused = Object.assign(new Error('The service refused the connection'), {
			httpCode: 'ECONNREFUSED',
		});
		const rejected = await rejectionOf(refused);
		expect((rejected as Error).message).toBe('The service refused the connection');
		expect(describeNetworkError(rejected, 1000)).toMatchObject({
			errorType: 'network_error',
			charged: false,
			retryable: true,
		});
	});

	it('an HTTP status in httpCode is not a network code: nothing says the request was not sent', async () => {
		const status = Object.assign(new Error('Bad gateway'), { httpCode: '502' });
		const rejected = await rejectionOf(status);
		expect(rejected).toBe(status);
		expect(describeNetworkError(rejected, 1000)).toMatchObject({ charged: 'unknown' });
	});
});

describe('helpers a context may lack', () => {
	const bare = { helpers: {} } as unknown as IExecuteFunctions;

	it('no deduplication store: undefined, so the node relies on its process memory', () => {
		expect(deduplicationHelpers(bare)).toBeUndefined();
		const halfStore = {
			helpers: { checkProcessedAndRecord: async () => ({ new: [], processed: [] }) },
		} as unknown as IExecuteFunctions;
		expect(deduplicationHelpers(halfStore)).toBeUndefined();
	});

	it('no binary stream or metadata helpers: both left out', () => {
		expect(storedBinaryHelpers(bare)).toEqual({
			getBinaryMetadata: undefined,
			getBinaryStream: undefined,
		});
	});

	it('no execution id: empty text', () => {
		expect(executionIdText(bare)).toBe('');
		const numbered = { getExecutionId: () => 42 } as unknown as IExecuteFunctions;
		expect(executionIdText(numbered)).toBe('42');
	});
});
