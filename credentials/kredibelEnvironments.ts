/**
 * Kredibel's API hosts, in one place. Kredibel's published pages name only the dashboards;
 * the sandbox API host comes from Kredibel's own Android sample, and the production host is the
 * matching name. Users whose account uses another host pick Environment: Custom.
 */
export const KREDIBEL_API_HOSTS = {
	sandbox: 'https://synapses.sandbox.kredibel.co.id',
	production: 'https://synapses.kredibel.co.id',
} as const;

export type KredibelEnvironment = keyof typeof KREDIBEL_API_HOSTS | 'custom';

/**
 * The API root for a credential, without a trailing slash. As an n8n expression, so the
 * credential test (which n8n evaluates itself) and the node share one definition.
 */
export const BASE_URL_EXPRESSION =
	`={{ $credentials.environment === 'custom' ` +
	`? String($credentials.baseUrl || '').trim().replace(/\\/+$/, '') ` +
	`: ($credentials.environment === 'production' ? '${KREDIBEL_API_HOSTS.production}' : '${KREDIBEL_API_HOSTS.sandbox}') }}`;

export function resolveBaseUrl(credentials: { environment?: unknown; baseUrl?: unknown }): string {
	if (credentials.environment === 'custom') {
		return String(credentials.baseUrl ?? '')
			.trim()
			.replace(/\/+$/, '');
	}
	return credentials.environment === 'production'
		? KREDIBEL_API_HOSTS.production
		: KREDIBEL_API_HOSTS.sandbox;
}
