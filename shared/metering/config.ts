import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_METERING_SETTINGS, DEFAULT_PENDING_MAX_SECONDS } from './domain/usage.ts';

/** Env names of the metering context; the CDK stack and the local runtime import them. */
export const MeteringEnv = {
  clockSkewSeconds: 'USAGE_CLOCK_SKEW_SECONDS',
  /** A record waiting this long for a lease that never arrives is rejected. */
  pendingMaxSeconds: 'USAGE_PENDING_MAX_SECONDS',
} as const;

export const meteringConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.metering.envVar]: z.string().min(1),
      [MeteringEnv.clockSkewSeconds]: z.coerce.number().min(0).max(300).default(DEFAULT_METERING_SETTINGS.clockSkewSeconds),
      [MeteringEnv.pendingMaxSeconds]: z.coerce.number().int().min(1).max(30 * 24 * 3600).default(DEFAULT_PENDING_MAX_SECONDS),
    }),
  );
