import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header names of a delivery. */
export const SIGNATURE_HEADER = 'Gpuhive-Signature';
export const EVENT_ID_HEADER = 'Gpuhive-Event-Id';

/** `whsec_` and 32 random bytes: what a receiver keys its HMAC with. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

/** Hex HMAC-SHA256 of `"<t>.<raw body>"` under the secret, as Stripe signs. */
export const computeSignature = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** `t=<unix seconds>,v1=<hex>`: the timestamp is signed too, so a receiver can refuse replays. */
export const signatureHeader = (secret: string, timestamp: number, body: string): string =>
  `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;

/**
 * What a receiver does (and what our tests do): parse the header, recompute, compare in
 * constant time, and refuse a timestamp further than `toleranceSeconds` from now.
 */
export const verifySignature = (secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean => {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isSafeInteger(timestamp) || !given || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};
