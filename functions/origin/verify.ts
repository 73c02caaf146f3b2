/**
 * Composes a provider's schemes into one verdict, in a fixed order (Standard Webhooks' habit): the document's keys
 * are checked against what the schemes read, the active schemes run in their declared order, every one must pass, and
 * at least one of them must be able to admit a request on its own. Nothing here reads the body beyond what a scheme
 * signs: a refused request never reaches a parser.
 */
import { CREDENTIAL_KEYS, type ProviderCredentials } from './credentials';
import { sourceIps, staticHeaders, urlToken } from './schemes/static';
import {
  ACCEPTED,
  refuse,
  type CredentialKey,
  type OriginRequest,
  type OriginScheme,
  type OutgoingRequest,
  type SigningMaterial,
  type Verdict,
  type VerifyOptions,
} from './types';

/** What every HTTP provider can use, whatever it signs: console headers, a URL token, source IP ranges. */
export const PLATFORM_SCHEMES: readonly OriginScheme[] = [urlToken, staticHeaders, sourceIps];

/** Keys that are not proof of origin, read by other steps (`accounts`: the account check after normalizing). */
const NOT_SCHEME_KEYS: ReadonlySet<CredentialKey> = new Set(['accounts']);

/** The schemes of a provider: the platform's, then its own. */
export function schemesOf(own: readonly OriginScheme[] = []): readonly OriginScheme[] {
  return [...PLATFORM_SCHEMES, ...own];
}

const isSet = (credentials: ProviderCredentials, key: CredentialKey): boolean => {
  const value = credentials[key];
  if (value === undefined) return false;
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
};

/** The schemes the document activates (holds one of their keys), in declared order. */
export function activeSchemes(schemes: readonly OriginScheme[], credentials: ProviderCredentials): OriginScheme[] {
  return schemes.filter((scheme) => scheme.keys.some((key) => isSet(credentials, key)));
}

/**
 * Keys the document holds that none of `schemes` reads (a `signingKeys` given to a URL-token gateway): a mistake to
 * refuse on, never to ignore. `accounts` is checked elsewhere and not named here.
 */
export function unusedKeys(schemes: readonly OriginScheme[], credentials: ProviderCredentials): CredentialKey[] {
  const read = new Set(schemes.flatMap((scheme) => scheme.keys));
  return CREDENTIAL_KEYS.filter((key) => isSet(credentials, key) && !read.has(key) && !NOT_SCHEME_KEYS.has(key));
}

/** Whether the document can let any request in through `schemes`: an active scheme that admits on its own. */
export function canAdmit(schemes: readonly OriginScheme[], credentials: ProviderCredentials | undefined): credentials is ProviderCredentials {
  return credentials !== undefined && activeSchemes(schemes, credentials).some((scheme) => scheme.admits);
}

/**
 * Verifies a request against a provider's credentials document. `undefined` credentials (nothing configured) refuse
 * every request. All active schemes run, even after one refused, so the time taken does not say which one failed;
 * the first refusal is the verdict.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from '../core/errors';
 * import type { ProviderAdapter } from '../providers/types';
 * import type { ProviderCredentials } from './credentials';
 * import type { OriginRequest } from './types';
 * declare const adapter: ProviderAdapter;
 * declare const request: OriginRequest;
 * declare const credentials: ProviderCredentials | undefined;
 * const verdict = await verifyOrigin(schemesOf(adapter.origin), request, credentials, { toleranceSeconds: 300 });
 * if (!verdict.ok) throw new AuthenticationError(verdict.reason);
 * ```
 */
export async function verifyOrigin(
  schemes: readonly OriginScheme[],
  request: OriginRequest,
  credentials: ProviderCredentials | undefined,
  options: VerifyOptions,
): Promise<Verdict> {
  if (!canAdmit(schemes, credentials)) return refuse('not_configured');
  const unused = unusedKeys(schemes, credentials);
  if (unused.length > 0) return refuse('invalid_credentials', undefined, `${unused.join(', ')}: not used by this provider's schemes`);
  let failure: Verdict | undefined;
  for (const scheme of activeSchemes(schemes, credentials)) {
    let verdict: Verdict;
    try {
      verdict = await scheme.verify(request, credentials, options);
    } catch {
      // A scheme must not throw on hostile input; if one does, the request is refused, not answered 500.
      verdict = refuse('signature_mismatch', undefined, `${scheme.name} could not check the request`);
    }
    if (!verdict.ok) failure ??= verdict;
  }
  return failure ?? ACCEPTED;
}

/**
 * Signs a request with every scheme `material.credentials` activates, in declared order (a URL token first, so the
 * URL that URL-signed schemes sign is the final one). What the simulator, the test builders and the bench use.
 */
export async function signRequest(schemes: readonly OriginScheme[], request: OutgoingRequest, material: SigningMaterial): Promise<OutgoingRequest> {
  let signed = request;
  for (const scheme of activeSchemes(schemes, material.credentials)) signed = await scheme.sign(signed, material);
  return signed;
}
