// Lint set-up for a community node package: the generic TypeScript rules everywhere, and on
// the package itself (nodes/, credentials/, package.json) what n8n's community package scanner
// (@n8n/scan-community-package) applies: eslint-plugin-n8n-nodes-base (house style),
// @n8n/eslint-plugin-community-nodes and `no-console`. scripts/scan-package.mjs reproduces the
// scanner itself; this file keeps `npm run lint` in agreement with it. Scripts, tests and the
// bench print on purpose: the scanner does not lint them, and neither does `no-console` here.
import eslint from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { globalIgnores } from 'eslint/config';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const packageFiles = ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'];

export default tseslint.config(
	globalIgnores(['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**']),
	{
		files: ['**/*.ts'],
		extends: [eslint.configs.recommended, tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
		},
	},
	{
		files: ['**/*.{js,mjs,cjs}'],
		extends: [eslint.configs.recommended],
		languageOptions: {
			globals: {
				require: 'readonly',
				module: 'writable',
				process: 'readonly',
				console: 'readonly',
				__dirname: 'readonly',
			},
		},
	},
	{
		plugins: { 'n8n-nodes-base': n8nNodesBase },
	},
	{
		files: ['package.json'],
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { extraFileExtensions: ['.json'] },
		},
		rules: { ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// This rule wants a slug of n8n's own docs; a community credential links to its README
			// (the community-nodes rule credential-documentation-url checks URLs instead).
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These two rules predate outputs computed from parameters (as n8n's Switch node does);
			// Route by Result needs one, and @n8n/community-nodes checks connection types instead.
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
		},
	},
	{
		files: packageFiles,
		...n8nCommunityNodesPlugin.configs.recommended,
		ignores: [],
	},
	{
		// The scanner turns this on for everything it lints; published code logs nothing.
		files: packageFiles,
		rules: { 'no-console': 'error' },
	},
);
