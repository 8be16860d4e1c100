import type { Challenge, VerificationStep, VerificationStepResult } from '#contract/agent.ts';

/** The challenge, and what the agent commits, is revealed and answers: the wire contract's shapes. */
export type { Challenge };
export type GpuCommitment = Extract<VerificationStep, { step: 'commit' }>['gpus'][number];
export type GpuAnswer = Extract<VerificationStep, { step: 'answer' }>['gpus'][number];
export type GpuReveal = NonNullable<VerificationStepResult['reveal']>[number];

/** The GPU facts the agent registered: what every commitment states again. */
export interface GpuIdentity {
  readonly index: number;
  readonly name: string;
  readonly vramMb: number;
  readonly uuid: string;
  readonly driverVersion?: string;
}

/** A challenge computed and committed: its answer is read from what the backend kept. */
export interface ComputedRun {
  readonly commitment: readonly GpuCommitment[];
  answer(reveal: readonly GpuReveal[]): Promise<GpuAnswer[]>;
  /** Frees what the run holds (the CUDA container and its GPU memory). */
  close(): void;
}

/**
 * Computes a verification challenge on this host's GPUs (docs/verification.md): `simulated`
 * for development and tests, `cuda` in a container on real GPUs. `signal` aborts it when a
 * renter's assignment arrives: verification never delays renters.
 */
export interface VerifierBackend {
  readonly name: 'simulated' | 'cuda';
  compute(challenge: Challenge, gpus: readonly GpuIdentity[], signal: AbortSignal): Promise<ComputedRun>;
}

export class VerificationAborted extends Error {
  constructor() {
    super('verification aborted: a renter’s assignment arrived');
  }
}
