/**
 * Kredibel's answers become the documented output items, through n8n: the sandbox's three
 * verdicts, an inactive identity, the threshold against the score, and the options that shape
 * the item (Mask NIK, Keep Binary, Include Raw Response).
 */
import { SANDBOX_NIKS } from '../sandbox/server';
import { useSandbox, verifyWith, type VerifySpec } from './harness/fixtures';

const env = useSandbox();

async function verifyOne(nik: string, spec: Partial<VerifySpec> = {}) {
	const run = await verifyWith(env.sandbox, { niks: [nik], ...spec });
	const [item] = run.output('Success');
	return item;
}

describe('the sandbox answers become the documented output item', () => {
	it('match', async () => {
		const item = await verifyOne(SANDBOX_NIKS.match);
		expect(item.json).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			identityId: SANDBOX_NIKS.match,
			isValid: true,
			isActive: true,
			face: true,
			faceSimilarity: 1.0,
			result: 'match',
			threshold: 0.75,
			message: 'Identity biometric verification succeeded.',
			charged: true,
			// The sandbox's selfie is a small clean JPEG: Prepare Photo sends it as it is.
			photo: null,
			reused: false,
			// Face Check (on by default) says what it saw: one face, where, how sharp and bright.
			faceCheck: {
				faces: 1,
				score: expect.any(Number),
				box: {
					x: expect.any(Number),
					y: expect.any(Number),
					width: expect.any(Number),
					height: expect.any(Number),
				},
				sharpness: expect.any(Number),
				brightness: expect.any(Number),
				refused: false,
			},
		});
		const { score, box } = item.json.faceCheck as { score: number; box: Record<string, number> };
		expect(score).toBeGreaterThan(0.75);
		expect(box.x + box.width).toBeLessThanOrEqual(1);
		expect(box.y + box.height).toBeLessThanOrEqual(1);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary).toBeUndefined();
	});

	it('no match', async () => {
		const item = await verifyOne(SANDBOX_NIKS.noMatch);
		expect(item.json).toMatchObject({ face: false, faceSimilarity: 0.24, result: 'no_match' });
	});

	it('invalid identity: no face block gives null face fields', async () => {
		const item = await verifyOne(SANDBOX_NIKS.invalid);
		expect(item.json).toMatchObject({
			isValid: false,
			isActive: false,
			face: null,
			faceSimilarity: null,
			result: 'identity_invalid',
		});
	});

	it('valid but inactive identity', async () => {
		env.sandbox.addFault({ fault: { kind: 'score', faceSimilarity: 0.99, isActive: false } });
		const item = await verifyOne(SANDBOX_NIKS.match);
		expect(item.json.result).toBe('identity_inactive');
	});

	it.each([
		[0.2, 0.24, 'match'],
		[0.24, 0.24, 'match'],
		[0.25, 0.24, 'no_match'],
		[0.9, 0.89, 'no_match'],
		[1, 1.0, 'match'],
	])(
		'threshold %d with similarity %d and face true gives %s',
		async (threshold, similarity, expected) => {
			env.sandbox.addFault({ fault: { kind: 'score', faceSimilarity: similarity, face: true } });
			const item = await verifyOne(SANDBOX_NIKS.match, {
				options: { similarityThreshold: threshold },
			});
			expect(item.json).toMatchObject({ threshold, faceSimilarity: similarity, result: expected });
		},
	);

	it.each([
		[0.75, true, 'match'],
		[0.9, true, 'no_match'],
		[0.5, false, 'no_match'],
	])(
		'without a score, threshold %d and face %s gives %s (Kredibel decided at 0.75)',
		async (threshold, face, expected) => {
			env.sandbox.addFault({ fault: { kind: 'score', faceSimilarity: null, face } });
			const item = await verifyOne(SANDBOX_NIKS.match, {
				options: { similarityThreshold: threshold },
			});
			expect(item.json).toMatchObject({ face, faceSimilarity: null, result: expected });
		},
	);
});

describe('options', () => {
	it('Mask NIK masks the NIK in the output and in the raw response', async () => {
		const item = await verifyOne(SANDBOX_NIKS.match, {
			options: { maskIdentityId: true, includeRawResponse: true },
		});
		expect(item.json.identityId).toBe('123456******3456');
		expect(JSON.stringify(item.json)).not.toContain(SANDBOX_NIKS.match);
	});

	it('Keep Binary passes the stored selfie on; by default it is dropped', async () => {
		const kept = await verifyOne(SANDBOX_NIKS.match, { options: { keepBinary: true } });
		expect(kept.binary?.data?.id).toMatch(/^filesystem-v2:/);
		expect((await verifyOne(SANDBOX_NIKS.match)).binary).toBeUndefined();
	});

	it("Include Raw Response adds Kredibel's JSON under raw", async () => {
		const item = await verifyOne(SANDBOX_NIKS.noMatch, { options: { includeRawResponse: true } });
		expect(item.json.raw).toMatchObject({
			message: 'Identity biometric verification succeeded.',
			data: { identityId: SANDBOX_NIKS.noMatch, isValid: true, response: { face: false } },
		});
		expect((await verifyOne(SANDBOX_NIKS.noMatch)).json.raw).toBeUndefined();
	});

	it('does not modify the items of the node before it', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [SANDBOX_NIKS.match],
			options: { keepBinary: true },
		});
		expect(run.run.data.resultData.runData.Start[0].data?.main[0]?.[0].json).toEqual({
			applicant: 0,
			nik: SANDBOX_NIKS.match,
		});
	});
});
