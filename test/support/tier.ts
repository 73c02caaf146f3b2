/**
 * Set up in the unit tier only (jest.unit.config.js): marks the run, so that an engine started from a suite the tier
 * took for a unit suite fails at once with the reason, instead of slowing the fast tier down.
 */
process.env.TEST_TIER = 'unit';
