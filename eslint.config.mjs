// Lint set-up for a community node package: the generic TypeScript rules everywhere, and on
// the package itself (nodes/, credentials/, package.json) the two rule sets n8n applies:
// eslint-plugin-n8n-nodes-base (house style) and @n8n/eslint-plugin-community-nodes (the rules
// of n8n's verification scanner).
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
);
