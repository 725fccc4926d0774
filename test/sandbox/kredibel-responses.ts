/**
 * The bodies Kredibel answers with, as documented (see /work/shared/kredibel/): the sandbox's
 * three test NIKs, and the error envelopes. Kept in one place so that every code path of the
 * sandbox answers with exactly the same shapes.
 */
import { randomUUID } from 'node:crypto';

import {
	MIN_HUGE_BODY_BYTES,
	type ApiErrorType,
	type JsonValue,
	type ScoreOverrides,
} from './faults';

/** The NIKs Kredibel's sandbox documents. Any other 16-character identityId is "not valid". */
export const SANDBOX_NIKS = {
	/** valid, active, face match with similarity 1.0 */
	match: '1234567890123456',
	/** valid, active, face does not match (similarity 0.24) */
	noMatch: '1234567890111111',
	/** the page's own example of an identity that is not valid */
	invalid: '1234567890123444',
} as const;

/** Kredibel's "Max Size: 1MB", measured on the decoded image. */
export const MAX_IMAGE_BYTES = 1_048_576;

export const VERIFICATION_MESSAGE = 'Identity biometric verification succeeded.';

/** The descriptions of Kredibel's error table, used as the `message` of each envelope. */
export const API_ERROR_MESSAGES: Record<ApiErrorType, string> = {
	invalid_base64_encoding: 'Invalid base64 encoding.',
	image_too_large: 'Input image is greater than the maximum size allowed.',
	no_face_detected: 'No face was detected from the input image or the input image is blurry.',
	request_error: 'Cannot get response from Dukcapil server.',
};

/**
 * Kredibel's billing rule for an answer that reached the client: every 2XX (whatever its body:
 * Kredibel did the work) and the `no_face_detected` envelope. 3XX, 429, 5XX and the other 4XX
 * are free (of the error table only `no_face_detected` is charged). Answers that never reached the client (a `delay` the client gave up on,
 * `cutAfterRequest`) are charged as what the sandbox was about to send.
 */
export function isChargedAnswer(status: number, body: unknown): boolean {
	if (status >= 200 && status < 300) return true;
	return errorTypeOf(body) === 'no_face_detected';
}

function errorTypeOf(body: unknown): unknown {
	if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'errors')) return undefined;
	const errors = (body as { errors: unknown }).errors;
	if (typeof errors !== 'object' || errors === null || !Object.hasOwn(errors, 'errorType')) {
		return undefined;
	}
	return (errors as { errorType: unknown }).errorType;
}

export interface VerificationData {
	id: string;
	identityId: string;
	isValid: boolean;
	isActive: boolean;
	response: { face?: boolean; faceSimilarity?: number };
}

/** What Kredibel's sandbox says about each test NIK; any other NIK is not in the registry. */
const SANDBOX_VERDICTS: Record<string, Omit<VerificationData, 'id' | 'identityId'>> = {
	[SANDBOX_NIKS.match]: {
		isValid: true,
		isActive: true,
		response: { face: true, faceSimilarity: 1.0 },
	},
	[SANDBOX_NIKS.noMatch]: {
		isValid: true,
		isActive: true,
		response: { face: false, faceSimilarity: 0.24 },
	},
};
const NOT_IN_REGISTRY = { isValid: false, isActive: false, response: {} };

/** The sandbox's answer for a well-formed request, chosen by NIK like Kredibel's sandbox. */
export function verificationBody(identityId: string): { message: string; data: VerificationData } {
	const verdict = SANDBOX_VERDICTS[identityId] ?? NOT_IN_REGISTRY;
	return { message: VERIFICATION_MESSAGE, data: { id: randomUUID(), identityId, ...verdict } };
}

/**
 * A success answer about another person: the verdict Kredibel's sandbox gives `echoed`, under
 * `echoed`'s NIK, whatever NIK was sent. Echo the match NIK and a client that does not compare
 * the NIKs approves the wrong applicant.
 */
export function echoedVerificationBody(echoed: string) {
	return verificationBody(echoed);
}

/**
 * A success answer for the NIK sent with the verdict fields replaced by whatever a test gives
 * (a string "0.10", 24, -1, null...). The verdict of a valid NIK is the base, so that only the
 * replaced fields are odd; `isValid`/`isActive` sit in `data`, the face fields in `data.response`.
 */
export function scoredVerificationBody(identityId: string, overrides: ScoreOverrides) {
	const body = verificationBody(identityId);
	const valid = SANDBOX_VERDICTS[SANDBOX_NIKS.match];
	const data: Record<string, JsonValue | undefined> & { response: Record<string, JsonValue> } = {
		...body.data,
		isValid: valid.isValid,
		isActive: valid.isActive,
		response: { ...valid.response, faceSimilarity: overrides.faceSimilarity },
	};
	if (overrides.face !== undefined) data.response.face = overrides.face;
	if (overrides.isValid !== undefined) data.isValid = overrides.isValid;
	if (overrides.isActive !== undefined) data.isActive = overrides.isActive;
	return { message: body.message, data };
}

/** The body of a redirect: what a web server says when it moves a resource. */
export function redirectBody(location: string) {
	return { message: `Moved to ${location}.` };
}

/**
 * A body of exactly `bytes` bytes, made of repeated `chunk`s so that it can be streamed without
 * holding it in memory. Text: an HTML page that never ends; JSON: `{"message":"xxx…"}`, a valid
 * object without `data`.
 */
export function hugeBodyParts(bytes: number, format: 'text' | 'json') {
	if (bytes < MIN_HUGE_BODY_BYTES)
		throw new RangeError(`A huge body has at least ${MIN_HUGE_BODY_BYTES} bytes.`);
	const head = format === 'json' ? '{"message":"' : '<!DOCTYPE html><html><body>';
	const tail = format === 'json' ? '"}' : '</body></html>';
	const fill = format === 'json' ? 'x' : 'Bad Gateway. ';
	return { head, fill, fillBytes: bytes - head.length - tail.length, tail };
}

export function apiErrorBody(errorType: ApiErrorType) {
	return {
		errors: { errorId: randomUUID(), errorType },
		message: API_ERROR_MESSAGES[errorType],
	};
}

export function invalidApiKeyBody() {
	return { errors: { errorId: randomUUID() }, message: 'Invalid API key.' };
}

/** Field errors keyed by field, each a list of messages (marshmallow's format). */
export type FieldErrors = Record<string, string[]>;

export function validationErrorBody(errors: FieldErrors) {
	return { errors, message: 'Input payload validation failed.' };
}

export function creditBody(amount: number, updatedAt: number) {
	return { message: 'Billing Status', data: { amount, updatedAt } };
}

/** `{"message": ...}`: Kredibel's envelope for failures that carry no errorId. */
export function messageBody(message: string) {
	return { message };
}

export const MESSAGES = {
	notFound: 'Not found.',
	methodNotAllowed: 'Method not allowed.',
	tooLarge: 'Request entity too large.',
	tooManyRequests: 'Too many requests.',
	serverError: 'Internal server error.',
} as const;

/**
 * What a proxy in front of an API typically sends when it breaks: HTML, with a 200 status in the
 * worst case. A client must not take it for JSON.
 */
export const MALFORMED_BODY =
	'<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>' +
	'<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n';
