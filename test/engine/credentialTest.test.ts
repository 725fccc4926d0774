/**
 * The Kredibel API credential's "Test" button, run through n8n-core's RoutingNode the way n8n's
 * CredentialsTester runs it (harness/credentialTester.ts): it passes against the sandbox's
 * billing endpoint with the key sent as a Bearer header; it fails with the credential's own
 * message when an address answers 200 with a web page; it fails for a wrong key, for an unsafe
 * custom Base URL (nothing is sent to it), and on a redirect, which is not followed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { TEST_API_KEY } from '../helpers/secrets';
import { startTrap, type Trap } from '../sandbox/trap';
import { sandboxCredential, useSandbox } from './harness/fixtures';
import { testCredential } from './harness/credentialTester';

const env = useSandbox();
const servers: http.Server[] = [];
let trap: Trap;

beforeAll(async () => {
	trap = await startTrap();
});
afterAll(async () => {
	await trap.close();
});
afterEach(async () => {
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
});

/** A server on 127.0.0.1 that answers every request with `answer`; returns its base URL. */
async function serve(answer: http.RequestListener): Promise<string> {
	const server = http.createServer(answer);
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const NOT_KREDIBEL_MESSAGE =
	"The address answered, but not like Kredibel's API (no billing status). Check the Environment and Base URL.";

describe('the credential test', () => {
	it('passes against the sandbox: GET /v1/billing/credit with the key as a Bearer header', async () => {
		const { verdict } = await testCredential('kredibelApi', sandboxCredential(env.sandbox));
		expect(verdict).toEqual({ status: 'OK', message: 'Connection successful!' });
		const [request] = env.sandbox.requests();
		expect(env.sandbox.requests()).toHaveLength(1);
		expect(request).toMatchObject({
			method: 'GET',
			path: '/v1/billing/credit',
			query: '',
			authorization: `Bearer ${TEST_API_KEY}`,
		});
	});

	it('a Base URL with trailing slashes is tested at the same address', async () => {
		const { verdict } = await testCredential('kredibelApi', {
			...sandboxCredential(env.sandbox),
			baseUrl: `${env.sandbox.url}///`,
		});
		expect(verdict.status).toBe('OK');
		expect(env.sandbox.requests().map((request) => request.path)).toEqual(['/v1/billing/credit']);
	});

	it('fails for a key the API refuses', async () => {
		const { verdict } = await testCredential(
			'kredibelApi',
			sandboxCredential(env.sandbox, 'kb_test_wrong-key'),
		);
		expect(verdict.status).toBe('Error');
		expect(verdict.message).toMatch(/401|Unauthorized/);
	});

	it('fails with the credential’s message when the address answers 200 with a web page', async () => {
		const page = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>');
		});
		const { verdict } = await testCredential('kredibelApi', {
			apiKey: TEST_API_KEY,
			environment: 'custom',
			baseUrl: page,
		});
		expect(verdict).toEqual({ status: 'Error', message: NOT_KREDIBEL_MESSAGE });
	});

	it('fails with the credential’s message for 200 JSON without a billing amount', async () => {
		const api = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ data: { balance: 5 } }));
		});
		const { verdict } = await testCredential('kredibelApi', {
			apiKey: TEST_API_KEY,
			environment: 'custom',
			baseUrl: api,
		});
		expect(verdict).toEqual({ status: 'Error', message: NOT_KREDIBEL_MESSAGE });
	});

	it.each([
		['http:// on a public host', 'http://kredibel.example.com'],
		['a user name in it', `https://user:pass@127.0.0.1:1`],
		['a query', 'https://kredibel.example.com/?key=1'],
	])(
		'fails for an unsafe custom Base URL (%s), without sending anything there',
		async (_name, baseUrl) => {
			const { verdict, authenticated } = await testCredential('kredibelApi', {
				apiKey: TEST_API_KEY,
				environment: 'custom',
				baseUrl,
			});
			// n8n 2.41.1 shows only the lookup's code (ENOTFOUND, or EAI_AGAIN offline).
			expect(verdict.status).toBe('Error');
			expect(verdict.message).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
			// The test request went to a reserved .invalid name that names the problem instead.
			expect(authenticated.map((request) => new URL(String(request.baseURL)).hostname)).toEqual([
				expect.stringMatching(/^base-url-[a-z-]+\.invalid$/),
			]);
		},
	);

	it.each([301, 302, 307, 308])(
		'a %d redirect is not followed: the test fails and the target receives nothing',
		async (status) => {
			const redirecting = await serve((_req, res) => {
				res.writeHead(status, { location: `${trap.url}/v1/billing/credit` });
				res.end();
			});
			const { verdict } = await testCredential('kredibelApi', {
				apiKey: TEST_API_KEY,
				environment: 'custom',
				baseUrl: redirecting,
			});
			// n8n shows the redirect's own status text: the 3XX itself came back, unfollowed.
			expect(verdict).toEqual({ status: 'Error', message: http.STATUS_CODES[status] });
			expect(trap.requests()).toHaveLength(0);
		},
	);
});
