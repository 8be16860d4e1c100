import { documentClient, s3Client } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { tables } from '#infra/topology.ts';
import { LogsEnv, logsConfig } from '../config.ts';
import type { LogsDeps } from '../use-cases/deps.ts';
import { DynamoLogIndex } from './dynamo-log-index.ts';
import { S3SegmentObjects } from './s3-segment-objects.ts';

export const logger = createLogger('logs');

/** The logs context's wiring: built once per Lambda container, at module scope. */
export const makeLogsDeps = (): LogsDeps => {
  const config = logsConfig();
  const index = new DynamoLogIndex(config[tables.logs.envVar], documentClient());
  return {
    index,
    projection: index,
    objects: new S3SegmentObjects(config[LogsEnv.bucketName], s3Client()),
    clock: systemClock,
    settings: {
      maxJobBytes: config[LogsEnv.maxJobBytes],
      completeGraceSeconds: config[LogsEnv.completeGraceSeconds],
      unknownAssignmentGraceSeconds: config[LogsEnv.unknownAssignmentGraceSeconds],
      retentionDays: config[LogsEnv.retentionDays],
    },
  };
};
