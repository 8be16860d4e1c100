import { documentClient, eventBridgeClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { BillingEnv, billingConfig } from '../config.ts';
import type { BillingDeps } from '../use-cases/deps.ts';
import { DynamoChargeStore } from './dynamo-charge-store.ts';
import { DynamoBalanceStore } from './dynamo-balance-store.ts';
import { DynamoHoldStore } from './dynamo-hold-store.ts';
import { DynamoLedgerStore } from './dynamo-ledger-store.ts';
import { DynamoLowRunwayStore } from './dynamo-low-runway-store.ts';
import { DynamoPayoutStore } from './dynamo-payout-store.ts';

export const logger = createLogger('billing');

/** The billing context's wiring: built once per Lambda container, at module scope. */
export const makeBillingDeps = (): BillingDeps => {
  const config = billingConfig();
  const tableName = config[tables.billing.envVar];
  const documents = documentClient();
  const outbox = new Outbox({ tableName, busName: config.EVENT_BUS_NAME, documents, eventBridge: eventBridgeClient(), logger, now: () => systemClock.now() });
  return {
    ledger: new DynamoLedgerStore(tableName, documents),
    balances: new DynamoBalanceStore(tableName, documents),
    holds: new DynamoHoldStore(tableName, documents, outbox),
    charges: new DynamoChargeStore(tableName, documents, outbox),
    clock: systemClock,
    platformFeeBps: config[BillingEnv.platformFeeBps],
    lowRunway: new DynamoLowRunwayStore(tableName, documents, outbox),
    holdSettings: {
      coverSeconds: config[BillingEnv.holdCoverSeconds],
      minCoverSeconds: config[BillingEnv.holdMinCoverSeconds],
      lowRunwaySeconds: config[BillingEnv.lowRunwaySeconds],
    },
    payouts: new DynamoPayoutStore(tableName, documents, outbox),
    settlementDelaySeconds: config[BillingEnv.payoutSettlementDelaySeconds],
  };
};
