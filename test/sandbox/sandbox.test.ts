/**
 * The sandbox's own tests, over real HTTP on loopback: if these pass, a node test that relies on
 * the sandbox is testing the node, not the sandbox.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';

import type { Fault } from './faults';
import {
	BIOMETRIC_PATH,
	chaosPlan,
	CREDIT_PATH,
	INITIAL_CREDIT,
	MAX_BODY_BYTES,
	MAX_IMAGE_BYTES,
	SANDBOX_API_KEY,
	SANDBOX_NIKS,
	startSandbox,
	type ChaosOptions,
	type Sandbox,
	type SerializedLogEntry,
} from './server';
import { startTrap, type Trap } from './trap';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The first bytes of a PNG: enough for the sandbox, which does not look at the pixels. */
const PNG = Buffer.from(
	'89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489',
	'hex',
);
const PNG_BASE64 = PNG.toString('base64');

interface Answer {
	status: number;
	headers: Headers;
	text: string;
	/** The parsed body, or undefined when it is not JSON. */
	json: unknown;
}

interface CallOptions {
	method?: string;
	/** The Bearer key; null sends no Authorization header. */
	key?: string | null;
	headers?: Record<string, string>;
	/** A string is sent as is; anything else as JSON. */
	body?: unknown;
	signal?: AbortSignal;
	base?: string;
	redirect?: 'follow' | 'manual' | 'error';
}

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox();
});

afterAll(async () => {
	await sandbox.close();
});

afterEach(() => {
	sandbox.reset();
	sandbox.setLatency(0);
});

async function call(pathname: string, options: CallOptions = {}): Promise<Answer> {
	const headers: Record<string, string> = { ...options.headers };
	const key = options.key === undefined ? SANDBOX_API_KEY : options.key;
	if (key !== null) headers.Authorization = `Bearer ${key}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
		headers['Content-Type'] ??= 'application/json';
	}
	const response = await fetch(`${options.base ?? sandbox.url}${pathname}`, {
		method: options.method ?? (body === undefined ? 'GET' : 'POST'),
		headers,
		body,
		signal: options.signal,
		redirect: options.redirect,
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

function verify(
	identityId: unknown = SANDBOX_NIKS.match,
	options: CallOptions = {},
	faceImage: unknown = PNG_BASE64,
): Promise<Answer> {
	return call(BIOMETRIC_PATH, { body: { identityId, faceImage }, ...options });
}

/** Like `verify`, but a dropped connection becomes `null` instead of a rejection. */
async function verifyOrNull(identityId: string = SANDBOX_NIKS.match): Promise<Answer | null> {
	try {
		return await verify(identityId);
	} catch {
		return null;
	}
}

function control(pathname: string, method = 'GET', body?: unknown): Promise<Answer> {
	return call(`/__sandbox${pathname}`, { method, body, key: null });
}

function errorsOf(answer: Answer): Record<string, unknown> {
	return (answer.json as { errors: Record<string, unknown> }).errors;
}

function expectApiError(answer: Answer, status: number, errorType: string, message: string): void {
	expect(answer.status).toBe(status);
	expect(answer.json).toEqual({
		errors: { errorId: expect.stringMatching(UUID), errorType },
		message,
	});
}

function expectValidationError(answer: Answer, errors: Record<string, string[]>): void {
	expect(answer.status).toBe(400);
	expect(answer.json).toEqual({ errors, message: 'Input payload validation failed.' });
}

function faultsSeen(target: Sandbox): (string | null)[] {
	return target.requests().map((entry) => entry.fault ?? null);
}

function labelOf(fault: Fault | null): string | null {
	if (!fault) return null;
	return fault.kind === 'error' ? fault.errorType : fault.kind;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('startSandbox', () => {
	it('listens on 127.0.0.1 and gives a base URL without a trailing slash', () => {
		expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(sandbox.apiKey).toBe('sandbox-test-key');
	});

	it('listens on the requested port', async () => {
		const probe = await startSandbox();
		const port = Number(new URL(probe.url).port);
		await probe.close();
		const fixed = await startSandbox({ port });
		try {
			expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
			expect((await call(CREDIT_PATH, { base: fixed.url })).status).toBe(200);
		} finally {
			await fixed.close();
		}
	});

	it('close() ends promptly even while a request waits out a long delay', async () => {
		const short = await startSandbox({ faults: [{ fault: { kind: 'delay', ms: 30_000 } }] });
		const pending = verify(SANDBOX_NIKS.match, { base: short.url });
		await waitFor(() => short.requests().length === 1);
		const started = Date.now();
		await short.close();
		expect(Date.now() - started).toBeLessThan(1000);
		await expect(pending).rejects.toThrow();
		expect(short.requests()[0]).toMatchObject({ status: null, fault: 'delay', charged: false });
	});
});

describe('biometric answers (Kredibel sandbox NIKs)', () => {
	it('1234567890123456 matches with similarity 1.0', async () => {
		const answer = await verify(SANDBOX_NIKS.match);
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('application/json');
		expect(answer.json).toEqual({
			message: 'Identity biometric verification succeeded.',
			data: {
				id: expect.stringMatching(UUID),
				identityId: '1234567890123456',
				isValid: true,
				isActive: true,
				response: { face: true, faceSimilarity: 1.0 },
			},
		});
	});

	it('1234567890111111 is valid and active but does not match (0.24)', async () => {
		const answer = await verify(SANDBOX_NIKS.noMatch);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			message: 'Identity biometric verification succeeded.',
			data: {
				id: expect.stringMatching(UUID),
				identityId: '1234567890111111',
				isValid: true,
				isActive: true,
				response: { face: false, faceSimilarity: 0.24 },
			},
		});
	});

	it.each(['1234567890123444', '3171011708450001', 'abcdefghijklmnop'])(
		'any other 16-character identityId (%s) is not valid, with an empty response',
		async (identityId) => {
			const answer = await verify(identityId);
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({
				message: 'Identity biometric verification succeeded.',
				data: {
					id: expect.stringMatching(UUID),
					identityId,
					isValid: false,
					isActive: false,
					response: {},
				},
			});
		},
	);

	it('gives every answer its own id', async () => {
		const first = (await verify()).json as { data: { id: string } };
		const second = (await verify()).json as { data: { id: string } };
		expect(first.data.id).not.toBe(second.data.id);
	});

	it('accepts any decodable bytes, not only JPEG/PNG/SVG (format checks are the node’s job)', async () => {
		const answer = await verify(
			SANDBOX_NIKS.match,
			{},
			Buffer.from('GIF89a...').toString('base64'),
		);
		expect(answer.status).toBe(200);
	});
});

describe('API key', () => {
	it.each([
		['no Authorization header', null, undefined],
		['a wrong key', 'not-the-key', undefined],
		['another scheme', null, { Authorization: `Basic ${SANDBOX_API_KEY}` }],
		['a bare key', null, { Authorization: SANDBOX_API_KEY }],
	])('answers 401 to %s', async (_case, key, headers) => {
		const answer = await verify(SANDBOX_NIKS.match, { key, headers });
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual({
			errors: { errorId: expect.stringMatching(UUID) },
			message: 'Invalid API key.',
		});
	});

	it('also guards GET /v1/billing/credit', async () => {
		const answer = await call(CREDIT_PATH, { key: 'wrong' });
		expect(answer.status).toBe(401);
		expect(answer.json).toMatchObject({ message: 'Invalid API key.' });
	});

	it('is checked before the payload', async () => {
		const answer = await call(BIOMETRIC_PATH, { key: null, body: 'not json' });
		expect(answer.status).toBe(401);
	});

	it('accepts the key given in the options, and only that one', async () => {
		const custom = await startSandbox({ apiKey: 'my-own-key' });
		try {
			expect(custom.apiKey).toBe('my-own-key');
			expect(
				(await verify(SANDBOX_NIKS.match, { base: custom.url, key: 'my-own-key' })).status,
			).toBe(200);
			expect((await verify(SANDBOX_NIKS.match, { base: custom.url })).status).toBe(401);
		} finally {
			await custom.close();
		}
	});
});

describe('payload validation (400, marshmallow style)', () => {
	it('rejects a body that is not JSON', async () => {
		const answer = await call(BIOMETRIC_PATH, { body: 'identityId=1234567890123456' });
		expectValidationError(answer, { json: ['Invalid JSON body.'] });
	});

	it('rejects JSON that is not an object', async () => {
		const answer = await call(BIOMETRIC_PATH, { body: [SANDBOX_NIKS.match, PNG_BASE64] });
		expectValidationError(answer, { _schema: ['Invalid input type.'] });
	});

	it('rejects unknown fields', async () => {
		const answer = await call(BIOMETRIC_PATH, {
			body: { identityId: SANDBOX_NIKS.match, faceImage: PNG_BASE64, threshold: 0.75 },
		});
		expectValidationError(answer, { threshold: ['Unknown field.'] });
	});

	it('reports every missing field at once', async () => {
		const answer = await call(BIOMETRIC_PATH, { body: {} });
		expectValidationError(answer, {
			identityId: ['Missing data for required field.'],
			faceImage: ['Missing data for required field.'],
		});
	});

	it.each(['123456789012345', '12345678901234567', ''])(
		'rejects identityId %p: not 16 characters',
		async (identityId) => {
			expectValidationError(await verify(identityId), { identityId: ['Length must be 16.'] });
		},
	);

	it('rejects an identityId sent as a number, and null fields', async () => {
		expectValidationError(await verify(1234567890123456), {
			identityId: ['Not a valid string.'],
		});
		expectValidationError(await verify(SANDBOX_NIKS.match, {}, null), {
			faceImage: ['Field may not be null.'],
		});
	});

	it('combines field errors of different kinds in one answer', async () => {
		const answer = await call(BIOMETRIC_PATH, { body: { identityId: '123', extra: true } });
		expectValidationError(answer, {
			identityId: ['Length must be 16.'],
			faceImage: ['Missing data for required field.'],
			extra: ['Unknown field.'],
		});
	});

	it('checks fields before base64', async () => {
		const answer = await call(BIOMETRIC_PATH, {
			body: { identityId: SANDBOX_NIKS.match, faceImage: '@@@', x: 1 },
		});
		expect(errorsOf(answer)).toEqual({ x: ['Unknown field.'] });
	});
});

describe('faceImage base64 and size', () => {
	it.each([
		['a data: URL', `data:image/png;base64,${PNG_BASE64}`],
		['line breaks', `${PNG_BASE64.slice(0, 20)}\n${PNG_BASE64.slice(20)}`],
		['spaces', `${PNG_BASE64.slice(0, 20)} ${PNG_BASE64.slice(20)}`],
		['the URL-safe alphabet', '-_-_'],
		['missing padding', 'aGVsbG8'],
		['padding in the middle', 'aG==bG8='],
		['garbage', 'not base64 at all!'],
		['an empty string', ''],
	])('refuses %s as invalid_base64_encoding, free of charge', async (_case, faceImage) => {
		const answer = await verify(SANDBOX_NIKS.match, {}, faceImage);
		expectApiError(answer, 400, 'invalid_base64_encoding', 'Invalid base64 encoding.');
		expect(sandbox.requests()[0].charged).toBe(false);
	});

	it.each([1, 2, 3, 4])('accepts padded standard base64 of %i byte(s)', async (length) => {
		const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00].slice(0, length));
		const answer = await verify(SANDBOX_NIKS.match, {}, bytes.toString('base64'));
		expect(answer.status).toBe(200);
		expect(sandbox.requests()[0].faceImage).toEqual(bytes);
	});

	it('accepts a decoded image of exactly 1 MiB', async () => {
		const image = Buffer.alloc(MAX_IMAGE_BYTES, 7);
		expect((await verify(SANDBOX_NIKS.match, {}, image.toString('base64'))).status).toBe(200);
	});

	it('refuses one byte more as image_too_large, free of charge', async () => {
		const image = Buffer.alloc(MAX_IMAGE_BYTES + 1, 7);
		const credit = sandbox.credit();
		const answer = await verify(SANDBOX_NIKS.match, {}, image.toString('base64'));
		expectApiError(
			answer,
			400,
			'image_too_large',
			'Input image is greater than the maximum size allowed.',
		);
		expect(sandbox.credit()).toBe(credit);
	});

	it('answers 413 to a body above 10 MiB, after the key check', async () => {
		const body = 'x'.repeat(MAX_BODY_BYTES + 1);
		const answer = await call(BIOMETRIC_PATH, { body });
		expect(answer.status).toBe(413);
		expect(answer.json).toEqual({ message: 'Request entity too large.' });
		expect((await call(BIOMETRIC_PATH, { body, key: 'wrong' })).status).toBe(401);
	});
});

describe('routing', () => {
	it('answers 404 to unknown paths', async () => {
		for (const pathname of ['/', '/v1/identity/verification/demography', `${BIOMETRIC_PATH}/`]) {
			const answer = await call(pathname, { method: 'POST', body: {} });
			expect(answer.status).toBe(404);
			expect(answer.json).toEqual({ message: 'Not found.' });
		}
	});

	it('answers 405 with Allow to the wrong method on a known path', async () => {
		const answer = await call(BIOMETRIC_PATH, { method: 'GET' });
		expect(answer.status).toBe(405);
		expect(answer.headers.get('allow')).toBe('POST');
		expect(answer.json).toEqual({ message: 'Method not allowed.' });
	});

	it('ignores the query string when routing and logs it', async () => {
		expect((await call(`${CREDIT_PATH}?key=abc`)).status).toBe(200);
		expect(sandbox.requests()[0]).toMatchObject({ path: CREDIT_PATH, query: '?key=abc' });
	});
});

describe('credit', () => {
	it('starts at 1,000,000 in a new sandbox', async () => {
		const fresh = await startSandbox();
		try {
			expect(INITIAL_CREDIT).toBe(1_000_000);
			expect(fresh.credit()).toBe(1_000_000);
			const answer = await call(CREDIT_PATH, { base: fresh.url });
			expect((answer.json as { data: { amount: number } }).data.amount).toBe(1_000_000);
		} finally {
			await fresh.close();
		}
	});

	it('reports the billing status', async () => {
		const before = Math.floor(Date.now() / 1000);
		const answer = await call(CREDIT_PATH);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			message: 'Billing Status',
			data: { amount: sandbox.credit(), updatedAt: expect.any(Number) },
		});
		const { updatedAt } = (answer.json as { data: { updatedAt: number } }).data;
		expect(Number.isInteger(updatedAt)).toBe(true);
		expect(updatedAt).toBeLessThanOrEqual(before + 1);
	});

	it('charges each verification and no_face_detected, and nothing else', async () => {
		const start = sandbox.credit();
		await verify(SANDBOX_NIKS.match); // charged
		await verify(SANDBOX_NIKS.noMatch); // charged
		await verify(SANDBOX_NIKS.invalid); // charged: the verification itself succeeded
		await verify('123'); // validation error
		await verify(SANDBOX_NIKS.match, {}, 'bad base64');
		await verify(SANDBOX_NIKS.match, { key: 'wrong' });
		await call(CREDIT_PATH);
		sandbox.addFault({ times: 1, fault: { kind: 'error', errorType: 'no_face_detected' } });
		sandbox.addFault({ times: 1, fault: { kind: 'error', errorType: 'request_error' } });
		sandbox.addFault({ times: 1, fault: { kind: 'status', status: 503 } });
		await verify(); // no_face_detected: charged
		await verify(); // request_error
		await verify(); // 503

		expect(sandbox.credit()).toBe(start - 4);
		expect(sandbox.requests().map((entry) => [entry.status, entry.charged])).toEqual([
			[200, true],
			[200, true],
			[200, true],
			[400, false],
			[400, false],
			[401, false],
			[200, false],
			[400, true],
			[400, false],
			[503, false],
		]);
		expect(sandbox.stats().chargedRequests).toBe(4);
		const answer = await call(CREDIT_PATH);
		expect((answer.json as { data: { amount: number } }).data.amount).toBe(start - 4);
	});
});

describe('fault rules', () => {
	it.each([
		['no_face_detected', 'No face was detected from the input image or the input image is blurry.'],
		['request_error', 'Cannot get response from Dukcapil server.'],
		['invalid_base64_encoding', 'Invalid base64 encoding.'],
		['image_too_large', 'Input image is greater than the maximum size allowed.'],
	] as const)('error %s answers 400 with the documented envelope', async (errorType, message) => {
		sandbox.addFault({ fault: { kind: 'error', errorType } });
		expectApiError(await verify(), 400, errorType, message);
		expect(sandbox.requests()[0].fault).toBe(errorType);
	});

	it('error faults take another status when given one', async () => {
		sandbox.addFault({ fault: { kind: 'error', errorType: 'request_error', status: 504 } });
		expectApiError(
			await verify(),
			504,
			'request_error',
			'Cannot get response from Dukcapil server.',
		);
	});

	it.each([500, 502, 503])(
		'status %i answers {"message":"Internal server error."}',
		async (status) => {
			sandbox.addFault({ fault: { kind: 'status', status } });
			const answer = await verify();
			expect(answer.status).toBe(status);
			expect(answer.json).toEqual({ message: 'Internal server error.' });
			expect(sandbox.requests()[0]).toMatchObject({ status, fault: 'status', charged: false });
		},
	);

	it('status faults below 500 carry the status text', async () => {
		sandbox.addFault({ fault: { kind: 'status', status: 403 } });
		expect((await verify()).json).toEqual({ message: 'Forbidden.' });
	});

	it.each([
		[2, '2'],
		['Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:28:00 GMT'],
	])('rateLimit answers 429 with Retry-After %p', async (retryAfter, header) => {
		sandbox.addFault({ fault: { kind: 'rateLimit', retryAfter } });
		const answer = await verify();
		expect(answer.status).toBe(429);
		expect(answer.headers.get('retry-after')).toBe(header);
		expect(answer.json).toEqual({ message: 'Too many requests.' });
	});

	it('delay waits, then answers normally (and charges)', async () => {
		sandbox.addFault({ fault: { kind: 'delay', ms: 150 } });
		const started = Date.now();
		const answer = await verify(SANDBOX_NIKS.noMatch);
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		expect(answer.status).toBe(200);
		expect((answer.json as { data: { identityId: string } }).data.identityId).toBe(
			SANDBOX_NIKS.noMatch,
		);
		expect(sandbox.requests()[0]).toMatchObject({ fault: 'delay', charged: true });
	});

	it('delay still validates the payload afterwards', async () => {
		sandbox.addFault({ fault: { kind: 'delay', ms: 10 } });
		expectValidationError(await verify('short'), { identityId: ['Length must be 16.'] });
	});

	it('delay beyond a client timeout: the client gives up, the sandbox still answers and charges', async () => {
		sandbox.addFault({ fault: { kind: 'delay', ms: 300 } });
		const start = sandbox.credit();
		await expect(verify(SANDBOX_NIKS.match, { signal: AbortSignal.timeout(50) })).rejects.toThrow(
			/aborted/i,
		);
		expect(sandbox.requests()[0]).toMatchObject({ status: null, endedAt: null });
		await waitFor(() => sandbox.requests()[0].status !== null);
		expect(sandbox.requests()[0]).toMatchObject({ status: 200, charged: true });
		expect(sandbox.credit()).toBe(start - 1);
	});

	it('reset reads the whole request, then drops the connection without processing it (free)', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'reset' } });
		const credit = sandbox.credit();
		await expect(verify()).rejects.toThrow('fetch failed');
		expect(sandbox.requests()[0]).toMatchObject({
			status: null,
			fault: 'reset',
			charged: false,
			// The body was read before the cut: the NIK and image are in the log.
			identityId: SANDBOX_NIKS.match,
			faceImage: PNG,
		});
		expect(sandbox.credit()).toBe(credit);
		expect((await verify()).status).toBe(200);
	});

	it('malformed answers 200 with an HTML page', async () => {
		sandbox.addFault({ fault: { kind: 'malformed' } });
		const answer = await verify();
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
		expect(answer.text).toMatch(/^<!DOCTYPE html>/);
		expect(answer.json).toBeUndefined();
		// Kredibel charges every 2XX, readable or not.
		expect(sandbox.requests()[0]).toMatchObject({
			status: 200,
			fault: 'malformed',
			charged: true,
		});
	});

	it('malformed can claim to be JSON and send a truncated body', async () => {
		sandbox.addFault({
			fault: { kind: 'malformed', contentType: 'application/json', body: '{"message":"Identity' },
		});
		const answer = await verify();
		expect(answer.headers.get('content-type')).toBe('application/json');
		expect(answer.text).toBe('{"message":"Identity');
		expect(answer.json).toBeUndefined();
	});

	it('wrongShape answers 200 JSON without data', async () => {
		sandbox.addFault({ fault: { kind: 'wrongShape' } });
		const answer = await verify();
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ message: 'Identity biometric verification succeeded.' });
		expect(sandbox.requests()[0].charged).toBe(true);
	});

	it('times limits a rule to that many matching requests, then it is gone', async () => {
		sandbox.addFault({ times: 2, fault: { kind: 'status', status: 503 } });
		expect(sandbox.faultRules()).toEqual([
			{ times: 2, remaining: 2, fault: { kind: 'status', status: 503 } },
		]);
		const statuses = [];
		for (let i = 0; i < 4; i++) statuses.push((await verify()).status);
		expect(statuses).toEqual([503, 503, 200, 200]);
		expect(sandbox.faultRules()).toEqual([]);
	});

	it('a rule without times applies to every matching request', async () => {
		sandbox.addFault({ fault: { kind: 'status', status: 502 } });
		const statuses = [];
		for (let i = 0; i < 3; i++) statuses.push((await verify()).status);
		expect(statuses).toEqual([502, 502, 502]);
		expect(sandbox.faultRules()[0].remaining).toBeNull();
	});

	it('match.identityId limits a rule to one NIK and other NIKs do not use it up', async () => {
		sandbox.addFault({
			match: { identityId: SANDBOX_NIKS.noMatch },
			times: 1,
			fault: { kind: 'error', errorType: 'no_face_detected' },
		});
		expect((await verify(SANDBOX_NIKS.match)).status).toBe(200);
		expect((await verify(SANDBOX_NIKS.invalid)).status).toBe(200);
		expect(errorsOf(await verify(SANDBOX_NIKS.noMatch))).toMatchObject({
			errorType: 'no_face_detected',
		});
		expect((await verify(SANDBOX_NIKS.noMatch)).status).toBe(200);
		expect(faultsSeen(sandbox)).toEqual([null, null, 'no_face_detected', null]);
	});

	it('the first matching rule with uses left wins, in order of addition', async () => {
		sandbox.addFault({
			match: { identityId: SANDBOX_NIKS.noMatch },
			fault: { kind: 'status', status: 500 },
		});
		sandbox.addFault({ times: 1, fault: { kind: 'status', status: 502 } });
		sandbox.addFault({ fault: { kind: 'status', status: 503 } });
		expect((await verify(SANDBOX_NIKS.noMatch)).status).toBe(500);
		expect((await verify(SANDBOX_NIKS.match)).status).toBe(502);
		expect((await verify(SANDBOX_NIKS.match)).status).toBe(503);
		expect((await verify(SANDBOX_NIKS.noMatch)).status).toBe(500);
	});

	it('applies after the key check, without using up the rule', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'status', status: 503 } });
		expect((await verify(SANDBOX_NIKS.match, { key: 'wrong' })).status).toBe(401);
		expect(sandbox.faultRules()[0].remaining).toBe(1);
		expect((await verify()).status).toBe(503);
	});

	it('applies to the biometric endpoint only', async () => {
		sandbox.addFault({ fault: { kind: 'status', status: 503 } });
		expect((await call(CREDIT_PATH)).status).toBe(200);
		expect(sandbox.faultRules()[0].remaining).toBeNull();
	});

	it('applies before payload validation, so it also hits a malformed request', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'status', status: 503 } });
		expect((await call(BIOMETRIC_PATH, { body: 'not json' })).status).toBe(503);
	});

	it('takes initial rules from the options', async () => {
		const faulty = await startSandbox({
			faults: [{ times: 1, fault: { kind: 'rateLimit', retryAfter: 1 } }],
		});
		try {
			expect((await verify(SANDBOX_NIKS.match, { base: faulty.url })).status).toBe(429);
			expect((await verify(SANDBOX_NIKS.match, { base: faulty.url })).status).toBe(200);
		} finally {
			await faulty.close();
		}
	});

	it('clearFaults removes every rule', async () => {
		sandbox.addFault({ fault: { kind: 'status', status: 503 } });
		sandbox.clearFaults();
		expect(sandbox.faultRules()).toEqual([]);
		expect((await verify()).status).toBe(200);
	});

	it.each([
		[{ fault: { kind: 'explode' } }, /kind must be one of/],
		[{ fault: { kind: 'status', status: 200 } }, /status must be an HTTP error status/],
		[{ fault: { kind: 'error', errorType: 'no_face' } }, /errorType must be one of/],
		[{ time: 1, fault: { kind: 'reset' } }, /unknown field\(s\) time/],
		[{ times: 0, fault: { kind: 'reset' } }, /times must be a positive integer/],
		[{ fault: { kind: 'delay', ms: -1 } }, /ms must be a number/],
		[{ fault: { kind: 'rateLimit', retryAfter: '' } }, /retryAfter must be/],
		[{ match: { identityId: 1 }, fault: { kind: 'reset' } }, /identityId must be a string/],
	])('refuses the invalid rule %j', (rule, message) => {
		expect(() => sandbox.addFault(rule as never)).toThrow(message);
		expect(sandbox.faultRules()).toEqual([]);
	});

	it('keeps its own copy of a rule', async () => {
		const rule = { times: 1, fault: { kind: 'status' as const, status: 503 } };
		sandbox.addFault(rule);
		rule.fault.status = 500;
		expect((await verify()).status).toBe(503);
	});
});

describe('odd answers: redirect', () => {
	let trap: Trap;
	beforeAll(async () => {
		trap = await startTrap();
	});
	afterAll(async () => {
		await trap.close();
	});

	it.each([301, 302, 303, 307, 308] as const)(
		'redirect %i answers with Location, charges nothing, and sends nothing to the trap by itself',
		async (status) => {
			const before = trap.requests().length;
			const location = `${trap.url}/v1/identity/verification/biometric`;
			sandbox.addFault({ fault: { kind: 'redirect', status, location } });
			const answer = await call(BIOMETRIC_PATH, {
				body: { identityId: SANDBOX_NIKS.match, faceImage: PNG_BASE64 },
				redirect: 'manual',
			});
			expect(answer.status).toBe(status);
			expect(answer.headers.get('location')).toBe(location);
			expect(answer.json).toEqual({ message: `Moved to ${location}.` });
			expect(sandbox.requests()[0]).toMatchObject({ status, fault: 'redirect', charged: false });
			expect(trap.requests()).toHaveLength(before);
		},
	);

	it('the trap records what a client that follows a 307 leaks, and lures it with a match', async () => {
		// What a client that keeps the header (the report) would also send.
		const leakedKey = await fetch(`${trap.url}/direct`, {
			headers: { Authorization: `Bearer ${SANDBOX_API_KEY}` },
		});
		expect(leakedKey.status).toBe(200);
		expect(trap.requests().at(-1)?.headers.authorization).toBe(`Bearer ${SANDBOX_API_KEY}`);
		const before = trap.requests().length;
		sandbox.addFault({
			fault: { kind: 'redirect', status: 307, location: `${trap.url}/stolen?x=1` },
		});
		const followed = await verify(SANDBOX_NIKS.noMatch);
		expect(followed.status).toBe(200);
		expect((followed.json as { data: unknown }).data).toMatchObject({
			identityId: SANDBOX_NIKS.noMatch,
			isValid: true,
			isActive: true,
			response: { face: true, faceSimilarity: 1 },
		});
		const leaked = trap.requests().slice(before);
		expect(leaked).toEqual([
			{
				method: 'POST',
				url: '/stolen?x=1',
				// fetch drops Authorization on a cross-origin redirect (the trap has its own port);
				// the NIK and the selfie go along all the same.
				headers: expect.not.objectContaining({ authorization: expect.anything() }),
				bodyBytes: JSON.stringify({ identityId: SANDBOX_NIKS.noMatch, faceImage: PNG_BASE64 })
					.length,
			},
		]);
	});

	it('a client that follows a 303 reaches the trap with a GET and no body', async () => {
		const before = trap.requests().length;
		sandbox.addFault({ fault: { kind: 'redirect', status: 303, location: `${trap.url}/x` } });
		await verify();
		expect(trap.requests().slice(before)).toMatchObject([
			{ method: 'GET', url: '/x', bodyBytes: 0 },
		]);
	});

	it('the trap keeps its own copies and is closed by close()', async () => {
		const own = await startTrap();
		await fetch(`${own.url}/a`);
		const list = own.requests();
		list[0].url = 'changed';
		expect(own.requests()[0].url).toBe('/a');
		await own.close();
		await expect(fetch(`${own.url}/b`)).rejects.toThrow('fetch failed');
		expect(own.requests()).toHaveLength(1);
	});

	it('the trap records a TCP connection on which no request was sent', async () => {
		const own = await startTrap();
		try {
			const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(own.url).port) });
			await new Promise<void>((resolve, reject) => {
				socket.once('connect', resolve).once('error', reject);
			});
			const from = socket.localPort;
			// The client's 'connect' can come before the server's accept: wait for it, not for a time.
			while (own.connections().length === 0) await new Promise((r) => setTimeout(r, 5));
			socket.destroy();
			expect(own.requests()).toEqual([]);
			expect(own.connections()).toEqual([{ remoteAddress: '127.0.0.1', remotePort: from }]);
		} finally {
			await own.close();
		}
	});
});

describe('odd answers: answer, echoNik, score, hugeBody, cutAfterRequest', () => {
	it.each([
		['a hostile field error list', 400, { errors: { identityId: [{ toString: 1 }] } }, false],
		[
			'errorType __proto__',
			400,
			{ errors: { errorId: 'x', errorType: '__proto__' }, message: 'constructor' },
			false,
		],
		['a JSON array with status 200', 200, [1, 'two', { three: 3 }], true],
		['a nested success shape', 200, { data: { data: { isValid: true } } }, true],
		[
			'a no_face_detected envelope (charged)',
			400,
			{ errors: { errorType: 'no_face_detected' } },
			true,
		],
		['a bare string', 500, 'oops', false],
		['null', 200, null, true],
	] as const)('answer sends %s exactly as given', async (_name, status, body, charged) => {
		sandbox.addFault({ fault: { kind: 'answer', status, body: body as never } });
		const answer = await verify();
		expect(answer.status).toBe(status);
		expect(answer.headers.get('content-type')).toBe('application/json');
		expect(answer.text).toBe(JSON.stringify(body));
		expect(sandbox.requests()[0]).toMatchObject({ status, fault: 'answer', charged });
	});

	it('answer keeps a "__proto__" key that arrived as JSON through the control API', async () => {
		const body =
			'{"errors":{"__proto__":{"errorType":"no_face_detected"},"errorType":"constructor"}}';
		const added = await call('/__sandbox/faults', {
			key: null,
			body: `{"fault":{"kind":"answer","status":400,"body":${body}}}`,
		});
		expect(added.status).toBe(201);
		const answer = await verify();
		expect(answer.text).toBe(body);
		expect(sandbox.requests()[0].charged).toBe(false);
	});

	it('answer with contentType sends a raw string, status 200 by default (charged)', async () => {
		sandbox.addFault({
			fault: { kind: 'answer', contentType: 'text/plain', body: '{"data": not json' },
		});
		const answer = await verify();
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('text/plain');
		expect(answer.text).toBe('{"data": not json');
		expect(sandbox.requests()[0].charged).toBe(true);
	});

	it('echoNik answers about another NIK: its verdict under its NIK (charged)', async () => {
		sandbox.addFault({ fault: { kind: 'echoNik', identityId: SANDBOX_NIKS.match } });
		const answer = await verify('3171000000000009');
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			message: 'Identity biometric verification succeeded.',
			data: {
				id: expect.stringMatching(UUID),
				identityId: SANDBOX_NIKS.match,
				isValid: true,
				isActive: true,
				response: { face: true, faceSimilarity: 1 },
			},
		});
		expect(sandbox.requests()[0]).toMatchObject({
			identityId: '3171000000000009',
			fault: 'echoNik',
			charged: true,
		});
	});

	it('echoNik still validates the payload first (a bad NIK gets the 400, free)', async () => {
		sandbox.addFault({ fault: { kind: 'echoNik', identityId: SANDBOX_NIKS.match } });
		expectValidationError(await verify('short'), { identityId: ['Length must be 16.'] });
		expect(sandbox.requests()[0].charged).toBe(false);
	});

	it.each(['0.10', 24, -1, null, 0.5, [0.9], { value: 1 }])(
		'score puts faceSimilarity %j into a valid, active, face: true answer',
		async (faceSimilarity) => {
			sandbox.addFault({ fault: { kind: 'score', faceSimilarity } });
			const answer = await verify(SANDBOX_NIKS.invalid);
			expect(answer.status).toBe(200);
			expect((answer.json as { data: unknown }).data).toEqual({
				id: expect.stringMatching(UUID),
				identityId: SANDBOX_NIKS.invalid,
				isValid: true,
				isActive: true,
				response: { face: true, faceSimilarity },
			});
			expect(sandbox.requests()[0]).toMatchObject({ fault: 'score', charged: true });
		},
	);

	it('score replaces face, isValid and isActive when given, with any JSON value', async () => {
		sandbox.addFault({
			fault: { kind: 'score', faceSimilarity: 0.8, face: false, isValid: 'true', isActive: null },
		});
		const { data } = (await verify(SANDBOX_NIKS.match)).json as { data: unknown };
		expect(data).toMatchObject({
			identityId: SANDBOX_NIKS.match,
			isValid: 'true',
			isActive: null,
			response: { face: false, faceSimilarity: 0.8 },
		});
	});

	it('hugeBody sends exactly that many bytes of HTML with status 200 (charged)', async () => {
		const bytes = 5 * 1024 * 1024 + 7;
		sandbox.addFault({ fault: { kind: 'hugeBody', bytes } });
		const answer = await verify();
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
		expect(Buffer.byteLength(answer.text)).toBe(bytes);
		expect(answer.text.startsWith('<!DOCTYPE html>')).toBe(true);
		expect(answer.text.endsWith('</html>')).toBe(true);
		expect(answer.json).toBeUndefined();
		expect(sandbox.requests()[0]).toMatchObject({ status: 200, fault: 'hugeBody', charged: true });
	});

	it('hugeBody in JSON is one valid object without data; another status is free', async () => {
		sandbox.addFault({
			fault: { kind: 'hugeBody', bytes: 2_000_000, format: 'json', status: 502 },
		});
		const answer = await verify();
		expect(answer.status).toBe(502);
		expect(answer.headers.get('content-type')).toBe('application/json');
		expect(answer.text).toHaveLength(2_000_000);
		expect(Object.keys(answer.json as object)).toEqual(['message']);
		expect(sandbox.requests()[0].charged).toBe(false);
	});

	it('hugeBody stops writing when the client goes away, and the sandbox keeps serving', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'hugeBody', bytes: 200 * 1024 * 1024 } });
		const response = await fetch(`${sandbox.url}${BIOMETRIC_PATH}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${SANDBOX_API_KEY}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ identityId: SANDBOX_NIKS.match, faceImage: PNG_BASE64 }),
		});
		expect(response.headers.get('content-length')).toBe(String(200 * 1024 * 1024));
		const reader = response.body!.getReader();
		await reader.read();
		await reader.cancel();
		expect((await verify()).status).toBe(200);
	});

	it('cutAfterRequest charges the request, then drops the connection without an answer', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'cutAfterRequest' } });
		const credit = sandbox.credit();
		await expect(verify(SANDBOX_NIKS.noMatch)).rejects.toThrow('fetch failed');
		expect(sandbox.requests()[0]).toMatchObject({
			identityId: SANDBOX_NIKS.noMatch,
			status: null,
			fault: 'cutAfterRequest',
			charged: true,
		});
		expect(sandbox.credit()).toBe(credit - 1);
		expect(sandbox.stats().chargedRequests).toBe(1);
		expect((await verify()).status).toBe(200);
	});

	it('cutAfterRequest on a request Kredibel would refuse (bad NIK) cuts it without a charge', async () => {
		sandbox.addFault({ times: 1, fault: { kind: 'cutAfterRequest' } });
		await expect(verify('short')).rejects.toThrow('fetch failed');
		expect(sandbox.requests()[0]).toMatchObject({ status: null, charged: false });
	});

	it.each([
		[
			{ fault: { kind: 'redirect', status: 300, location: 'http://x' } },
			/status must be one of 301/,
		],
		[{ fault: { kind: 'redirect', status: 307 } }, /location must be a non-empty URL/],
		[{ fault: { kind: 'answer', status: 200 } }, /body is required/],
		[
			{ fault: { kind: 'answer', body: {}, contentType: 'text/plain' } },
			/must be a string when contentType/,
		],
		[{ fault: { kind: 'answer', body: 'x', status: 204 } }, /cannot carry a body/],
		[{ fault: { kind: 'answer', body: { a: NaN } } }, /body\.a must be a JSON value; NaN/],
		[{ fault: { kind: 'answer', body: new Date(0) } }, /must be a JSON value \(got object\)/],
		[{ fault: { kind: 'echoNik', identityId: 3171 } }, /identityId must be a string/],
		[{ fault: { kind: 'score', face: true } }, /faceSimilarity is required/],
		[{ fault: { kind: 'score', faceSimilarity: Infinity } }, /faceSimilarity must be a JSON value/],
		[
			{ fault: { kind: 'score', faceSimilarity: 1, similarity: 1 } },
			/unknown field\(s\) similarity/,
		],
		[{ fault: { kind: 'hugeBody', bytes: 10 } }, /bytes must be a whole number from 64/],
		[{ fault: { kind: 'hugeBody', bytes: 1e9 } }, /bytes must be a whole number/],
		[{ fault: { kind: 'hugeBody', bytes: 100, format: 'xml' } }, /format must be "text" or "json"/],
		[{ fault: { kind: 'cutAfterRequest', ms: 1 } }, /unknown field\(s\) ms/],
	])('refuses the invalid rule %j', (rule, message) => {
		expect(() => sandbox.addFault(rule as never)).toThrow(message);
		expect(sandbox.faultRules()).toEqual([]);
	});
});

describe('charges per applicant', () => {
	it('counts charged requests per NIK and names those charged more than once', async () => {
		sandbox.addFault({
			match: { identityId: SANDBOX_NIKS.invalid },
			times: 1,
			fault: { kind: 'status', status: 503 },
		});
		sandbox.addFault({
			match: { identityId: '3171000000000001' },
			fault: { kind: 'cutAfterRequest' },
		});
		await verify(SANDBOX_NIKS.match);
		await verify(SANDBOX_NIKS.match);
		await verify(SANDBOX_NIKS.invalid); // 503: free
		await verify(SANDBOX_NIKS.invalid); // charged
		await verifyOrNull('3171000000000001'); // cut after processing: charged
		await verify('short'); // 400: free
		const expected = {
			total: 4,
			perIdentityId: {
				[SANDBOX_NIKS.match]: 2,
				[SANDBOX_NIKS.invalid]: 1,
				'3171000000000001': 1,
			},
			chargedMoreThanOnce: [SANDBOX_NIKS.match],
		};
		expect(sandbox.charges()).toEqual(expected);
		expect((await control('/charges')).json).toEqual(expected);
		sandbox.resetLog();
		expect(sandbox.charges()).toEqual({ total: 0, perIdentityId: {}, chargedMoreThanOnce: [] });
	});
});

describe('chaos mode', () => {
	const chaos: ChaosOptions = {
		seed: 20261125,
		rate: 0.3,
		kinds: [
			{ kind: 'status', status: 503 },
			{ kind: 'rateLimit', retryAfter: 0 },
			{ kind: 'error', errorType: 'request_error' },
			{ kind: 'error', errorType: 'no_face_detected' },
			{ kind: 'reset' },
			{ kind: 'malformed' },
			{ kind: 'wrongShape' },
		],
	};

	async function runChaos(options: ChaosOptions, count: number): Promise<(string | null)[]> {
		const target = await startSandbox({ chaos: options });
		try {
			for (let i = 0; i < count; i++) {
				await verify(SANDBOX_NIKS.match, { base: target.url }).catch(() => null);
			}
			return faultsSeen(target);
		} finally {
			await target.close();
		}
	}

	it('gives the same 200-request sequence of faults for the same seed, as chaosPlan predicts', async () => {
		const first = await runChaos(chaos, 200);
		const second = await runChaos(chaos, 200);
		expect(second).toEqual(first);
		expect(first).toEqual(chaosPlan(chaos, 200).map(labelOf));
		const failed = first.filter((label) => label !== null).length;
		expect(failed).toBeGreaterThan(30);
		expect(failed).toBeLessThan(90);
		// every kind shows up, so the sequence is not trivially one fault
		expect(new Set(first.filter(Boolean)).size).toBe(chaos.kinds.length);
	});

	it('gives a different sequence for another seed', () => {
		const plan = chaosPlan(chaos, 200).map(labelOf);
		expect(chaosPlan({ ...chaos, seed: chaos.seed + 1 }, 200).map(labelOf)).not.toEqual(plan);
	});

	it('rate 0 never fails and rate 1 always fails', () => {
		expect(chaosPlan({ ...chaos, rate: 0 }, 100).every((fault) => fault === null)).toBe(true);
		expect(chaosPlan({ ...chaos, rate: 1 }, 100).every((fault) => fault !== null)).toBe(true);
	});

	it('a rule takes precedence but still uses up the chaos draw, so later requests keep their fate', async () => {
		const plan = chaosPlan(chaos, 20).map(labelOf);
		sandbox.setChaos(chaos);
		sandbox.addFault({ times: 1, fault: { kind: 'delay', ms: 1 } });
		for (let i = 0; i < 20; i++) await verifyOrNull();
		expect(faultsSeen(sandbox)).toEqual(['delay', ...plan.slice(1)]);
		expect(sandbox.chaosState()).toMatchObject({ seed: chaos.seed, drawn: 20 });
	});

	it('requests refused for their key do not draw from the sequence', async () => {
		const plan = chaosPlan(chaos, 10).map(labelOf);
		sandbox.setChaos(chaos);
		await verify(SANDBOX_NIKS.match, { key: 'wrong' });
		await call(CREDIT_PATH);
		for (let i = 0; i < 10; i++) await verifyOrNull();
		expect(faultsSeen(sandbox).slice(2)).toEqual(plan);
	});

	it('setChaos restarts the sequence; null turns it off', async () => {
		const plan = chaosPlan({ ...chaos, rate: 1 }, 3).map(labelOf);
		sandbox.setChaos({ ...chaos, rate: 1 });
		for (let i = 0; i < 3; i++) await verifyOrNull();
		sandbox.setChaos({ ...chaos, rate: 1 });
		for (let i = 0; i < 3; i++) await verifyOrNull();
		sandbox.setChaos(null);
		expect((await verify()).status).toBe(200);
		expect(faultsSeen(sandbox)).toEqual([...plan, ...plan, null]);
	});

	it('refuses invalid chaos settings', () => {
		expect(() => sandbox.setChaos({ ...chaos, rate: 1.5 })).toThrow(
			/rate must be a number from 0 to 1/,
		);
		expect(() => sandbox.setChaos({ ...chaos, kinds: [] })).toThrow(/non-empty array/);
		expect(() => sandbox.setChaos({ ...chaos, seed: 0.5 })).toThrow(/seed must be an integer/);
		expect(sandbox.chaosState()).toBeNull();
	});
});

describe('concurrency and latency', () => {
	it('maxInFlight counts requests handled at the same moment', async () => {
		sandbox.setLatency(200);
		const started = Date.now();
		const answers = await Promise.all(Array.from({ length: 6 }, () => verify()));
		const elapsed = Date.now() - started;
		expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
		expect(sandbox.stats()).toMatchObject({ maxInFlight: 6, totalRequests: 6, inFlight: 0 });
		// in parallel: far less than 6 x 200 ms
		expect(elapsed).toBeGreaterThanOrEqual(190);
		expect(elapsed).toBeLessThan(900);
	});

	it('maxInFlight stays 1 for requests sent one after another', async () => {
		sandbox.setLatency(20);
		for (let i = 0; i < 4; i++) await verify();
		expect(sandbox.stats()).toMatchObject({ maxInFlight: 1, totalRequests: 4 });
	});

	it('latency applies to every API request, 401 and credit included, and shows in the log', async () => {
		sandbox.setLatency(80);
		for (const request of [
			() => call(CREDIT_PATH),
			() => verify(SANDBOX_NIKS.match, { key: 'x' }),
		]) {
			const started = Date.now();
			await request();
			expect(Date.now() - started).toBeGreaterThanOrEqual(75);
		}
		for (const entry of sandbox.requests()) {
			expect((entry.endedAt as number) - entry.startedAt).toBeGreaterThanOrEqual(75);
		}
	});

	it('takes latencyMs from the options and refuses a negative latency', async () => {
		const slow = await startSandbox({ latencyMs: 60 });
		try {
			expect(slow.stats().latencyMs).toBe(60);
			const started = Date.now();
			await call(CREDIT_PATH, { base: slow.url });
			expect(Date.now() - started).toBeGreaterThanOrEqual(55);
		} finally {
			await slow.close();
		}
		expect(() => sandbox.setLatency(-1)).toThrow(RangeError);
	});
});

describe('request log', () => {
	it('records what the client sent and how the sandbox answered', async () => {
		await verify(SANDBOX_NIKS.noMatch);
		const [entry] = sandbox.requests();
		expect(entry).toEqual({
			seq: 1,
			method: 'POST',
			path: BIOMETRIC_PATH,
			query: '',
			authorization: 'Bearer sandbox-test-key',
			contentType: 'application/json',
			identityId: SANDBOX_NIKS.noMatch,
			faceImage: PNG,
			faceImageBase64Length: PNG_BASE64.length,
			status: 200,
			charged: true,
			startedAt: expect.any(Number),
			endedAt: expect.any(Number),
		});
		expect(entry.endedAt as number).toBeGreaterThanOrEqual(entry.startedAt);
	});

	it('keeps the NIK and base64 length when the image does not decode, and the NIK on a 401', async () => {
		await verify(SANDBOX_NIKS.match, {}, 'data:image/png;base64,AAAA');
		await verify(SANDBOX_NIKS.invalid, { key: 'wrong' });
		const [bad, refused] = sandbox.requests();
		expect(bad).toMatchObject({ identityId: SANDBOX_NIKS.match, faceImageBase64Length: 26 });
		expect(bad.faceImage).toBeUndefined();
		expect(refused).toMatchObject({
			identityId: SANDBOX_NIKS.invalid,
			authorization: 'Bearer wrong',
			status: 401,
		});
	});

	it('numbers requests in arrival order and restarts after resetLog()', async () => {
		await call(CREDIT_PATH);
		await verify();
		expect(sandbox.requests().map((entry) => entry.seq)).toEqual([1, 2]);
		sandbox.resetLog();
		expect(sandbox.requests()).toEqual([]);
		expect(sandbox.stats()).toMatchObject({ totalRequests: 0, maxInFlight: 0, chargedRequests: 0 });
		await call('/nowhere');
		expect(sandbox.requests()).toMatchObject([{ seq: 1, path: '/nowhere', status: 404 }]);
	});

	it('hands out copies, so an earlier list does not change', async () => {
		await verify();
		const before = sandbox.requests();
		before[0].status = 999;
		await verify();
		expect(before).toHaveLength(1);
		expect(sandbox.requests()[0].status).toBe(200);
	});

	it('calls onRequest with each finished entry', async () => {
		const seen: [number, number | null][] = [];
		const watched = await startSandbox({
			onRequest: (entry) => seen.push([entry.seq, entry.status]),
		});
		try {
			await verify(SANDBOX_NIKS.match, { base: watched.url });
			await call('/x', { base: watched.url });
			expect(seen).toEqual([
				[1, 200],
				[2, 404],
			]);
		} finally {
			await watched.close();
		}
	});
});

describe('control API', () => {
	it('GET /__sandbox/requests returns the log with images as size and sha256', async () => {
		await verify(SANDBOX_NIKS.match);
		const answer = await control('/requests');
		expect(answer.status).toBe(200);
		const [entry] = answer.json as SerializedLogEntry[];
		expect(entry).toMatchObject({
			seq: 1,
			identityId: SANDBOX_NIKS.match,
			authorization: 'Bearer sandbox-test-key',
			status: 200,
			faceImage: { bytes: PNG.length, sha256: createHash('sha256').update(PNG).digest('hex') },
		});
	});

	it('masks keys other than the sandbox key in the log it sends out', async () => {
		await verify(SANDBOX_NIKS.match, { key: 'eyJhbGciOiJIUzI1NiJ9.real.key' });
		const [entry] = (await control('/requests')).json as SerializedLogEntry[];
		expect(entry.authorization).toBe('Bearer [redacted, 29 characters]');
		expect(JSON.stringify(entry)).not.toContain('real.key');
	});

	it('does not log itself, needs no key, and adds no latency', async () => {
		sandbox.setLatency(500);
		const started = Date.now();
		expect((await control('/stats')).status).toBe(200);
		expect(Date.now() - started).toBeLessThan(400);
		expect(sandbox.requests()).toEqual([]);
	});

	it('POST /__sandbox/faults adds a rule that applies to the next request', async () => {
		const added = await control('/faults', 'POST', {
			times: 1,
			fault: { kind: 'status', status: 503 },
		});
		expect(added.status).toBe(201);
		expect(added.json).toEqual({
			rules: [{ times: 1, remaining: 1, fault: { kind: 'status', status: 503 } }],
		});
		expect((await verify()).status).toBe(503);
		expect((await control('/faults')).json).toEqual({ rules: [], chaos: null });
	});

	it('POST /__sandbox/faults refuses an invalid rule or a body that is not JSON with 400', async () => {
		const invalid = await control('/faults', 'POST', { fault: { kind: 'status', status: 200 } });
		expect(invalid.status).toBe(400);
		expect((invalid.json as { message: string }).message).toMatch(/HTTP error status/);
		const notJson = await control('/faults', 'POST', '{"fault":');
		expect(notJson.status).toBe(400);
		expect((notJson.json as { message: string }).message).toMatch(/^Body is not JSON/);
		const empty = await control('/faults', 'POST');
		expect(empty.status).toBe(400);
		expect(sandbox.faultRules()).toEqual([]);
	});

	it('DELETE /__sandbox/faults removes the rules and chaos', async () => {
		sandbox.addFault({ fault: { kind: 'reset' } });
		sandbox.setChaos({ seed: 1, rate: 1, kinds: [{ kind: 'reset' }] });
		const answer = await control('/faults', 'DELETE');
		expect(answer.json).toEqual({ rules: [], chaos: null });
		expect((await verify()).status).toBe(200);
	});

	it('POST and DELETE /__sandbox/chaos', async () => {
		const chaos = { seed: 7, rate: 1, kinds: [{ kind: 'status', status: 502 }] };
		const set = await control('/chaos', 'POST', chaos);
		expect(set.json).toEqual({ chaos: { ...chaos, drawn: 0 } });
		expect((await verify()).status).toBe(502);
		expect((await control('/chaos', 'DELETE')).json).toEqual({ chaos: null });
		expect((await verify()).status).toBe(200);
		expect((await control('/chaos', 'POST', { ...chaos, rate: 2 })).status).toBe(400);
	});

	it('POST /__sandbox/latency', async () => {
		expect((await control('/latency', 'POST', { ms: 120 })).json).toEqual({ latencyMs: 120 });
		expect(sandbox.stats().latencyMs).toBe(120);
		expect((await control('/latency', 'POST', { ms: -5 })).status).toBe(400);
		expect((await control('/latency', 'POST')).status).toBe(400);
		expect(sandbox.stats().latencyMs).toBe(120);
	});

	it('POST /__sandbox/reset clears the log, counters and faults but keeps the credit', async () => {
		await verify();
		sandbox.addFault({ fault: { kind: 'reset' } });
		const credit = sandbox.credit();
		expect((await control('/reset', 'POST')).status).toBe(200);
		expect(sandbox.requests()).toEqual([]);
		expect(sandbox.faultRules()).toEqual([]);
		expect(sandbox.stats()).toMatchObject({ totalRequests: 0, chargedRequests: 0 });
		expect(sandbox.credit()).toBe(credit);
	});

	it('GET /__sandbox/stats reports counters and credit', async () => {
		await verify();
		await verify('short');
		expect((await control('/stats')).json).toEqual({
			inFlight: 0,
			maxInFlight: 1,
			totalRequests: 2,
			chargedRequests: 1,
			credit: sandbox.credit(),
			latencyMs: 0,
		});
	});

	it('answers 404 to an unknown control path and 405 to a wrong method', async () => {
		const unknown = await control('/nothing');
		expect(unknown.status).toBe(404);
		expect((unknown.json as { message: string }).message).toContain('/__sandbox/faults');
		const wrong = await control('/stats', 'DELETE');
		expect(wrong.status).toBe(405);
		expect(wrong.headers.get('allow')).toBe('GET');
	});
});

describe('cli', () => {
	it('starts on the given port with the key from the environment and stops on SIGTERM', async () => {
		const cli = spawn(
			process.execPath,
			['--import', 'tsx', path.join(__dirname, 'cli.ts'), '--port', '0', '--latency', '0'],
			{
				cwd: path.join(__dirname, '..', '..'),
				env: { ...process.env, KREDIBEL_SANDBOX_KEY: 'cli-key' },
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let output = '';
		cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
		try {
			await waitFor(() => /Ctrl\+C to stop/.test(output), 15_000);
			const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
			expect(output).toContain('API Key cli-key');
			expect(output).toContain(SANDBOX_NIKS.match);
			expect(output).toContain('/__sandbox/faults');
			expect((await verify(SANDBOX_NIKS.match, { base: url, key: 'cli-key' })).status).toBe(200);
			await waitFor(() => output.includes('#1  POST'));
			const requestLine = output.slice(output.indexOf('#1  POST')).split('\n')[0];
			expect(requestLine).toMatch(
				/^#1 {2}POST {2}\/v1\/identity\/verification\/biometric {2}200 {2}NIK 1234567890123456/,
			);
			expect(requestLine).not.toContain('cli-key');
		} finally {
			cli.kill('SIGTERM');
		}
		expect(await exited).toBe(0);
		expect(output).toContain('SIGTERM received, stopping the sandbox.');
	}, 20_000);
});
