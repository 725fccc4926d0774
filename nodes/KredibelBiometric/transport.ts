/**
 * The only code that talks HTTP. One attempt, no retries (see retry.ts): the API key is added
 * by the credential's `authenticate`, never here, and nothing from the HTTP client's error
 * objects (which carry request headers) is passed on.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { HttpReply } from './apiResponse';
import type { Failure } from './failure';

export const CREDENTIAL_NAME = 'kredibelApi';
export const BIOMETRIC_PATH = '/v1/identity/verification/biometric';

export interface BiometricRequestBody extends IDataObject {
	identityId: string;
	faceImage: string;
}

export type PostOutcome = { ok: true; reply: HttpReply } | { ok: false; failure: Failure };

export async function postBiometric(
	context: IExecuteFunctions,
	baseUrl: string,
	body: BiometricRequestBody,
	timeoutMs: number,
	isCancelled: () => boolean,
): Promise<PostOutcome> {
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: `${baseUrl}${BIOMETRIC_PATH}`,
		body,
		json: true,
		timeout: timeoutMs,
		// Every status comes back as a reply, so Kredibel's error envelopes can be read.
		ignoreHttpStatusErrors: true,
		returnFullResponse: true,
	};
	try {
		const reply = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_NAME,
			request,
		)) as { statusCode: number; headers?: Record<string, unknown>; body: unknown };
		return {
			ok: true,
			reply: { statusCode: reply.statusCode, headers: reply.headers ?? {}, body: reply.body },
		};
	} catch (error) {
		// Only a code and a message are read from the error: it also holds the request headers.
		return { ok: false, failure: describeNetworkError(error, timeoutMs, isCancelled()) };
	}
}

/** Error codes of Node's HTTP stack, found on the error or on its `cause` (n8n wraps them). */
function findCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
		const { code } = current as { code?: unknown };
		if (typeof code === 'string' && code !== '') return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Timeouts surface as ECONNABORTED/ETIMEDOUT from axios, or as an abort (n8n 2.x ends slow
 * requests through an AbortSignal): an abort is only a cancellation when the execution itself
 * was stopped.
 */
const TIMEOUT_CODES = new Set([
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
	'ERR_CANCELED',
	'ABORT_ERR',
]);

export function describeNetworkError(
	error: unknown,
	timeoutMs: number,
	executionCancelled = false,
): Failure {
	const code = findCode(error);
	const message = messageOf(error);
	const common = { charged: false, fromApi: true } as const;
	if (executionCancelled) {
		return {
			...common,
			errorType: 'cancelled',
			reason: 'The request was cancelled because the execution was stopped',
			hint: 'Run the workflow again.',
			retryable: false,
		};
	}
	if ((code && TIMEOUT_CODES.has(code)) || /timeout|timed out|aborted|canceled/i.test(message)) {
		return {
			...common,
			errorType: 'timeout',
			reason: `Kredibel did not answer within ${timeoutMs} ms`,
			hint: 'Raise the Timeout option, or Max Retries; Kredibel waits for the civil registry, which can be slow.',
			retryable: true,
		};
	}
	return {
		...common,
		errorType: 'network_error',
		reason: `Could not reach Kredibel (${code ?? message})`,
		hint: 'Check the Environment / Base URL of the Kredibel API credential and the network between n8n and Kredibel.',
		retryable: true,
	};
}
