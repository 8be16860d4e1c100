import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { tables } from '#infra/topology.ts';
import { documentClient } from '#platform/aws-clients.ts';
import { makeRegistryDeps } from '#registry/adapters/deps.ts';
import { applyHeartbeat, applyPatch } from '#registry/domain/lifecycle.ts';
import type { RegistryDeps } from '#registry/use-cases/deps.ts';
import { apiClient, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let deps: RegistryDeps;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.apiUrl);
  deps = await makeRegistryDeps();
}, 120_000);
afterAll(() => runtime?.stop());

const hostItem = async (hostId: string) =>
  (await documentClient().send(new GetCommand({ TableName: process.env[tables.registry.envVar], Key: { pk: `HOST#${hostId}`, sk: 'HOST' } }))).Item;

const heartbeat = (agentToken: string) => api.call('POST', '/v1/agent/heartbeat', { key: agentToken, body: { runningAssignments: [] } });

describe('DynamoHostStore: the host pulse', () => {
  it('an ordinary heartbeat moves only the pulse: the host item and its revision stay as they were', async () => {
    const { hostId, agentToken } = await onboardHost(api, runtime.adminKey);
    const before = await hostItem(hostId);

    expect((await heartbeat(agentToken)).status).toBe(200);
    expect((await heartbeat(agentToken)).status).toBe(200);

    expect(await hostItem(hostId)).toEqual(before);
    expect(before).not.toHaveProperty('lastHeartbeatAt');
    const host = await deps.store.get(hostId);
    expect(host?.revision).toBe(before?.revision);
    expect(Date.parse(host!.lastHeartbeatAt)).toBeGreaterThan(Date.parse(host!.registeredAt));
  });

  it('a pulse write based on a read from before a host change is refused, so the change is never overwritten', async () => {
    const { hostId } = await onboardHost(api, runtime.adminKey);
    const read = (await deps.store.get(hostId))!;
    const unlisted = await deps.store.save(read, applyPatch(read, { listed: false }).host, []);

    const staleBeat = await deps.store.save(read, applyHeartbeat(read, {}, new Date(), deps.settings).host, []);

    expect(unlisted?.revision).toBe(read.revision + 1);
    expect(staleBeat).toBeUndefined();
    expect((await deps.store.get(hostId))?.listed).toBe(false);
  });

  it('the sweep finds a host by its pulse while it is silent, and no longer once it is offline', async () => {
    const { hostId } = await onboardHost(api, runtime.adminKey);
    const inAnHour = new Date(Date.now() + 3_600_000);

    expect((await deps.store.listWatched(inAnHour)).silent).toContain(hostId);
    expect((await deps.store.listWatched(new Date(Date.now() - 3_600_000))).silent).not.toContain(hostId);

    const host = (await deps.store.get(hostId))!;
    await deps.store.save(host, { ...host, status: 'offline', statusSince: new Date().toISOString() }, []);
    expect((await deps.store.listWatched(inAnHour)).silent).not.toContain(hostId);
  });

  it('the sweep finds a host waiting for its deregistration, offline or not, and only while it waits', async () => {
    const { hostId } = await onboardHost(api, runtime.adminKey);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    expect((await deps.store.listWatched(anHourAgo)).deregistering).not.toContain(hostId);

    const host = (await deps.store.get(hostId))!;
    const waiting = (await deps.store.save(host, { ...host, status: 'offline', statusSince: new Date().toISOString(), deregistering: true }, []))!;
    expect(await deps.store.listWatched(anHourAgo)).toMatchObject({ deregistering: expect.arrayContaining([hostId]), silent: expect.not.arrayContaining([hostId]) });

    await deps.store.save(waiting, { ...waiting, deregistering: false }, []);
    expect((await deps.store.listWatched(anHourAgo)).deregistering).not.toContain(hostId);
  });
});

describe('GET /v1/hosts with a cursor the API never returned', () => {
  it('answers 400 naming the cursor, not 500, when DynamoDB refuses it as a start key', async () => {
    const { providerKey } = await onboardHost(api, runtime.adminKey);
    const forged = Buffer.from(JSON.stringify({ x: true }), 'utf8').toString('base64url');

    const response = await api.call('GET', `/v1/hosts?cursor=${forged}`, { key: providerKey });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
  });
});
