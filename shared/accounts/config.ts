import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';

export const accountsConfig = () =>
  parseEnv(platformConfigSchema.extend({ [tables.accounts.envVar]: z.string().min(1) }));
