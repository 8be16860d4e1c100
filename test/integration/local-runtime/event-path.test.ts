import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternFor } from '#events/define.ts';
import { event as accountCreated } from '#events/accounts/account-created.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { topology, type Topology } from '#infra/topology.ts';
import { apiClient, eventually, localSqs, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { consumed } from '#test/fixtures/recording-consumer.ts';

/** The real topology plus one consumer, so the rule -> queue -> poller -> consumer path runs. */
const withConsumer: Topology = {
  ...topology,
  queues: [
    { name: 'fixture-accounts', entry: 'test/fixtures/recording-consumer.ts', context: 'platform', batchSize: 10, maxReceiveCount: 2, visibilityTimeoutSeconds: 1 },
  ],
  rules: [{ name: 'fixture-accounts', pattern: patternFor(accountCreated), queue: 'fixture-accounts' }],
};

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ topology: withConsumer });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const createAccount = (name: string) => api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name } });

describe('the event path on the local runtime', () => {
  it('carries an event from the outbox through its rule and queue to the consumer, once', async () => {
    await createAccount('delivered-once');

    await eventually(async () => expect(consumed).toContain('delivered-once'));
    expect(consumed.filter((name) => name === 'delivered-once')).toHaveLength(1);
  });

  it('retries a failing record alone and moves it to the DLQ after maxReceiveCount receives', async () => {
    await createAccount('poison-pill');
    await createAccount('healthy-neighbour');

    await eventually(async () => expect(consumed).toContain('healthy-neighbour'));
    const dlqUrl = runtime.queueUrls['fixture-accounts-dlq'] ?? '';
    const dead = await eventually(async () => {
      const { Messages = [] } = await localSqs(runtime).send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
      expect(Messages).toHaveLength(1);
      return Messages;
    }, 20_000);
    expect(JSON.parse(dead[0]?.Body ?? '{}').detail.name).toBe('poison-pill');
    expect(consumed).not.toContain('poison-pill');
  });
});
