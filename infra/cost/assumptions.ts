/**
 * What the cost model cannot measure on the local runtime, each with its reason. Prices are in
 * prices.ts; request counts come from measured.json; these are the rest.
 */

import { stageConfig } from '../stacks/stage-config.ts';

/** A month as AWS bills it: 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/**
 * Bytes Lambda itself writes to a function's log group per invocation at the INFO system log
 * level: the START, END and REPORT lines (with the XRAY line active tracing adds to REPORT),
 * about 75 + 55 + 220 bytes. Locally no Lambda runtime writes them, so they are added here.
 */
export const LAMBDA_PLATFORM_LOG_BYTES_AT_INFO = 350;

const PRODUCTION = stageConfig('prod');

/** The figure prices production, whose system log level (WARN) drops those lines. */
export const LAMBDA_PLATFORM_LOG_BYTES = PRODUCTION.lambdaSystemLogLevel === 'INFO' ? LAMBDA_PLATFORM_LOG_BYTES_AT_INFO : 0;

/** Tables production bills by provisioned capacity (topology names); the rest are on demand. */
export const PROVISIONED_TABLES: readonly string[] = Object.keys(PRODUCTION.provisionedCapacity);

/**
 * Auto Scaling keeps consumption near its target utilisation, so each consumed unit needs
 * 1/target of a provisioned one (the lowest target of the provisioned tables, to be safe).
 */
export const PROVISIONED_TARGET_UTILIZATION =
  Math.min(100, ...Object.values(PRODUCTION.provisionedCapacity).map((capacity) => capacity.targetUtilizationPercent)) / 100;

/** The capacity floor production keeps provisioned, table and indexes, whatever the traffic. */
export const provisionedFloor = (tables: Readonly<Record<string, { readonly indexes: readonly unknown[] }>>): { readUnits: number; writeUnits: number } =>
  Object.entries(PRODUCTION.provisionedCapacity).reduce(
    (sum, [name, capacity]) => {
      const copies = 1 + (tables[name]?.indexes.length ?? 0);
      return { readUnits: sum.readUnits + copies * capacity.read.min, writeUnits: sum.writeUnits + copies * capacity.write.min };
    },
    { readUnits: 0, writeUnits: 0 },
  );

/** Production's access-log group class (Infrequent Access ingests at half the price). */
export const ACCESS_LOG_CLASS = PRODUCTION.accessLogClass;

/**
 * Whether a function records X-Ray traces of its own in production: not those on pass-through
 * tracing (the heartbeat and the authorizer), since an HTTP API samples nothing upstream.
 */
export const isTracedInProduction = (entry: string): boolean => !PRODUCTION.passThroughTracing.includes(entry);

/**
 * One access-log line of the HTTP API (GpuhiveApi's format, twelve fields), rendered with the
 * values of an agent's heartbeat: request id, source IP, time, route, path, status, length,
 * latency, integration status, empty error fields and the agent's user agent.
 */
export const ACCESS_LOG_BYTES_PER_REQUEST = Buffer.byteLength(
  JSON.stringify({
    requestId: 'Ab1Cd2Ef3Gh4IjQ=',
    ip: '203.0.113.42',
    requestTime: '25/Nov/2026:20:53:34 +0000',
    routeKey: 'POST /v1/agent/heartbeat',
    path: '/v1/agent/heartbeat',
    status: '200',
    responseLength: '162',
    latencyMs: '41',
    integrationStatus: '200',
    integrationError: '-',
    authorizerError: '-',
    userAgent: 'gpuhive-agent/0.1.0 (linux; x64)',
  }),
) + 1;

/**
 * X-Ray active tracing on Lambda records the first request each second and 5% of the rest,
 * per function; Lambda's sampling cannot be configured (docs.aws.amazon.com/lambda/latest/dg/
 * services-xray.html). A host's own requests add 5% of its traced functions' invocations.
 */
export const XRAY_RESERVOIR_PER_SECOND = 1;
export const XRAY_SAMPLED_FRACTION = 0.05;

/**
 * An idle Lambda event source mapping keeps long-polling its queue: Lambda scales an idle
 * mapping down to as few as two concurrent pollers (docs.aws.amazon.com/lambda/latest/dg/
 * services-sqs-scaling.html), each making a 20 s receive, three a minute.
 */
export const IDLE_POLLERS_PER_EVENT_SOURCE = 2;
export const IDLE_RECEIVES_PER_POLLER_PER_MINUTE = 3;

/**
 * Locally the queue-credential vendor hands out local placeholders; on AWS each vend is also
 * one STS AssumeRole (free, counted for completeness).
 */
export const STS_CALLS_PER_CREDENTIAL_VEND = 1;
