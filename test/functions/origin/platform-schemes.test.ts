/**
 * The schemes every provider has (static headers, URL token, source IP ranges), composed as the ingest composes
 * them, and the credentials document they read.
 */
import { MAX_ACCOUNT_LENGTH, parseProviderCredentials, type ProviderCredentials } from '../../../functions/origin/credentials';
import { deploymentSourceIps } from '../../../functions/origin/schemes/static';
import type { OriginRequest, Verdict } from '../../../functions/origin/types';
import { PLATFORM_SCHEMES, canAdmit, verifyOrigin } from '../../../functions/origin/verify';
import { accountsVerdict as authorizeAccounts } from '../../../functions/ingest/verify';
import devCredentials from '../../../config/credentials.dev.json';

/** Whether the document's check lets `entry` through. */
const accepts = (entry: unknown): boolean => {
  try {
    parseProviderCredentials(entry);
    return true;
  } catch {
    return false;
  }
};

interface AuthenticationInput {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly token?: string;
  readonly sourceIp: string;
}

/** The platform's schemes over a request with no body, plus the deployment's own allow-list when given. */
async function authenticate(
  input: AuthenticationInput,
  credentials: ProviderCredentials | undefined,
  options: { allowedSourceIps?: string[] } = {},
): Promise<Verdict> {
  const request: OriginRequest = {
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/acme',
    body: Buffer.alloc(0),
    formParams: () => [],
    now: 0,
    ...input,
  };
  const verdict = await verifyOrigin(PLATFORM_SCHEMES, request, credentials, { toleranceSeconds: 300 });
  return verdict.ok && options.allowedSourceIps ? deploymentSourceIps(options.allowedSourceIps)(request) : verdict;
}

const canAuthenticate = (credentials: ProviderCredentials | undefined) => canAdmit(PLATFORM_SCHEMES, credentials);

const HEADERS: ProviderCredentials = { headers: { UserName: ['acme'], Authorization: ['s3cret-current', 's3cret-previous'] } };
const TOKENS: ProviderCredentials = { tokens: ['token-0123456789abcdef'] };

/** A request that passes {@link HEADERS}; each test changes one thing. */
function input(overrides: Partial<AuthenticationInput> = {}): AuthenticationInput {
  return { headers: { username: 'acme', authorization: 's3cret-current' }, sourceIp: '203.0.113.7', ...overrides };
}

describe('headers', () => {
  it('accepts a request whose every configured header equals an accepted value', async () => {
    expect(await authenticate(input(), HEADERS)).toEqual({ ok: true });
  });

  it('accepts any of several values of a header (rotation)', async () => {
    expect((await authenticate(input({ headers: { username: 'acme', authorization: 's3cret-previous' } }), HEADERS)).ok).toBe(true);
  });

  it('compares header names case-insensitively', async () => {
    const credentials: ProviderCredentials = { headers: { 'X-TOAST-Webhook-Signature': ['sig-value'] } };
    expect((await authenticate({ headers: { 'x-toast-webhook-signature': 'sig-value' }, sourceIp: '' }, credentials)).ok).toBe(true);
  });

  it.each([
    ['a wrong value of the same length', 's3cret-cXrrent'],
    ['a wrong value of another length', 's3cret'],
    ['an empty value', ''],
    ['the value with a different case', 'S3CRET-CURRENT'],
    ['a repeated header, joined by the gateway', 's3cret-current,s3cret-current'],
  ])('refuses %s', async (_name, authorization) => {
    const result = await authenticate(input({ headers: { username: 'acme', authorization } }), HEADERS);
    expect(result.ok).toBe(false);
  });

  it('names the header that is missing', async () => {
    expect(await authenticate(input({ headers: { username: 'acme' } }), HEADERS)).toEqual({
      ok: false,
      reason: 'missing_header',
      header: 'Authorization',
    });
  });

  it('names the header that does not match', async () => {
    expect(await authenticate(input({ headers: { username: 'other', authorization: 's3cret-current' } }), HEADERS)).toEqual({
      ok: false,
      reason: 'header_mismatch',
      header: 'UserName',
    });
  });
});

describe('URL tokens', () => {
  it('accepts the configured token', async () => {
    expect((await authenticate({ headers: {}, token: 'token-0123456789abcdef', sourceIp: '' }, TOKENS)).ok).toBe(true);
  });

  it('refuses a wrong token', async () => {
    expect(await authenticate({ headers: {}, token: 'token-0123456789abcdeX', sourceIp: '' }, TOKENS)).toEqual({
      ok: false,
      reason: 'token_mismatch',
    });
  });

  it('refuses a request without a token', async () => {
    expect(await authenticate({ headers: {}, sourceIp: '' }, TOKENS)).toEqual({ ok: false, reason: 'missing_token' });
  });

  it('ignores a token sent to a provider that authenticates by headers only', async () => {
    expect((await authenticate(input({ token: 'anything' }), HEADERS)).ok).toBe(true);
  });

  it('requires both headers and token when both are configured', async () => {
    const both: ProviderCredentials = { ...HEADERS, ...TOKENS };
    expect(await authenticate(input(), both)).toEqual({ ok: false, reason: 'missing_token' });
    expect((await authenticate(input({ token: 'token-0123456789abcdef' }), both)).ok).toBe(true);
  });
});

describe('allowed IPs', () => {
  const withIps = (allowedIps: string[]): ProviderCredentials => ({ ...TOKENS, allowedIps });
  const from = (sourceIp: string) => ({ headers: {}, token: 'token-0123456789abcdef', sourceIp });

  it.each([
    ['an IPv4 address inside the CIDR', ['203.0.113.0/24'], '203.0.113.200', true],
    ['an IPv4 address outside the CIDR', ['203.0.113.0/24'], '203.0.114.1', false],
    ['an IPv6 address inside the CIDR', ['2001:db8::/32'], '2001:db8:1::5', true],
    ['an IPv6 address outside the CIDR', ['2001:db8::/32'], '2001:db9::5', false],
    ['the one host of a bare address', ['198.51.100.9'], '198.51.100.9', true],
    ['a neighbour of a bare address', ['198.51.100.9'], '198.51.100.10', false],
    ['a source that is not an address', ['0.0.0.0/0'], 'not-an-ip', false],
    ['an empty source', ['0.0.0.0/0'], '', false],
  ])('for %s answers %s', async (_name, cidrs, ip, ok) => {
    expect((await authenticate(from(ip), withIps(cidrs))).ok).toBe(ok);
  });

  it('refuses a source outside the deployment allow-list even when the document allows it', async () => {
    const result = await authenticate(from('203.0.113.7'), withIps(['0.0.0.0/0']), { allowedSourceIps: ['198.51.100.0/24'] });
    expect(result).toEqual({ ok: false, reason: 'source_ip_not_allowed' });
  });
});

describe('fail closed', () => {
  it.each([
    ['no entry at all', undefined],
    ['an empty entry', {}],
    ['an entry with only allowedIps', { allowedIps: ['0.0.0.0/0', '::/0'] }],
    ['an entry with only accounts', { accounts: ['akb3dukdmdjsdSvgk'] }],
    ['an entry with only allowedIps and accounts', { allowedIps: ['0.0.0.0/0'], accounts: ['akb3dukdmdjsdSvgk'] }],
    ['an entry with an empty headers object', { headers: {} }],
  ])('refuses every request for %s', async (_name, credentials) => {
    expect(await authenticate(input(), credentials as ProviderCredentials | undefined)).toEqual({ ok: false, reason: 'not_configured' });
    expect(canAuthenticate(credentials as ProviderCredentials | undefined)).toBe(false);
  });

  it('says an entry with a header or a token can let a request in', async () => {
    expect([HEADERS, TOKENS].map((credentials) => canAuthenticate(credentials))).toEqual([true, true]);
  });
});

describe('the credentials document', () => {
  it('accepts every entry of the dev file', async () => {
    for (const [key, entry] of Object.entries(devCredentials)) {
      if (!key.startsWith('_')) expect(accepts(entry)).toBe(true);
    }
  });

  it.each([
    ['an unknown key (a typo must not drop a check)', { header: { A: ['x'] } }],
    ['an empty accepted value', { headers: { A: [''] } }],
    ['a header with no accepted value', { headers: { A: [] } }],
    ['an empty token list', { tokens: [] }],
    ['a value that is not a CIDR', { tokens: ['t'], allowedIps: ['203.0.113.0/33'] }],
    ['a header name with a space', { headers: { 'User Name': ['x'] } }],
    ['a single string instead of a list', { tokens: 'token' }],
    ['an empty accounts list', { ...HEADERS, accounts: [] }],
    ['an empty account', { ...HEADERS, accounts: ['akb3dukdmdjsdSvgk', ''] }],
    ['an account longer than the limit', { ...HEADERS, accounts: ['k'.repeat(MAX_ACCOUNT_LENGTH + 1)] }],
    ['a single account instead of a list', { ...HEADERS, accounts: 'akb3dukdmdjsdSvgk' }],
    ['an account that is a number', { ...HEADERS, accounts: [12345] }],
    ['a misspelt accounts key', { ...HEADERS, account: ['akb3dukdmdjsdSvgk'] }],
  ])('refuses %s', async (_name, entry) => {
    expect(accepts(entry)).toBe(false);
  });

  it.each([
    ['one account', ['akb3dukdmdjsdSvgk']],
    ['several accounts', ['akb3dukdmdjsdSvgk', 'second-project-app-key']],
    ['an account at the length limit', ['k'.repeat(MAX_ACCOUNT_LENGTH)]],
  ])('accepts %s beside the credentials', async (_name, accounts) => {
    expect(accepts({ ...HEADERS, accounts })).toBe(true);
    expect(accepts({ ...TOKENS, accounts })).toBe(true);
  });
});

describe('accounts', () => {
  const OURS: ProviderCredentials = { ...HEADERS, accounts: ['akb3dukdmdjsdSvgk', 'second-project-app-key'] };

  it('lets through events that name any listed account', async () => {
    expect(authorizeAccounts(['akb3dukdmdjsdSvgk', 'second-project-app-key'], OURS)).toEqual({ ok: true });
  });

  it('refuses when one event names an account not listed, without saying which was expected', async () => {
    expect(authorizeAccounts(['akb3dukdmdjsdSvgk', 'someone-else'], OURS)).toEqual({ ok: false, reason: 'account_not_allowed' });
  });

  it.each([
    ['another case', 'AKB3DUKDMDJSDSVGK'],
    ['a trailing space', 'akb3dukdmdjsdSvgk '],
    ['a prefix of a listed account', 'akb3dukdmdjsd'],
    ['an empty name', ''],
    ['a name inherited from Object.prototype', 'constructor'],
  ])('compares exactly: refuses %s', async (_name, account) => {
    expect(authorizeAccounts([account], OURS).ok).toBe(false);
  });

  it('lets through events that name no account', async () => {
    expect(authorizeAccounts([undefined, 'akb3dukdmdjsdSvgk', undefined], OURS).ok).toBe(true);
    expect(authorizeAccounts([], OURS).ok).toBe(true);
  });

  it('lets every account through when none are configured', async () => {
    expect(authorizeAccounts(['anything', 'at-all'], HEADERS).ok).toBe(true);
  });

  it('does not make an authenticated request out of accounts: the credential checks are unchanged', async () => {
    expect(await authenticate(input(), OURS)).toEqual({ ok: true });
    expect(await authenticate(input({ headers: { username: 'acme' } }), OURS)).toMatchObject({ ok: false, reason: 'missing_header' });
  });
});
