/**
 * The only code that talks HTTP. One attempt, no retries (see retry.ts): the API key is added
 * by the credential's `authenticate`, never here, and nothing from the HTTP client's error
 * objects (which carry request headers) is passed on.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { HttpReply } from './apiResponse';
import { cutText, type Failure, findCode } from '../common';

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
		// A redirect would carry the key, the NIK and the selfie to another address: it comes
		// back as a 3XX reply instead, and fails the item.
		disableFollowRedirect: true,
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

/**
 * Failures that happen before a single byte of the request leaves: nothing reached Kredibel,
 * so nothing was charged and another attempt is safe. EHOSTUNREACH and ENETUNREACH are not
 * among them: a kept-alive connection that already carried the request can report them too,
 * so they count as a cut after sending ("unknown", not retried).
 */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EAI_FAIL',
	'EADDRNOTAVAIL',
]);

/** The address or the TLS handshake is wrong: nothing was sent, and again would fail the same way. */
const NOT_SENT_FINAL_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_INVALID_URL)/;

const CHECK_DASHBOARD_HINT =
	'Kredibel may have received and charged this request: check the Kredibel dashboard before sending this applicant again. The node does not retry it, so it is never paid twice.';

export function describeNetworkError(
	error: unknown,
	timeoutMs: number,
	executionCancelled = false,
): Failure {
	const code = findCode(error);
	const message = messageOf(error);
	const common = { fromApi: true, retryable: false } as const;
	if (executionCancelled) {
		return {
			...common,
			errorType: 'cancelled',
			reason: 'The request was cancelled because the execution was stopped',
			hint: `Run the workflow again. ${CHECK_DASHBOARD_HINT}`,
			charged: 'unknown',
		};
	}
	if (code && NOT_SENT_CODES.has(code)) {
		return {
			...common,
			errorType: 'network_error',
			reason: `Could not reach Kredibel (${code}); nothing was sent, so it is not charged`,
			hint: 'Check the Environment / Base URL of the Kredibel API credential and the network between n8n and Kredibel.',
			charged: false,
			retryable: true,
		};
	}
	if (code && NOT_SENT_FINAL_CODE.test(code)) {
		return {
			...common,
			errorType: 'network_error',
			reason: `The request to Kredibel could not be made (${cutText(code)}); nothing was sent, so it is not charged`,
			hint: "Check the Base URL of the Kredibel API credential and the server's certificate (or the proxy between n8n and Kredibel).",
			charged: false,
		};
	}
	if ((code && TIMEOUT_CODES.has(code)) || /timeout|timed out|aborted|canceled/i.test(message)) {
		return {
			...common,
			errorType: 'timeout',
			reason: `Kredibel did not answer within ${timeoutMs} ms`,
			hint: `Raise the Timeout option: Kredibel waits for the civil registry, which can be slow. ${CHECK_DASHBOARD_HINT}`,
			charged: 'unknown',
		};
	}
	return {
		...common,
		errorType: 'network_error',
		reason: `The connection to Kredibel was lost after the request was sent (${cutText(code ?? message)})`,
		hint: CHECK_DASHBOARD_HINT,
		charged: 'unknown',
	};
}
