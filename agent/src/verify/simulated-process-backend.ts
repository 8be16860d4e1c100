import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';
import { selfCommand, type SelfCommand } from '#agent/core/self-command.ts';
import type { Challenge, ComputedRun, GpuAnswer, GpuCommitment, GpuIdentity, VerifierBackend } from './backend.ts';
import { JsonLinesChild } from './json-lines.ts';
import type { SimulatedChildRequest } from './simulated-child.ts';
import type { SimulatedOptions } from './simulated-options.ts';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** The hidden command the child runs (agent/src/cli.ts). */
export const SIMULATED_VERIFIER_COMMAND = 'simulated-verifier';

/**
 * The simulated verifier in a child process, as the CUDA one runs in its container: the GEMM,
 * the Merkle trees and the memory checksums allocate a few MB that glibc keeps in the process
 * after they are freed, so computed in the agent they stayed in its idle memory for good.
 * The same results and timing as `SimulatedBackend` (the child runs it), one process start
 * later; aborting kills the child at once.
 */
export class SimulatedProcessBackend implements VerifierBackend {
  readonly name = 'simulated' as const;

  constructor(
    private readonly options: SimulatedOptions,
    private readonly program: SelfCommand = selfCommand(),
  ) {}

  async compute(challenge: Challenge, gpus: readonly GpuIdentity[], signal: AbortSignal): Promise<ComputedRun> {
    const child = childProcess().spawn(this.program.command, [...this.program.args, SIMULATED_VERIFIER_COMMAND], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = new JsonLinesChild(child, signal, 'the simulated verifier');
    try {
      const request: SimulatedChildRequest = { challenge, gpus, options: this.options };
      lines.send(request);
      const { commitment } = (await lines.next()) as { commitment: GpuCommitment[] };
      return {
        commitment,
        answer: async (reveal) => {
          lines.send({ reveal });
          return ((await lines.next()) as { answer: GpuAnswer[] }).answer;
        },
        close: () => lines.close(),
      };
    } catch (error) {
      lines.close();
      throw error;
    }
  }
}
