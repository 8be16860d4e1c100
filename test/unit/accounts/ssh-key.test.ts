import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '#accounts/domain/ssh-key.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ssh/${name}.pub`, import.meta.url), 'utf8');

describe('parseSshPublicKey', () => {
  it('accepts an ed25519 key with the fingerprint ssh-keygen -lf prints', () => {
    const key = parseSshPublicKey(fixture('ed'));

    expect(key).toMatchObject({ type: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:YwdD3A7vVwxpbbR1bN9cFJxRwEgRGmL0Qvj82dt9jqw', comment: 'ada@laptop' });
    expect(key.publicKey).toBe(fixture('ed').trim());
  });

  it('accepts RSA of 3072 bits and refuses 2048', () => {
    expect(parseSshPublicKey(fixture('rsa3072'))).toMatchObject({ type: 'ssh-rsa', bits: 3072, fingerprint: 'SHA256:AW9Huq6LQV6XfIIMErHUu0J0LfI8RKL2MHIpEIqKXVw' });
    expect(() => parseSshPublicKey(fixture('rsa2048'))).toThrow('RSA keys must have at least 3072 bits (this one has 2048)');
  });

  it('refuses other key types, naming the ones it takes', () => {
    expect(() => parseSshPublicKey(fixture('ecdsa'))).toThrow('ecdsa-sha2-nistp256 keys are not accepted: use ed25519 or RSA of at least 3072 bits');
    expect(() => parseSshPublicKey('ssh-dss AAAAB3NzaC1kc3M=')).toThrow(/ssh-dss keys are not accepted/);
  });

  it('refuses what is not an OpenSSH public key line', () => {
    const [type, data] = fixture('ed').split(' ') as [string, string];
    const blob = Buffer.from(data, 'base64');
    expect(() => parseSshPublicKey('')).toThrow(/OpenSSH public key line/);
    expect(() => parseSshPublicKey('-----BEGIN PUBLIC KEY-----')).toThrow(/must start with the key type/);
    expect(() => parseSshPublicKey(`${type} not*base64`)).toThrow('the key data must be base64');
    expect(() => parseSshPublicKey(`${type} ${data}\n${type} ${data}`)).toThrow('must be a single line');
    // Truncated, a blob of the other type, a point of the wrong size, trailing bytes.
    expect(() => parseSshPublicKey(`${type} ${blob.subarray(0, blob.length - 5).toString('base64')}`)).toThrow('the key data is truncated');
    expect(() => parseSshPublicKey(`ssh-rsa ${data}`)).toThrow('the key data is not an ssh-rsa key');
    const short = Buffer.concat([blob.subarray(0, 4 + 11), Buffer.from([0, 0, 0, 31]), blob.subarray(blob.length - 31)]);
    expect(() => parseSshPublicKey(`${type} ${short.toString('base64')}`)).toThrow('an ed25519 key holds one 32-byte point');
    const trailing = Buffer.concat([blob, Buffer.from([0, 0, 0, 1, 7])]);
    expect(() => parseSshPublicKey(`${type} ${trailing.toString('base64')}`)).toThrow('an ed25519 key holds one 32-byte point');
  });

  it('refuses an RSA key whose modulus cannot be one', () => {
    const frame = (...parts: Buffer[]) => Buffer.concat(parts.flatMap((part) => [Buffer.from(Uint32Array.of(part.length).buffer).reverse(), part]));
    const withModulus = (modulus: Buffer) => `ssh-rsa ${frame(Buffer.from('ssh-rsa'), Buffer.from([1, 0, 1]), modulus).toString('base64')}`;

    expect(() => parseSshPublicKey(withModulus(Buffer.concat([Buffer.from([0x80]), Buffer.alloc(383, 0)])))).toThrow('not a valid ssh-rsa key (an RSA modulus is odd)');
    expect(() => parseSshPublicKey(withModulus(Buffer.from([0, 0, 1])))).toThrow('RSA keys must have at least 3072 bits (this one has 1)');
  });
});
