import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { verifySignature } from '#notifications/domain/signature.ts';
import { apiClient, eventually, newAccount, sampleHostFacts, startTestRuntime, untilNotBusy, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, waitForStatus } from '#test/support/marketplace.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';

let runtime: LocalRuntime;
let api: ApiClient;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { WEBHOOKS_RETRY_BASE_SECONDS: '1', WEBHOOKS_MAX_ATTEMPTS: '3' }, scheduleSeconds: { 'registry-liveness-sweep': 1 } });
  api = apiClient(runtime.apiUrl);
});
afterAll(async () => {
  for (const one of receivers) await one.stop();
  await runtime?.stop();
});

const startReceiver = async (statuses: readonly number[]) => {
  const started = await startWebhookReceiver({ path: '/hooks/gpuhive', statuses });
  receivers.push(started);
  return started;
};

/** A renter with a webhook for job.ended, and one of their jobs ended (cancelled while queued: nothing offers its GPUs). */
const renterWithEndedJob = async (url: string) => {
  const { renterKey, renterId } = await fundedRenter(api, runtime);
  const created = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { url, events: ['job.ended'], description: 'CI' } });
  expect(created.status).toBe(201);
  const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['B200'] } }) });
  // Sent again if `busy`, as the CLI does: beside another run three cancels at once once passed the route's 10 s.
  await untilNotBusy(() => api.call('POST', `/v1/jobs/${submitted.body.jobId}/cancel`, { key: renterKey }), [202]);
  await waitForStatus(api, renterKey, submitted.body.jobId, 'cancelled');
  return { renterKey, renterId, jobId: submitted.body.jobId as string, webhook: created.body };
};

const deliveriesOf = async (key: string, webhookId: string) => (await api.call('GET', `/v1/webhooks/${webhookId}/deliveries`, { key })).body;

// Each test has a receiver and accounts of its own, so they run at once: most of their time is retry backoff.
describe.concurrent('webhooks', () => {
  it('delivers a renter\'s job.ended, signed with the secret shown at creation', async () => {
    const hook = await startReceiver([200]);
    const { renterId, jobId, webhook } = await renterWithEndedJob(hook.url);

    const [delivery] = await eventually(async () => {
      expect(hook.received).toHaveLength(1);
      return hook.received;
    });

    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({ type: 'job.ended', data: { jobId, renterId, status: 'cancelled' } });
    expect(delivery!.headers['gpuhive-event-id']).toBe(body.id);
    expect(verifySignature(webhook.secret, String(delivery!.headers['gpuhive-signature']), delivery!.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature('whsec_someone-else', String(delivery!.headers['gpuhive-signature']), delivery!.body, Math.floor(Date.now() / 1000))).toBe(false);
  });

  it('retries a failing receiver with backoff until it answers 2xx, and lists the outcome', async () => {
    const hook = await startReceiver([500, 503, 204]);
    const { renterKey, webhook } = await renterWithEndedJob(hook.url);

    const listed = await eventually(async () => {
      const page = await deliveriesOf(renterKey, webhook.webhookId);
      expect(page.items[0]?.status).toBe('delivered');
      return page;
    }, 20_000);

    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((request) => request.body)).size).toBe(1);
    expect(listed.items).toEqual([
      expect.objectContaining({ type: 'job.ended', attempts: 3, status: 'delivered', lastStatusCode: 204, lastError: null, deliveredAt: expect.any(String) }),
    ]);
  });

  it('marks a delivery failed after the last attempt', async () => {
    const hook = await startReceiver([500]);
    const { renterKey, webhook } = await renterWithEndedJob(hook.url);

    const listed = await eventually(async () => {
      const page = await deliveriesOf(renterKey, webhook.webhookId);
      expect(page.items[0]?.status).toBe('failed');
      return page;
    }, 20_000);

    expect(listed.items[0]).toMatchObject({ attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500', deliveredAt: null });
    expect(hook.received).toHaveLength(3);
  });

  it('delivers a provider\'s host events to the provider\'s endpoint', async () => {
    const hook = await startReceiver([200]);
    const provider = await newAccount(api, runtime.adminKey, 'provider', 'Hook GPUs');
    const created = await api.call('POST', '/v1/webhooks', { key: provider.body.apiKey, body: { url: hook.url, events: ['host.went_offline'] } });
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    const host = await api.call('POST', '/v1/agent/register', {
      body: { registrationToken: token.body.token, ...sampleHostFacts({ hostname: 'hook-rig' }) },
    });
    expect([created.status, host.status]).toEqual([201, 201]);

    expect((await api.call('POST', '/v1/agent/sign-off', { key: host.body.agentToken })).status).toBe(200);

    await eventually(() => {
      expect(hook.received.map((request) => JSON.parse(request.body))).toEqual([
        expect.objectContaining({ type: 'host.went_offline', data: expect.objectContaining({ hostId: host.body.hostId, providerId: provider.body.accountId }) }),
      ]);
      return Promise.resolve();
    });
  });

  it('lists endpoints without secrets, refuses bad URLs and events by name, and keeps others\' endpoints out of reach', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const other = await fundedRenter(api, runtime);
    const created = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { url: 'https://hooks.example.com/gpuhive', events: ['balance.low'] } });

    const listed = await api.call('GET', '/v1/webhooks', { key: renterKey });
    const badUrl = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { url: 'http://10.0.0.8/hook', events: ['job.ended'] } });
    const badEvent = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { url: 'https://hooks.example.com/x', events: ['host.went_offline'] } });
    const foreignList = await api.call('GET', `/v1/webhooks/${created.body.webhookId}/deliveries`, { key: other.renterKey });
    const foreignDelete = await api.call('DELETE', `/v1/webhooks/${created.body.webhookId}`, { key: other.renterKey });
    const deleted = await api.call('DELETE', `/v1/webhooks/${created.body.webhookId}`, { key: renterKey });
    const afterDelete = await api.call('GET', '/v1/webhooks', { key: renterKey });

    expect(created.body.secret).toMatch(/^whsec_/);
    expect(listed.body.items).toEqual([{ webhookId: created.body.webhookId, url: 'https://hooks.example.com/gpuhive', events: ['balance.low'], createdAt: created.body.createdAt }]);
    expect([badUrl.status, badUrl.body.error.details.map((d: { field: string }) => d.field)]).toEqual([400, ['url']]);
    expect([badEvent.status, badEvent.body.error.details.map((d: { field: string }) => d.field)]).toEqual([400, ['events.0']]);
    expect([foreignList.status, foreignDelete.status, deleted.status, afterDelete.body.items]).toEqual([404, 404, 204, []]);
  });

  it('makes one endpoint per Idempotency-Key: the same body gets it again, another body 409', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const body = { url: 'https://hooks.example.com/once', events: ['job.ended'] };
    const headers = { 'idempotency-key': 'setup-42' };

    const first = await api.call('POST', '/v1/webhooks', { key: renterKey, body, headers });
    const again = await api.call('POST', '/v1/webhooks', { key: renterKey, body, headers });
    const other = await api.call('POST', '/v1/webhooks', { key: renterKey, body: { ...body, events: ['balance.low'] }, headers });
    const listed = await api.call('GET', '/v1/webhooks', { key: renterKey });

    expect([first.status, again.status, again.body.webhookId, other.status, other.body.error.code]).toEqual([201, 201, first.body.webhookId, 409, 'idempotency_key_reused']);
    expect(listed.body.items).toHaveLength(1);
  });
});
