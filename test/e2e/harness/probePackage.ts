/**
 * A throwaway community package for the harness's own test, written at test time: one node
 * and one credential in plain JavaScript, so the harness can be proven without the real node
 * (which has its own build and its own tests).
 *
 * The node routes input items to two outputs (even and odd positions), stamps each with its
 * `tag` parameter, the credential's `label` and the env variable HARNESS_PROBE_MARK: one
 * workflow then shows the package loaded, credentials decrypted, env passed through and
 * output indexes mapped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PROBE_PACKAGE = 'n8n-nodes-harness-probe';
export const PROBE_NODE_TYPE = `${PROBE_PACKAGE}.harnessProbe`;
export const PROBE_CREDENTIAL_TYPE = 'harnessProbeApi';

const NODE_SOURCE = `'use strict';
class HarnessProbe {
	constructor() {
		this.description = {
			displayName: 'Harness Probe',
			name: 'harnessProbe',
			group: ['transform'],
			version: 1,
			description: 'Throwaway node of the e2e harness test',
			defaults: { name: 'Harness Probe' },
			inputs: ['main'],
			outputs: ['main', 'main'],
			outputNames: ['even', 'odd'],
			credentials: [{ name: '${PROBE_CREDENTIAL_TYPE}', required: true }],
			properties: [{ displayName: 'Tag', name: 'tag', type: 'string', default: '' }],
		};
	}
	async execute() {
		const items = this.getInputData();
		const credentials = await this.getCredentials('${PROBE_CREDENTIAL_TYPE}');
		const outputs = [[], []];
		items.forEach((item, i) => {
			outputs[i % 2].push({
				json: {
					...item.json,
					tag: this.getNodeParameter('tag', i),
					label: credentials.label,
					mark: process.env.HARNESS_PROBE_MARK || null,
				},
				pairedItem: { item: i },
			});
		});
		return outputs;
	}
}
module.exports = { HarnessProbe };
`;

const CREDENTIAL_SOURCE = `'use strict';
class HarnessProbeApi {
	constructor() {
		this.name = '${PROBE_CREDENTIAL_TYPE}';
		this.displayName = 'Harness Probe API';
		this.properties = [
			{ displayName: 'Label', name: 'label', type: 'string', default: '' },
			{ displayName: 'Token', name: 'token', type: 'string', typeOptions: { password: true }, default: '' },
		];
	}
}
module.exports = { HarnessProbeApi };
`;

/**
 * Writes the package into a new temp folder and returns the folder (pack it with
 * `packDirectory`). `dependencies` lets a test add what a broken package would bring along.
 */
export function writeProbePackage(
	options: { dependencies?: Record<string, string>; omitNodeFile?: boolean } = {},
): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-probe-'));
	fs.mkdirSync(path.join(dir, 'dist'));
	const packageJson = {
		name: PROBE_PACKAGE,
		version: '0.0.1',
		description: 'Throwaway package of the e2e harness test',
		license: 'MIT',
		files: ['dist'],
		n8n: {
			n8nNodesApiVersion: 1,
			nodes: ['dist/HarnessProbe.node.js'],
			credentials: ['dist/HarnessProbeApi.credentials.js'],
		},
		// As the real package declares it: optional, so npm does not install a second copy.
		peerDependencies: { 'n8n-workflow': '*' },
		peerDependenciesMeta: { 'n8n-workflow': { optional: true } },
		...(options.dependencies ? { dependencies: options.dependencies } : {}),
	};
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
	// n8n derives the class name from the file name: HarnessProbe.node.js exports HarnessProbe.
	if (!options.omitNodeFile) {
		fs.writeFileSync(path.join(dir, 'dist', 'HarnessProbe.node.js'), NODE_SOURCE);
	}
	fs.writeFileSync(path.join(dir, 'dist', 'HarnessProbeApi.credentials.js'), CREDENTIAL_SOURCE);
	return dir;
}

/** A stand-in `n8n-workflow` package folder, to make a package that wrongly brings its own. */
export function writeFakeN8nWorkflow(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-n8n-workflow-'));
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({ name: 'n8n-workflow', version: '0.0.0-fake', license: 'MIT' }),
	);
	fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = {};\n');
	return dir;
}
