import { describe, expect, it } from 'vitest';
import {
  issueChallenge, revealFor, assessAnswer, survivalProbability, type ClaimedGpu, type GpuCommitment,
} from '#registry/domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS, type RandomSource } from '#registry/domain/verification/settings.ts';
import { tileCount } from '#registry/domain/verification/gemm.ts';
import { onAnswer, onCommit, onHeartbeat, reliabilityFactor, type HostVerification } from '#registry/domain/verification/host-verification.ts';
import { mix32 } from '#registry/domain/verification/prng.ts';
import { solveGpu, type SolvedGpu, type Tamper } from '#registry/domain/verification/solver.ts';

/** A seeded random source: the tests are repeatable. */
const seeded = (seed: number): RandomSource => {
  let state = seed;
  return () => (state = mix32(state + 0x9e3779b9));
};

const gpus: ClaimedGpu[] = [
  { index: 0, model: 'RTX 4090', vramMb: 24564, uuid: 'GPU-a' },
  { index: 1, model: 'RTX 4090', vramMb: 24564, uuid: 'GPU-b' },
];
const settings = { ...DEFAULT_VERIFICATION_SETTINGS, overheadSeconds: 10 };
const t0 = new Date('2026-12-04T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
let runs = 0;
const heartbeat = (current: HostVerification | undefined, now: Date, extra: Partial<Parameters<typeof onHeartbeat>[1]> = {}) =>
  onHeartbeat(current, { now, idle: true, requested: false, cameBackFromOffline: false, gpus, simulated: true, settings, random: seeded(now.getTime()), newRunId: () => `vrf_${(runs += 1)}`, ...extra });

/** What a simulated host at `tflops` and `bandwidthGBs` would commit for its solved GPUs. */
const commitmentOf = (solved: readonly SolvedGpu[], challengeGpus: ReturnType<typeof issueChallenge>['gpus'], speed = { tflops: 60, bandwidthGBs: 800 }): GpuCommitment[] =>
  solved.map((gpu, i) => ({
    index: gpu.index, uuid: gpus[i]!.uuid, vramMb: gpus[i]!.vramMb, gemmRoot: gpu.gemmRoot, memoryRoot: gpu.memoryRoot,
    gemmSeconds: challengeGpus[i]!.workFlops / (speed.tflops * 1e12), memorySeconds: challengeGpus[i]!.memoryBytesMoved / (speed.bandwidthGBs * 1e9),
  }));

const runOnce = (tamper: Tamper = {}, options: { speed?: { tflops: number; bandwidthGBs: number }; commitAfter?: number } = {}) => {
  const issued = heartbeat(undefined, t0).verification;
  const challenge = issued.run!.challenge;
  const solved = challenge.gpus.map((gpu) => solveGpu(gpu, tamper));
  const committed = onCommit(issued, challenge.runId, commitmentOf(solved, challenge.gpus, options.speed), { now: at(options.commitAfter ?? 2), gpus, settings, random: seeded(2) });
  if (typeof committed === 'string') throw new Error(committed);
  if (committed.result.kind === 'failed') return { stage: 'commit' as const, ...committed };
  const reveal = committed.result.reveal;
  const answered = onAnswer(committed.verification, challenge.runId, solved.map((gpu, i) => gpu.answer(reveal[i]!)), { now: at(3), settings, random: seeded(3) });
  if (typeof answered === 'string') throw new Error(answered);
  return { stage: 'answer' as const, ...answered };
};

describe('a verification run', () => {
  it('is issued on the first heartbeat of an idle host, not to a busy one', () => {
    expect(heartbeat(undefined, t0).verification.run?.challenge.gpus).toHaveLength(2);
    expect(heartbeat(undefined, t0, { idle: false }).verification.run).toBeUndefined();
  });

  it('passes an honest host, with its score, and schedules the next run at random', () => {
    const outcome = runOnce();
    expect(outcome.result).toMatchObject({ kind: 'passed' });
    expect(outcome.verification.state).toBe('verified');
    expect(outcome.verification.score).toBeGreaterThan(0);
    expect(outcome.verification.gpus?.map((gpu) => gpu.tflops)).toEqual([60, 60]);
    expect(Date.parse(outcome.verification.nextRunAt)).toBeGreaterThan(at(3).getTime());
    expect(outcome.announce).toBe(true);
  });

  it('fails a wrong product at the answer, naming the Freivalds check', () => {
    const outcome = runOnce({ product: (product) => product.forEach((value, i) => (product[i] = value + 1)) });
    expect(outcome.verification.state).toBe('failed');
    expect(outcome.verification.reason).toMatch(/Freivalds/);
  });

  it('fails a slow card, at the commitment, naming the expected range', () => {
    const outcome = runOnce({}, { speed: { tflops: 5, bandwidthGBs: 800 } });
    expect(outcome.stage).toBe('commit');
    expect(outcome.verification.reason).toMatch(/far below the 28.9-90.9 TFLOPS/);
  });

  it('fails a card that claims impossible speed', () => {
    expect(runOnce({}, { speed: { tflops: 500, bandwidthGBs: 800 } }).verification.reason).toMatch(/impossibly above/);
  });

  it('fails a commitment that comes after its deadline (a slow card lying about its timing)', () => {
    const outcome = runOnce({}, { commitAfter: 3600 });
    expect(outcome.verification.reason).toMatch(/after its deadline/);
  });

  it('fails less memory than claimed, at the answer', () => {
    const outcome = runOnce({ checksum: (chunk, honest) => (chunk < 64 ? honest() : 12345) });
    expect(outcome.verification.reason).toMatch(/memory chunk \d+ did not hold the pattern/);
  });

  it('fails a replayed commitment', () => {
    const first = heartbeat(undefined, t0).verification;
    const challenge = first.run!.challenge;
    const solved = challenge.gpus.map((gpu) => solveGpu(gpu));
    const committed = onCommit(first, challenge.runId, commitmentOf(solved, challenge.gpus), { now: at(1), gpus, settings, random: seeded(1) });
    if (typeof committed === 'string' || committed.result.kind !== 'revealed') throw new Error('not revealed');
    const reveal = committed.result.reveal;
    const passed = onAnswer(committed.verification, challenge.runId, solved.map((gpu, i) => gpu.answer(reveal[i]!)), { now: at(2), settings, random: seeded(2) });
    if (typeof passed === 'string') throw new Error(passed);
    const second = heartbeat(passed.verification, at(3), { requested: true }).verification;
    const replay = onCommit(second, second.run!.challenge.runId, commitmentOf(solved, second.run!.challenge.gpus), { now: at(4), gpus, settings, random: seeded(4) });
    if (typeof replay === 'string') throw new Error(replay);
    expect(replay.verification.reason).toMatch(/replayed/);
    expect(reliabilityFactor(replay.verification)).toBe(0.95);
  });

  it('refuses a commitment for another run or twice', () => {
    const issued = heartbeat(undefined, t0).verification;
    expect(onCommit(issued, 'vrf_other', [], { now: at(1), gpus, settings, random: seeded(1) })).toBe('unknown_run');
  });

  it('ends an aborted run without failing it, and offers it again later', () => {
    const issued = heartbeat(undefined, t0).verification;
    const aborted = heartbeat(issued, at(1), { abortedRunId: issued.run!.challenge.runId }).verification;
    expect(aborted.state).toBe('unverified');
    expect(aborted.run).toBeUndefined();
    expect(aborted.history.at(-1)?.outcome).toBe('aborted');
    expect(heartbeat(aborted, at(2)).verification.run).toBeUndefined();
    expect(heartbeat(aborted, at(2 + settings.retryAfterSeconds)).verification.run).toBeDefined();
  });

  it('expires a pass that was not renewed in time', () => {
    const passed = runOnce().verification;
    const later = heartbeat({ ...passed, nextRunAt: at(1e9).toISOString() }, at(settings.validForSeconds + 10), { idle: false });
    expect(later.verification.state).toBe('expired');
    expect(later.announce).toBe(true);
  });
});

describe('the chance that a cheat survives one check', () => {
  it('matches the stated probability: a host that computed 3/4 of the tiles survives about C(48,12)/C(64,12) of the checks', () => {
    const gpu = gpus[0]!;
    const challenge = issueChallenge('vrf_p', [gpu], { simulated: true, now: t0, settings, random: seeded(5) });
    const spec = challenge.gpus[0]!.gemm;
    const tiles = tileCount(spec);
    const honestTiles = (tiles * 3) / 4;
    const side = spec.n / spec.tile;
    // Wrong values in the last quarter of the tiles (whole row-blocks of C).
    const solved = solveGpu(challenge.gpus[0]!, { product: (product) => { for (let i = (honestTiles / side) * spec.tile * spec.n; i < product.length; i += 1) product[i] = (product[i] as number) + 1; } });
    const commitment: GpuCommitment[] = [{ index: 0, uuid: gpu.uuid, vramMb: gpu.vramMb, gemmRoot: solved.gemmRoot, memoryRoot: solved.memoryRoot, gemmSeconds: 1, memorySeconds: 1 }];
    const random = seeded(6);
    const trials = 800;
    let survived = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const reveal = revealFor(challenge, settings, random);
      if (assessAnswer(challenge, commitment, reveal, [solved.answer(reveal[0]!)]).ok) survived += 1;
    }
    const stated = survivalProbability(tiles, honestTiles, settings.revealedTiles);
    expect(stated).toBeCloseTo(0.0212, 3);
    expect(survived / trials).toBeGreaterThan(stated / 2);
    expect(survived / trials).toBeLessThan(stated * 2);
  });

  it('is at most 2^-20 per revealed tile for a host that computed nothing', () => {
    expect(survivalProbability(64, 0, 12)).toBeLessThanOrEqual(2 ** -20);
  });
});
