/**
 * A cache folder is a throwaway npm project: a package.json naming one pinned dependency, and
 * `npm install` as the download. This file knows how to install one (retrying once, from a
 * clean folder), how to tell a finished install from a half-finished one, and the completion
 * marker written once the caller has verified the result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cacheLayout } from './versions';
import { progress, runCommand, tailOfFile } from './processes';

export type PackageJson = Record<string, unknown> & {
	dependencies: Record<string, string>;
};

/** npm install of n8n takes 3-5 minutes; far beyond that something hangs. */
const INSTALL_TIMEOUT_MS = 30 * 60_000;

export function readMarker<T>(dir: string): T | undefined {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, cacheLayout.markerFile), 'utf8')) as T;
	} catch {
		return undefined;
	}
}

export function writeMarker(dir: string, data: object): void {
	fs.writeFileSync(path.join(dir, cacheLayout.markerFile), `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * True when an earlier `npm install` of exactly this package.json ran to the end: install.log
 * ends with `rc=0`, or (for folders installed by hand, without a log) npm wrote
 * package-lock.json, which it does last. The dependency's own package.json must be in place.
 */
export function npmInstallLooksComplete(dir: string, packageJson: PackageJson): boolean {
	try {
		const onDisk: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
		if (JSON.stringify(onDisk) !== JSON.stringify(packageJson)) return false;
		for (const [name, version] of Object.entries(packageJson.dependencies)) {
			const installed = JSON.parse(
				fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8'),
			) as { version?: string };
			if (installed.version !== version) return false;
		}
	} catch {
		return false;
	}
	const log = path.join(dir, cacheLayout.installLog);
	if (fs.existsSync(log)) return lastExitCode(log) === 0;
	return fs.existsSync(path.join(dir, 'package-lock.json'));
}

function lastExitCode(logFile: string): number | undefined {
	const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
	const match = /^rc=(\d+)$/.exec(lines[lines.length - 1] ?? '');
	return match ? Number(match[1]) : undefined;
}

/** Wipe the folder and `npm install`; one retry from a clean folder (registries hiccup). */
export async function installNpmProject(
	dir: string,
	packageJson: PackageJson,
	label: string,
): Promise<void> {
	const logFile = path.join(dir, cacheLayout.installLog);
	for (let attempt = 1; attempt <= 2; attempt++) {
		if (fs.existsSync(dir)) {
			progress(`${label}: removing unfinished install in ${dir}`);
			fs.rmSync(dir, { recursive: true, force: true });
		}
		fs.mkdirSync(dir, { recursive: true });
		// Compact on one line, like the folders made by hand, so both compare equal.
		fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson));
		progress(`${label}: npm install (attempt ${attempt} of 2), log in ${logFile}`);
		const result = await runCommand(
			'npm',
			// --ignore-scripts: n8n's dependency tree has install scripts that download from
			// GitHub or compile things `n8n execute` never loads; the one native module it does
			// need (sqlite3) is rebuilt explicitly afterwards.
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
			{
				cwd: dir,
				logFile,
				timeoutMs: INSTALL_TIMEOUT_MS,
				heartbeat: (s) =>
					`${label}: npm install running for ${s} s, ${countInstalledPackages(dir)} packages unpacked`,
			},
		);
		fs.appendFileSync(logFile, `rc=${result.exitCode}\n`);
		if (result.exitCode === 0) {
			progress(`${label}: npm install done in ${Math.round(result.durationMs / 1000)} s`);
			return;
		}
		progress(
			`${label}: npm install failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}):\n${tailOfFile(logFile, 15)}`,
		);
	}
	throw new Error(`${label}: npm install failed twice; see ${logFile}`);
}

/** Top-level packages in node_modules (scoped ones counted individually): a progress gauge. */
export function countInstalledPackages(dir: string): number {
	const modules = path.join(dir, 'node_modules');
	let count = 0;
	try {
		for (const entry of fs.readdirSync(modules)) {
			if (entry.startsWith('.')) continue;
			count += entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).length : 1;
		}
	} catch {
		// Not created yet.
	}
	return count;
}
