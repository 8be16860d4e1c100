import { z } from 'zod';
import { DEFAULT_MIN_MAX_DURATION_SECONDS, MAX_DURATION_SECONDS } from '#contract/jobs.ts';
import { parseEnv, platformConfigSchema, seconds } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_HOST_QUEUE_PREFIX, RegistryEnv } from '#registry/config.ts';
import { MeteringEnv } from '#metering/config.ts';
import { DEFAULT_USAGE_CLOCK_SKEW_SECONDS } from './domain/lease-deadline.ts';
import { DEFAULT_MATCHING_SETTINGS as defaults } from './domain/matching-settings.ts';
import { DEFAULT_PREEMPTION_SETTINGS } from './domain/preemption.ts';

export const MatchingEnv = {
  queueTimeoutSeconds: 'QUEUE_TIMEOUT_SECONDS',
  acceptTimeoutSeconds: 'ACCEPT_TIMEOUT_SECONDS',
  stopGraceSeconds: 'STOP_GRACE_SECONDS',
  resendAfterSeconds: 'RESEND_AFTER_SECONDS',
  maxNotAccepted: 'MAX_NOT_ACCEPTED',
  avoidFailedHostSeconds: 'AVOID_FAILED_HOST_SECONDS',
  capacityCacheSeconds: 'CAPACITY_CACHE_SECONDS',
  /** Whether jobs and offers without `verified` ask for verified hosts: true on AWS stages, false on the local runtime. */
  requireVerifiedHosts: 'REQUIRE_VERIFIED_HOSTS',
  /** Interruptible work gets this long from its preempt message to SIGKILL and the end of billing. */
  preemptionGraceSeconds: 'PREEMPTION_GRACE_SECONDS',
  /** A bidder keeps its GPUs this long against higher bids (never against on-demand work). */
  preemptMinRunSeconds: 'PREEMPT_MIN_RUN_SECONDS',
  /**
   * `queueUrlEnvVar(POOLS_QUEUE)`, spelled out so its type is the literal: set for the functions
   * that `sendsTo` it. Where it is unset, a capacity change places the queue's head at once.
   */
  poolsQueueUrl: 'MATCHING_POOLS_QUEUE_URL',
  /** The shortest `maxDurationSeconds` a job may ask for (default 60): a 400 names the field and this bound below it. */
  minMaxDurationSeconds: 'MIN_MAX_DURATION_SECONDS',
} as const;

/** Matching's FIFO queue of placement nudges, one message group per placement group (infra/topology.ts). */
export const POOLS_QUEUE = 'matching-pools';

export const matchingConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.matching.envVar]: z.string().min(1),
      /** Billing's table, read only for the balance check at submit (absent where unused). */
      [tables.billing.envVar]: z.string().min(1).optional(),
      /** Accounts' table, read only for the renter's saved SSH keys at submit (absent where unused). */
      [tables.accounts.envVar]: z.string().min(1).optional(),
      [RegistryEnv.hostQueuePrefix]: z.string().default(DEFAULT_HOST_QUEUE_PREFIX),
      [MatchingEnv.queueTimeoutSeconds]: seconds(defaults.queueTimeoutSeconds),
      [MatchingEnv.acceptTimeoutSeconds]: seconds(defaults.acceptTimeoutSeconds),
      [MatchingEnv.stopGraceSeconds]: seconds(defaults.stopGraceSeconds),
      [MatchingEnv.resendAfterSeconds]: seconds(defaults.resendAfterSeconds),
      [MatchingEnv.maxNotAccepted]: z.coerce.number().int().positive().default(defaults.maxNotAccepted),
      [MatchingEnv.avoidFailedHostSeconds]: seconds(defaults.avoidFailedHostSeconds),
      [MatchingEnv.capacityCacheSeconds]: seconds(5),
      [MatchingEnv.preemptionGraceSeconds]: seconds(DEFAULT_PREEMPTION_SETTINGS.graceSeconds),
      [MatchingEnv.preemptMinRunSeconds]: seconds(DEFAULT_PREEMPTION_SETTINGS.minRunSeconds),
      [MatchingEnv.poolsQueueUrl]: z.string().min(1).optional(),
      [MatchingEnv.minMaxDurationSeconds]: z.coerce.number().int().min(1).max(MAX_DURATION_SECONDS).default(DEFAULT_MIN_MAX_DURATION_SECONDS),
      [MatchingEnv.requireVerifiedHosts]: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
      /** Metering's skew allowance, read here because the hold must cover it. */
      [MeteringEnv.clockSkewSeconds]: z.coerce.number().min(0).max(300).default(DEFAULT_USAGE_CLOCK_SKEW_SECONDS),
    }),
  );
