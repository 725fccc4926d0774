/**
 * Reads Kredibel's answer: the success envelope, or one of its documented error envelopes
 * (`{message}`, `{errors: {errorId}}`, `{errors: {errorId, errorType}}`, and validation errors
 * keyed by field), mapped to a Failure with a message users can act on. Reading never throws:
 * a 2XX was processed and may have been charged, so whatever its body, it ends as an answer to
 * remember (a verdict or `invalid_response`, charged), never as a free error to pay again.
 */
import type { IDataObject } from 'n8n-workflow';

import { type ApiErrorType, cutText, type Failure, quoteValue } from '../common';
import { boundedRaw } from './rawAnswer';

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

type ReadReply =
	| { ok: true; data: BiometricData; raw: IDataObject }
	| { ok: false; failure: Failure; raw?: IDataObject };

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

/**
 * Reads one HTTP answer for the NIK that was sent. Anything that is not exactly what Kredibel
 * documents fails the item: a verdict is only ever read from the documented shape.
 */
export function readReply(reply: HttpReply, sentNik: string): ReadReply {
	try {
		return readAnswer(reply, sentNik);
	} catch {
		// Nothing a body holds may turn a processed call into a thrown error (a free item).
		return {
			ok: false,
			failure: invalidResponse(reply.statusCode, 'an answer the node could not read'),
		};
	}
}

function readAnswer(reply: HttpReply, sentNik: string): ReadReply {
	const { statusCode } = reply;
	if (statusCode >= 300 && statusCode < 400) {
		return { ok: false, failure: redirected(statusCode, reply.headers) };
	}
	const parsed = parseBody(reply.body);
	if (statusCode >= 200 && statusCode < 300) {
		if (parsed === undefined) {
			return {
				ok: false,
				failure: invalidResponse(statusCode, 'a body that is not a JSON object'),
			};
		}
		const data = readSuccessData(parsed, sentNik);
		const raw = boundedRaw(parsed);
		if (!data.ok) return { ok: false, failure: invalidResponse(statusCode, data.problem), raw };
		return { ok: true, data: data.value, raw };
	}
	const failure = readFailure(statusCode, reply.headers, parsed);
	return { ok: false, failure, raw: parsed === undefined ? undefined : boundedRaw(parsed) };
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

/** Absent and null both mean "Kredibel did not say". */
function isAbsent(value: unknown): value is null | undefined {
	return value === undefined || value === null;
}

type SuccessRead = { ok: true; value: BiometricData } | { ok: false; problem: string };

/**
 * The documented success answer, checked field by field. A value of the wrong type is never
 * coerced or dropped: a string score, a 0-100 scale or a NIK other than the one sent would
 * otherwise turn into a verdict nobody gave.
 */
function readSuccessData(body: IDataObject, sentNik: string): SuccessRead {
	const data = body.data;
	if (!isObject(data)) return { ok: false, problem: 'JSON without the documented data block' };
	if (typeof data.isValid !== 'boolean') {
		return { ok: false, problem: `isValid ${describeType(data.isValid)} instead of true or false` };
	}
	if (data.isValid && typeof data.isActive !== 'boolean') {
		return {
			ok: false,
			problem: `isActive ${describeType(data.isActive)} instead of true or false`,
		};
	}
	if (!isAbsent(data.identityId) && data.identityId !== sentNik) {
		return { ok: false, problem: 'an identityId other than the NIK that was sent' };
	}
	if (!isAbsent(data.response) && !isObject(data.response)) {
		return { ok: false, problem: `a response block ${describeType(data.response)}` };
	}
	const response = isObject(data.response) ? data.response : {};
	if (!isAbsent(response.face) && typeof response.face !== 'boolean') {
		return { ok: false, problem: `face ${describeType(response.face)} instead of true or false` };
	}
	const similarity = response.faceSimilarity;
	if (!isAbsent(similarity) && !isSimilarity(similarity)) {
		return {
			ok: false,
			problem: `faceSimilarity ${describeType(similarity)} instead of a number from 0 to 1`,
		};
	}
	return {
		ok: true,
		value: {
			id: typeof data.id === 'string' ? cutText(data.id, MAX_API_TEXT) : null,
			identityId: sentNik,
			isValid: data.isValid,
			isActive: data.isActive === true,
			face: isAbsent(response.face) ? null : (response.face as boolean),
			faceSimilarity: isAbsent(similarity) ? null : similarity,
			message: typeof body.message === 'string' ? cutText(body.message, MAX_API_TEXT) : null,
		},
	};
}

function isSimilarity(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/** "being the text "0.10"", "being 24": what the field held, short, for the message. */
function describeType(value: unknown): string {
	if (value === undefined) return 'missing';
	if (typeof value === 'string') return `being the text ${quoteValue(value)}`;
	return `being ${quoteValue(value)}`;
}

/** Kredibel's own texts are kept, but a hostile or broken answer cannot make them huge. */
const MAX_API_TEXT = 300;

function invalidResponse(statusCode: number, what: string): Failure {
	const answeredOk = statusCode >= 200 && statusCode < 300;
	return {
		errorType: 'invalid_response',
		reason: `Kredibel answered HTTP ${statusCode} with ${what}`,
		hint: answeredOk
			? 'It is treated as an error, not a verdict. Check that the credential points at the Kredibel API root (Environment / Base URL), not a web page or proxy. Kredibel may have processed and charged it: check the dashboard before sending it again.'
			: 'It is treated as an error, not a verdict. Check that the credential points at the Kredibel API root (Environment / Base URL), not a web page or proxy.',
		// A 2XX answer means Kredibel (or something in its place) processed the call.
		charged: answeredOk,
		fromApi: true,
		httpCode: statusCode,
		// A 2XX that cannot be read was processed: sending it again would pay again.
		retryable: false,
	};
}

/**
 * Following a redirect would send the API key, the NIK and the selfie to whatever address the
 * answer names, and take that address's answer as the verdict.
 */
function redirected(statusCode: number, headers: Record<string, unknown>): Failure {
	const location = typeof headers.location === 'string' ? headers.location : undefined;
	return {
		errorType: 'invalid_response',
		reason: `Kredibel's address answered with a redirect (HTTP ${statusCode})${location ? ` to ${quoteValue(location, 80)}` : ''}; redirects are not followed, so the API key, NIK and selfie go only to the configured host`,
		hint: 'Set the Environment / Base URL of the Kredibel API credential to the address the API really answers at (for example https:// instead of http://).',
		charged: false,
		fromApi: true,
		httpCode: statusCode,
		retryable: false,
	};
}

function readFailure(
	statusCode: number,
	headers: Record<string, unknown>,
	body: IDataObject | undefined,
): Failure {
	const errors = body && isObject(body.errors) ? body.errors : undefined;
	const apiMessage =
		typeof body?.message === 'string' ? cutText(body.message, MAX_API_TEXT) : undefined;
	const errorId =
		typeof errors?.errorId === 'string' ? cutText(errors.errorId, MAX_API_TEXT) : undefined;
	const kredibelType = typeof errors?.errorType === 'string' ? errors.errorType : undefined;
	const base = { charged: false, fromApi: true, httpCode: statusCode, errorId, apiMessage };
	const said = apiMessage ? ` Kredibel said: "${apiMessage}".` : '';

	if (kredibelType !== undefined) {
		// Own properties only: "__proto__" or "toString" must not find Object's.
		const known = Object.hasOwn(KREDIBEL_ERRORS, kredibelType)
			? KREDIBEL_ERRORS[kredibelType]
			: undefined;
		return {
			...base,
			errorType: (known ? kredibelType : 'api_error') as ApiErrorType,
			reason: known
				? known.reason
				: `Kredibel answered HTTP ${statusCode} with error type ${quoteValue(kredibelType)}`,
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

/** A broken or hostile answer may list thousands of fields: the message keeps the first few. */
const MAX_FIELDS = 10;
const MAX_MESSAGES_PER_FIELD = 5;

/**
 * Validation errors keyed by field. Only text is taken as a message: objects, arrays and other
 * values are named by kind, since turning them into text can throw (`{"toString": 1}`) or run on.
 */
function readFieldErrors(errors: IDataObject | undefined): Record<string, string[]> | undefined {
	if (!errors) return undefined;
	const entries = Object.entries(errors)
		.filter(([field]) => field !== 'errorId')
		.slice(0, MAX_FIELDS);
	if (entries.length === 0) return undefined;
	const fieldErrors: Record<string, string[]> = {};
	for (const [field, messages] of entries) {
		const list: unknown[] = Array.isArray(messages) ? messages : [messages];
		Object.defineProperty(fieldErrors, cutText(field), {
			value: list
				.slice(0, MAX_MESSAGES_PER_FIELD)
				.map((message) =>
					typeof message === 'string' ? cutText(message, MAX_API_TEXT) : quoteValue(message),
				),
			enumerable: true,
			writable: true,
			configurable: true,
		});
	}
	return fieldErrors;
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
