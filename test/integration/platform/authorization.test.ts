import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { routeKey, topology, type Role } from '#infra/topology.ts';
import { apiClient, newAccount, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;
const keys: Partial<Record<Role, string>> = {};
let revokedKey: string;

const protectedRoutes = topology.routes.filter((route) => route.roles !== 'public');
const concretePath = (path: string) => path.replace(/\{\w+\}/g, 'x_1');

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheSeconds: 0 });
  api = apiClient(runtime.apiUrl);
  keys.admin = runtime.adminKey;
  for (const kind of ['renter', 'finance'] as const) {
    keys[kind] = (await newAccount(api, runtime.adminKey, kind, kind)).body.apiKey;
  }
  const host = await onboardHost(api, runtime.adminKey);
  keys.provider = host.providerKey;
  keys.agent = host.agentToken;
  const victim = (await newAccount(api, runtime.adminKey, 'renter', 'revoked')).body;
  const spare = (await api.call('POST', '/v1/accounts/me/keys', { key: victim.apiKey })).body;
  await api.call('DELETE', `/v1/accounts/me/keys/${victim.keyId}`, { key: spare.apiKey });
  revokedKey = victim.apiKey;
});
afterAll(() => runtime?.stop());

describe('every route admits only the roles the topology names', () => {
  it.each(protectedRoutes.map((route) => [routeKey(route), route] as const))('%s refuses a request without a key', async (_key, route) => {
    const response = await api.call(route.method, concretePath(route.path), { body: {} });

    expect(response.status).toBe(401);
  });

  it.each(protectedRoutes.map((route) => [routeKey(route), route] as const))('%s refuses a revoked key with 401', async (_key, route) => {
    const response = await api.call(route.method, concretePath(route.path), { key: revokedKey, body: {} });

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });

  it.each(protectedRoutes.map((route) => [routeKey(route), route] as const))('%s refuses an unknown key with 401', async (_key, route) => {
    const response = await api.call(route.method, concretePath(route.path), { key: 'gpuhive_renter_not-a-real-key', body: {} });

    expect(response.status).toBe(401);
  });

  const wrongRoles = protectedRoutes.flatMap((route) =>
    (['admin', 'renter', 'provider', 'finance', 'agent'] as const)
      .filter((role) => route.roles !== 'public' && !route.roles.includes(role))
      .map((role) => [routeKey(route), role, route] as const),
  );
  it.each(wrongRoles)('%s refuses a %s key with 403', async (_key, role, route) => {
    const response = await api.call(route.method, concretePath(route.path), { key: keys[role], body: {} });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });
});
