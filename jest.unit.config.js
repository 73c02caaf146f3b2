/**
 * The fast tier (`npm run test:unit`): every suite that starts no engine, no server and no child process, found by
 * what it imports, so a new suite lands in the right tier without a list to keep. `npm test` runs everything.
 * A suite that starts an engine anyway fails loudly here (test/support/tier.ts), rather than making this tier slow.
 */
const { readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');
const base = require('./jest.config');

/** What a suite that needs an engine, a server or another process imports or calls. */
const INTEGRATION = [
  /\b(startSqs|startDynamo|dynamoEngines|useConsumerEngines|useIngestSuite|ingestHarness|startTestPipeline|startLocalPipeline|startGateway|startPoller)\b/,
  /local\/(pipeline|gateway|start|poller|tail|engines\/[a-z-]+)'/,
  /node:child_process'/,
  /playwright-core'/,
  /aws-cdk-lib'/,
];

function suites(dir) {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? suites(file) : name.endsWith('.test.ts') ? [file] : [];
  });
}

const integration = suites(path.join(__dirname, 'test')).filter((file) => INTEGRATION.some((pattern) => pattern.test(readFileSync(file, 'utf8'))));

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', ...integration.map((file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)],
  setupFiles: ['<rootDir>/test/support/tier.ts'],
  testTimeout: 10_000,
};
