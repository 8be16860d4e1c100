import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { ESTIMATED_JOB } from '#infra/cost/job-estimate.ts';
import { measuredJobUsage, readMeasured } from '#infra/cost/measured.ts';
import { idleHostHour, memoryFromTopology, monthlyCost, usageOfAction, type Usage } from '#infra/cost/model.ts';
import { PRICES } from '#infra/cost/prices.ts';
import { renderReport } from '#infra/cost/report.ts';

const measured = readMeasured();
const settings = { ...measured.settings };
const modelled = idleHostHour(measured.idle, settings, memoryFromTopology(topology));
const simulated = usageOfAction(measured.perHostHour, memoryFromTopology(topology));

describe('infra/cost/measured.json', () => {
  it('says when it was measured', () => {
    expect(measured.measuredAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('measured heartbeats, long polls, credential refreshes and authorizer runs', () => {
    expect([
      measured.idle.heartbeat.apiRequests,
      measured.idle.longPoll.sdk['SQS.ReceiveMessage']?.calls,
      measured.idle.credentialRefresh.apiRequests,
      Object.values(measured.idle.authorizerInvocation.invocations)[0]?.count,
    ]).toEqual([1, 1, 1, 1]);
  });

  it('saw nothing but those while the fleet idled', () => {
    expect(measured.idle.otherPerHostHour.sdk).toEqual({});
  });

  const quantity = {
    'API requests': (usage: Usage) => usage.apiRequests,
    'Lambda invocations': (usage: Usage) => usage.lambdaInvocations,
    // On demand or provisioned: the table's billing mode does not change what was written.
    'DynamoDB write units': (usage: Usage) => usage.dynamoWriteUnits + usage.dynamoProvisionedWriteUnits,
    'SQS requests': (usage: Usage) => usage.sqsRequests,
  } as const;
  it.each(Object.entries(quantity))('per action, reproduces the %s per host-hour the simulation counted (within 10%%)', (_what, of) => {
    expect(of(simulated)).toBeGreaterThan(0);
    expect(Math.abs(of(modelled) - of(simulated)) / of(simulated)).toBeLessThan(0.1);
  });

  it('says which table each DynamoDB unit of a heartbeat went to', () => {
    const units = Object.values(measured.idle.heartbeat.sdk).flatMap((usage) => Object.keys(usage.tables ?? {}));
    expect(new Set(units)).toEqual(new Set(['registry', 'matching']));
  });

  it('has no measured per-job counts yet, so the cost model uses the labelled estimate', () => {
    expect(measuredJobUsage(measured) ?? ESTIMATED_JOB).toBe(ESTIMATED_JOB);
  });
});

describe('renderReport', () => {
  const report = monthlyCost({
    inputs: { ...settings, hosts: 10_000, jobsPerDay: 50_000, jobMinutes: 30 },
    idle: measured.idle,
    job: ESTIMATED_JOB,
    schedulesPerRun: measured.schedulesPerRun,
    topology,
    prices: PRICES,
  });
  const text = renderReport(report, { prices: PRICES, measuredAt: measured.measuredAt, measuredPath: 'infra/cost/measured.json' });

  it('states the headline figure with its target', () => {
    expect(text).toMatch(/Dollars per idle host-month: \$\d+\.\d{4} \(target at most \$0\.15\): (within target|OVER TARGET)\./);
  });

  it('labels estimated per-job figures', () => {
    expect(text).toContain('per-job requests ESTIMATED');
  });

  it('says which prices and measurement it used', () => {
    expect([text.includes(PRICES.asOf), text.includes(measured.measuredAt)]).toEqual([true, true]);
  });

  it.each(['API Gateway HTTP API requests', 'Lambda requests', 'Lambda duration (arm64)', 'DynamoDB writes (on-demand)', 'SQS requests', 'EventBridge events', 'STS (free)', 'CloudWatch Logs ingestion'])(
    'has a row for %s',
    (service) => {
      expect(text).toContain(service);
    },
  );
});
