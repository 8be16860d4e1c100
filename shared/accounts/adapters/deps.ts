import { documentClient, eventBridgeClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { accountsConfig } from '../config.ts';
import type { AccountsDeps } from '../use-cases/manage-accounts.ts';
import { DynamoAccountStore } from './dynamo-account-store.ts';

export const logger = createLogger('accounts');

/** The accounts context's wiring: built once per Lambda container, at module scope. */
export const makeAccountsDeps = (): AccountsDeps => {
  const config = accountsConfig();
  const tableName = config[tables.accounts.envVar];
  const documents = documentClient();
  const outbox = new Outbox({
    tableName,
    busName: config.EVENT_BUS_NAME,
    documents,
    eventBridge: eventBridgeClient(),
    logger,
    now: () => systemClock.now(),
  });
  return { store: new DynamoAccountStore(tableName, documents, outbox), clock: systemClock };
};
