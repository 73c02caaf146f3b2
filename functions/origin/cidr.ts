/**
 * The one CIDR rule, for the credentials document and the stack's configuration alike: IPv4 or IPv6, a prefix in
 * range, and a bare address meaning one host (`/32` or `/128`).
 */
import { BlockList, isIP } from 'node:net';

interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `203.0.113.0/24` → its parts; a bare address is one host; `undefined` when it is not a CIDR. */
export function parseCidr(value: string): Cidr | undefined {
  const [address, prefixText, extra] = value.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

export const isCidr = (value: string): boolean => parseCidr(value) !== undefined;

/** An allow-list of CIDRs (IPv4 and IPv6) over `net.BlockList`. */
export interface IpAllowList {
  allows(ip: string): boolean;
}

/**
 * Builds an allow-list from CIDRs. Throws on a value that is not a CIDR (the credentials schema and the
 * configuration check first, so this only throws on a programming error).
 */
export function ipAllowList(cidrs: readonly string[]): IpAllowList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new TypeError(`not a CIDR: ${cidr}`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return {
    allows(ip: string): boolean {
      const version = isIP(ip);
      return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
