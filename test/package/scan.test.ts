/**
 * scripts/scan-package.mjs reproduces the lint step of n8n's community package scanner. It is
 * ESM-only (so is the scanner's plugin), so it runs as a child process here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from './packTarball';

function runScan(args: string[] = []): { code: number; output: string } {
	try {
		const output = execFileSync('node', ['scripts/scan-package.mjs', ...args], {
			cwd: repoRoot,
			encoding: 'utf8',
		});
		return { code: 0, output };
	} catch (error) {
		const failed = error as { status: number; stdout: string };
		return { code: failed.status, output: failed.stdout };
	}
}

describe("n8n's community package scan, run locally", () => {
	it('passes on this package: source and packed tarball', () => {
		const { code, output } = runScan();
		expect(output).toMatch(/^source: \d+ files scanned, 0 problems$/m);
		expect(output).toMatch(/^tarball: \d+ files scanned, 0 problems$/m);
		expect(output).toMatch(/scan passed/);
		expect(code).toBe(0);
	}, 120_000);

	it('catches what the scanner catches, even behind an inline eslint-disable', () => {
		const dir = mkdtempSync(join(tmpdir(), 'bad-package-'));
		try {
			mkdirSync(join(dir, 'nodes', 'Bad'), { recursive: true });
			writeFileSync(
				join(dir, 'package.json'),
				JSON.stringify({
					name: 'n8n-nodes-bad',
					version: '1.0.0',
					dependencies: { axios: '1.0.0' },
					n8n: { n8nNodesApiVersion: 1, nodes: ['dist/nodes/Bad/Bad.node.js'] },
				}),
			);
			writeFileSync(
				join(dir, 'nodes', 'Bad', 'helper.js'),
				'/* eslint-disable */\nconsole.log("leak");\n',
			);
			const { code, output } = runScan(['--source', dir, '--dist', dir]);
			expect(code).toBe(1);
			expect(output).toMatch(/no-runtime-dependencies/);
			expect(output).toMatch(/no-console/);
			expect(output).toMatch(/scan failed/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}, 120_000);
});
