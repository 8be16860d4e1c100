import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export const isStage = (value: unknown): value is Stage => STAGES.includes(value as Stage);

export interface Throttle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Bucket size: how many requests may arrive at once. */
  readonly burstLimit: number;
}

/** Provisioned capacity that Application Auto Scaling moves between `min` and `max` (capacity units). */
export interface AutoscaledCapacity {
  readonly read: { readonly min: number; readonly max: number };
  readonly write: { readonly min: number; readonly max: number };
  /** Auto Scaling keeps consumed capacity near this share of what is provisioned (table and each index). */
  readonly targetUtilizationPercent: number;
}

/** What differs between a developer's account and production; everything else is the topology. */
export interface StageConfig {
  readonly stage: Stage;
  /** HTTP API throttling applied to every route that `routeThrottles` does not name. */
  readonly throttle: Throttle;
  /**
   * Per-route throttling by route key (`POST /v1/agent/heartbeat`). Agent traffic grows with the
   * fleet and gets its own budget; routes that mint credentials or accept the public get less.
   */
  readonly routeThrottles: Readonly<Record<string, Throttle>>;
  readonly logRetention: RetentionDays;
  readonly logLevel: 'DEBUG' | 'INFO';
  /**
   * Lambda's own log lines (START, END, REPORT) are written at INFO. Production keeps WARN and
   * above only: at one heartbeat per host a minute they would be most of the log bill, and
   * duration, errors and throttles stay in the functions' metrics and X-Ray traces.
   */
  readonly lambdaSystemLogLevel: 'INFO' | 'WARN';
  /**
   * Handler entries whose functions trace only requests an upstream caller already sampled
   * (Lambda's PassThrough), every other function tracing actively. Lambda's own sampling (the
   * first request each second and 5% of the rest, per function) cannot be tuned by X-Ray
   * sampling rules, and an HTTP API samples nothing upstream: so these functions record no
   * traces. Meant for the per-host-per-minute paths, whose traces would be most of X-Ray's bill.
   */
  readonly passThroughTracing: readonly string[];
  /**
   * The API's access-log group class. Infrequent Access costs half per GB ingested and keeps
   * Logs Insights queries, but has no metric or subscription filters and no Live Tail.
   */
  readonly accessLogClass: 'STANDARD' | 'INFREQUENT_ACCESS';
  /**
   * Tables (by topology name) billed by provisioned, auto-scaled capacity instead of per request,
   * with the same bounds for each of their indexes. Worth it for steady traffic: a provisioned
   * write unit used at 70% costs about 40% of the same writes on demand. Every other table is on demand.
   */
  readonly provisionedCapacity: Readonly<Record<string, AutoscaledCapacity>>;
  /** Tables, buckets and log groups outlive the stack in prod; dev stacks clean up after themselves. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly eventArchiveRetention: Duration;
  /** A shared queue whose oldest message is older than this has a stuck or failing consumer. */
  readonly oldestMessageAlarmAge: Duration;
  /** A host queue whose oldest message is older than this has an agent that stopped polling. */
  readonly hostQueueAlarmAge: Duration;
  /** Export files are re-creatable from the ledger: current versions expire after this. */
  readonly exportsExpiration: Duration;
  readonly exportsNoncurrentVersionExpiration: Duration;
  /**
   * Reserved concurrency per handler entry, applied only when the deployer opts in with
   * `-c reservedConcurrency=true` (new accounts have too little concurrency to reserve any).
   */
  readonly recommendedReservedConcurrency: Readonly<Record<string, number>>;
  /** Reserved concurrency actually applied, per handler entry (empty unless opted in). */
  readonly reservedConcurrency: Readonly<Record<string, number>>;
  /** Where the alarm topic emails, if anywhere (`-c alarmEmail=ops@example.com`). */
  readonly alarmEmail?: string;
}

const agentRoutes = (perSecond: number): Record<string, Throttle> => ({
  // One heartbeat per host per interval (60 s): the budget is the fleet size divided by 60, doubled.
  'POST /v1/agent/heartbeat': { rateLimit: perSecond, burstLimit: perSecond * 2 },
  'POST /v1/agent/queue-credentials': { rateLimit: Math.ceil(perSecond / 10), burstLimit: Math.ceil(perSecond / 5) },
});

/** Routes that mint credentials or take unauthenticated bodies: a slow trickle is all they need. */
const sensitiveRoutes = (perSecond: number): Record<string, Throttle> => ({
  'POST /v1/agent/register': { rateLimit: perSecond, burstLimit: perSecond * 2 },
  'POST /v1/accounts': { rateLimit: perSecond, burstLimit: perSecond * 2 },
  'POST /v1/accounts/me/keys': { rateLimit: perSecond, burstLimit: perSecond * 2 },
  'POST /v1/hosts/registration-tokens': { rateLimit: perSecond, burstLimit: perSecond * 2 },
});

const configs: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    throttle: { rateLimit: 50, burstLimit: 100 },
    routeThrottles: { ...agentRoutes(100), ...sensitiveRoutes(5) },
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'DEBUG',
    lambdaSystemLogLevel: 'INFO',
    // Few requests in a developer's account: trace them all, and tail the access log live.
    passThroughTracing: [],
    accessLogClass: 'STANDARD',
    provisionedCapacity: {},
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    eventArchiveRetention: Duration.days(7),
    oldestMessageAlarmAge: Duration.minutes(15),
    hostQueueAlarmAge: Duration.minutes(30),
    exportsExpiration: Duration.days(30),
    exportsNoncurrentVersionExpiration: Duration.days(7),
    recommendedReservedConcurrency: {},
    reservedConcurrency: {},
  },
  prod: {
    stage: 'prod',
    throttle: { rateLimit: 500, burstLimit: 1000 },
    // 2,000 heartbeats per second is a fleet of 60,000 hosts at the 60 s interval, with room to spare.
    routeThrottles: { ...agentRoutes(2000), ...sensitiveRoutes(20) },
    logRetention: RetentionDays.THREE_MONTHS,
    logLevel: 'INFO',
    lambdaSystemLogLevel: 'WARN',
    // Every host calls these once a minute: their errors, throttles and p99 duration stay in the alarms and dashboard.
    passThroughTracing: ['functions/registry/heartbeat.ts', 'functions/platform/authorizer.ts'],
    accessLogClass: 'INFREQUENT_ACCESS',
    // The registry's traffic is the fleet's heartbeats (one pulse write and one read per host a
    // minute) and the sweep's reads: steady, and growing only as hosts join. The floor keeps
    // bursts (a sweep marking many hosts unreachable at once) inside burst capacity.
    provisionedCapacity: {
      registry: { read: { min: 5, max: 10_000 }, write: { min: 5, max: 10_000 }, targetUtilizationPercent: 70 },
    },
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    eventArchiveRetention: Duration.days(90),
    oldestMessageAlarmAge: Duration.minutes(5),
    hostQueueAlarmAge: Duration.minutes(15),
    exportsExpiration: Duration.days(400),
    exportsNoncurrentVersionExpiration: Duration.days(90),
    // The identity and heartbeat paths keep answering agents when a renter flood eats the rest.
    recommendedReservedConcurrency: {
      'functions/platform/authorizer.ts': 100,
      'functions/registry/heartbeat.ts': 100,
    },
    reservedConcurrency: {},
  },
};

export const stageConfig = (stage: Stage): StageConfig => configs[stage];

/** The CDK context keys a deployer may set (`npx cdk deploy -c stage=prod -c alarmEmail=...`). */
export const ContextKeys = {
  stage: 'stage',
  reservedConcurrency: 'reservedConcurrency',
  alarmEmail: 'alarmEmail',
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const parseReservedConcurrency = (value: unknown, recommended: Readonly<Record<string, number>>): Record<string, number> => {
  if (value === undefined || value === false || value === 'false' || value === '') return {};
  if (value === true || value === 'true') return { ...recommended };
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${ContextKeys.reservedConcurrency} must be true, false or a JSON object of handler entry to concurrency`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  for (const [entry, count] of entries) {
    if (!Number.isInteger(count) || (count as number) < 0) throw new Error(`${ContextKeys.reservedConcurrency}: '${entry}' needs a whole number >= 0`);
  }
  return Object.fromEntries(entries) as Record<string, number>;
};

/**
 * The stage's configuration with the deployer's CDK context applied: reserved concurrency is
 * opt-in (`-c reservedConcurrency=true` for the stage's recommendation, or a JSON object of
 * handler entry to count), and `-c alarmEmail=` subscribes an address to the alarm topic.
 */
export const stageConfigFromContext = (stage: Stage, context: (key: string) => unknown): StageConfig => {
  const base = stageConfig(stage);
  const email = context(ContextKeys.alarmEmail);
  if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) {
    throw new Error(`${ContextKeys.alarmEmail} must be an email address, got '${String(email)}'`);
  }
  return {
    ...base,
    reservedConcurrency: parseReservedConcurrency(context(ContextKeys.reservedConcurrency), base.recommendedReservedConcurrency),
    ...(typeof email === 'string' ? { alarmEmail: email } : {}),
  };
};
