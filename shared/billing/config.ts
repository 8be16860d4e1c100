import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';

export const billingConfig = () =>
  parseEnv(platformConfigSchema.extend({ [tables.billing.envVar]: z.string().min(1) }));
