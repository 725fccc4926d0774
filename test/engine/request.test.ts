/**
 * The request the node makes, as it leaves n8n: the selfie read back from n8n's filesystem
 * binary storage, the key added only by the credential's `authenticate`, the NIK and image
 * cleaned, the Timeout option and the credential's base URL. Checked on both sides: the
 * options the node handed n8n, and what the sandbox received.
 */
import { makeJpeg, makePng } from '../fixtures/images';
import { TEST_API_KEY } from '../helpers/secrets';
import { SANDBOX_NIKS } from '../sandbox/server';
import { pairedIndexes, sandboxCredential, useSandbox, verifyWith } from './harness/fixtures';

const env = useSandbox();

describe('the request made to Kredibel', () => {
	it('posts the NIK and the exact bytes stored by n8n (filesystem mode), with the Bearer key from the credential', async () => {
		const jpeg = makeJpeg();
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [{ json: { nik: SANDBOX_NIKS.match }, binary: { data: { bytes: jpeg } } }],
		});
		// The item n8n handed the node held a storage reference, not the bytes.
		const stored = run.run.data.resultData.runData.Start[0].data?.main[0]?.[0].binary?.data;
		expect(stored?.id).toMatch(/^filesystem-v2:/);
		const [entry] = env.biometricRequests();
		expect(entry.identityId).toBe(SANDBOX_NIKS.match);
		expect(entry.faceImage?.equals(jpeg)).toBe(true);
		expect(entry.authorization).toBe(`Bearer ${TEST_API_KEY}`);
		expect(entry.contentType).toMatch(/application\/json/);
		expect(entry.query).toBe('');
	});

	it('never sets the Authorization header itself: n8n adds it from the credential', async () => {
		const run = await verifyWith(env.sandbox, { niks: [SANDBOX_NIKS.match] });
		const [sent] = run.authenticatedRequests;
		expect(sent).toMatchObject({
			method: 'POST',
			url: `${env.sandbox.url}/v1/identity/verification/biometric`,
			timeout: 30000,
		});
		// What the node asked for had no key; the header came from `authenticate`.
		expect(sent.headers?.Authorization).toBe(`Bearer ${TEST_API_KEY}`);
		expect(JSON.stringify(sent.body)).not.toContain(TEST_API_KEY);
	});

	it('a wrong key: Kredibel refuses it, not retried, unauthorized', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [SANDBOX_NIKS.match],
			credentials: sandboxCredential(env.sandbox, 'wrong-key'),
		});
		expect(env.biometricRequests()).toHaveLength(1);
		expect(run.output('Error')[0].json).toMatchObject({ errorType: 'unauthorized', httpCode: 401 });
		expect(run.output('Error')[0].json.description).toMatch(/API Key/);
	});

	it('reads the binary property named in Input Binary Field', async () => {
		const png = makePng();
		await verifyWith(env.sandbox, {
			niks: [],
			items: [
				{
					json: { nik: SANDBOX_NIKS.match },
					binary: {
						data: { bytes: makeJpeg() },
						selfie: { bytes: png, mimeType: 'image/png', fileName: 's.png' },
					},
				},
			],
			parameters: { binaryPropertyName: 'selfie' },
		});
		expect(env.biometricRequests()[0].faceImage?.equals(png)).toBe(true);
	});

	it('sends base64 input (a data: URL with line breaks) as the same bytes', async () => {
		const jpeg = makeJpeg(90, 90);
		const wrapped = `data:image/jpeg;base64,${jpeg
			.toString('base64')
			.match(/.{1,60}/g)
			?.join('\n')}`;
		await verifyWith(env.sandbox, {
			niks: [],
			items: [{ json: { nik: SANDBOX_NIKS.match, selfie: wrapped } }],
			parameters: { imageSource: 'base64', base64Image: '={{ $json.selfie }}' },
		});
		expect(env.biometricRequests()[0].faceImage?.equals(jpeg)).toBe(true);
	});

	it('removes separators from the NIK before sending it', async () => {
		await verifyWith(env.sandbox, { niks: ['1234 5678-9012.3456'] });
		expect(env.biometricRequests()[0].identityId).toBe(SANDBOX_NIKS.match);
	});

	it('uses the Timeout option and the credential base URL without its trailing slashes', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [SANDBOX_NIKS.match],
			options: { timeout: 1234 },
			credentials: { ...sandboxCredential(env.sandbox), baseUrl: `${env.sandbox.url}//` },
		});
		expect(run.authenticatedRequests[0]).toMatchObject({
			timeout: 1234,
			url: `${env.sandbox.url}/v1/identity/verification/biometric`,
		});
		expect(env.biometricRequests()).toHaveLength(1);
	});

	it('reads parameters per item, as expressions give different values per item', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch],
			options: { similarityThreshold: '={{ $json.applicant === 0 ? 0.5 : 0.2 }}' },
		});
		// Concurrent requests: the arrival order is not fixed.
		expect(
			env
				.biometricRequests()
				.map((entry) => entry.identityId)
				.sort(),
		).toEqual([SANDBOX_NIKS.match, SANDBOX_NIKS.noMatch].sort());
		const output = run.output('Success');
		expect(pairedIndexes(output)).toEqual([0, 1]);
		expect(output.map((item) => [item.json.threshold, item.json.result])).toEqual([
			[0.5, 'match'],
			// Kredibel said face: false (0.24): never a match, whatever the threshold.
			[0.2, 'no_match'],
		]);
	});
});
