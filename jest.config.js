/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  // Servers started by integration tests need a moment on a 2-core machine.
  testTimeout: 60_000,
  // Integration suites start their own engines on free ports; two workers keep the 2-core box responsive.
  maxWorkers: 2,
};
