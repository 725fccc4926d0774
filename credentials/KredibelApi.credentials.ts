import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { BASE_URL_EXPRESSION } from './kredibelEnvironments';

export class KredibelApi implements ICredentialType {
	name = 'kredibelApi';

	displayName = 'Kredibel API';

	icon: Icon = { light: 'file:kredibel.svg', dark: 'file:kredibel.dark.svg' };

	documentationUrl = 'https://github.com/kredibel-n8n/n8n-nodes-kredibel#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The API key from the Kredibel dashboard. Keys are per environment: a sandbox key only works with Environment: Sandbox.',
		},
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			default: 'sandbox',
			options: [
				{
					name: 'Sandbox',
					value: 'sandbox',
					description: 'Dummy answers for the test NIKs, no charge',
				},
				{
					name: 'Production',
					value: 'production',
					description: 'Real checks against the civil registry, charged per call',
				},
				{
					name: 'Custom',
					value: 'custom',
					description: 'Another API root, e.g. a local sandbox at http://127.0.0.1:8787',
				},
			],
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. http://127.0.0.1:8787',
			description:
				'The API root, without /v1. Must use https://, except for a sandbox on this machine (localhost, 127.x.x.x). No query, fragment or user name.',
			displayOptions: { show: { environment: ['custom'] } },
		},
	];

	// The key travels only through this header, added by n8n to each request.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// A free call that needs a valid key: it tests both the key and the environment. Any 2XX is
	// not enough: a web page or proxy answering 200 would pass, so the answer must be the billing
	// status, and a redirect would carry the key elsewhere, so none is followed.
	test: ICredentialTestRequest = {
		request: {
			baseURL: BASE_URL_EXPRESSION,
			url: '/v1/billing/credit',
			method: 'GET',
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'data.amount',
					value: undefined,
					message:
						"The address answered, but not like Kredibel's API (no billing status). Check the Environment and Base URL.",
				},
			},
		],
	};
}
