import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '#infra/local/runtime.ts';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { busName, resourceName, topology } from '#infra/topology.ts';
import { copyTemplate, dropTables } from './dynamodb-template.ts';
import { tracked } from './live-things.ts';
import { keptLog } from './runtime-log.ts';

// The API helpers live where a test that only calls a runtime's API imports them without the runtime and the SDK.
export { apiClient, eventually, newAccount, onboardHost, sampleHostFacts, sentUntilNotBusy, untilNotBusy, type ApiClient, type ApiResponse } from './api.ts';

/**
 * A whole local backend in this test process, in memory unless a data dir is given, quiet:
 * what it logs is printed only under a test that fails (runtime-log.ts).
 * In memory, it uses the run's one DynamoDB Local and one fauxqs (test/support/global-setup.ts)
 * under an access key and a stage of its own, rather than starting Java and SQS for every file,
 * and starts on a copy of the run's template tables rather than creating them.
 */
export const startTestRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const inMemory = options.dataDir === undefined;
  const shared = inMemory && process.env.VITEST;
  if (!shared) return tracked('a runtime', await startLocalRuntime({ inMemory, log: keptLog('runtime'), port: 0, ...options }));
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const accessKeyId = `test${id}`;
  const template = inject('dynamoDbTemplate');
  // A topology of other tables than the template's gets them created as before.
  const copied = options.topology === undefined || options.topology.tables === topology.tables;
  const endpoint = inject('sharedDynamoDb');
  // Tables the runtime creates itself are dropped too: DynamoDB Local would poll them for the rest of the run.
  const removeCopy = copied ? await copyTemplate(template, endpoint, accessKeyId) : () => dropTables(endpoint, accessKeyId);
  try {
    const runtime = await startLocalRuntime({
      inMemory, log: keptLog(`runtime t${id}`), port: 0,
      dynamodb: { endpoint, accessKeyId, ...(copied ? { tablesStage: template.tablesStage } : {}) },
      sqsS3: { endpoint: inject('sharedSqsS3') },
      stage: `t${id}`,
      ...options,
    });
    return tracked(`runtime ${runtime.stage}`, { ...runtime, stop: async () => { await runtime.stop(); await removeCopy(); } });
  } catch (error) {
    await removeCopy();
    throw error;
  }
};

/**
 * `scheduleSeconds` that runs every once-a-minute schedule (the sweeps, the hold renewals)
 * this often and leaves the others (payouts, daily exports, the pending-usage sweep) at
 * their own period, where `scheduleEverySeconds` would run a weekly payout every second.
 */
export const minuteSchedulesEvery = (seconds: number): Record<string, number> =>
  Object.fromEntries(topology.schedules.filter((schedule) => schedule.everySeconds === 60).map((schedule) => [schedule.name, seconds]));

/**
 * `scheduleSeconds` that runs only the named schedules this often, for a test that waits on those
 * alone: each run of a sweep is requests to the shared DynamoDB Local, which the others would
 * make for nothing. The others keep their own period.
 */
export const schedulesEvery = (seconds: number, names: readonly string[]): Record<string, number> => {
  const unknown = names.filter((name) => !topology.schedules.some((schedule) => schedule.name === name));
  if (unknown.length > 0) throw new Error(`no such schedule in the topology: ${unknown.join(', ')}`);
  return Object.fromEntries(names.map((name) => [name, seconds]));
};

/** A DynamoDB client that sees the runtime's tables (its stand-in keeps a database per access key). */
export const localDynamoDb = (runtime: LocalRuntime) =>
  new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region: 'us-east-1', credentials: runtime.credentials });

/**
 * Resolves once the wall clock has passed `atMs`: for a test that reports usage up to that
 * time, which the platform refuses while it is still to come. A condition on the clock, not
 * a guess at how long an effect takes.
 */
export const clockPast = (atMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const localSqs = (runtime: LocalRuntime) =>
  new SQSClient({ endpoint: runtime.endpoints.sqs, region: 'us-east-1', credentials: localCredentials, useQueueUrlAsEndpoint: false });

export interface CapturedEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, any>;
}

/**
 * Listens on the bus as a consumer would: a rule for `detailTypes` delivering to a fresh
 * queue; `next()` drains what arrived since the last call.
 */
export const captureEvents = async (runtime: LocalRuntime, detailTypes: readonly string[]) => {
  const sqs = localSqs(runtime);
  const events = new EventBridgeClient({ endpoint: runtime.endpoints.eventBridge, region: 'us-east-1', credentials: localCredentials });
  // Under the runtime's stage, so a shared fauxqs drops the queue with the runtime's own.
  const name = resourceName(runtime.stage, `capture-${randomUUID().slice(0, 8)}`);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: name, EventBusName: busName(runtime.stage), EventPattern: JSON.stringify({ 'detail-type': [...detailTypes] }) }));
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName(runtime.stage), Targets: [{ Id: 'capture', Arn: Attributes?.QueueArn ?? '' }] }));
  return {
    async next(): Promise<CapturedEvent[]> {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      return Messages.map((message) => JSON.parse(message.Body ?? '{}') as CapturedEvent);
    },
  };
};
