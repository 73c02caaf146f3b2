/**
 * Configuration read through helpers that fail loudly: a missing variable is a deployment mistake,
 * found at cold start rather than on the first webhook.
 */
import { ConfigurationError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

export function getStringFromEnv(name: string, options: { default?: string; env?: Env } = {}): string {
  const value = (options.env ?? process.env)[name];
  if (value !== undefined && value !== '') return value;
  if (options.default !== undefined) return options.default;
  throw new ConfigurationError(`environment variable ${name} is not set`);
}

export function getOptionalStringFromEnv(name: string, env: Env = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function getNumberFromEnv(name: string, options: { default?: number; min?: number; max?: number; env?: Env } = {}): number {
  const text = (options.env ?? process.env)[name];
  if (text === undefined || text === '') {
    if (options.default !== undefined) return options.default;
    throw new ConfigurationError(`environment variable ${name} is not set`);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ConfigurationError(`environment variable ${name} is not a number`);
  if (options.min !== undefined && value < options.min) throw new ConfigurationError(`${name} must be at least ${options.min}`);
  if (options.max !== undefined && value > options.max) throw new ConfigurationError(`${name} must be at most ${options.max}`);
  return value;
}
