/**
 * The country of an E.164 number from its country calling code (ITU-T E.164 assignments). A small table: the
 * codes the providers here serve most, plus the larger markets. Longest prefix wins; an unlisted code is `other`,
 * a number without E.164 form is `unknown` (adapters derive E.164 only when they need not guess).
 */

/** Calling code → ISO 3166-1 alpha-2. `1` and `7` are shared (NANP, Russia/Kazakhstan): the first listed is shown. */
const CALLING_CODES: Readonly<Record<string, string>> = {
  '1': 'US',
  '7': 'RU',
  '20': 'EG',
  '27': 'ZA',
  '30': 'GR',
  '31': 'NL',
  '32': 'BE',
  '33': 'FR',
  '34': 'ES',
  '36': 'HU',
  '39': 'IT',
  '40': 'RO',
  '41': 'CH',
  '43': 'AT',
  '44': 'GB',
  '45': 'DK',
  '46': 'SE',
  '47': 'NO',
  '48': 'PL',
  '49': 'DE',
  '51': 'PE',
  '52': 'MX',
  '54': 'AR',
  '55': 'BR',
  '56': 'CL',
  '57': 'CO',
  '60': 'MY',
  '61': 'AU',
  '62': 'ID',
  '63': 'PH',
  '64': 'NZ',
  '65': 'SG',
  '66': 'TH',
  '81': 'JP',
  '82': 'KR',
  '84': 'VN',
  '86': 'CN',
  '90': 'TR',
  '91': 'IN',
  '92': 'PK',
  '234': 'NG',
  '254': 'KE',
  '351': 'PT',
  '353': 'IE',
  '358': 'FI',
  '370': 'LT',
  '371': 'LV',
  '372': 'EE',
  '375': 'BY',
  '380': 'UA',
  '420': 'CZ',
  '421': 'SK',
  '852': 'HK',
  '886': 'TW',
  '966': 'SA',
  '971': 'AE',
  '972': 'IL',
};

/** ISO country of `e164` (`+4915…` → `DE`), `other` for an unlisted code, `unknown` without a number. */
export function countryOf(e164: string | undefined): string {
  if (!e164 || !/^\+[1-9]\d{6,14}$/.test(e164)) return 'unknown';
  const digits = e164.slice(1);
  for (const length of [3, 2, 1]) {
    const country = CALLING_CODES[digits.slice(0, length)];
    if (country) return country;
  }
  return 'other';
}
