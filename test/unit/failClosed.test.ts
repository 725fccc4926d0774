/**
 * Fail closed, on the pure path from Kredibel's answer to the output an item leaves by: only a
 * clear match reaches Match, whatever the answer holds. The cases the review found come first,
 * then a property run over arbitrary answers.
 */
import fc from 'fast-check';
import type { INode } from 'n8n-workflow';

import { readReply, type HttpReply } from '../../nodes/KredibelBiometric/kredibel/apiResponse';
import { buildOutputs } from '../../nodes/KredibelBiometric/outputs';
import { OUTPUT, toOutputJson } from '../../nodes/KredibelBiometric/kredibel/result';
import type { ItemOutcome } from '../../nodes/KredibelBiometric/itemOutcome';

const NIK = '1234567890123456';
const NODE: INode = {
	id: 'k',
	name: 'Kredibel Biometric',
	type: 'n8n-nodes-kredibel.kredibelBiometric',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	onError: 'continueRegularOutput',
};

function success(data: Record<string, unknown>, response?: unknown): HttpReply {
	return {
		statusCode: 200,
		headers: {},
		body: {
			message: 'Identity biometric verification succeeded.',
			data: { id: 'v1', identityId: NIK, isValid: true, isActive: true, ...data, response },
		},
	};
}

/** What the node makes of one answer: the outcome, as sendItem builds it. */
function outcomeOf(reply: HttpReply, threshold = 0.75): ItemOutcome {
	const read = readReply(reply, NIK);
	const nik = { shown: NIK, sent: NIK, mask: false };
	if (!read.ok) return { ok: false, failure: read.failure, attempts: 1, nik };
	return {
		ok: true,
		json: toOutputJson(read.data, { threshold, shownNik: NIK, charged: true, reused: false }),
		nik,
	};
}

function resultOf(reply: HttpReply, threshold = 0.75): string {
	const outcome = outcomeOf(reply, threshold);
	return outcome.ok ? String(outcome.json.result) : `error:${outcome.failure.errorType}`;
}

describe('the answers the review got through to Match', () => {
	it.each([
		[
			'face false with similarity 0.80',
			'no_match',
			success({}, { face: false, faceSimilarity: 0.8 }),
			0.75,
		],
		[
			'a similarity of 24 (0-100 scale)',
			'error:invalid_response',
			success({}, { face: true, faceSimilarity: 24 }),
			0.75,
		],
		[
			'similarity "0.10" as text',
			'error:invalid_response',
			success({}, { face: true, faceSimilarity: '0.10' }),
			0.75,
		],
		[
			'another NIK echoed',
			'error:invalid_response',
			success({ identityId: '1234567890111111' }, { face: true, faceSimilarity: 0.9 }),
			0.75,
		],
		[
			'face false, similarity 0, threshold 0',
			'no_match',
			success({}, { face: false, faceSimilarity: 0 }),
			0,
		],
	])('%s is %s', (_name, expected, reply, threshold) => {
		expect(resultOf(reply, threshold)).toBe(expected);
	});

	it.each([
		['face as text', success({}, { face: 'true', faceSimilarity: 0.9 })],
		['isValid as text', success({ isValid: 'true' }, { face: true, faceSimilarity: 0.9 })],
		['isActive missing on a valid identity', success({ isActive: undefined }, { face: true })],
		['negative similarity', success({}, { face: true, faceSimilarity: -0.1 })],
		['response as a list', success({}, [true, 0.9])],
	])('%s is invalid_response, not a verdict', (_name, reply) => {
		expect(resultOf(reply)).toBe('error:invalid_response');
	});

	it('reads a real match as a match, and a 2XX it cannot read as charged', () => {
		expect(resultOf(success({}, { face: true, faceSimilarity: 0.9 }))).toBe('match');
		const unreadable = outcomeOf({ statusCode: 200, headers: {}, body: '<html>ok</html>' });
		expect(unreadable).toMatchObject({ ok: false, failure: { charged: true, retryable: false } });
	});

	it('refuses a redirect: not followed, not charged, not retried', () => {
		const outcome = outcomeOf({
			statusCode: 307,
			headers: { location: 'http://127.0.0.1:9/elsewhere' },
			body: '',
		});
		expect(outcome).toMatchObject({
			ok: false,
			failure: { errorType: 'invalid_response', charged: false, retryable: false, httpCode: 307 },
		});
		if (!outcome.ok) expect(outcome.failure.reason).toContain('redirects are not followed');
	});
});

describe('hostile error envelopes fail their item with a readable message', () => {
	it.each([
		[
			'objects as validation messages',
			{ errors: { identityId: [{ toString: 1 }] } },
			'validation_error',
		],
		['a list as errors', { errors: [1, 2, 3] }, 'api_error'],
		['errorType __proto__', { errors: { errorType: '__proto__' } }, 'api_error'],
		['errorType constructor', { errors: { errorType: 'constructor' } }, 'api_error'],
		['errorType toString', { errors: { errorType: 'toString' } }, 'api_error'],
		['a field named __proto__', JSON.parse('{"errors":{"__proto__":["x"]}}'), 'validation_error'],
		[
			'a message that is an object',
			{ message: { a: 1 }, errors: { faceImage: 'bad' } },
			'validation_error',
		],
	])('%s', (_name, body, errorType) => {
		const read = readReply({ statusCode: 400, headers: {}, body }, NIK);
		expect(read.ok).toBe(false);
		if (read.ok) return;
		expect(read.failure.errorType).toBe(errorType);
		expect(read.failure.reason).not.toContain('undefined');
		expect(read.failure.reason.length).toBeLessThan(600);
		expect(read.failure.charged).toBe(false);
	});

	it('keeps a huge Kredibel message short', () => {
		const read = readReply(
			{ statusCode: 400, headers: {}, body: { message: 'x'.repeat(1_000_000) } },
			NIK,
		);
		expect(read.ok).toBe(false);
		if (!read.ok) expect(read.failure.apiMessage?.length).toBeLessThanOrEqual(301);
	});
});

/** Arbitrary JSON, with the field names and values Kredibel's answers use mixed in. */
const jsonValue = fc.oneof(
	fc.constantFrom(true, false, null, 0, 1, 0.75, 0.7499, 24, -0.1, Number.NaN, '0.9', 'true', NIK),
	fc.double(),
	fc.string({ maxLength: 8 }),
	fc.jsonValue({ maxDepth: 2 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const successLike = fc.record({
	message: maybe(jsonValue),
	data: fc.oneof(
		jsonValue,
		fc.record({
			id: maybe(jsonValue),
			identityId: maybe(fc.oneof(fc.constant(NIK), jsonValue)),
			isValid: maybe(jsonValue),
			isActive: maybe(jsonValue),
			response: maybe(
				fc.oneof(
					jsonValue,
					fc.record({ face: maybe(jsonValue), faceSimilarity: maybe(jsonValue) }),
				),
			),
		}),
	),
});
const anyReply: fc.Arbitrary<HttpReply> = fc.record({
	statusCode: fc.oneof(fc.constant(200), fc.integer({ min: 100, max: 599 })),
	headers: fc.constant({}),
	body: fc.oneof(successLike, jsonValue, fc.string(), fc.constant('<html></html>')),
});

/** The documented conditions for a match, read straight from the answer. */
function clearlyMatched(reply: HttpReply, threshold: number): boolean {
	const body = reply.body as { data?: Record<string, unknown> };
	const data = body?.data;
	if (reply.statusCode < 200 || reply.statusCode >= 300 || typeof data !== 'object' || !data) {
		return false;
	}
	const response = data.response as Record<string, unknown> | undefined;
	const echoed = data.identityId;
	const score = response?.faceSimilarity;
	const scoreOk =
		score === undefined || score === null
			? threshold <= 0.75
			: typeof score === 'number' && score >= 0 && score <= 1 && score >= threshold;
	return (
		(echoed === undefined || echoed === null || echoed === NIK) &&
		data.isValid === true &&
		data.isActive === true &&
		response?.face === true &&
		scoreOk
	);
}

describe('match safety, as a property over arbitrary answers', () => {
	it('only a clear match is "match", and only "match" leaves by Match (10,000 answers)', () => {
		fc.assert(
			fc.property(
				anyReply,
				fc.double({ min: 0, max: 1, noNaN: true }),
				fc.boolean(),
				(reply, threshold, routeByResult) => {
					const outcome = outcomeOf(reply, threshold);
					const outputs = buildOutputs(NODE, [outcome], routeByResult);
					const all = outputs.flat();
					expect(all).toHaveLength(1);
					const [item] = all;
					if (item.json.result === 'match') expect(clearlyMatched(reply, threshold)).toBe(true);
					if (routeByResult) {
						for (const onMatch of outputs[OUTPUT.match]) {
							expect(onMatch.json.result).toBe('match');
							expect(onMatch.json.error).toBeUndefined();
						}
					}
				},
			),
			{ numRuns: 10_000, seed: 20261201 },
		);
	});
});
