/**
 * The counter-based generator both sides use: any entry of a challenge's matrices or memory
 * pattern is a pure function of (seed, index), so the platform recomputes the few it needs
 * without generating the rest, and the GPU generates all of them in parallel. The mix is
 * Thomas Mueller's 32-bit integer hash (a bijection on 32 bits). Its 27-bit multiplier keeps
 * every product below 2^59, so the CUDA verifier computes the same values with int64 tensor
 * arithmetic (verifier/verify.py) as JavaScript does with Math.imul.
 */
const MUELLER = 0x45d9f3b;

export const mix32 = (value: number): number => {
  let x = value >>> 0;
  x = Math.imul((x >>> 16) ^ x, MUELLER) >>> 0;
  x = Math.imul((x >>> 16) ^ x, MUELLER) >>> 0;
  return ((x >>> 16) ^ x) >>> 0;
};

/** Matrix entries are small integers, so every product and partial sum of a GEMM is exact in fp32/TF32. */
export const ENTRY_RANGE = 9;
export const ENTRY_OFFSET = 4;

/** Entry `index` (row-major) of the matrix generated from `seed`: an integer in [-4, 4]. */
export const matrixEntry = (seed: number, index: number): number => (mix32((index ^ seed) >>> 0) % ENTRY_RANGE) - ENTRY_OFFSET;

/** The two matrices of a GEMM challenge have seeds derived from its one seed. */
export const seedsOf = (seed: number): { readonly a: number; readonly b: number } => ({ a: mix32(seed ^ 0x0a0a0a0a), b: mix32(seed ^ 0x0b0b0b0b) });

/** Word `word` of memory chunk `chunk`: 24 bits, so a chunk's weighted checksum stays exact in a double. */
export const memoryWord = (seed: number, chunk: number, word: number): number => mix32((mix32((chunk ^ seed) >>> 0) ^ word) >>> 0) >>> 8;

/** Freivalds' random vector for a revealed tile: entries in [1, 2^20]. */
export const FREIVALDS_BITS = 20;
export const freivaldsEntry = (seed: number, position: number): number => (mix32((position ^ seed) >>> 0) >>> (32 - FREIVALDS_BITS)) + 1;
