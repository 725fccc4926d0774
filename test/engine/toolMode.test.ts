/**
 * Tool mode: the node attached to an agent as `kredibelBiometricTool`, the way n8n wraps a
 * `usableAsTool` node (n8n-core's createNodeAsTool, the model's arguments read by `$fromAI`).
 * A tool never throws and answers with JSON the model can read, failures included.
 */
import { SELFIE, useSandbox, sandboxCredential } from './harness/fixtures';
import { AGENT_NODE, runWorkflow } from './harness/runWorkflow';
import { SANDBOX_NIKS } from '../sandbox/server';

const env = useSandbox();

async function callTool(calls: Array<Record<string, string>>) {
	return await runWorkflow({
		items: [{ json: {} }],
		parameters: {
			identityId: "={{ $fromAI('nik', 'The applicant NIK', 'string') }}",
			imageSource: 'base64',
			base64Image: "={{ $fromAI('selfie', 'The selfie as base64', 'string') }}",
			routeByResult: true,
			options: {},
		},
		credentials: sandboxCredential(env.sandbox),
		toolCalls: calls.map((args) => ({ arguments: args })),
	});
}

describe('as an AI tool', () => {
	it('answers a verdict as JSON, and failures as JSON too, without throwing', async () => {
		const selfie = SELFIE.toString('base64');
		const run = await callTool([
			{ nik: SANDBOX_NIKS.match, selfie },
			{ nik: SANDBOX_NIKS.noMatch, selfie },
			{ nik: '123', selfie },
		]);
		expect(run.run.status).toBe('success');
		const answers = (run.reached(AGENT_NODE) ?? []).map((item) => item.json);
		expect(answers.every((answer) => answer.thrown === undefined)).toBe(true);
		const parsed = answers.map(
			(answer) => JSON.parse(String(answer.answer)) as Array<Record<string, unknown>>,
		);
		expect(parsed[0][0]).toMatchObject({ result: 'match', faceSimilarity: expect.any(Number) });
		expect(parsed[1][0]).toMatchObject({ result: 'no_match' });
		expect(parsed[2][0]).toMatchObject({
			result: 'error',
			errorType: 'invalid_identity_id',
			charged: false,
			message: 'The NIK has 3 digits instead of 16',
		});
		// The answer does not repeat the NIK the model sent.
		expect(String(answers[0].answer)).not.toContain(SANDBOX_NIKS.match);
		expect(env.biometricRequests().map((entry) => entry.identityId)).toEqual([
			SANDBOX_NIKS.match,
			SANDBOX_NIKS.noMatch,
		]);
	});

	it('an API failure comes back as JSON the model can read', async () => {
		env.sandbox.addFault({ fault: { kind: 'error', errorType: 'no_face_detected' } });
		const run = await callTool([{ nik: SANDBOX_NIKS.match, selfie: SELFIE.toString('base64') }]);
		const [answer] = run.reached(AGENT_NODE) ?? [];
		expect(answer.json.thrown).toBeUndefined();
		const [first] = JSON.parse(String(answer.json.answer)) as Array<Record<string, unknown>>;
		expect(first).toMatchObject({ errorType: 'no_face_detected', charged: true });
	});
});
