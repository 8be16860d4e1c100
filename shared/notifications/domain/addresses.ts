import { isIP } from 'node:net';

/**
 * Whether an IP address is one a webhook may reach: a public unicast address. Refused:
 * unspecified, loopback, private (RFC 1918, IPv6 ULA), link-local (which holds the cloud
 * metadata service, 169.254.169.254), carrier-grade NAT, benchmarking, documentation,
 * multicast and reserved ranges, and IPv4 hidden in IPv6 (mapped, NAT64) that is any of those.
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

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), IPv4-compatible or NAT64 (64:ff9b::/96) address. */
const embeddedV4 = (address: string): string | undefined => {
  if (isIP(address) !== 6) return undefined;
  const g = groupsOf(address);
  const prefixZero = g.slice(0, 5).every((group) => group === 0);
  const mapped = prefixZero && g[5] === 0xffff;
  const compatible = prefixZero && g[5] === 0 && (g[6] !== 0 || g[7]! > 1);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
};

const isPublicV6 = (address: string): boolean => {
  const v4 = embeddedV4(address);
  if (v4 !== undefined) return isPublicV4(v4);
  const g = groupsOf(address);
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
