/**
 * Factories for unit and contract tests: hosts, events, API Gateway events and Lambda
 * contexts, each with sensible defaults and overrides. Times are fixed Dates, never "now".
 */
import type { APIGatewayProxyEventV2, Context, SQSRecord } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { EventDefinition } from '#events/define.ts';
import { events } from '#events/index.ts';
import { microUsd } from '#platform/money.ts';
import type { Principal } from '#platform/principal.ts';
import type { Host } from '#registry/domain/host.ts';
import type { HostFacts } from '#registry/domain/host.ts';
import { newHost } from '#registry/domain/lifecycle.ts';

/** A fixed instant every test can reason about: a Monday, mid-morning UTC. */
export const T0 = new Date('2025-03-10T10:00:00.000Z');

export const at = (base: Date, seconds: number): Date => new Date(base.getTime() + seconds * 1000);

/** A logger that writes nothing, for code that needs one. */
export const silentLogger = (): Logger => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

export const hostFacts = (overrides: Partial<HostFacts> = {}): HostFacts => ({
  hostname: 'rig-01',
  region: 'eu-west',
  pricePerGpuHour: microUsd(450_000),
  gpus: [
    { name: 'NVIDIA GeForce RTX 4090', vramMb: 24_564, uuid: 'GPU-bbbb', index: 1 },
    { name: 'NVIDIA GeForce RTX 4090', vramMb: 24_564, uuid: 'GPU-aaaa', index: 0 },
  ],
  cpuCores: 32,
  memoryMb: 131_072,
  diskGb: 2_000,
  runtimes: ['docker'],
  ...overrides,
});

export const hostIds = { hostId: 'host_test0000000001', providerId: 'acct_provider000001', agentTokenHash: 'a'.repeat(64) };

/** A host as `newHost` makes it at `registeredAt`, with field overrides on top. */
export const aHost = (overrides: Partial<Host> = {}, registeredAt: Date = T0, facts: Partial<HostFacts> = {}): Host => ({
  ...newHost(hostFacts(facts), hostIds, registeredAt),
  ...overrides,
});

const envelope = (definition: EventDefinition, occurredAt: Date = T0) => ({
  version: definition.VERSION,
  eventId: '2f1c4a52-6a0f-4f55-9c1a-6d1f0b0f7a11',
  occurredAt: occurredAt.toISOString(),
});

const hostSnapshotSample = {
  hostId: hostIds.hostId,
  providerId: hostIds.providerId,
  status: 'online',
  listed: true,
  draining: false,
  gpus: [{ index: 0, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-aaaa' }],
  pricePerGpuHour: 450_000,
  region: 'eu-west',
  runtimes: ['docker'],
  reliability: 1,
  simulated: false,
};

const hostTransitionSample = { hostId: hostIds.hostId, providerId: hostIds.providerId, since: T0.toISOString() };

const assignmentLeaseSample = {
  assignmentId: 'asg_1',
  jobId: 'job_1',
  renterId: 'acct_renter000000001',
  hostId: hostIds.hostId,
  providerId: hostIds.providerId,
  gpuCount: 1,
  gpuModel: 'RTX 4090',
  pricePerGpuHour: 450_000,
  leaseStart: T0.toISOString(),
};

/** A sample payload (without envelope) for every event in `events/index.ts`. */
const samplePayloads: { readonly [K in keyof typeof events]: Record<string, unknown> } = {
  accountCreated: { accountId: 'acct_renter000000001', kind: 'renter', name: 'Ada' },
  hostRegistered: hostSnapshotSample,
  hostUpdated: hostSnapshotSample,
  hostUnreachable: hostTransitionSample,
  hostCameOnline: hostTransitionSample,
  hostWentOffline: hostTransitionSample,
  hostDeregistered: hostTransitionSample,
  jobSubmitted: { jobId: 'job_1', renterId: 'acct_renter000000001', holdAmount: 900_000 },
  jobScheduled: {
    jobId: 'job_1',
    renterId: 'acct_renter000000001',
    assignments: [{ assignmentId: 'asg_1', hostId: hostIds.hostId, providerId: hostIds.providerId, gpuIndices: [0], gpuModel: 'RTX 4090', pricePerGpuHour: 450_000, rank: 0 }],
  },
  assignmentStarted: assignmentLeaseSample,
  assignmentStopping: { ...assignmentLeaseSample, stopRequestedAt: T0.toISOString(), billableUntil: new Date(T0.getTime() + 30_000).toISOString(), reason: 'cancelled' },
  assignmentEnded: { ...assignmentLeaseSample, leaseEnd: T0.toISOString(), reason: 'exited' },
  jobEnded: { jobId: 'job_1', renterId: 'acct_renter000000001', status: 'succeeded' },
  serviceEndpointsChanged: {
    serviceId: 'svc_1',
    renterId: 'acct_renter000000001',
    endpointsVersion: 2,
    endpoints: [{ replica: 0, jobId: 'job_1r0g1', hostId: 'host_1', address: '203.0.113.7:40000', url: 'http://203.0.113.7:40000' }],
  },
  jobPreempted: { jobId: 'job_1', renterId: 'acct_renter000000001', assignmentIds: ['job_1.a1.r0'], hostIds: ['host_1'], cause: 'on-demand', deadline: '2026-01-01T00:00:30.000Z', requeued: true, preemptions: 1 },
  hostMaintenanceScheduled: {
    renterId: 'acct_renter000000001',
    jobId: 'job_1',
    hostId: hostIds.hostId,
    assignmentIds: ['job_1.a1.r0'],
    window: { windowId: 'mw_1', startsAt: new Date(T0.getTime() + 86_400_000).toISOString(), endsAt: new Date(T0.getTime() + 90_000_000).toISOString(), category: 'power' },
  },
  fundsHeld: { jobId: 'job_1', renterId: 'acct_renter000000001', amount: 900_000 },
  fundsRefused: { jobId: 'job_1', renterId: 'acct_renter000000001', amount: 900_000, available: 10, reason: 'insufficient_funds' },
  fundsExhausted: { jobId: 'job_1', renterId: 'acct_renter000000001', amount: 900_000, available: 10, reason: 'insufficient_funds' },
  balanceLow: { accountId: 'acct_renter000000001', runwaySeconds: 1200, thresholdSeconds: 3600, available: 300_000, runningJobIds: ['job_1'] },
  usageRecorded: {
    ...assignmentLeaseSample,
    usageRecordId: 'use_1',
    gpuSeconds: 1800,
    from: T0.toISOString(),
    to: new Date(T0.getTime() + 1_800_000).toISOString(),
    recordedAt: T0.toISOString(),
    gpuCount: undefined,
    leaseStart: undefined,
  },
  usageChunkRecorded: {
    chunkId: 'uch_1',
    assignmentId: assignmentLeaseSample.assignmentId,
    jobId: assignmentLeaseSample.jobId,
    renterId: assignmentLeaseSample.renterId,
    providerId: assignmentLeaseSample.providerId,
    hostId: assignmentLeaseSample.hostId,
    gpuModel: assignmentLeaseSample.gpuModel,
    pricePerGpuHour: assignmentLeaseSample.pricePerGpuHour,
    recordedAt: T0.toISOString(),
    records: [{ usageRecordId: 'use_1', gpuSeconds: 1800, from: T0.toISOString(), to: new Date(T0.getTime() + 1_800_000).toISOString() }],
  },
  usageChunkCharged: { chunkId: 'uch_1', jobId: 'job_1', renterId: 'acct_renter000000001', records: 1, amount: 225_000, jobCost: 225_000, chargedAt: T0.toISOString() },
  usageCharged: { usageRecordId: 'use_1', jobId: 'job_1', renterId: 'acct_renter000000001', amount: 225_000, jobCost: 225_000, chargedAt: T0.toISOString() },
  payoutPaid: {
    payoutId: 'pay_1', batchId: 'pob_1', providerId: hostIds.providerId, amount: 405_000, rail: 'paypal', reference: 'PP-7781', paidAt: T0.toISOString(),
  },
  exportRequested: {
    exportId: 'exp_01jz3k5q7w9d2c4m6n8p',
    runId: 'run_01jz3k5q7w9d2c4m6n8p',
    kind: 'usage',
    format: 'csv',
    from: '2025-03-10T00:00:00.000Z',
    to: '2025-03-11T00:00:00.000Z',
    daily: false,
  },
};

/** A full, valid `detail` for the named event: payload plus envelope. */
export const sampleDetail = (name: keyof typeof events, occurredAt: Date = T0): Record<string, unknown> => ({
  ...samplePayloads[name],
  ...envelope(events[name], occurredAt),
});

/** An API Gateway HTTP API (payload v2) event as the gateway hands it to a route's Lambda. */
export const httpEvent = (
  options: {
    routeKey: string;
    body?: string;
    principal?: Principal | Record<string, unknown>;
    headers?: Record<string, string>;
    requestId?: string;
    pathParameters?: Record<string, string>;
    queryStringParameters?: Record<string, string>;
    isBase64Encoded?: boolean;
  },
): APIGatewayProxyEventV2 => {
  const [method = 'GET', path = '/'] = options.routeKey.split(' ');
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.queryStringParameters ? { queryStringParameters: options.queryStringParameters } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: options.requestId ?? 'req-0001',
      routeKey: options.routeKey,
      stage: '$default',
      time: '10/Mar/2025:10:00:00 +0000',
      timeEpoch: T0.getTime(),
      ...(options.principal ? { authorizer: { lambda: options.principal } } : {}),
    },
  } as APIGatewayProxyEventV2;
};

export const adminPrincipal: Principal = { kind: 'account', role: 'admin', accountId: 'admin', keyId: 'admin' };
export const renterPrincipal: Principal = { kind: 'account', role: 'renter', accountId: 'acct_renter000000001', keyId: 'key_renter000000001' };

/** The minimal Context Lambda passes; the deadline is fixed, no clock involved. */
export const lambdaContext = (functionName = 'test-function'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '256',
  awsRequestId: 'aws-req-0001',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** An SQS record carrying one EventBridge event, as a rule's queue target delivers it. */
export const eventRecord = (definition: EventDefinition, detail: Record<string, unknown>, messageId: string, time = '2025-03-10T10:00:00Z'): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({ id: `ev-${messageId}`, source: definition.SOURCE, 'detail-type': definition.DETAIL_TYPE, time, detail }),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  }) as SQSRecord;
