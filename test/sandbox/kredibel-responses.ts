/**
 * The bodies Kredibel answers with, as documented (see /work/shared/kredibel/): the sandbox's
 * three test NIKs, and the error envelopes. Kept in one place so that every code path of the
 * sandbox answers with exactly the same shapes.
 */
import { randomUUID } from 'node:crypto';

import type { ApiErrorType } from './faults';

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

/** Only `no_face_detected` is charged, per Kredibel's error table. */
export function isChargedError(errorType: ApiErrorType): boolean {
	return errorType === 'no_face_detected';
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
