/**
 * The platform's CPU cost of checking one verification challenge, at the sizes real GPUs get
 * (an H100: n = 16384, k = 16384, 12 revealed 16x16 tiles checked by Freivalds' method, 8
 * revealed 256 KiB memory chunks recomputed), and the chance that a cheat survives one check.
 *
 *   npx tsx bench/verification.bench.ts [--runs 30]
 *
 * A report, not a test. The revealed tiles are computed honestly (only those: the whole
 * product would take a CPU hours) and the Merkle trees are built over placeholder leaves
 * elsewhere, which the check never sees. The floor printed beside is the same run's cost of
 * generating the matrix entries and memory words the check must read, with nothing else.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  assessAnswer, issueChallenge, revealFor, survivalProbability, type GpuAnswer, type GpuCommitment,
} from '#registry/domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS, type RandomSource } from '#registry/domain/verification/settings.ts';
import { tileCount, tileLeaf, tilesPerSide } from '#registry/domain/verification/gemm.ts';
import { checksumLeaf, chunkChecksum } from '#registry/domain/verification/memory.ts';
import { leafHash, MerkleTree } from '#registry/domain/verification/merkle.ts';
import { matrixEntry, memoryWord, mix32, seedsOf } from '#registry/domain/verification/prng.ts';
import { percentile, table } from './support.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const RUNS = Math.max(3, Number(values.runs));

const seeded = (seed: number): RandomSource => {
  let state = seed;
  return () => (state = mix32(state + 0x9e3779b9));
};
const settings = DEFAULT_VERIFICATION_SETTINGS;
const gpu = { index: 0, model: 'H100 80GB HBM3', vramMb: 81_559, uuid: 'GPU-bench' };
const challenge = issueChallenge('vrf_bench', [gpu], { simulated: false, now: new Date(), settings, random: seeded(1) });
const asked = challenge.gpus[0]!;
const { n, k, tile } = asked.gemm;
const reveal = revealFor(challenge, settings, seeded(2));
const wanted = reveal[0]!;

/** One tile of C = A·B, computed the long way. */
const honestTile = (t: number): number[] => {
  const seeds = seedsOf(asked.gemm.seed);
  const side = tilesPerSide(asked.gemm);
  const row0 = Math.floor(t / side) * tile;
  const col0 = (t % side) * tile;
  const values: number[] = [];
  for (let i = 0; i < tile; i += 1) {
    const a = Array.from({ length: k }, (_, l) => matrixEntry(seeds.a, (row0 + i) * k + l));
    for (let j = 0; j < tile; j += 1) {
      let sum = 0;
      for (let l = 0; l < k; l += 1) sum += (a[l] as number) * matrixEntry(seeds.b, l * n + col0 + j);
      values.push(sum);
    }
  }
  return values;
};

process.stdout.write(`preparing an honest answer for n=${n}, k=${k}, ${tileCount(asked.gemm)} tiles, ${asked.memory.chunks} memory chunks...\n`);
const tiles = new Map(wanted.tiles.map((t) => [t, honestTile(t)]));
const placeholder = leafHash(Buffer.from('elsewhere'));
const gemmTree = new MerkleTree(Array.from({ length: tileCount(asked.gemm) }, (_, t) => (tiles.has(t) ? tileLeaf(tiles.get(t)!) : placeholder)));
const chunkSet = new Set(wanted.chunks);
const memoryTree = new MerkleTree(Array.from({ length: asked.memory.chunks }, (_, c) => (chunkSet.has(c) ? checksumLeaf(chunkChecksum(asked.memory.seed, c, asked.memory.chunkWords)) : placeholder)));
const commitment: GpuCommitment[] = [{ index: 0, uuid: gpu.uuid, vramMb: gpu.vramMb, gemmRoot: gemmTree.root, gemmSeconds: 10, memoryRoot: memoryTree.root, memorySeconds: 0.1 }];
const answer: GpuAnswer[] = [{
  index: 0,
  tiles: wanted.tiles.map((t) => ({ tile: t, values: tiles.get(t)!, proof: gemmTree.proof(t) })),
  chunks: wanted.chunks.map((c) => ({ chunk: c, proof: memoryTree.proof(c) })),
}];

/** The floor: generating the values the check reads, and nothing else (in a function, optimized like the check). */
const generateOnly = (): number => {
  let sink = 0;
  for (let i = 0; i < wanted.tiles.length * 2 * tile * k; i += 1) sink += matrixEntry(7, i);
  for (let i = 0; i < wanted.chunks.length * asked.memory.chunkWords; i += 1) sink += memoryWord(7, 0, i);
  return sink;
};

const check: number[] = [];
const floor: number[] = [];
for (let run = 0; run < RUNS + 3; run += 1) {
  let started = performance.now();
  const verdict = assessAnswer(challenge, commitment, reveal, answer);
  const checkMs = performance.now() - started;
  if (!verdict.ok) throw new Error(`the honest answer failed: ${verdict.reason}`);
  started = performance.now();
  if (generateOnly() === 0.5) process.stdout.write('');
  const floorMs = performance.now() - started;
  if (run >= 3) {
    check.push(checkMs);
    floor.push(floorMs);
  }
}
check.sort((a, b) => a - b);
floor.sort((a, b) => a - b);
const tilesTotal = tileCount(asked.gemm);

table(`Platform CPU cost of checking one GPU's challenge (one core, ${RUNS} runs)`, [
  ['challenge', `H100: C = A(${n}x${k}) · B(${k}x${n}), ${settings.revealedTiles} tiles of ${tile}x${tile} + ${settings.revealedChunks} chunks of ${asked.memory.chunkWords} words`],
  ['check, median', `${percentile(check, 50).toFixed(1)} ms`],
  ['check, p95', `${percentile(check, 95).toFixed(1)} ms`],
  ['floor: generating the entries it reads', `${percentile(floor, 50).toFixed(1)} ms`],
  ['target', 'under 50 ms per GPU'],
  ['load average while measuring', loadavg().map((load) => load.toFixed(1)).join(' ') + ` on ${availableParallelism()} cores`],
  ['an 8-GPU host (8 challenges)', `${(percentile(check, 50) * 8).toFixed(0)} ms`],
  ['the GPU\'s side', `${(2 * n * n * k / 1e12).toFixed(1)} TFLOP + ${(asked.memory.bytes / 2 ** 30).toFixed(1)} GiB written and read`],
]);

const chance = (p: number) => (p < 1e-6 ? p.toExponential(1) : p.toPrecision(2));
table(`Chance that a cheat survives one check (${settings.revealedTiles} of ${tilesTotal} tiles, ${settings.revealedChunks} of ${asked.memory.chunks} chunks)`, [
  ['no product computed (random or replayed values)', `<= ${chance(survivalProbability(tilesTotal, 0, settings.revealedTiles))}`],
  ['half the tiles skipped', chance(survivalProbability(tilesTotal, tilesTotal / 2, settings.revealedTiles))],
  ['a tenth of the tiles skipped', chance(survivalProbability(tilesTotal, Math.round(tilesTotal * 0.9), settings.revealedTiles))],
  ['a quarter of the claimed VRAM missing', chance(survivalProbability(asked.memory.chunks, Math.round(asked.memory.chunks * 0.75), settings.revealedChunks))],
  ['a slower card (commitment after the deadline)', '0: the deadline is the platform\'s clock'],
]);
