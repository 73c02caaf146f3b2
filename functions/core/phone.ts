/**
 * Phone numbers as providers send them, and the two things we do with them: derive E.164 when it can be done
 * without guessing, and mask them for logs (promise 6).
 */
import type { Party } from '../events/schema';

export interface NumberingRule {
  /**
   * `international`: the digits already start with a country code (InnoPaaS `861571111111`).
   * `national`: numbers that start with `trunkPrefix` are national and get `countryCode` (NHN `01012341234`).
   */
  readonly kind: 'international' | 'national';
  readonly countryCode?: string;
  readonly trunkPrefix?: string;
}

const E164_DIGITS = /^[1-9]\d{6,14}$/;

/**
 * A {@link Party} from a provider's number. `raw` is kept exactly as sent (numbers become their decimal text);
 * `e164` is set only when the rule makes it unambiguous.
 */
export function toParty(value: string | number, rule: NumberingRule = { kind: 'international' }): Party {
  const raw = String(value).slice(0, 1024);
  const compact = raw.replace(/[\s().-]/g, '');
  let digits: string | undefined;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (rule.kind === 'national' && rule.trunkPrefix && rule.countryCode && compact.startsWith(rule.trunkPrefix)) {
    digits = rule.countryCode + compact.slice(rule.trunkPrefix.length);
  } else if (rule.kind === 'international') digits = compact;
  return digits !== undefined && E164_DIGITS.test(digits) ? { raw, e164: `+${digits}` } : { raw };
}

/** `+4915752982212` → `***2212`: enough to correlate in logs, never the whole number. */
export function maskPhone(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  return text.length <= 4 ? '***' : `***${text.slice(-4)}`;
}
