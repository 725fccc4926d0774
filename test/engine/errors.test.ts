/**
 * Kredibel's error envelopes and the node's local checks, as error items on n8n's error output:
 * the errorType, what it costs (`charged`), the attempts made, and a message that names the item
 * and the fix. Local checks cost nothing and send nothing.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { makeJpeg, makeLargeJpeg, NOT_ACCEPTED } from '../fixtures/images';
import type { JsonValue } from '../sandbox/faults';
import { SANDBOX_NIKS } from '../sandbox/server';
import type { InputItem } from './harness/testNodes';
import { useSandbox, verifyWith } from './harness/fixtures';

const env = useSandbox();
const ERROR_ID = '2a0c5a8e-7f43-4f8e-9d1e-1f0c2b3a4d5e';

async function failOnce(status: number, body: JsonValue | string): Promise<INodeExecutionData> {
	env.sandbox.addFault({
		fault:
			typeof body === 'string'
				? { kind: 'answer', status, body, contentType: 'text/html' }
				: { kind: 'answer', status, body },
	});
	const run = await verifyWith(env.sandbox, {
		niks: [SANDBOX_NIKS.match],
		options: { maxRetries: 0 },
	});
	expect(env.biometricRequests()).toHaveLength(1);
	return run.output('Error')[0];
}

describe("Kredibel's error envelopes", () => {
	// prettier-ignore
	it.each<[string, number, JsonValue | string, string, boolean | 'unknown', string | null, RegExp]>([
		['no_face_detected', 400, { errors: { errorId: ERROR_ID, errorType: 'no_face_detected' }, message: 'No face detected.' }, 'no_face_detected', true, ERROR_ID, /no face/i],
		['invalid_base64_encoding', 400, { errors: { errorId: ERROR_ID, errorType: 'invalid_base64_encoding' }, message: 'Invalid base64 encoding.' }, 'invalid_base64_encoding', false, ERROR_ID, /could not decode/],
		['image_too_large', 400, { errors: { errorId: ERROR_ID, errorType: 'image_too_large' }, message: 'Image too large.' }, 'image_too_large', false, ERROR_ID, /maximum size/],
		['request_error', 400, { errors: { errorId: ERROR_ID, errorType: 'request_error' }, message: 'Cannot get response from Dukcapil server.' }, 'request_error', false, ERROR_ID, /civil registry/],
		['unknown errorType', 400, { errors: { errorId: ERROR_ID, errorType: 'new_kind' }, message: 'Something new.' }, 'api_error', false, ERROR_ID, /new_kind/],
		['errorId only, 400', 400, { errors: { errorId: ERROR_ID }, message: 'Bad request.' }, 'api_error', false, ERROR_ID, /HTTP 400: Bad request/],
		['plain message, 404', 404, { message: 'Not found.' }, 'api_error', false, null, /HTTP 404/],
		['validation errors keyed by field', 400, { errors: { identityId: ['Length must be 16.'], extra: ['Unknown field.'] }, message: 'Input payload validation failed.' }, 'validation_error', false, null, /identityId: Length must be 16.; extra: Unknown field./],
		['401', 401, { message: 'Invalid API key.' }, 'unauthorized', false, null, /refused the API key/],
		['403 with errorId', 403, { errors: { errorId: ERROR_ID }, message: 'Forbidden.' }, 'unauthorized', false, ERROR_ID, /refused the API key/],
		['429', 429, { message: 'Too many requests.' }, 'rate_limited', false, null, /rate limiting/],
		['500', 500, { message: 'Internal server error.' }, 'server_error', false, null, /server error \(HTTP 500\)/],
		['200 that is not JSON', 200, '<html>Gateway</html>', 'invalid_response', true, null, /not a JSON object/],
		['200 without data', 200, { message: 'ok' }, 'invalid_response', true, null, /data/],
	])('%s', async (_name, status, body, errorType, charged, errorId, reason) => {
		const item = await failOnce(status, body);
		expect(item.json).toMatchObject({ errorType, charged, httpCode: status, errorId, identityId: SANDBOX_NIKS.match, attempts: 1 });
		expect(item.json.error).toMatch(/^\[item 0\] /);
		expect(item.json.error).toMatch(reason);
		expect(String(item.json.description).length).toBeGreaterThan(20);
	});

	it('keeps validation errors by field', async () => {
		const item = await failOnce(400, {
			errors: { identityId: ['Length must be 16.'] },
			message: 'Input payload validation failed.',
		});
		expect(item.json.fieldErrors).toEqual({ identityId: ['Length must be 16.'] });
		expect(item.json.apiMessage).toBe('Input payload validation failed.');
	});
});

describe('local checks fail before any request', () => {
	const withFile = (bytes: Buffer, mimeType = 'image/jpeg'): InputItem[] => [
		{ json: { nik: SANDBOX_NIKS.match }, binary: { data: { bytes, mimeType } } },
	];
	// prettier-ignore
	it.each<[string, INodeParameters, InputItem[], string, RegExp]>([
		['NIK of 15 digits', { identityId: '123456789012345' }, withFile(makeJpeg()), 'invalid_identity_id', /15 digits/],
		['NIK failing strict', { options: { nikValidation: 'strict' } }, withFile(makeJpeg()), 'invalid_identity_id', /birth month 90/],
		['GIF', {}, withFile(NOT_ACCEPTED.gif, 'image/gif'), 'unsupported_image_format', /GIF/],
		['PDF', {}, withFile(NOT_ACCEPTED.pdf, 'application/pdf'), 'unsupported_image_format', /PDF/],
		['truncated JPEG', {}, withFile(makeJpeg().subarray(0, 3)), 'unsupported_image_format', /truncated JPEG/],
		['too large', { options: { maxImageSizeKb: 100, preparePhoto: false } }, withFile(makeLargeJpeg(150 * 1024)), 'image_too_large', /above the 100 KB limit/],
		['no binary at all', {}, [{ json: { nik: SANDBOX_NIKS.match } }], 'missing_image', /no binary property "data"/],
		['broken base64', { imageSource: 'base64', base64Image: 'not base64 at all!' }, [{ json: { nik: SANDBOX_NIKS.match } }], 'invalid_base64_encoding', /not valid base64/],
		['threshold above 1 from an expression', { options: { similarityThreshold: '={{ 2 }}' } }, withFile(makeJpeg()), 'invalid_parameter', /Similarity Threshold must be a number from 0 to 1/],
		['an unknown Image Source', { imageSource: 'camera' }, withFile(makeJpeg()), 'invalid_parameter', /camera/],
	])('%s', async (_name, parameters, items, errorType, reason) => {
		const run = await verifyWith(env.sandbox, { niks: [], items, parameters });
		expect(env.biometricRequests()).toHaveLength(0);
		const [item] = run.output('Error');
		expect(item.json).toMatchObject({ errorType, charged: false, attempts: 0, httpCode: null, errorId: null });
		expect(item.json.error).toMatch(reason);
	});

	it('a missing binary property names the ones the item has', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [
				{
					json: { nik: SANDBOX_NIKS.match },
					binary: { photo: { bytes: makeJpeg() }, ktp: { bytes: makeJpeg() } },
				},
			],
		});
		expect(run.output('Error')[0].json.description).toMatch(/"photo", "ktp"/);
	});
});

describe('a binary input above the limit, in filesystem mode', () => {
	it.each([
		['above the 25 MB photo input limit (Prepare Photo on)', 26 * 1024 * 1024, {}],
		['above Max Image Size (Prepare Photo off)', 3 * 1024 * 1024, { preparePhoto: false }],
	] as const)(
		'%s: refused from its stored size, not read; nothing sent',
		async (_name, size, options) => {
			const bytes = Buffer.alloc(size, 0xff);
			const run = await verifyWith(env.sandbox, {
				niks: [],
				items: [{ json: { nik: SANDBOX_NIKS.match }, binary: { data: { bytes } } }],
				options,
			});
			const [failed] = run.output('Error');
			expect(failed.json).toMatchObject({ errorType: 'image_too_large', charged: false });
			expect(String(failed.json.error)).toMatch(
				new RegExp(`holds ${Math.round(size / 1024)} KB, .* so it was not read`),
			);
			expect(env.biometricRequests()).toHaveLength(0);
		},
	);
});
