/**
 * Kredibel's API hosts, in one place. Kredibel's published pages name only the dashboards;
 * the sandbox API host comes from Kredibel's own Android sample, and the production host is the
 * matching name. Users whose account uses another host pick Environment: Custom.
 */
export const KREDIBEL_API_HOSTS = {
	sandbox: 'https://synapses.sandbox.kredibel.co.id',
	production: 'https://synapses.kredibel.co.id',
} as const;

import { callInExpression } from './expressionFunction';

export type KredibelEnvironment = keyof typeof KREDIBEL_API_HOSTS | 'custom';

/**
 * A refused Base URL: `problem` for people, `slug` for the credential test, where n8n shows only
 * the failing host name ("getaddrinfo ENOTFOUND base-url-must-use-https.invalid").
 */
export type BaseUrlCheck = { ok: true; url: string } | { ok: false; problem: string; slug: string };

/**
 * A custom Base URL, checked: the API key and personal data must go to exactly that host, over
 * TLS unless it is on this machine. Plain string work, no regex and no `URL` (this function is
 * also evaluated inside an n8n expression, for the credential test), and linear in the length.
 */
export function checkCustomBaseUrl(value: unknown): BaseUrlCheck {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '')
		return { ok: false, problem: 'The Base URL is empty', slug: 'base-url-is-empty' };
	if (text.length > 2048)
		return { ok: false, problem: 'The Base URL is too long', slug: 'base-url-is-too-long' };
	let end = text.length;
	// Trailing slashes (char code 47), trimmed without a regex: a regex here was quadratic.
	while (end > 0 && text.charCodeAt(end - 1) === 47) end--;
	const url = text.slice(0, end);
	const lower = url.toLowerCase();
	const scheme = lower.startsWith('https://') ? 'https' : lower.startsWith('http://') ? 'http' : '';
	if (scheme === '') {
		return {
			ok: false,
			problem: 'The Base URL must start with https:// (or http:// on this machine)',
			slug: 'base-url-must-start-with-https',
		};
	}
	if (url.includes('?') || url.includes('#')) {
		return {
			ok: false,
			problem: 'The Base URL must not contain a query (?) or a fragment (#)',
			slug: 'base-url-must-not-have-a-query-or-fragment',
		};
	}
	const authority = url.slice(scheme.length + 3).split('/')[0];
	if (authority.includes('@')) {
		return {
			ok: false,
			problem: 'The Base URL must not contain a user name or password',
			slug: 'base-url-must-not-have-a-user-or-password',
		};
	}
	if (authority === '' || authority.includes('\\')) {
		return { ok: false, problem: 'The Base URL has no host name', slug: 'base-url-has-no-host' };
	}
	const host = (
		authority.startsWith('[')
			? authority.slice(0, authority.indexOf(']') + 1)
			: authority.split(':')[0]
	).toLowerCase();
	const parts = host.split('.');
	// Four plain decimal numbers, 127 first. `Number()` alone would take "0b1", "1e1", "+1" and
	// "-0", which the URL parser reads as a DNS name: http:// would then go to whatever a
	// resolver answers for it.
	const isOctet = (part: string) => {
		if (part.length === 0 || part.length > 3) return false;
		for (let i = 0; i < part.length; i++) {
			const code = part.charCodeAt(i);
			if (code < 48 || code > 57) return false;
		}
		return Number(part) <= 255;
	};
	const isLoopback =
		host === 'localhost' ||
		host === '[::1]' ||
		(parts.length === 4 && parts[0] === '127' && parts.every(isOctet));
	if (scheme === 'http' && !isLoopback) {
		return {
			ok: false,
			problem:
				'The Base URL must use https://: over http:// the API key, NIKs and selfies would travel unencrypted (http:// is allowed only for localhost, 127.x.x.x and [::1])',
			slug: 'base-url-must-use-https',
		};
	}
	return { ok: true, url };
}

/**
 * The API root for the credential test, as an n8n expression, so n8n evaluates the same check
 * as the node. A custom Base URL that fails the check makes the test fail on a host of the
 * reserved `.invalid` domain named after the problem: n8n shows the host it could not reach, and
 * an expression cannot raise an error of its own there (n8n turns it into an empty value).
 */
export const BASE_URL_EXPRESSION =
	`={{ $credentials.environment === 'custom' ` +
	`? ((check) => check.ok ? check.url : 'https://' + check.slug + '.invalid')(${callInExpression(checkCustomBaseUrl, '$credentials.baseUrl')}) ` +
	`: ($credentials.environment === 'production' ? '${KREDIBEL_API_HOSTS.production}' : '${KREDIBEL_API_HOSTS.sandbox}') }}`;

/** The API root for a credential, without a trailing slash. Throws when a custom one is unsafe. */
export function resolveBaseUrl(credentials: { environment?: unknown; baseUrl?: unknown }): string {
	if (credentials.environment === 'custom') {
		const check = checkCustomBaseUrl(credentials.baseUrl);
		if (!check.ok) throw new Error(`${check.problem}. Fix it in the Kredibel API credential.`);
		return check.url;
	}
	return credentials.environment === 'production'
		? KREDIBEL_API_HOSTS.production
		: KREDIBEL_API_HOSTS.sandbox;
}
