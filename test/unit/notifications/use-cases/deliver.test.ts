import { beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '#notifications/domain/signature.ts';
import { webhookEventOf, type Webhook } from '#notifications/domain/webhooks.ts';
import { deliver } from '#notifications/use-cases/deliver.ts';
import { fanOut } from '#notifications/use-cases/fan-out.ts';
import { NotificationsState, notificationsDeps } from '../fakes.ts';

const clock = { now: () => new Date('2026-11-25T10:00:00.000Z') };
const webhook: Webhook = {
  webhookId: 'whk_1', ownerId: 'acct_renter', url: 'https://hooks.example.com/x', events: ['job.ended'], secret: 'whsec_test', createdAt: '2026-11-25T09:00:00.000Z',
};
const jobEnded = webhookEventOf('job.ended', {
  version: 1, eventId: 'evt_1', occurredAt: '2026-11-25T09:59:59.000Z', jobId: 'job_1', renterId: 'acct_renter', status: 'succeeded',
});

let state: NotificationsState;
beforeEach(() => {
  state = new NotificationsState();
  state.webhooks.set(webhook.webhookId, webhook);
});

const firstMessage = () => state.sent[0]!.message;

describe('fanOut', () => {
  it('queues one delivery per subscribed endpoint of the owner, once per event', async () => {
    state.webhooks.set('whk_2', { ...webhook, webhookId: 'whk_2', events: ['balance.low'] });
    state.webhooks.set('whk_3', { ...webhook, webhookId: 'whk_3', ownerId: 'acct_other' });
    const deps = notificationsDeps(state, clock);

    const first = await fanOut(jobEnded, deps);
    await deliver(firstMessage(), deps);
    const again = await fanOut(jobEnded, deps);

    expect([first, again, state.deliveries.size]).toEqual([1, 0, 1]);
    expect(state.sent.map((s) => [s.message.webhookId, s.message.attempt, s.delaySeconds])).toEqual([['whk_1', 1, 0]]);
  });

  it('queues the first attempt again when the event returns before any attempt was made', async () => {
    const deps = notificationsDeps(state, clock);
    await fanOut(jobEnded, deps);
    expect(await fanOut(jobEnded, deps)).toBe(1);
  });
  it('queues a retry again when the event returns long after the retry was due (its message was lost)', async () => {
    state.answers = [{ ok: false, statusCode: 500, error: 'HTTP 500' }];
    await fanOut(jobEnded, notificationsDeps(state, clock));
    await deliver(firstMessage(), notificationsDeps(state, clock));
    const soon = await fanOut(jobEnded, notificationsDeps(state, { now: () => new Date('2026-11-25T10:01:00.000Z') }));
    const late = await fanOut(jobEnded, notificationsDeps(state, { now: () => new Date('2026-11-25T10:02:00.000Z') }));

    expect([soon, late]).toEqual([0, 1]);
    expect(state.sent.map((s) => s.message.attempt)).toEqual([1, 2, 2]);
  });
});

describe('deliver', () => {
  it('POSTs the stored body with a signature the secret verifies and the event id', async () => {
    const deps = notificationsDeps(state, clock);
    await fanOut(jobEnded, deps);

    expect(await deliver(firstMessage(), deps)).toBe('delivered');
    const [post] = state.posts;
    expect(JSON.parse(post!.body)).toEqual({ id: 'evt_1', type: 'job.ended', createdAt: '2026-11-25T09:59:59.000Z', data: { jobId: 'job_1', renterId: 'acct_renter', status: 'succeeded' } });
    expect(post!.headers['Gpuhive-Event-Id']).toBe('evt_1');
    expect(verifySignature('whsec_test', post!.headers['Gpuhive-Signature']!, post!.body, Date.parse('2026-11-25T10:00:00.000Z') / 1000)).toBe(true);
  });

  it('queues the next attempt with the backoff delay after a failure, then fails after the last', async () => {
    state.answers = [{ ok: false, statusCode: 500, error: 'HTTP 500' }];
    const deps = notificationsDeps(state, clock, { maxAttempts: 3, retryBaseSeconds: 30 });
    await fanOut(jobEnded, deps);

    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await deliver(state.sent.at(-1)!.message, deps));

    expect(outcomes).toEqual(['retry', 'retry', 'failed']);
    expect(state.sent.map((s) => [s.message.attempt, s.delaySeconds])).toEqual([[1, 0], [2, 30], [3, 60]]);
    expect([...state.deliveries.values()][0]).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
  });

  it('does not POST again for a repeated message, but requeues a retry that may have been lost', async () => {
    state.answers = [{ ok: false, error: 'connect ECONNREFUSED' }];
    const deps = notificationsDeps(state, clock);
    await fanOut(jobEnded, deps);
    await deliver(firstMessage(), deps);

    const repeat = await deliver(firstMessage(), deps);

    expect([repeat, state.posts.length]).toEqual(['skipped', 1]);
    expect(state.sent.map((s) => s.message.attempt)).toEqual([1, 2, 2]);
  });

  it('fails a delivery whose endpoint was deleted, without POSTing', async () => {
    const deps = notificationsDeps(state, clock);
    await fanOut(jobEnded, deps);
    state.webhooks.clear();

    expect([await deliver(firstMessage(), deps), state.posts.length]).toEqual(['failed', 0]);
  });
});

describe('webhookEventOf', () => {
  it('sends balance.low to the account, with money as the API shows it', () => {
    const event = webhookEventOf('balance.low', {
      version: 1, eventId: 'evt_2', occurredAt: '2026-11-25T10:00:00.000Z', accountId: 'acct_r', runwaySeconds: 600, thresholdSeconds: 3600, available: 450000, runningJobIds: ['job_1'],
    });
    expect([event.ownerId, event.data.available]).toEqual(['acct_r', '0.450000']);
  });

  it('sends host events to the host\'s provider', () => {
    const event = webhookEventOf('host.went_offline', { version: 1, eventId: 'evt_3', occurredAt: '2026-11-25T10:00:00.000Z', hostId: 'host_1', providerId: 'acct_p', since: '2026-11-25T10:00:00.000Z' });
    expect(event.ownerId).toBe('acct_p');
  });
});
