import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumLeaf, checksumOfWords, chunkChecksum, memoryTree } from '#registry/domain/verification/memory.ts';
import { MerkleTree, leafHash, verifyProof } from '#registry/domain/verification/merkle.ts';
import { memoryWord } from '#registry/domain/verification/prng.ts';

describe('the memory pattern and its checksum', () => {
  it('matches the golden values the CUDA verifier is checked against', () => {
    expect([memoryWord(7, 0, 0), memoryWord(7, 3, 1000)]).toEqual([16196808, 14897673]);
    expect(chunkChecksum(7, 3, 1024)).toBe(1082285751940);
  });

  it('stays an exact integer for the largest chunks the platform asks for', () => {
    const checksum = chunkChecksum(1, 0, 65_536);
    expect(Number.isSafeInteger(checksum)).toBe(true);
  });

  it('changes when any single word read back differs from the pattern (a chunk never written is caught)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 1, max: 2 ** 24 - 1 }), (seed, chunk, word, delta) => {
        const words = Array.from({ length: 1024 }, (_, w) => memoryWord(seed, chunk, w));
        expect(checksumOfWords(words)).toBe(chunkChecksum(seed, chunk, 1024));
        words[word] = ((words[word] as number) + delta) % 2 ** 24;
        expect(checksumOfWords(words)).not.toBe(chunkChecksum(seed, chunk, 1024));
      }),
      { numRuns: 200 },
    );
  });

  it('proves a chunk against the committed root, and refuses a fabricated checksum', () => {
    const checksums = Array.from({ length: 37 }, (_, chunk) => chunkChecksum(5, chunk, 64));
    const tree = memoryTree(checksums);
    for (const chunk of [0, 17, 36]) expect(verifyProof(checksumLeaf(chunkChecksum(5, chunk, 64)), chunk, 37, tree.proof(chunk), tree.root)).toBe(true);
    const forged = memoryTree(checksums.map((checksum, chunk) => (chunk >= 20 ? checksum + 1 : checksum)));
    expect(verifyProof(checksumLeaf(chunkChecksum(5, 25, 64)), 25, 37, forged.proof(25), forged.root)).toBe(false);
    expect(verifyProof(checksumLeaf(chunkChecksum(5, 5, 64)), 5, 37, forged.proof(5), forged.root)).toBe(true);
  });
});

describe('the Merkle tree', () => {
  it('verifies every leaf of trees of any size, and no leaf at another position or with a changed proof', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), (size, pick) => {
        const leaves = Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
        const tree = new MerkleTree(leaves);
        const index = pick % size;
        const proof = tree.proof(index);
        expect(verifyProof(leaves[index] as Buffer, index, size, proof, tree.root)).toBe(true);
        if (size > 1) {
          expect(verifyProof(leaves[index] as Buffer, (index + 1) % size, size, proof, tree.root)).toBe(false);
          const bent = proof.map((hash, i) => (i === 0 ? `${hash.slice(0, 63)}${hash.endsWith('0') ? '1' : '0'}` : hash));
          expect(verifyProof(leaves[index] as Buffer, index, size, bent, tree.root)).toBe(false);
        }
        expect(verifyProof(leaves[index] as Buffer, index, size, [...proof, tree.root], tree.root)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
