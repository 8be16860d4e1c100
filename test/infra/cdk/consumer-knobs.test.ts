import { describe, expect, it } from 'vitest';
import { queueResourceNames, type QueueDef, type Topology } from '#infra/topology.ts';
import { topologyWithConsumer } from './fixtures/topology.ts';
import { synthesize } from './synth.ts';

const batched: QueueDef = {
  name: 'fixture-batched', entry: 'test/fixtures/batch-recording-handler.ts', context: 'registry',
  batchSize: 200, maxBatchingWindowSeconds: 1, maxConcurrency: 4, maxReceiveCount: 5, visibilityTimeoutSeconds: 60,
};
const fifo: QueueDef = {
  name: 'fixture-pools', entry: 'test/fixtures/recording-consumer.ts', context: 'registry',
  batchSize: 10, fifo: true, maxConcurrency: 8, maxReceiveCount: 5, visibilityTimeoutSeconds: 60,
};
const withKnobs: Topology = { ...topologyWithConsumer, queues: [...topologyWithConsumer.queues, batched, fifo] };
const { stack, template, logicalIdOf } = synthesize({ topology: withKnobs });
const resources = template.toJSON().Resources;
const mappingOf = (def: QueueDef) =>
  Object.values(resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).find(
    (resource) => resource.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(resource.Properties.EventSourceArn).includes(logicalIdOf(stack.consumers.get(def.name)!.queue)),
  )?.Properties;

describe('consumer knobs from the topology (batch window, maxConcurrency, FIFO)', () => {
  it('declares a batch above ten with its batching window and a concurrency cap', () => {
    expect(mappingOf(batched)).toMatchObject({ BatchSize: 200, MaximumBatchingWindowInSeconds: 1, ScalingConfig: { MaximumConcurrency: 4 } });
  });

  it('makes a FIFO consumer\'s queue and DLQ FIFO queues named .fifo, deduplicated per message group', () => {
    const consumer = stack.consumers.get(fifo.name)!;
    const queue = resources[logicalIdOf(consumer.queue)].Properties;
    const dlq = resources[logicalIdOf(consumer.deadLetterQueue)].Properties;
    expect(queue).toMatchObject({ FifoQueue: true, QueueName: queueResourceNames('dev', fifo).name, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    expect(queue.QueueName).toMatch(/\.fifo$/);
    expect(dlq).toMatchObject({ FifoQueue: true, QueueName: queueResourceNames('dev', fifo).deadLetterName });
    expect(mappingOf(fifo)).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 8 } });
    expect(mappingOf(fifo)).not.toHaveProperty('MaximumBatchingWindowInSeconds');
  });

  it('refuses a topology whose knobs Lambda would refuse', () => {
    const bad: Topology = { ...topologyWithConsumer, queues: [{ ...fifo, batchSize: 20 }] };
    expect(() => synthesize({ topology: bad })).toThrow(/FIFO queue takes batches of at most 10/);
  });
});
