/**
 * The whole node inside n8n-core, for whatever an expression puts in the NIK field: one item in,
 * one item out, paired with itself; a value the node refuses fails only its own item, as
 * `invalid_identity_id`, before any request, and the items around it are verified as usual.
 * The values come from the items' JSON through `{{ $json.nik }}`, so they are what n8n can carry
 * there (JSON values, numbers at the edges, NIK-like text); what n8n cannot carry (BigInt, Map,
 * boxed values) is covered by the pure `validateNik` properties in test/unit/properties.test.ts.
 * A fixed seed makes any failure reproduce.
 */
import fc from 'fast-check';

import { validateNik } from '../../nodes/KredibelBiometric/nik';
import { anyNumber, nikLikeText } from '../helpers/nikArbitraries';
import { SANDBOX_NIKS } from '../sandbox/server';
import {
	applicants,
	forgetAnswers,
	pairedIndexes,
	useSandbox,
	verifyWith,
} from './harness/fixtures';

const SEED = 20_240_817;
const env = useSandbox();

/** What a mapped NIK field can hold in n8n: any JSON value, numbers, NIK-like and odd text. */
const nikFieldValue = fc.oneof(
	fc.jsonValue(),
	nikLikeText,
	anyNumber,
	fc.string({ unit: 'binary' }),
	fc.constantFrom(undefined, null, true, false, [], {}, ['3171011708450001'], { nik: 1 }),
);

/** Each generated value followed by an applicant whose NIK matches in the sandbox. */
function interleaveWithMatches(values: unknown[]): unknown[] {
	return values.flatMap((value) => [value, SANDBOX_NIKS.match]);
}

describe('the node, for any NIK value', () => {
	it('fails only that item, as invalid_identity_id, and leaves the others alone', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(nikFieldValue, { minLength: 1, maxLength: 4 }), async (values) => {
				env.sandbox.resetLog();
				// Each run stands alone: a NIK sent by an earlier run would otherwise be reused.
				forgetAnswers();
				const niks = interleaveWithMatches(values);
				const run = await verifyWith(env.sandbox, {
					niks,
					settings: { onError: 'continueRegularOutput' },
				});
				const output = run.output('Output');
				expect(pairedIndexes(output)).toEqual(niks.map((_nik, index) => index));
				const sent = new Set<string>([SANDBOX_NIKS.match]);
				values.forEach((value, k) => {
					const generated = output[2 * k].json;
					const checked = validateNik(value, 'format');
					if (checked.ok) {
						sent.add(checked.nik);
						expect(generated.error).toBeUndefined();
						expect(generated.identityId).toBe(checked.nik);
					} else {
						expect(generated).toMatchObject({
							errorType: 'invalid_identity_id',
							attempts: 0,
							charged: false,
						});
					}
					expect(output[2 * k + 1].json.result).toBe('match');
				});
				// Exactly the accepted NIKs reached Kredibel, each once (same NIK, same selfie).
				const requested = env.biometricRequests().map((entry) => entry.identityId);
				expect([...requested].sort()).toEqual([...sent].sort());
			}),
			{ seed: SEED, numRuns: 60 },
		);
	});

	it('a circular object from an expression fails only its item, before any request; the next item is still sent and matches', async () => {
		const items = applicants([SANDBOX_NIKS.match, SANDBOX_NIKS.match]);
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items,
			parameters: {
				identityId:
					'={{ $json.applicant === 0 ? (() => { const o = { nik: $json.nik }; o.self = o; return o; })() : $json.nik }}',
			},
			settings: { onError: 'continueRegularOutput' },
		});
		const [first, second] = run.output('Output');
		expect(first.pairedItem).toEqual({ item: 0 });
		// n8n itself cannot resolve the expression (its copy of the value overflows the stack), so
		// the node never gets a NIK: it reports the parameter, for this item only, sending nothing.
		expect(first.json).toMatchObject({
			errorType: 'invalid_parameter',
			charged: false,
			attempts: 0,
			identityId: null,
		});
		expect(first.json.description).toMatch(/expression/);
		expect(second.pairedItem).toEqual({ item: 1 });
		expect(second.json.result).toBe('match');
		expect(env.biometricRequests()).toHaveLength(1);
	});
});
