import { documentClient, eventBridgeClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { MeteringEnv, meteringConfig } from '../config.ts';
import type { MeteringDeps } from '../use-cases/deps.ts';
import { DynamoLeaseStore } from './dynamo-lease-store.ts';
import { DynamoUsageReads } from './dynamo-usage-reads.ts';
import { DynamoUsageStore } from './dynamo-usage-store.ts';

export const logger = createLogger('metering');

/** The metering context's wiring: built once per Lambda container, at module scope. */
export const makeMeteringDeps = (): MeteringDeps => {
  const config = meteringConfig();
  const tableName = config[tables.metering.envVar];
  const documents = documentClient();
  const now = () => systemClock.now();
  const outbox = new Outbox({ tableName, busName: config.EVENT_BUS_NAME, documents, eventBridge: eventBridgeClient(), logger, now });
  return {
    leases: new DynamoLeaseStore(tableName, documents, now),
    usage: new DynamoUsageStore(tableName, documents, outbox),
    reads: new DynamoUsageReads(tableName, documents),
    clock: systemClock,
    settings: { clockSkewSeconds: config[MeteringEnv.clockSkewSeconds], pendingMaxSeconds: config[MeteringEnv.pendingMaxSeconds] },
  };
};
