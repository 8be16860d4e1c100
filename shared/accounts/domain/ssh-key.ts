import { createHash, createPublicKey } from 'node:crypto';

/**
 * OpenSSH public keys (`ssh-ed25519 AAAA... comment`), checked before they are trusted to
 * open a renter's machine: only ed25519 and RSA of at least 3072 bits. The blob's framing
 * (RFC 4253 strings) is read here; node:crypto then builds the key from its parts, so a
 * malformed point or modulus is refused by the library, not by hand-written checks.
 */
export type SshKeyType = 'ssh-ed25519' | 'ssh-rsa';

export interface SshPublicKey {
  readonly type: SshKeyType;
  readonly bits: number;
  /** As `ssh-keygen -lf` prints it: `SHA256:` and the unpadded base64 of the blob's hash. */
  readonly fingerprint: string;
  /** `type base64 [comment]`, one line, as it goes into authorized_keys. */
  readonly publicKey: string;
  readonly comment?: string;
}

export const MIN_RSA_BITS = 3072;
const MAX_KEY_CHARS = 16 * 1024;

export class SshKeyError extends Error {}

/** Reads the SSH wire format's length-prefixed strings of a key blob. */
const readStrings = (blob: Buffer): Buffer[] => {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new SshKeyError('the key data is truncated');
    const length = blob.readUInt32BE(at);
    at += 4;
    if (at + length > blob.length) throw new SshKeyError('the key data is truncated');
    parts.push(blob.subarray(at, at + length));
    at += length;
  }
  return parts;
};

/** An mpint without its sign byte, as JWK wants it. */
const unsigned = (mpint: Buffer): Buffer => {
  let start = 0;
  while (start < mpint.length - 1 && mpint[start] === 0) start += 1;
  return mpint.subarray(start);
};

const keyBits = (type: SshKeyType, parts: Buffer[]): number => {
  try {
    if (type === 'ssh-ed25519') {
      if (parts.length !== 2 || parts[1]?.length !== 32) throw new SshKeyError('an ed25519 key holds one 32-byte point');
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: parts[1].toString('base64url') }, format: 'jwk' });
      return 256;
    }
    if (parts.length !== 3) throw new SshKeyError('an RSA key holds an exponent and a modulus');
    const [, exponent, modulus] = parts as [Buffer, Buffer, Buffer];
    // A product of two odd primes is odd: node:crypto takes any integer, so the cheapest sign of a made-up key is checked here.
    if (((modulus.at(-1) ?? 0) & 1) === 0) throw new SshKeyError('not a valid ssh-rsa key (an RSA modulus is odd)');
    const key = createPublicKey({ key: { kty: 'RSA', e: unsigned(exponent).toString('base64url'), n: unsigned(modulus).toString('base64url') }, format: 'jwk' });
    return key.asymmetricKeyDetails?.modulusLength ?? 0;
  } catch (error) {
    if (error instanceof SshKeyError) throw error;
    throw new SshKeyError(`not a valid ${type} key (${(error as Error).message})`);
  }
};

/** Parses and checks one OpenSSH public key line; throws `SshKeyError` saying what is wrong. */
export const parseSshPublicKey = (text: string): SshPublicKey => {
  const line = text.trim();
  if (line.length === 0 || line.length > MAX_KEY_CHARS) throw new SshKeyError('must be one OpenSSH public key line, e.g. "ssh-ed25519 AAAA... you@laptop"');
  if (/[\r\n]/.test(line)) throw new SshKeyError('must be a single line');
  const [type, data, ...rest] = line.split(/\s+/);
  if (type !== 'ssh-ed25519' && type !== 'ssh-rsa') {
    throw new SshKeyError(type?.startsWith('ssh-') || type?.startsWith('ecdsa-') || type?.startsWith('sk-') ? `${type} keys are not accepted: use ed25519 or RSA of at least ${MIN_RSA_BITS} bits` : 'must start with the key type, ssh-ed25519 or ssh-rsa (OpenSSH format)');
  }
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new SshKeyError('the key data must be base64');
  const blob = Buffer.from(data, 'base64');
  const parts = readStrings(blob);
  if (parts[0]?.toString('latin1') !== type) throw new SshKeyError(`the key data is not an ${type} key`);
  const bits = keyBits(type, parts);
  if (type === 'ssh-rsa' && bits < MIN_RSA_BITS) throw new SshKeyError(`RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits}): make one with ssh-keygen -t ed25519`);
  const comment = rest.join(' ').trim();
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { type, bits, fingerprint, publicKey: `${type} ${data}${comment ? ` ${comment}` : ''}`, ...(comment ? { comment } : {}) };
};
