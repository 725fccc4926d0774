/**
 * Which host names belong to a private network. The node resolves no names (a community node may
 * not use DNS), so the private-address rules alone would let through a name that only the n8n
 * host's own resolver knows: `vm`, `intranet`, `printer.local`, `metadata.google.internal`. Such
 * names are refused like private addresses: single-label names (the host's search domain
 * completes them to an intranet name), names under the suffixes reserved or customary for
 * private networks, and the names platforms give their metadata and loopback services. The name
 * is read as the URL parser normalised it (lower case, IDN as punycode, fullwidth letters and
 * dots folded, percent-escapes decoded); trailing and empty labels are ignored. A public name
 * that resolves to a private address is n8n's own SSRF protection's job.
 */

/** Suffixes for private networks: RFC 6761/6762 (localhost, local), RFC 8375 (home.arpa), and customary ones. */
const INTRANET_SUFFIXES = [
	'localhost',
	'local',
	'internal',
	'localdomain',
	'home.arpa',
	'lan',
	'corp',
	'intranet',
	'private',
	'home',
];

/** Cloud metadata services and the loopback names of /etc/hosts, by the names they are reached at. */
const WELL_KNOWN_NAMES = new Map([
	['metadata.google.internal', 'a cloud metadata name'],
	['metadata', 'a cloud metadata name'],
	['instance-data', 'a cloud metadata name'],
	['ip6-localhost', 'a loopback name'],
	['ip6-loopback', 'a loopback name'],
]);

/**
 * What kind of intranet name `hostname` (as `URL.hostname` gives it, and not an IP address) is,
 * e.g. "a single-label host name", or undefined for a name that may be public.
 */
export function intranetNameKind(hostname: string): string | undefined {
	const labels = hostname
		.toLowerCase()
		.split('.')
		.filter((label) => label !== '');
	const name = labels.join('.');
	const known = WELL_KNOWN_NAMES.get(name);
	if (known !== undefined) return known;
	for (const suffix of INTRANET_SUFFIXES) {
		if (name === suffix || name.endsWith(`.${suffix}`)) {
			return suffix === 'localhost' ? 'a localhost name' : `an intranet name (.${suffix})`;
		}
	}
	return labels.length <= 1 ? 'a single-label host name (an intranet name)' : undefined;
}
