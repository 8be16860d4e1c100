import { isIP } from 'node:net';

/**
 * Whether an IP address is one a webhook may reach: a public unicast address. Refused:
 * unspecified, loopback, private (RFC 1918, IPv6 ULA), link-local (which holds the cloud
 * metadata service, 169.254.169.254), carrier-grade NAT, benchmarking, documentation,
 * multicast and reserved ranges, IPv4 hidden in IPv6 (mapped, SIIT, NAT64, 6to4) that is any
 * of those, and the IPv6 prefixes that hide an IPv4 address where it cannot be read (RFC 8215
 * local-use NAT64, Teredo).
 */
export const isPublicAddress = (address: string): boolean => {
  const kind = isIP(address);
  if (kind === 4) return isPublicV4(address);
  if (kind === 6) return isPublicV6(address);
  return false;
};

export const isLoopbackAddress = (address: string): boolean => {
  if (isIP(address) === 4) return address.startsWith('127.');
  const v4 = embeddedV4(address.toLowerCase());
  return address === '::1' || (v4 !== undefined && v4.startsWith('127.'));
};

const v4Number = (address: string): number => address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);

/** [network, prefix length] of IPv4 ranges that are not public unicast. */
const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

const isPublicV4 = (address: string): boolean => {
  const value = v4Number(address);
  return !V4_BLOCKED.some(([network, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4Number(network);
    return value >= start && value < start + size;
  });
};

/** The eight 16-bit groups of an IPv6 address, `::` expanded and a dotted IPv4 tail converted. */
const groupsOf = (address: string): number[] => {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const value = v4Number(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').filter(Boolean).map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
};

const v4Of = (high: number, low: number): string => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/**
 * The IPv4 address inside an IPv6 address that carries one at a fixed place, to be judged by
 * the IPv4 rule: IPv4-mapped (::ffff:0:0/96), SIIT's IPv4-translated (::ffff:0:0:0/96, RFC
 * 7915), IPv4-compatible (::/96), NAT64's well-known prefix (64:ff9b::/96, RFC 6052) and
 * 6to4 (2002::/16, the IPv4 address in bits 16-47, RFC 3056).
 */
const embeddedV4 = (address: string): string | undefined => {
  if (isIP(address) !== 6) return undefined;
  const g = groupsOf(address);
  const prefixZero = g.slice(0, 5).every((group) => group === 0);
  const mapped = prefixZero && g[5] === 0xffff;
  const compatible = prefixZero && g[5] === 0 && (g[6] !== 0 || g[7]! > 1);
  const translated = g.slice(0, 4).every((group) => group === 0) && g[4] === 0xffff && g[5] === 0;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0);
  if (g[0] === 0x2002) return v4Of(g[1]!, g[2]!);
  if (!mapped && !compatible && !translated && !nat64) return undefined;
  return v4Of(g[6]!, g[7]!);
};

/**
 * Prefixes whose IPv4 address is not at a fixed place, refused whole: RFC 8215's local-use
 * NAT64 prefix 64:ff9b:1::/48 (the operator picks the prefix length, so the address could sit
 * anywhere in the low 80 bits) and Teredo 2001::/32 (RFC 4380: the client's address is
 * obfuscated and the relay is the network's). Nothing a webhook receiver needs lives there.
 */
const isHiddenV4Prefix = (g: readonly number[]): boolean =>
  (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0x0001) || (g[0] === 0x2001 && g[1] === 0x0000);

const isPublicV6 = (address: string): boolean => {
  const v4 = embeddedV4(address);
  if (v4 !== undefined) return isPublicV4(v4);
  const g = groupsOf(address);
  if (isHiddenV4Prefix(g)) return false;
  if (g.every((group) => group === 0)) return false; // ::
  if (g.slice(0, 7).every((group) => group === 0) && g[7] === 1) return false; // ::1
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false; // 2001:db8::/32 documentation
  if (first === 0x0100 && g.slice(1, 4).every((group) => group === 0)) return false; // 100::/64 discard
  return true;
};
