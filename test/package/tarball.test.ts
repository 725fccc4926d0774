/**
 * The package as npm publishes it: `npm pack` of the built dist/, unpacked, and the node and
 * credential classes loaded from the unpacked files. Needs `npm run build` first (npm test does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ICredentialType, INodeType } from 'n8n-workflow';

import { packAndUnpack, type PackedPackage } from './packTarball';

let packed: PackedPackage;
let files: string[];
let unpacked: string;

beforeAll(() => {
	packed = packAndUnpack();
	files = packed.files;
	unpacked = packed.dir;
}, 120_000);

afterAll(() => packed?.dispose());

describe('the published tarball', () => {
	it('holds only dist/, the README, the licence, the third-party notices and package.json', () => {
		const outside = files.filter((path) => !path.startsWith('dist/'));
		expect(outside.sort()).toEqual([
			'LICENSE.md',
			'README.md',
			'THIRD_PARTY_NOTICES.md',
			'package.json',
		]);
		expect(files).toEqual(
			expect.arrayContaining([
				'dist/nodes/KredibelBiometric/KredibelBiometric.node.js',
				'dist/nodes/KredibelBiometric/KredibelBiometric.node.json',
				'dist/nodes/KredibelBiometric/kredibel.svg',
				'dist/nodes/KredibelBiometric/kredibel.dark.svg',
				'dist/credentials/KredibelApi.credentials.js',
				'dist/credentials/kredibel.svg',
				'dist/credentials/kredibel.dark.svg',
				'dist/nodes/KredibelBiometric/face/blazeFaceWeights.generated.js',
			]),
		);
		expect(
			files.filter((path) => /test|sandbox|\.ts$/.test(path) && !path.endsWith('.d.ts')),
		).toEqual([]);
	});

	it('ships the notice and licence of the embedded MediaPipe weights', () => {
		const notices = readFileSync(join(unpacked, 'THIRD_PARTY_NOTICES.md'), 'utf8');
		expect(notices).toContain('@mediapipe/face_detection');
		expect(notices).toContain('3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633');
		expect(notices).toContain('Apache License');
		expect(notices).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
		const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
		expect(pkg.license).toBe('MIT');
	});

	it('has the package.json n8n needs, and no runtime dependencies', () => {
		const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
		expect(pkg.name).toBe('n8n-nodes-kredibel');
		expect(pkg.license).toBe('MIT');
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.author).toEqual({ name: expect.any(String), email: expect.stringMatching(/@/) });
		expect(pkg.files).toEqual(['dist', 'THIRD_PARTY_NOTICES.md']);
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		// Optional, so a manual `npm install` into ~/.n8n/nodes does not fetch a second copy.
		expect(pkg.peerDependenciesMeta).toEqual({ 'n8n-workflow': { optional: true } });
		expect(pkg.n8n).toEqual({
			n8nNodesApiVersion: 1,
			strict: true,
			credentials: ['dist/credentials/KredibelApi.credentials.js'],
			nodes: ['dist/nodes/KredibelBiometric/KredibelBiometric.node.js'],
		});
		for (const path of [...pkg.n8n.credentials, ...pkg.n8n.nodes])
			expect(existsSync(join(unpacked, path))).toBe(true);
		for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
			expect(pkg.scripts?.[script]).toBeUndefined();
	});

	it('loads the node from the packed files with its description', async () => {
		const { KredibelBiometric } = (await import(
			join(unpacked, 'dist/nodes/KredibelBiometric/KredibelBiometric.node.js')
		)) as {
			KredibelBiometric: new () => INodeType;
		};
		const { description } = new KredibelBiometric();
		expect(description.name).toBe('kredibelBiometric');
		expect(description.displayName).toBe('Kredibel Biometric');
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
		expect(description.inputs).toEqual(['main']);
		expect(description.outputs).toMatch(/Match[\s\S]*No Match[\s\S]*Invalid Identity/);
		expect(description.credentials).toEqual([{ name: 'kredibelApi', required: true }]);
		expect(typeof new KredibelBiometric().execute).toBe('function');
		const codex = JSON.parse(
			readFileSync(
				join(unpacked, 'dist/nodes/KredibelBiometric/KredibelBiometric.node.json'),
				'utf8',
			),
		);
		expect(codex.node).toBe('n8n-nodes-kredibel.kredibelBiometric');
		expect(codex.alias).toEqual(
			expect.arrayContaining(['KYC', 'eKYC', 'NIK', 'KTP', 'Dukcapil', 'face', 'identity']),
		);
	});

	it('loads the credential from the packed files', async () => {
		const { KredibelApi } = (await import(
			join(unpacked, 'dist/credentials/KredibelApi.credentials.js')
		)) as {
			KredibelApi: new () => ICredentialType;
		};
		const credential = new KredibelApi();
		expect(credential.name).toBe('kredibelApi');
		expect(credential.properties.map((p) => p.name)).toEqual(['apiKey', 'environment', 'baseUrl']);
		expect(credential.test?.request.url).toBe('/v1/billing/credit');
	});
});
