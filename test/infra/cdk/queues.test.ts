import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { VISIBILITY_TIMEOUT_FACTOR } from '#infra/constructs/event-consumer.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const queues = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::SQS::Queue');
const consumers = topology.queues.map((def) => [def.name, def] as const);
const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
const alarmsOnQueue = (queueId: string, metricName: string) =>
  alarms.filter(
    (alarm) =>
      alarm.Properties.MetricName === metricName &&
      JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
  );

describe('GpuhiveStack shared queues (real topology)', () => {
  it.each(queues.map(([id, queue]) => [queue.Properties.QueueName as string, id] as const))('encrypts %s with SSE-SQS', (_name, id) => {
    expect(resources[id]!.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it.each(consumers)('gives %s a dead-letter queue', (name, def) => {
    const consumer = stack.consumers.get(name)!;
    expect(resources[logicalIdOf(consumer.queue)]!.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(consumer.deadLetterQueue), 'Arn'] },
      maxReceiveCount: def.maxReceiveCount,
    });
  });

  it.each(consumers)('alarms on the depth of %s\'s DLQ', (name) => {
    expect(alarmsOnQueue(logicalIdOf(stack.consumers.get(name)!.deadLetterQueue), 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
  });

  it.each(consumers)('alarms on the age of %s\'s oldest message', (name) => {
    expect(alarmsOnQueue(logicalIdOf(stack.consumers.get(name)!.queue), 'ApproximateAgeOfOldestMessage')).toHaveLength(1);
  });

  it.each(consumers)('keeps %s\'s messages invisible for six times its consumer\'s timeout', (name, def) => {
    const consumer = stack.consumers.get(name)!;
    expect(resources[logicalIdOf(consumer.queue)]!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      VISIBILITY_TIMEOUT_FACTOR * stack.functionOf(def).sizing.timeoutSeconds,
    );
  });
});
