import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeProduct, freivaldsHolds, maxEntry, tileCount, tileOf, type GemmSpec } from '#registry/domain/verification/gemm.ts';
import { matrixEntry, mix32, seedsOf } from '#registry/domain/verification/prng.ts';

const spec = (seed: number): GemmSpec => ({ n: 32, k: 64, tile: 8, seed });

describe('the counter-based generator', () => {
  it('matches known values of the Mueller hash (the CUDA verifier reproduces these)', () => {
    expect([mix32(0), mix32(1), mix32(12345), mix32(0xffffffff)]).toEqual([0, 824515495, 1747545881, 539527247]);
    expect(seedsOf(42)).toEqual({ a: 1288314406, b: 4046360423 });
    expect([0, 1, 2, 3, 1_000_000].map((i) => matrixEntry(42, i))).toEqual([-3, -3, 4, -4, 4]);
    expect(new Set(Array.from({ length: 1000 }, (_, i) => mix32(i))).size).toBe(1000);
  });

  it('draws matrix entries from -4..4, every value about equally often', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 90_000; i += 1) counts.set(matrixEntry(1234, i), (counts.get(matrixEntry(1234, i)) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (const count of counts.values()) expect(count).toBeGreaterThan(9000);
  });
});

describe('Freivalds check of a tile', () => {
  it('accepts every tile of the honest product', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed, vectorSeed) => {
        const product = computeProduct(spec(seed));
        for (let t = 0; t < tileCount(spec(seed)); t += 1) expect(freivaldsHolds(spec(seed), t, tileOf(product, spec(seed), t), vectorSeed)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('computes the product exactly (entry by entry against the definition)', () => {
    const s = spec(7);
    const product = computeProduct(s);
    const seeds = seedsOf(s.seed);
    for (const [i, j] of [[0, 0], [5, 17], [31, 31]] as const) {
      let sum = 0;
      for (let l = 0; l < s.k; l += 1) sum += matrixEntry(seeds.a, i * s.k + l) * matrixEntry(seeds.b, l * s.n + j);
      expect(product[i * s.n + j]).toBe(sum);
    }
  });

  it('catches any changed entry, for every random vector tried (a wrong tile passes with probability at most 2^-20)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: -50, max: 50 }).filter((delta) => delta !== 0),
        (seed, vectorSeed, t, position, delta) => {
          const s = spec(seed);
          const tile = tileOf(computeProduct(s), s, t);
          tile[position] = (tile[position] as number) + delta;
          expect(freivaldsHolds(s, t, tile, vectorSeed)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('catches a tile of another product (a wrong seed, a replayed result)', () => {
    const honest = spec(1);
    const other = spec(2);
    let caught = 0;
    for (let t = 0; t < tileCount(honest); t += 1) if (!freivaldsHolds(honest, t, tileOf(computeProduct(other), other, t), 99)) caught += 1;
    expect(caught).toBe(tileCount(honest));
  });

  it('refuses values no product of these matrices can have, and tiles of the wrong size', () => {
    const s = spec(3);
    const tile = [...tileOf(computeProduct(s), s, 0)];
    expect(freivaldsHolds(s, 0, tile.map((value, i) => (i === 0 ? maxEntry(s) + 1 : value)), 1)).toBe(false);
    expect(freivaldsHolds(s, 0, tile.slice(1), 1)).toBe(false);
    expect(freivaldsHolds(s, 0, tile.map((value, i) => (i === 0 ? 0.5 : value)), 1)).toBe(false);
  });
});
