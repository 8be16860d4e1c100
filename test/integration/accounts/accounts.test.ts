import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheSeconds: 0 });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const createAccount = (kind: string, name = 'Ada Labs') => api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind, name } });

describe('accounts on the local services', () => {
  it.each(['renter', 'provider', 'finance'])('creates a %s account whose key names its role and works at once', async (kind) => {
    const created = await createAccount(kind);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind, name: 'Ada Labs', accountId: expect.stringMatching(/^acct_/), keyId: expect.stringMatching(/^key_/) });
    expect(created.body.apiKey).toMatch(new RegExp(`^gpuhive_${kind}_`));
    const me = await api.call('GET', '/v1/accounts/me', { key: created.body.apiKey });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ accountId: created.body.accountId, kind, name: 'Ada Labs', createdAt: created.body.createdAt });
  });

  it('announces a new account with account.created on the bus', async () => {
    const listener = await captureEvents(runtime, ['account.created']);

    const created = await createAccount('renter', 'Evented');

    const events = await eventually(async () => {
      const received = await listener.next();
      expect(received.length).toBeGreaterThan(0);
      return received;
    });
    expect(events[0]?.detail).toMatchObject({ accountId: created.body.accountId, kind: 'renter', name: 'Evented', version: 1 });
  });

  it('refuses an admin route to a renter key with 403', async () => {
    const renter = await createAccount('renter');

    const attempt = await api.call('POST', '/v1/accounts', { key: renter.body.apiKey, body: { kind: 'renter', name: 'x' } });

    expect(attempt.status).toBe(403);
    expect(attempt.body.error.code).toBe('forbidden');
  });

  it('names each bad field when an account request is invalid', async () => {
    const attempt = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'pirate', name: '', extra: 1 } });

    expect(attempt.status).toBe(400);
    const fields = attempt.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['kind', 'name']));
  });

  it('lists keys with their prefix but never the secret', async () => {
    const account = await createAccount('finance');

    const keys = await api.call('GET', '/v1/accounts/me/keys', { key: account.body.apiKey });

    expect(keys.status).toBe(200);
    expect(keys.body.items).toHaveLength(1);
    const [key] = keys.body.items;
    expect(key).toMatchObject({ keyId: account.body.keyId, revokedAt: null });
    expect(account.body.apiKey.startsWith(key.prefix)).toBe(true);
    expect(JSON.stringify(keys.body)).not.toContain(account.body.apiKey);
    expect(keys.body.nextCursor).toBeNull();
  });

  it('records when a key was last used', async () => {
    const account = await createAccount('renter');
    await api.call('GET', '/v1/accounts/me', { key: account.body.apiKey });

    const keys = await api.call('GET', '/v1/accounts/me/keys', { key: account.body.apiKey });

    expect(keys.body.items[0].lastUsedAt).toEqual(expect.any(String));
  });

  it('rotates a key: issue a new one, revoke the old, and the old one stops working', async () => {
    const account = await createAccount('renter');
    const oldKey = account.body.apiKey as string;

    const issued = await api.call('POST', '/v1/accounts/me/keys', { key: oldKey });
    const revoked = await api.call('DELETE', `/v1/accounts/me/keys/${account.body.keyId}`, { key: issued.body.apiKey });

    expect(issued.status).toBe(201);
    expect(issued.body.apiKey).toMatch(/^gpuhive_renter_/);
    expect(revoked.status).toBe(204);
    expect((await api.call('GET', '/v1/accounts/me', { key: oldKey })).status).toBe(401);
    expect((await api.call('GET', '/v1/accounts/me', { key: issued.body.apiKey })).status).toBe(200);
    const keys = await api.call('GET', '/v1/accounts/me/keys', { key: issued.body.apiKey });
    expect(keys.body.items.find((key: { keyId: string }) => key.keyId === account.body.keyId).revokedAt).toEqual(expect.any(String));
  });

  it('refuses to revoke the last active key with 409', async () => {
    const account = await createAccount('provider');

    const attempt = await api.call('DELETE', `/v1/accounts/me/keys/${account.body.keyId}`, { key: account.body.apiKey });

    expect(attempt.status).toBe(409);
    expect(attempt.body.error.code).toBe('last_active_key');
    expect((await api.call('GET', '/v1/accounts/me', { key: account.body.apiKey })).status).toBe(200);
  });

  it("answers 404 for another account's key id", async () => {
    const owner = await createAccount('renter');
    const stranger = await createAccount('renter');

    const attempt = await api.call('DELETE', `/v1/accounts/me/keys/${owner.body.keyId}`, { key: stranger.body.apiKey });

    expect(attempt.status).toBe(404);
  });

  it('pages through keys with limit and cursor', async () => {
    const account = await createAccount('renter');
    await api.call('POST', '/v1/accounts/me/keys', { key: account.body.apiKey });
    await api.call('POST', '/v1/accounts/me/keys', { key: account.body.apiKey });

    const first = await api.call('GET', '/v1/accounts/me/keys?limit=2', { key: account.body.apiKey });
    const second = await api.call('GET', `/v1/accounts/me/keys?limit=2&cursor=${first.body.nextCursor}`, { key: account.body.apiKey });

    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const ids = [...first.body.items, ...second.body.items].map((key: { keyId: string }) => key.keyId);
    expect(new Set(ids).size).toBe(3);
  });

  it('answers 400 naming the cursor when it is not one the API returned', async () => {
    const account = await createAccount('renter');

    const attempt = await api.call('GET', '/v1/accounts/me/keys?cursor=garbage', { key: account.body.apiKey });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details[0].field).toBe('cursor');
  });
});
