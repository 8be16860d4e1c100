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
  const tail = Array.from(randomBytes(12), (byte) => alphabet[byte % 32]).join('');
  return `${prefix}_${head}${tail}`;
};
