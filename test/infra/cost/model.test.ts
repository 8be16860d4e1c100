import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { alarmCountOf } from '#infra/constructs/monitoring-plan.ts';
import {
  ACCESS_LOG_BYTES_PER_REQUEST,
  DAYS_PER_MONTH,
  HOURS_PER_MONTH,
  IDLE_POLLERS_PER_EVENT_SOURCE,
  IDLE_RECEIVES_PER_POLLER_PER_MINUTE,
  LAMBDA_PLATFORM_LOG_BYTES,
  SECONDS_PER_MONTH,
} from '#infra/cost/assumptions.ts';
import { actionOfSteps, ESTIMATED_JOB, PER_JOB_STEPS, PER_RUNNING_MINUTE_STEPS } from '#infra/cost/job-estimate.ts';
import {
  addUsage,
  apiGatewayTierAdjustment,
  authorizerInvocationsPerHour,
  costOf,
  fixedMonth,
  idleHostHour,
  idleRatesPerHour,
  jobsMonth,
  memoryFromTopology,
  monthlyCost,
  NO_USAGE,
  scaleUsage,
  SERVICES,
  totalOf,
  usageOfAction,
  xrayReservoirTraces,
  type ActionUsage,
  type IdleActions,
} from '#infra/cost/model.ts';
import { PRICES } from '#infra/cost/prices.ts';

const HEARTBEAT = 'functions/registry/heartbeat.ts';
const memory256 = () => 256;
const sdk = (units: Partial<{ calls: number; billableRequests: number; readUnits: number; writeUnits: number }>) => ({
  calls: 1,
  billableRequests: 1,
  readUnits: 0,
  writeUnits: 0,
  ...units,
});
const action = (overrides: Partial<ActionUsage> = {}): ActionUsage => ({ apiRequests: 0, invocations: {}, sdk: {}, ...overrides });

/** A heartbeat as measured: one request, one 20 ms invocation, a consistent read and a 4-unit write. */
const heartbeat = action({
  apiRequests: 1,
  invocations: { [HEARTBEAT]: { count: 1, durationMs: 19.2, logBytes: 0 } },
  sdk: { 'DynamoDB.GetItem': sdk({ readUnits: 1 }), 'DynamoDB.PutItem': sdk({ writeUnits: 4 }) },
});
const idle: IdleActions = {
  heartbeat,
  credentialRefresh: action({ apiRequests: 1, invocations: { 'functions/registry/vend-queue-credentials.ts': { count: 1, durationMs: 10, logBytes: 0 } } }),
  authorizerInvocation: action({ invocations: { [topology.authorizer.entry]: { count: 1, durationMs: 10, logBytes: 0 } }, sdk: { 'DynamoDB.GetItem': sdk({ readUnits: 0.5 }) } }),
  longPoll: action({ sdk: { 'SQS.ReceiveMessage': sdk({}) } }),
  otherPerHostHour: action(),
};
const settings = { heartbeatSeconds: 60, pollSeconds: 20, credentialRefreshMinutes: 50, authorizerCacheSeconds: 60 };

describe('usageOfAction', () => {
  it('bills Lambda duration rounded up to the millisecond, at the function\'s memory', () => {
    expect(usageOfAction(heartbeat, memory256).lambdaGbSeconds).toBeCloseTo(0.02 * 0.25, 10);
  });

  it('sums DynamoDB read and write units over operations', () => {
    const usage = usageOfAction(heartbeat, memory256);
    expect([usage.dynamoReadUnits, usage.dynamoWriteUnits]).toEqual([1, 4]);
  });

  it('counts SQS requests in billable units, not calls', () => {
    expect(usageOfAction(action({ sdk: { 'SQS.SendMessage': sdk({ calls: 1, billableRequests: 3 }) } }), memory256).sqsRequests).toBe(3);
  });

  it('adds Lambda\'s own log lines per invocation, and apart from them an access-log line per API request', () => {
    const usage = usageOfAction(heartbeat, memory256);
    expect([usage.logBytes, usage.accessLogBytes]).toEqual([LAMBDA_PLATFORM_LOG_BYTES, ACCESS_LOG_BYTES_PER_REQUEST]);
  });

  it('moves the units of tables billed by provisioned capacity out of the on-demand ones', () => {
    const action = {
      apiRequests: 0,
      invocations: {},
      sdk: {
        'DynamoDB.BatchGetItem': { ...sdk({ readUnits: 1.5 }), tables: { registry: { readUnits: 1, writeUnits: 0 }, matching: { readUnits: 0.5, writeUnits: 0 } } },
        'DynamoDB.PutItem': { ...sdk({ writeUnits: 1 }), tables: { registry: { readUnits: 0, writeUnits: 1 } } },
      },
    };
    const usage = usageOfAction(action, memory256, ['registry']);
    expect([usage.dynamoReadUnits, usage.dynamoWriteUnits, usage.dynamoProvisionedReadUnits, usage.dynamoProvisionedWriteUnits]).toEqual([0.5, 0, 1, 1]);
    expect(usageOfAction(action, memory256, []).dynamoWriteUnits).toBe(1);
  });

  it('keeps invocations by handler entry', () => {
    expect(usageOfAction(heartbeat, memory256).invocationsByEntry).toEqual({ [HEARTBEAT]: 1 });
  });
});

describe('addUsage and scaleUsage', () => {
  it('adds field by field, invocations by entry included', () => {
    const one = usageOfAction(heartbeat, memory256);
    expect(addUsage(one, one)).toEqual(scaleUsage(one, 2));
  });

  it('adds nothing to nothing', () => {
    expect(addUsage()).toEqual(NO_USAGE);
  });
});

describe('authorizerInvocationsPerHour', () => {
  it('runs the authorizer for every heartbeat and refresh when the cache expires before the next heartbeat', () => {
    expect(authorizerInvocationsPerHour(60, 60, 1.2)).toBeCloseTo(61.2, 10);
  });

  it('runs it once per cache lifetime when heartbeats come faster than the cache expires', () => {
    expect(authorizerInvocationsPerHour(60, 300, 1.2)).toBe(12);
  });

  it('rounds a cache lifetime up to whole heartbeats', () => {
    expect(authorizerInvocationsPerHour(60, 90, 1.2)).toBe(30);
  });

  it('runs it for every request without a cache', () => {
    expect(authorizerInvocationsPerHour(60, 0, 1.2)).toBeCloseTo(61.2, 10);
  });
});

describe('idleRatesPerHour', () => {
  it('turns the agent settings into actions per hour', () => {
    expect(idleRatesPerHour(settings)).toEqual({ heartbeat: 60, longPoll: 180, credentialRefresh: 1.2, authorizerInvocation: 61.2 });
  });
});

describe('idleHostHour', () => {
  const hour = idleHostHour(idle, settings, memory256);

  it('counts one API request per heartbeat and per credential refresh', () => {
    expect(hour.apiRequests).toBeCloseTo(61.2, 10);
  });

  it('counts one SQS request per long poll', () => {
    expect(hour.sqsRequests).toBe(180);
  });

  it('writes four units per heartbeat', () => {
    expect(hour.dynamoWriteUnits).toBe(240);
  });

  it('reads for the heartbeat and for each authorizer run', () => {
    expect(hour.dynamoReadUnits).toBeCloseTo(60 + 61.2 * 0.5, 10);
  });

  it('counts one STS AssumeRole per credential refresh, which the local vendor does not make', () => {
    expect(hour.stsRequests).toBeCloseTo(1.2, 10);
  });

  it('halves heartbeat requests when the interval doubles', () => {
    expect(idleHostHour(idle, { ...settings, heartbeatSeconds: 120 }, memory256).dynamoWriteUnits).toBe(120);
  });
});

describe('costOf', () => {
  const million = (field: keyof typeof NO_USAGE) => costOf({ ...NO_USAGE, [field]: 1_000_000 }, PRICES);

  it('charges a million HTTP API requests at the first-tier price', () => {
    expect(million('apiRequests')['API Gateway HTTP API requests']).toBe(PRICES.apiGatewayHttpRequests.usd);
  });

  it('charges a million write units at the on-demand price', () => {
    expect(million('dynamoWriteUnits')['DynamoDB writes (on-demand)']).toBe(PRICES.dynamoDbWriteRequestUnits.usd);
  });

  it('charges a million SQS requests at the standard-queue price', () => {
    expect(million('sqsRequests')['SQS requests']).toBe(PRICES.sqsRequests.usd);
  });

  it('charges Lambda requests and GB-seconds separately', () => {
    const costs = costOf({ ...NO_USAGE, lambdaInvocations: 1_000_000, lambdaGbSeconds: 1000 }, PRICES);
    expect([costs['Lambda requests'], costs['Lambda duration (arm64)']]).toEqual([PRICES.lambdaRequests.usd, 1000 * PRICES.lambdaArmGbSecond.usd]);
  });

  it('charges a GiB of logs at the ingestion price', () => {
    expect(costOf({ ...NO_USAGE, logBytes: 1024 ** 3 }, PRICES)['CloudWatch Logs ingestion']).toBe(PRICES.cloudWatchLogsIngestionGb.usd);
  });

  it('charges X-Ray for the 5% of invocations it samples', () => {
    expect(million('lambdaInvocations')['X-Ray traces']).toBeCloseTo(0.05 * PRICES.xRayTracesRecorded.usd, 10);
  });

  it('charges no traces for functions on pass-through tracing', () => {
    const usage = { ...NO_USAGE, lambdaInvocations: 2_000_000, invocationsByEntry: { traced: 1_000_000, untraced: 1_000_000 } };
    expect(costOf(usage, PRICES, (entry) => entry === 'traced')['X-Ray traces']).toBeCloseTo(0.05 * PRICES.xRayTracesRecorded.usd, 10);
  });

  it('prices production\'s heartbeat and authorizer as untraced', () => {
    const usage = { ...NO_USAGE, lambdaInvocations: 2_000_000, invocationsByEntry: { [HEARTBEAT]: 1_000_000, [topology.authorizer.entry]: 1_000_000 } };
    expect(costOf(usage, PRICES)['X-Ray traces']).toBe(0);
  });

  it('charges the access log at its log group\'s class (Infrequent Access in prod)', () => {
    expect(costOf({ ...NO_USAGE, accessLogBytes: 1024 ** 3 }, PRICES)['CloudWatch Logs ingestion']).toBe(PRICES.cloudWatchLogsInfrequentAccessIngestionGb.usd);
  });

  it('charges a provisioned write unit consumed for an hour as 1/70% of a unit-hour', () => {
    const costs = costOf({ ...NO_USAGE, dynamoProvisionedWriteUnits: 3600, dynamoProvisionedReadUnits: 3600 }, PRICES);
    expect(costs['DynamoDB provisioned capacity']).toBeCloseTo(
      (PRICES.dynamoDbProvisionedWriteCapacityUnitHour.usd + PRICES.dynamoDbProvisionedReadCapacityUnitHour.usd) / 0.7,
      12,
    );
  });

  it('charges nothing for STS', () => {
    expect(million('stsRequests')['STS (free)']).toBe(0);
  });
});

describe('xrayReservoirTraces', () => {
  it('records one trace a second for a function busier than that, minus the 5% already charged', () => {
    expect(xrayReservoirTraces({ f: 10 * SECONDS_PER_MONTH })).toBeCloseTo(SECONDS_PER_MONTH * 0.95, 3);
  });

  it('records nothing for a function on pass-through tracing', () => {
    expect(xrayReservoirTraces({ f: 10 * SECONDS_PER_MONTH }, () => false)).toBe(0);
  });

  it('records every request of a function quieter than one a second from the reservoir', () => {
    expect(xrayReservoirTraces({ f: 0.1 * SECONDS_PER_MONTH })).toBeCloseTo(0.1 * SECONDS_PER_MONTH * 0.95, 3);
  });
});

describe('apiGatewayTierAdjustment', () => {
  it('takes $0.10 off each million requests past 300 million', () => {
    expect(apiGatewayTierAdjustment(400_000_000, PRICES)).toBeCloseTo(-10, 10);
  });

  it('changes nothing below 300 million', () => {
    expect(apiGatewayTierAdjustment(100_000_000, PRICES)).toBe(0);
  });
});

describe('jobsMonth', () => {
  it('counts a month of jobs with their running minutes', () => {
    const job = { source: 'estimated' as const, perJob: action({ apiRequests: 10 }), perRunningMinute: action({ apiRequests: 1 }) };
    expect(jobsMonth(job, 100, 30, memory256).apiRequests).toBeCloseTo(100 * DAYS_PER_MONTH * (10 + 30), 6);
  });
});

describe('fixedMonth', () => {
  it('runs each one-minute schedule 43,800 times a month', () => {
    const one = { ...topology, queues: [], schedules: [topology.schedules[0]!] };
    const perRun = action({ invocations: { [one.schedules[0]!.entry]: { count: 1, durationMs: 10, logBytes: 0 } } });
    expect(fixedMonth(one, { [one.schedules[0]!.name]: perRun }, memory256).lambdaInvocations).toBeCloseTo(SECONDS_PER_MONTH / 60, 6);
  });

  it('counts the idle polling of each consumer\'s event source mapping', () => {
    const queuesOnly = { ...topology, schedules: [] };
    expect(fixedMonth(queuesOnly, {}, memory256).sqsRequests).toBe(
      topology.queues.length * IDLE_POLLERS_PER_EVENT_SOURCE * IDLE_RECEIVES_PER_POLLER_PER_MINUTE * HOURS_PER_MONTH * 60,
    );
  });
});

describe('memoryFromTopology', () => {
  it('gives an unknown entry the default memory', () => {
    expect(memoryFromTopology(topology)('functions/nowhere.ts')).toBe(256);
  });
});

describe('monthlyCost', () => {
  const report = monthlyCost({
    inputs: { ...settings, hosts: 10_000, jobsPerDay: 50_000, jobMinutes: 30 },
    idle,
    job: ESTIMATED_JOB,
    schedulesPerRun: {},
    topology,
    prices: PRICES,
  });

  it('costs the fleet as hosts times one idle host-month', () => {
    expect(totalOf(report.fleetMonth)).toBeCloseTo(report.idleHostMonthTotal * 10_000, 6);
  });

  it('adds idle hosts, jobs and fixed costs into the total, service by service', () => {
    const sums = SERVICES.map((service) => report.fleetMonth[service] + report.jobsMonth[service] + report.fixedMonth[service]);
    expect(SERVICES.map((service) => report.totalMonth[service])).toEqual(sums);
  });

  it('prices the stack\'s alarms and its dashboard as a fixed cost', () => {
    expect(report.fixedMonth['CloudWatch alarms and dashboard']).toBeCloseTo(alarmCountOf(topology) * 0.1 + 3, 10);
  });

  it('labels the per-job figures as estimated until they are measured', () => {
    expect(report.jobSource).toBe('estimated');
  });
});

describe('the job estimate', () => {
  it('adds up its documented steps', () => {
    expect(actionOfSteps(PER_JOB_STEPS).apiRequests).toBe(PER_JOB_STEPS.reduce((sum, step) => sum + (step.apiRequests ?? 0), 0));
  });

  it('prices only functions the topology deploys, so a renamed or removed handler cannot linger in it', () => {
    const deployed = new Set([...topology.routes, topology.authorizer, ...topology.queues, ...topology.schedules].map((def) => def.entry));
    const priced = [...PER_JOB_STEPS, ...PER_RUNNING_MINUTE_STEPS].flatMap((step) => (step.lambda ?? []).map(([entry]) => entry));
    expect(priced.filter((entry) => !deployed.has(entry))).toEqual([]);
  });

  it('is labelled estimated', () => {
    expect(ESTIMATED_JOB.source).toBe('estimated');
  });
});
