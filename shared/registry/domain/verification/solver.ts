import type { GpuAnswer, GpuChallenge, GpuReveal } from './challenge.ts';
import { computeProduct, productTree, tileOf } from './gemm.ts';
import { chunkChecksum, memoryTree } from './memory.ts';
import type { MerkleTree } from './merkle.ts';

/**
 * The honest CPU solution of one GPU's challenge at simulated sizes: the product, its tile
 * tree, the memory checksums and their tree, and the answer to any reveal. The simulated
 * verifier and the tests use it; the CUDA verifier does the same on the GPU (verifier/verify.py).
 * `tamper` lets a test or a cheating mode change the product or the memory before committing.
 */
export interface SolvedGpu {
  readonly index: number;
  readonly gemmRoot: string;
  readonly memoryRoot: string;
  answer(reveal: GpuReveal): GpuAnswer;
}

export interface Tamper {
  /** Change the product in place before it is committed. */
  readonly product?: (product: Int32Array) => void;
  /** The checksum committed for a chunk (default: the honest one). */
  readonly checksum?: (chunk: number, honest: () => number) => number;
}

export const solveGpu = (challenge: GpuChallenge, tamper: Tamper = {}): SolvedGpu => {
  const product = computeProduct(challenge.gemm);
  tamper.product?.(product);
  const gemmTree: MerkleTree = productTree(product, challenge.gemm);
  const { seed, chunks, chunkWords } = challenge.memory;
  const checksums = Array.from({ length: chunks }, (_, chunk) => {
    const honest = () => chunkChecksum(seed, chunk, chunkWords);
    return tamper.checksum ? tamper.checksum(chunk, honest) : honest();
  });
  const chunkTree = memoryTree(checksums);
  return {
    index: challenge.index,
    gemmRoot: gemmTree.root,
    memoryRoot: chunkTree.root,
    answer: (reveal) => ({
      index: challenge.index,
      tiles: reveal.tiles.map((tile) => ({ tile, values: [...tileOf(product, challenge.gemm, tile)], proof: gemmTree.proof(tile) })),
      chunks: reveal.chunks.map((chunk) => ({ chunk, proof: chunkTree.proof(chunk) })),
    }),
  };
};
