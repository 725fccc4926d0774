/**
 * One failed item, described the way users need it: what happened, how to fix it, and
 * whether Kredibel charged for it. Everything that fails (local checks, the API, the network)
 * ends up as a Failure, so the node has a single way to turn failures into errors and items.
 */

type LocalErrorType =
	| 'invalid_identity_id'
	| 'missing_image'
	| 'invalid_base64_encoding'
	| 'unsupported_image_format'
	| 'image_too_large'
	| 'image_download_failed'
	| 'duplicate_request';

export type ApiErrorType =
	| 'invalid_base64_encoding'
	| 'image_too_large'
	| 'no_face_detected'
	| 'request_error'
	| 'validation_error'
	| 'unauthorized'
	| 'rate_limited'
	| 'server_error'
	| 'api_error'
	| 'timeout'
	| 'network_error'
	| 'invalid_response';

export type ErrorType =
	| LocalErrorType
	| ApiErrorType
	| 'invalid_parameter'
	| 'cancelled'
	| 'configuration_error';

export type Charged = boolean | 'unknown';

export interface Failure {
	errorType: ErrorType;
	/** What happened, one sentence, no item prefix. */
	reason: string;
	/** How to fix it. */
	hint: string;
	/**
	 * Whether Kredibel counted the call: `true` when it said so or answered 2XX, `false` when the
	 * call certainly did not count, `"unknown"` when the request left and no answer came back.
	 */
	charged: Charged;
	/** True when the failure came from Kredibel or the network rather than a local check. */
	fromApi: boolean;
	httpCode?: number;
	errorId?: string;
	/** Kredibel's own message, kept as it was sent. */
	apiMessage?: string;
	/** Validation errors keyed by field, as Kredibel sends them. */
	fieldErrors?: Record<string, string[]>;
	/** Free and may pass next time: worth another attempt. */
	retryable: boolean;
	/** From a 429's Retry-After header. */
	retryAfterMs?: number;
}

export function localFailure(
	errorType: LocalErrorType | 'invalid_parameter' | 'configuration_error' | 'cancelled',
	reason: string,
	hint: string,
): Failure {
	return { errorType, reason, hint, charged: false, fromApi: false, retryable: false };
}
