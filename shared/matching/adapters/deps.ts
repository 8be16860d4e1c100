import { documentClient, eventBridgeClient, sqsClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { MeteringEnv } from '#metering/config.ts';
import { RegistryEnv } from '#registry/config.ts';
import { MatchingEnv, matchingConfig } from '../config.ts';
import { CandidateCache } from '../use-cases/candidate-cache.ts';
import type { MatchingDeps } from '../use-cases/deps.ts';
import { reconcileService } from '../use-cases/reconcile-service.ts';
import { DynamoServiceStore } from './dynamo-service-store.ts';
import type { BalanceReader, JobCostWriter } from '../ports.ts';
import { DynamoBalanceReader } from './dynamo-balance-reader.ts';
import { DynamoSshKeyReader } from './dynamo-ssh-key-reader.ts';
import { CoalescedJobCostWriter } from './coalesced-job-cost-writer.ts';
import { DynamoJobCostWriter } from './dynamo-job-cost-writer.ts';
import { DynamoCapacityStore } from './dynamo-capacity-store.ts';
import { DynamoJobStore } from './dynamo-matching-store.ts';
import { SqsHostMessenger } from './sqs-host-messenger.ts';
import { SqsPoolNudger } from './sqs-pool-nudger.ts';

export const logger = createLogger('matching');

/** Functions that never check balances are not granted billing's table. */
const noBalanceAccess: BalanceReader = {
  available: async () => {
    throw new Error('This function has no read access to balances');
  },
};

/** What the cost consumer needs: only the job's cost, written in place, once per job per batch. */
export const makeJobCostWriter = (): JobCostWriter => new CoalescedJobCostWriter(new DynamoJobCostWriter(matchingConfig()[tables.matching.envVar], documentClient()));

/** The matching context's wiring: built once per Lambda container, at module scope. */
export const makeMatchingDeps = (): MatchingDeps => {
  const config = matchingConfig();
  const tableName = config[tables.matching.envVar];
  const billingTable = config[tables.billing.envVar];
  const accountsTable = config[tables.accounts.envVar];
  const poolsQueueUrl = config[MatchingEnv.poolsQueueUrl];
  const documents = documentClient();
  const outbox = new Outbox({ tableName, busName: config.EVENT_BUS_NAME, documents, eventBridge: eventBridgeClient(), logger, now: () => systemClock.now() });
  const now = () => systemClock.now();
  const capacity = new DynamoCapacityStore(tableName, documents, now);
  const deps: MatchingDeps = {
    jobs: new DynamoJobStore(tableName, documents, outbox, now),
    capacity,
    candidates: new CandidateCache(capacity, systemClock, config[MatchingEnv.capacityCacheSeconds]),
    messenger: new SqsHostMessenger(sqsClient(), config[RegistryEnv.hostQueuePrefix], logger),
    ...(poolsQueueUrl ? { pools: new SqsPoolNudger(poolsQueueUrl, sqsClient(), logger) } : {}),
    balances: billingTable ? new DynamoBalanceReader(billingTable, documents) : noBalanceAccess,
    ...(accountsTable ? { sshKeys: new DynamoSshKeyReader(accountsTable, documents) } : {}),
    clock: systemClock,
    settings: {
      queueTimeoutSeconds: config[MatchingEnv.queueTimeoutSeconds],
      acceptTimeoutSeconds: config[MatchingEnv.acceptTimeoutSeconds],
      stopGraceSeconds: config[MatchingEnv.stopGraceSeconds],
      resendAfterSeconds: config[MatchingEnv.resendAfterSeconds],
      maxNotAccepted: config[MatchingEnv.maxNotAccepted],
      clockSkewSeconds: config[MeteringEnv.clockSkewSeconds],
      avoidFailedHostSeconds: config[MatchingEnv.avoidFailedHostSeconds],
      requireVerifiedByDefault: config[MatchingEnv.requireVerifiedHosts],
      preemption: { graceSeconds: config[MatchingEnv.preemptionGraceSeconds], minRunSeconds: config[MatchingEnv.preemptMinRunSeconds] },
    },
    services: new DynamoServiceStore(tableName, documents, outbox),
    // A replica's change reconciles its service; a failure is the minute sweep's to repair, not the caller's.
    onReplicaChanged: async (job) => {
      if (!job.spec.service) return;
      await reconcileService(job.spec.service.serviceId, deps, job).catch((error: unknown) =>
        logger.warn('service reconciliation failed; the sweep will retry', { serviceId: job.spec.service?.serviceId, error: String(error) }),
      );
    },
  };
  return deps;
};

