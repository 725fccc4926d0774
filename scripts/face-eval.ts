/**
 * Fetches the face check's evaluation set (test/face-eval/manifest.ts) from its pinned Debian
 * packages into ~/.cache/n8n-nodes-kredibel/face-eval/ (never committed): `apt-get download` of
 * each package at its pinned version, the listed files taken out of it with `dpkg-deb -x`, each
 * checked against its recorded SHA-256. Files already in the cache with the right digest are kept.
 *
 *   npx tsx scripts/face-eval.ts     fetch (the face bench calls it too)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { EVAL_SOURCES, type EvalSource } from '../test/face-eval/manifest';

export const FACE_EVAL_DIRECTORY = path.join(
	process.env.KREDIBEL_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'n8n-nodes-kredibel'),
	'face-eval',
);

function digestOf(file: string): string {
	return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function present(source: EvalSource): boolean {
	const file = path.join(FACE_EVAL_DIRECTORY, source.file);
	return fs.existsSync(file) && digestOf(file) === source.sha256;
}

/** The cache folder, after fetching whatever is missing. Throws when a digest differs. */
export function ensureFaceEvalSet(log: (line: string) => void = () => undefined): string {
	fs.mkdirSync(FACE_EVAL_DIRECTORY, { recursive: true });
	const missing = EVAL_SOURCES.filter((source) => !present(source));
	const packages = new Map(
		missing.map((source) => [`${source.from.name}=${source.from.version}`, source.from]),
	);
	for (const [pinned, debianPackage] of packages) {
		const work = fs.mkdtempSync(path.join(os.tmpdir(), 'face-eval-'));
		try {
			log(`apt-get download ${pinned}`);
			execFileSync('apt-get', ['download', pinned], { cwd: work, stdio: 'pipe' });
			const deb = fs.readdirSync(work).find((name) => name.endsWith('.deb'));
			if (!deb) throw new Error(`apt-get download ${pinned} gave no .deb`);
			const tree = path.join(work, 'tree');
			execFileSync('dpkg-deb', ['-x', path.join(work, deb), tree]);
			for (const source of missing.filter((entry) => entry.from === debianPackage)) {
				const target = path.join(FACE_EVAL_DIRECTORY, source.file);
				fs.copyFileSync(path.join(tree, source.path), target);
				const digest = digestOf(target);
				if (digest !== source.sha256) {
					fs.rmSync(target);
					throw new Error(
						`${source.path} in ${pinned} has SHA-256 ${digest}, expected ${source.sha256}`,
					);
				}
			}
		} finally {
			fs.rmSync(work, { recursive: true, force: true });
		}
	}
	return FACE_EVAL_DIRECTORY;
}

if (require.main === module) {
	const directory = ensureFaceEvalSet((line) => console.log(line));
	console.log(`${EVAL_SOURCES.length} files in ${directory}`);
}
