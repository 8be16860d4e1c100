import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternFor } from '#events/define.ts';
import { events } from '#events/index.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { startSchedules } from '#infra/local/schedules.ts';
import { busName, resourceName, routeKey, topology, type Topology } from '#infra/topology.ts';
import { apiClient, eventually, localDynamoDb, localSqs, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { runs } from '#test/fixtures/recording-schedule.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const withQueues: Topology = {
  ...topology,
  queues: [{ name: 'parity', entry: 'test/fixtures/recording-consumer.ts', context: 'platform', batchSize: 5, maxReceiveCount: 3, visibilityTimeoutSeconds: 30 }],
  rules: [{ name: 'parity-hosts', pattern: patternFor(events.hostRegistered, events.hostUpdated), queue: 'parity' }],
};

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ topology: withQueues });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const concretePath = (path: string) => path.replace(/\{\w+\}/g, 'x_1');

describe('the local runtime is built from the topology', () => {
  it.each(topology.routes.map((route) => [routeKey(route), route] as const))('serves %s with its own handler', async (_key, route) => {
    const response = await api.call(route.method, concretePath(route.path), { key: runtime.adminKey, body: {} });

    // Neither the $default route nor a handler module that fails to load (a 500).
    expect(response.body?.error?.message ?? '').not.toMatch(/^No route/);
    expect(response.status).toBeLessThan(500);
  });

  it('answers an unknown route through $default with the API 404', async () => {
    const response = await api.call('GET', '/v1/no-such-thing', { key: runtime.adminKey });

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'not_found', message: 'No route GET /v1/no-such-thing.' } });
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
  });

  it('answers an unknown method on a known path with 405 and the methods it takes in Allow', async () => {
    const job = await api.call('DELETE', '/v1/jobs/job_1', { key: runtime.adminKey });
    const hosts = await api.call('PUT', '/v1/hosts', { key: runtime.adminKey });

    expect(job.status).toBe(405);
    expect(job.headers.get('allow')).toBe('GET');
    expect(job.body).toEqual({ error: { code: 'method_not_allowed', message: '/v1/jobs/job_1 does not take DELETE; it takes GET.' } });
    expect(hosts.status).toBe(405);
    expect(hosts.headers.get('allow')).toBe('GET');
  });

  it('answers a request without Authorization with a 401 in the API error shape', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/jobs`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('creates every table with its indexes', async () => {
    const dynamodb = localDynamoDb(runtime);

    for (const [name, table] of Object.entries(topology.tables)) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: runtime.tableNames[name] }));
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(table.indexes.map((index) => index.name).sort());
    }
  });

  it('creates every queue with a DLQ after maxReceiveCount receives', async () => {
    const { Attributes } = await localSqs(runtime).send(
      new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls.parity, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }),
    );

    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 3, deadLetterTargetArn: expect.stringMatching(/parity-dlq$/) });
    expect(Attributes?.VisibilityTimeout).toBe('30');
  });

  it('creates every rule on the bus with its pattern and its queue as target', async () => {
    const client = new EventBridgeClient({ endpoint: runtime.endpoints.eventBridge, region: 'us-east-1', credentials });
    const ruleName = resourceName(runtime.stage, 'parity-hosts');

    const { Rules = [] } = await client.send(new ListRulesCommand({ EventBusName: busName(runtime.stage) }));
    const { Targets = [] } = await client.send(new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName(runtime.stage) }));

    const rule = Rules.find((candidate) => candidate.Name === ruleName);
    expect(JSON.parse(rule?.EventPattern ?? '{}')).toEqual({ source: ['gpuhive.registry'], 'detail-type': ['host.registered', 'host.updated'] });
    expect(Targets.map((target) => target.Arn)).toEqual([expect.stringMatching(new RegExp(`:${resourceName(runtime.stage, 'parity')}$`))]);
  });

  it('runs every schedule on its timer with a Scheduled Event', async () => {
    const schedules = startSchedules({
      root: process.cwd(),
      schedules: [
        { name: 'first', entry: 'test/fixtures/recording-schedule.ts', context: 'platform', everySeconds: 60 },
        { name: 'second', entry: 'test/fixtures/recording-schedule.ts', context: 'platform', everySeconds: 60 },
      ],
      everySeconds: 0.2,
      log: () => undefined,
    });

    await eventually(async () => expect(runs).toEqual(expect.arrayContaining(['Scheduled Event:schedule/first', 'Scheduled Event:schedule/second'])));
    await schedules.stop();
  });
});
