/**
 * Which image hosts are not on the public internet. Image URLs come from MCP clients, AI agents
 * and public webhooks, so whoever picks the URL must not get the node to fetch from the n8n
 * host's own network (loopback services, cloud metadata at 169.254.169.254, the office LAN).
 * The check reads the host as the URL parser normalised it (`new URL(...).hostname`): IPv4 in
 * decimal, octal, hex or short form is already a dotted quad there, IPv6 is compressed in
 * brackets. Names are not resolved (no DNS in a community node): intranet names are refused by
 * their form (intranetName.ts), and a public name that resolves to a private address is n8n's own
 * SSRF protection's job (N8N_SSRF_PROTECTION_ENABLED).
 */
import { intranetNameKind } from './intranetName';

/** [first address, prefix length, what it is]: IPv4 ranges that are not public hosts. */
const IPV4_RANGES: ReadonlyArray<readonly [string, number, string]> = [
	['0.0.0.0', 8, 'an unspecified address'],
	['10.0.0.0', 8, 'a private address'],
	['100.64.0.0', 10, 'a carrier-grade NAT address'],
	['127.0.0.0', 8, 'a loopback address'],
	['169.254.0.0', 16, 'a link-local address (cloud metadata lives there)'],
	['172.16.0.0', 12, 'a private address'],
	['192.0.0.0', 24, 'a reserved address'],
	['192.168.0.0', 16, 'a private address'],
	['198.18.0.0', 15, 'a benchmarking address'],
	['224.0.0.0', 4, 'a multicast address'],
	['240.0.0.0', 4, 'a reserved address'],
];

const IPV4_TABLE = IPV4_RANGES.map(([first, bits, kind]) => {
	const start = parseIpv4(first) as number;
	const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
	return { start, mask, kind };
});

/** A dotted quad of plain decimal numbers 0-255 as a 32-bit number, else undefined. */
export function parseIpv4(text: string): number | undefined {
	const parts = text.split('.');
	if (parts.length !== 4) return undefined;
	let value = 0;
	for (const part of parts) {
		if (part.length === 0 || part.length > 3) return undefined;
		for (let i = 0; i < part.length; i++) {
			const code = part.charCodeAt(i);
			if (code < 48 || code > 57) return undefined;
		}
		const octet = Number(part);
		if (octet > 255) return undefined;
		value = value * 256 + octet;
	}
	return value;
}

function ipv4Kind(address: number): string | undefined {
	for (const { start, mask, kind } of IPV4_TABLE) {
		if ((address & mask) >>> 0 === start) return kind;
	}
	return undefined;
}

/** Eight 16-bit groups from an IPv6 text (no brackets, no zone), else undefined. */
export function parseIpv6(text: string): number[] | undefined {
	if (text.length === 0 || text.length > 45) return undefined;
	let body = text;
	const lastColon = body.lastIndexOf(':');
	if (lastColon !== -1 && body.includes('.', lastColon)) {
		// An embedded dotted quad (::ffff:127.0.0.1) is the last two groups, written in hex here.
		const v4 = parseIpv4(body.slice(lastColon + 1));
		if (v4 === undefined) return undefined;
		body = `${body.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const halves = body.split('::');
	if (halves.length > 2) return undefined;
	const head = readGroups(halves[0]);
	const rest = halves.length === 2 ? readGroups(halves[1]) : [];
	if (head === undefined || rest === undefined) return undefined;
	if (halves.length === 1) return head.length === 8 ? head : undefined;
	const missing = 8 - head.length - rest.length;
	if (missing < 1) return undefined;
	return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

function readGroups(half: string): number[] | undefined {
	if (half === '') return [];
	const groups: number[] = [];
	for (const group of half.split(':')) {
		if (group.length === 0 || group.length > 4 || !/^[0-9a-f]+$/i.test(group)) return undefined;
		groups.push(parseInt(group, 16));
	}
	return groups;
}

function ipv6Kind(groups: number[]): string | undefined {
	const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
	const embeddedV4 = ((g6 << 16) >>> 0) + g7;
	const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
	if (upperZero && g5 === 0 && g6 === 0 && g7 === 0) return 'an unspecified address';
	if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return 'a loopback address';
	// IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
	if (upperZero && (g5 === 0xffff || g5 === 0)) return ipv4Kind(embeddedV4);
	// NAT64 (64:ff9b::/96) carries an IPv4 address too; the local-use prefix 64:ff9b:1::/48 is
	// not public at all.
	if (g0 === 0x64 && g1 === 0xff9b) {
		if (g2 === 1) return 'a local NAT64 address';
		if (g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Kind(embeddedV4);
	}
	// 6to4 (2002::/16) routes to the IPv4 address in its second and third groups.
	if (g0 === 0x2002) return ipv4Kind(((g1 << 16) >>> 0) + g2);
	if ((g0 & 0xfe00) === 0xfc00) return 'a unique-local address';
	if ((g0 & 0xffc0) === 0xfe80) return 'a link-local address';
	if ((g0 & 0xffc0) === 0xfec0) return 'a site-local address';
	if ((g0 & 0xff00) === 0xff00) return 'a multicast address';
	return undefined;
}

const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;

/**
 * What kind of non-public host `hostname` (as `URL.hostname` gives it) is, e.g. "a loopback
 * address" or "an intranet name (.local)", or undefined for a public address or name.
 */
export function privateHostKind(hostname: string): string | undefined {
	let host = hostname.toLowerCase();
	if (host.startsWith('[') && host.endsWith(']')) {
		const groups = parseIpv6(host.slice(1, -1));
		// The URL parser only lets valid IPv6 into brackets; anything else is refused to be safe.
		return groups === undefined ? 'an IPv6 address that could not be read' : ipv6Kind(groups);
	}
	// "127.0.0.1.." is left a name by the parser; without its trailing dots it is an address.
	while (host.endsWith('.')) host = host.slice(0, -1);
	const v4 = parseIpv4(host);
	if (v4 === undefined) {
		// No top-level domain is a number: "0x7f.0.0.1.." is an address the parser did not read.
		if (NUMERIC_LABEL.test(host.slice(host.lastIndexOf('.') + 1))) {
			return 'an address that could not be read';
		}
		return intranetNameKind(host);
	}
	if (v4 === 0xffffffff) return 'the broadcast address';
	return ipv4Kind(v4);
}
