import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHandler } from '#infra/local/handlers.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { routeKey, topology, type RouteDef } from '#infra/topology.ts';
import {
  admits, concretePath, sampleBody, seedWorld, type Caller, type World,
} from '#test/support/hostile-world.ts';
import { apiClient, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { diffSnapshots, snapshotTables, waitForQuietQueues, type TableSnapshot } from '#test/support/tables.ts';

/**
 * Hostile input at every route of the topology: generated and mutated bodies, query strings,
 * headers and path parameters, with valid keys (mostly of a role the route admits, so the
 * validation behind the authorizer runs) and invalid ones. Whatever arrives: never a 5xx,
 * never a stack trace, every 400 names its fields, and a request that was refused changes
 * nothing in any table. The number of requests is bounded (FUZZ_RUNS, default 1500) and
 * printed with the seed, which FUZZ_SEED replays.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const BATCH = 20;
const CONCURRENCY = 5;

/** The authorizer notes when a key was last used, whatever the request then becomes. */
const VOLATILE = ['lastUsedAt'];

let runtime: LocalRuntime;
let api: ApiClient;
let world: World;

// No schedule runs during the test (no liveness or job sweep changes anything behind its
// back), so the hosts need no heartbeats and the tables change only through requests.
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' }, scheduleEverySeconds: 3600 });
  api = apiClient(runtime.apiUrl);
  world = await seedWorld(api, runtime);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  await world?.close();
});

interface FuzzRequest {
  readonly route: RouteDef;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const specialValues = fc.constantFrom<unknown>(
  -1, 0, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(5000), null, true, false, [], {}, [[]], '0.0000001', '-0.450000',
  '1e3', 'NaN', 'Infinity', '__proto__', '../../etc/passwd', '<script>alert(1)</script>', '\u0000', '\ud800', '🔥'.repeat(100),
  '2026-13-45T99:99:99Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', "' OR '1'='1", '${jndi:ldap://x}', 'gpuhive_admin_x',
);
const fuzzValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: specialValues, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
);

type Mutation = 'delete' | 'replace' | 'add' | 'wrap';

/**
 * Keys that name Object.prototype's members: legal env names and JSON keys that a store
 * built with plain objects mishandles (`constructor` broke the DynamoDB marshaller,
 * `__proto__` vanished). Added as own keys, as JSON.parse makes them.
 */
const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'] as const;
const mutationKeys = fc.oneof({ arbitrary: fc.string({ maxLength: 10 }), weight: 2 }, { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 1 });

/** `target[key] = value` would set the prototype for `__proto__`: define an own key instead. */
const setOwn = (target: Record<string | number, unknown>, key: string | number, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/** Every place in a JSON value that a mutation can hit, as a list of keys from the root. */
const placesIn = (value: unknown, at: (string | number)[] = []): (string | number)[][] => {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, index) => placesIn(item, [...at, index]))];
  if (value && typeof value === 'object') return [at, ...Object.entries(value).flatMap(([key, item]) => placesIn(item, [...at, key]))];
  return [at];
};

const mutate = (sample: unknown, pick: number, mutation: Mutation, value: unknown, key: string): unknown => {
  const copy = structuredClone(sample ?? {}) as Record<string | number, unknown>;
  const places = placesIn(copy);
  const place = places[pick % places.length] ?? [];
  if (place.length === 0) {
    if (mutation === 'wrap') return [copy];
    if (mutation === 'replace') return value;
    if (copy && typeof copy === 'object' && !Array.isArray(copy)) setOwn(copy, key, value);
    return copy;
  }
  const parent = place.slice(0, -1).reduce<any>((node, part) => node[part], copy);
  const last = place[place.length - 1] as string | number;
  if (mutation === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (mutation === 'replace') parent[last] = value;
  else if (mutation === 'wrap') parent[last] = [parent[last]];
  else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) setOwn(parent[last], key, value);
  else parent[last] = setOwn({}, key, value);
  return copy;
};

const rawBodies = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '{', '{"a":', 'null', '[]', '""', '1', 'true', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
    '{"gpu":{"count":1},"image":"x","maxPricePerGpuHour":"1.000000","maxDurationSeconds":60,"env":{"constructor":"c","__proto__":"p","toString":"t","hasOwnProperty":"h"}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`, '\ufeff{}', '{"a":1}{"b":2}',
    JSON.stringify({ blob: 'y'.repeat(200 * 1024) }),
  ),
);

const queryKeys = fc.oneof(
  fc.constantFrom('limit', 'cursor', 'status', 'waitSeconds', 'gpuModel', 'minVramMb', 'region', 'maxPricePerGpuHour', 'count', 'runtime', 'from', 'to', 'since'),
  fc.string({ maxLength: 12 }),
);
const queryValues = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('-1', '0', '101', '1e309', 'NaN', '[]', '{}', 'eyJ4Ijp0cnVlfQ', 'a'.repeat(3000)));
const rawQueries = fc.constantFrom('%', '%zz', 'a=%E0%A4%A', '&&&', '=x', 'limit=1&limit=2', 'cursor=%00');

/** A waitSeconds that parses to more than 0 would hold a poll open: the fuzz asks for none. */
const noLongPoll = ([key, value]: [string, string]): [string, string] => (key === 'waitSeconds' && Number(value) > 0 ? [key, '0'] : [key, value]);

const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 });

const requests = (world: World): fc.Arbitrary<FuzzRequest> => {
  const junkAuth = (caller: Caller) =>
    fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${caller.key ?? ''}`, `${caller.key ?? ''}`, `Bearer ${caller.key ?? ''} extra`, `Bearer ${'k'.repeat(5000)}`, 'Bearer gpuhive_agent_');
  return fc
    .record({
      route: fc.constantFrom(...topology.routes),
      owner: fc.constantFrom(world.parties.A, world.parties.B),
      callerPick: fc.nat(),
      callerMode: fc.constantFrom('admitted', 'admitted', 'admitted', 'any', 'any', 'junk'),
      junkPick: fc.nat(),
      pathMode: fc.constantFrom('owned', 'owned', 'fuzzed'),
      pathValues: fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('..', '.', 'a'.repeat(300), '%', '💥', ' ', "'; DROP TABLE", 'job_x', 'null')), { minLength: 3, maxLength: 3 }),
      query: fc.oneof(fc.array(fc.tuple(queryKeys, queryValues), { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs.map(noLongPoll)).toString()), rawQueries, fc.constant('')),
      bodyMode: fc.constantFrom('mutated', 'mutated', 'mutated', 'json', 'raw', 'sample', 'none'),
      mutation: fc.tuple(fc.nat(), fc.constantFrom<Mutation>('delete', 'replace', 'add', 'wrap'), fuzzValue, mutationKeys),
      json: fc.jsonValue({ maxDepth: 4 }),
      raw: rawBodies,
      idempotencyKey: fc.option(headerText, { nil: undefined }),
      contentType: fc.option(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data', ''), { nil: undefined }),
    })
    .chain((r) => {
      const admitted = world.callers.filter((caller) => admits(r.route, caller) && caller.key);
      const pool = r.callerMode === 'admitted' && admitted.length > 0 ? admitted : world.callers;
      const caller = pool[r.callerPick % pool.length] as Caller;
      return (r.callerMode === 'junk' ? junkAuth(caller).map((auth) => ({ auth })) : fc.constant({ auth: caller.key ? `Bearer ${caller.key}` : undefined })).map(({ auth }) => {
        let index = 0;
        const path = r.pathMode === 'owned'
          ? concretePath(r.route, r.owner)
          : r.route.path.replace(/\{\w+\}/g, () => encodeURIComponent(r.pathValues[index++ % 3] ?? ''));
        const sample = sampleBody(r.route, r.owner);
        const [pick, mutation, value, key] = r.mutation;
        const body =
          r.route.method === 'GET' || r.bodyMode === 'none' ? undefined
          : r.bodyMode === 'raw' ? r.raw
          : r.bodyMode === 'json' ? JSON.stringify(r.json)
          : r.bodyMode === 'sample' ? JSON.stringify(sample ?? {})
          : JSON.stringify(mutate(sample, pick, mutation, value, key));
        const headers: Record<string, string> = {
          ...(auth !== undefined ? { authorization: auth } : {}),
          ...(r.idempotencyKey !== undefined ? { 'idempotency-key': r.idempotencyKey } : {}),
          ...(body !== undefined ? { 'content-type': r.contentType ?? 'application/json' } : {}),
        };
        return { route: r.route, method: r.route.method, path, query: r.query, headers, ...(body !== undefined ? { body } : {}) };
      });
    });
};

const STACK_TRACE = /\n\s+at\s|\bat [\w$.<>]+ \(|\.[cm]?[jt]s:\d+:\d+|node_modules|file:\/\//;

interface Outcome {
  readonly request: FuzzRequest;
  readonly status: number;
  readonly text: string;
}

const send = async (request: FuzzRequest): Promise<Outcome> => {
  const response = await fetch(`${runtime.apiUrl}${request.path}${request.query ? `?${request.query}` : ''}`, {
    method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return { request, status: response.status, text: await response.text() };
};

/** What is wrong with one answer, if anything. */
const problemsOf = ({ status, text }: Outcome): string[] => {
  const problems: string[] = [];
  if (status >= 500) problems.push(`answered ${status}`);
  if (STACK_TRACE.test(text)) problems.push('a stack trace or source path in the body');
  if (status === 400) {
    let details: unknown;
    try {
      details = (JSON.parse(text) as { error?: { details?: unknown } }).error?.details;
    } catch {
      details = undefined;
    }
    const named = Array.isArray(details) && details.length > 0 && details.every((d) => typeof d?.field === 'string' && d.field.length > 0 && typeof d?.message === 'string');
    if (!named) problems.push('a 400 that names no field');
  }
  return problems;
};

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.path}${r.query ? `?${r.query.slice(0, 200)}` : ''} auth=${(r.headers.authorization ?? '').slice(0, 40)} body=${(r.body ?? '').slice(0, 300)}`;

const snapshot = () =>
  snapshotTables(runtime, { ignore: VOLATILE, skip: (_table, item) => String(item.pk).startsWith('OUTBOX#') });

describe('oversized bodies', () => {
  const withBody = topology.routes.filter((route) => route.method !== 'GET');

  it.each(withBody.map((route) => [routeKey(route), route] as const))('%s refuses a body over the limit with 413, before parsing it', async (_key, route) => {
    const caller = world.callers.find((candidate) => admits(route, candidate) && candidate.key) ?? world.callers[0];
    // The limit the route's own handler enforces (httpRoute's default, or its maxBodyBytes).
    const { maxBodyBytes } = (await loadHandler(process.cwd(), route)) as unknown as { maxBodyBytes?: number };
    expect(maxBodyBytes, `${routeKey(route)}: its handler should be built with httpRoute`).toEqual(expect.any(Number));
    // Not even JSON: a 413 rather than a 400 shows the size was judged before the parse.
    const response = await api.call(route.method, concretePath(route, world.parties.A), {
      ...(caller?.key ? { key: caller.key } : {}),
      rawBody: `{${'x'.repeat(maxBodyBytes ?? 0)}`,
    });

    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  it('refuses a body over API Gateway\'s 10 MB at the gateway, as AWS does', async () => {
    const response = await api.call('POST', '/v1/jobs', { key: world.parties.A.renterKey, rawBody: 'x'.repeat(10 * 1024 * 1024 + 1) });

    expect(response.status).toBe(413);
  });
});

describe('fuzzing every route', () => {
  it('never answers 5xx or a stack trace, names the fields of every 400, and changes nothing on a refused request', async () => {
    const generated = fc.sample(requests(world), { numRuns: RUNS, seed: SEED });
    const findings: string[] = [];
    const byStatus = new Map<number, number>();
    const started = Date.now();
    const outcomes: Outcome[] = [];
    for (let lane = 0; lane < generated.length; lane += CONCURRENCY) {
      outcomes.push(...(await Promise.all(generated.slice(lane, lane + CONCURRENCY).map(send))));
    }
    for (const outcome of outcomes) {
      byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
      for (const problem of problemsOf(outcome)) findings.push(`${problem}: ${describeRequest(outcome.request)} -> ${outcome.status} ${outcome.text.slice(0, 300)}`);
    }

    // Second pass: the refused writes again, a batch at a time between two snapshots of every
    // table. A batch refused again in full must leave every item as it was.
    const refused = outcomes.filter((outcome) => outcome.status >= 400 && outcome.request.method !== 'GET').map((outcome) => outcome.request);
    const stateChanges: string[] = [];
    let checked = 0;
    await waitForQuietQueues(runtime);
    let before: TableSnapshot = await snapshot();
    for (let offset = 0; offset < refused.length; offset += BATCH) {
      const batch: Outcome[] = [];
      for (const request of refused.slice(offset, offset + BATCH)) batch.push(await send(request));
      const after = await snapshot();
      if (batch.every((outcome) => outcome.status >= 400)) {
        checked += batch.length;
        const diff = diffSnapshots(before, after);
        if (diff.added.length + diff.removed.length + diff.changed.length > 0) {
          stateChanges.push(`${JSON.stringify(diff).slice(0, 1500)}\n  after: ${batch.map((o) => `${describeRequest(o.request).slice(0, 200)} -> ${o.status}`).join('\n  ')}`);
        }
      }
      before = after;
    }
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${generated.length + refused.length} requests in ${seconds.toFixed(1)} s (seed ${SEED}): ${generated.length} generated, ` +
        `statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)))}; ` +
        `${refused.length} refused writes sent again, ${checked} of them checked for state changes\n`,
    );

    expect(findings.slice(0, 20)).toEqual([]);
    expect(stateChanges.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(refused.length / 2);
    // Handlers run in this process: a body like {"__proto__": ...} must not have reached Object.prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});
