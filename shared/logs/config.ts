import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_LOG_SETTINGS } from './domain/log-chunks.ts';

/** Env names of the logs context; the CDK stack and the local runtime import them. */
export const LogsEnv = {
  /** The shared bucket (`gpuhive-<stage>-exports`); logs own its `logs/` prefix (ARCHITECTURE.md). */
  bucketName: 'LOGS_BUCKET_NAME',
  maxJobBytes: 'LOGS_MAX_JOB_BYTES',
  completeGraceSeconds: 'LOGS_COMPLETE_GRACE_SECONDS',
  unknownAssignmentGraceSeconds: 'LOGS_UNKNOWN_ASSIGNMENT_GRACE_SECONDS',
  retentionDays: 'LOGS_RETENTION_DAYS',
} as const;

/** The key prefix the logs context owns in the shared bucket. */
export const LOGS_PREFIX = 'logs/';

export const logsConfig = () =>
  parseEnv(
    platformConfigSchema.extend({
      [tables.logs.envVar]: z.string().min(1),
      [LogsEnv.bucketName]: z.string().min(1),
      [LogsEnv.maxJobBytes]: z.coerce.number().int().min(1024).default(DEFAULT_LOG_SETTINGS.maxJobBytes),
      [LogsEnv.completeGraceSeconds]: z.coerce.number().min(0).max(3600).default(DEFAULT_LOG_SETTINGS.completeGraceSeconds),
      [LogsEnv.unknownAssignmentGraceSeconds]: z.coerce.number().min(0).max(86_400).default(DEFAULT_LOG_SETTINGS.unknownAssignmentGraceSeconds),
      [LogsEnv.retentionDays]: z.coerce.number().int().min(1).max(3650).default(DEFAULT_LOG_SETTINGS.retentionDays),
    }),
  );
