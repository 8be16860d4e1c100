import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets are 32 random bytes behind a readable prefix that names their role
 * (`gpuhive_renter_...`). They have full entropy, so a plain SHA-256 is the right
 * storage hash: it is what GitHub and Stripe-style token stores do, and lets the
 * authorizer look a secret up by its hash in one read.
 */
export const newSecret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** What a key list may show of a secret: its prefix and the first few random characters. */
export const displayPrefix = (secret: string, prefix: string): string => secret.slice(0, prefix.length + 6);

export const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
