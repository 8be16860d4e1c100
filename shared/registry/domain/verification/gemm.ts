import { ENTRY_OFFSET, freivaldsEntry, matrixEntry, seedsOf } from './prng.ts';
import { leafHash, MerkleTree } from './merkle.ts';

/**
 * The GEMM challenge: C = A·B with A (n x k) and B (k x n) generated from `seed` (prng.ts).
 * C is committed as a Merkle tree over its `tile` x `tile` tiles (tile t = row-block * n/tile
 * + column-block, each row-major as little-endian int32): a revealed tile is checked with
 * Freivalds' method, C_t·r = A_rows·(B_cols·r), at O(tile·k) instead of O(tile²·k).
 */
export interface GemmSpec {
  readonly n: number;
  readonly k: number;
  readonly tile: number;
  readonly seed: number;
}

export const tilesPerSide = (spec: Pick<GemmSpec, 'n' | 'tile'>): number => spec.n / spec.tile;
export const tileCount = (spec: Pick<GemmSpec, 'n' | 'tile'>): number => tilesPerSide(spec) ** 2;
export const gemmFlops = (spec: Pick<GemmSpec, 'n' | 'k'>): number => 2 * spec.n * spec.n * spec.k;
/** The largest magnitude an entry of C can have: anything above is not a product of these matrices. */
export const maxEntry = (spec: Pick<GemmSpec, 'k'>): number => ENTRY_OFFSET * ENTRY_OFFSET * spec.k;

export const isValidGemmSpec = (spec: GemmSpec): boolean =>
  [spec.n, spec.k, spec.tile].every((value) => Number.isInteger(value) && value > 0) && spec.n % spec.tile === 0;

/** The honest product, row-major (the simulated verifier and tests; a GPU does this in the CUDA verifier). */
export const computeProduct = (spec: GemmSpec): Int32Array => {
  const { n, k } = spec;
  const seeds = seedsOf(spec.seed);
  const a = new Int32Array(n * k);
  const b = new Int32Array(k * n);
  for (let i = 0; i < a.length; i += 1) a[i] = matrixEntry(seeds.a, i);
  for (let i = 0; i < b.length; i += 1) b[i] = matrixEntry(seeds.b, i);
  const c = new Int32Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let l = 0; l < k; l += 1) {
      const ail = a[i * k + l] as number;
      if (ail === 0) continue;
      const bRow = l * n;
      const cRow = i * n;
      for (let j = 0; j < n; j += 1) c[cRow + j] = (c[cRow + j] as number) + ail * (b[bRow + j] as number);
    }
  }
  return c;
};

/** Tile `t` of a row-major product, row-major within the tile. */
export const tileOf = (product: Int32Array, spec: Pick<GemmSpec, 'n' | 'tile'>, t: number): Int32Array => {
  const side = tilesPerSide(spec);
  const row0 = Math.floor(t / side) * spec.tile;
  const col0 = (t % side) * spec.tile;
  const out = new Int32Array(spec.tile * spec.tile);
  for (let r = 0; r < spec.tile; r += 1) out.set(product.subarray((row0 + r) * spec.n + col0, (row0 + r) * spec.n + col0 + spec.tile), r * spec.tile);
  return out;
};

export const tileLeaf = (values: ArrayLike<number>): Buffer => {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i += 1) bytes.writeInt32LE(values[i] as number, i * 4);
  return leafHash(bytes);
};

export const productTree = (product: Int32Array, spec: GemmSpec): MerkleTree =>
  new MerkleTree(Array.from({ length: tileCount(spec) }, (_, t) => tileLeaf(tileOf(product, spec, t))));

/**
 * Freivalds' check of one tile: true when C_t·r equals A[rows]·(B[:, cols]·r) for the
 * random vector r drawn from `vectorSeed`. A wrong tile passes with probability at most
 * 2^-20 (one wrong row suffices: Schwartz-Zippel over r's 2^20 values per coordinate).
 * Every sum stays below 2^53, so doubles are exact. Cost: 2·tile·k generated entries.
 */
export const freivaldsHolds = (spec: GemmSpec, t: number, values: ArrayLike<number>, vectorSeed: number): boolean => {
  const { n, k, tile } = spec;
  if (values.length !== tile * tile) return false;
  const limit = maxEntry(spec);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    if (!Number.isInteger(value) || Math.abs(value) > limit) return false;
  }
  const side = tilesPerSide(spec);
  const row0 = Math.floor(t / side) * tile;
  const col0 = (t % side) * tile;
  const seeds = seedsOf(spec.seed);
  const r = Array.from({ length: tile }, (_, j) => freivaldsEntry(vectorSeed, j));
  // v = B[:, cols]·r, one entry per inner index l
  const v = new Float64Array(k);
  for (let l = 0; l < k; l += 1) {
    let sum = 0;
    const base = l * n + col0;
    for (let j = 0; j < tile; j += 1) sum += matrixEntry(seeds.b, base + j) * (r[j] as number);
    v[l] = sum;
  }
  for (let i = 0; i < tile; i += 1) {
    let expected = 0;
    const base = (row0 + i) * k;
    for (let l = 0; l < k; l += 1) expected += matrixEntry(seeds.a, base + l) * (v[l] as number);
    let claimed = 0;
    for (let j = 0; j < tile; j += 1) claimed += (values[i * tile + j] as number) * (r[j] as number);
    if (claimed !== expected) return false;
  }
  return true;
};
