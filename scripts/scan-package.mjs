#!/usr/bin/env node
// The lint step of n8n's community package scanner, reproduced locally: its CLI only scans
// packages already published with provenance. Like the scanner, it lints with inline
// `eslint-disable` comments ignored and no project config, twice: the source (package.json,
// nodes/, credentials/) and the packed tarball's compiled JavaScript and package.json.
//
//   node scripts/scan-package.mjs                 pack this repository and scan it
//   node scripts/scan-package.mjs --source DIR --dist DIR   scan given folders (used by tests)
//
// Prints ESLint's report and a summary line; exits 1 when anything is found.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

// eslint-plugin-n8n-nodes-base switches to its own test fixtures' file names when NODE_ENV is
// "test" (as under Jest), read once at load time: clear it before the plugins load.
delete process.env.NODE_ENV;
const { n8nCommunityNodesPlugin } = await import('@n8n/eslint-plugin-community-nodes');
const { ESLint } = await import('eslint');
const { default: n8nNodesBase } = await import('eslint-plugin-n8n-nodes-base');
const { parser: tsParser } = await import('typescript-eslint');

const repoRoot = join(import.meta.dirname, '..');

/** The scanner's rules: community-nodes recommended, no console, and n8n-nodes-base's three sets. */
const scannerConfig = [
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['package.json'], rules: n8nNodesBase.configs.community.rules },
	{
		files: ['**/credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['**/nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{ files: ['**/*.json', '**/*.ts'], languageOptions: { parser: tsParser } },
];

/** Files below `cwd` whose relative path matches, node_modules and dot-folders left out. */
function findFiles(cwd, pattern) {
	return readdirSync(cwd, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => relative(cwd, join(entry.parentPath ?? entry.path, entry.name)))
		.filter((path) => !/(^|\/)(node_modules|\.[^/]+)\//.test(path) && pattern.test(path))
		.sort();
}

async function scan(label, cwd, pattern) {
	const eslint = new ESLint({
		cwd,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: scannerConfig,
	});
	const files = findFiles(cwd, pattern);
	const results = await eslint.lintFiles(files.map((file) => join(cwd, file)));
	const report = await (await eslint.loadFormatter('stylish')).format(results);
	const problems = results.reduce((sum, r) => sum + r.errorCount + r.warningCount, 0);
	console.log(`${label}: ${files.length} files scanned, ${problems} problems`);
	if (report) console.log(report);
	return problems;
}

function packRepository() {
	const workDir = mkdtempSync(join(tmpdir(), 'kredibel-scan-'));
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', workDir], {
			cwd: repoRoot,
			encoding: 'utf8',
		}),
	);
	execFileSync('tar', ['xzf', join(workDir, packed.filename), '-C', workDir]);
	return { dir: join(workDir, 'package'), dispose: () => rmSync(workDir, { recursive: true }) };
}

const { values } = parseArgs({ options: { source: { type: 'string' }, dist: { type: 'string' } } });
const packed = values.dist ? undefined : packRepository();
try {
	const sourceProblems = await scan(
		'source',
		values.source ?? repoRoot,
		/^(package\.json|(nodes|credentials)\/.*\.(js|ts|json))$/,
	);
	const distProblems = await scan('tarball', values.dist ?? packed.dir, /^(package\.json|.*\.js)$/);
	const total = sourceProblems + distProblems;
	console.log(total === 0 ? 'scan passed' : `scan failed: ${total} problems`);
	process.exitCode = total === 0 ? 0 : 1;
} finally {
	packed?.dispose();
}
