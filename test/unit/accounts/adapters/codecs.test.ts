import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toAccount, toKey, toSshKey } from '#accounts/adapters/codecs.ts';

const keyItem = { pk: 'ACCOUNT#a1', sk: 'KEY#k1', keyId: 'k1', accountId: 'a1', role: 'renter', prefix: 'gh_ab', secretHash: 'h', createdAt: 'c' };

describe('accounts item codecs', () => {
  it('read an API key with only the times it has', () => {
    expect(toKey(keyItem)).toEqual({ keyId: 'k1', accountId: 'a1', role: 'renter', prefix: 'gh_ab', secretHash: 'h', createdAt: 'c' });
    expect(toKey({ ...keyItem, revokedAt: 'r' })).toEqual({ keyId: 'k1', accountId: 'a1', role: 'renter', prefix: 'gh_ab', secretHash: 'h', createdAt: 'c', revokedAt: 'r' });
    expect(toAccount({ pk: 'ACCOUNT#a1', sk: 'ACCOUNT', accountId: 'a1', kind: 'provider', name: 'P', createdAt: 'c', activeKeys: 1 })).toEqual({ accountId: 'a1', kind: 'provider', name: 'P', createdAt: 'c' });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toKey({ ...keyItem, role: 'root' })).toThrow(MalformedItemError);
    expect(() => toKey({ ...keyItem, role: 'root' })).toThrow(/stored api key item .*role/s);
    expect(() => toAccount({ accountId: 'a1', kind: 'renter', createdAt: 'c' })).toThrow(/stored account item .*name/s);
    expect(() => toSshKey({ keyId: 'k', accountId: 'a', name: 'n', type: 'ssh-ed25519', bits: '256', fingerprint: 'f', publicKey: 'p', createdAt: 'c' })).toThrow(/stored ssh key item .*bits/s);
  });
});
