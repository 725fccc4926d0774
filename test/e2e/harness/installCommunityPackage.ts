/**
 * Installs a community-node tarball the way n8n's docs tell self-hosters to do it by hand:
 * `npm install <package>` inside `~/.n8n/nodes`. n8n (1.x and 2.x) loads every
 * `node_modules/n8n-nodes-*` (and `@scope/n8n-nodes-*`) found there at start-up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from './processes';

export interface InstalledCommunityPackage {
	name: string;
	version: string;
	/** `<userFolder>/.n8n/nodes/node_modules/<name>` */
	directory: string;
}

/** Packages n8n provides itself; a copy next to the community package breaks `instanceof`. */
const MUST_NOT_BE_INSTALLED = ['n8n-workflow', 'n8n-core'];

export async function installCommunityPackage(
	userFolder: string,
	tarball: string,
): Promise<InstalledCommunityPackage> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		// The same manifest n8n writes when it installs packages from its UI.
		fs.writeFileSync(manifest, JSON.stringify({ name: 'installed-nodes', private: true }, null, 2));
	}
	const result = await runCommand(
		'npm',
		['install', path.resolve(tarball), '--ignore-scripts', '--no-audit', '--no-fund'],
		{ cwd: nodesDir, timeoutMs: 5 * 60_000 },
	);
	if (result.exitCode !== 0) {
		throw new Error(`npm install ${tarball} in ${nodesDir} failed:\n${result.output}`);
	}

	// npm adds the package to dependencies under its real name, pointing at the tarball.
	const deps = (
		JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
			dependencies?: Record<string, string>;
		}
	).dependencies;
	const name = Object.entries(deps ?? {}).find(([, spec]) =>
		spec.endsWith(path.basename(tarball)),
	)?.[0];
	if (!name) throw new Error(`npm install ${tarball} did not record the package in ${manifest}`);
	const directory = path.join(nodesDir, 'node_modules', name);
	const packageJson = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8')) as {
		version: string;
		n8n?: unknown;
	};
	if (!/^(@[^/]+\/)?n8n-nodes-/.test(name)) {
		throw new Error(`n8n only loads packages named n8n-nodes-* or @scope/n8n-nodes-*, not ${name}`);
	}
	if (!packageJson.n8n) throw new Error(`${name} has no "n8n" section in its package.json`);

	// npm installs peer dependencies unless they are marked optional (peerDependenciesMeta).
	for (const forbidden of MUST_NOT_BE_INSTALLED) {
		if (fs.existsSync(path.join(nodesDir, 'node_modules', forbidden))) {
			throw new Error(
				`installing ${name} brought its own ${forbidden} into ${nodesDir}/node_modules. ` +
					`n8n then loads two copies: errors the node throws fail n8n's instanceof checks and ` +
					`users see a bare class name instead of the message. Mark the peer dependency ` +
					`optional in peerDependenciesMeta.`,
			);
		}
	}
	return { name, version: packageJson.version, directory };
}
