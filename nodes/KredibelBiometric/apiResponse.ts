/**
 * Reads Kredibel's answer: the success envelope, or one of its documented error envelopes
 * (`{message}`, `{errors: {errorId}}`, `{errors: {errorId, errorType}}`, and validation errors
 * keyed by field), mapped to a Failure with a message users can act on.
 */
import type { IDataObject } from 'n8n-workflow';

import type { ApiErrorType, Failure } from './failure';

export interface HttpReply {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

export interface BiometricData {
	id: string | null;
	identityId: string | null;
	isValid: boolean;
	isActive: boolean;
	face: boolean | null;
	faceSimilarity: number | null;
	message: string | null;
}

export type ReadReply =
	| { ok: true; data: BiometricData; raw: IDataObject }
	| { ok: false; failure: Failure; raw?: IDataObject };

/** Retry-After beyond this is not waited for: the item fails instead of stalling the workflow. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** What each of Kredibel's biometric error types means to the person running the workflow. */
const KREDIBEL_ERRORS: Record<string, { reason: string; hint: string; retryable: boolean }> = {
	invalid_base64_encoding: {
		reason: 'Kredibel could not decode the image (invalid base64 encoding)',
		hint: 'Send the image bytes through Image Source: Binary, or pass plain base64 without line breaks inside characters.',
		retryable: false,
	},
	image_too_large: {
		reason: 'Kredibel rejected the image as larger than its maximum size (1 MB)',
		hint: "Resize or recompress the photo first, e.g. with n8n's Edit Image node, and lower Max Image Size to match.",
		retryable: false,
	},
	no_face_detected: {
		reason:
			'Kredibel found no face in the image, or the image is too blurry (this call is charged)',
		hint: 'Ask the applicant for a new, sharp, well-lit selfie facing the camera. Retrying the same image is charged again.',
		retryable: false,
	},
	request_error: {
		reason:
			'Kredibel could not reach the civil registry (Dukcapil) for this NIK; it is not charged',
		hint: 'This is usually temporary: raise Max Retries, or run the item again later.',
		retryable: true,
	},
};

export function readReply(reply: HttpReply): ReadReply {
	const parsed = parseBody(reply.body);
	const { statusCode } = reply;
	if (statusCode >= 200 && statusCode < 300) {
		if (parsed === undefined)
			return { ok: false, failure: invalidResponse(statusCode, 'not JSON') };
		const data = readSuccessData(parsed);
		if (data === undefined) {
			return {
				ok: false,
				failure: invalidResponse(statusCode, 'JSON without the documented data block'),
				raw: parsed,
			};
		}
		return { ok: true, data, raw: parsed };
	}
	return { ok: false, failure: readFailure(statusCode, reply.headers, parsed), raw: parsed };
}

function parseBody(body: unknown): IDataObject | undefined {
	let value = body;
	if (Buffer.isBuffer(value)) value = value.toString('utf8');
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return undefined;
		}
	}
	return isObject(value) ? value : undefined;
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readSuccessData(body: IDataObject): BiometricData | undefined {
	const data = body.data;
	if (!isObject(data) || typeof data.isValid !== 'boolean') return undefined;
	const response = isObject(data.response) ? data.response : {};
	return {
		id: typeof data.id === 'string' ? data.id : null,
		identityId: typeof data.identityId === 'string' ? data.identityId : null,
		isValid: data.isValid,
		isActive: data.isActive === true,
		face: typeof response.face === 'boolean' ? response.face : null,
		faceSimilarity:
			typeof response.faceSimilarity === 'number' && Number.isFinite(response.faceSimilarity)
				? response.faceSimilarity
				: null,
		message: typeof body.message === 'string' ? body.message : null,
	};
}

function invalidResponse(statusCode: number, what: string): Failure {
	return {
		errorType: 'invalid_response',
		reason: `Kredibel answered HTTP ${statusCode} with ${what}`,
		hint: 'Check that the credential points at the Kredibel API root (Environment / Base URL), not a web page or proxy. It is not retried, since Kredibel may already have processed the request.',
		charged: false,
		fromApi: true,
		httpCode: statusCode,
		// A 2XX that cannot be read may already have been processed and charged: never resent.
		retryable: false,
	};
}

function readFailure(
	statusCode: number,
	headers: Record<string, unknown>,
	body: IDataObject | undefined,
): Failure {
	const errors = body && isObject(body.errors) ? body.errors : undefined;
	const apiMessage = typeof body?.message === 'string' ? body.message : undefined;
	const errorId = typeof errors?.errorId === 'string' ? errors.errorId : undefined;
	const kredibelType = typeof errors?.errorType === 'string' ? errors.errorType : undefined;
	const base = { charged: false, fromApi: true, httpCode: statusCode, errorId, apiMessage };
	const said = apiMessage ? ` Kredibel said: "${apiMessage}".` : '';

	if (kredibelType !== undefined) {
		const known = KREDIBEL_ERRORS[kredibelType];
		return {
			...base,
			errorType: (known ? kredibelType : 'api_error') as ApiErrorType,
			reason: known ? known.reason : `Kredibel answered with error type "${kredibelType}"`,
			hint: known ? known.hint : `Check Kredibel's documentation for this error type.${said}`,
			charged: kredibelType === 'no_face_detected',
			retryable: known?.retryable ?? false,
		};
	}
	if (statusCode === 401 || statusCode === 403) {
		return {
			...base,
			errorType: 'unauthorized',
			reason: `Kredibel refused the API key (HTTP ${statusCode})`,
			hint: 'Check the API Key in the Kredibel API credential, and that its Environment matches the key: sandbox keys only work on the sandbox, production keys only on production.',
			retryable: false,
		};
	}
	if (statusCode === 429) {
		return {
			...base,
			errorType: 'rate_limited',
			reason: 'Kredibel is rate limiting requests (HTTP 429)',
			hint: 'Lower Concurrency, raise Max Retries, or spread the batch over time.',
			retryable: true,
			retryAfterMs: parseRetryAfter(headers['retry-after']),
		};
	}
	if (statusCode >= 500) {
		return {
			...base,
			errorType: 'server_error',
			reason: `Kredibel had a server error (HTTP ${statusCode}); it is not charged`,
			hint: `This is usually temporary: raise Max Retries, or run the item again later.${said}`,
			retryable: true,
		};
	}
	const fieldErrors = readFieldErrors(errors);
	if (fieldErrors !== undefined) {
		const list = Object.entries(fieldErrors)
			.map(([field, messages]) => `${field}: ${messages.join(' ')}`)
			.join('; ');
		return {
			...base,
			errorType: 'validation_error',
			fieldErrors,
			reason: `Kredibel rejected the request payload (${list})`,
			hint: 'Check the NIK and image fields; if they look right, this version of the node may not match the API any more.',
			retryable: false,
		};
	}
	return {
		...base,
		errorType: 'api_error',
		reason: `Kredibel answered HTTP ${statusCode}${apiMessage ? `: ${apiMessage}` : ''}`,
		hint:
			statusCode === 404
				? 'Check the Environment and Base URL of the Kredibel API credential: the endpoint was not found there.'
				: 'Check the request data; the error is not retried because Kredibel rejected it as invalid.',
		retryable: false,
	};
}

function readFieldErrors(errors: IDataObject | undefined): Record<string, string[]> | undefined {
	if (!errors) return undefined;
	const entries = Object.entries(errors).filter(([field]) => field !== 'errorId');
	if (entries.length === 0) return undefined;
	return Object.fromEntries(
		entries.map(([field, messages]) => [
			field,
			Array.isArray(messages) ? messages.map(String) : [String(messages)],
		]),
	);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const trimmed = String(text).trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}
