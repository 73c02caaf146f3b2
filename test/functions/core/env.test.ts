import { getNumberFromEnv, getOptionalStringFromEnv, getStringFromEnv } from '../../../functions/core/env';
import { ConfigurationError } from '../../../functions/core/errors';

const env = { TABLE_NAME: 'messages', EMPTY: '', TTL: '30', BAD: 'thirty' };

describe('getStringFromEnv', () => {
  test('a set variable is returned', () => {
    expect(getStringFromEnv('TABLE_NAME', { env })).toBe('messages');
  });

  test('an unset or empty variable takes the default', () => {
    expect(getStringFromEnv('MISSING', { env, default: 'fallback' })).toBe('fallback');
    expect(getStringFromEnv('EMPTY', { env, default: 'fallback' })).toBe('fallback');
  });

  test('an unset variable without a default is a ConfigurationError naming it', () => {
    expect(() => getStringFromEnv('MISSING', { env })).toThrow(ConfigurationError);
    expect(() => getStringFromEnv('EMPTY', { env })).toThrow(/EMPTY/);
  });

  test('process.env is read when no env is given', () => {
    process.env.WEBHOOK_TEST_VARIABLE = 'from-process';
    try {
      expect(getStringFromEnv('WEBHOOK_TEST_VARIABLE')).toBe('from-process');
    } finally {
      delete process.env.WEBHOOK_TEST_VARIABLE;
    }
  });
});

describe('getOptionalStringFromEnv', () => {
  test('unset and empty are both absent', () => {
    expect(getOptionalStringFromEnv('TABLE_NAME', env)).toBe('messages');
    expect(getOptionalStringFromEnv('EMPTY', env)).toBeUndefined();
    expect(getOptionalStringFromEnv('MISSING', env)).toBeUndefined();
  });
});

describe('getNumberFromEnv', () => {
  test('a numeric variable is a number', () => {
    expect(getNumberFromEnv('TTL', { env })).toBe(30);
  });

  test('an unset variable takes the default, or is a ConfigurationError without one', () => {
    expect(getNumberFromEnv('MISSING', { env, default: 400 })).toBe(400);
    expect(() => getNumberFromEnv('MISSING', { env })).toThrow(ConfigurationError);
  });

  test('a non-numeric variable is a ConfigurationError even with a default', () => {
    expect(() => getNumberFromEnv('BAD', { env, default: 1 })).toThrow(/BAD is not a number/);
  });

  test('bounds are enforced, inclusive', () => {
    expect(getNumberFromEnv('TTL', { env, min: 30, max: 30 })).toBe(30);
    expect(() => getNumberFromEnv('TTL', { env, min: 31 })).toThrow(/at least 31/);
    expect(() => getNumberFromEnv('TTL', { env, max: 29 })).toThrow(/at most 29/);
  });
});
