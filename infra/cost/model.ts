// Over 300 lines on purpose: the whole cost model (the billable quantities, then one formula
// per AWS service), read top to bottom; prices are in ./prices.ts, the inputs in ./assumptions.ts.
import type { SdkUsage } from '#platform/call-counter.ts';
import type { Topology } from '#infra/topology.ts';
import { alarmCountOf } from '#infra/constructs/monitoring-plan.ts';
import { scheduleMinutes } from '#infra/stacks/schedule-rate.ts';
import { sizingOf, DEFAULT_MEMORY_MB, type FunctionKind } from '#infra/constructs/sizing.ts';
import {
  ACCESS_LOG_BYTES_PER_REQUEST,
  ACCESS_LOG_CLASS,
  DAYS_PER_MONTH,
  HOURS_PER_MONTH,
  IDLE_POLLERS_PER_EVENT_SOURCE,
  IDLE_RECEIVES_PER_POLLER_PER_MINUTE,
  LAMBDA_PLATFORM_LOG_BYTES,
  PROVISIONED_TABLES,
  PROVISIONED_TARGET_UTILIZATION,
  SECONDS_PER_MONTH,
  provisionedFloor,
  STS_CALLS_PER_CREDENTIAL_VEND,
  XRAY_RESERVOIR_PER_SECOND,
  XRAY_SAMPLED_FRACTION,
  isTracedInProduction,
} from './assumptions.ts';
import type { PriceTable } from './prices.ts';

/** One function's share of an action: how often it ran, and per run how long and how many log bytes. */
export interface InvocationUsage {
  readonly count: number;
  readonly durationMs: number;
  readonly logBytes: number;
}

/**
 * What one action costs in requests, as measured (or estimated): API requests, function
 * invocations by handler entry, and AWS SDK calls keyed `Service.Operation` with their units.
 */
export interface ActionUsage {
  readonly apiRequests: number;
  readonly invocations: Readonly<Record<string, InvocationUsage>>;
  readonly sdk: Readonly<Record<string, SdkUsage>>;
}

/** The billable quantities AWS prices, for any span of activity. */
export interface Usage {
  readonly apiRequests: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  /** Units on on-demand tables. */
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  /** Units consumed on tables billed by provisioned capacity (production's `provisionedCapacity`). */
  readonly dynamoProvisionedReadUnits: number;
  readonly dynamoProvisionedWriteUnits: number;
  readonly sqsRequests: number;
  readonly eventBridgeEvents: number;
  readonly stsRequests: number;
  /** What the functions and Lambda write to the functions' log groups. */
  readonly logBytes: number;
  /** The API's access-log lines, in their own log group (its class may be Infrequent Access). */
  readonly accessLogBytes: number;
  /** Invocations by handler entry: X-Ray's per-function reservoir needs them. */
  readonly invocationsByEntry: Readonly<Record<string, number>>;
}

export const NO_USAGE: Usage = {
  apiRequests: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  dynamoProvisionedReadUnits: 0,
  dynamoProvisionedWriteUnits: 0,
  sqsRequests: 0,
  eventBridgeEvents: 0,
  stsRequests: 0,
  logBytes: 0,
  accessLogBytes: 0,
  invocationsByEntry: {},
};

const NUMERIC_FIELDS = [
  'apiRequests', 'lambdaInvocations', 'lambdaGbSeconds', 'dynamoReadUnits', 'dynamoWriteUnits',
  'dynamoProvisionedReadUnits', 'dynamoProvisionedWriteUnits', 'sqsRequests', 'eventBridgeEvents', 'stsRequests', 'logBytes', 'accessLogBytes',
] as const;

export const addUsage = (...usages: readonly Usage[]): Usage =>
  usages.reduce((sum, usage) => {
    const invocationsByEntry = { ...sum.invocationsByEntry };
    for (const [entry, count] of Object.entries(usage.invocationsByEntry)) invocationsByEntry[entry] = (invocationsByEntry[entry] ?? 0) + count;
    const numeric = Object.fromEntries(NUMERIC_FIELDS.map((field) => [field, sum[field] + usage[field]]));
    return { ...(numeric as Omit<Usage, 'invocationsByEntry'>), invocationsByEntry };
  }, NO_USAGE);

export const scaleUsage = (usage: Usage, factor: number): Usage => ({
  ...(Object.fromEntries(NUMERIC_FIELDS.map((field) => [field, usage[field] * factor])) as Omit<Usage, 'invocationsByEntry'>),
  invocationsByEntry: Object.fromEntries(Object.entries(usage.invocationsByEntry).map(([entry, count]) => [entry, count * factor])),
});

/** Memory in MB of the function behind a handler entry. */
export type MemoryOf = (entry: string) => number;

/** Memory per handler entry from the topology and the sizing defaults, as the stack deploys them. */
export const memoryFromTopology = (topology: Topology): MemoryOf => {
  const kinds: [FunctionKind, readonly { entry: string; memoryMb?: number; timeoutSeconds?: number }[]][] = [
    ['route', [...topology.routes, topology.defaultRoute]],
    ['authorizer', [topology.authorizer]],
    ['consumer', topology.queues],
    ['schedule', topology.schedules],
  ];
  const memory = new Map<string, number>();
  for (const [kind, defs] of kinds) for (const def of defs) memory.set(def.entry, sizingOf(def, kind).memoryMb);
  return (entry) => memory.get(entry) ?? DEFAULT_MEMORY_MB;
};

const sumSdk = (sdk: ActionUsage['sdk'], service: string, pick: (usage: SdkUsage) => number): number =>
  Object.entries(sdk)
    .filter(([key]) => key.startsWith(`${service}.`))
    .reduce((sum, [, usage]) => sum + pick(usage), 0);

/** Units on provisioned tables: those the service reported by table (older measurements name none: all on demand). */
const provisionedUnits = (sdk: ActionUsage['sdk'], provisioned: readonly string[], pick: (units: { readUnits: number; writeUnits: number }) => number): number =>
  Object.entries(sdk)
    .filter(([key]) => key.startsWith('DynamoDB.'))
    .flatMap(([, usage]) => Object.entries(usage.tables ?? {}))
    .reduce((sum, [table, units]) => sum + (provisioned.includes(table) ? pick(units) : 0), 0);

/**
 * Turns one action into billable quantities: Lambda bills each invocation's duration rounded up
 * to the millisecond at its configured memory; each invocation also writes Lambda's own log
 * lines, and each API request one access-log line.
 */
export const usageOfAction = (action: ActionUsage, memoryOf: MemoryOf, provisioned: readonly string[] = PROVISIONED_TABLES): Usage => {
  const invocations = Object.entries(action.invocations);
  const provisionedRead = provisionedUnits(action.sdk, provisioned, (units) => units.readUnits);
  const provisionedWrite = provisionedUnits(action.sdk, provisioned, (units) => units.writeUnits);
  return {
    apiRequests: action.apiRequests,
    lambdaInvocations: invocations.reduce((sum, [, inv]) => sum + inv.count, 0),
    lambdaGbSeconds: invocations.reduce((sum, [entry, inv]) => sum + inv.count * (Math.ceil(inv.durationMs) / 1000) * (memoryOf(entry) / 1024), 0),
    dynamoReadUnits: sumSdk(action.sdk, 'DynamoDB', (usage) => usage.readUnits) - provisionedRead,
    dynamoWriteUnits: sumSdk(action.sdk, 'DynamoDB', (usage) => usage.writeUnits) - provisionedWrite,
    dynamoProvisionedReadUnits: provisionedRead,
    dynamoProvisionedWriteUnits: provisionedWrite,
    sqsRequests: sumSdk(action.sdk, 'SQS', (usage) => usage.billableRequests),
    eventBridgeEvents: sumSdk(action.sdk, 'EventBridge', (usage) => usage.billableRequests),
    stsRequests: sumSdk(action.sdk, 'STS', (usage) => usage.calls),
    logBytes: invocations.reduce((sum, [, inv]) => sum + inv.count * (inv.logBytes + LAMBDA_PLATFORM_LOG_BYTES), 0),
    accessLogBytes: action.apiRequests * ACCESS_LOG_BYTES_PER_REQUEST,
    invocationsByEntry: Object.fromEntries(invocations.map(([entry, inv]) => [entry, inv.count])),
  };
};

/**
 * How often the authorizer runs for one agent per hour. API Gateway caches an identity for
 * `cacheSeconds` per Authorization header; a heartbeat every `intervalSeconds` finds it cached
 * unless the interval is at least the cache's life, so at most one miss per ceil(T/I)
 * heartbeats. A credential refresh rides on the heartbeat's cache entry when the cache outlives
 * the interval, and misses too otherwise.
 */
export const authorizerInvocationsPerHour = (intervalSeconds: number, cacheSeconds: number, refreshesPerHour: number): number => {
  if (cacheSeconds <= 0) return 3600 / intervalSeconds + refreshesPerHour;
  const heartbeatsPerMiss = Math.max(1, Math.ceil(cacheSeconds / intervalSeconds));
  const heartbeatMisses = 3600 / (heartbeatsPerMiss * intervalSeconds);
  return heartbeatMisses + (intervalSeconds >= cacheSeconds ? refreshesPerHour : 0);
};

/** The agent-side settings the idle cost depends on. */
export interface AgentSettings {
  readonly heartbeatSeconds: number;
  readonly pollSeconds: number;
  readonly credentialRefreshMinutes: number;
  readonly authorizerCacheSeconds: number;
}

/** The measured cost of each thing an idle host does, as measure.ts writes them to measured.json. */
export interface IdleActions {
  readonly heartbeat: ActionUsage;
  readonly credentialRefresh: ActionUsage;
  readonly authorizerInvocation: ActionUsage;
  readonly longPoll: ActionUsage;
  /** Anything else the simulation saw per host-hour (expected to be nothing). */
  readonly otherPerHostHour: ActionUsage;
}

/** How often an idle host does each thing, per hour. */
export const idleRatesPerHour = (settings: AgentSettings) => {
  const credentialRefresh = 60 / settings.credentialRefreshMinutes;
  return {
    heartbeat: 3600 / settings.heartbeatSeconds,
    longPoll: 3600 / settings.pollSeconds,
    credentialRefresh,
    authorizerInvocation: authorizerInvocationsPerHour(settings.heartbeatSeconds, settings.authorizerCacheSeconds, credentialRefresh),
  };
};

/** One idle host for one hour: heartbeats, long polls, credential refreshes and authorizer runs. */
export const idleHostHour = (actions: IdleActions, settings: AgentSettings, memoryOf: MemoryOf): Usage => {
  const rates = idleRatesPerHour(settings);
  const vend = usageOfAction(actions.credentialRefresh, memoryOf);
  return addUsage(
    scaleUsage(usageOfAction(actions.heartbeat, memoryOf), rates.heartbeat),
    scaleUsage(usageOfAction(actions.longPoll, memoryOf), rates.longPoll),
    // Locally no STS call is made; on AWS each vend is one AssumeRole (free).
    scaleUsage({ ...vend, stsRequests: Math.max(vend.stsRequests, STS_CALLS_PER_CREDENTIAL_VEND) }, rates.credentialRefresh),
    scaleUsage(usageOfAction(actions.authorizerInvocation, memoryOf), rates.authorizerInvocation),
    usageOfAction(actions.otherPerHostHour, memoryOf),
  );
};

export const idleHostMonth = (actions: IdleActions, settings: AgentSettings, memoryOf: MemoryOf): Usage =>
  scaleUsage(idleHostHour(actions, settings, memoryOf), HOURS_PER_MONTH);

/** A job's requests: once per job, plus each minute it runs (usage reports and their charging). */
export interface JobUsage {
  readonly source: 'measured' | 'estimated';
  readonly perJob: ActionUsage;
  readonly perRunningMinute: ActionUsage;
}

export const jobsMonth = (job: JobUsage, jobsPerDay: number, jobMinutes: number, memoryOf: MemoryOf): Usage =>
  scaleUsage(
    addUsage(usageOfAction(job.perJob, memoryOf), scaleUsage(usageOfAction(job.perRunningMinute, memoryOf), jobMinutes)),
    jobsPerDay * DAYS_PER_MONTH,
  );

/**
 * What runs whatever the fleet does: each schedule at its rate (measured per run, or a one-query
 * estimate), and the idle polling of each consumer's event source mapping.
 */
export const fixedMonth = (
  topology: Topology,
  schedulesPerRun: Readonly<Record<string, ActionUsage | undefined>>,
  memoryOf: MemoryOf,
): Usage => {
  const schedules = topology.schedules.map((def) => {
    const perRun = schedulesPerRun[def.name] ?? estimatedScheduleRun(def.entry);
    return scaleUsage(usageOfAction(perRun, memoryOf), SECONDS_PER_MONTH / (scheduleMinutes(def.everySeconds) * 60));
  });
  const idlePolling = topology.queues.length * IDLE_POLLERS_PER_EVENT_SOURCE * IDLE_RECEIVES_PER_POLLER_PER_MINUTE * (SECONDS_PER_MONTH / 60);
  return addUsage(...schedules, { ...NO_USAGE, sqsRequests: idlePolling });
};

/** A sweep that was not measured: one invocation of 100 ms, one index query of one read unit. */
export const estimatedScheduleRun = (entry: string): ActionUsage => ({
  apiRequests: 0,
  invocations: { [entry]: { count: 1, durationMs: 100, logBytes: 0 } },
  sdk: { 'DynamoDB.Query': { calls: 1, billableRequests: 1, readUnits: 1, writeUnits: 0 } },
});

export const SERVICES = [
  'API Gateway HTTP API requests',
  'Lambda requests',
  'Lambda duration (arm64)',
  'DynamoDB reads (on-demand)',
  'DynamoDB writes (on-demand)',
  'DynamoDB provisioned capacity',
  'SQS requests',
  'EventBridge events',
  'STS (free)',
  'CloudWatch Logs ingestion',
  'X-Ray traces',
  'CloudWatch alarms and dashboard',
] as const;
export type Service = (typeof SERVICES)[number];
export type ServiceCosts = Readonly<Record<Service, number>>;

const MILLION = 1_000_000;
const GB = 1024 ** 3;

export const totalOf = (costs: ServiceCosts): number => SERVICES.reduce((sum, service) => sum + costs[service], 0);

/** Which functions X-Ray traces, by handler entry: all but production's pass-through ones by default. */
export type IsTraced = (entry: string) => boolean;

/** Invocations of functions that record no traces of their own (pass-through tracing). */
const untracedInvocations = (usage: Usage, isTraced: IsTraced): number =>
  Object.entries(usage.invocationsByEntry).reduce((sum, [entry, count]) => sum + (isTraced(entry) ? 0 : count), 0);

/**
 * Dollars per service for a usage, each at its first-tier list price. X-Ray is charged at its
 * marginal rate (5% of the traced functions' invocations): the per-second reservoir is a fixed
 * cost, see `xrayReservoirTraces`. Access logs are priced at their log group's class.
 */
export const costOf = (usage: Usage, prices: PriceTable, isTraced: IsTraced = isTracedInProduction): ServiceCosts => ({
  'API Gateway HTTP API requests': (usage.apiRequests / MILLION) * prices.apiGatewayHttpRequests.usd,
  'Lambda requests': (usage.lambdaInvocations / MILLION) * prices.lambdaRequests.usd,
  'Lambda duration (arm64)': usage.lambdaGbSeconds * prices.lambdaArmGbSecond.usd,
  'DynamoDB reads (on-demand)': (usage.dynamoReadUnits / MILLION) * prices.dynamoDbReadRequestUnits.usd,
  'DynamoDB writes (on-demand)': (usage.dynamoWriteUnits / MILLION) * prices.dynamoDbWriteRequestUnits.usd,
  // A unit consumed for a second needs 1/target of a unit provisioned for that second.
  'DynamoDB provisioned capacity':
    ((usage.dynamoProvisionedReadUnits / 3600 / PROVISIONED_TARGET_UTILIZATION) * prices.dynamoDbProvisionedReadCapacityUnitHour.usd) +
    ((usage.dynamoProvisionedWriteUnits / 3600 / PROVISIONED_TARGET_UTILIZATION) * prices.dynamoDbProvisionedWriteCapacityUnitHour.usd),
  'SQS requests': (usage.sqsRequests / MILLION) * prices.sqsRequests.usd,
  'EventBridge events': (usage.eventBridgeEvents / MILLION) * prices.eventBridgeCustomEvents.usd,
  'STS (free)': (usage.stsRequests / MILLION) * prices.stsRequests.usd,
  'CloudWatch Logs ingestion':
    (usage.logBytes / GB) * prices.cloudWatchLogsIngestionGb.usd +
    (usage.accessLogBytes / GB) *
      (ACCESS_LOG_CLASS === 'INFREQUENT_ACCESS' ? prices.cloudWatchLogsInfrequentAccessIngestionGb.usd : prices.cloudWatchLogsIngestionGb.usd),
  'X-Ray traces':
    (((usage.lambdaInvocations - untracedInvocations(usage, isTraced)) * XRAY_SAMPLED_FRACTION) / MILLION) * prices.xRayTracesRecorded.usd,
  'CloudWatch alarms and dashboard': 0,
});

/**
 * Traces the per-function reservoir records beyond the 5% already charged: each function invoked
 * at rate r per second records min(r, 1) traces a second from the reservoir, of which 5% are
 * already counted in `costOf`.
 */
export const xrayReservoirTraces = (monthlyInvocationsByEntry: Readonly<Record<string, number>>, isTraced: IsTraced = isTracedInProduction): number =>
  Object.entries(monthlyInvocationsByEntry).reduce((sum, [entry, invocations]) => {
    if (!isTraced(entry)) return sum;
    const reservoirPerSecond = Math.min(invocations / SECONDS_PER_MONTH, XRAY_RESERVOIR_PER_SECOND);
    return sum + reservoirPerSecond * SECONDS_PER_MONTH * (1 - XRAY_SAMPLED_FRACTION);
  }, 0);

/** Requests past 300 million a month cost $0.90 instead of $1.00 per million: this is the (negative) difference. */
export const apiGatewayTierAdjustment = (monthlyRequests: number, prices: PriceTable): number => {
  const beyond = monthlyRequests - 300 * MILLION;
  return beyond > 0 ? (beyond / MILLION) * (prices.apiGatewayHttpRequestsOver300M.usd - prices.apiGatewayHttpRequests.usd) : 0;
};

export interface CostInputs extends AgentSettings {
  readonly hosts: number;
  readonly jobsPerDay: number;
  readonly jobMinutes: number;
}

export interface CostReport {
  readonly inputs: CostInputs;
  readonly idleHostMonth: ServiceCosts;
  readonly idleHostMonthTotal: number;
  readonly fleetMonth: ServiceCosts;
  readonly jobsMonth: ServiceCosts;
  readonly jobSource: JobUsage['source'];
  readonly fixedMonth: ServiceCosts;
  readonly totalMonth: ServiceCosts;
  readonly total: number;
  readonly alarms: number;
  readonly usage: { readonly idleHostMonth: Usage; readonly fleetMonth: Usage; readonly jobsMonth: Usage; readonly fixedMonth: Usage };
}

const withService = (costs: ServiceCosts, service: Service, add: number): ServiceCosts => ({ ...costs, [service]: costs[service] + add });

/** The monthly cost of the control plane, by service, split into idle hosts, jobs and fixed costs. */
export const monthlyCost = (args: {
  readonly inputs: CostInputs;
  readonly idle: IdleActions;
  readonly job: JobUsage;
  readonly schedulesPerRun: Readonly<Record<string, ActionUsage | undefined>>;
  readonly topology: Topology;
  readonly prices: PriceTable;
}): CostReport => {
  const { inputs, prices, topology } = args;
  const memoryOf = memoryFromTopology(topology);
  const hostMonth = idleHostMonth(args.idle, inputs, memoryOf);
  const fleet = scaleUsage(hostMonth, inputs.hosts);
  const jobs = jobsMonth(args.job, inputs.jobsPerDay, inputs.jobMinutes, memoryOf);
  const fixed = fixedMonth(topology, args.schedulesPerRun, memoryOf);
  const all = addUsage(fleet, jobs, fixed);

  const alarms = alarmCountOf(topology);
  let fixedCosts = withService(
    costOf(fixed, prices),
    'CloudWatch alarms and dashboard',
    alarms * prices.cloudWatchAlarm.usd + prices.cloudWatchDashboard.usd,
  );
  // The provisioned floor of table and indexes, charged whole: conservative, since the table's own floor is also consumption.
  const floor = provisionedFloor(topology.tables);
  fixedCosts = withService(
    fixedCosts,
    'DynamoDB provisioned capacity',
    HOURS_PER_MONTH * (floor.readUnits * prices.dynamoDbProvisionedReadCapacityUnitHour.usd + floor.writeUnits * prices.dynamoDbProvisionedWriteCapacityUnitHour.usd),
  );
  fixedCosts = withService(fixedCosts, 'X-Ray traces', (xrayReservoirTraces(all.invocationsByEntry) / MILLION) * prices.xRayTracesRecorded.usd);
  fixedCosts = withService(fixedCosts, 'API Gateway HTTP API requests', apiGatewayTierAdjustment(all.apiRequests, prices));

  const idleHost = costOf(hostMonth, prices);
  const fleetCosts = costOf(fleet, prices);
  const jobCosts = costOf(jobs, prices);
  const totalMonth = Object.fromEntries(SERVICES.map((service) => [service, fleetCosts[service] + jobCosts[service] + fixedCosts[service]])) as ServiceCosts;
  return {
    inputs,
    idleHostMonth: idleHost,
    idleHostMonthTotal: totalOf(idleHost),
    fleetMonth: fleetCosts,
    jobsMonth: jobCosts,
    jobSource: args.job.source,
    fixedMonth: fixedCosts,
    totalMonth,
    total: totalOf(totalMonth),
    alarms,
    usage: { idleHostMonth: hostMonth, fleetMonth: fleet, jobsMonth: jobs, fixedMonth: fixed },
  };
};
