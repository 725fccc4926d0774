/**
 * The custom Base URL decides where the API key, NIKs and selfies go: https only (except on this
 * machine), exactly one host, no query or fragment. The node and the credential test share one
 * check; the credential test's copy runs inside n8n's real expression engine here.
 */
import { Workflow, type INodeTypes } from 'n8n-workflow';

import { KredibelApi } from '../../credentials/KredibelApi.credentials';
import {
	BASE_URL_EXPRESSION,
	checkCustomBaseUrl,
	resolveBaseUrl,
} from '../../credentials/kredibelEnvironments';

const accepted: Array<[string, string]> = [
	['https://api.example.com', 'https://api.example.com'],
	['https://api.example.com/', 'https://api.example.com'],
	['  https://api.example.com/kredibel///  ', 'https://api.example.com/kredibel'],
	['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
	['http://localhost:8787/', 'http://localhost:8787'],
	['HTTP://127.10.0.3', 'HTTP://127.10.0.3'],
	['http://[::1]:8787', 'http://[::1]:8787'],
];

const refused: Array<[string, unknown, string, string]> = [
	[
		'http to another host',
		'http://api.example.com',
		'must use https://',
		'base-url-must-use-https',
	],
	[
		'http to a private address',
		'http://192.168.1.10:8787',
		'must use https://',
		'base-url-must-use-https',
	],
	[
		'http to a host named like loopback',
		'http://127.0.0.1.evil.example',
		'must use https://',
		'base-url-must-use-https',
	],
	...['0b1', '1e1', '+1', '-0', '0x1', '1a', '256', '', '1.'].map(
		(last): [string, unknown, string, string] => [
			`http to 127.0.0.${last}, which the URL parser reads as a name`,
			`http://127.0.0.${last}:8787`,
			'must use https://',
			'base-url-must-use-https',
		],
	),
	[
		'a file: URL',
		'file:///etc/passwd',
		'must start with https://',
		'base-url-must-start-with-https',
	],
	['no scheme', 'api.example.com', 'must start with https://', 'base-url-must-start-with-https'],
	['an empty query', 'https://h/?a=', 'query', 'base-url-must-not-have-a-query-or-fragment'],
	['a fragment', 'https://h/#x', 'fragment', 'base-url-must-not-have-a-query-or-fragment'],
	[
		'credentials',
		'https://user:pass@h.example.com',
		'user name or password',
		'base-url-must-not-have-a-user-or-password',
	],
	['no host', 'https:///v1', 'no host', 'base-url-has-no-host'],
	['empty', '   ', 'empty', 'base-url-is-empty'],
	['not text', { url: 'https://h' }, 'empty', 'base-url-is-empty'],
];

describe('checkCustomBaseUrl', () => {
	it.each(accepted)('accepts %s', (input, url) => {
		expect(checkCustomBaseUrl(input)).toEqual({ ok: true, url });
	});

	it.each(refused)('refuses %s', (_name, input, problem, slug) => {
		const check = checkCustomBaseUrl(input);
		expect(check.ok).toBe(false);
		if (!check.ok) expect(check).toMatchObject({ problem: expect.stringContaining(problem), slug });
	});

	it('never echoes what it refuses (a password stays out of the message)', () => {
		const check = checkCustomBaseUrl('https://user:s3cret@h.example.com');
		expect(JSON.stringify(check)).not.toContain('s3cret');
	});

	it('trims a long run of slashes in linear time (the old regex took 9 s for 80k)', () => {
		const time = (input: string) => {
			const started = process.hrtime.bigint();
			for (let i = 0; i < 5; i++) checkCustomBaseUrl(input);
			return Number(process.hrtime.bigint() - started);
		};
		const small = `https://h.example.com${'/'.repeat(1_000)}x`;
		const large = `https://h.example.com${'/'.repeat(2_000)}x`.padEnd(2048, '/');
		time(small);
		// Twice the slashes may cost about twice the time; a quadratic trim would cost 4x and more.
		expect(time(large) / Math.max(time(small), 1)).toBeLessThan(20);
		expect(checkCustomBaseUrl(`https://h.example.com${'/'.repeat(80_000)}`)).toMatchObject({
			ok: false,
			problem: 'The Base URL is too long',
		});
	});
});

describe('resolveBaseUrl', () => {
	it('names the problem when a custom Base URL is unsafe', () => {
		expect(() =>
			resolveBaseUrl({ environment: 'custom', baseUrl: 'http://api.example.com' }),
		).toThrow(/must use https:\/\/.*Fix it in the Kredibel API credential/);
	});

	it('uses the named hosts for sandbox and production', () => {
		expect(resolveBaseUrl({ environment: 'production' })).toMatch(/^https:\/\//);
		expect(resolveBaseUrl({ environment: 'sandbox' })).toMatch(/^https:\/\//);
		expect(resolveBaseUrl({})).toBe(resolveBaseUrl({ environment: 'sandbox' }));
	});
});

describe('the credential test', () => {
	/** The credential test's base URL, evaluated by n8n-workflow's expression engine. */
	function testBaseUrl(credentials: Record<string, unknown>): unknown {
		const nodeTypes = {
			getByName: () => undefined,
			getByNameAndVersion: () => undefined,
			getKnownTypes: () => ({}),
		} as unknown as INodeTypes;
		const workflow = new Workflow({
			nodes: [{ id: '1', name: 'N', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} }],
			connections: {},
			active: false,
			nodeTypes,
		});
		return workflow.expression.getParameterValue(
			BASE_URL_EXPRESSION,
			null,
			0,
			0,
			'N',
			[],
			'internal',
			{ $credentials: credentials } as never,
		);
	}

	it('calls the same address as the node for a good custom Base URL', () => {
		for (const [input, url] of accepted) {
			expect(testBaseUrl({ environment: 'custom', baseUrl: input })).toBe(url);
		}
	});

	it('fails for an unsafe custom Base URL on a reserved .invalid host named after the problem', () => {
		for (const [, input, , slug] of refused) {
			expect(testBaseUrl({ environment: 'custom', baseUrl: input })).toBe(
				`https://${slug}.invalid`,
			);
		}
	});

	it('follows no redirect and wants the billing shape, not any 2XX', () => {
		const { test } = new KredibelApi();
		expect(test.request.disableFollowRedirect).toBe(true);
		expect(test.rules).toEqual([
			expect.objectContaining({
				type: 'responseSuccessBody',
				properties: expect.objectContaining({ key: 'data.amount', value: undefined }),
			}),
		]);
	});
});
