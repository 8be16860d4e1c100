import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import type { RouteDef } from '#infra/topology.ts';
import { eventually, newAccount, onboardHost, sampleHostFacts, type ApiClient } from './local-runtime.ts';
import { jobBody, reportEvent, waitForMessage } from './marketplace.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

/**
 * A small marketplace with two disjoint parties, A and B, for tests that attack every route
 * of the topology: each party has a funded renter with a job running on its own provider's
 * host, usage charged, a spare key and a credit with its own reference. Nothing of one party
 * may ever show in a response to the other (or to an anonymous or revoked caller).
 *
 * Routes are driven generically from `topology.routes`: paths are filled from `paramValues`
 * (a route added later with a parameter not listed gets a generated id), bodies from
 * `sampleBodies` (a route not listed gets `{}`). Add an entry to either when a new route
 * needs a real resource or a valid body to reach its ownership checks. Each party also has a
 * webhook of its renter (delivering to a local receiver that answers 204, so no delivery is
 * ever retried behind a test's back) and a log line of its job; finance has one export.
 */
export interface Party {
  readonly name: 'A' | 'B';
  readonly renterKey: string;
  readonly renterId: string;
  readonly renterKeyId: string;
  /** A second key of the renter, revocable by path. */
  readonly spareKeyId: string;
  readonly providerKey: string;
  readonly providerId: string;
  readonly hostId: string;
  readonly hostname: string;
  readonly agentToken: string;
  readonly jobId: string;
  readonly assignmentId: string;
  readonly creditReference: string;
  readonly usageRecordIds: readonly string[];
  /** The renter's webhook: its id, its signing secret, and its URL (which names the party). */
  readonly webhookId: string;
  readonly webhookSecret: string;
  readonly webhookUrl: string;
  /** A line the party's job logged (through its agent). */
  readonly logLine: string;
  /** The local receiver's URL, which names no party: what sample bodies register. */
  readonly receiverUrl: string;
  /** Finance's export (one for the world; both parties carry it, neither owns it). */
  readonly exportId: string;
}

export type CallerName =
  | 'none' | 'revoked' | 'admin' | 'finance'
  | 'renter A' | 'renter B' | 'provider A' | 'provider B' | 'agent A' | 'agent B';

export interface Caller {
  readonly name: CallerName;
  readonly key?: string;
  /** The topology role this key carries; none for anonymous and revoked callers. */
  readonly role?: 'renter' | 'provider' | 'finance' | 'admin' | 'agent';
  /** The party whose data the caller may see; undefined for callers outside both. */
  readonly party?: 'A' | 'B';
}

export interface World {
  readonly parties: { readonly A: Party; readonly B: Party };
  readonly callers: readonly Caller[];
  readonly revokedKey: string;
  readonly financeKey: string;
  /** Closes the webhook receiver. */
  readonly close: () => Promise<void>;
}

/** Values a party's own resources give to path parameters. */
export const paramValues: Record<string, (party: Party) => string> = {
  hostId: (party) => party.hostId,
  jobId: (party) => party.jobId,
  assignmentId: (party) => party.assignmentId,
  keyId: (party) => party.spareKeyId,
  accountId: (party) => party.renterId,
  webhookId: (party) => party.webhookId,
  month: () => new Date().toISOString().slice(0, 7),
  exportId: (party) => party.exportId,
};

/**
 * Parameters whose value belongs to no party: a month names each caller's own statement,
 * and an export is finance's, which sees across accounts by design. A caller of the other
 * party using them is not crossing into anyone's data.
 */
export const partyNeutralParams: ReadonlySet<string> = new Set(['month', 'exportId']);

/** The parameters of a path that name a party's own resource. */
export const ownedParams = (path: string): string[] =>
  pathParams(path).filter((name) => name in paramValues && !partyNeutralParams.has(name));

/** A valid body per route key, as the party that owns the path would send it. */
export const sampleBodies: Record<string, (party: Party) => unknown> = {
  'POST /v1/accounts': () => ({ kind: 'renter', name: 'matrix' }),
  'POST /v1/accounts/me/keys': () => ({}),
  'POST /v1/hosts/registration-tokens': () => ({}),
  'PATCH /v1/hosts/{hostId}': () => ({ pricePerGpuHour: '0.800000' }),
  'DELETE /v1/hosts/{hostId}': () => ({}),
  'POST /v1/hosts/{hostId}/maintenance': () => ({ startsAt: new Date(Date.now() + 30 * 86_400_000 + Math.floor(Math.random() * 1e9)).toISOString(), durationSeconds: 60, category: 'other' }),
  'POST /v1/agent/register': () => ({ registrationToken: 'gpuhive_reg_not-a-token', ...sampleHostFacts() }),
  'POST /v1/agent/heartbeat': (party) => ({ runningAssignments: [party.assignmentId] }),
  'POST /v1/agent/sign-off': () => ({}),
  'POST /v1/agent/queue-credentials': () => ({}),
  'POST /v1/agent/assignments/ack': () => ({ receipts: ['not-a-receipt'] }),
  'POST /v1/accounts/{accountId}/credits': () => ({ amount: '1.000000', reference: `matrix-${randomUUID()}` }),
  // `constructor` is a legal env name that the DynamoDB marshaller once refused with a 500 (issue 13).
  'POST /v1/jobs': () => jobBody({ gpu: { count: 1, models: ['B200'] }, env: { CUDA_CACHE_DISABLE: '1', constructor: 'x' } }),
  'POST /v1/jobs/{jobId}/cancel': () => ({}),
  'POST /v1/agent/usage': (party) => {
    const now = Date.now();
    return { records: [{ eventId: `matrix-${randomUUID()}`, assignmentId: party.assignmentId, from: new Date(now - 2000).toISOString(), to: new Date(now - 1000).toISOString(), gpuSeconds: 1 }] };
  },
  'POST /v1/agent/assignments/{assignmentId}/events': () => ({ type: 'exited', at: new Date().toISOString(), exitCode: 0 }),
  'POST /v1/agent/assignments/{assignmentId}/logs': () => ({
    chunks: [{ seq: 1000 + Math.floor(Math.random() * 1_000_000), stream: 'stdout', at: new Date().toISOString(), data: 'matrix line\n' }],
  }),
  'POST /v1/webhooks': (party) => ({ url: `${party.receiverUrl}/matrix`, events: ['job.ended'], description: 'matrix' }),
  'POST /v1/finance/exports': () => {
    const now = Date.now();
    return { kind: 'usage', format: 'csv', from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() };
  },
};

const routeKeyOf = (route: Pick<RouteDef, 'method' | 'path'>) => `${route.method} ${route.path}`;

export const pathParams = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');

/** The route's path with each parameter taken from `party`'s resources (or a fresh id). */
export const concretePath = (route: Pick<RouteDef, 'path'>, party: Party): string =>
  route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(paramValues[name]?.(party) ?? `${name.replace(/Id$/, '')}_${randomUUID().replaceAll('-', '')}`));

export const sampleBody = (route: Pick<RouteDef, 'method' | 'path'>, party: Party): unknown =>
  route.method === 'GET' ? undefined : (sampleBodies[routeKeyOf(route)]?.(party) ?? {});

/** Strings that identify a party's private data: ids, secrets, its host's name, its credit reference. */
export const secretsOf = (party: Party): string[] => [
  party.renterKey, party.renterId, party.renterKeyId, party.spareKeyId, party.providerKey, party.providerId, party.hostname,
  party.agentToken, party.jobId, party.assignmentId, party.creditReference, ...party.usageRecordIds,
  party.webhookId, party.webhookSecret, party.webhookUrl, party.logLine,
];

const GPU_OF = { A: { name: 'NVIDIA A40', model: 'A40' }, B: { name: 'NVIDIA L40S', model: 'L40S' } } as const;

type SeededParty = Omit<Party, 'exportId'>;

const seedParty = async (api: ApiClient, runtime: LocalRuntime, name: 'A' | 'B', receiverUrl: string): Promise<SeededParty> => {
  const tag = randomUUID().slice(0, 8);
  const renter = await newAccount(api, runtime.adminKey, 'renter', `Renter ${name}`);
  const creditReference = `credit-${name}-${tag}`;
  const credit = await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, {
    key: runtime.adminKey, body: { amount: '100.000000', reference: creditReference },
  });
  expect(credit.status).toBe(201);
  const spare = await api.call('POST', '/v1/accounts/me/keys', { key: renter.body.apiKey });
  const hostname = `rig-${name}-${tag}`;
  const gpu = GPU_OF[name];
  const host = await onboardHost(api, runtime.adminKey, { hostname, gpus: [{ name: gpu.name, vramMb: 46068, uuid: `GPU-${tag}`, index: 0 }] });
  await eventually(async () => {
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renter.body.apiKey });
    expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
  });
  const job = await api.call('POST', '/v1/jobs', { key: renter.body.apiKey, body: jobBody({ gpu: { count: 1, models: [gpu.model] } }) });
  expect(job.status).toBe(202);
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === job.body.jobId);
  expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted')).status).toBe(200);
  expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'started')).status).toBe(200);
  // Usage is judged against the lease metering keeps: wait for it, then report a second of it.
  const leaseStart = await eventually(async () => {
    const usage = await api.call('GET', `/v1/jobs/${job.body.jobId}/usage`, { key: renter.body.apiKey });
    expect(usage.body.assignments?.[0]?.leaseStart).toEqual(expect.any(String));
    return new Date(usage.body.assignments[0].leaseStart as string).getTime();
  });
  await eventually(async () => expect(Date.now()).toBeGreaterThan(leaseStart + 1000));
  const posted = await api.call('POST', '/v1/agent/usage', {
    key: host.agentToken,
    body: { records: [{ eventId: `seed-${tag}`, assignmentId: assignment.assignmentId, from: new Date(leaseStart).toISOString(), to: new Date(leaseStart + 1000).toISOString(), gpuSeconds: 1 }] },
  });
  expect(posted.body).toMatchObject({ accepted: 1 });
  const usageRecordIds = posted.body.records.map((record: { usageRecordId: string }) => record.usageRecordId) as string[];
  await eventually(async () => expect((await api.call('GET', `/v1/jobs/${job.body.jobId}`, { key: renter.body.apiKey })).body.cost).not.toBe('0.000000'));
  // The job logs a line; the logs context learns the assignment from job.scheduled (409 until then).
  const logLine = `log-${name}-${tag}`;
  await eventually(async () => {
    const logged = await api.call('POST', `/v1/agent/assignments/${assignment.assignmentId}/logs`, {
      key: host.agentToken, body: { chunks: [{ seq: 0, stream: 'stdout', at: new Date().toISOString(), data: `${logLine}\n` }] },
    });
    expect(logged.status).toBe(202);
  });
  await eventually(async () => {
    const logs = await api.call('GET', `/v1/jobs/${job.body.jobId}/logs`, { key: renter.body.apiKey });
    expect(JSON.stringify(logs.body.items)).toContain(logLine);
  });
  const webhookUrl = `${receiverUrl}/hooks/${name}-${tag}`;
  const webhook = await api.call('POST', '/v1/webhooks', { key: renter.body.apiKey, body: { url: webhookUrl, events: ['job.ended', 'balance.low'] } });
  expect(webhook.status).toBe(201);
  return {
    name,
    renterKey: renter.body.apiKey,
    renterId: renter.body.accountId,
    renterKeyId: renter.body.keyId,
    spareKeyId: spare.body.keyId,
    providerKey: host.providerKey,
    providerId: host.providerId,
    hostId: host.hostId,
    hostname,
    agentToken: host.agentToken,
    jobId: job.body.jobId,
    assignmentId: assignment.assignmentId,
    creditReference,
    usageRecordIds,
    webhookId: webhook.body.webhookId,
    webhookSecret: webhook.body.secret,
    webhookUrl,
    logLine,
    receiverUrl,
  };
};

/** Seeds both parties, a finance account and a revoked key; returns every caller of the matrix. */
export const seedWorld = async (api: ApiClient, runtime: LocalRuntime): Promise<World> => {
  const receiver = await startWebhookReceiver({ path: '' });
  // The parties share nothing (each its own accounts, host and GPU model): seeded at once, as most of it is waiting.
  const [seededA, seededB] = await Promise.all([seedParty(api, runtime, 'A', receiver.url), seedParty(api, runtime, 'B', receiver.url)]);
  const finance = await newAccount(api, runtime.adminKey, 'finance', 'Finance');
  const requested = await api.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body: sampleBodies['POST /v1/finance/exports']?.(seededA as Party) });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  const A: Party = { ...seededA, exportId: requested.body.exportId };
  const B: Party = { ...seededB, exportId: requested.body.exportId };
  const victim = (await newAccount(api, runtime.adminKey, 'renter', 'Revoked')).body;
  const spare = (await api.call('POST', '/v1/accounts/me/keys', { key: victim.apiKey })).body;
  expect((await api.call('DELETE', `/v1/accounts/me/keys/${victim.keyId}`, { key: spare.apiKey })).status).toBe(204);
  const callers: Caller[] = [
    { name: 'none' },
    { name: 'revoked', key: victim.apiKey },
    { name: 'admin', key: runtime.adminKey, role: 'admin' },
    { name: 'finance', key: finance.body.apiKey, role: 'finance' },
    { name: 'renter A', key: A.renterKey, role: 'renter', party: 'A' },
    { name: 'renter B', key: B.renterKey, role: 'renter', party: 'B' },
    { name: 'provider A', key: A.providerKey, role: 'provider', party: 'A' },
    { name: 'provider B', key: B.providerKey, role: 'provider', party: 'B' },
    { name: 'agent A', key: A.agentToken, role: 'agent', party: 'A' },
    { name: 'agent B', key: B.agentToken, role: 'agent', party: 'B' },
  ];
  return { parties: { A, B }, callers, revokedKey: victim.apiKey, financeKey: finance.body.apiKey, close: receiver.stop };
};

/** Whether the topology admits this caller on this route (public routes admit everyone). */
export const admits = (route: RouteDef, caller: Caller): boolean =>
  route.roles === 'public' || (caller.role !== undefined && route.roles.includes(caller.role));

/** Keeps both parties' hosts heartbeating, so liveness never interferes; returns the stop. */
export const keepHostsAlive = (api: ApiClient, world: World, everyMs = 2000): (() => void) => {
  const beat = () => {
    for (const party of [world.parties.A, world.parties.B]) {
      void api.call('POST', '/v1/agent/heartbeat', { key: party.agentToken, body: { runningAssignments: [party.assignmentId] } }).catch(() => undefined);
    }
  };
  const timer = setInterval(beat, everyMs);
  return () => clearInterval(timer);
};
