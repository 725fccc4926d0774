/**
 * A paid answer is never turned into a free error (issue 27, point 5): whatever a 2XX body holds
 * (a field nested 6,000 deep, megabytes of text, a million keys, something that throws when read),
 * reading it gives a verdict or `invalid_response`, charged, that the answer memory keeps and
 * that masking and n8n's copies can walk; the raw answer is kept within a depth and size limit,
 * and says where it was cut.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { readReply } from '../../nodes/KredibelBiometric/kredibel/apiResponse';
import {
	boundedRaw,
	CUT_DEEPER,
	CUT_KEY,
	CUT_LONGER,
	MAX_RAW_CHARS,
	MAX_RAW_DEPTH,
} from '../../nodes/KredibelBiometric/kredibel/rawAnswer';
import { mayHaveCharged, type Answer } from '../../nodes/KredibelBiometric/kredibel/answer';
import { redactNik } from '../../nodes/KredibelBiometric/masking';
import { AnswerMemory } from '../../nodes/KredibelBiometric/reuse/answerMemory';

const NIK = '3171011708450001';
const SEED = 20_261_227;

/** `{"a":{"a":...{"a":"end"}}}`, `depth` levels, built without recursion as a parser would. */
function nested(depth: number, leaf: unknown = 'end'): Record<string, unknown> {
	let value: unknown = leaf;
	for (let level = 0; level < depth; level++) value = { a: value };
	return value as Record<string, unknown>;
}

function verdictBody(extra: Record<string, unknown>) {
	return {
		message: 'Identity biometric verification succeeded.',
		data: {
			id: 'v1',
			identityId: NIK,
			isValid: true,
			isActive: true,
			response: { face: true, faceSimilarity: 0.93 },
			...extra,
		},
	};
}

/** How deep a value nests, without recursion. */
function depthOf(value: unknown): number {
	let deepest = 0;
	const pending: Array<[unknown, number]> = [[value, 0]];
	while (pending.length > 0) {
		const [current, depth] = pending.pop() as [unknown, number];
		deepest = Math.max(deepest, depth);
		if (typeof current === 'object' && current !== null) {
			for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
		}
	}
	return deepest;
}

describe('a 2XX answer with a field nested 6,000 deep', () => {
	const deep = nested(6_000);

	it('is still the verdict Kredibel gave, charged, with the raw answer cut at 32 levels and marked there', () => {
		const read = readReply(
			{ statusCode: 200, headers: {}, body: verdictBody({ extra: deep }) },
			NIK,
		);
		expect(read.ok).toBe(true);
		if (!read.ok) return;
		expect(read.data).toMatchObject({ isValid: true, face: true, faceSimilarity: 0.93 });
		const raw = read.raw;
		expect(depthOf(raw)).toBeLessThanOrEqual(MAX_RAW_DEPTH);
		expect(JSON.stringify(raw)).toContain(CUT_DEEPER);
		// What every later step does with it works: copies, masking, n8n's clones.
		expect(() => structuredClone(raw)).not.toThrow();
		expect(JSON.stringify(redactNik(raw, NIK))).toContain(CUT_DEEPER);
	});

	it('without the documented data block: invalid_response, charged, and the answer memory keeps it', () => {
		const read = readReply({ statusCode: 200, headers: {}, body: deep }, NIK);
		expect(read.ok).toBe(false);
		if (read.ok) return;
		expect(read.failure).toMatchObject({ errorType: 'invalid_response', charged: true });
		const answer: Answer = { result: read, attempts: 1, raw: read.raw };
		expect(mayHaveCharged(answer)).toBe(true);
		const memory = new AnswerMemory();
		memory.remember('applicant', 'e1', answer, true);
		expect(memory.find('applicant', 'e2', 60_000)?.raw).toEqual(read.raw);
	});

	it('the answer memory survives one that was never bounded (its size is estimated without recursion)', () => {
		const memory = new AnswerMemory();
		const answer: Answer = {
			result: {
				ok: false,
				failure: {
					errorType: 'invalid_response',
					reason: 'r',
					hint: 'h',
					charged: true,
					fromApi: true,
					retryable: false,
				},
			},
			attempts: 1,
			raw: nested(20_000) as IDataObject,
		};
		expect(() => memory.remember('applicant', 'e1', answer, true)).not.toThrow();
		expect(memory.find('applicant', 'e1', 0)).toBeDefined();
	});
});

describe('huge and wide 2XX answers', () => {
	it('a 20 MB text field: the raw answer keeps about 64 KB of it and says it was cut', () => {
		const read = readReply(
			{ statusCode: 200, headers: {}, body: verdictBody({ blob: 'x'.repeat(20_000_000) }) },
			NIK,
		);
		expect(read.ok).toBe(true);
		const text = JSON.stringify(read.raw);
		expect(text.length).toBeLessThan(MAX_RAW_CHARS + 1_000);
		expect(text).toContain(CUT_LONGER);
	});

	it('200,000 keys: the raw answer keeps what fits and marks the rest under one key', () => {
		const wide: Record<string, number> = {};
		for (let i = 0; i < 200_000; i++) wide[`k${i}`] = i;
		const raw = boundedRaw({ message: 'ok', data: wide });
		const text = JSON.stringify(raw);
		expect(text.length).toBeLessThan(MAX_RAW_CHARS + 1_000);
		expect((raw.data as Record<string, unknown>)[CUT_KEY]).toBe(CUT_LONGER);
	});

	it('a body that throws when read is invalid_response: charged after a 2XX, free after a 4XX', () => {
		const trap = new Proxy(
			{},
			{
				get: () => {
					throw new Error('trap');
				},
				ownKeys: () => {
					throw new Error('trap');
				},
			},
		);
		const paid = readReply({ statusCode: 200, headers: {}, body: trap }, NIK);
		expect(paid).toMatchObject({
			ok: false,
			failure: { errorType: 'invalid_response', charged: true },
		});
		const free = readReply({ statusCode: 400, headers: {}, body: trap }, NIK);
		expect(free).toMatchObject({
			ok: false,
			failure: { errorType: 'invalid_response', charged: false },
		});
	});
});

describe('boundedRaw (property)', () => {
	it('an answer within the limits is kept as it is; any answer comes back within them', () => {
		fc.assert(
			fc.property(fc.jsonValue({ maxDepth: 40 }), fc.nat({ max: 60 }), (value, wrap) => {
				const body = { message: 'ok', data: nested(wrap, value) };
				const raw = boundedRaw(body);
				const original = JSON.stringify(body);
				if (depthOf(body) <= MAX_RAW_DEPTH && original.length <= MAX_RAW_CHARS / 2) {
					expect(raw).toEqual(body);
				}
				expect(depthOf(raw)).toBeLessThanOrEqual(MAX_RAW_DEPTH);
				expect(JSON.stringify(raw).length).toBeLessThan(MAX_RAW_CHARS + 1_000);
			}),
			{ seed: SEED, numRuns: 500 },
		);
	});
});
