import { KredibelApi } from '../../credentials/KredibelApi.credentials';
import {
	BASE_URL_EXPRESSION,
	KREDIBEL_API_HOSTS,
	resolveBaseUrl,
} from '../../credentials/kredibelEnvironments';

/**
 * n8n evaluates `={{ … }}` as JavaScript with $credentials in scope; the tests do the same with
 * the expression's body, so the credential test's URL logic is checked, not just its text.
 */
function evaluateExpression(expression: string, credentials: Record<string, unknown>): unknown {
	const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)?.[1];
	if (body === undefined) throw new Error(`not an n8n expression: ${expression}`);
	return new Function('$credentials', `return (${body});`)(credentials);
}

describe('Kredibel API credential', () => {
	const credential = new KredibelApi();

	it('is named as the contract says, with a password API key field', () => {
		expect(credential.name).toBe('kredibelApi');
		expect(credential.displayName).toBe('Kredibel API');
		const fields = Object.fromEntries(credential.properties.map((p) => [p.name, p]));
		expect(Object.keys(fields)).toEqual(['apiKey', 'environment', 'baseUrl']);
		expect(fields.apiKey.typeOptions?.password).toBe(true);
		expect(fields.environment.default).toBe('sandbox');
		expect(fields.environment.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'sandbox',
			'production',
			'custom',
		]);
		expect(fields.baseUrl.displayOptions).toEqual({ show: { environment: ['custom'] } });
	});

	it('sends the key as a Bearer header through authenticate', () => {
		expect(credential.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
		});
	});

	it('tests the credential with GET /v1/billing/credit on the resolved base URL', () => {
		expect(credential.test.request).toMatchObject({
			method: 'GET',
			url: '/v1/billing/credit',
			baseURL: BASE_URL_EXPRESSION,
		});
	});

	it.each([
		[{ environment: 'sandbox' }, KREDIBEL_API_HOSTS.sandbox],
		[{ environment: 'production' }, KREDIBEL_API_HOSTS.production],
		[{}, KREDIBEL_API_HOSTS.sandbox],
		[{ environment: 'custom', baseUrl: 'http://127.0.0.1:8787' }, 'http://127.0.0.1:8787'],
		[{ environment: 'custom', baseUrl: 'http://127.0.0.1:8787/' }, 'http://127.0.0.1:8787'],
		[
			{ environment: 'custom', baseUrl: ' https://kyc.example.co.id/api// ' },
			'https://kyc.example.co.id/api',
		],
	])('resolves %j to %s in the node and in the credential test alike', (credentials, expected) => {
		expect(resolveBaseUrl(credentials)).toBe(expected);
		expect(evaluateExpression(BASE_URL_EXPRESSION, credentials)).toBe(expected);
	});
});
