/**
 * IPv4 and IPv6 CIDR ranges for the `cidr` event-pattern operator. Pure: no I/O.
 * Addresses become bigints so both families share one masking rule.
 */

export interface IpRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefixLength: number;
}

interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/** Parses `10.0.0.0/24` or `2001:db8::/32`; undefined when it is not a CIDR block. */
export const parseCidr = (text: string): IpRange | undefined => {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > bitsOf(address.family)) return undefined;
  // Host bits are ignored, so `10.0.0.7/24` means the same block as `10.0.0.0/24`.
  return { family: address.family, network: mask(address.value, address.family, prefixLength), prefixLength };
};

/** True when `text` is an address of the range's family inside the range. */
export const ipInRange = (range: IpRange, text: string): boolean => {
  const address = parseIpAddress(text);
  if (address === undefined || address.family !== range.family) return false;
  return mask(address.value, address.family, range.prefixLength) === range.network;
};

const mask = (value: bigint, family: 4 | 6, prefixLength: number): bigint => {
  const hostBits = BigInt(bitsOf(family) - prefixLength);
  return (value >> hostBits) << hostBits;
};

const parseIpAddress = (text: string): IpAddress | undefined => {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
};

const parseIpv4 = (text: string): bigint | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
};

const parseIpv6 = (text: string): bigint | undefined => {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  // Without `::` all eight groups must be written; with it, it stands for at least one.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
};

/** Hex groups of one side of `::`; a trailing dotted IPv4 (`::ffff:1.2.3.4`) counts as two groups. */
const parseIpv6Groups = (text: string): number[] | undefined => {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
};
