/**
 * The only code that talks to Kredibel (the image download in image/imageDownload.ts is the only
 * other HTTP the node makes, and it never carries the credential). One attempt, no retries (see
 * common/retry.ts): the API key is added by the credential's `authenticate`, never here, and
 * nothing from the HTTP client's error objects (which carry request headers) is passed on.
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import type { HttpReply } from './apiResponse';
import { cutText, type Failure, findCode, networkFailureKind, type SendRequest } from '../common';

export const CREDENTIAL_NAME = 'kredibelApi';
export const BIOMETRIC_PATH = '/v1/identity/verification/biometric';

interface BiometricRequestBody extends IDataObject {
	identityId: string;
	faceImage: string;
}

type PostOutcome = { ok: true; reply: HttpReply } | { ok: false; failure: Failure };

/** `send`: n8n's authenticated request helper with the Kredibel credential (n8nCompat.ts). */
export async function postBiometric(
	send: SendRequest,
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
		const reply = (await send(request)) as {
			statusCode: number;
			headers?: Record<string, unknown>;
			body: unknown;
		};
		return {
			ok: true,
			reply: { statusCode: reply.statusCode, headers: reply.headers ?? {}, body: reply.body },
		};
	} catch (error) {
		// Only a code and a message are read from the error: it also holds the request headers.
		return { ok: false, failure: describeNetworkError(error, timeoutMs, isCancelled()) };
	}
}

const CHECK_DASHBOARD_HINT =
	'Kredibel may have received and charged this request: check the Kredibel dashboard before sending this applicant again. The node does not retry it, so it is never paid twice.';

export function describeNetworkError(
	error: unknown,
	timeoutMs: number,
	executionCancelled = false,
): Failure {
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
	const kind = networkFailureKind(error);
	const said = cutText(findCode(error) ?? messageOf(error));
	if (kind === 'refused' || kind === 'nameNotFound' || kind === 'noLocalAddress') {
		return {
			...common,
			errorType: 'network_error',
			reason: `Could not reach Kredibel (${said}); nothing was sent, so it is not charged`,
			hint: 'Check the Environment / Base URL of the Kredibel API credential and the network between n8n and Kredibel.',
			charged: false,
			retryable: true,
		};
	}
	if (kind === 'certificate' || kind === 'invalidUrl') {
		// The address or the TLS handshake is wrong: nothing was sent, and again would fail the same way.
		return {
			...common,
			errorType: 'network_error',
			reason: `The request to Kredibel could not be made (${said}); nothing was sent, so it is not charged`,
			hint: "Check the Base URL of the Kredibel API credential and the server's certificate (or the proxy between n8n and Kredibel).",
			charged: false,
		};
	}
	if (kind === 'timeout') {
		// An abort is only a cancellation when the execution itself was stopped (above): n8n 2.x
		// also ends slow requests through an AbortSignal.
		return {
			...common,
			errorType: 'timeout',
			reason: `Kredibel did not answer within ${timeoutMs} ms`,
			hint: `Raise the Timeout option: Kredibel waits for the civil registry, which can be slow. ${CHECK_DASHBOARD_HINT}`,
			charged: 'unknown',
		};
	}
	// Unreachable, reset, TLS after the handshake, anything else: the request may have left.
	return {
		...common,
		errorType: 'network_error',
		reason: `The connection to Kredibel was lost after the request was sent (${said})`,
		hint: CHECK_DASHBOARD_HINT,
		charged: 'unknown',
	};
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
