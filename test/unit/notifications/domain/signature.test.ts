import { describe, expect, it } from 'vitest';
import { computeSignature, newWebhookSecret, signatureHeader, verifySignature } from '#notifications/domain/signature.ts';

// Computed outside this code: printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac 'whsec_test'
const BODY = '{"id":"evt_1","type":"job.ended"}';
const VECTOR = '5cfe82af47477df4d0165d9814050c108f6d77c2a972b5a6c065545d1b8a95f6';

describe('webhook signatures', () => {
  it('is the hex HMAC-SHA256 of "<t>.<body>" under the secret (known vector)', () => {
    expect(computeSignature('whsec_test', 1_700_000_000, BODY)).toBe(VECTOR);
  });

  it('puts the timestamp and the signature in the header as t=..,v1=..', () => {
    expect(signatureHeader('whsec_test', 1_700_000_000, BODY)).toBe(`t=1700000000,v1=${VECTOR}`);
  });

  it('verifies a header made with the same secret and body', () => {
    expect(verifySignature('whsec_test', `t=1700000000,v1=${VECTOR}`, BODY, 1_700_000_100)).toBe(true);
  });

  it.each([
    ['another secret', 'whsec_other', `t=1700000000,v1=${VECTOR}`, BODY, 1_700_000_000],
    ['a changed body', 'whsec_test', `t=1700000000,v1=${VECTOR}`, `${BODY} `, 1_700_000_000],
    ['a changed timestamp', 'whsec_test', `t=1700000001,v1=${VECTOR}`, BODY, 1_700_000_000],
    ['a timestamp older than the tolerance', 'whsec_test', `t=1700000000,v1=${VECTOR}`, BODY, 1_700_000_301],
    ['a header without v1', 'whsec_test', 't=1700000000', BODY, 1_700_000_000],
  ])('refuses %s', (_name, secret, header, body, now) => {
    expect(verifySignature(secret, header, body, now)).toBe(false);
  });

  it('makes secrets of 32 random bytes, different each time', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect([a.length, a === b, /^whsec_[A-Za-z0-9_-]{43}$/.test(a)]).toEqual(['whsec_'.length + 43, false, true]);
  });
});
