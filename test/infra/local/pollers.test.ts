import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSqsAndS3, type LocalSqsS3 } from '#infra/local/fauxqs.ts';
import { startPoller, type Poller } from '#infra/local/pollers.ts';
import { callCounter } from '#platform/call-counter.ts';
import { traceQueueHops, type QueueHop } from '#infra/local/stage-trace.ts';
import { queueKnobProblem, type QueueDef } from '#infra/topology.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '#infra/constructs/sizing.ts';
import { eventually } from '#test/support/local-runtime.ts';
import { recorded, resetRecording } from '#test/fixtures/batch-recording-handler.ts';

let sqsS3: LocalSqsS3;
let sqs: SQSClient;
let poller: Poller | undefined;
let queueNumber = 0;

beforeAll(async () => {
  sqsS3 = await startSqsAndS3();
  sqs = new SQSClient({ endpoint: sqsS3.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  resetRecording();
});
afterAll(async () => {
  sqs?.destroy();
  await sqsS3?.stop();
});

const consumer = (knobs: Partial<QueueDef>): QueueDef => ({
  name: `poller-${(queueNumber += 1)}`,
  entry: 'test/fixtures/batch-recording-handler.ts',
  context: 'platform',
  batchSize: 10,
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 30,
  ...knobs,
});

const create = async (queue: QueueDef): Promise<string> => {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${queue.name}${queue.fifo ? '.fifo' : ''}`, Attributes: queue.fifo ? { FifoQueue: 'true' } : {} }),
  );
  return QueueUrl ?? '';
};

const send = async (queueUrl: string, bodies: readonly { body: string; group?: string }[]): Promise<void> => {
  for (let start = 0; start < bodies.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(start, start + 10).map(({ body, group }, index) => ({
          Id: String(index),
          MessageBody: body,
          ...(group ? { MessageGroupId: group, MessageDeduplicationId: body } : {}),
        })),
      }),
    );
  }
};

const start = (queue: QueueDef, queueUrl: string): void => {
  poller = startPoller({ root: process.cwd(), queue, queueUrl, sqs, log: () => {} });
};

const allBodies = () => recorded.batches.flatMap((batch) => batch.bodies);

describe('the local SQS poller, with the knobs Lambda\'s event source takes', () => {
  it('gathers a batch above ten records within the batching window', async () => {
    const queue = consumer({ batchSize: 50, maxBatchingWindowSeconds: 2 });
    const url = await create(queue);
    await send(url, Array.from({ length: 50 }, (_, index) => ({ body: `m${index}` })));
    start(queue, url);

    await eventually(async () => expect(allBodies()).toHaveLength(50));
    expect(Math.max(...recorded.batches.map((batch) => batch.bodies.length))).toBeGreaterThan(10);
    expect(new Set(allBodies()).size).toBe(50);
  });

  it('gives each invocation the time the deployed function has: the consumers\' default, or the queue\'s own timeoutSeconds', async () => {
    const byDefault = consumer({});
    const own = consumer({ timeoutSeconds: 3 });
    const urls = [await create(byDefault), await create(own)];
    await send(urls[0]!, [{ body: 'default' }]);
    await send(urls[1]!, [{ body: 'own' }]);
    const pollers = [startPoller({ root: process.cwd(), queue: byDefault, queueUrl: urls[0]!, sqs, log: () => {} }), startPoller({ root: process.cwd(), queue: own, queueUrl: urls[1]!, sqs, log: () => {} })];
    try {
      await eventually(async () => expect(allBodies().sort()).toEqual(['default', 'own']));
    } finally {
      await Promise.all(pollers.map((one) => one.stop()));
    }
    const left = (body: string) => recorded.batches.find((batch) => batch.bodies.includes(body))!.remainingMs;

    // A local deadline shorter than the deployed one failed batches that would pass on AWS (10 s against 30 s).
    expect(left('default')).toBeGreaterThan((DEFAULT_TIMEOUT_SECONDS.consumer - 5) * 1000);
    expect(left('default')).toBeLessThanOrEqual(DEFAULT_TIMEOUT_SECONDS.consumer * 1000);
    expect(left('own')).toBeLessThanOrEqual(3000);
  });

  it('gathers a trickle within the window with fewer receives than messages', async () => {
    let receives = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand') receives += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countReceives' },
    );
    try {
      const queue = consumer({ batchSize: 100, maxBatchingWindowSeconds: 1 });
      const url = await create(queue);
      start(queue, url);
      // One message every 10 ms or so, as events arrive one by one from the bus.
      for (let index = 0; index < 60; index += 1) {
        await send(url, [{ body: `t${index}` }]);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      await eventually(async () => expect(allBodies()).toHaveLength(60));
      expect(new Set(allBodies()).size).toBe(60);
      expect(receives).toBeLessThan(30);
    } finally {
      sqs.middlewareStack.remove('countReceives');
    }
  });

  it('without a window hands over what one receive returns (at most ten)', async () => {
    const queue = consumer({ batchSize: 10 });
    const url = await create(queue);
    await send(url, Array.from({ length: 25 }, (_, index) => ({ body: `n${index}` })));
    start(queue, url);

    await eventually(async () => expect(allBodies()).toHaveLength(25));
    expect(Math.max(...recorded.batches.map((batch) => batch.bodies.length))).toBeLessThanOrEqual(10);
  });

  it('runs up to maxConcurrency invocations at once, and no more', async () => {
    const queue = consumer({ batchSize: 1, maxConcurrency: 3 });
    const url = await create(queue);
    await send(url, Array.from({ length: 12 }, (_, index) => ({ body: `c${index}` })));
    start(queue, url);

    await eventually(async () => expect(allBodies()).toHaveLength(12));
    expect(recorded.maxInFlight).toBeGreaterThan(1);
    expect(recorded.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('on a FIFO queue keeps each message group in order, one batch of a group at a time, groups in parallel', async () => {
    const queue = consumer({ fifo: true, batchSize: 2, maxConcurrency: 4 });
    const url = await create(queue);
    const groups = ['pool-a', 'pool-b', 'pool-c'];
    await send(url, Array.from({ length: 30 }, (_, index) => ({ body: `${groups[index % 3]}:${index}`, group: groups[index % 3] })));
    start(queue, url);

    await eventually(async () => expect(allBodies()).toHaveLength(30));
    for (const group of groups) {
      const seen = allBodies().filter((body) => body.startsWith(`${group}:`)).map((body) => Number(body.split(':')[1]));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    for (const batch of recorded.batches) for (const group of batch.groups) expect(groups).toContain(group);
    expect(recorded.groupOverlaps).toBe(0);
    expect(recorded.maxInFlight).toBeGreaterThan(1);
  });

  it('reports, when traced, each handled event\'s hop by its job, and has deleted every handled record once stopped', async () => {
    const queue = consumer({ batchSize: 10 });
    const url = await create(queue);
    const hops: QueueHop[] = [];
    const stopTracing = traceQueueHops((hop) => hops.push(hop));
    try {
      const event = (jobId: string) => JSON.stringify({ 'detail-type': 'job.submitted', detail: { jobId } });
      await send(url, [{ body: event('job-1') }, { body: event('job-2') }, { body: 'not an event' }, { body: 'fail: not an event either' }]);
      start(queue, url);
      await eventually(async () => expect(hops.map((hop) => hop.jobId).sort()).toEqual(['job-1', 'job-2']));
    } finally {
      stopTracing();
    }
    for (const hop of hops) {
      expect(hop).toMatchObject({ queue: queue.name, detailType: 'job.submitted' });
      expect(hop.sentAt).toBeLessThanOrEqual(hop.receivedAt);
      expect(hop.receivedAt).toBeLessThanOrEqual(hop.handledAt);
    }
    await poller?.stop();
    poller = undefined;
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    // Only the failed record is left, invisible until its visibility timeout.
    expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(1);
  });

  it('counts, when a cost measurement runs, each batch as an invocation of its consumer', async () => {
    const queue = consumer({ batchSize: 10 });
    const url = await create(queue);
    callCounter.start();
    try {
      await send(url, Array.from({ length: 3 }, (_, index) => ({ body: `c${index}` })));
      start(queue, url);
      // Counted once the handler has returned, a moment after it recorded the batch.
      await eventually(async () => {
        expect(allBodies()).toHaveLength(3);
        expect(callCounter.snapshot().scopes[queue.entry]?.invocations).toBe(recorded.batches.length);
      });
    } finally {
      callCounter.stop();
    }
  });

  it('refuses knobs Lambda refuses', () => {
    expect(queueKnobProblem(consumer({ batchSize: 50 }))).toMatch(/needs maxBatchingWindowSeconds/);
    expect(queueKnobProblem(consumer({ fifo: true, batchSize: 20, maxBatchingWindowSeconds: 1 }))).toMatch(/FIFO queue takes batches of at most 10/);
    expect(queueKnobProblem(consumer({ fifo: true, maxBatchingWindowSeconds: 1 }))).toMatch(/no batching window/);
    expect(queueKnobProblem(consumer({ maxConcurrency: 1 }))).toMatch(/maxConcurrency must be 2-1000/);
    expect(queueKnobProblem(consumer({ batchSize: 100, maxBatchingWindowSeconds: 1, maxConcurrency: 2 }))).toBeUndefined();
  });
});
