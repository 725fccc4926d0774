/**
 * Installs a pinned n8n into the cache, once: `npm install`, the native builds `n8n execute`
 * needs, a check that the result runs, then a completion marker. Every later call (and every
 * later CI run with the cache restored) only reads the marker.
 *
 * CLI: `tsx test/e2e/harness/installN8n.ts [version...]` (default: every pinned version),
 * also as `npm run e2e:install`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureNodeRuntime, type NodeForN8n } from './installNode';
import { withInstallLock } from './installLock';
import {
	installNpmProject,
	npmInstallLooksComplete,
	readMarker,
	writeMarker,
	type PackageJson,
} from './npmProject';
import { progress, runCommand, tailOfFile } from './processes';
import { cacheLayout, PINNED_N8N, pinnedN8n } from './versions';

export interface N8nInstall {
	version: string;
	/** The Node.js binary to start n8n with (n8n's bin script says `#!/usr/bin/env node`). */
	nodeBin: string;
	/** `node_modules/n8n/bin/n8n`, to be run as `nodeBin n8nBin <command>`. */
	n8nBin: string;
	/** Environment this install needs on this machine (see `expressionEngineEnv`). */
	env: Record<string, string>;
}

interface N8nMarker {
	version: string;
	nodeBin: string;
	nodeVersion: string;
	env: Record<string, string>;
	verifiedAt: string;
}

/** sqlite3 compiles from source when no prebuilt binary can be downloaded: ~1 minute here. */
const REBUILD_TIMEOUT_MS = 20 * 60_000;

const inFlight = new Map<string, Promise<N8nInstall>>();

/** Idempotent and safe to call concurrently (same process: one promise; across processes: a lock). */
export function ensureN8n(version: string): Promise<N8nInstall> {
	let pending = inFlight.get(version);
	if (!pending) {
		pending = install(version);
		inFlight.set(version, pending);
		pending.catch(() => inFlight.delete(version));
	}
	return pending;
}

async function install(version: string): Promise<N8nInstall> {
	const pin = pinnedN8n(version);
	const node = await ensureNodeRuntime(pin.runtime);
	const dir = cacheLayout.n8nDir(version);
	const n8nBin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const fromMarker = (): N8nInstall | undefined => {
		const marker = readMarker<N8nMarker>(dir);
		// A marker from another Node (the machine's Node was upgraded) redoes the native part.
		const valid =
			marker?.version === version &&
			marker.nodeBin === node.nodeBin &&
			marker.nodeVersion === node.version &&
			fs.existsSync(n8nBin);
		return valid ? { version, nodeBin: node.nodeBin, n8nBin, env: marker.env } : undefined;
	};
	const cached = fromMarker();
	if (cached) return cached;

	return withInstallLock(dir, async () => {
		const finishedMeanwhile = fromMarker();
		if (finishedMeanwhile) return finishedMeanwhile;
		const label = `n8n ${version}`;
		const started = Date.now();
		const packageJson: PackageJson = {
			private: true,
			dependencies: { n8n: version },
			...(pin.overrides ? { overrides: pin.overrides } : {}),
		};
		const reused = npmInstallLooksComplete(dir, packageJson);
		if (reused) progress(`${label}: reusing the finished npm install in ${dir}`);
		else await installNpmProject(dir, packageJson, label);

		let env: Record<string, string>;
		try {
			env = await finishInstall(dir, node, label);
		} catch (error) {
			if (!reused) throw error;
			// The npm install was someone else's and is broken in a way its log did not show.
			progress(`${label}: ${(error as Error).message}; installing afresh`);
			await installNpmProject(dir, packageJson, label);
			env = await finishInstall(dir, node, label);
		}
		verifyVersion(node.nodeBin, n8nBin, version);
		const marker: N8nMarker = {
			version,
			nodeBin: node.nodeBin,
			nodeVersion: node.version,
			env,
			verifiedAt: new Date().toISOString(),
		};
		writeMarker(dir, marker);
		progress(`${label}: ready (${Math.round((Date.now() - started) / 1000)} s) in ${dir}`);
		return { version, nodeBin: node.nodeBin, n8nBin, env };
	});
}

/** Native modules, then the environment the install needs. Returns that environment. */
async function finishInstall(
	dir: string,
	node: NodeForN8n,
	label: string,
): Promise<Record<string, string>> {
	await ensureSqlite(dir, node, label);
	checkExpressionEngine(dir, node, label);
	return {};
}

/**
 * n8n keeps its state in SQLite. sqlite3's binding is native and its install script (skipped
 * by --ignore-scripts) is what fetches or compiles it. It is an N-API module, so any Node
 * could build it; the headers of the Node that runs n8n are used anyway, for clarity.
 */
async function ensureSqlite(dir: string, node: NodeForN8n, label: string): Promise<void> {
	const sqlite = path.join(dir, 'node_modules', 'sqlite3');
	if (loads(node.nodeBin, `require(${JSON.stringify(sqlite)})`)) return;
	const logFile = path.join(dir, 'rebuild.log');
	progress(
		`${label}: building sqlite3 for Node ${node.version} (about a minute), log in ${logFile}`,
	);
	const env: NodeJS.ProcessEnv = {
		...process.env,
		// Install scripts run `node` from PATH (prebuild-install, node-gyp): the target Node.
		PATH: `${path.dirname(node.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
	};
	// Environment beats the user's npmrc (which may point nodedir at another Node's headers).
	if (node.headersDir) env.npm_config_nodedir = node.headersDir;
	const result = await runCommand('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false'], {
		cwd: dir,
		env,
		logFile,
		timeoutMs: REBUILD_TIMEOUT_MS,
		heartbeat: (s) => `${label}: still building sqlite3 (${s} s)`,
	});
	fs.appendFileSync(logFile, `rc=${result.exitCode}\n`);
	if (result.exitCode !== 0 || !loads(node.nodeBin, `require(${JSON.stringify(sqlite)})`)) {
		throw new Error(`sqlite3 does not build or load:\n${tailOfFile(logFile, 20)}`);
	}
	progress(`${label}: sqlite3 built in ${Math.round(result.durationMs / 1000)} s`);
}

/**
 * n8n >= 1.12x evaluates expressions in isolated-vm and exits at start-up without it. Its npm
 * package ships builds for some Node ABIs only (n8n 1.123's isolated-vm 6: Node 22 and 24;
 * n8n 2.x's isolated-vm 7: Node 24 and 25): a pin on another Node fails here, not in a test.
 */
function checkExpressionEngine(dir: string, node: NodeForN8n, label: string): void {
	const ivm = path.join(dir, 'node_modules', 'isolated-vm');
	if (!fs.existsSync(ivm)) return;
	const probe = `new (require(${JSON.stringify(ivm)}).Isolate)({ memoryLimit: 8 }).dispose()`;
	if (!loads(node.nodeBin, probe)) {
		throw new Error(
			`${label}: isolated-vm does not load on Node ${node.version}; pin a Node it ships a build for`,
		);
	}
}

function loads(nodeBin: string, script: string): boolean {
	try {
		execFileSync(nodeBin, ['-e', script], { stdio: 'ignore', timeout: 60_000 });
		return true;
	} catch {
		return false;
	}
}

function verifyVersion(nodeBin: string, n8nBin: string, version: string): void {
	let answer: string;
	try {
		answer = execFileSync(nodeBin, [n8nBin, '--version'], { encoding: 'utf8', timeout: 120_000 });
	} catch (error) {
		throw new Error(`n8n ${version} does not start: ${(error as Error).message}`);
	}
	const reported = answer.trim().split('\n').pop();
	if (reported !== version) {
		throw new Error(`n8n ${version}: \`n8n --version\` answered ${JSON.stringify(answer.trim())}`);
	}
}

async function main(args: string[]): Promise<void> {
	const versions = args.length > 0 ? args : PINNED_N8N.map((p) => p.version);
	versions.forEach(pinnedN8n); // Unknown versions fail before anything is downloaded.
	const started = Date.now();
	// In parallel: the downloads are network-bound and the two sqlite3 builds take ~1 min each.
	const results = await Promise.allSettled(versions.map((v) => ensureN8n(v)));
	let failed = false;
	results.forEach((result, i) => {
		if (result.status === 'fulfilled') {
			const { nodeBin, n8nBin, env } = result.value;
			const extra = Object.keys(env).length > 0 ? ` env ${JSON.stringify(env)}` : '';
			progress(`n8n ${versions[i]}: ${nodeBin} ${n8nBin}${extra}`);
		} else {
			failed = true;
			progress(`n8n ${versions[i]}: FAILED: ${(result.reason as Error).message}`);
		}
	});
	progress(`done in ${Math.round((Date.now() - started) / 1000)} s`);
	if (failed) process.exitCode = 1;
}

if (require.main === module) {
	void main(process.argv.slice(2));
}
