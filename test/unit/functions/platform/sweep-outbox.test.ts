import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tables, topology } from '#infra/topology.ts';
import { lambdaContext } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('#functions/platform/sweep-outbox.ts'))['handler'];

beforeAll(async () => {
  const tableEnv = Object.fromEntries(topology.outboxTables.map((name) => [tables[name].envVar, `gpuhive-test-${name}`]));
  ({ handler } = await importHandlerWith(() => import('#functions/platform/sweep-outbox.ts'), tableEnv));
});

resetEachTest(dynamo, bus);

beforeEach(() => {
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

/** The newest `createdAt` each outbox's pending query takes, as epoch milliseconds. */
const pendingCutoffs = (): number[] =>
  dynamo
    .commandCalls(QueryCommand)
    .map((call) => call.args[0].input.ExpressionAttributeValues ?? {})
    .filter((values) => values[':bucket'] === 'pending')
    .map((values) => Date.parse(String(values[':before'])));

describe('sweep-outbox', () => {
  it('on its schedule, leaves events pending for less than 30 s to the producer still publishing them', async () => {
    const before = Date.now();
    await handler({}, lambdaContext('sweep-outbox'));
    const after = Date.now();

    const cutoffs = pendingCutoffs();
    expect(cutoffs).toHaveLength(topology.outboxTables.length);
    for (const cutoff of cutoffs) {
      expect(cutoff).toBeGreaterThanOrEqual(before - 30_000);
      expect(cutoff).toBeLessThanOrEqual(after - 30_000);
    }
  });

  it('at a local restart (grace 0), sends every pending event, however recent, with those sent since the given time', async () => {
    const before = Date.now();
    await handler({ republishSentSince: new Date(before - 60_000).toISOString(), pendingGraceSeconds: 0 }, lambdaContext('sweep-outbox'));
    const after = Date.now();

    const cutoffs = pendingCutoffs();
    expect(cutoffs).toHaveLength(topology.outboxTables.length);
    for (const cutoff of cutoffs) {
      expect(cutoff).toBeGreaterThanOrEqual(before);
      expect(cutoff).toBeLessThanOrEqual(after);
    }
    const sentBuckets = dynamo.commandCalls(QueryCommand).filter((call) => String(call.args[0].input.ExpressionAttributeValues?.[':bucket']).startsWith('sent#'));
    expect(sentBuckets.length).toBeGreaterThanOrEqual(topology.outboxTables.length);
  });
});
