import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { BASIS_POINTS, DEFAULT_PLATFORM_FEE_BPS } from './domain/rating.ts';

/** Billing's own env names; the CDK code may import them to set a stage's values. */
export const BillingEnv = {
  /** The platform's fee on usage, in basis points of what the renter pays (1000 = 10%). */
  platformFeeBps: 'PLATFORM_FEE_BPS',
} as const;

export const billingConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.billing.envVar]: z.string().min(1),
      [BillingEnv.platformFeeBps]: z.coerce.number().int().min(0).max(BASIS_POINTS).default(DEFAULT_PLATFORM_FEE_BPS),
    }),
  );
