/**
 * A mocked IExecuteFunctions for the unit tests that still call execute() directly (the retry
 * policy, the bad-input corpus and the NIK property): scripted replies instead of HTTP, so they
 * can run thousands of cases. Everything n8n itself does around the node (outputs, continue on
 * fail, Retry On Fail, credentials, binary storage, HTTP) is tested in test/engine/ inside
 * n8n-core instead. Every output and error is still scanned for the API key.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';

import { KredibelApi } from '../../credentials/KredibelApi.credentials';
import { assertNoSecret, TEST_API_KEY } from './secrets';
import { verificationBody } from '../sandbox/kredibel-responses';
import { KredibelBiometric } from '../../nodes/KredibelBiometric/KredibelBiometric.node';

export { TEST_API_KEY };

export const TEST_NODE: INode = {
	id: 'b6f8f7f0-0000-4000-8000-000000000001',
	name: 'Kredibel Biometric',
	type: 'n8n-nodes-kredibel.kredibelBiometric',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export interface RecordedRequest {
	credentialType: string;
	options: IHttpRequestOptions;
	/** Headers as sent, after the credential's authenticate ran. */
	headers: Record<string, string>;
	body: { identityId: string; faceImage: string };
}

export type Reply = { statusCode: number; body: unknown; headers?: Record<string, unknown> };
export type Responder = (request: RecordedRequest, callNumber: number) => Reply | Promise<Reply>;

export interface MockOptions {
	items: INodeExecutionData[];
	/** Parameter values; a function gets the item index (as expressions do). */
	parameters: Record<string, unknown | ((itemIndex: number) => unknown)>;
	respond?: Responder;
	continueOnFail?: boolean;
	/** The node's On Error setting; with continueOnFail and none given, the error output. */
	onError?: INode['onError'];
	credentials?: IDataObject;
	cancelSignal?: AbortSignal;
}

/** Binary data storage behind the helpers: the item itself only carries an id. */
export class BinaryStore {
	private readonly files = new Map<string, Buffer>();

	add(bytes: Buffer, mimeType = 'image/jpeg', fileName = 'selfie.jpg'): IBinaryData {
		const id = `filesystem-v2:workflows/1/executions/1/binary_data/${this.files.size + 1}`;
		this.files.set(id, bytes);
		// `data` holds the storage mode, not the bytes, as in n8n's filesystem mode.
		return { id, data: 'filesystem-v2', mimeType, fileName, fileSize: String(bytes.length) };
	}

	read(binary: IBinaryData): Buffer {
		const bytes = binary.id ? this.files.get(binary.id) : undefined;
		if (!bytes) throw new Error(`no stored file for ${binary.id}`);
		return bytes;
	}
}

/** A credential's generic `authenticate`, applied as n8n applies it. */
function authenticate(credentials: IDataObject): Record<string, string> {
	const headers = new KredibelApi().authenticate.properties.headers as Record<string, string>;
	return Object.fromEntries(
		Object.entries(headers).map(([name, template]) => [
			name,
			template.replace(/^=/, '').replace('{{$credentials.apiKey}}', String(credentials.apiKey)),
		]),
	);
}

export function createContext(options: MockOptions, store: BinaryStore) {
	const requests: RecordedRequest[] = [];
	const credentials: IDataObject = options.credentials ?? {
		apiKey: TEST_API_KEY,
		environment: 'custom',
		baseUrl: 'https://kredibel.test',
	};
	const httpRequestWithAuthentication = jest.fn(
		async (credentialType: string, requestOptions: IHttpRequestOptions) => {
			const request: RecordedRequest = {
				credentialType,
				options: requestOptions,
				headers: {
					...(requestOptions.headers as Record<string, string>),
					...authenticate(credentials),
				},
				body: requestOptions.body as RecordedRequest['body'],
			};
			requests.push(request);
			const respond: Responder =
				options.respond ?? (() => ({ statusCode: 500, body: { message: 'no responder' } }));
			const reply = await respond(request, requests.length);
			return { statusCode: reply.statusCode, headers: reply.headers ?? {}, body: reply.body };
		},
	);

	const getItemBinary = (itemIndex: number, propertyName: string): IBinaryData => {
		const binary = options.items[itemIndex].binary?.[propertyName];
		if (!binary)
			throw new Error(
				`This operation expects the node's input data to contain a binary file '${propertyName}', but none was found [item ${itemIndex}]`,
			);
		return binary;
	};

	const context = {
		getInputData: () => options.items,
		getNode: (): INode => ({
			...TEST_NODE,
			onError: options.onError ?? (options.continueOnFail ? 'continueErrorOutput' : undefined),
		}),
		continueOnFail: () => options.continueOnFail ?? false,
		getCredentials: jest.fn(async () => credentials),
		getExecutionCancelSignal: () => options.cancelSignal,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const value = name in options.parameters ? options.parameters[name] : fallback;
			return typeof value === 'function' ? (value as (index: number) => unknown)(itemIndex) : value;
		},
		helpers: {
			httpRequestWithAuthentication,
			assertBinaryData: jest.fn((itemIndex: number, propertyName: string) =>
				getItemBinary(itemIndex, propertyName),
			),
			getBinaryDataBuffer: jest.fn(async (itemIndex: number, propertyName: string) =>
				store.read(getItemBinary(itemIndex, propertyName)),
			),
		},
	};
	return { context: context as unknown as IExecuteFunctions, requests, helpers: context.helpers };
}

export type RunResult =
	| { ok: true; outputs: INodeExecutionData[][]; requests: RecordedRequest[] }
	| {
			ok: false;
			error: Error & { description?: string; context?: IDataObject };
			requests: RecordedRequest[];
	  };

/** Runs the node once; every output, every item's error and any thrown error are checked for the key. */
export async function runNode(options: MockOptions, store = new BinaryStore()): Promise<RunResult> {
	const { context, requests } = createContext(options, store);
	try {
		const outputs = await new KredibelBiometric().execute.call(context);
		assertNoSecret(outputs);
		assertNoSecret(outputs.flat().map((item) => item.error));
		return { ok: true, outputs, requests };
	} catch (error) {
		assertNoSecret(error);
		return {
			ok: false,
			error: error as Error & { description?: string; context?: IDataObject },
			requests,
		};
	}
}

export function jsonItem(
	json: IDataObject,
	binary?: Record<string, IBinaryData>,
): INodeExecutionData {
	return binary ? { json, binary } : { json };
}

/** Kredibel's documented sandbox answers (as the local sandbox gives them), with a fixed id. */
export function sandboxAnswer(identityId: string): Reply {
	const body = verificationBody(identityId);
	body.data.id = '64d07984-81a8-4e79-ad16-a439f5885075';
	return { statusCode: 200, body };
}

export const sandboxResponder: Responder = (request) => sandboxAnswer(request.body.identityId);
