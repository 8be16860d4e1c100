import { describe, expect, it } from 'vitest';
import { LogsEnv } from '#logs/config.ts';
import { DELIVERIES_QUEUE, NotificationsEnv } from '#notifications/config.ts';
import { queueUrlEnvVar, topology, type FunctionDef } from '#infra/topology.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
const envOf = (def: FunctionDef): Record<string, unknown> =>
  template.toJSON().Resources[logicalIdOf(stack.functionOf(def))].Properties.Environment.Variables;
const allDefs: FunctionDef[] = [...topology.routes, ...topology.queues, ...topology.schedules];

describe('GpuhiveStack wiring of logs and notifications', () => {
  it('names the deliveries queue\'s URL variable as the topology derives it', () => {
    expect(NotificationsEnv.deliveriesQueueUrl).toBe(queueUrlEnvVar(DELIVERIES_QUEUE));
  });

  it('tells exactly the functions that send to the deliveries queue its URL', () => {
    const told = allDefs.filter((def) => NotificationsEnv.deliveriesQueueUrl in envOf(def)).map((def) => def.entry);
    expect(told.sort()).toEqual(allDefs.filter((def) => def.sendsTo?.includes(DELIVERIES_QUEUE)).map((def) => def.entry).sort());
  });

  it('gives the deliveries URL as the queue\'s own reference', () => {
    const sender = topology.queues.find((def) => def.sendsTo?.includes(DELIVERIES_QUEUE))!;
    expect(envOf(sender)[NotificationsEnv.deliveriesQueueUrl]).toEqual({ Ref: logicalIdOf(stack.consumers.get(DELIVERIES_QUEUE)!.queue) });
  });

  it('tells the functions with jobLogObjects the bucket\'s name', () => {
    const told = allDefs.filter((def) => LogsEnv.bucketName in envOf(def)).map((def) => def.entry);
    expect(told.sort()).toEqual(allDefs.filter((def) => def.capabilities?.includes('jobLogObjects')).map((def) => def.entry).sort());
  });

  it('expires log objects under logs/ after 30 days', () => {
    const rules = template.toJSON().Resources[logicalIdOf(stack.exportsBucket)].Properties.LifecycleConfiguration.Rules as { Id: string; Prefix?: string; ExpirationInDays?: number }[];
    expect(rules.find((rule) => rule.Id === 'expire-job-logs')).toMatchObject({ Prefix: 'logs/', ExpirationInDays: 30 });
  });

  it('keeps the exports expiry to exports/, so it never shortens or lengthens the life of job logs', () => {
    const rules = template.toJSON().Resources[logicalIdOf(stack.exportsBucket)].Properties.LifecycleConfiguration.Rules as { Id: string; Prefix?: string }[];
    expect(rules.find((rule) => rule.Id === 'expire-exports')?.Prefix).toBe('exports/');
  });
});
