/**
 * A jest-free stand-in for n8n's IExecuteFunctions, with just what the node calls. It follows
 * n8n where it matters for cost: an item carries only a storage reference and the bytes come
 * from `helpers.getBinaryDataBuffer` (from memory, or from a file on disk as in n8n's default
 * filesystem binary mode), and the API key is added to each request as the credential's
 * `authenticate` does (`Authorization: Bearer <key>`), never by the node.
 */
import fs from 'node:fs';

import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';

import type { Transport } from './transports';

export const BENCH_API_KEY = 'bench-sandbox-key';
/** Kredibel's sandbox NIK that matches: every bench item is a successful verification. */
export const MATCHING_NIK = '1234567890123456';
export const BINARY_PROPERTY = 'data';

/** Where `getBinaryDataBuffer` finds the bytes an item's binary id points to. */
export interface BinaryStore {
	read(id: string): Promise<Buffer>;
}

/** Bytes kept in memory and handed out as they are: the cheapest helper, so the strictest ratio. */
export class MemoryBinaryStore implements BinaryStore {
	private readonly files = new Map<string, Buffer>();

	add(bytes: Buffer): string {
		const id = `memory:${this.files.size + 1}`;
		this.files.set(id, bytes);
		return id;
	}

	async read(id: string): Promise<Buffer> {
		const bytes = this.files.get(id);
		if (!bytes) throw new Error(`no stored binary data for ${id}`);
		return bytes;
	}
}

/** n8n's filesystem mode: the id names a file, read whole into a fresh Buffer on every call. */
export class DiskBinaryStore implements BinaryStore {
	read(id: string): Promise<Buffer> {
		return fs.promises.readFile(id);
	}
}

/** An input item as n8n hands it over in filesystem mode: a reference, not the bytes. */
export function imageItem(index: number, binaryId: string, fileSize: number): INodeExecutionData {
	const binary: IBinaryData = {
		id: binaryId,
		data: 'filesystem-v2',
		mimeType: 'image/jpeg',
		fileName: `selfie-${index}.jpg`,
		fileSize: String(fileSize),
	};
	return { json: { applicant: index }, binary: { [BINARY_PROPERTY]: binary } };
}

export interface BenchContextOptions {
	items: INodeExecutionData[];
	binaryStore: BinaryStore;
	transport: Transport;
	baseUrl: string;
	/** The node's Concurrency option; the node's default (4) when left out. */
	concurrency?: number;
}

const BENCH_NODE: INode = {
	id: '5b1f7c2e-0000-4000-8000-00000000be4c',
	name: 'Kredibel Biometric',
	type: 'n8n-nodes-kredibel.kredibelBiometric',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export function createBenchContext(options: BenchContextOptions): IExecuteFunctions {
	const parameters: IDataObject = {
		identityId: MATCHING_NIK,
		imageSource: 'binary',
		binaryPropertyName: BINARY_PROPERTY,
		routeByResult: false,
		// Every bench item is the same applicant: dedupe off, so each item is one request, as
		// the baselines make one, and the figures compare the per-request work.
		options: {
			dedupe: false,
			...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
		},
	};
	const credentials: IDataObject = {
		apiKey: BENCH_API_KEY,
		environment: 'custom',
		baseUrl: options.baseUrl,
	};
	const binaryOf = (itemIndex: number, propertyName: string): IBinaryData => {
		const binary = options.items[itemIndex]?.binary?.[propertyName];
		if (!binary?.id) throw new Error(`item ${itemIndex} has no binary property ${propertyName}`);
		return binary;
	};

	const context = {
		getInputData: () => options.items,
		getNode: () => BENCH_NODE,
		continueOnFail: () => false,
		getCredentials: async () => credentials,
		getExecutionCancelSignal: () => undefined,
		getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown) =>
			name in parameters ? parameters[name] : fallback,
		helpers: {
			assertBinaryData: binaryOf,
			getBinaryDataBuffer: (itemIndex: number, propertyName: string) =>
				options.binaryStore.read(binaryOf(itemIndex, propertyName).id as string),
			httpRequestWithAuthentication: (_credentialType: string, request: IHttpRequestOptions) =>
				options.transport({
					...request,
					headers: { ...request.headers, Authorization: `Bearer ${credentials.apiKey}` },
				}),
		},
	};
	return context as unknown as IExecuteFunctions;
}

/** A run whose items did not all match measured error paths: its figures would mean nothing. */
export function assertAllMatched(side: string, outputs: INodeExecutionData[][], count: number) {
	const items = outputs.flat();
	const matched = items.filter((item) => item.json.result === 'match').length;
	if (items.length !== count || matched !== count) {
		throw new Error(`${side}: ${matched} of ${count} items matched (${items.length} out)`);
	}
}
