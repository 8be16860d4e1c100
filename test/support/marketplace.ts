import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { eventually, newAccount, onboardHost, sentUntilNotBusy, untilNotBusy, type ApiClient } from './api.ts';

/**
 * A renter with credit, through the admin routes a user would call, each tried again while the API
 * is `busy` (`untilNotBusy`): the credit's reference credits once however often it is sent.
 */
export const fundedRenter = async (api: ApiClient, runtime: LocalRuntime, amount = '100.000000') => {
  const renter = await newAccount(api, runtime.adminKey, 'renter', 'Ada Labs');
  const credit = { amount, reference: `welcome-${randomUUID()}` };
  await untilNotBusy(() => api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: runtime.adminKey, body: credit }));
  return { renterKey: renter.body.apiKey as string, renterId: renter.body.accountId as string };
};

/** A registered host that matching already offers (its projection has caught up). */
export const offeredHost = async (api: ApiClient, runtime: LocalRuntime, renterKey: string, facts: Record<string, unknown> = {}) => {
  const host = await onboardHost(api, runtime.adminKey, facts);
  await eventually(async () => {
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
    expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
  });
  return host;
};

export const jobBody = (overrides: Record<string, unknown> = {}) => ({
  image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  command: ['python', '-c', 'print(1)'],
  gpu: { count: 1 },
  maxPricePerGpuHour: '0.900000',
  maxDurationSeconds: 3600,
  ...overrides,
});

/**
 * Plays an agent's heartbeat every `everyMs` until the returned stop is called, as the agent does whatever else it
 * is doing: a host that heartbeated once goes unreachable after the runtime's threshold, and gets no more work. A
 * failed heartbeat is not an error: the next one follows (and one in flight when the runtime stops fails).
 * One at a time, as the agent sends them: on a timer regardless of answers, heartbeats that took seconds beside
 * another run piled up on the same host's item, lost races to each other and were answered 409 and 503 after 10 s.
 */
export const keepHostAlive = (api: ApiClient, agentToken: string, everyMs = 500): (() => void) => {
  const stopped = new AbortController();
  void (async () => {
    while (!stopped.signal.aborted) {
      await api.call('POST', '/v1/agent/heartbeat', { key: agentToken, body: { runningAssignments: [] } }).catch(() => undefined);
      await sleep(everyMs, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
  })();
  return () => stopped.abort();
};

/** Plays the agent: long-polls its queue through the API and acknowledges what it read. */
export const nextMessages = async (api: ApiClient, agentToken: string, waitSeconds = 5): Promise<any[]> => {
  const received = await api.call('GET', `/v1/agent/assignments?waitSeconds=${waitSeconds}`, { key: agentToken });
  const messages = received.body.messages as { receipt: string; message: unknown }[];
  if (messages.length > 0) {
    await api.call('POST', '/v1/agent/assignments/ack', { key: agentToken, body: { receipts: messages.map((m) => m.receipt) } });
  }
  return messages.map((m) => m.message);
};

/**
 * Messages an agent's polls acknowledged that no wait has claimed yet, by agent token. One poll
 * can bring several (two jobs placed while the test was busy), and the queue never delivers an
 * acknowledged message again: a wait for the first must keep the second for the next wait.
 */
const unclaimed = new Map<string, any[]>();

export const waitForMessage = async (api: ApiClient, agentToken: string, predicate: (message: any) => boolean, timeoutMs = 15_000) =>
  eventually(async () => {
    const held = unclaimed.get(agentToken) ?? [];
    unclaimed.set(agentToken, held);
    if (!held.some(predicate)) held.push(...(await nextMessages(api, agentToken, 1)));
    const index = held.findIndex(predicate);
    expect(index, `no matching message among the ${held.length} this agent received`).toBeGreaterThanOrEqual(0);
    return held.splice(index, 1)[0];
  }, timeoutMs);

/**
 * Plays an agent's event as its outbox sends it: stamped once, and sent again while the API answers 503 `busy`
 * (every event is idempotent). Any other answer is the test's to check.
 */
export const reportEvent = (api: ApiClient, agentToken: string, assignmentId: string, type: string, extra: Record<string, unknown> = {}) => {
  const body = { type, at: new Date().toISOString(), ...extra };
  return sentUntilNotBusy(() => api.call('POST', `/v1/agent/assignments/${assignmentId}/events`, { key: agentToken, body }));
};

export const jobStatus = async (api: ApiClient, renterKey: string, jobId: string) => (await api.call('GET', `/v1/jobs/${jobId}`, { key: renterKey })).body;

export const waitForStatus = (api: ApiClient, renterKey: string, jobId: string, status: string, timeoutMs = 15_000) =>
  eventually(async () => {
    const job = await jobStatus(api, renterKey, jobId);
    expect(job.status).toBe(status);
    return job;
  }, timeoutMs);
