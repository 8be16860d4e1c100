import { existsSync, readFileSync } from 'node:fs';
import { sleep } from '#agent/core/backoff.ts';
import { writeJsonFile } from '#agent/core/files.ts';
import { canonicalGpuModel } from '#registry/domain/gpu-model.ts';
import { expectationFor, TYPICAL_SHARE, UNKNOWN_MODEL_FLOOR } from '#registry/domain/verification/gpu-expectations.ts';
import { solveGpu, type SolvedGpu, type Tamper } from '#registry/domain/verification/solver.ts';
import { VerificationAborted, type Challenge, type ComputedRun, type GpuIdentity, type VerifierBackend } from './backend.ts';
import type { SimulatedOptions } from './simulated-options.ts';

export { CHEATS, simulatedOptionsFromEnv, type Cheat, type SimulatedOptions } from './simulated-options.ts';

const speedOf = (gpu: GpuIdentity, options: SimulatedOptions) => {
  const row = expectationFor(canonicalGpuModel(gpu.name));
  return {
    tflops: options.tflops ?? (row ? row.tf32Tflops * TYPICAL_SHARE : UNKNOWN_MODEL_FLOOR.tf32Tflops * 2),
    bandwidthGBs: options.bandwidthGBs ?? (row ? row.bandwidthGBs * TYPICAL_SHARE : UNKNOWN_MODEL_FLOOR.bandwidthGBs * 2),
  };
};

const tamperFor = (challengeGpu: Challenge['gpus'][number], gpu: GpuIdentity, options: SimulatedOptions): Tamper => {
  if (options.cheat === 'wrong-product') {
    // A card that skipped most of the work: every row-block but the first is made up.
    return { product: (product) => { for (let i = challengeGpu.gemm.tile * challengeGpu.gemm.n; i < product.length; i += 1) product[i] = (product[i] as number) + 1; } };
  }
  if (options.cheat === 'less-vram') {
    const held = Math.floor(challengeGpu.memory.chunks * Math.min(1, (options.realVramMb ?? gpu.vramMb / 4) / gpu.vramMb));
    // What does not fit is never written: its checksum is made up.
    return { checksum: (chunk, honest) => (chunk < held ? honest() : chunk * 7919) };
  }
  return {};
};

/**
 * Honest results at a configured speed: the small product is really computed (so every
 * check is real), and the run then takes the time the nominal work needs at that speed.
 * Cheating modes for tests: `wrong-product`, `replay` (commits its first run again),
 * `slow` (a slower card reporting the claimed speed), `less-vram`.
 */
export class SimulatedBackend implements VerifierBackend {
  readonly name = 'simulated' as const;

  constructor(private readonly options: SimulatedOptions) {}

  async compute(challenge: Challenge, gpus: readonly GpuIdentity[], signal: AbortSignal): Promise<ComputedRun> {
    const replayed = this.options.cheat === 'replay' ? this.replayedChallenge(challenge) : challenge;
    const solved: SolvedGpu[] = [];
    const commitment = [];
    for (const asked of replayed.gpus) {
      const gpu = gpus.find((candidate) => candidate.index === asked.index);
      if (!gpu) throw new Error(`the challenge names GPU ${asked.index}, which this host does not have`);
      const speed = speedOf(gpu, this.options);
      const gemmSeconds = asked.workFlops / (speed.tflops * 1e12);
      const memorySeconds = asked.memoryBytesMoved / (speed.bandwidthGBs * 1e9);
      const realShare = this.options.cheat === 'slow' ? (this.options.slowFactor ?? 0.02) : 1;
      await sleep(((gemmSeconds + memorySeconds) / realShare) * 1000, signal);
      if (signal.aborted) throw new VerificationAborted();
      const work = solveGpu(asked, tamperFor(asked, gpu, this.options));
      solved.push(work);
      commitment.push({
        index: gpu.index, uuid: gpu.uuid, name: gpu.name, vramMb: gpu.vramMb, ...(gpu.driverVersion ? { driverVersion: gpu.driverVersion } : {}),
        gemmRoot: work.gemmRoot, gemmSeconds, memoryRoot: work.memoryRoot, memorySeconds,
      });
    }
    return {
      commitment,
      answer: async (reveal) => reveal.map((asked) => {
        const work = solved.find((candidate) => candidate.index === asked.index);
        if (!work) throw new Error(`the reveal names GPU ${asked.index}, which was not computed`);
        return work.answer(asked);
      }),
      close: () => undefined,
    };
  }

  /** `replay`: the first challenge seen is kept and computed again every time. */
  private replayedChallenge(challenge: Challenge): Challenge {
    if (existsSync(this.options.replayFile)) return JSON.parse(readFileSync(this.options.replayFile, 'utf8')) as Challenge;
    writeJsonFile(this.options.replayFile, challenge);
    return challenge;
  }
}
