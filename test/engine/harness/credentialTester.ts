/**
 * The credential's "Test" button, run the way n8n's CLI runs it (CredentialsTester's
 * `runRequestTest` in n8n 2.41.1, packages/cli, not a dependency here): a temporary node whose one
 * property routes the credential's `test.request`, executed by n8n-core's RoutingNode inside an
 * ExecuteContext, with the credential's generic `authenticate` adding the key; then the
 * `responseSuccessBody` rules against the answer. The verdict has n8n's shape and messages, so a
 * test sees what the user would see under the button.
 */
import { ExecuteContext, ExecutionLifecycleHooks, RoutingNode } from 'n8n-core';
import {
	createRunExecutionData,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type IDataObject,
	type INode,
	type INodeType,
	type INodeTypes,
	type IWorkflowBase,
} from 'n8n-workflow';

import { buildAdditionalData } from './additionalData';
import { credentialType, EngineCredentialsHelper, withDefaults } from './credentialsHelper';

/** What n8n's credential test answers (`ICredentialTestResult`). */
export interface CredentialTestVerdict {
	status: 'OK' | 'Error';
	message: string;
}

export interface CredentialTestRun {
	verdict: CredentialTestVerdict;
	/** The requests the credential authenticated: what n8n sent, key included. */
	authenticated: EngineCredentialsHelper['authenticated'];
}

const TEMP_NODE_TYPE = 'engine-test.credentialTestNode';
const CREDENTIAL_ID = 'credential-under-test';

/** The temporary node type n8n builds around the test request. */
function testNodeType(typeName: string): INodeType {
	const { test } = credentialType(typeName);
	if (!test) throw new Error(`${typeName} has no test request`);
	return {
		description: {
			displayName: 'Credential test',
			name: TEMP_NODE_TYPE,
			group: ['transform'],
			version: 1,
			description: 'Runs a credential test request',
			defaults: { name: 'Temp-Node' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: typeName, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: test.request },
					default: '',
				},
			],
		},
	};
}

class SingleNodeTypes implements INodeTypes {
	constructor(private readonly type: INodeType) {}

	getByName(): INodeType {
		return this.type;
	}

	getByNameAndVersion(): INodeType {
		return this.type;
	}

	getKnownTypes(): IDataObject {
		return { [TEMP_NODE_TYPE]: {} };
	}
}

/** Lodash's `get` for a dotted path, as n8n reads a rule's `key`. */
function valueAt(data: unknown, path: string): unknown {
	let current = data;
	for (const key of path.split('.')) {
		if (typeof current !== 'object' || current === null) return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

export async function testCredential(
	typeName: string,
	stored: ICredentialDataDecryptedObject,
): Promise<CredentialTestRun> {
	const { test } = credentialType(typeName);
	const nodeType = testNodeType(typeName);
	const data = withDefaults(typeName, stored);
	const credentials: ICredentialsDecrypted = {
		id: CREDENTIAL_ID,
		name: 'Credential under test',
		type: typeName,
		data,
	};
	const node: INode = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: TEMP_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [typeName]: { id: CREDENTIAL_ID, name: credentials.name } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new SingleNodeTypes(nodeType),
	});
	const workflowData = {
		id: 'credential-test',
		name: 'credential test',
		nodes: [node],
		connections: {},
	} as unknown as IWorkflowBase;
	const credentialsHelper = new EngineCredentialsHelper({ [CREDENTIAL_ID]: stored });
	const additionalData = buildAdditionalData({
		executionId: 'credential-test',
		hooks: new ExecutionLifecycleHooks('internal', 'credential-test', workflowData),
		credentialsHelper,
	});
	const executeFunctions = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	const routingNode = new RoutingNode(executeFunctions, nodeType, credentials);

	const verdict = await (async (): Promise<CredentialTestVerdict> => {
		let response: Awaited<ReturnType<RoutingNode['runNode']>>;
		try {
			await workflow.expression.acquireIsolate();
			response = await routingNode.runNode();
		} catch (caught) {
			const error = caught as Error & {
				cause?: { code?: string; response?: { status: number; statusText?: string } };
			};
			if (error.cause?.response) {
				const { status, statusText } = error.cause.response;
				if (status < 199 || status > 299) {
					return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
				}
			} else if (error.cause?.code) {
				return { status: 'Error', message: error.cause.code };
			}
			return { status: 'Error', message: String(error.message) };
		} finally {
			await workflow.expression.releaseIsolate();
		}
		for (const rule of test?.rules ?? []) {
			if (rule.type !== 'responseSuccessBody') continue;
			const answer = response?.[0]?.[0]?.json;
			if (valueAt(answer, rule.properties.key) === rule.properties.value) {
				return { status: 'Error', message: rule.properties.message };
			}
		}
		return { status: 'OK', message: 'Connection successful!' };
	})();
	return { verdict, authenticated: credentialsHelper.authenticated };
}
