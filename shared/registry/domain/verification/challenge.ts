import { freivaldsHolds, gemmFlops, isValidGemmSpec, tileCount, tileLeaf, type GemmSpec } from './gemm.ts';
import { expectationFor, rangesFor, scoreOf, TYPICAL_SHARE, UNKNOWN_MODEL_FLOOR } from './gpu-expectations.ts';
import { checksumLeaf, chunkChecksum, type MemorySpec } from './memory.ts';
import { verifyProof } from './merkle.ts';
import type { RandomSource, VerificationSettings } from './settings.ts';

export interface ClaimedGpu {
  readonly index: number;
  readonly model: string;
  readonly vramMb: number;
  readonly uuid: string;
}

export interface GpuChallenge {
  readonly index: number;
  readonly gemm: GemmSpec;
  readonly memory: MemorySpec;
  /** What the timing is judged on: 2·n²·k, or the nominal work of a simulated run. */
  readonly workFlops: number;
  /** Bytes written and read back (2x the memory test), or its nominal figure when simulated. */
  readonly memoryBytesMoved: number;
}

export interface Challenge {
  readonly runId: string;
  readonly issuedAt: string;
  readonly commitBy: string;
  readonly simulated: boolean;
  readonly precision: 'tf32';
  readonly gpus: readonly GpuChallenge[];
}

const MIB = 1024 * 1024;
const REAL_TILE = 16;
const REAL_CHUNK_WORDS = 16_384;
/** The platform's check reads 2·tile·k entries per revealed tile: k is capped so a check stays well under 50 ms. */
const MAX_K = 4096;
const SIMULATED = { n: 64, k: 256, tile: 8, chunks: 256, chunkWords: 1024 } as const;

const floorOf = (model: string) => {
  const row = rangesFor(model);
  return { tflops: row?.tflops.low ?? UNKNOWN_MODEL_FLOOR.tf32Tflops, bandwidthGBs: row?.bandwidthGBs.low ?? UNKNOWN_MODEL_FLOOR.bandwidthGBs };
};

/**
 * Sizes one GPU's work: n = 16384 on cards of 20 GB and more (8192 below), k chosen so a
 * healthy card of the claimed model spends about `targetGemmSeconds` (1024..4096: the
 * platform's check costs O(tile·k) per revealed tile); the memory test fills
 * `memoryFraction` of the claimed VRAM in 64 KiB chunks.
 */
const realChallenge = (gpu: ClaimedGpu, settings: VerificationSettings, random: RandomSource): GpuChallenge => {
  const typical = (expectationFor(gpu.model)?.tf32Tflops ?? UNKNOWN_MODEL_FLOOR.tf32Tflops) * TYPICAL_SHARE;
  const n = gpu.vramMb >= 20_000 ? 16_384 : 8192;
  const k = Math.min(MAX_K, Math.max(1024, Math.round((settings.targetGemmSeconds * typical * 1e12) / (2 * n * n) / 1024) * 1024));
  const gemm = { n, k, tile: REAL_TILE, seed: random() };
  const chunks = Math.max(1, Math.floor((gpu.vramMb * settings.memoryFraction * MIB) / (REAL_CHUNK_WORDS * 4)));
  const memory = { chunks, chunkWords: REAL_CHUNK_WORDS, seed: random(), bytes: chunks * REAL_CHUNK_WORDS * 4 };
  return { index: gpu.index, gemm, memory, workFlops: gemmFlops(gemm), memoryBytesMoved: 2 * memory.bytes };
};

const simulatedChallenge = (gpu: ClaimedGpu, settings: VerificationSettings, random: RandomSource): GpuChallenge => {
  const bytes = Math.floor(gpu.vramMb * settings.memoryFraction) * MIB;
  return {
    index: gpu.index,
    gemm: { n: SIMULATED.n, k: SIMULATED.k, tile: SIMULATED.tile, seed: random() },
    memory: { chunks: SIMULATED.chunks, chunkWords: SIMULATED.chunkWords, seed: random(), bytes },
    workFlops: settings.simulatedWorkFlops,
    memoryBytesMoved: 2 * bytes,
  };
};

/** Seconds a card at the bottom of its model's range needs for this GPU's work. */
export const slowestAcceptableSeconds = (gpu: ClaimedGpu, challenge: GpuChallenge): number => {
  const floor = floorOf(gpu.model);
  return challenge.workFlops / (floor.tflops * 1e12) + challenge.memoryBytesMoved / (floor.bandwidthGBs * 1e9);
};

/**
 * A fresh challenge for every GPU of the host: new seeds from `random`, and a commitment
 * deadline of the overhead plus the time the slowest acceptable card of each claimed model
 * needs (GPUs may run one after another).
 */
export const issueChallenge = (
  runId: string,
  gpus: readonly ClaimedGpu[],
  options: { simulated: boolean; now: Date; settings: VerificationSettings; random: RandomSource },
): Challenge => {
  const make = options.simulated ? simulatedChallenge : realChallenge;
  const challenges = gpus.map((gpu) => make(gpu, options.settings, options.random));
  const workSeconds = challenges.reduce((sum, challenge, i) => sum + slowestAcceptableSeconds(gpus[i] as ClaimedGpu, challenge), 0);
  return {
    runId,
    issuedAt: options.now.toISOString(),
    commitBy: new Date(options.now.getTime() + (options.settings.overheadSeconds + workSeconds) * 1000).toISOString(),
    simulated: options.simulated,
    precision: 'tf32',
    gpus: challenges,
  };
};

// ---- commitment --------------------------------------------------------------------------

export interface GpuCommitment {
  readonly index: number;
  readonly uuid: string;
  readonly name?: string;
  readonly vramMb: number;
  readonly driverVersion?: string;
  readonly gemmRoot: string;
  readonly gemmSeconds: number;
  readonly memoryRoot: string;
  readonly memorySeconds: number;
}

export interface MeasuredGpu {
  readonly index: number;
  readonly model: string;
  readonly tflops: number;
  readonly bandwidthGBs: number;
  readonly score: number;
}

export type Verdict<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * Judges a commitment before anything is revealed: it came in time, for the GPUs challenged,
 * from the hardware registered, is not a commitment seen before, and the speeds it reports
 * are within the claimed model's range. On success: the measured figures.
 */
export const assessCommitment = (
  challenge: Challenge,
  commitment: readonly GpuCommitment[],
  context: { readonly claimed: readonly ClaimedGpu[]; readonly receivedAt: Date; readonly seenRoots: readonly string[] },
): Verdict<MeasuredGpu[]> => {
  const lateSeconds = (context.receivedAt.getTime() - Date.parse(challenge.commitBy)) / 1000;
  if (lateSeconds > 0) {
    const allowed = (Date.parse(challenge.commitBy) - Date.parse(challenge.issuedAt)) / 1000;
    return fail(`the commitment came ${round(lateSeconds)} s after its deadline (${round(allowed)} s after the challenge): the GPUs are slower than the models they claim, or the verifier could not run`);
  }
  const byIndex = new Map(commitment.map((gpu) => [gpu.index, gpu]));
  if (byIndex.size !== commitment.length) return fail('the commitment names a GPU twice');
  const measured: MeasuredGpu[] = [];
  for (const asked of challenge.gpus) {
    const claimed = context.claimed.find((gpu) => gpu.index === asked.index);
    const got = byIndex.get(asked.index);
    if (!claimed) return fail(`GPU ${asked.index} is no longer registered on this host`);
    if (!got) return fail(`GPU ${asked.index} is missing from the commitment: every registered GPU is verified`);
    if (got.uuid !== claimed.uuid) return fail(`GPU ${asked.index} reports UUID ${got.uuid}, but ${claimed.uuid} was registered: register the host again after changing its hardware`);
    if (Math.abs(got.vramMb - claimed.vramMb) > claimed.vramMb * 0.02) {
      return fail(`GPU ${asked.index} reports ${got.vramMb} MB of memory, but ${claimed.vramMb} MB was registered`);
    }
    if (context.seenRoots.includes(got.gemmRoot) || context.seenRoots.includes(got.memoryRoot)) {
      return fail(`GPU ${asked.index} sent a commitment of an earlier run (replayed): every run has fresh seeds, so only a new computation can answer it`);
    }
    if (!(got.gemmSeconds > 0) || !(got.memorySeconds > 0)) return fail(`GPU ${asked.index} reports no time for its work`);
    const tflops = asked.workFlops / got.gemmSeconds / 1e12;
    const bandwidthGBs = asked.memoryBytesMoved / got.memorySeconds / 1e9;
    const ranges = rangesFor(claimed.model);
    if (ranges) {
      const name = `the ${round(ranges.tflops.low)}-${round(ranges.tflops.high)} TFLOPS (TF32) expected of a ${claimed.model}`;
      if (tflops < ranges.tflops.low) return fail(`GPU ${asked.index} measured ${round(tflops)} TFLOPS, far below ${name}: a slower card, or a throttled one (check cooling and power limits)`);
      if (tflops > ranges.tflops.high) return fail(`GPU ${asked.index} reports ${round(tflops)} TFLOPS, impossibly above ${name}`);
      const bandwidth = `the ${Math.round(ranges.bandwidthGBs.low)}-${Math.round(ranges.bandwidthGBs.high)} GB/s expected of a ${claimed.model}`;
      if (bandwidthGBs < ranges.bandwidthGBs.low) return fail(`GPU ${asked.index} measured ${Math.round(bandwidthGBs)} GB/s of memory bandwidth, far below ${bandwidth}`);
      if (bandwidthGBs > ranges.bandwidthGBs.high) return fail(`GPU ${asked.index} reports ${Math.round(bandwidthGBs)} GB/s, impossibly above ${bandwidth}`);
    }
    measured.push({ index: asked.index, model: claimed.model, tflops: round(tflops), bandwidthGBs: Math.round(bandwidthGBs), score: scoreOf(tflops, bandwidthGBs) });
  }
  if (commitment.length !== challenge.gpus.length) return fail('the commitment names GPUs that were not challenged');
  return { ok: true, value: measured };
};

// ---- reveal and answer -------------------------------------------------------------------

export interface GpuReveal {
  readonly index: number;
  /** Tiles of C whose values and proofs are wanted. */
  readonly tiles: readonly number[];
  /** Seed of Freivalds' random vector, drawn after the commitment. */
  readonly vectorSeed: number;
  /** Memory chunks whose proofs are wanted. */
  readonly chunks: readonly number[];
}

const distinctSample = (count: number, size: number, random: RandomSource): number[] => {
  const wanted = Math.min(count, size);
  const picked = new Set<number>();
  while (picked.size < wanted) picked.add(random() % size);
  return [...picked].sort((a, b) => a - b);
};

export const revealFor = (challenge: Challenge, settings: VerificationSettings, random: RandomSource): GpuReveal[] =>
  challenge.gpus.map((gpu) => ({
    index: gpu.index,
    tiles: distinctSample(settings.revealedTiles, tileCount(gpu.gemm), random),
    vectorSeed: random(),
    chunks: distinctSample(settings.revealedChunks, gpu.memory.chunks, random),
  }));

export interface GpuAnswer {
  readonly index: number;
  readonly tiles: readonly { readonly tile: number; readonly values: readonly number[]; readonly proof: readonly string[] }[];
  readonly chunks: readonly { readonly chunk: number; readonly proof: readonly string[] }[];
}

/**
 * Checks the answer against the commitment: each revealed tile's proof against the GEMM root
 * and its values by Freivalds' method; each revealed chunk's proof against the memory root,
 * with the checksum the platform computes itself from the seed.
 */
export const assessAnswer = (
  challenge: Challenge,
  commitment: readonly GpuCommitment[],
  reveal: readonly GpuReveal[],
  answer: readonly GpuAnswer[],
): Verdict<true> => {
  for (const asked of reveal) {
    const gpu = challenge.gpus.find((candidate) => candidate.index === asked.index);
    const committed = commitment.find((candidate) => candidate.index === asked.index);
    const got = answer.find((candidate) => candidate.index === asked.index);
    if (!gpu || !committed) return fail(`GPU ${asked.index} was not committed`);
    if (!got) return fail(`GPU ${asked.index} is missing from the answer`);
    if (!isValidGemmSpec(gpu.gemm)) return fail(`GPU ${asked.index}: the challenge is malformed`);
    const leaves = tileCount(gpu.gemm);
    for (const tile of asked.tiles) {
      const sent = got.tiles.find((candidate) => candidate.tile === tile);
      if (!sent) return fail(`GPU ${asked.index}: tile ${tile} of the product was asked for and not sent`);
      if (!verifyProof(tileLeaf(sent.values), tile, leaves, sent.proof, committed.gemmRoot)) {
        return fail(`GPU ${asked.index}: tile ${tile} does not match the committed product (its Merkle proof fails): the answer was not the committed result`);
      }
      if (!freivaldsHolds(gpu.gemm, tile, sent.values, asked.vectorSeed)) {
        return fail(`GPU ${asked.index}: tile ${tile} of the committed product is not A·B (Freivalds check): the GPU computed a wrong product`);
      }
    }
    for (const chunk of asked.chunks) {
      const sent = got.chunks.find((candidate) => candidate.chunk === chunk);
      if (!sent) return fail(`GPU ${asked.index}: memory chunk ${chunk} was asked for and not sent`);
      const leaf = checksumLeaf(chunkChecksum(gpu.memory.seed, chunk, gpu.memory.chunkWords));
      if (!verifyProof(leaf, chunk, gpu.memory.chunks, sent.proof, committed.memoryRoot)) {
        return fail(`GPU ${asked.index}: memory chunk ${chunk} did not hold the pattern written to it: less memory than claimed, or faulty memory`);
      }
    }
  }
  return { ok: true, value: true };
};

/**
 * The chance that a host which computed only `honestTiles` of `tiles` tiles correctly (and
 * committed wrong values for the rest) survives one check of `revealed` distinct tiles:
 * every revealed tile must be an honest one (hypergeometric), or a wrong one must pass
 * Freivalds' check (at most 2^-20 each). A host that computed nothing useful survives with at
 * most 2^-20 per revealed tile.
 */
export const survivalProbability = (tiles: number, honestTiles: number, revealed: number): number => {
  let allHonest = 1;
  for (let i = 0; i < revealed; i += 1) allHonest *= Math.max(0, honestTiles - i) / (tiles - i);
  const wrongPasses = 2 ** -20;
  // Upper bound: each wrong tile among the revealed ones passes with at most 2^-20.
  return Math.min(1, allHonest + (1 - allHonest) * wrongPasses);
};
