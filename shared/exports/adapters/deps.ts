import { documentClient, eventBridgeClient, s3Client } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { ExportsEnv, exportsConfig } from '../config.ts';
import type { BillingReader } from '../ports.ts';
import type { ExportsDeps } from '../use-cases/deps.ts';
import { DynamoBillingReader } from './dynamo-billing-reader.ts';
import { DynamoExportStore } from './dynamo-export-store.ts';
import { S3ExportFiles } from './s3-export-files.ts';

export const logger = createLogger('exports');

/** For functions not granted billing's table: any read through it is a wiring bug. */
const noBillingPort: BillingReader = {
  usageCharges: () => {
    throw new Error(`This function has no read-only port on billing's table (${tables.billing.envVar} is not set)`);
  },
  ledgerEntries: () => {
    throw new Error(`This function has no read-only port on billing's table (${tables.billing.envVar} is not set)`);
  },
  payouts: () => {
    throw new Error(`This function has no read-only port on billing's table (${tables.billing.envVar} is not set)`);
  },
};

/** The exports context's wiring: built once per Lambda container, at module scope. */
export const makeExportsDeps = (): ExportsDeps => {
  const config = exportsConfig();
  const tableName = config[tables.exports.envVar];
  const billingTable = config[tables.billing.envVar];
  const documents = documentClient();
  const outbox = new Outbox({ tableName, busName: config.EVENT_BUS_NAME, documents, eventBridge: eventBridgeClient(), logger, now: () => systemClock.now() });
  return {
    exports: new DynamoExportStore(tableName, documents, outbox),
    billing: billingTable ? new DynamoBillingReader(billingTable, documents) : noBillingPort,
    files: new S3ExportFiles(config[ExportsEnv.bucketName], s3Client()),
    clock: systemClock,
    progress: (update) => logger.info(update.phase === 'done' ? 'export written' : 'export progress', { ...update }),
    settings: {
      urlTtlSeconds: config[ExportsEnv.urlTtlSeconds],
      maxPeriodDays: config[ExportsEnv.maxPeriodDays],
      dailyCatchUpDays: config[ExportsEnv.dailyCatchUpDays],
      dailyDelaySeconds: config[ExportsEnv.dailyDelaySeconds],
      progressEveryRows: config[ExportsEnv.progressEveryRows],
    },
  };
};
