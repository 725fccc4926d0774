/**
 * The workflows part 4 compares inside n8n, built for the sandbox's address. All start the same
 * way: a manual trigger and a Code node that makes the applicants (a NIK and a JPEG selfie each,
 * stored by n8n as binary data). Then either this package's node, or what a user would build
 * without it: a Code node that base64-encodes the selfie into a JSON body, and an HTTP Request
 * node that POSTs it with a Header Auth credential (`Authorization: Bearer <key>`). For phone
 * photos: the node alone with Prepare Photo on, or n8n's Edit Image (resize to fit 1024x1024,
 * JPEG quality 80) in front of the node with Prepare Photo off.
 */
import type { WorkflowImport } from '../test/e2e/harness/n8nInstance';
import { MATCHING_NIK } from './benchContext';

export const NODE_NAMES = {
	trigger: 'Start',
	applicants: 'Make applicants',
	kredibel: 'Kredibel Biometric',
	editImage: 'Edit Image',
	encode: 'Encode request body',
	httpRequest: 'HTTP Request',
} as const;

export const CREDENTIALS = {
	kredibel: { id: 'benchKredibelApi', name: 'Kredibel sandbox (bench)' },
	headerAuth: { id: 'benchHeaderAuth1', name: 'Kredibel key as header (bench)' },
} as const;

const BIOMETRIC_PATH = '/v1/identity/verification/biometric';

export interface Applicants {
	count: number;
	selfie: Buffer;
}

/**
 * prepareBinaryData hands the bytes to n8n's binary data service, so the items carry a
 * reference to a stored file (filesystem mode), as they do after a form upload or a download.
 */
function applicantsCode({ count, selfie }: Applicants): string {
	return [
		`// ${count} applicants with the same ~${Math.round(selfie.length / 1000)} KB JPEG selfie, stored as n8n binary data.`,
		`const selfie = Buffer.from('${selfie.toString('base64')}', 'base64');`,
		'const applicants = [];',
		`for (let index = 0; index < ${count}; index++) {`,
		`\tconst data = await this.helpers.prepareBinaryData(selfie, \`selfie-\${index}.jpg\`, 'image/jpeg');`,
		`\tapplicants.push({ json: { applicant: index, nik: '${MATCHING_NIK}' }, binary: { data } });`,
		'}',
		'return applicants;',
	].join('\n');
}

/** What a user writes instead of the node: read the binary, base64 it, shape the JSON body. */
const ENCODE_BODY_CODE = [
	'const items = $input.all();',
	'const bodies = [];',
	'for (let index = 0; index < items.length; index++) {',
	"\tconst bytes = await this.helpers.getBinaryDataBuffer(index, 'data');",
	'\tbodies.push({',
	"\t\tjson: { identityId: items[index].json.nik, faceImage: bytes.toString('base64') },",
	'\t\tpairedItem: { item: index },',
	'\t});',
	'}',
	'return bodies;',
].join('\n');

function node(name: string, type: string, typeVersion: number, x: number, parameters: object) {
	return { id: stableNodeId(name), name, type, typeVersion, position: [x, 0], parameters };
}

/** Stable node ids, so the same workflow imports the same way on every run. */
function stableNodeId(name: string): string {
	const hex = Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function chain(names: string[]): Record<string, unknown> {
	return Object.fromEntries(
		names
			.slice(0, -1)
			.map((from, index) => [
				from,
				{ main: [[{ node: names[index + 1], type: 'main', index: 0 }]] },
			]),
	);
}

function startNodes(applicants: Applicants) {
	return [
		node(NODE_NAMES.trigger, 'n8n-nodes-base.manualTrigger', 1, 0, {}),
		node(NODE_NAMES.applicants, 'n8n-nodes-base.code', 2, 220, {
			jsCode: applicantsCode(applicants),
		}),
	];
}

function kredibelNode(x: number, options: Record<string, unknown>) {
	return {
		...node(NODE_NAMES.kredibel, 'n8n-nodes-kredibel.kredibelBiometric', 1, x, {
			identityId: '={{ $json.nik }}',
			// The applicants share a NIK and a selfie: one request each, like the Code + HTTP side.
			options: { dedupe: false, ...options },
		}),
		credentials: { kredibelApi: CREDENTIALS.kredibel },
	};
}

export function kredibelWorkflow(
	id: string,
	applicants: Applicants,
	concurrency: number,
): WorkflowImport {
	return {
		id,
		name: `Bench: Kredibel Biometric, concurrency ${concurrency}`,
		nodes: [...startNodes(applicants), kredibelNode(440, { concurrency })],
		connections: chain([NODE_NAMES.trigger, NODE_NAMES.applicants, NODE_NAMES.kredibel]),
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Phone photos to Kredibel: `node`, the node alone with Prepare Photo on (the default, set here
 * anyway); `editImage`, what users built before it: Edit Image resizing to fit 1024x1024 (only if
 * larger) as a JPEG of quality 80, then the node with Prepare Photo off. Default concurrency (4).
 */
export function phonePhotoWorkflow(
	id: string,
	applicants: Applicants,
	route: 'node' | 'editImage',
): WorkflowImport {
	if (route === 'node') {
		return {
			id,
			name: 'Bench: phone photos, Kredibel Biometric with Prepare Photo',
			nodes: [...startNodes(applicants), kredibelNode(440, { preparePhoto: true })],
			connections: chain([NODE_NAMES.trigger, NODE_NAMES.applicants, NODE_NAMES.kredibel]),
			settings: { executionOrder: 'v1' },
		};
	}
	const editImage = node(NODE_NAMES.editImage, 'n8n-nodes-base.editImage', 1, 440, {
		operation: 'resize',
		dataPropertyName: 'data',
		width: 1024,
		height: 1024,
		resizeOption: 'onlyIfLarger',
		options: { format: 'jpeg', quality: 80 },
	});
	return {
		id,
		name: 'Bench: phone photos, Edit Image + Kredibel Biometric (Prepare Photo off)',
		nodes: [...startNodes(applicants), editImage, kredibelNode(660, { preparePhoto: false })],
		connections: chain([
			NODE_NAMES.trigger,
			NODE_NAMES.applicants,
			NODE_NAMES.editImage,
			NODE_NAMES.kredibel,
		]),
		settings: { executionOrder: 'v1' },
	};
}

/** HTTP Request's Batching option: `size` requests are started every `intervalMs`. */
export interface Batching {
	size: number;
	intervalMs: number;
}

export function httpRequestWorkflow(
	id: string,
	applicants: Applicants,
	sandboxUrl: string,
	batching: Batching | null,
): WorkflowImport {
	const httpRequest = {
		...node(NODE_NAMES.httpRequest, 'n8n-nodes-base.httpRequest', 4.2, 660, {
			method: 'POST',
			url: `${sandboxUrl}${BIOMETRIC_PATH}`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			sendBody: true,
			bodyParameters: {
				parameters: [
					{ name: 'identityId', value: '={{ $json.identityId }}' },
					{ name: 'faceImage', value: '={{ $json.faceImage }}' },
				],
			},
			options: batching
				? { batching: { batch: { batchSize: batching.size, batchInterval: batching.intervalMs } } }
				: {},
		}),
		credentials: { httpHeaderAuth: CREDENTIALS.headerAuth },
	};
	const label = batching
		? `batches of ${batching.size} every ${batching.intervalMs} ms`
		: 'no batching';
	return {
		id,
		name: `Bench: Code + HTTP Request, ${label}`,
		nodes: [
			...startNodes(applicants),
			node(NODE_NAMES.encode, 'n8n-nodes-base.code', 2, 440, { jsCode: ENCODE_BODY_CODE }),
			httpRequest,
		],
		connections: chain([
			NODE_NAMES.trigger,
			NODE_NAMES.applicants,
			NODE_NAMES.encode,
			NODE_NAMES.httpRequest,
		]),
		settings: { executionOrder: 'v1' },
	};
}
