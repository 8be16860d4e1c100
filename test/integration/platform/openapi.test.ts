import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDescription } from '#infra/api-description.ts';
import { loadHandler } from '#infra/local/handlers.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { routeKey, topology, type RouteDef } from '#infra/topology.ts';
import { descriptionGaps } from '#platform/openapi.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient, type ApiResponse } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, nextMessages, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly response: ApiResponse;
}

let runtime: LocalRuntime;
let recorded: Recorded[] = [];
let api: ApiClient;
let spec: any;

/** The API client the flows use, recording every response to validate it against the spec. */
const recordingClient = (inner: ApiClient): ApiClient => ({
  async call(method, path, options) {
    const response = await inner.call(method, path, options);
    recorded.push({ method, path, response });
    return response;
  },
});

/** Where the spec's webhook example is sent: it answers 204. */
let hook: WebhookReceiver;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = recordingClient(apiClient(runtime.apiUrl));
  spec = (await apiClient(runtime.apiUrl).call('GET', '/v1/openapi.json')).body;
  hook = await startWebhookReceiver({ path: '/hooks/gpuhive' });
});
afterAll(async () => {
  await hook?.stop();
  await runtime?.stop();
});

/**
 * Compiles a schema of the spec, with the spec's components beside it, once per distinct schema:
 * of its 542 schemas only 101 differ (the error response and the path parameters repeat on every
 * route), and compiling each of them took seconds of CPU in one stretch, long enough for the
 * gateway to close the idle keep-alive socket that the next test's first request then met
 * (ECONNRESET).
 */
const schemaCompiler = (options: { allErrors?: boolean } = {}) => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, ...options });
  const compiled = new Map<string, ValidateFunction>();
  return (schema: object): ValidateFunction => {
    const text = JSON.stringify(schema);
    let validate = compiled.get(text);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: spec.components });
      compiled.set(text, validate);
    }
    return validate;
  };
};
let responseValidator: ReturnType<typeof schemaCompiler> | undefined;

const HOW_TO_DESCRIBE =
  "Add an entry for each to `apiDescription` in infra/api-description.ts, below your section comment: '<METHOD> <path>': { summary, body / query / path: " +
  'the same zod objects its handler passes to httpRoute (export them from shared/<context>/http/schemas.ts), responses: { <status>: { description, schema: ' +
  'a zod schema of the body, in shared/contract/ where a client reads it, else in shared/<context>/http/responses.ts } } }.';

describe('GET /v1/openapi.json', () => {
  it('is public and answers an OpenAPI 3.1 document', async () => {
    const response = await apiClient(runtime.apiUrl).call('GET', '/v1/openapi.json');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(response.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it('describes every route of the topology, and no other', () => {
    const gaps = descriptionGaps(topology.routes, apiDescription);

    expect(gaps.undescribed, `Routes in infra/topology.ts without an OpenAPI description: ${gaps.undescribed.join(', ')}. ${HOW_TO_DESCRIBE}`).toEqual([]);
    expect(gaps.unknown, `Described routes that infra/topology.ts does not have (remove them from infra/api-description.ts): ${gaps.unknown.join(', ')}`).toEqual([]);
    const served = Object.entries(spec.paths).flatMap(([path, operations]) => Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(served.sort()).toEqual(topology.routes.map(routeKey).sort());
  });

  it.each(topology.routes.map((route) => [routeKey(route), route] as const))('describes %s with the very schemas its handler validates with', async (key, route) => {
    const handler = (await loadHandler(process.cwd(), route)) as unknown as { requestSchemas?: Record<string, unknown> };
    const described = apiDescription[key];

    expect(described, `${key} has no description. ${HOW_TO_DESCRIBE}`).toBeDefined();
    for (const part of ['body', 'query', 'path'] as const) {
      expect(described?.[part], `${key}: the description's ${part} schema must be the object its handler passes to httpRoute`).toBe(handler.requestSchemas?.[part]);
    }
  });

  it('has the shape of an OpenAPI 3.1 document: bearer security, an error schema, unique operations, declared path parameters', () => {
    expect(spec.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(spec.security).toEqual([{ bearer: [] }]);
    expect(spec.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message']));
    const compile = schemaCompiler();
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries<any>(spec.paths)) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries<any>(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(['get', 'post', 'patch', 'put', 'delete'], where).toContain(method);
        expect(operationIds.has(operation.operationId), `${where}: operationId ${operation.operationId} is not unique`).toBe(false);
        operationIds.add(operation.operationId);
        expect(operation.summary, where).toEqual(expect.any(String));
        const pathParameters = operation.parameters.filter((parameter: any) => parameter.in === 'path');
        expect(pathParameters.map((parameter: any) => parameter.name).sort(), `${where}: path parameters`).toEqual([...placeholders].sort());
        expect(pathParameters.every((parameter: any) => parameter.required === true), where).toBe(true);
        expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)), `${where}: a success response`).toBe(true);
        expect(operation.responses.default.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
        const schemas = [
          ...operation.parameters.map((parameter: any) => parameter.schema),
          ...Object.values<any>(operation.requestBody?.content ?? {}).map((media) => media.schema),
          ...Object.values<any>(operation.responses).flatMap((response) => Object.values<any>(response.content ?? {}).map((media) => media.schema)),
        ];
        for (const schema of schemas) {
          expect(() => compile(schema), `${where}: every schema compiles as JSON Schema 2020-12`).not.toThrow();
        }
        if (topologyRoute(method, path)?.roles === 'public') expect(operation.security, where).toEqual([]);
        else expect(operation['x-gpuhive-roles'], where).toEqual(expect.any(Array));
      }
    }
  });
});

const topologyRoute = (method: string, path: string): RouteDef | undefined => topology.routes.find((route) => route.method === method.toUpperCase() && route.path === path);

const templateOf = (method: string, concretePath: string): string | undefined => {
  const pathname = concretePath.split('?')[0] ?? concretePath;
  const candidates = Object.keys(spec.paths).filter((template) => spec.paths[template][method.toLowerCase()]);
  // Literal segments win over placeholders (`/v1/agent/assignments/ack` before `{assignmentId}`).
  const matches = candidates.filter((template) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(pathname));
  return matches.sort((a, b) => a.split('{').length - b.split('{').length)[0];
};

const validateAgainstSpec = (call: Recorded) => {
  const template = templateOf(call.method, call.path);
  expect(template, `${call.method} ${call.path} is in the spec`).toBeDefined();
  const operation = spec.paths[template as string][call.method.toLowerCase()];
  const response = operation.responses[String(call.response.status)] ?? operation.responses.default;
  const where = `${call.method} ${template} -> ${call.response.status}`;
  if (!response.content) {
    expect(call.response.body, `${where}: no body`).toBeUndefined();
    return `${call.method} ${template}`;
  }
  responseValidator ??= schemaCompiler({ allErrors: true });
  const validate = responseValidator(response.content['application/json'].schema);
  expect(validate(call.response.body) ? [] : validate.errors, `${where}: ${JSON.stringify(call.response.body)}`).toEqual([]);
  return `${call.method} ${template}`;
};

describe('real responses of the main flows validate against the spec', () => {
  it('accounts, hosts, jobs, offers, usage, logs, webhooks, balance, ledger and statements, and their errors', async () => {
    recorded = [];
    // Accounts
    const { renterKey, renterId } = await fundedRenter(api, runtime);
    const webhook = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { url: hook.url, events: ['job.ended'], description: 'openapi' } });
    await api.call('GET', '/v1/webhooks', { key: renterKey });
    await api.call('GET', '/v1/accounts/me', { key: renterKey });
    const issued = await api.call('POST', '/v1/accounts/me/keys', { key: renterKey });
    await api.call('GET', '/v1/accounts/me/keys', { key: renterKey });
    await api.call('DELETE', `/v1/accounts/me/keys/${issued.body.keyId}`, { key: renterKey });
    // Hosts and agents
    const host = await offeredHost(api, runtime, renterKey, { publicAddress: '203.0.113.7' });
    await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });
    await api.call('POST', '/v1/agent/queue-credentials', { key: host.agentToken });
    await api.call('GET', '/v1/hosts', { key: host.providerKey });
    await api.call('GET', `/v1/hosts/${host.hostId}`, { key: host.providerKey });
    await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { pricePerGpuHour: '0.450000' } });
    await api.call('GET', '/v1/offers?gpuModel=RTX%204090&limit=10', { key: renterKey });
    // A job through its whole life, usage and charges included
    const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody(), headers: { 'idempotency-key': `openapi-${renterId}` } });
    const assignment = await waitForMessage(api, host.agentToken, (message) => message.jobId === submitted.body.jobId);
    await api.call('GET', `/v1/agent/assignments/${assignment.assignmentId}`, { key: host.agentToken });
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const startedAt = new Date((await jobStatus(api, renterKey, submitted.body.jobId)).assignments[0].startedAt);
    await eventually(async () => expect((await api.call('GET', `/v1/jobs/${submitted.body.jobId}/usage`, { key: renterKey })).body.assignments?.[0]?.leaseStart).toEqual(expect.any(String)));
    await api.call('POST', '/v1/agent/usage', {
      key: host.agentToken,
      body: { records: [{ eventId: 'openapi-1', assignmentId: assignment.assignmentId, from: startedAt.toISOString(), to: new Date(startedAt.getTime() + 2000).toISOString(), gpuSeconds: 2 }] },
    });
    // The logs projection may lag a moment behind the assignment (409, sent again, as the agent's outbox does).
    const logChunks = [
      { seq: 0, stream: 'stdout', at: startedAt.toISOString(), data: 'epoch 1\n' },
      { seq: 1, stream: 'stderr', at: startedAt.toISOString(), data: 'warning\n' },
    ];
    await eventually(async () =>
      expect((await api.call('POST', `/v1/agent/assignments/${assignment.assignmentId}/logs`, { key: host.agentToken, body: { chunks: logChunks } })).status).toBe(202),
    );
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 });
    await eventually(async () => expect((await jobStatus(api, renterKey, submitted.body.jobId)).cost).not.toBe('0.000000'));
    expect((await api.call('GET', `/v1/jobs/${submitted.body.jobId}/logs?limit=10`, { key: renterKey })).body.items).toHaveLength(2);
    await eventually(async () =>
      expect((await api.call('GET', `/v1/webhooks/${webhook.body.webhookId}/deliveries`, { key: renterKey })).body.items).toEqual([expect.objectContaining({ status: 'delivered' })]),
    );
    await api.call('GET', `/v1/jobs/${submitted.body.jobId}/events`, { key: renterKey });
    await api.call('GET', `/v1/jobs/${submitted.body.jobId}/usage`, { key: renterKey });
    await api.call('GET', '/v1/jobs?limit=5', { key: renterKey });
    await api.call('GET', `/v1/hosts/${host.hostId}/usage`, { key: host.providerKey });
    await api.call('GET', '/v1/billing/balance', { key: renterKey });
    await api.call('GET', '/v1/billing/balance', { key: host.providerKey });
    await api.call('GET', '/v1/billing/ledger?limit=10', { key: renterKey });
    const month = new Date().toISOString().slice(0, 7);
    expect((await api.call('GET', `/v1/billing/statements/${month}`, { key: renterKey })).body.charges).toHaveLength(1);
    expect((await api.call('GET', `/v1/billing/statements/${month}`, { key: host.providerKey })).body.earnings).toHaveLength(1);
    // A job cancelled while queued (no capacity matches it)
    const queued = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['H100'] } }) });
    await api.call('POST', `/v1/jobs/${queued.body.jobId}/cancel`, { key: renterKey });
    // The agent leaves
    await nextMessages(api, host.agentToken, 0);
    await api.call('POST', '/v1/agent/sign-off', { key: host.agentToken });
    await api.call('DELETE', `/v1/hosts/${host.hostId}`, { key: host.providerKey });
    await api.call('DELETE', `/v1/webhooks/${webhook.body.webhookId}`, { key: renterKey });
    // Errors
    await api.call('GET', '/v1/billing/statements/2999-01', { key: renterKey });
    await api.call('GET', `/v1/jobs/${submitted.body.jobId}/logs`, { key: host.providerKey });
    await api.call('POST', '/v1/jobs', { key: renterKey, body: { gpu: { count: 0 } } });
    await api.call('GET', '/v1/jobs/job_nope', { key: renterKey });
    await api.call('GET', '/v1/jobs', { key: 'gpuhive_renter_unknown' });
    await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ maxPricePerGpuHour: '999.000000', maxDurationSeconds: 86400 }) });

    const validated = new Set(recorded.map(validateAgainstSpec));

    expect([...validated].sort()).toEqual(
      expect.arrayContaining([
        'POST /v1/accounts', 'GET /v1/accounts/me', 'POST /v1/accounts/me/keys', 'GET /v1/accounts/me/keys', 'DELETE /v1/accounts/me/keys/{keyId}',
        'POST /v1/accounts/{accountId}/credits', 'POST /v1/hosts/registration-tokens', 'POST /v1/agent/register', 'POST /v1/agent/heartbeat',
        'POST /v1/agent/queue-credentials', 'GET /v1/hosts', 'GET /v1/hosts/{hostId}', 'PATCH /v1/hosts/{hostId}', 'GET /v1/offers', 'POST /v1/jobs',
        'GET /v1/agent/assignments', 'POST /v1/agent/assignments/ack', 'GET /v1/agent/assignments/{assignmentId}', 'POST /v1/agent/assignments/{assignmentId}/events',
        'POST /v1/agent/usage', 'GET /v1/jobs/{jobId}', 'GET /v1/jobs/{jobId}/events', 'GET /v1/jobs/{jobId}/usage', 'GET /v1/jobs', 'GET /v1/hosts/{hostId}/usage',
        'GET /v1/billing/balance', 'GET /v1/billing/ledger', 'POST /v1/jobs/{jobId}/cancel', 'POST /v1/agent/sign-off', 'DELETE /v1/hosts/{hostId}',
        'GET /v1/billing/statements/{month}', 'POST /v1/agent/assignments/{assignmentId}/logs', 'GET /v1/jobs/{jobId}/logs',
        'POST /v1/webhooks', 'GET /v1/webhooks', 'DELETE /v1/webhooks/{webhookId}', 'GET /v1/webhooks/{webhookId}/deliveries',
      ]),
    );
    expect(recorded.map((call) => call.response.status)).toEqual(expect.arrayContaining([400, 401, 402, 403, 404]));
  }, 60_000);
});
