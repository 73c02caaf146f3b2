/** Fails a suite of the unit tier (test/support/tier.ts) that starts what only the full suite may start. */
export function refuseInUnitTier(what: string): void {
  if (process.env.TEST_TIER === 'unit') {
    throw new Error(`this suite starts ${what}, so it belongs to the full suite (npm test): jest.unit.config.js sorts suites by their imports`);
  }
}
