/**
 * `unit`: the fast edit-test loop (`npm run test:unit`). `package`: the packed tarball (needs
 * `npm run build`). `e2e`: the built package inside a real n8n against the local sandbox.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			roots: ['<rootDir>/test'],
			testMatch: ['**/*.test.ts'],
			testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$', '<rootDir>/test/package/'],
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
