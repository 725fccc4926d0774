/**
 * The credentials side of n8n for engine tests: stored credential data by id, with the
 * credential type's defaults applied when it is read (as n8n's `getDecrypted` does), and a
 * credential's generic `authenticate` applied to each request the way n8n's CLI applies it:
 * every key and value under `authenticate.properties` is an expression evaluated by the
 * workflow's expression engine with `$credentials` set. No string replacement of our own, so a
 * credential whose expression n8n would not resolve fails here too.
 */
import {
	ICredentialsHelper,
	isExpression,
	NodeHelpers,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
} from 'n8n-workflow';

import { KredibelApi } from '../../../credentials/KredibelApi.credentials';

export const CREDENTIAL_TYPES: Record<string, ICredentialType> = {
	kredibelApi: new KredibelApi(),
};

export function credentialType(name: string): ICredentialType {
	const type = CREDENTIAL_TYPES[name];
	if (!type) throw new Error(`Unknown credential type in an engine test: ${name}`);
	return type;
}

export class EngineCredentialsHelper extends ICredentialsHelper {
	/** Every request this helper authenticated: what the node asked n8n to send. */
	readonly authenticated: IHttpRequestOptions[] = [];

	constructor(private readonly stored: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const options = requestOptions as IHttpRequestOptions;
		const { authenticate } = credentialType(typeName);
		if (typeof authenticate === 'function') return await authenticate(credentials, options);
		if (authenticate?.type === 'generic') {
			if (!workflow || !node) throw new Error('generic authentication needs the workflow and node');
			const target = options as unknown as Record<string, Record<string, unknown>>;
			for (const [section, entries] of Object.entries(authenticate.properties)) {
				target[section] ??= {};
				for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
					const name = resolve(key, credentials, workflow, node);
					target[section][name] = resolve(value, credentials, workflow, node);
				}
			}
		}
		this.authenticated.push(structuredClone(options));
		return options;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('engine tests read credentials only through getDecrypted');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = nodeCredentials.id === null ? undefined : this.stored[nodeCredentials.id];
		if (!data) throw new Error(`Credential with ID "${nodeCredentials.id}" does not exist.`);
		return withDefaults(type, data);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return credentialType(type).properties;
	}
}

/** The credential type's property defaults under the stored values, as n8n fills them in. */
export function withDefaults(
	type: string,
	data: ICredentialDataDecryptedObject,
): ICredentialDataDecryptedObject {
	const filled = NodeHelpers.getNodeParameters(
		credentialType(type).properties,
		data as never,
		false,
		false,
		null,
		null,
	);
	return { ...(filled as ICredentialDataDecryptedObject), ...data };
}

/** An `authenticate` entry: an expression is evaluated with `$credentials`, anything else kept. */
function resolve(
	value: unknown,
	credentials: ICredentialDataDecryptedObject,
	workflow: Workflow,
	node: INode,
): string {
	if (!isExpression(value)) return value as string;
	const resolved = workflow.expression.getSimpleParameterValue(
		node,
		value as string,
		'internal',
		{ $credentials: credentials },
		undefined,
		'',
	);
	return resolved ? String(resolved) : '';
}
