/**
 * Prices as providers write them: a JSON number (`0.0075`) or a decimal string (`"0.0350"`), with an ISO 4217 code.
 * The event's `price.amount` is a decimal string as written, never a float and never in exponent form. Pure.
 */
import type { NormalizedEvent } from '../events/schema';

const DECIMAL = /^-?\d{1,12}(\.\d{1,12})?$/;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * A price value as a decimal string: a string as written, a number in its shortest form without exponent
 * (`1e-7` → `0.0000001`); `undefined` when it has no such form (too many digits, not finite, not a number).
 *
 * @example decimalOf(0.01) // '0.01'
 */
export function decimalOf(value: number | string): string | undefined {
  if (typeof value === 'string') return DECIMAL.test(value) ? value : undefined;
  if (!Number.isFinite(value)) return undefined;
  const plain = String(value);
  if (DECIMAL.test(plain)) return plain;
  const fixed = value.toFixed(12).replace(/\.?0+$/, '');
  return DECIMAL.test(fixed) ? fixed : undefined;
}

/**
 * The event's `price` from an amount and a currency, or `undefined` when either is missing or unreadable: a price
 * is carried along, never a reason to refuse a report (it stays in `raw`). The currency is upper-cased.
 */
export function priceOf(amount: number | string | null | undefined, currency: string | null | undefined): NormalizedEvent['price'] {
  if (amount === null || amount === undefined || !currency) return undefined;
  const decimal = decimalOf(amount);
  const code = currency.toUpperCase();
  return decimal !== undefined && CURRENCY.test(code) ? { amount: decimal, currency: code } : undefined;
}
