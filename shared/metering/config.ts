import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_METERING_SETTINGS } from './domain/usage.ts';

/** Env names of the metering context; the CDK stack and the local runtime import them. */
export const MeteringEnv = {
  clockSkewSeconds: 'USAGE_CLOCK_SKEW_SECONDS',
} as const;

export const meteringConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.metering.envVar]: z.string().min(1),
      [MeteringEnv.clockSkewSeconds]: z.coerce.number().min(0).max(300).default(DEFAULT_METERING_SETTINGS.clockSkewSeconds),
    }),
  );
