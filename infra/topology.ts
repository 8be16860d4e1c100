// Over 300 lines on purpose: the whole deployable shape is one declaration (see below), so
// that a route, rule or schedule cannot be in one target and not the other.
import { patternFor } from '#events/define.ts';
import { events } from '#events/index.ts';

/**
 * The one declaration of gpuhive's deployable shape: tables, routes, queues, event rules
 * and schedules. The CDK stack (infra/stacks) and the local runtime (infra/local) are both
 * built from this object, so a route or rule cannot exist in one target and not the other.
 */
export type Context =
  | 'platform' | 'accounts' | 'registry' | 'billing' | 'matching' | 'metering' | 'exports' | 'logs' | 'notifications';
export type AccountRole = 'renter' | 'provider' | 'finance' | 'admin';
export type Role = AccountRole | 'agent';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TableDef {
  /** Env var through which functions learn the physical table name. */
  readonly envVar: string;
  readonly context: Context;
  readonly indexes: readonly { readonly name: string; readonly partitionKey: string; readonly sortKey: string }[];
  /** Attribute holding epoch seconds after which DynamoDB may delete the item. */
  readonly ttlAttribute?: string;
}

/**
 * Extra capabilities a function needs beyond its own context's table and the bus:
 * create and delete host queues; read and acknowledge on them; send assignments and
 * cancels to them; vend agents' queue credentials; republish every context's outbox.
 */
export type Capability =
  | 'manageHostQueues' | 'pollHostQueues' | 'sendToHostQueues' | 'vendAgentQueueCredentials' | 'sweepOutboxes' | 'jobLogObjects'
  /** Signs what it serves to providers with the platform's Ed25519 key (install.sh, the agent bundle). */
  | 'signDownloads';

export interface FunctionDef {
  /** Module under the repo root exporting `handler`. */
  readonly entry: string;
  readonly context: Context;
  /** Tables of other contexts read through a declared read-only port (ARCHITECTURE.md). */
  readonly reads?: readonly TableName[];
  readonly capabilities?: readonly Capability[];
  /** Topology queues (by name) this function sends work to directly, not through the bus. */
  readonly sendsTo?: readonly string[];
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** Ships the agent's single-file bundle beside the handler (built by the CDK bundling step). */
  readonly bundlesAgent?: boolean;
  /** Ships the renter CLI's single-file bundle beside the handler (built by the CDK bundling step). */
  readonly bundlesCli?: boolean;
  /** The function reads the job templates (templates/*.yaml): the bundling step copies them beside it. */
  readonly bundlesTemplates?: boolean;
}

export interface RouteDef extends FunctionDef {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/hosts/{hostId}`. */
  readonly path: string;
  /** Roles admitted; `public` routes take no bearer secret (see `publicBecause`). */
  readonly roles: readonly Role[] | 'public';
  /** Why a `public` route needs no bearer secret: required for them, shown in the security review (cdk-nag). */
  readonly publicBecause?: string;
}

export interface QueueDef extends FunctionDef {
  readonly name: string;
  /** Records per invocation: at most 10 for a FIFO queue; above 10 needs `maxBatchingWindowSeconds`. */
  readonly batchSize: number;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  /** How long the event source gathers records before invoking with fewer than `batchSize` (Lambda: 0-300 s; not for FIFO). */
  readonly maxBatchingWindowSeconds?: number;
  /** Most concurrent invocations the event source starts for this queue (Lambda: 2-1000). Unset: Lambda's own scaling. */
  readonly maxConcurrency?: number;
  /**
   * A FIFO queue: senders name a message group, and one group's messages are handed out one
   * batch at a time, in order, while different groups run in parallel. Its name ends `.fifo`.
   */
  readonly fifo?: boolean;
}

/** Lambda refuses a batch above 10 records without a batching window, and any window on FIFO. */
export const MAX_BATCH_WITHOUT_WINDOW = 10;

/** A queue's deployed name (`gpuhive-<stage>-<name>`, `.fifo` for a FIFO queue) and its DLQ's. */
export const queueResourceNames = (stage: string, queue: Pick<QueueDef, 'name' | 'fifo'>): { readonly name: string; readonly deadLetterName: string } => {
  const suffix = queue.fifo ? '.fifo' : '';
  return { name: `${resourceName(stage, queue.name)}${suffix}`, deadLetterName: `${resourceName(stage, `${queue.name}-dlq`)}${suffix}` };
};

/** Why a queue's knobs are not ones Lambda's SQS event source accepts, or undefined. */
export const queueKnobProblem = (queue: QueueDef): string | undefined => {
  if (queue.fifo && queue.batchSize > MAX_BATCH_WITHOUT_WINDOW) return `${queue.name}: a FIFO queue takes batches of at most ${MAX_BATCH_WITHOUT_WINDOW}`;
  if (queue.fifo && queue.maxBatchingWindowSeconds !== undefined) return `${queue.name}: a FIFO queue takes no batching window`;
  if (queue.batchSize > MAX_BATCH_WITHOUT_WINDOW && !queue.maxBatchingWindowSeconds) return `${queue.name}: a batch above ${MAX_BATCH_WITHOUT_WINDOW} needs maxBatchingWindowSeconds`;
  if (queue.maxBatchingWindowSeconds !== undefined && (queue.maxBatchingWindowSeconds < 0 || queue.maxBatchingWindowSeconds > 300)) return `${queue.name}: maxBatchingWindowSeconds must be 0-300`;
  if (queue.maxConcurrency !== undefined && (queue.maxConcurrency < 2 || queue.maxConcurrency > 1000)) return `${queue.name}: maxConcurrency must be 2-1000`;
  return undefined;
};

export interface RuleDef {
  readonly name: string;
  /** EventBridge pattern, built from the events module (never retyped detail-types). */
  readonly pattern: { readonly source: readonly string[]; readonly 'detail-type': readonly string[] };
  readonly queue: string;
}

export interface ScheduleDef extends FunctionDef {
  readonly name: string;
  readonly everySeconds: number;
}

export interface Topology {
  readonly tables: Readonly<Record<string, TableDef>>;
  /** Tables that carry a transactional outbox, swept by `sweepOutboxes`. */
  readonly outboxTables: readonly TableName[];
  readonly routes: readonly RouteDef[];
  /** Answers every unmatched method and path with the API's 404. */
  readonly defaultRoute: FunctionDef;
  readonly authorizer: FunctionDef & { readonly cacheSeconds: number };
  readonly queues: readonly QueueDef[];
  readonly rules: readonly RuleDef[];
  readonly schedules: readonly ScheduleDef[];
}

const byType = [{ name: 'byType', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }] as const;
const outboxIndex = { name: 'outbox', partitionKey: 'outboxBucket', sortKey: 'createdAt' } as const;

export const tables = {
  accounts: { envVar: 'ACCOUNTS_TABLE_NAME', context: 'accounts', indexes: [outboxIndex], ttlAttribute: 'ttl' },
  registry: {
    envVar: 'REGISTRY_TABLE_NAME',
    context: 'registry',
    indexes: [...byType, outboxIndex],
    ttlAttribute: 'ttl',
  },
  billing: { envVar: 'BILLING_TABLE_NAME', context: 'billing', indexes: [...byType, outboxIndex], ttlAttribute: 'ttl' },
  matching: {
    envVar: 'MATCHING_TABLE_NAME',
    context: 'matching',
    indexes: [...byType, { name: 'work', partitionKey: 'workBucket', sortKey: 'workDueAt' }, outboxIndex],
    ttlAttribute: 'ttl',
  },
  metering: { envVar: 'METERING_TABLE_NAME', context: 'metering', indexes: [...byType, outboxIndex], ttlAttribute: 'ttl' },
  // exports
  exports: { envVar: 'EXPORTS_TABLE_NAME', context: 'exports', indexes: [...byType, outboxIndex], ttlAttribute: 'ttl' },
  // logs
  logs: { envVar: 'LOGS_TABLE_NAME', context: 'logs', indexes: [...byType], ttlAttribute: 'ttl' },
  // notifications
  notifications: { envVar: 'NOTIFICATIONS_TABLE_NAME', context: 'notifications', indexes: [...byType], ttlAttribute: 'ttl' },
} as const satisfies Record<string, TableDef>;
export type TableName = keyof typeof tables;


const account: readonly Role[] = ['renter', 'provider', 'finance'];
const provider: readonly Role[] = ['provider'];
const agent: readonly Role[] = ['agent'];

const accountsRoute = (method: HttpMethod, path: string, entry: string, roles: readonly Role[]): RouteDef => ({
  method, path, roles, context: 'accounts', entry: `functions/accounts/${entry}.ts`,
});
const contextRoute =
  (context: Context) =>
  (method: HttpMethod, path: string, entry: string, roles: readonly Role[], extra: Partial<FunctionDef> = {}): RouteDef => ({
    method, path, roles, context, entry: `functions/${context}/${entry}.ts`, ...extra,
  });
const billingRoute = contextRoute('billing');
const meteringRoute = contextRoute('metering');
const matchingRoute = contextRoute('matching');
const renter: readonly Role[] = ['renter'];

/** API Gateway's integration limit less a second (infra/constructs/sizing.ts checks it): a batch on demand may look at many providers. */
const MAX_ROUTE_SECONDS = 29;

/** Matching's read-only port: which assignments are live on a host (heartbeat, sign-off, deregistration). */
const liveAssignmentsPort: readonly TableName[] = ['matching'];

const registryRoute = (
  method: HttpMethod, path: string, entry: string, roles: readonly Role[] | 'public', capabilities?: readonly Capability[], reads?: readonly TableName[],
): RouteDef => ({
  method, path, roles, context: 'registry', entry: `functions/registry/${entry}.ts`, ...(capabilities ? { capabilities } : {}), ...(reads ? { reads } : {}),
});

export const topology: Topology = {
  tables,
  outboxTables: ['accounts', 'registry', 'billing', 'matching', 'metering', 'exports'],
  routes: [
    accountsRoute('POST', '/v1/accounts', 'create-account', ['admin']),
    accountsRoute('GET', '/v1/accounts/me', 'get-my-account', account),
    accountsRoute('GET', '/v1/accounts/me/keys', 'list-my-keys', account),
    accountsRoute('POST', '/v1/accounts/me/keys', 'issue-key', account),
    accountsRoute('DELETE', '/v1/accounts/me/keys/{keyId}', 'revoke-key', account),
    // interactive jobs: the renter's saved SSH public keys
    accountsRoute('POST', '/v1/ssh-keys', 'add-ssh-key', renter),
    accountsRoute('GET', '/v1/ssh-keys', 'list-ssh-keys', renter),
    accountsRoute('DELETE', '/v1/ssh-keys/{keyId}', 'delete-ssh-key', renter),

    // Reads accounts' key-hash item to re-check the caller's key before minting (shared/platform/live-credentials.ts).
    registryRoute('POST', '/v1/hosts/registration-tokens', 'create-registration-token', provider, undefined, ['accounts']),
    registryRoute('GET', '/v1/hosts', 'list-hosts', provider),
    registryRoute('GET', '/v1/hosts/{hostId}', 'get-host', provider),
    registryRoute('PATCH', '/v1/hosts/{hostId}', 'update-host', provider),
    registryRoute('DELETE', '/v1/hosts/{hostId}', 'deregister-host', provider, ['manageHostQueues'], liveAssignmentsPort),
    // registry: maintenance windows
    registryRoute('POST', '/v1/hosts/{hostId}/maintenance', 'schedule-maintenance', provider),
    registryRoute('GET', '/v1/hosts/{hostId}/maintenance', 'list-maintenance', provider),
    registryRoute('DELETE', '/v1/hosts/{hostId}/maintenance/{windowId}', 'cancel-maintenance', provider),
    {
      ...registryRoute('POST', '/v1/agent/register', 'register-agent', 'public', ['manageHostQueues']),
      publicBecause: 'the agent proves itself with a one-time registration token in the body, which the handler checks',
    },
    registryRoute('POST', '/v1/agent/heartbeat', 'heartbeat', agent, undefined, liveAssignmentsPort),
    registryRoute('POST', '/v1/agent/sign-off', 'sign-off', agent, undefined, liveAssignmentsPort),
    registryRoute('POST', '/v1/agent/queue-credentials', 'vend-queue-credentials', agent, ['pollHostQueues', 'vendAgentQueueCredentials']),
    // Both steps of a verification run (commit, answer) on one route: one Lambda, not two (docs/verification.md).
    registryRoute('POST', '/v1/agent/verifications/{runId}', 'verification-step', agent),
    // Holds a long poll of up to 20 s (API.md): the default 10 s would time it out.
    { ...registryRoute('GET', '/v1/agent/assignments', 'receive-assignments', agent, ['pollHostQueues']), timeoutSeconds: 25 },
    registryRoute('POST', '/v1/agent/assignments/ack', 'ack-assignments', agent, ['pollHostQueues']),

    billingRoute('POST', '/v1/accounts/{accountId}/credits', 'add-credits', ['admin']),
    billingRoute('GET', '/v1/billing/balance', 'get-balance', ['renter', 'provider']),
    billingRoute('GET', '/v1/billing/ledger', 'list-ledger', ['renter', 'provider']),

    // Reads billing's balance port, and accounts' saved SSH keys of the renter (interactive jobs).
    matchingRoute('POST', '/v1/jobs', 'submit-job', renter, { reads: ['billing', 'accounts'], bundlesTemplates: true }),
    matchingRoute('GET', '/v1/templates', 'list-templates', renter, { bundlesTemplates: true }),
    matchingRoute('GET', '/v1/jobs', 'list-jobs', renter),
    matchingRoute('GET', '/v1/jobs/{jobId}', 'get-job', renter),
    matchingRoute('POST', '/v1/jobs/{jobId}/cancel', 'cancel-job', renter, { capabilities: ['sendToHostQueues'] }),
    matchingRoute('GET', '/v1/jobs/{jobId}/events', 'get-job-events', renter),
    matchingRoute('GET', '/v1/offers', 'list-offers', ['renter', 'provider']),
    matchingRoute('GET', '/v1/gpu-models', 'list-gpu-models', ['renter', 'provider']),
    matchingRoute('GET', '/v1/agent/assignments/{assignmentId}', 'get-assignment', agent),
    // inference services (docs/services.md): their replicas are jobs, so these send to host queues as jobs' routes do
    matchingRoute('POST', '/v1/services', 'create-service', renter, { reads: ['billing'], bundlesTemplates: true, capabilities: ['sendToHostQueues'] }),
    matchingRoute('GET', '/v1/services', 'list-services', renter),
    matchingRoute('GET', '/v1/services/{serviceId}', 'get-service', renter),
    matchingRoute('PATCH', '/v1/services/{serviceId}', 'update-service', renter, { capabilities: ['sendToHostQueues'] }),
    matchingRoute('POST', '/v1/services/{serviceId}/stop', 'stop-service', renter, { capabilities: ['sendToHostQueues'] }),
    matchingRoute('GET', '/v1/services/{serviceId}/endpoints', 'get-service-endpoints', renter),

    meteringRoute('POST', '/v1/agent/usage', 'record-usage', agent),
    meteringRoute('GET', '/v1/jobs/{jobId}/usage', 'get-job-usage', renter),
    meteringRoute('GET', '/v1/hosts/{hostId}/usage', 'get-host-usage', provider),
    matchingRoute('POST', '/v1/agent/assignments/{assignmentId}/events', 'record-assignment-event', agent, {
      capabilities: ['sendToHostQueues'],
    }),
    // billing: holds and statements
    billingRoute('GET', '/v1/billing/statements/{month}', 'get-statement', ['renter', 'provider']),
    // billing: payouts
    billingRoute('PUT', '/v1/payouts/method', 'put-payout-method', provider),
    billingRoute('GET', '/v1/payouts/method', 'get-payout-method', provider),
    billingRoute('GET', '/v1/payouts', 'list-payouts', ['provider', 'finance']),
    billingRoute('POST', '/v1/finance/payout-batches', 'create-payout-batch', ['finance'], { timeoutSeconds: MAX_ROUTE_SECONDS }),
    billingRoute('GET', '/v1/finance/payout-batches/{batchId}', 'get-payout-batch', ['finance']),
    billingRoute('GET', '/v1/finance/payout-batches/{batchId}/file', 'get-payout-batch-file', ['finance']),
    billingRoute('POST', '/v1/finance/payouts/{payoutId}/paid', 'mark-payout-paid', ['finance']),
    billingRoute('POST', '/v1/finance/payouts/{payoutId}/failed', 'mark-payout-failed', ['finance']),
    // exports
    contextRoute('exports')('POST', '/v1/finance/exports', 'request-export', ['finance']),
    contextRoute('exports')('GET', '/v1/finance/exports', 'list-exports', ['finance']),
    contextRoute('exports')('GET', '/v1/finance/exports/{exportId}', 'get-export', ['finance']),
    // agent distribution
    {
      method: 'GET', path: '/install.sh', roles: 'public', context: 'platform', entry: 'functions/platform/serve-install-script.ts',
      capabilities: ['signDownloads'],
      publicBecause: 'providers fetch the installer before they have any credential; it holds no secret',
    },
    {
      method: 'GET', path: '/agent/gpuhive-agent.mjs', roles: 'public', context: 'platform', entry: 'functions/platform/serve-agent-bundle.ts',
      bundlesAgent: true, memoryMb: 512, capabilities: ['signDownloads'],
      publicBecause: 'the installer downloads the agent program before the host is registered; it holds no secret',
    },
    // renter CLI distribution
    {
      method: 'GET', path: '/cli/gpuhive.mjs', roles: 'public', context: 'platform', entry: 'functions/platform/serve-cli-bundle.ts',
      bundlesCli: true, memoryMb: 512,
      publicBecause: 'renters download the command line program before they use a key with it; it holds no secret',
    },
    // logs
    contextRoute('logs')('POST', '/v1/agent/assignments/{assignmentId}/logs', 'record-logs', agent, { capabilities: ['jobLogObjects'] }),
    contextRoute('logs')('GET', '/v1/jobs/{jobId}/logs', 'get-job-logs', renter, { capabilities: ['jobLogObjects'] }),
    // notifications
    contextRoute('notifications')('POST', '/v1/webhooks', 'create-webhook', ['renter', 'provider']),
    contextRoute('notifications')('GET', '/v1/webhooks', 'list-webhooks', ['renter', 'provider']),
    contextRoute('notifications')('DELETE', '/v1/webhooks/{webhookId}', 'delete-webhook', ['renter', 'provider']),
    contextRoute('notifications')('GET', '/v1/webhooks/{webhookId}/deliveries', 'list-deliveries', ['renter', 'provider']),
    // API description
    {
      method: 'GET', path: '/v1/openapi.json', roles: 'public', context: 'platform', entry: 'functions/platform/get-openapi.ts',
      publicBecause: 'it serves the API description, which is public documentation and carries no account data',
    },
  ],
  defaultRoute: { entry: 'functions/platform/not-found.ts', context: 'platform' },
  authorizer: { entry: 'functions/platform/authorizer.ts', context: 'platform', reads: ['accounts', 'registry'], cacheSeconds: 60 },
  queues: [
    { name: 'billing-jobs', entry: 'functions/billing/hold-and-release-funds-on-job-events.ts', context: 'billing', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 },
    // `funds.held` places its one job at once; the other funds events stop or note running jobs;
    // `assignment.ended` (freed GPUs) nudges the placement groups the GPUs serve (below).
    {
      name: 'matching-funds', entry: 'functions/matching/place-stop-or-nudge-on-funds-and-freed-gpus.ts', context: 'matching', batchSize: 10, maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60, capabilities: ['sendToHostQueues'], sendsTo: ['matching-pools'],
    },
    {
      name: 'matching-hosts', entry: 'functions/matching/project-hosts-and-replace-lost-jobs.ts', context: 'matching', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60,
      capabilities: ['sendToHostQueues'], sendsTo: ['matching-pools'],
    },
    // Placement by pool (issue 14): capacity changes wake the matcher through the pools FIFO queue,
    // one message group per placement group, which EventBridge cannot set per event: freed GPUs
    // (`assignment.ended`) are nudged there by `matching-funds`, host changes by the host
    // projection after its write. The FIFO consumer places one group's head at a time, groups
    // in parallel. `funds.held` places its one job at once: a FIFO hop would queue a pool's
    // submits behind each other (docs/pool-nudges.md).
    {
      name: 'matching-pools', entry: 'functions/matching/place-nudged-pool-jobs.ts', context: 'matching', batchSize: 10, fifo: true, maxConcurrency: 8,
      maxReceiveCount: 5, visibilityTimeoutSeconds: 60, capabilities: ['sendToHostQueues'],
    },
    { name: 'metering-leases', entry: 'functions/metering/track-leases.ts', context: 'metering', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 },
    // Usage to charge (issue 14): the rule's standard queue moves each event to the FIFO queue with
    // the renter as its message group (EventBridge gives a FIFO target one fixed group only), in
    // batches gathered for up to a second; the FIFO consumer charges each chunk in one
    // transaction, one renter at a time, many renters in parallel.
    {
      name: 'billing-usage', entry: 'functions/billing/route-usage.ts', context: 'billing', batchSize: 100, maxBatchingWindowSeconds: 1,
      maxReceiveCount: 5, visibilityTimeoutSeconds: 60, sendsTo: ['billing-charges'],
    },
    {
      name: 'billing-charges', entry: 'functions/billing/charge-usage.ts', context: 'billing', batchSize: 10, fifo: true, maxConcurrency: 8,
      maxReceiveCount: 5, visibilityTimeoutSeconds: 60,
    },
    { name: 'matching-costs', entry: 'functions/matching/show-cost-on-usage-charged.ts', context: 'matching', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 },
    // Batches of 10, no window: batches of 100 in a 1 s window cut the SDK calls these two take per
    // placement from ~0.41 to ~0.24, but their bursts raised submit -> assignment p99 from 188 to
    // 232-267 ms in the local runtime, where they share the matchers' thread (docs/throughput.md).
    { name: 'registry-assignments', entry: 'functions/registry/record-last-work-on-job-scheduled.ts', context: 'registry', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 },
    // billing: holds
    // exports
    // The runner streams a whole period to S3: the longest timeout Lambda allows, and memory for
    // CPU (the rows are encoded in the function). Only it holds billing's read-only port.
    {
      name: 'exports-run', entry: 'functions/exports/run-export.ts', context: 'exports', batchSize: 1, maxReceiveCount: 3,
      visibilityTimeoutSeconds: 5400, timeoutSeconds: 900, memoryMb: 1024, reads: ['billing'],
    },
    // logs
    { name: 'logs-jobs', entry: 'functions/logs/project-jobs.ts', context: 'logs', batchSize: 10, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 },
    // notifications
    {
      name: 'notifications-events', entry: 'functions/notifications/queue-webhook-deliveries-on-events.ts', context: 'notifications', batchSize: 10, maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60, sendsTo: ['notifications-deliveries'],
    },
    // Fed by the fan-out, not by a rule; a failed attempt is sent again with a delay (exponential backoff).
    {
      name: 'notifications-deliveries', entry: 'functions/notifications/deliver-webhook.ts', context: 'notifications', batchSize: 5, maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60, timeoutSeconds: 30, sendsTo: ['notifications-deliveries'],
    },
  ],
  rules: [
    { name: 'billing-jobs', pattern: patternFor(events.jobSubmitted, events.jobEnded), queue: 'billing-jobs' },
    { name: 'matching-funds', pattern: patternFor(events.fundsHeld, events.fundsRefused, events.fundsExhausted, events.balanceLow, events.assignmentEnded), queue: 'matching-funds' },
    {
      name: 'matching-hosts',
      pattern: patternFor(events.hostRegistered, events.hostUpdated, events.hostUnreachable, events.hostCameOnline, events.hostWentOffline, events.hostDeregistered),
      queue: 'matching-hosts',
    },
    { name: 'registry-assignments', pattern: patternFor(events.jobScheduled), queue: 'registry-assignments' },
    { name: 'metering-leases', pattern: patternFor(events.assignmentStarted, events.assignmentStopping, events.assignmentEnded), queue: 'metering-leases' },
    { name: 'billing-usage', pattern: patternFor(events.usageChunkRecorded, events.usageRecorded), queue: 'billing-usage' },
    { name: 'matching-costs', pattern: patternFor(events.usageChunkCharged, events.usageCharged), queue: 'matching-costs' },
    // billing: holds
    // exports
    { name: 'exports-run', pattern: patternFor(events.exportRequested), queue: 'exports-run' },
    // logs
    { name: 'logs-jobs', pattern: patternFor(events.jobSubmitted, events.jobScheduled, events.jobEnded), queue: 'logs-jobs' },
    // notifications
    {
      name: 'notifications-events',
      pattern: patternFor(
        events.jobEnded, events.jobPreempted, events.balanceLow, events.hostMaintenanceScheduled, events.hostUnreachable, events.hostWentOffline, events.hostCameOnline, events.payoutPaid,
        events.serviceEndpointsChanged,
      ),
      queue: 'notifications-events',
    },
  ],
  schedules: [
    { name: 'registry-liveness-sweep', entry: 'functions/registry/sweep-liveness.ts', context: 'registry', everySeconds: 60, capabilities: ['manageHostQueues'], reads: liveAssignmentsPort },
    { name: 'matching-sweep', entry: 'functions/matching/sweep-jobs.ts', context: 'matching', everySeconds: 60, capabilities: ['sendToHostQueues'] },
    { name: 'outbox-sweep', entry: 'functions/platform/sweep-outbox.ts', context: 'platform', capabilities: ['sweepOutboxes'], everySeconds: 60 },
    // billing: holds
    { name: 'billing-holds', entry: 'functions/billing/renew-holds.ts', context: 'billing', everySeconds: 60 },
    // billing: payouts. Weekly, as Vast.ai pays; one run looks at every provider with a method.
    { name: 'billing-payouts', entry: 'functions/billing/run-payout-batch.ts', context: 'billing', everySeconds: 7 * 24 * 3600, timeoutSeconds: 900 },
    { name: 'metering-pending-sweep', entry: 'functions/metering/sweep-pending-usage.ts', context: 'metering', everySeconds: 300 },
    // exports
    { name: 'exports-daily', entry: 'functions/exports/schedule-daily-exports.ts', context: 'exports', everySeconds: 1800 },
    // logs
    // notifications
  ],
};

/** `POST /v1/hosts/{hostId}` -> the API Gateway route key. */
export const routeKey = (route: Pick<RouteDef, 'method' | 'path'>): string => `${route.method} ${route.path}`;

export const findRoute = (key: string, topo: Topology = topology): RouteDef | undefined =>
  topo.routes.find((route) => routeKey(route) === key);

/** Physical names, the same scheme on AWS and locally: `gpuhive-<stage>-<name>`. */
export const resourceName = (stage: string, name: string): string => `gpuhive-${stage}-${name}`;
/** Env var through which a function that `sendsTo` a queue learns its URL: `notifications-deliveries` -> `NOTIFICATIONS_DELIVERIES_QUEUE_URL`. */
export const queueUrlEnvVar = (queueName: string): string => `${queueName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_QUEUE_URL`;
export const busName = (stage: string): string => `gpuhive-${stage}`;
export const hostQueuePrefix = (stage: string): string => resourceName(stage, 'host-');

/** Whether a concrete path (`/v1/jobs/job_1`) fits a route path (`/v1/jobs/{jobId}`): a parameter takes one non-empty segment. */
const pathFits = (routePath: string, path: string): boolean => {
  const want = routePath.split('/');
  const have = path.split('/');
  return want.length === have.length && want.every((segment, i) => (/^\{\w+\}$/.test(segment) ? (have[i] ?? '') !== '' : segment === have[i]));
};

/** The methods the API serves at a path, for a 405's `Allow`; empty when no route has the path. */
export const methodsAt = (path: string, topo: Topology = topology): HttpMethod[] =>
  [...new Set(topo.routes.filter((route) => pathFits(route.path, path)).map((route) => route.method))].sort();
