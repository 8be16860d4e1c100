import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';
import type { Challenge, ComputedRun, GpuAnswer, GpuCommitment, GpuIdentity, VerifierBackend } from './backend.ts';
import { JsonLinesChild } from './json-lines.ts';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** The verifier image, built from verifier/Dockerfile (docs/verification.md); GPUHIVE_VERIFIER_IMAGE overrides it. */
export const DEFAULT_VERIFIER_IMAGE = 'gpuhive/verifier:0.1.0';

interface ScriptCommitment {
  readonly index: number;
  readonly gemmRoot: string;
  readonly gemmSeconds: number;
  readonly memoryRoot: string;
  readonly memorySeconds: number;
}

/**
 * Runs verifier/verify.py in its container with the challenged GPUs (`docker run --gpus`,
 * no network): the challenge goes in on stdin, the commitment comes back as one JSON line;
 * the container keeps the tiles' tree and the chunk checksums until the reveal is written to
 * it, answers with one more line and exits. Aborting kills the container, freeing the GPUs
 * for the renter's job at once. UNTRIED: no machine with a GPU was available when it was
 * written (docs/verification.md says so).
 */
export class CudaBackend implements VerifierBackend {
  readonly name = 'cuda' as const;

  constructor(private readonly options: { readonly image?: string; readonly docker?: string } = {}) {}

  async compute(challenge: Challenge, gpus: readonly GpuIdentity[], signal: AbortSignal): Promise<ComputedRun> {
    const devices = challenge.gpus.map((gpu) => gpu.index).join(',');
    const child = childProcess().spawn(this.options.docker ?? 'docker', [
      'run', '--rm', '-i', '--network', 'none', '--gpus', `"device=${devices}"`, '--ipc', 'host', this.options.image ?? DEFAULT_VERIFIER_IMAGE,
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = new JsonLinesChild(child, signal, 'the verifier container');
    const close = () => lines.close();
    try {
      // Inside the container the GPUs are renumbered from 0 in the order given.
      lines.send({ ...challenge, gpus: challenge.gpus.map((gpu, position) => ({ ...gpu, device: position })) });
      const committed = (await lines.next()) as { commitment: ScriptCommitment[] };
      const commitment: GpuCommitment[] = committed.commitment.map((gpu) => {
        const identity = gpus.find((candidate) => candidate.index === gpu.index);
        if (!identity) throw new Error(`the verifier reported GPU ${gpu.index}, which this host does not have`);
        return {
          index: gpu.index, uuid: identity.uuid, name: identity.name, vramMb: identity.vramMb, ...(identity.driverVersion ? { driverVersion: identity.driverVersion } : {}),
          gemmRoot: gpu.gemmRoot, gemmSeconds: gpu.gemmSeconds, memoryRoot: gpu.memoryRoot, memorySeconds: gpu.memorySeconds,
        };
      });
      return {
        commitment,
        answer: async (reveal) => {
          lines.send({ reveal });
          const answered = (await lines.next()) as { answer: GpuAnswer[] };
          return answered.answer;
        },
        close,
      };
    } catch (error) {
      close();
      throw error;
    }
  }
}
