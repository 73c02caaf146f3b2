import { maskPhone, toParty, type NumberingRule } from '../../../functions/core/phone';

const KOREAN: NumberingRule = { kind: 'national', countryCode: '82', trunkPrefix: '0' };

describe('toParty with the international rule (the default)', () => {
  test.each([
    ['861571111111', '+861571111111'],
    ['+4915752982212', '+4915752982212'],
    ['004915752982212', '+4915752982212'],
    ['+1 (415) 555-0123', '+14155550123'],
    ['7.916.123.45.67', '+79161234567'],
  ])('%s has E.164 %s', (raw, e164) => {
    expect(toParty(raw)).toEqual({ raw, e164 });
  });

  test('a number sent as a JSON number keeps its decimal text as raw', () => {
    expect(toParty(861571111111)).toEqual({ raw: '861571111111', e164: '+861571111111' });
  });

  test.each(['', '12345', '0861571111111', '+0123456789', '1234567890123456', 'ABC-SHOP', '+49 157 abc', '++4915752982212'])(
    '%j gets no E.164 but keeps raw',
    (raw) => {
      expect(toParty(raw)).toEqual({ raw });
    },
  );
});

describe('toParty with a national rule (NHN Korea)', () => {
  test.each([
    ['01012341234', '+821012341234'],
    ['010-1234-1234', '+821012341234'],
    ['0212345678', '+82212345678'],
    ['+14155550123', '+14155550123'],
    ['0014155550123', '+14155550123'],
  ])('%s has E.164 %s', (raw, e164) => {
    expect(toParty(raw, KOREAN)).toEqual({ raw, e164 });
  });

  test.each(['15446859', '1012341234', '0'])('%s without the trunk prefix is not guessed', (raw) => {
    expect(toParty(raw, KOREAN)).toEqual({ raw });
  });

  test('a national rule without a country code derives nothing from national numbers', () => {
    expect(toParty('01012341234', { kind: 'national', trunkPrefix: '0' })).toEqual({ raw: '01012341234' });
  });
});

describe('toParty bounds', () => {
  test('raw is cut at 1024 characters', () => {
    expect(toParty('9'.repeat(5000)).raw).toHaveLength(1024);
  });
});

describe('maskPhone', () => {
  test('only the last four digits remain', () => {
    expect(maskPhone('+4915752982212')).toBe('***2212');
    expect(maskPhone(861571111111)).toBe('***1111');
  });

  test('a short value is masked entirely and an absent one stays absent', () => {
    expect(maskPhone('1234')).toBe('***');
    expect(maskPhone('')).toBe('***');
    expect(maskPhone(undefined)).toBeUndefined();
  });
});
