/**
 * Boolean options given by expressions: `$vars`, `$env` and sheet cells hand over "true" and
 * "false" as text. The node reads them as what they say, and refuses anything else instead of
 * guessing (a guessed "off" for Mask NIK would show what the user asked to hide).
 */
import { SANDBOX_NIKS } from '../sandbox/server';
import { applicants, useSandbox, verifyWith, type VerifySpec } from './harness/fixtures';

const env = useSandbox();
const verify = (spec: VerifySpec) => verifyWith(env.sandbox, spec);

describe('boolean options as text', () => {
	it('Mask NIK "true" from an expression masks the NIK', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			options: { maskIdentityId: '={{ "true" }}' },
		});
		const [item] = run.output('Success');
		expect(item.json).toMatchObject({ result: 'match', identityId: '123456******3456' });
		expect(JSON.stringify(run.outputs)).not.toContain(SANDBOX_NIKS.match);
	});

	it('Include Raw Response " FALSE " leaves the raw answer out', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			options: { includeRawResponse: '={{ " FALSE " }}' },
		});
		expect(run.output('Success')[0].json.raw).toBeUndefined();
	});

	it('Keep Binary "yes" is refused, naming the value, with no request', async () => {
		const run = await verify({
			niks: [SANDBOX_NIKS.match],
			options: { keepBinary: '={{ "yes" }}' },
		});
		expect(env.biometricRequests()).toHaveLength(0);
		expect(run.output('Error')[0].json).toMatchObject({
			errorType: 'invalid_parameter',
			error: '[item 0] Keep Binary must be true or false, got "yes"',
			charged: false,
		});
	});

	it('Dedupe "false" sends each duplicate; anything unclear keeps one request per applicant', async () => {
		const twice = [SANDBOX_NIKS.match, SANDBOX_NIKS.match];
		await verify({ niks: twice, items: applicants(twice), options: { dedupe: '={{ "false" }}' } });
		expect(env.biometricRequests()).toHaveLength(2);
		env.sandbox.reset();
		await verify({ niks: twice, items: applicants(twice), options: { dedupe: '={{ "no" }}' } });
		expect(env.biometricRequests()).toHaveLength(1);
	});
});
