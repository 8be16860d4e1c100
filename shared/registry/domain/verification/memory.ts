import { leafHash, MerkleTree } from './merkle.ts';
import { memoryWord } from './prng.ts';

/**
 * The memory challenge: the GPU fills `chunks` chunks of `chunkWords` 32-bit words from the
 * seeded pattern (memoryWord), all allocated at once, reads each back and commits to a
 * Merkle tree over the chunks' checksums. After the commitment the platform names a few
 * chunks; the agent sends their proofs, and the platform recomputes those checksums itself,
 * so a chunk that was never written (a GPU with less memory than claimed) fails.
 */
export interface MemorySpec {
  readonly chunks: number;
  readonly chunkWords: number;
  readonly seed: number;
  /** The memory the test stands for (a simulated host's small test stands for its claimed VRAM). */
  readonly bytes: number;
}

/** Σ word·((index mod 256) + 1): words are 24-bit, so the sum stays exact in a double (and in int64 on the GPU). */
export const chunkChecksum = (seed: number, chunk: number, chunkWords: number): number => {
  let sum = 0;
  for (let word = 0; word < chunkWords; word += 1) sum += memoryWord(seed, chunk, word) * ((word & 255) + 1);
  return sum;
};

/** The same checksum over words already in hand (what the GPU computes over what it reads back). */
export const checksumOfWords = (words: ArrayLike<number>): number => {
  let sum = 0;
  for (let word = 0; word < words.length; word += 1) sum += (words[word] as number) * ((word & 255) + 1);
  return sum;
};

export const checksumLeaf = (checksum: number): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(checksum));
  return leafHash(bytes);
};

export const memoryTree = (checksums: readonly number[]): MerkleTree => new MerkleTree(checksums.map(checksumLeaf));

export const isValidMemorySpec = (spec: MemorySpec): boolean =>
  Number.isInteger(spec.chunks) && spec.chunks > 0 && Number.isInteger(spec.chunkWords) && spec.chunkWords > 0 && spec.bytes > 0;
