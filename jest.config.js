/**
 * `unit`: the fast edit-test loop (`npm run test:unit`), on the Node that runs npm. `engine`:
 * the node inside n8n-core's WorkflowExecute against the local sandbox; n8n-core 2.x needs
 * Node >= 22, so `npm run test:engine` (scripts/test-engine.ts) runs this project on the Node 24
 * the e2e harness downloads. `package`: the packed tarball (needs `npm run build`). `e2e`: the
 * built package inside a real n8n against the local sandbox.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
	// A ceiling, not a measurement (Jest reads it for every project, not per project): engine
	// tests run whole workflows in n8n-core, many per property test, and Jest's 5 s default is hit
	// on a loaded 2-core machine without anything being wrong.
	testTimeout: 60_000,
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			roots: ['<rootDir>/test'],
			testMatch: ['**/*.test.ts'],
			testPathIgnorePatterns: [
				'/node_modules/',
				'\\.e2e\\.test\\.ts$',
				'<rootDir>/test/package/',
				'<rootDir>/test/engine/',
			],
			transform: { '^.+\\.ts$': tsJest },
		},
		{
			displayName: 'engine',
			testEnvironment: 'node',
			roots: ['<rootDir>/test/engine'],
			testMatch: ['**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
		{
			displayName: 'package',
			testEnvironment: 'node',
			roots: ['<rootDir>/test/package'],
			testMatch: ['**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			roots: ['<rootDir>/test/e2e'],
			testMatch: ['**/*.e2e.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
	],
};
