/**
 * Checks on the biometric request body, in the words Kredibel uses.
 *
 * Kredibel's validation messages ("Unknown field.", "Missing data for required field.",
 * "Length must be 16.") are marshmallow's, so this follows marshmallow's rules: all field errors
 * are reported together, lengths count characters, and a non-string is "Not a valid string.".
 * Where Kredibel's pages say nothing, the sandbox is strict rather than lenient, so that a client
 * that gets through here sends what Kredibel documents.
 */
import type { FieldErrors } from './kredibel-responses';

export type ParsedBody = { ok: true; value: unknown } | { ok: false };

export type PayloadCheck =
	| { ok: true; identityId: string; faceImage: string }
	| { ok: false; errors: FieldErrors };

const REQUIRED_FIELDS = ['identityId', 'faceImage'] as const;

export const IDENTITY_ID_LENGTH = 16;

export function parseJsonBody(body: Buffer): ParsedBody {
	try {
		return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
	} catch {
		return { ok: false };
	}
}

/** Field-level validation of an already parsed body; base64 and size come later. */
export function validateBiometricPayload(parsed: ParsedBody): PayloadCheck {
	// webargs' and marshmallow's keys for "not JSON at all" and "JSON but not an object".
	if (!parsed.ok) return { ok: false, errors: { json: ['Invalid JSON body.'] } };
	const body = parsed.value;
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		return { ok: false, errors: { _schema: ['Invalid input type.'] } };
	}

	const fields = body as Record<string, unknown>;
	const errors: FieldErrors = {};
	for (const key of Object.keys(fields)) {
		if (!(REQUIRED_FIELDS as readonly string[]).includes(key)) errors[key] = ['Unknown field.'];
	}
	for (const key of REQUIRED_FIELDS) {
		const problem = stringFieldProblem(fields[key], key in fields);
		if (problem) errors[key] = [problem];
	}
	const identityId = fields.identityId;
	if (!errors.identityId && [...(identityId as string)].length !== IDENTITY_ID_LENGTH) {
		errors.identityId = [`Length must be ${IDENTITY_ID_LENGTH}.`];
	}

	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, identityId: identityId as string, faceImage: fields.faceImage as string };
}

function stringFieldProblem(value: unknown, present: boolean): string | undefined {
	if (!present) return 'Missing data for required field.';
	if (value === null) return 'Field may not be null.';
	if (typeof value !== 'string') return 'Not a valid string.';
	return undefined;
}

/**
 * Decodes strict standard base64 (RFC 4648 section 4, padded), or returns null.
 *
 * Node's own decoder skips characters it does not know, so it would happily "decode" a data: URL
 * or a line-wrapped string; the node under test must strip those itself, and this is where the
 * sandbox notices when it does not. An empty string is refused too: there is no image in it.
 */
export function decodeStrictBase64(text: string): Buffer | null {
	if (text.length === 0 || text.length % 4 !== 0) return null;
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
	return Buffer.from(text, 'base64');
}
