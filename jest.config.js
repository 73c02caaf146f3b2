/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: tsconfig.json sets isolatedModules, and `npm run typecheck` checks the types.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Jest's cache with the project's other caches, not in /tmp; and every temporary folder of a run inside one
  // folder that the run removes (test/support/temp-fence.ts).
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Servers started by integration tests need a moment on a 2-core machine.
  testTimeout: 60_000,
  // Integration suites start their own engines on free ports; two workers keep the 2-core box responsive.
  maxWorkers: 2,
};
