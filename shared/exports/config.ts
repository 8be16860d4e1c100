import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_MAX_PERIOD_DAYS } from './domain/period.ts';

/** The exports context's env names; the CDK stack and the local runtime import them. */
export const ExportsEnv = {
  /** The bucket whose `exports/` prefix holds the files (the stack's exports bucket). */
  bucketName: 'EXPORTS_BUCKET_NAME',
  urlTtlSeconds: 'EXPORT_URL_TTL_SECONDS',
  maxPeriodDays: 'EXPORT_MAX_PERIOD_DAYS',
  dailyCatchUpDays: 'DAILY_EXPORT_CATCH_UP_DAYS',
  dailyDelaySeconds: 'DAILY_EXPORT_DELAY_SECONDS',
  progressEveryRows: 'EXPORT_PROGRESS_EVERY_ROWS',
} as const;

export const exportsConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.exports.envVar]: z.string().min(1),
      // Only the runner is granted billing's table (its read-only port); the others never read it.
      [tables.billing.envVar]: z.string().min(1).optional(),
      [ExportsEnv.bucketName]: z.string().min(1),
      // A presigned URL signed with a Lambda role's session credentials stops working when they expire (hours).
      [ExportsEnv.urlTtlSeconds]: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(3600),
      [ExportsEnv.maxPeriodDays]: z.coerce.number().int().min(1).max(3660).default(DEFAULT_MAX_PERIOD_DAYS),
      [ExportsEnv.dailyCatchUpDays]: z.coerce.number().int().min(0).max(31).default(2),
      [ExportsEnv.dailyDelaySeconds]: z.coerce.number().int().min(0).max(86_399).default(600),
      [ExportsEnv.progressEveryRows]: z.coerce.number().int().min(1).default(100_000),
    }),
    env,
  );
