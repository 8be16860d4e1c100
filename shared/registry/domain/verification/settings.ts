/** How host verification runs: its schedule, deadlines and the size of each challenge (operator settings in registry/config.ts). */

/** 32 random bits; the platform's comes from node:crypto, tests pass a seeded one. */
export type RandomSource = () => number;

export interface VerificationSettings {
  /** Mean time between idle re-verifications (exponentially distributed, so no host can predict its next run). */
  readonly meanIntervalSeconds: number;
  /** A verification older than this without a newer pass is `expired`. */
  readonly validForSeconds: number;
  /** A run aborted for a renter's job or missed is tried again this much later. */
  readonly retryAfterSeconds: number;
  /** Fixed allowance in each deadline: container start, generating the matrices, hashing, the requests. */
  readonly overheadSeconds: number;
  /** Time from the reveal to the answer (proofs are read from what the agent kept). */
  readonly answerWithinSeconds: number;
  /** A run with no commitment this long after its deadline is `missed` (not failed: an old agent, a crash). */
  readonly missedAfterSeconds: number;
  /** The nominal work a simulated host's run stands for (it computes a small product and sleeps for the rest). */
  readonly simulatedWorkFlops: number;
  /** GEMM time aimed at on a healthy card of the claimed model: long enough that the deadline tells cards apart. */
  readonly targetGemmSeconds: number;
  /** Share of the claimed VRAM the memory test fills. */
  readonly memoryFraction: number;
  readonly revealedTiles: number;
  readonly revealedChunks: number;
}

export const DEFAULT_VERIFICATION_SETTINGS: VerificationSettings = {
  meanIntervalSeconds: 12 * 3600,
  validForSeconds: 48 * 3600,
  retryAfterSeconds: 600,
  overheadSeconds: 180,
  answerWithinSeconds: 120,
  missedAfterSeconds: 900,
  simulatedWorkFlops: 2e12,
  targetGemmSeconds: 10,
  memoryFraction: 0.85,
  revealedTiles: 12,
  revealedChunks: 8,
};
