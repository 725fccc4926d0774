import type { INodeExecutionData } from 'n8n-workflow';

import { makeJpeg } from '../fixtures/images';
import {
	BinaryStore,
	jsonItem,
	runNode,
	sandboxAnswer,
	sandboxResponder,
	type MockOptions,
	type Reply,
} from '../helpers/mockExecuteContext';

const MATCH_NIK = '1234567890123456';
const NO_MATCH_NIK = '1234567890111111';
const INVALID_NIK = '1234567890123444';

async function verify(
	nik: string,
	overrides: Partial<MockOptions> = {},
	store = new BinaryStore(),
) {
	const result = await runNode(
		{
			items: [jsonItem({ nik }, { data: store.add(makeJpeg()) })],
			parameters: { identityId: nik, options: {} },
			respond: sandboxResponder,
			...overrides,
		},
		store,
	);
	if (!result.ok) throw result.error;
	return result.outputs;
}

function successReply(data: Record<string, unknown>): Reply {
	return { statusCode: 200, body: { message: 'Identity biometric verification succeeded.', data } };
}

describe('the sandbox answers become the documented output item', () => {
	it('match', async () => {
		const [[item]] = await verify(MATCH_NIK);
		expect(item.json).toEqual({
			id: '64d07984-81a8-4e79-ad16-a439f5885075',
			identityId: MATCH_NIK,
			isValid: true,
			isActive: true,
			face: true,
			faceSimilarity: 1.0,
			result: 'match',
			threshold: 0.75,
			message: 'Identity biometric verification succeeded.',
		});
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary).toBeUndefined();
		expect(item.error).toBeUndefined();
	});

	it('no match', async () => {
		const [[item]] = await verify(NO_MATCH_NIK);
		expect(item.json).toMatchObject({
			isValid: true,
			isActive: true,
			face: false,
			faceSimilarity: 0.24,
			result: 'no_match',
		});
	});

	it('invalid identity: no face block gives null face fields', async () => {
		const [[item]] = await verify(INVALID_NIK);
		expect(item.json).toMatchObject({
			identityId: INVALID_NIK,
			isValid: false,
			isActive: false,
			face: null,
			faceSimilarity: null,
			result: 'identity_invalid',
		});
	});

	it('valid but inactive identity', async () => {
		const [[item]] = await verify(MATCH_NIK, {
			respond: () =>
				successReply({
					id: 'x',
					identityId: MATCH_NIK,
					isValid: true,
					isActive: false,
					response: { face: true, faceSimilarity: 0.99 },
				}),
		});
		expect(item.json.result).toBe('identity_inactive');
	});

	it.each([
		[0.2, 0.24, 'match'],
		[0.24, 0.24, 'match'],
		[0.25, 0.24, 'no_match'],
		[0.9, 0.89, 'no_match'],
		[1, 1.0, 'match'],
		[0, 0, 'match'],
	])('threshold %d with similarity %d gives %s', async (threshold, similarity, expected) => {
		const [[item]] = await verify(MATCH_NIK, {
			parameters: { identityId: MATCH_NIK, options: { similarityThreshold: threshold } },
			respond: () =>
				successReply({
					id: 'x',
					identityId: MATCH_NIK,
					isValid: true,
					isActive: true,
					response: { face: similarity >= 0.75, faceSimilarity: similarity },
				}),
		});
		expect(item.json).toMatchObject({ threshold, faceSimilarity: similarity, result: expected });
	});

	it.each([
		[0.75, true, 'match'],
		[0.9, true, 'no_match'],
		[0.5, false, 'no_match'],
	])(
		'without a score, threshold %d and face %s gives %s (Kredibel decided at 0.75)',
		async (threshold, face, expected) => {
			const [[item]] = await verify(MATCH_NIK, {
				parameters: { identityId: MATCH_NIK, options: { similarityThreshold: threshold } },
				respond: () =>
					successReply({
						id: 'x',
						identityId: MATCH_NIK,
						isValid: true,
						isActive: true,
						response: { face },
					}),
			});
			expect(item.json).toMatchObject({ face, faceSimilarity: null, result: expected });
		},
	);
});

describe('Route by Result', () => {
	const niks = [NO_MATCH_NIK, MATCH_NIK, INVALID_NIK, MATCH_NIK, '1234567890999999'];

	async function routed(routeByResult: boolean, respond = sandboxResponder) {
		const store = new BinaryStore();
		const items = niks.map((nik) => jsonItem({ nik }, { data: store.add(makeJpeg()) }));
		const result = await runNode(
			{
				items,
				parameters: { identityId: (i: number) => niks[i], routeByResult, options: {} },
				respond,
			},
			store,
		);
		if (!result.ok) throw result.error;
		return result.outputs;
	}

	const pairs = (items: INodeExecutionData[]) =>
		items.map((item) => [item.pairedItem, item.json.result]);

	it('gives three outputs in the order Match, No Match, Invalid Identity, each keeping input order', async () => {
		const outputs = await routed(true);
		expect(outputs).toHaveLength(3);
		expect(pairs(outputs[0])).toEqual([
			[{ item: 1 }, 'match'],
			[{ item: 3 }, 'match'],
		]);
		expect(pairs(outputs[1])).toEqual([[{ item: 0 }, 'no_match']]);
		expect(pairs(outputs[2])).toEqual([
			[{ item: 2 }, 'identity_invalid'],
			[{ item: 4 }, 'identity_invalid'],
		]);
	});

	it('sends inactive identities to Invalid Identity', async () => {
		const outputs = await routed(true, (request) => {
			const reply = sandboxAnswer(request.body.identityId);
			const body = reply.body as { data: { isActive: boolean; isValid: boolean } };
			if (body.data.isValid) body.data.isActive = false;
			return reply;
		});
		expect(outputs[0]).toHaveLength(0);
		expect(outputs[2].map((item) => item.json.result)).toEqual([
			'identity_inactive',
			'identity_inactive',
			'identity_invalid',
			'identity_inactive',
			'identity_invalid',
		]);
	});

	it('gives one output in input order when off', async () => {
		const outputs = await routed(false);
		expect(outputs).toHaveLength(1);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual(niks.map((_, item) => ({ item })));
		expect(outputs[0].map((item) => item.json.result)).toEqual([
			'no_match',
			'match',
			'identity_invalid',
			'match',
			'identity_invalid',
		]);
	});
});

describe('options', () => {
	it('maskIdentityId masks the NIK in the output and in the raw response', async () => {
		const [[item]] = await verify(MATCH_NIK, {
			parameters: {
				identityId: MATCH_NIK,
				options: { maskIdentityId: true, includeRawResponse: true },
			},
		});
		expect(item.json.identityId).toBe('123456******3456');
		expect(JSON.stringify(item.json)).not.toContain(MATCH_NIK);
		expect((item.json.raw as { data: { identityId: string } }).data.identityId).toBe(
			'123456******3456',
		);
	});

	it('keepBinary passes the input binary on; by default the selfie is dropped', async () => {
		const store = new BinaryStore();
		const binary = { data: store.add(makeJpeg()) };
		const run = async (keepBinary?: boolean) => {
			const result = await runNode(
				{
					items: [jsonItem({}, binary)],
					parameters: {
						identityId: MATCH_NIK,
						options: keepBinary === undefined ? {} : { keepBinary },
					},
					respond: sandboxResponder,
				},
				store,
			);
			if (!result.ok) throw result.error;
			return result.outputs[0][0];
		};
		expect((await run(true)).binary).toEqual(binary);
		expect((await run(false)).binary).toBeUndefined();
		expect((await run()).binary).toBeUndefined();
	});

	it("includeRawResponse adds Kredibel's untouched JSON under raw", async () => {
		const [[item]] = await verify(NO_MATCH_NIK, {
			parameters: { identityId: NO_MATCH_NIK, options: { includeRawResponse: true } },
		});
		expect(item.json.raw).toEqual(sandboxAnswer(NO_MATCH_NIK).body);
		const [[plain]] = await verify(NO_MATCH_NIK);
		expect(plain.json.raw).toBeUndefined();
	});

	it('does not modify the input items', async () => {
		const store = new BinaryStore();
		const items = [jsonItem({ nik: MATCH_NIK, other: 'kept' }, { data: store.add(makeJpeg()) })];
		const before = JSON.stringify(items);
		await runNode(
			{
				items,
				parameters: { identityId: MATCH_NIK, options: { keepBinary: true } },
				respond: sandboxResponder,
			},
			store,
		);
		expect(JSON.stringify(items)).toBe(before);
	});
});
