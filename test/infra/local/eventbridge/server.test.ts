/**
 * Integration: the real EventBridgeClient against the local EventBridge, delivering to
 * real local SQS queues (fauxqs on loopback). No mocks.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventBridge, type RunningEventBridge } from '#infra/local/eventbridge/server.ts';

const region = 'us-east-1';
const accountId = '000000000000';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let fauxqs: ReturnType<typeof buildApp>;
let eventBridge: RunningEventBridge;
let sqs: SQSClient;
let events: EventBridgeClient;

beforeAll(async () => {
  fauxqs = buildApp({ logger: false });
  await fauxqs.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fauxqs.server.address() as AddressInfo;
  sqs = new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region, credentials });
  eventBridge = await startEventBridge({ sqs, region, accountId });
  events = new EventBridgeClient({ endpoint: eventBridge.endpoint, region, credentials });
});

afterAll(async () => {
  events.destroy();
  sqs.destroy();
  await eventBridge.stop();
  await fauxqs.close();
});

// ---- factories: unique names keep the tests independent of each other ----

let sequence = 0;
const uniqueName = (prefix: string): string => `${prefix}-${++sequence}`;

const createQueue = async (): Promise<{ url: string; arn: string }> => {
  const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('queue') }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.QueueArn ?? '' };
};

const createBus = async (): Promise<string> => {
  const name = uniqueName('bus');
  await events.send(new CreateEventBusCommand({ Name: name }));
  return name;
};

const routeToQueue = async (options: {
  busName?: string;
  pattern: object;
  queueArn: string;
  state?: 'ENABLED' | 'DISABLED';
}): Promise<string> => {
  const ruleName = uniqueName('rule');
  await events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: options.busName,
      EventPattern: JSON.stringify(options.pattern),
      State: options.state ?? 'ENABLED',
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: options.busName,
      Targets: [{ Id: 'queue', Arn: options.queueArn }],
    }),
  );
  return ruleName;
};

const jobEntry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'gpuhive.matching',
  DetailType: 'job.submitted',
  Detail: JSON.stringify({ version: 1, jobId: 'job-1', gpu: 'H100' }),
  ...overrides,
});

const queueDepth = async (queueUrl: string): Promise<number> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
};

const receiveBodies = async (queueUrl: string): Promise<unknown[]> => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.map((message) => JSON.parse(message.Body ?? 'null'));
};

describe('local EventBridge', () => {
  describe('PutEvents', () => {
    it('delivers exactly the matching event to the rule target as the full AWS envelope', async () => {
      const queue = await createQueue();
      const busName = await createBus();
      const pattern = { source: ['gpuhive.matching'], 'detail-type': ['job.submitted'] };
      await routeToQueue({ busName, queueArn: queue.arn, pattern });

      const response = await events.send(
        new PutEventsCommand({
          Entries: [
            jobEntry({ EventBusName: busName, DetailType: 'job.cancelled' }),
            jobEntry({
              EventBusName: busName,
              Time: new Date('2026-01-02T03:04:05.678Z'),
              Resources: ['arn:aws:gpuhive:us-east-1:000000000000:job/job-1'],
            }),
          ],
        }),
      );

      expect(response.FailedEntryCount).toBe(0);
      // PutEvents answers after SQS accepted the deliveries, so the queue holds them already.
      expect(await queueDepth(queue.url)).toBe(1);
      expect(await receiveBodies(queue.url)).toEqual([
        {
          version: '0',
          id: response.Entries?.[1]?.EventId,
          'detail-type': 'job.submitted',
          source: 'gpuhive.matching',
          account: accountId,
          time: '2026-01-02T03:04:05Z',
          region,
          resources: ['arn:aws:gpuhive:us-east-1:000000000000:job/job-1'],
          detail: { version: 1, jobId: 'job-1', gpu: 'H100' },
        },
      ]);
    });

    it('routes events without EventBusName through the default bus', async () => {
      const queue = await createQueue();
      const source = uniqueName('gpuhive.default-bus');
      await routeToQueue({ queueArn: queue.arn, pattern: { source: [source] } });

      const response = await events.send(new PutEventsCommand({ Entries: [jobEntry({ Source: source })] }));

      expect(response.FailedEntryCount).toBe(0);
      expect(await queueDepth(queue.url)).toBe(1);
    });

    it('does not deliver to a disabled rule', async () => {
      const queue = await createQueue();
      const busName = await createBus();
      const pattern = { source: ['gpuhive.matching'] };
      await routeToQueue({ busName, queueArn: queue.arn, pattern, state: 'DISABLED' });

      const response = await events.send(new PutEventsCommand({ Entries: [jobEntry({ EventBusName: busName })] }));

      expect(response.FailedEntryCount).toBe(0);
      expect(await queueDepth(queue.url)).toBe(0);
    });

    it('reports a malformed Detail on its own entry and publishes the others', async () => {
      const queue = await createQueue();
      const busName = await createBus();
      await routeToQueue({ busName, queueArn: queue.arn, pattern: { source: ['gpuhive.matching'] } });

      const response = await events.send(
        new PutEventsCommand({
          Entries: [jobEntry({ EventBusName: busName, Detail: '{not json' }), jobEntry({ EventBusName: busName })],
        }),
      );

      expect(response.FailedEntryCount).toBe(1);
      expect(response.Entries?.[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
      expect(response.Entries?.[1]?.EventId).toEqual(expect.any(String));
      expect(await queueDepth(queue.url)).toBe(1);
    });

    it('reports InternalFailure for an entry whose target queue does not exist', async () => {
      const busName = await createBus();
      const missingQueueArn = `arn:aws:sqs:${region}:${accountId}:no-such-queue`;
      await routeToQueue({ busName, queueArn: missingQueueArn, pattern: { source: ['gpuhive.matching'] } });

      const response = await events.send(new PutEventsCommand({ Entries: [jobEntry({ EventBusName: busName })] }));

      expect(response.FailedEntryCount).toBe(1);
      expect(response.Entries?.[0]?.ErrorCode).toBe('InternalFailure');
    });

    it('reports an entry sent to a bus that does not exist', async () => {
      const entry = jobEntry({ EventBusName: 'no-such-bus' });

      const response = await events.send(new PutEventsCommand({ Entries: [entry] }));

      expect(response.FailedEntryCount).toBe(1);
      expect(response.Entries?.[0]?.ErrorCode).toBe('ResourceNotFoundException');
    });

    it('delivers the ten events of one PutEvents to a FIFO target in one SendMessageBatch, in the order sent', async () => {
      const commands: string[] = [];
      const counted = new SQSClient({ endpoint: await sqs.config.endpoint?.().then((url) => `${url.protocol}//${url.hostname}:${url.port}`), region, credentials });
      counted.middlewareStack.add((next, context) => (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      }, { step: 'initialize' });
      const ownBus = await startEventBridge({ sqs: counted, region, accountId });
      const ownEvents = new EventBridgeClient({ endpoint: ownBus.endpoint, region, credentials });
      try {
        const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${uniqueName('queue')}.fifo`, Attributes: { FifoQueue: 'true' } }));
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
        await ownEvents.send(new PutRuleCommand({ Name: 'to-fifo', EventPattern: JSON.stringify({ source: ['gpuhive.matching'] }) }));
        await ownEvents.send(new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn ?? '', SqsParameters: { MessageGroupId: 'pool' } }] }));
        const jobIds = Array.from({ length: 10 }, (_, n) => `job-${n}`);

        const response = await ownEvents.send(new PutEventsCommand({ Entries: jobIds.map((jobId) => jobEntry({ Detail: JSON.stringify({ version: 1, jobId }) })) }));

        expect(response.FailedEntryCount).toBe(0);
        expect(commands.filter((name) => name.startsWith('SendMessage'))).toEqual(['SendMessageBatchCommand']);
        // A FIFO group hands out its next message once the one before is deleted.
        const received: string[] = [];
        for (let attempt = 0; attempt < 20 && received.length < jobIds.length; attempt += 1) {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
          for (const message of Messages) {
            received.push((JSON.parse(message.Body ?? '{}') as { detail: { jobId: string } }).detail.jobId);
            await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
          }
        }
        expect(received).toEqual(jobIds);
      } finally {
        ownEvents.destroy();
        counted.destroy();
        await ownBus.stop();
      }
    });

    it('rejects a request with 11 entries with ValidationException', async () => {
      const entries = Array.from({ length: 11 }, () => jobEntry());

      const send = events.send(new PutEventsCommand({ Entries: entries }));

      await expect(send).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('Member must have length less than or equal to 10'),
      });
    });
  });

  describe('PutRule', () => {
    it('rejects an invalid pattern with InvalidEventPatternException', async () => {
      const leafNotAnArray = JSON.stringify({ source: 'gpuhive.matching' });
      const command = new PutRuleCommand({ Name: uniqueName('rule'), EventPattern: leafNotAnArray });

      const send = events.send(command);

      await expect(send).rejects.toMatchObject({
        name: 'InvalidEventPatternException',
        message: expect.stringContaining('Event pattern is not valid.'),
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('rejects a pattern that is not JSON with InvalidEventPatternException', async () => {
      const command = new PutRuleCommand({ Name: uniqueName('rule'), EventPattern: '{"source": [' });

      const send = events.send(command);

      await expect(send).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    });
  });

  describe('TestEventPattern', () => {
    const testEvent = (source: string): string =>
      JSON.stringify({
        id: 'e1',
        account: accountId,
        source,
        time: '2026-01-02T03:04:05Z',
        region,
        resources: [],
        'detail-type': 'job.submitted',
        detail: { gpu: 'H100' },
      });
    const pattern = JSON.stringify({ source: [{ prefix: 'gpuhive.' }], detail: { gpu: ['H100'] } });

    it('answers true for a matching event and false for another', async () => {
      const matching = new TestEventPatternCommand({ EventPattern: pattern, Event: testEvent('gpuhive.matching') });
      const other = new TestEventPatternCommand({ EventPattern: pattern, Event: testEvent('acme.billing') });

      const results = await Promise.all([events.send(matching), events.send(other)]);

      expect(results.map((result) => result.Result)).toEqual([true, false]);
    });

    it('rejects an event without the required envelope fields', async () => {
      const bareEvent = JSON.stringify({ source: 'gpuhive.matching' });
      const command = new TestEventPatternCommand({ EventPattern: pattern, Event: bareEvent });

      const send = events.send(command);

      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('buses, rules and targets', () => {
    it('lists the default bus beside created ones and describes them', async () => {
      const busName = await createBus();

      const listed = await events.send(new ListEventBusesCommand({}));
      const described = await events.send(new DescribeEventBusCommand({ Name: busName }));

      expect(listed.EventBuses?.map((bus) => bus.Name)).toEqual(expect.arrayContaining(['default', busName]));
      expect(described).toMatchObject({
        Name: busName,
        Arn: `arn:aws:events:${region}:${accountId}:event-bus/${busName}`,
      });
      expect(described.CreationTime).toBeInstanceOf(Date);
    });

    it('rejects creating a bus that exists with ResourceAlreadyExistsException', async () => {
      const busName = await createBus();

      const send = events.send(new CreateEventBusCommand({ Name: busName }));

      await expect(send).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    });

    it('describes and lists rules of a bus by name prefix', async () => {
      const queue = await createQueue();
      const busName = await createBus();
      const pattern = { source: ['gpuhive.matching'] };
      const ruleName = await routeToQueue({ busName, queueArn: queue.arn, pattern });

      const described = await events.send(new DescribeRuleCommand({ Name: ruleName, EventBusName: busName }));
      const listed = await events.send(new ListRulesCommand({ EventBusName: busName, NamePrefix: 'rule-' }));
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName }));

      expect(described).toMatchObject({
        Name: ruleName,
        Arn: `arn:aws:events:${region}:${accountId}:rule/${busName}/${ruleName}`,
        EventPattern: JSON.stringify(pattern),
        State: 'ENABLED',
        EventBusName: busName,
      });
      expect(listed.Rules?.map((rule) => rule.Name)).toEqual([ruleName]);
      expect(targets.Targets).toEqual([{ Id: 'queue', Arn: queue.arn }]);
    });

    it('deletes a rule only after its targets were removed', async () => {
      const queue = await createQueue();
      const busName = await createBus();
      const ruleName = await routeToQueue({ busName, queueArn: queue.arn, pattern: { source: ['gpuhive.matching'] } });

      const refused = events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName }));
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException' });
      await events.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ['queue'] }));
      await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName }));
      const described = events.send(new DescribeRuleCommand({ Name: ruleName, EventBusName: busName }));

      await expect(described).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('deletes a bus, and refuses to delete the default bus', async () => {
      const busName = await createBus();

      await events.send(new DeleteEventBusCommand({ Name: busName }));
      const described = events.send(new DescribeEventBusCommand({ Name: busName }));
      const deleteDefault = events.send(new DeleteEventBusCommand({ Name: 'default' }));

      await expect(described).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(deleteDefault).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('refuses a target that is not an SQS queue', async () => {
      const ruleName = uniqueName('rule');
      await events.send(new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify({ source: ['x'] }) }));

      const send = events.send(
        new PutTargetsCommand({
          Rule: ruleName,
          Targets: [{ Id: 'fn', Arn: `arn:aws:lambda:${region}:${accountId}:function:handler` }],
        }),
      );

      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('protocol', () => {
    it('answers an unknown operation with an AWS-style JSON error', async () => {
      const request = {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.FrobnicateBus' },
        body: '{}',
      };

      const response = await fetch(eventBridge.endpoint, request);

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(await response.json()).toEqual({
        __type: 'UnknownOperationException',
        message: expect.stringContaining('AWSEvents.FrobnicateBus'),
      });
    });

    it('answers a body that is not JSON with SerializationException', async () => {
      const request = {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListEventBuses' },
        body: '{',
      };

      const response = await fetch(eventBridge.endpoint, request);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
    });
  });
});
