import type { PreemptionSettings } from './preemption.ts';

/** The matcher's timeouts and policies; each transition takes what it needs. */
export interface MatchingSettings {
  /** A queued job expires after this long (`expired`). */
  readonly queueTimeoutSeconds: number;
  /** An assignment not accepted within this is withdrawn and the job placed again. */
  readonly acceptTimeoutSeconds: number;
  /** After a cancel or a platform stop, the lease ends at most this much later. */
  readonly stopGraceSeconds: number;
  /** Assignments and cancels are sent again until the agent's events show they arrived. */
  readonly resendAfterSeconds: number;
  /** Placements not accepted before the job fails with `not_accepted`. */
  readonly maxNotAccepted: number;
  /** Metering's clock-skew allowance (USAGE_CLOCK_SKEW_SECONDS): holds cover it. Default 5 s. */
  readonly clockSkewSeconds?: number;
  /** Hosts that failed a job are skipped for it this long after its last re-queue, then tried again. */
  readonly avoidFailedHostSeconds: number;
  /** A job or offer query that does not say `verified` gets this (REQUIRE_VERIFIED_HOSTS; docs/verification.md). */
  readonly requireVerifiedByDefault?: boolean;
  /** The interruptible tier's preemption grace and minimum run (docs/interruptible.md); absent: the defaults. */
  readonly preemption?: PreemptionSettings;
}

export const DEFAULT_MATCHING_SETTINGS: MatchingSettings = {
  queueTimeoutSeconds: 24 * 3600,
  acceptTimeoutSeconds: 120,
  stopGraceSeconds: 30,
  resendAfterSeconds: 30,
  maxNotAccepted: 3,
  avoidFailedHostSeconds: 300,
};
