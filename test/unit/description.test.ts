import type { INodeProperties } from 'n8n-workflow';

import { KredibelBiometric } from '../../nodes/KredibelBiometric/KredibelBiometric.node';

const { description } = new KredibelBiometric();

/** n8n evaluates the outputs expression on the node's parameters; so does this test. */
function outputsFor(parameters: Record<string, unknown>) {
	const expression = description.outputs as string;
	const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)?.[1];
	if (body === undefined) throw new Error('outputs is not an expression');
	return new Function('$parameter', `return (${body});`)(parameters);
}

describe('node description', () => {
	it('has the public names of the contract', () => {
		expect(description).toMatchObject({
			name: 'kredibelBiometric',
			displayName: 'Kredibel Biometric',
			version: 1,
			usableAsTool: true,
		});
		expect(description.credentials).toEqual([{ name: 'kredibelApi', required: true }]);
		expect(description.properties.map((p) => p.name)).toEqual([
			'identityId',
			'imageSource',
			'binaryPropertyName',
			'base64Image',
			'routeByResult',
			'options',
		]);
	});

	it('has the documented defaults', () => {
		const byName = Object.fromEntries(description.properties.map((p) => [p.name, p]));
		expect(byName.imageSource.default).toBe('binary');
		expect(byName.binaryPropertyName.default).toBe('data');
		expect(byName.routeByResult.default).toBe(false);
		const options = Object.fromEntries(
			(byName.options.options as INodeProperties[]).map((o) => [o.name, o.default]),
		);
		expect(options).toEqual({
			concurrency: 4,
			includeRawResponse: false,
			keepBinary: false,
			maskIdentityId: false,
			maxImageSizeKb: 1024,
			maxRetries: 2,
			nikValidation: 'format',
			similarityThreshold: 0.75,
			timeout: 30000,
		});
	});

	it('has one output, or Match / No Match / Invalid Identity with Route by Result', () => {
		expect(outputsFor({ routeByResult: false })).toEqual([{ type: 'main' }]);
		expect(outputsFor({})).toEqual([{ type: 'main' }]);
		expect(outputsFor({ routeByResult: true })).toEqual([
			{ type: 'main', displayName: 'Match' },
			{ type: 'main', displayName: 'No Match' },
			{ type: 'main', displayName: 'Invalid Identity' },
		]);
	});
});

describe('on n8n 1.80 to 1.84', () => {
	it('loads although n8n-workflow there has no NodeConnectionTypes', async () => {
		await jest.isolateModulesAsync(async () => {
			jest.doMock('n8n-workflow', () => ({
				...jest.requireActual('n8n-workflow'),
				NodeConnectionTypes: undefined,
			}));
			const { KredibelBiometric: OnOldHost } = await import(
				'../../nodes/KredibelBiometric/KredibelBiometric.node'
			);
			expect(new OnOldHost().description.inputs).toEqual(['main']);
		});
	});
});
