import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { routeKey, topology, type RouteDef } from '#infra/topology.ts';
import {
  admits, concretePath, keepHostsAlive, ownedParams as ownedParamsOf, paramValues, pathParams, sampleBody, secretsOf, seedWorld,
  type Caller, type Party, type World,
} from '#test/support/hostile-world.ts';
import { apiClient, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

/**
 * Every route of the topology x every caller (anonymous, revoked, admin, finance, and the
 * renter, provider and agent of two unrelated parties), with the path filled from either
 * party's resources: a role the route does not admit never gets a 2xx; a caller of one party
 * never gets a 2xx on the other party's resource; and no response to a caller carries the
 * other party's ids, secrets or names. Routes added to the topology later are covered as
 * they land (see test/support/hostile-world.ts for their parameters and bodies).
 */
let runtime: LocalRuntime;
let api: ApiClient;
let world: World;
let stopHeartbeats: () => void;

beforeAll(async () => {
  // Liveness as in production, so the seeded hosts stay online through the matrix.
  runtime = await startTestRuntime({ authorizerCacheSeconds: 0, env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
  world = await seedWorld(api, runtime);
  stopHeartbeats = keepHostsAlive(api, world);
}, 120_000);
afterAll(async () => {
  stopHeartbeats?.();
  await runtime?.stop();
  await world?.close();
});

const is2xx = (status: number) => status >= 200 && status < 300;
const ownedParams = (route: RouteDef) => ownedParamsOf(route.path);

/** Secrets the caller must never see: the other party's (everyone's, for a caller outside both), minus what the request itself carried. */
const forbiddenSecrets = (caller: Caller, request: string): string[] => {
  const parties = [world.parties.A, world.parties.B].filter((party) => party.name !== caller.party);
  return parties.flatMap(secretsOf).filter((secret) => !request.includes(secret));
};

interface Finding {
  readonly caller: string;
  readonly owner: string;
  readonly status: number;
  readonly problem: string;
}

const attack = async (route: RouteDef, caller: Caller, owner: Party): Promise<Finding[]> => {
  const path = concretePath(route, owner);
  const body = sampleBody(route, owner);
  const response = await api.call(route.method, path, { ...(caller.key ? { key: caller.key } : {}), ...(body !== undefined ? { body } : {}) });
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
  const findings: string[] = [];
  if (response.status >= 500) findings.push('server error');
  if (route.roles !== 'public' && !admits(route, caller) && ![401, 403, 404].includes(response.status)) {
    findings.push(`a role the route does not admit got ${response.status}`);
  }
  const crossParty = caller.role !== 'admin' && caller.party !== owner.name && ownedParams(route).length > 0;
  if (admits(route, caller) && crossParty && route.roles !== 'public' && ![403, 404].includes(response.status)) {
    findings.push(`another party's ${ownedParams(route).join(', ')} answered ${response.status}, not 403/404`);
  }
  // Admin and finance see across accounts by design; every other caller sees only its own party.
  if (caller.role !== 'admin' && caller.role !== 'finance') {
    const leaked = forbiddenSecrets(caller, `${path} ${JSON.stringify(body ?? '')}`).filter((secret) => text.includes(secret));
    if (leaked.length > 0) findings.push(`leaked ${leaked.join(', ')}`);
  }
  return findings.map((problem) => ({ caller: caller.name, owner: owner.name, status: response.status, problem }));
};

describe('the auth matrix: every route x every caller', () => {
  it.each(topology.routes.map((route) => [routeKey(route), route] as const))('%s', async (_key, route) => {
    const findings: Finding[] = [];
    let calls = 0;
    for (const owner of [world.parties.A, world.parties.B]) {
      for (const caller of world.callers) {
        // An owner may change its own resources: only its reads run here, so the matrix keeps its world.
        const ownsPath = caller.party === owner.name && ownedParams(route).length > 0;
        if (ownsPath && route.method !== 'GET') continue;
        findings.push(...(await attack(route, caller, owner)));
        calls += 1;
      }
    }

    expect(calls).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });

  const ownerReads = topology.routes.filter(
    (route) => route.method === 'GET' && route.roles !== 'public' && pathParams(route.path).length > 0 && pathParams(route.path).every((name) => name in paramValues),
  );
  it.each(ownerReads.map((route) => [routeKey(route), route] as const))('%s answers its owner, so the refusals above are about ownership', async (_key, route) => {
    let answered = 0;
    for (const owner of [world.parties.A, world.parties.B]) {
      // A party's resource is read by that party; one no party owns (an export) by a caller outside both (finance).
      const caller = ownedParams(route).length > 0
        ? world.callers.find((candidate) => candidate.party === owner.name && admits(route, candidate))
        : world.callers.find((candidate) => candidate.key && admits(route, candidate) && (candidate.party === owner.name || candidate.party === undefined));
      if (!caller) continue;

      const response = await api.call('GET', concretePath(route, owner), { key: caller.key });

      expect(response.status, `${caller.name}: ${JSON.stringify(response.body)}`).toBe(200);
      answered += 1;
    }

    expect(answered).toBeGreaterThan(0);
  });
});
