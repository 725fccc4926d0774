import { NodeApiError, NodeOperationError, type INodeExecutionData } from 'n8n-workflow';

import { makeJpeg, makeLargeJpeg, NOT_ACCEPTED } from '../fixtures/images';
import {
	BinaryStore,
	jsonItem,
	runNode,
	sandboxResponder,
	TEST_API_KEY,
	type MockOptions,
	type Reply,
} from '../helpers/mockExecuteContext';

const MATCH_NIK = '1234567890123456';
const ERROR_ID = '2a0c5a8e-7f43-4f8e-9d1e-1f0c2b3a4d5e';

async function failOnce(reply: Reply | (() => never), overrides: Partial<MockOptions> = {}) {
	const store = new BinaryStore();
	const result = await runNode(
		{
			items: [jsonItem({}, { data: store.add(makeJpeg()) })],
			parameters: { identityId: MATCH_NIK, options: { maxRetries: 0 } },
			continueOnFail: true,
			respond: typeof reply === 'function' ? reply : () => reply,
			...overrides,
		},
		store,
	);
	if (!result.ok) throw result.error;
	return { item: result.outputs[0][0], requests: result.requests };
}

describe("Kredibel's error envelopes", () => {
	it.each([
		[
			'errorId + errorType no_face_detected',
			400,
			{
				errors: { errorId: ERROR_ID, errorType: 'no_face_detected' },
				message: 'No face detected.',
			},
			'no_face_detected',
			true,
			ERROR_ID,
			/no face/i,
		],
		[
			'errorId + errorType invalid_base64_encoding',
			400,
			{
				errors: { errorId: ERROR_ID, errorType: 'invalid_base64_encoding' },
				message: 'Invalid base64 encoding.',
			},
			'invalid_base64_encoding',
			false,
			ERROR_ID,
			/could not decode/,
		],
		[
			'errorId + errorType image_too_large',
			400,
			{ errors: { errorId: ERROR_ID, errorType: 'image_too_large' }, message: 'Image too large.' },
			'image_too_large',
			false,
			ERROR_ID,
			/maximum size/,
		],
		[
			'errorId + errorType request_error',
			400,
			{
				errors: { errorId: ERROR_ID, errorType: 'request_error' },
				message: 'Cannot get response from Dukcapil server.',
			},
			'request_error',
			false,
			ERROR_ID,
			/civil registry/,
		],
		[
			'unknown errorType',
			400,
			{ errors: { errorId: ERROR_ID, errorType: 'new_kind' }, message: 'Something new.' },
			'api_error',
			false,
			ERROR_ID,
			/new_kind/,
		],
		[
			'errorId only, 400',
			400,
			{ errors: { errorId: ERROR_ID }, message: 'Bad request.' },
			'api_error',
			false,
			ERROR_ID,
			/HTTP 400: Bad request/,
		],
		['plain message, 404', 404, { message: 'Not found.' }, 'api_error', false, null, /HTTP 404/],
		[
			'validation errors keyed by field',
			400,
			{
				errors: { identityId: ['Length must be 16.'], extra: ['Unknown field.'] },
				message: 'Input payload validation failed.',
			},
			'validation_error',
			false,
			null,
			/identityId: Length must be 16.; extra: Unknown field./,
		],
		[
			'401',
			401,
			{ message: 'Invalid API key.' },
			'unauthorized',
			false,
			null,
			/refused the API key/,
		],
		[
			'403 with errorId',
			403,
			{ errors: { errorId: ERROR_ID }, message: 'Forbidden.' },
			'unauthorized',
			false,
			ERROR_ID,
			/refused the API key/,
		],
		['429', 429, { message: 'Too many requests.' }, 'rate_limited', false, null, /rate limiting/],
		[
			'500',
			500,
			{ message: 'Internal server error.' },
			'server_error',
			false,
			null,
			/server error \(HTTP 500\)/,
		],
		['503 without a body', 503, '', 'server_error', false, null, /HTTP 503/],
		[
			'200 that is not JSON',
			200,
			'<html>Gateway</html>',
			'invalid_response',
			false,
			null,
			/not JSON/,
		],
		[
			'200 without data',
			200,
			{ message: 'ok' },
			'invalid_response',
			false,
			null,
			/without the documented data block/,
		],
	])('%s', async (_name, statusCode, body, errorType, charged, errorId, reason) => {
		const { item } = await failOnce({ statusCode, body });
		expect(item.json).toMatchObject({
			errorType,
			charged,
			httpCode: statusCode,
			errorId,
			identityId: MATCH_NIK,
			attempts: 1,
		});
		expect(item.json.error).toMatch(/^\[item 0\] /);
		expect(item.json.error).toMatch(reason);
		expect(String(item.json.description).length).toBeGreaterThan(20);
		expect(item.error).toBeInstanceOf(NodeApiError);
	});

	it('401 and 403 tell the user to check the key and the environment', async () => {
		for (const statusCode of [401, 403]) {
			const { item } = await failOnce({ statusCode, body: { message: 'Unauthorized.' } });
			expect(item.json.description).toMatch(/API Key/);
			expect(item.json.description).toMatch(/Environment/);
		}
	});

	it('keeps validation errors by field', async () => {
		const { item } = await failOnce({
			statusCode: 400,
			body: {
				errors: { identityId: ['Length must be 16.'] },
				message: 'Input payload validation failed.',
			},
		});
		expect(item.json.fieldErrors).toEqual({ identityId: ['Length must be 16.'] });
		expect(item.json.apiMessage).toBe('Input payload validation failed.');
	});

	it('network failures: the HTTP client error (which holds the headers) never reaches the output', async () => {
		const { item } = await failOnce(() => {
			const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
				code: 'ECONNREFUSED',
				config: { headers: { Authorization: `Bearer ${TEST_API_KEY}` } },
			});
			throw Object.assign(new Error('The service refused the connection'), { cause: error });
		});
		expect(item.json).toMatchObject({
			errorType: 'network_error',
			charged: false,
			httpCode: null,
			attempts: 1,
		});
		expect(item.json.error).toMatch(/ECONNREFUSED/);
	});

	it('a timeout of the HTTP client is reported as timeout with the limit', async () => {
		const { item } = await failOnce(
			() => {
				throw Object.assign(new Error('timeout of 500ms exceeded'), { code: 'ECONNABORTED' });
			},
			{ parameters: { identityId: MATCH_NIK, options: { maxRetries: 0, timeout: 500 } } },
		);
		expect(item.json).toMatchObject({ errorType: 'timeout', charged: false });
		expect(item.json.error).toMatch(/within 500 ms/);
	});
});

describe('local checks fail before any request', () => {
	const cases: Array<
		[
			string,
			Partial<MockOptions['parameters']>,
			(store: BinaryStore) => INodeExecutionData,
			string,
			RegExp,
		]
	> = [
		[
			'NIK of 15 digits',
			{ identityId: '123456789012345' },
			(s) => jsonItem({}, { data: s.add(makeJpeg()) }),
			'invalid_identity_id',
			/15 digits/,
		],
		[
			'NIK failing strict',
			{ identityId: MATCH_NIK, options: { nikValidation: 'strict' } },
			(s) => jsonItem({}, { data: s.add(makeJpeg()) }),
			'invalid_identity_id',
			/birth month 90/,
		],
		[
			'NIK that lost digits as a number',
			{ identityId: Number('9171011708450001') },
			(s) => jsonItem({}, { data: s.add(makeJpeg()) }),
			'invalid_identity_id',
			/too large to be exact/,
		],
		[
			'GIF',
			{},
			(s) => jsonItem({}, { data: s.add(NOT_ACCEPTED.gif, 'image/gif') }),
			'unsupported_image_format',
			/GIF/,
		],
		[
			'WebP',
			{},
			(s) => jsonItem({}, { data: s.add(NOT_ACCEPTED.webp, 'image/webp') }),
			'unsupported_image_format',
			/WebP/,
		],
		[
			'HEIC',
			{},
			(s) => jsonItem({}, { data: s.add(NOT_ACCEPTED.heic, 'image/heic') }),
			'unsupported_image_format',
			/HEIC/,
		],
		[
			'PDF',
			{},
			(s) => jsonItem({}, { data: s.add(NOT_ACCEPTED.pdf, 'application/pdf') }),
			'unsupported_image_format',
			/PDF/,
		],
		[
			'plain text',
			{},
			(s) => jsonItem({}, { data: s.add(NOT_ACCEPTED.text, 'text/plain') }),
			'unsupported_image_format',
			/not a JPEG/,
		],
		[
			'truncated JPEG',
			{},
			(s) => jsonItem({}, { data: s.add(makeJpeg().subarray(0, 3)) }),
			'unsupported_image_format',
			/truncated JPEG/,
		],
		[
			'empty binary',
			{},
			(s) => jsonItem({}, { data: s.add(Buffer.alloc(0)) }),
			'missing_image',
			/empty/,
		],
		[
			'too large',
			{ options: { maxImageSizeKb: 100 } },
			(s) => jsonItem({}, { data: s.add(makeLargeJpeg(150 * 1024)) }),
			'image_too_large',
			/above the 100 KB limit/,
		],
		[
			'no binary at all',
			{},
			() => jsonItem({ nik: MATCH_NIK }),
			'missing_image',
			/no binary property "data"/,
		],
		[
			'empty base64',
			{ imageSource: 'base64', base64Image: '' },
			() => jsonItem({}),
			'missing_image',
			/empty/,
		],
		[
			'broken base64',
			{ imageSource: 'base64', base64Image: 'not base64 at all!' },
			() => jsonItem({}),
			'invalid_base64_encoding',
			/not valid base64/,
		],
		[
			'threshold above 1 from an expression',
			{ options: { similarityThreshold: 2 } },
			(s) => jsonItem({}, { data: s.add(makeJpeg()) }),
			'invalid_parameter',
			/Similarity Threshold must be a number from 0 to 1/,
		],
	];

	it.each(cases)('%s', async (_name, parameters, makeItem, errorType, reason) => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [makeItem(store)],
				parameters: { identityId: MATCH_NIK, options: {}, ...parameters },
				continueOnFail: true,
				respond: sandboxResponder,
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(result.requests).toHaveLength(0);
		const [[item]] = result.outputs;
		expect(item.json).toMatchObject({
			errorType,
			charged: false,
			attempts: 0,
			httpCode: null,
			errorId: null,
		});
		expect(item.json.error).toMatch(reason);
		expect(item.error).toBeInstanceOf(NodeOperationError);
	});

	it('a missing binary property names the ones the item has', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { photo: store.add(makeJpeg()), ktp: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: {} },
				continueOnFail: true,
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(result.outputs[0][0].json.description).toMatch(/"photo", "ktp"/);
	});

	it('an image too large points to the Edit Image node', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeLargeJpeg(1100 * 1024)) })],
				parameters: { identityId: MATCH_NIK, options: {} },
				continueOnFail: true,
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(result.outputs[0][0].json).toMatchObject({ errorType: 'image_too_large' });
		expect(result.outputs[0][0].json.description).toMatch(/Edit Image/);
	});
});

describe('continue on fail', () => {
	const niks = [MATCH_NIK, '123', MATCH_NIK, '1234567890111111', '1234567890123444'];

	async function mixedRun(routeByResult: boolean) {
		const store = new BinaryStore();
		const items = [
			jsonItem({ case: 'good' }, { data: store.add(makeJpeg()) }),
			jsonItem({ case: 'bad NIK' }, { data: store.add(makeJpeg()) }),
			jsonItem({ case: 'GIF' }, { data: store.add(NOT_ACCEPTED.gif, 'image/gif') }),
			jsonItem({ case: 'API error' }, { data: store.add(makeJpeg()) }),
			jsonItem({ case: 'invalid identity' }, { data: store.add(makeJpeg()) }),
		];
		return runNode(
			{
				items,
				parameters: {
					identityId: (i: number) => niks[i],
					routeByResult,
					options: { maxRetries: 0 },
				},
				continueOnFail: true,
				respond: (request) =>
					request.body.identityId === '1234567890111111'
						? {
								statusCode: 400,
								body: {
									errors: { errorId: ERROR_ID, errorType: 'no_face_detected' },
									message: 'No face.',
								},
							}
						: sandboxResponder(request, 0),
			},
			store,
		);
	}

	it('N mixed items give N output items, each paired with its input', async () => {
		const result = await mixedRun(false);
		if (!result.ok) throw result.error;
		const [output] = result.outputs;
		expect(output.map((item) => item.pairedItem)).toEqual(niks.map((_, item) => ({ item })));
		expect(output.map((item) => item.json.result ?? item.json.errorType)).toEqual([
			'match',
			'invalid_identity_id',
			'unsupported_image_format',
			'no_face_detected',
			'identity_invalid',
		]);
		expect(result.requests.map((r) => r.body.identityId)).toEqual([
			MATCH_NIK,
			'1234567890111111',
			'1234567890123444',
		]);
	});

	it('failed items carry the error on the item, hidden from JSON, so n8n can route them', async () => {
		const result = await mixedRun(false);
		if (!result.ok) throw result.error;
		const failed = result.outputs[0][1];
		expect(failed.error).toBeInstanceOf(NodeOperationError);
		expect(Object.keys(failed)).not.toContain('error');
		expect(failed.json.error).toBe('[item 1] The NIK has 3 digits instead of 16');
		expect(failed.json.identityId).toBe('123');
		const success = result.outputs[0][0];
		expect(success.error).toBeUndefined();
		expect(success.json).not.toHaveProperty('error');
	});

	it('with "Continue (regular output)" the error stays off the item, so n8n keeps the JSON', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: '123', options: {} },
				continueOnFail: true,
				onError: 'continueRegularOutput',
			},
			store,
		);
		if (!result.ok) throw result.error;
		const [[item]] = result.outputs;
		// n8n replaces the JSON of any item that carries `error` with {error: message}.
		expect(item.error).toBeUndefined();
		expect(item.json).toMatchObject({
			errorType: 'invalid_identity_id',
			attempts: 0,
			charged: false,
		});
	});

	it('with Route by Result, failures leave by No Match and never by Match', async () => {
		const result = await mixedRun(true);
		if (!result.ok) throw result.error;
		const [match, noMatch, invalid] = result.outputs;
		expect(match.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(match.every((item) => item.json.result === 'match' && item.error === undefined)).toBe(
			true,
		);
		expect(noMatch.map((item) => [item.pairedItem, item.json.errorType])).toEqual([
			[{ item: 1 }, 'invalid_identity_id'],
			[{ item: 2 }, 'unsupported_image_format'],
			[{ item: 3 }, 'no_face_detected'],
		]);
		expect(invalid.map((item) => item.pairedItem)).toEqual([{ item: 4 }]);
	});

	it('a failure around the item loop fails every item instead of passing the input on', async () => {
		const store = new BinaryStore();
		const items = [
			jsonItem({}, { data: store.add(makeJpeg()) }),
			jsonItem({}, { data: store.add(makeJpeg()) }),
		];
		const { createContext } = await import('../helpers/mockExecuteContext');
		const { KredibelBiometric } = await import(
			'../../nodes/KredibelBiometric/KredibelBiometric.node'
		);
		const { context } = createContext(
			{
				items,
				parameters: { identityId: MATCH_NIK, routeByResult: true, options: {} },
				continueOnFail: true,
			},
			store,
		);
		(context.getCredentials as jest.Mock).mockRejectedValue(
			new Error('Node "Kredibel Biometric" does not have any credentials set'),
		);
		const outputs = await new KredibelBiometric().execute.call(context);
		expect(outputs[0]).toHaveLength(0);
		expect(outputs[2]).toHaveLength(0);
		expect(outputs[1].map((item) => [item.pairedItem, item.json.errorType])).toEqual([
			[{ item: 0 }, 'configuration_error'],
			[{ item: 1 }, 'configuration_error'],
		]);
		expect(outputs[1][0].error).toBeDefined();
	});
});

describe('without continue on fail', () => {
	it('the first failing item throws a NodeOperationError carrying its index', async () => {
		const store = new BinaryStore();
		const items = [0, 1, 2].map(() => jsonItem({}, { data: store.add(makeJpeg()) }));
		const niks = [MATCH_NIK, '12345', MATCH_NIK];
		const result = await runNode(
			{
				items,
				parameters: { identityId: (i: number) => niks[i], options: { concurrency: 1 } },
				respond: sandboxResponder,
			},
			store,
		);
		if (result.ok) throw new Error('expected the node to throw');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error.message).toBe('[item 1] The NIK has 5 digits instead of 16');
		expect(result.error.description).toMatch(/KTP/);
		expect(result.error.context).toMatchObject({ itemIndex: 1, errorType: 'invalid_identity_id' });
		// Sequential: nothing after the failing item was sent.
		expect(result.requests).toHaveLength(1);
	});

	it('an API failure throws a NodeApiError with the HTTP code, errorType and errorId', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: {} },
				respond: () => ({
					statusCode: 400,
					body: {
						errors: { errorId: ERROR_ID, errorType: 'no_face_detected' },
						message: 'No face.',
					},
				}),
			},
			store,
		);
		if (result.ok) throw new Error('expected the node to throw');
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect((result.error as NodeApiError).httpCode).toBe('400');
		expect(result.error.context).toMatchObject({
			itemIndex: 0,
			errorType: 'no_face_detected',
			errorId: ERROR_ID,
			charged: true,
			attempts: 1,
		});
	});

	it('a missing credential throws instead of producing items', async () => {
		const store = new BinaryStore();
		const { createContext } = await import('../helpers/mockExecuteContext');
		const { KredibelBiometric } = await import(
			'../../nodes/KredibelBiometric/KredibelBiometric.node'
		);
		const { context } = createContext(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: {} },
			},
			store,
		);
		(context.getCredentials as jest.Mock).mockRejectedValue(new Error('no credentials'));
		await expect(new KredibelBiometric().execute.call(context)).rejects.toThrow('no credentials');
	});
});

describe('masking reaches error items', () => {
	it('masks a valid NIK in API error items', async () => {
		const { item } = await failOnce(
			{ statusCode: 500, body: { message: 'boom' } },
			{ parameters: { identityId: MATCH_NIK, options: { maxRetries: 0, maskIdentityId: true } } },
		);
		expect(item.json.identityId).toBe('123456******3456');
		expect(JSON.stringify(item.json)).not.toContain(MATCH_NIK);
		expect((item.error as NodeApiError).context.identityId).toBe('123456******3456');
	});

	it('masks an invalid NIK in local error items', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: '12345678901234567', options: { maskIdentityId: true } },
				continueOnFail: true,
			},
			store,
		);
		if (!result.ok) throw result.error;
		expect(result.outputs[0][0].json.identityId).toBe('*****************');
	});
});
