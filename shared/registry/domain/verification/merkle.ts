import { createHash } from 'node:crypto';

/**
 * A binary Merkle tree over SHA-256 with domain separation (0x00 before a leaf's data, 0x01
 * before two children), so a leaf can never pass for an inner node. A level with an odd
 * count promotes its last node unpaired; the verifier knows the leaf count, so a proof lists
 * only the siblings that exist. Hex strings on the wire.
 */
const sha256 = (...parts: readonly Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export const leafHash = (data: Uint8Array): Buffer => sha256(LEAF, data);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);

export class MerkleTree {
  /** levels[0] are the leaf hashes; the last level holds the root alone. */
  private readonly levels: Buffer[][];

  constructor(leafHashes: readonly Buffer[]) {
    if (leafHashes.length === 0) throw new Error('A Merkle tree needs at least one leaf');
    this.levels = [[...leafHashes]];
    let level = this.levels[0] as Buffer[];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? nodeHash(level[i] as Buffer, level[i + 1] as Buffer) : (level[i] as Buffer));
      this.levels.push(next);
      level = next;
    }
  }

  get leafCount(): number {
    return (this.levels[0] as Buffer[]).length;
  }

  get root(): string {
    return ((this.levels.at(-1) as Buffer[])[0] as Buffer).toString('hex');
  }

  /** The siblings from the leaf up, hex. */
  proof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.leafCount) throw new Error(`No leaf ${index}`);
    const siblings: string[] = [];
    let position = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = position ^ 1;
      if (sibling < level.length) siblings.push((level[sibling] as Buffer).toString('hex'));
      position >>= 1;
    }
    return siblings;
  }
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Whether `leaf` sits at `index` of a tree of `leafCount` leaves whose root is `root`. */
export const verifyProof = (leaf: Buffer, index: number, leafCount: number, proof: readonly string[], root: string): boolean => {
  if (!Number.isInteger(index) || index < 0 || index >= leafCount || !HEX_HASH.test(root)) return false;
  let hash = leaf;
  let position = index;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    const sibling = position ^ 1;
    if (sibling < width) {
      const next = proof[used];
      if (next === undefined || !HEX_HASH.test(next)) return false;
      used += 1;
      const siblingHash = Buffer.from(next, 'hex');
      hash = position % 2 === 0 ? nodeHash(hash, siblingHash) : nodeHash(siblingHash, hash);
    }
    position >>= 1;
    width = Math.ceil(width / 2);
  }
  return used === proof.length && hash.toString('hex') === root;
};
