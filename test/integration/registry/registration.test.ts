import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import {
  apiClient,
  captureEvents,
  eventually,
  newAccount,
  onboardHost,
  sampleHostFacts,
  startTestRuntime,
  type ApiClient,
} from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheSeconds: 0, env: { REGISTRATION_TOKEN_TTL_SECONDS: '2' } });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const newProvider = async () => (await newAccount(api, runtime.adminKey, 'provider', 'P')).body;
const newToken = async (providerKey: string) => (await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey })).body;

describe('host registration', () => {
  it('registers a host with canonical GPU models and announces it with host.registered', async () => {
    const listener = await captureEvents(runtime, ['host.registered']);
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);

    const registered = await api.call('POST', '/v1/agent/register', {
      body: {
        registrationToken: token.token,
        ...sampleHostFacts({
          gpus: [
            { name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid: 'GPU-b', index: 1 },
            { name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid: 'GPU-a', index: 0 },
          ],
          publicAddress: '203.0.113.7',
        }),
      },
    });

    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ hostId: expect.stringMatching(/^host_/), heartbeatIntervalSeconds: 60 });
    expect(registered.body.agentToken).toMatch(/^gpuhive_agent_/);
    const hosts = await api.call('GET', '/v1/hosts', { key: provider.apiKey });
    expect(hosts.body.items).toHaveLength(1);
    expect(hosts.body.items[0]).toMatchObject({
      hostId: registered.body.hostId,
      status: 'online',
      listed: true,
      draining: false,
      pricePerGpuHour: '0.450000',
      statusReason: 'never assigned',
      reliability: 1,
      gpus: [
        { index: 0, model: 'H100 80GB HBM3', name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid: 'GPU-a' },
        { index: 1, model: 'H100 80GB HBM3', name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid: 'GPU-b' },
      ],
    });
    const [event] = await eventually(async () => {
      const received = (await listener.next()).filter((e) => e.detail.hostId === registered.body.hostId);
      expect(received).toHaveLength(1);
      return received;
    });
    expect(event?.detail).toMatchObject({
      providerId: provider.accountId,
      pricePerGpuHour: 450_000,
      region: 'eu-west',
      runtimes: ['docker'],
      publicAddress: '203.0.113.7',
      gpus: [{ index: 0, model: 'H100 80GB HBM3' }, { index: 1, model: 'H100 80GB HBM3' }],
    });
  });

  it('accepts a registration token once only', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);
    const body = { registrationToken: token.token, ...sampleHostFacts() };

    const first = await api.call('POST', '/v1/agent/register', { body });
    const second = await api.call('POST', '/v1/agent/register', { body: { ...body, gpus: [{ ...body.gpus[0], uuid: 'GPU-other' }] } });

    expect(first.status).toBe(201);
    expect(second.status).toBe(401);
    expect(second.body.error.code).toBe('unauthorized');
  });

  it('registers exactly one host when the same token is used twice at once', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);

    const attempts = await Promise.all(
      [1, 2, 3].map(() => api.call('POST', '/v1/agent/register', { body: { registrationToken: token.token, ...sampleHostFacts() } })),
    );

    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 401, 401]);
    expect((await api.call('GET', '/v1/hosts', { key: provider.apiKey })).body.items).toHaveLength(1);
  });

  it('answers the same host to a registration sent again with its own agent token, and 401 to anyone else', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);
    const agentToken = `gpuhive_agent_${randomBytes(32).toString('base64url')}`;
    const body = { registrationToken: token.token, agentToken, ...sampleHostFacts() };

    const first = await api.call('POST', '/v1/agent/register', { body });
    const again = await api.call('POST', '/v1/agent/register', { body });
    const other = await api.call('POST', '/v1/agent/register', { body: { ...body, agentToken: `gpuhive_agent_${randomBytes(32).toString('base64url')}` } });
    const plain = await api.call('POST', '/v1/agent/register', { body: { ...body, agentToken: undefined } });

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ hostId: expect.stringMatching(/^host_/), agentToken, heartbeatIntervalSeconds: 60 });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect([other.status, plain.status]).toEqual([401, 401]);
    expect((await api.call('GET', '/v1/hosts', { key: provider.apiKey })).body.items.map((host: { hostId: string }) => host.hostId)).toEqual([first.body.hostId]);
    expect((await api.call('POST', '/v1/agent/heartbeat', { key: agentToken, body: {} })).status).toBe(200);
  });

  it('registers one host when a registration and its resend arrive at once', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);
    const body = { registrationToken: token.token, agentToken: `gpuhive_agent_${randomBytes(32).toString('base64url')}`, ...sampleHostFacts() };

    const attempts = await Promise.all([1, 2, 3].map(() => api.call('POST', '/v1/agent/register', { body })));

    expect(attempts.map((attempt) => attempt.status)).toEqual([201, 201, 201]);
    expect(new Set(attempts.map((attempt) => attempt.body.hostId)).size).toBe(1);
    expect((await api.call('GET', '/v1/hosts', { key: provider.apiKey })).body.items).toHaveLength(1);
  });

  it("refuses with 409 an agent token another host has, and with 400 one that is not a fresh secret", async () => {
    const provider = await newProvider();
    const agentToken = `gpuhive_agent_${randomBytes(32).toString('base64url')}`;
    const first = await api.call('POST', '/v1/agent/register', { body: { registrationToken: (await newToken(provider.apiKey)).token, agentToken, ...sampleHostFacts() } });
    const weak = await api.call('POST', '/v1/agent/register', { body: { registrationToken: 'gpuhive_reg_x', agentToken: 'gpuhive_agent_123', ...sampleHostFacts() } });
    // This file's registration tokens expire after 2 s: the token is made right before its two uses.
    const token = await newToken(provider.apiKey);

    const taken = await api.call('POST', '/v1/agent/register', { body: { registrationToken: token.token, agentToken, ...sampleHostFacts() } });
    const fresh = await api.call('POST', '/v1/agent/register', { body: { registrationToken: token.token, ...sampleHostFacts() } });

    expect(first.status).toBe(201);
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'agent_token_taken', message: expect.stringContaining('agentToken') });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details).toEqual([expect.objectContaining({ field: 'agentToken' })]);
    // Neither refusal used the registration token.
    expect(fresh.status).toBe(201);
  });

  it('refuses an expired registration token with 401', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);
    await eventually(async () => expect(Date.now()).toBeGreaterThan(new Date(token.expiresAt).getTime()), 5000);

    const attempt = await api.call('POST', '/v1/agent/register', { body: { registrationToken: token.token, ...sampleHostFacts() } });

    expect(attempt.status).toBe(401);
  });

  it('names every bad host fact and registers nothing', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);

    const attempt = await api.call('POST', '/v1/agent/register', {
      body: { registrationToken: token.token, ...sampleHostFacts({ gpus: [], pricePerGpuHour: '0', runtimes: ['kvm'], region: 'EU WEST!', memoryMb: 'lots' }) },
    });

    expect(attempt.status).toBe(400);
    const fields = attempt.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['gpus', 'pricePerGpuHour', 'runtimes.0', 'region', 'memoryMb']));
    expect((await api.call('GET', '/v1/hosts', { key: provider.apiKey })).body.items).toHaveLength(0);
    const retry = await api.call('POST', '/v1/agent/register', { body: { registrationToken: token.token, ...sampleHostFacts() } });
    expect(retry.status).toBe(201);
  });

  it('refuses GPUs with implausible VRAM or duplicate indices', async () => {
    const provider = await newProvider();
    const token = await newToken(provider.apiKey);
    const gpu = { name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: 'GPU-x', index: 0 };

    const tiny = await api.call('POST', '/v1/agent/register', {
      body: { registrationToken: token.token, ...sampleHostFacts({ gpus: [{ ...gpu, vramMb: 12 }] }) },
    });
    const duplicated = await api.call('POST', '/v1/agent/register', {
      body: { registrationToken: token.token, ...sampleHostFacts({ gpus: [gpu, { ...gpu, uuid: 'GPU-y' }] }) },
    });

    expect(tiny.status).toBe(400);
    expect(tiny.body.error.details[0].field).toBe('gpus.0.vramMb');
    expect(duplicated.status).toBe(400);
    expect(duplicated.body.error.details[0].message).toMatch(/indices must be unique/);
  });
});

describe('provider host management', () => {
  it('reprices, unlists and drains a host, announcing each change with host.updated', async () => {
    const listener = await captureEvents(runtime, ['host.updated']);
    const host = await onboardHost(api, runtime.adminKey);

    const repriced = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { pricePerGpuHour: '0.5' } });
    const unlisted = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { listed: false } });
    const drained = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { draining: true, listed: true } });

    expect(repriced.body.pricePerGpuHour).toBe('0.500000');
    expect(unlisted.body).toMatchObject({ listed: false, statusReason: 'unlisted: not offered to renters' });
    expect(drained.body).toMatchObject({ listed: true, draining: true, statusReason: expect.stringMatching(/^draining/) });
    const updates = await eventually(async () => {
      const received = (await listener.next()).filter((e) => e.detail.hostId === host.hostId);
      expect(received).toHaveLength(3);
      return received;
    });
    expect(updates.map((e) => [e.detail.pricePerGpuHour, e.detail.listed, e.detail.draining])).toEqual(
      expect.arrayContaining([[500_000, true, false], [500_000, false, false], [500_000, true, true]]),
    );
  });

  it('declares a public address and port range, announces them to matching, and removes the range with null', async () => {
    const listener = await captureEvents(runtime, ['host.updated']);
    const host = await onboardHost(api, runtime.adminKey);

    const withoutAddress = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { portRange: { from: 40000, to: 40999 } } });
    const backwards = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { publicAddress: '203.0.113.7', portRange: { from: 40999, to: 40000 } } });
    const low = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { publicAddress: '203.0.113.7', portRange: { from: 22, to: 40000 } } });
    const declared = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { publicAddress: '203.0.113.7', portRange: { from: 40000, to: 40999 } } });
    const removed = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { portRange: null } });

    expect([withoutAddress.status, backwards.status, low.status]).toEqual([400, 400, 400]);
    expect([withoutAddress, backwards, low].map((refused) => refused.body.error.details[0].field)).toEqual(['portRange', 'portRange.to', 'portRange.from']);
    expect(declared.body).toMatchObject({ publicAddress: '203.0.113.7', portRange: { from: 40000, to: 40999 } });
    expect(removed.body).toMatchObject({ publicAddress: '203.0.113.7', portRange: null });
    const updates = await eventually(async () => {
      const received = (await listener.next()).filter((e) => e.detail.hostId === host.hostId);
      expect(received).toHaveLength(2);
      return received;
    });
    expect(updates.map((e) => e.detail.portRange ?? null)).toEqual(expect.arrayContaining([{ from: 40000, to: 40999 }, null]));
  });

  it('refuses an empty or unknown change with 400', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    const empty = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: {} });
    const unknown = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { status: 'online' } });
    const negative = await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { pricePerGpuHour: '-1' } });

    expect([empty.status, unknown.status, negative.status]).toEqual([400, 400, 400]);
    expect(negative.body.error.details[0].field).toBe('pricePerGpuHour');
  });

  it("never shows or changes another provider's host", async () => {
    const mine = await onboardHost(api, runtime.adminKey);
    const theirs = await onboardHost(api, runtime.adminKey);

    const list = await api.call('GET', '/v1/hosts', { key: mine.providerKey });
    const read = await api.call('GET', `/v1/hosts/${theirs.hostId}`, { key: mine.providerKey });
    const patch = await api.call('PATCH', `/v1/hosts/${theirs.hostId}`, { key: mine.providerKey, body: { listed: false } });
    const remove = await api.call('DELETE', `/v1/hosts/${theirs.hostId}`, { key: mine.providerKey });

    expect(list.body.items.map((h: { hostId: string }) => h.hostId)).toEqual([mine.hostId]);
    expect([read.status, patch.status, remove.status]).toEqual([404, 404, 404]);
    expect((await api.call('GET', `/v1/hosts/${theirs.hostId}`, { key: theirs.providerKey })).body.listed).toBe(true);
  });

  it('deregisters an idle host at once: offline, token revoked, queue gone', async () => {
    const listener = await captureEvents(runtime, ['host.deregistered']);
    const host = await onboardHost(api, runtime.adminKey);

    const removed = await api.call('DELETE', `/v1/hosts/${host.hostId}`, { key: host.providerKey });

    expect(removed.status).toBe(202);
    expect(removed.body).toMatchObject({ status: 'offline', listed: false, statusReason: expect.stringMatching(/^deregistered at/) });
    expect((await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } })).status).toBe(401);
    await eventually(async () => expect((await listener.next()).map((e) => e.detail.hostId)).toContain(host.hostId));
  });
});
