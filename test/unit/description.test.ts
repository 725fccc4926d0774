import {
	NodeHelpers,
	Workflow,
	type INode,
	type INodeProperties,
	type INodeTypes,
} from 'n8n-workflow';

import { KredibelBiometric } from '../../nodes/KredibelBiometric/KredibelBiometric.node';

const { description } = new KredibelBiometric();

/** The outputs n8n draws for these parameters, computed by n8n-workflow's own NodeHelpers. */
function outputsFor(parameters: Record<string, unknown>) {
	const node: INode = {
		id: 'k',
		name: 'Kredibel Biometric',
		type: 'n8n-nodes-kredibel.kredibelBiometric',
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
	};
	const nodeTypes = {
		getByName: () => new KredibelBiometric(),
		getByNameAndVersion: () => new KredibelBiometric(),
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	return NodeHelpers.getNodeOutputs(workflow, node, description);
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
			'toolDescription',
			'identityId',
			'imageSource',
			'binaryPropertyName',
			'base64Image',
			'imageUrl',
			'routeByResult',
			'options',
		]);
	});

	it('has the documented defaults', () => {
		const byName = Object.fromEntries(description.properties.map((p) => [p.name, p]));
		expect(byName.imageSource.default).toBe('binary');
		expect(byName.binaryPropertyName.default).toBe('data');
		expect(byName.routeByResult.default).toBe(false);
		expect(byName.imageUrl.default).toBe('');
		expect((byName.imageSource.options as Array<{ value: string }>).map((o) => o.value)).toEqual([
			'binary',
			'base64',
			'url',
		]);
		const options = Object.fromEntries(
			(byName.options.options as INodeProperties[]).map((o) => [o.name, o.default]),
		);
		expect(options).toEqual({
			allowPrivateAddresses: false,
			concurrency: 4,
			dedupe: true,
			faceCheck: 'refuse',
			includeRawResponse: false,
			keepBinary: false,
			maskIdentityId: false,
			maxImageSizeKb: 1024,
			maxRetries: 2,
			nikValidation: 'format',
			preparePhoto: true,
			reuseWindowHours: 24,
			similarityThreshold: 0.75,
			timeout: 30000,
		});
	});

	it('has one output, or No Verdict / Match / No Match / Invalid Identity with Route by Result', () => {
		expect(outputsFor({ routeByResult: false })).toEqual([{ type: 'main' }]);
		expect(outputsFor({})).toEqual([{ type: 'main' }]);
		expect(outputsFor({ routeByResult: true })).toEqual([
			{ type: 'main', displayName: 'No Verdict' },
			{ type: 'main', displayName: 'Match' },
			{ type: 'main', displayName: 'No Match' },
			{ type: 'main', displayName: 'Invalid Identity' },
		]);
	});

	it('routes only for true or the text "true": other values draw one output', () => {
		for (const value of ['true', ' TRUE ', true]) {
			expect(outputsFor({ routeByResult: value })).toHaveLength(4);
		}
		for (const value of ['false', 'yes', 1, 0, null, '={{ true }}', {}, []]) {
			expect(outputsFor({ routeByResult: value })).toEqual([{ type: 'main' }]);
		}
	});

	it('keeps Route by Result out of expressions and hides what a tool call cannot use', () => {
		const byName = Object.fromEntries(description.properties.map((p) => [p.name, p]));
		expect(byName.routeByResult.noDataExpression).toBe(true);
		expect(byName.routeByResult.displayOptions?.hide?.['@tool']).toEqual([true]);
		expect(byName.binaryPropertyName.displayOptions?.hide?.['@tool']).toEqual([true]);
		const options = Object.fromEntries(
			(byName.options.options as INodeProperties[]).map((o) => [o.name, o]),
		);
		expect(options.keepBinary.displayOptions?.hide?.['@tool']).toEqual([true]);
		expect(options.concurrency.displayOptions?.hide?.['@tool']).toEqual([true]);
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
