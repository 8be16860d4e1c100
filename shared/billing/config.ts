import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { BASIS_POINTS, DEFAULT_PLATFORM_FEE_BPS } from './domain/rating.ts';
import { DEFAULT_HOLD_SETTINGS } from './domain/renewal.ts';
import { DEFAULT_SETTLEMENT_DELAY_SECONDS } from './domain/payouts.ts';

/** Billing's own env names; the CDK code may import them to set a stage's values. */
export const BillingEnv = {
  /** The platform's fee on usage, in basis points of what the renter pays (1000 = 10%). */
  platformFeeBps: 'PLATFORM_FEE_BPS',
  /** How far ahead a running job's hold covers at its current rate (or to its max duration). */
  holdCoverSeconds: 'HOLD_COVER_SECONDS',
  /** A hold that cannot be renewed to cover at least this long is exhausted: the job is stopped. */
  holdMinCoverSeconds: 'HOLD_MIN_COVER_SECONDS',
  /** `balance.low` fires when a renter's runway drops under this. */
  lowRunwaySeconds: 'BALANCE_LOW_RUNWAY_SECONDS',
  /** Earnings are payable once older than this (default 7 days: room for disputes and corrections). */
  payoutSettlementDelaySeconds: 'PAYOUT_SETTLEMENT_DELAY_SECONDS',
  /** `queueUrlEnvVar(CHARGES_QUEUE)`, spelled out so its type is the literal: set for the function that `sendsTo` it. */
  chargesQueueUrl: 'BILLING_CHARGES_QUEUE_URL',
} as const;

/** Billing's FIFO queue of usage to charge, grouped by renter (infra/topology.ts). */
export const CHARGES_QUEUE = 'billing-charges';

/** What the usage router needs: the charges queue's URL. */
export const chargeRouterConfig = () => parseEnv(platformConfigSchema.extend({ [BillingEnv.chargesQueueUrl]: z.string().min(1) }));

export const billingConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.billing.envVar]: z.string().min(1),
      [BillingEnv.platformFeeBps]: z.coerce.number().int().min(0).max(BASIS_POINTS).default(DEFAULT_PLATFORM_FEE_BPS),
      [BillingEnv.holdCoverSeconds]: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(DEFAULT_HOLD_SETTINGS.coverSeconds),
      [BillingEnv.holdMinCoverSeconds]: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(DEFAULT_HOLD_SETTINGS.minCoverSeconds),
      [BillingEnv.lowRunwaySeconds]: z.coerce.number().int().min(1).max(30 * 24 * 3600).default(DEFAULT_HOLD_SETTINGS.lowRunwaySeconds),
      [BillingEnv.payoutSettlementDelaySeconds]: z.coerce.number().int().min(0).max(90 * 24 * 3600).default(DEFAULT_SETTLEMENT_DELAY_SECONDS),
    }).refine((env) => env[BillingEnv.holdMinCoverSeconds] <= env[BillingEnv.holdCoverSeconds], {
      path: [BillingEnv.holdMinCoverSeconds],
      message: `must not exceed ${BillingEnv.holdCoverSeconds}`,
    }),
  );
