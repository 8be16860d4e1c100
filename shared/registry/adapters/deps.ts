import { documentClient, eventBridgeClient, sqsClient, stsClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { Outbox } from '#platform/outbox.ts';
import { tables } from '#infra/topology.ts';
import { RegistryEnv, registryConfig, verificationSettingsOf } from '../config.ts';
import type { LiveAssignments } from '../ports.ts';
import type { RegistryDeps } from '../use-cases/deps.ts';
import { DynamoHostStore } from './dynamo-host-store.ts';
import { MatchingLiveAssignments } from './live-assignments.ts';
import { LocalQueueCredentialsVendor, StsQueueCredentialsVendor } from './queue-credentials.ts';
import { SqsHostQueues } from './sqs-host-queues.ts';

export const logger = createLogger('registry');

/** Functions that never ask about live work are not granted matching's table. */
const noLiveAssignmentAccess: LiveAssignments = {
  liveOn: async () => {
    throw new Error('This function has no read access to live assignments');
  },
};

const regionOf = async (): Promise<string> => {
  const region = sqsClient().config.region;
  return typeof region === 'function' ? region() : region;
};

/** The registry context's wiring: built once per Lambda container, at module scope. */
export const makeRegistryDeps = async (): Promise<RegistryDeps> => {
  const config = registryConfig();
  const tableName = config[tables.registry.envVar];
  const matchingTable = config[tables.matching.envVar];
  const documents = documentClient();
  const outbox = new Outbox({ tableName, busName: config.EVENT_BUS_NAME, documents, eventBridge: eventBridgeClient(), logger, now: () => systemClock.now() });
  const region = await regionOf();
  const roleArn = config[RegistryEnv.agentQueueRoleArn];
  const localSqsEndpoint = process.env.AWS_ENDPOINT_URL_SQS;
  if (!roleArn && !localSqsEndpoint) throw new Error(`Invalid configuration: ${RegistryEnv.agentQueueRoleArn} is required on AWS`);
  return {
    store: new DynamoHostStore(tableName, documents, outbox),
    queues: new SqsHostQueues(sqsClient(), config[RegistryEnv.hostQueuePrefix]),
    credentials: roleArn
      ? new StsQueueCredentialsVendor(stsClient(), roleArn, region)
      : new LocalQueueCredentialsVendor(config[RegistryEnv.agentSqsEndpoint] ?? localSqsEndpoint ?? '', region, systemClock),
    liveAssignments: matchingTable ? new MatchingLiveAssignments(matchingTable, documents) : noLiveAssignmentAccess,
    clock: systemClock,
    settings: {
      heartbeatIntervalSeconds: config[RegistryEnv.heartbeatIntervalSeconds],
      unreachableAfterSeconds: config[RegistryEnv.unreachableAfterSeconds],
      offlineAfterSeconds: config[RegistryEnv.offlineAfterSeconds],
      registrationTokenTtlSeconds: config[RegistryEnv.registrationTokenTtlSeconds],
      maintenanceNoticeSeconds: config[RegistryEnv.maintenanceNoticeSeconds],
      verification: verificationSettingsOf(config),
    },
  };
};
