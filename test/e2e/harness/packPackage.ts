/**
 * The e2e suite tests what users install: the tarball `npm pack` makes, not the working tree.
 * Building is not done here (the suite's entry script or the developer runs `npm run build`);
 * a tarball without the built files its package.json names is refused instead.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

interface PackJson {
	filename: string;
	files: Array<{ path: string }>;
}

let repoTarball: Promise<string> | undefined;

/**
 * The repository packed once per process, into `<tmp>/kredibel-pack-<pid>`. Exit hooks do not
 * run under Jest, so instead each call sweeps the folders of processes that are gone.
 */
export function packPackage(): Promise<string> {
	if (!repoTarball) {
		sweepStalePackFolders();
		const destination = path.join(os.tmpdir(), `${PACK_PREFIX}${process.pid}`);
		fs.rmSync(destination, { recursive: true, force: true });
		fs.mkdirSync(destination);
		repoTarball = packDirectory(REPO_ROOT, destination);
		repoTarball.catch(() => (repoTarball = undefined));
	}
	return repoTarball;
}

const PACK_PREFIX = 'kredibel-pack-';

function sweepStalePackFolders(): void {
	for (const entry of fs.readdirSync(os.tmpdir())) {
		const pid = Number(entry.slice(PACK_PREFIX.length));
		if (!entry.startsWith(PACK_PREFIX) || !Number.isInteger(pid) || pid <= 0) continue;
		try {
			process.kill(pid, 0);
		} catch {
			fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
		}
	}
}

/** `npm pack` of any package folder into `destination` (the harness test packs its own). */
export async function packDirectory(packageDir: string, destination: string): Promise<string> {
	// The repo's .npmrc sets ignore-scripts, so no prepack/prepare script runs (none is wanted:
	// building is a separate, explicit step). --json lists the files that went in.
	const { stdout } = await execFileAsync(
		'npm',
		['pack', '--json', '--pack-destination', destination],
		{ cwd: packageDir, maxBuffer: 64 * 1024 * 1024 },
	);
	const [packed] = JSON.parse(stdout) as PackJson[];
	if (!packed) throw new Error(`npm pack in ${packageDir} printed no result`);
	assertDeclaredFilesPacked(packageDir, packed);
	return path.join(destination, packed.filename);
}

/** Every node and credential file named in package.json's `n8n` section must be in the tarball. */
function assertDeclaredFilesPacked(packageDir: string, packed: PackJson): void {
	const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
		n8n?: { nodes?: string[]; credentials?: string[] };
	};
	const declared = [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])];
	const inTarball = new Set(packed.files.map((f) => path.posix.normalize(f.path)));
	const missing = declared.filter((file) => !inTarball.has(path.posix.normalize(file)));
	if (missing.length > 0) {
		throw new Error(
			`${packed.filename} lacks ${missing.join(', ')} (named in package.json "n8n"); ` +
				'run `npm run build` before the e2e suite',
		);
	}
}
