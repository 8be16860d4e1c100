import { describe, expect, it } from 'vitest';
import type { ApiClient } from '#agent/api/client.ts';
import type { QueueCredentials } from '#agent/api/types.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { QueuePoller } from '#agent/worker/queue-poller.ts';

/** Vends credentials that expire `lifetimeMs` after the fake clock's now. */
const vendingApi = (clock: { now: number }, lifetimeMs: number) => {
  const vended: QueueCredentials[] = [];
  const api = {
    queueCredentials: async () => {
      const credentials = { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/gpuhive-prod-host-1', region: 'eu-west-1', credentials: { accessKeyId: `AKIA${vended.length}`, secretAccessKey: 's', sessionToken: 't' }, expiresAt: new Date(clock.now + lifetimeMs).toISOString() };
      vended.push(credentials);
      return credentials;
    },
  } as unknown as ApiClient;
  return { api, vended };
};

describe('QueuePoller', () => {
  it('refreshes the vended credentials before they expire, and polls with the new ones', async () => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const { api, vended } = vendingApi(clock, 3600_000);
    const usedKeys: string[] = [];
    const controller = new AbortController();
    let receives = 0;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      now: () => clock.now,
      refreshBeforeMs: 300_000,
      sqsFor: (credentials) => ({
        receive: async () => {
          usedKeys.push(credentials.credentials.accessKeyId);
          receives += 1;
          clock.now += 20 * 60_000; // each long poll: 20 minutes of fake time
          if (receives === 5) controller.abort();
          return [];
        },
        delete: async () => undefined,
      }),
    });

    await poller.run(controller.signal, async () => true);

    // 10:00 vend (expires 11:00); polls at 10:00, 10:20, 10:40; at 11:00 - 5 min passed: vend again.
    expect(usedKeys).toEqual(['AKIA0', 'AKIA0', 'AKIA0', 'AKIA1', 'AKIA1']);
    expect(vended).toHaveLength(2);
  });

  it('deletes a message only when the handler says its effect is safe, and drops unreadable ones', async () => {
    const clock = { now: 0 };
    const { api } = vendingApi(clock, 3600_000);
    const deleted: string[] = [];
    const controller = new AbortController();
    let served = false;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      sqsFor: () => ({
        delete: async (receiptHandle) => {
          deleted.push(receiptHandle);
        },
        receive: async () => {
          if (served) { controller.abort(); return []; }
          served = true;
          return [
            { receiptHandle: 'keep', body: JSON.stringify({ type: 'cancel', assignmentId: 'a-1', jobId: 'j-1', reason: 'renter' }) },
            { receiptHandle: 'done', body: JSON.stringify({ type: 'cancel', assignmentId: 'a-2', jobId: 'j-1', reason: 'renter' }) },
            { receiptHandle: 'garbage', body: '{not json' },
          ];
        },
      }),
    });

    await poller.run(controller.signal, async (message) => message.assignmentId === 'a-2');

    expect(deleted).toEqual(['done', 'garbage']);
  });

  it('asks for new credentials at once when SQS says they expired', async () => {
    const clock = { now: 0 };
    const { api, vended } = vendingApi(clock, 3600_000);
    const controller = new AbortController();
    let calls = 0;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      sleep: async () => undefined,
      sqsFor: () => ({
        receive: async () => {
          calls += 1;
          if (calls === 1) throw Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' });
          controller.abort();
          return [];
        },
        delete: async () => undefined,
      }),
    });

    await poller.run(controller.signal, async () => true);

    expect(vended).toHaveLength(2);
  });

  it('renews credentials and endpoint after repeated failures of any kind, reports the poll as failing, and clears it once a poll works', async () => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const { api, vended } = vendingApi(clock, 3600_000);
    const controller = new AbortController();
    const changes: (string | undefined)[] = [];
    const delays: number[] = [];
    const healthSeen: (number | undefined)[] = [];
    let calls = 0;
    const poller: QueuePoller = new QueuePoller(api, {
      logger: silentLogger,
      now: () => clock.now,
      renewAfterFailures: 3,
      sleep: async (ms) => { delays.push(ms); clock.now += 1000; },
      onHealthChange: (health) => changes.push(health?.error),
      sqsFor: () => ({
        receive: async () => {
          calls += 1;
          healthSeen.push(poller.health()?.failures);
          if (calls <= 7) throw new Error('cannot reach SQS at http://127.0.0.1:4566: ECONNREFUSED');
          controller.abort();
          return [];
        },
        delete: async () => undefined,
      }),
    });

    await poller.run(controller.signal, async () => true);

    // 7 refused polls: new credentials (and endpoint) after the 3rd and the 6th, never on every failure.
    expect(vended).toHaveLength(3);
    expect(delays).toHaveLength(7);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    // Reported from the 3rd failure on, once; cleared by the poll that worked.
    expect(healthSeen).toEqual([undefined, undefined, undefined, 3, 4, 5, 6, 7]);
    expect(changes).toEqual(['cannot reach SQS at http://127.0.0.1:4566: ECONNREFUSED', undefined]);
    expect(poller.health()).toBeUndefined();
  });

  it('waits at most its retry cap between failed polls', async () => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const { api } = vendingApi(clock, 3600_000);
    const controller = new AbortController();
    const delays: number[] = [];
    let calls = 0;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      now: () => clock.now,
      retryCapMs: 2000,
      sleep: async (ms) => { delays.push(ms); clock.now += ms; },
      sqsFor: () => ({
        receive: async () => {
          calls += 1;
          if (calls <= 12) throw new Error('cannot reach SQS at http://127.0.0.1:4566: ECONNREFUSED');
          controller.abort();
          return [];
        },
        delete: async () => undefined,
      }),
    });

    await poller.run(controller.signal, async () => true);

    // Without the cap the 12th wait could be up to 30 s (1 s doubling, capped at the default).
    expect(delays).toHaveLength(12);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
  });

  it('finds a queue that moved: after refused polls it polls the endpoint the API vends now', async () => {
    // A backend restart (stand-ins on new ports) or a recreated queue: the old endpoint refuses connections.
    const endpoints = ['http://127.0.0.1:4001', 'http://127.0.0.1:4002'];
    let vends = 0;
    const api = {
      queueCredentials: async () => ({
        queueUrl: 'http://127.0.0.1/000000000000/gpuhive-local-host-1', region: 'us-east-1', endpoint: endpoints[Math.min(vends++, 1)],
        credentials: { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'local' }, expiresAt: '2099-01-01T00:00:00Z',
      }),
    } as unknown as ApiClient;
    const controller = new AbortController();
    const polled: string[] = [];
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      sleep: async () => undefined,
      sqsFor: (credentials) => ({
        receive: async () => {
          polled.push(credentials.endpoint!);
          if (credentials.endpoint === endpoints[0]) throw new Error('cannot reach SQS at http://127.0.0.1:4001: ECONNREFUSED');
          controller.abort();
          return [];
        },
        delete: async () => undefined,
      }),
    });

    await poller.run(controller.signal, async () => true);

    expect(polled).toEqual([endpoints[0], endpoints[0], endpoints[0], endpoints[1]]);
  });
});
