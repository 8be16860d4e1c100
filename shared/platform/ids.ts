import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * Ids like `host_01jz3k5q7w9d2c4m6n8p`: a time prefix keeps them roughly sortable by
 * creation, the random tail keeps them unguessable.
 */
export const newId = (prefix: string, at: Date = new Date()): string => {
  let time = at.getTime();
  let head = '';
  for (let i = 0; i < 10; i += 1) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomTail();
  let tail = '';
  for (const byte of bytes) tail += alphabet[byte % 32];
  return `${prefix}_${head}${tail}`;
};

/**
 * 12 random bytes for an id's tail, cut from a pool filled 256 ids at a time: one call into
 * the random generator per id was a visible cost where every usage record gets an id.
 */
const TAIL_BYTES = 12;
let pool = Buffer.alloc(0);
let used = 0;
const randomTail = (): Uint8Array => {
  if (used + TAIL_BYTES > pool.length) {
    pool = randomBytes(TAIL_BYTES * 256);
    used = 0;
  }
  used += TAIL_BYTES;
  return pool.subarray(used - TAIL_BYTES, used);
};

/**
 * When an id from `newId` was made, read back from its time prefix; undefined for anything
 * else. An id built on one (`job_....a1.r0`, an assignment) reads as its base. Lets a context
 * tell "too young to be known yet" from "never existed".
 */
export const timeOfId = (id: string): Date | undefined => {
  const match = /^[a-z]+_([0-9a-hjkmnp-tv-z]{10})[0-9a-hjkmnp-tv-z]{12}(?:$|\.)/.exec(id);
  if (!match) return undefined;
  let time = 0;
  for (const char of match[1]!) time = time * 32 + alphabet.indexOf(char);
  return new Date(time);
};
