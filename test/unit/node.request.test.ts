import { KredibelBiometric } from '../../nodes/KredibelBiometric/KredibelBiometric.node';
import { makeJpeg, makePng } from '../fixtures/images';
import {
	BinaryStore,
	createContext,
	jsonItem,
	runNode,
	sandboxResponder,
	TEST_API_KEY,
} from '../helpers/mockExecuteContext';

const MATCH_NIK = '1234567890123456';

describe('the request made to Kredibel', () => {
	it('posts the NIK and the exact binary bytes, read through the binary helpers', async () => {
		const store = new BinaryStore();
		const jpeg = makeJpeg();
		const items = [jsonItem({ nik: MATCH_NIK }, { data: store.add(jpeg) })];
		const { context, requests, helpers } = createContext(
			{
				items,
				parameters: {
					identityId: MATCH_NIK,
					imageSource: 'binary',
					binaryPropertyName: 'data',
					options: {},
				},
				respond: sandboxResponder,
			},
			store,
		);

		await new KredibelBiometric().execute.call(context);

		expect(helpers.assertBinaryData).toHaveBeenCalledWith(0, 'data');
		expect(helpers.getBinaryDataBuffer).toHaveBeenCalledWith(0, 'data');
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.credentialType).toBe('kredibelApi');
		expect(request.options).toMatchObject({
			method: 'POST',
			url: 'http://kredibel.test/v1/identity/verification/biometric',
			json: true,
			timeout: 30000,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		});
		expect(Object.keys(request.body).sort()).toEqual(['faceImage', 'identityId']);
		expect(request.body.identityId).toBe(MATCH_NIK);
		expect(Buffer.from(request.body.faceImage, 'base64').equals(jpeg)).toBe(true);
		expect(request.body.faceImage).toBe(jpeg.toString('base64'));
	});

	it('never sets the Authorization header itself: only the credential adds it', async () => {
		const store = new BinaryStore();
		const items = [jsonItem({}, { data: store.add(makeJpeg()) })];
		const { context, requests } = createContext(
			{ items, parameters: { identityId: MATCH_NIK, options: {} }, respond: sandboxResponder },
			store,
		);
		await new KredibelBiometric().execute.call(context);
		expect(requests[0].options.headers?.Authorization).toBeUndefined();
		expect(JSON.stringify(requests[0].options)).not.toContain(TEST_API_KEY);
		expect(requests[0].headers.Authorization).toBe(`Bearer ${TEST_API_KEY}`);
	});

	it('reads the binary property named in Input Binary Field', async () => {
		const store = new BinaryStore();
		const png = makePng();
		const items = [
			jsonItem({}, { data: store.add(makeJpeg()), selfie: store.add(png, 'image/png', 's.png') }),
		];
		const result = await runNode(
			{
				items,
				parameters: { identityId: MATCH_NIK, binaryPropertyName: 'selfie', options: {} },
				respond: sandboxResponder,
			},
			store,
		);
		expect(Buffer.from(result.requests[0].body.faceImage, 'base64').equals(png)).toBe(true);
	});

	it('sends base64 input as clean standard base64 of the same bytes (data: URL, line breaks)', async () => {
		const jpeg = makeJpeg(90, 90);
		const wrapped = `data:image/jpeg;base64,${jpeg
			.toString('base64')
			.match(/.{1,60}/g)
			?.join('\n')}`;
		const result = await runNode({
			items: [jsonItem({ selfie: wrapped })],
			parameters: {
				identityId: MATCH_NIK,
				imageSource: 'base64',
				base64Image: wrapped,
				options: {},
			},
			respond: sandboxResponder,
		});
		expect(result.requests[0].body.faceImage).toBe(jpeg.toString('base64'));
	});

	it('removes separators from the NIK before sending it', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: '1234 5678-9012.3456', options: {} },
				respond: sandboxResponder,
			},
			store,
		);
		expect(result.requests[0].body.identityId).toBe(MATCH_NIK);
	});

	it('uses the Timeout option and the credential base URL without a trailing slash', async () => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: { timeout: 1234 } },
				credentials: {
					apiKey: TEST_API_KEY,
					environment: 'custom',
					baseUrl: 'http://127.0.0.1:8787//',
				},
				respond: sandboxResponder,
			},
			store,
		);
		expect(result.requests[0].options.timeout).toBe(1234);
		expect(result.requests[0].options.url).toBe(
			'http://127.0.0.1:8787/v1/identity/verification/biometric',
		);
	});

	it.each([
		['sandbox', 'https://synapses.sandbox.kredibel.co.id'],
		['production', 'https://synapses.kredibel.co.id'],
	])('uses the %s host when that environment is chosen', async (environment, host) => {
		const store = new BinaryStore();
		const result = await runNode(
			{
				items: [jsonItem({}, { data: store.add(makeJpeg()) })],
				parameters: { identityId: MATCH_NIK, options: {} },
				credentials: { apiKey: TEST_API_KEY, environment, baseUrl: 'http://ignored' },
				respond: sandboxResponder,
			},
			store,
		);
		expect(result.requests[0].options.url).toBe(`${host}/v1/identity/verification/biometric`);
	});

	it('reads parameters per item, as expressions give different values per item', async () => {
		const store = new BinaryStore();
		const niks = [MATCH_NIK, '1234567890111111'];
		const items = niks.map((nik) => jsonItem({ nik }, { data: store.add(makeJpeg()) }));
		const result = await runNode(
			{
				items,
				parameters: {
					identityId: (i: number) => niks[i],
					options: (i: number) => ({ similarityThreshold: i === 0 ? 0.5 : 0.2 }),
				},
				respond: sandboxResponder,
			},
			store,
		);
		expect(result.requests.map((r) => r.body.identityId)).toEqual(niks);
		if (!result.ok) throw result.error;
		expect(result.outputs[0].map((item) => [item.json.threshold, item.json.result])).toEqual([
			[0.5, 'match'],
			[0.2, 'match'],
		]);
	});
});
