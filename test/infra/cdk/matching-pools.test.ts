import { describe, expect, it } from 'vitest';
import { MatchingEnv, POOLS_QUEUE } from '#matching/config.ts';
import { queueResourceNames, queueUrlEnvVar, topology, type FunctionDef } from '#infra/topology.ts';
import { asArray, identityStatements, sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
const envOf = (def: FunctionDef): Record<string, unknown> =>
  template.toJSON().Resources[logicalIdOf(stack.functionOf(def))].Properties.Environment.Variables;
const pools = topology.queues.find((queue) => queue.name === POOLS_QUEUE)!;
const funds = topology.queues.find((queue) => queue.name === 'matching-funds')!;
const poolsQueueRef = () => ({ Ref: logicalIdOf(stack.consumers.get(POOLS_QUEUE)!.queue) });

describe('GpuhiveStack wiring of placement by pool (issue 14)', () => {
  it("names the pools queue's URL variable as the topology derives it", () => {
    expect(MatchingEnv.poolsQueueUrl).toBe(queueUrlEnvVar(POOLS_QUEUE));
  });

  it('makes the pools queue a FIFO queue deduplicated and throttled per message group (the placement group)', () => {
    const queue = template.toJSON().Resources[logicalIdOf(stack.consumers.get(POOLS_QUEUE)!.queue)].Properties;
    expect(queue).toMatchObject({ FifoQueue: true, QueueName: queueResourceNames('dev', pools).name, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  });

  it('routes assignment.ended (freed GPUs) to matching-funds, which places funds.held at once and is told the pools queue; no rule feeds the pools queue', () => {
    expect(funds.fifo).toBeUndefined();
    expect(topology.rules.find((rule) => rule.queue === funds.name)?.pattern['detail-type']).toEqual(expect.arrayContaining(['funds.held', 'assignment.ended']));
    expect(topology.rules.some((rule) => rule.queue === POOLS_QUEUE)).toBe(false);
    expect(envOf(funds)[MatchingEnv.poolsQueueUrl]).toEqual(poolsQueueRef());
  });

  it('tells the pools queue to the host projection, which nudges after its own write, and not to the consumer', () => {
    const hosts = topology.queues.find((queue) => queue.name === 'matching-hosts')!;
    expect(envOf(hosts)[MatchingEnv.poolsQueueUrl]).toEqual(poolsQueueRef());
    expect(envOf(pools)[MatchingEnv.poolsQueueUrl]).toBeUndefined();
  });

  it('lets matching-funds and the host projection send to the pools queue', () => {
    const roleOf = (def: FunctionDef) => logicalIdOf(stack.functionOf(def).executionRole);
    const sendsToPools = (def: FunctionDef) => identityStatements(template).some(({ roles, statement }) =>
      roles.includes(roleOf(def)) && asArray(statement.Action).includes('sqs:SendMessage') &&
      asArray(statement.Resource as unknown[]).some((resource) => JSON.stringify(resource).includes(poolsQueueRef().Ref)));
    expect(sendsToPools(funds)).toBe(true);
    expect(sendsToPools(topology.queues.find((queue) => queue.name === 'matching-hosts')!)).toBe(true);
  });

  it('caps how many groups are worked at once, ten nudges a batch', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((resource) => resource.Properties);
    const mapping = mappings.find((candidate) => JSON.stringify(candidate.EventSourceArn).includes(logicalIdOf(stack.consumers.get(POOLS_QUEUE)!.queue)));
    expect(mapping).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 8 } });
  });
});
