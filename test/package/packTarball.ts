/**
 * `npm pack` of the built package, unpacked. Inside the repository (under .tmp/), so that
 * `require('n8n-workflow')` from the packed files resolves to the dev copy, as it resolves to
 * n8n's own copy once installed in n8n. Each test file gets its own folder: Jest runs them in
 * parallel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');

export interface PackedPackage {
	/** Paths inside the tarball, sorted. */
	files: string[];
	/** The unpacked `package/` folder. */
	dir: string;
	dispose(): void;
}

export function packAndUnpack(): PackedPackage {
	if (!existsSync(join(repoRoot, 'dist', 'nodes'))) {
		throw new Error('dist/ is missing: run `npm run build` first');
	}
	mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
	const workDir = mkdtempSync(join(repoRoot, '.tmp', 'pack-'));
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', workDir], {
			cwd: repoRoot,
			encoding: 'utf8',
		}),
	) as Array<{ filename: string; files: Array<{ path: string }> }>;
	execFileSync('tar', ['xzf', join(workDir, packed[0].filename), '-C', workDir]);
	return {
		files: packed[0].files.map((file) => file.path).sort(),
		dir: join(workDir, 'package'),
		dispose: () => rmSync(workDir, { recursive: true, force: true }),
	};
}
