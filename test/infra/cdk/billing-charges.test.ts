import { describe, expect, it } from 'vitest';
import { BillingEnv, CHARGES_QUEUE } from '#billing/config.ts';
import { queueResourceNames, queueUrlEnvVar, topology, type FunctionDef } from '#infra/topology.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
const envOf = (def: FunctionDef): Record<string, unknown> =>
  template.toJSON().Resources[logicalIdOf(stack.functionOf(def))].Properties.Environment.Variables;
const charges = topology.queues.find((queue) => queue.name === CHARGES_QUEUE)!;
const router = topology.queues.find((queue) => queue.sendsTo?.includes(CHARGES_QUEUE))!;

describe('GpuhiveStack wiring of usage charging (issue 14)', () => {
  it('names the charges queue\'s URL variable as the topology derives it', () => {
    expect(BillingEnv.chargesQueueUrl).toBe(queueUrlEnvVar(CHARGES_QUEUE));
  });

  it('makes the charges queue a FIFO queue deduplicated and throttled per message group (the renter)', () => {
    const queue = template.toJSON().Resources[logicalIdOf(stack.consumers.get(CHARGES_QUEUE)!.queue)].Properties;
    expect(queue).toMatchObject({ FifoQueue: true, QueueName: queueResourceNames('dev', charges).name, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  });

  it('routes usage to a standard queue whose function alone is told the charges queue', () => {
    expect(router.name).toBe('billing-usage');
    expect(router.fifo).toBeUndefined();
    expect(topology.rules.find((rule) => rule.queue === router.name)?.pattern['detail-type']).toEqual(['usage.chunk_recorded', 'usage.recorded']);
    expect(topology.rules.some((rule) => rule.queue === CHARGES_QUEUE)).toBe(false);
    expect(envOf(router)[BillingEnv.chargesQueueUrl]).toEqual({ Ref: logicalIdOf(stack.consumers.get(CHARGES_QUEUE)!.queue) });
    expect(envOf(charges)[BillingEnv.chargesQueueUrl]).toBeUndefined();
  });

  it('gathers usage for the router in batches with a window, and caps the charger\'s concurrency', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((resource) => resource.Properties);
    const mappingOf = (queue: string) => mappings.find((mapping) => JSON.stringify(mapping.EventSourceArn).includes(logicalIdOf(stack.consumers.get(queue)!.queue)));
    expect(mappingOf(router.name)).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1 });
    expect(mappingOf(CHARGES_QUEUE)).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 8 } });
  });
});
