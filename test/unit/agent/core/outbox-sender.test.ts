import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '#agent/core/errors.ts';
import { Outbox } from '#agent/core/outbox.ts';
import { OutboxSender, type OutboxTransport, type Outcome } from '#agent/core/outbox-sender.ts';
import { eventually as poll } from '#test/support/api.ts';

/** The checks here read in-process state: poll often rather than every 200 ms. */
const eventually = <T>(check: () => Promise<T>, timeoutMs?: number) => poll(check, timeoutMs, 10);

const controllers: AbortController[] = [];
afterEach(() => controllers.splice(0).forEach((controller) => controller.abort()));

const newPath = () => join(mkdtempSync(join(tmpdir(), 'sender-')), 'outbox.jsonl');

/** A fake API: records every call; `fail` decides per call whether (and how) it fails. */
const fakeApi = (fail: (kind: string, payload: any) => Error | undefined = () => undefined) => {
  const calls: { kind: string; assignmentId?: string; payload: any }[] = [];
  const transport: OutboxTransport = {
    async sendEvent(assignmentId, event) {
      calls.push({ kind: 'event', assignmentId, payload: event });
      const error = fail('event', event);
      if (error) throw error;
    },
    async sendUsage(records) {
      calls.push({ kind: 'usage', payload: records });
      const error = fail('usage', records);
      if (error) throw error;
    },
    async sendLogs(assignmentId, chunks) {
      calls.push({ kind: 'logs', assignmentId, payload: chunks });
      const error = fail('logs', chunks);
      if (error) throw error;
    },
  };
  return { calls, transport };
};

const start = (outbox: Outbox, transport: OutboxTransport, settled: [string, Outcome][] = [], delays: number[] = [], logsFirstMs?: number) => {
  const sender = new OutboxSender(outbox, transport, {
    ...(logsFirstMs !== undefined ? { logsFirstMs } : {}),
    sleep: async (ms) => { delays.push(ms); await new Promise((resolve) => setImmediate(resolve)); },
    random: () => 0.5,
    backoff: { baseMs: 100, capMs: 1000 },
    onSettled: (entry, outcome) => settled.push([entry.id, outcome]),
  });
  const controller = new AbortController();
  controllers.push(controller);
  sender.start(controller.signal);
  return { sender, controller };
};

const event = (assignmentId: string, type: string) => ({ id: `${assignmentId}/event/${type}`, kind: 'event' as const, assignmentId, payload: { type, at: '2026-11-25T10:00:00.000Z' } });
/** A job's end, as finishAssignment puts it: after the job's earlier output. */
const end = (assignmentId: string, type = 'exited') => ({ ...event(assignmentId, type), afterLogs: true });
const usage = (n: number) => ({ id: `a-1/usage/usage-${n}`, kind: 'usage' as const, assignmentId: 'a-1', payload: { eventId: `usage-${n}`, assignmentId: 'a-1', gpuSeconds: n } });
const chunk = (seq: number) => ({ id: `a-1/logs/${seq}`, kind: 'logs' as const, assignmentId: 'a-1', payload: { seq, stream: 'stdout', at: '2026-11-25T10:00:00.000Z', data: `line ${seq}\n` } });

describe('OutboxSender', () => {
  it('sends an assignment\'s events one at a time, in the order they were put', async () => {
    const outbox = Outbox.open(newPath());
    const { calls, transport } = fakeApi();
    outbox.put([event('a-1', 'accepted'), event('a-1', 'started'), event('a-1', 'exited')]);

    start(outbox, transport);

    await eventually(async () => expect(outbox.size).toBe(0));
    expect(calls.map((call) => call.payload.type)).toEqual(['accepted', 'started', 'exited']);
  });

  it('retries with growing backoff while the API is unreachable, then delivers the same record', async () => {
    const outbox = Outbox.open(newPath());
    let failures = 3;
    const { calls, transport } = fakeApi(() => (failures-- > 0 ? new NetworkError('connection refused') : undefined));
    const delays: number[] = [];
    outbox.put([usage(1)]);

    start(outbox, transport, [], delays);

    await eventually(async () => expect(outbox.size).toBe(0));
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => JSON.stringify(call.payload))).size).toBe(1);
    expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
  });

  it('resends after a crash between the send and its acknowledgement, with the same eventId', async () => {
    const path = newPath();
    const server: string[] = [];
    // The API stored the record but the answer never came back (the agent then died).
    const lost: OutboxTransport = { ...fakeApi().transport, async sendUsage(records) { server.push(...records.map((r: any) => r.eventId)); throw new NetworkError('socket hang up'); } };
    const first = Outbox.open(path);
    first.put([usage(7)]);
    const { controller } = start(first, lost);
    await eventually(async () => expect(server).toHaveLength(1));
    controller.abort();

    const afterRestart = Outbox.open(path);
    const ok: OutboxTransport = { ...fakeApi().transport, async sendUsage(records) { server.push(...records.map((r: any) => r.eventId)); } };
    start(afterRestart, ok);

    await eventually(async () => expect(afterRestart.size).toBe(0));
    expect(new Set(server)).toEqual(new Set(['usage-7']));
    expect(server.length).toBeGreaterThanOrEqual(2);
  });

  it('reports a 409 on accepted as withdrawn and sends nothing more for it', async () => {
    const outbox = Outbox.open(newPath());
    const { transport } = fakeApi((kind, payload) => (payload.type === 'accepted' ? new ApiError(409, 'assignment_withdrawn', 'withdrawn') : undefined));
    const settled: [string, Outcome][] = [];
    outbox.put([event('a-9', 'accepted')]);

    start(outbox, transport, settled);

    await eventually(async () => expect(settled).toEqual([['a-9/event/accepted', 'withdrawn']]));
    expect(outbox.size).toBe(0);
  });

  it('drops log chunks the API answers 404 for (no logs route yet) without holding up events', async () => {
    const outbox = Outbox.open(newPath());
    const { calls, transport } = fakeApi((kind) => (kind === 'logs' ? new ApiError(404, 'not_found', 'No route') : undefined));
    const settled: [string, Outcome][] = [];
    outbox.put([chunk(0), chunk(1), event('a-1', 'started')]);

    start(outbox, transport, settled);

    await eventually(async () => expect(outbox.size).toBe(0));
    expect(settled).toEqual(expect.arrayContaining([['a-1/logs/0', 'dropped'], ['a-1/logs/1', 'dropped'], ['a-1/event/started', 'delivered']]));
    expect(calls.filter((call) => call.kind === 'logs')).toHaveLength(1);
  });

  it('resends log chunks the API is not ready for yet (409 assignment_not_ready) until it takes them', async () => {
    const outbox = Outbox.open(newPath());
    let refusals = 2;
    const { calls, transport } = fakeApi((kind) =>
      kind === 'logs' && refusals-- > 0 ? new ApiError(409, 'assignment_not_ready', 'Not known yet') : undefined,
    );
    const settled: [string, Outcome][] = [];
    outbox.put([chunk(0)]);

    start(outbox, transport, settled);

    await eventually(async () => expect(outbox.size).toBe(0));
    expect(settled).toEqual([['a-1/logs/0', 'delivered']]);
    expect(calls.filter((call) => call.kind === 'logs')).toHaveLength(3);
  });

  it('waits at most NOT_READY_BACKOFF\'s 2 s however often the API is not ready for the chunks yet', async () => {
    const outbox = Outbox.open(newPath());
    let refusals = 8;
    const { transport } = fakeApi((kind) => (kind === 'logs' && refusals-- > 0 ? new ApiError(409, 'assignment_not_ready', 'Not known yet') : undefined));
    const delays: number[] = [];
    outbox.put([chunk(0)]);

    start(outbox, transport, [], delays);

    await eventually(async () => expect(outbox.size).toBe(0));
    // Half of each ceiling (random 0.5): NOT_READY_BACKOFF's, capped at 2 s, not the lane's own policy.
    expect(delays).toEqual([125, 250, 500, 1000, 1000, 1000, 1000, 1000]);
  });

  it('sends a job\'s end only once the log chunks of its assignment put before it are stored', async () => {
    const outbox = Outbox.open(newPath());
    let storeLogs = () => {};
    const logsStored = new Promise<void>((resolve) => (storeLogs = resolve));
    const { calls, transport } = fakeApi();
    const sendLogs = transport.sendLogs.bind(transport);
    transport.sendLogs = async (assignmentId, chunks) => {
      await logsStored;
      await sendLogs(assignmentId, chunks);
    };
    const settled: [string, Outcome][] = [];
    outbox.put([chunk(0)]);
    outbox.put([end('a-1'), end('a-2')]);

    start(outbox, transport, settled);

    // Another assignment's end is not held up; this one's waits for its chunk.
    await eventually(async () => expect(settled).toEqual([['a-2/event/exited', 'delivered']]));
    storeLogs();
    await eventually(async () => expect(outbox.size).toBe(0));
    expect(settled.slice(1)).toEqual([['a-1/logs/0', 'delivered'], ['a-1/event/exited', 'delivered']]);
    expect(calls.filter((call) => call.kind === 'event').map((call) => call.assignmentId)).toEqual(['a-2', 'a-1']);
  });

  it('sends the end anyway once it has waited logsFirstMs for chunks the API cannot take', async () => {
    const outbox = Outbox.open(newPath());
    const { transport } = fakeApi((kind) => (kind === 'logs' ? new NetworkError('logs service unreachable') : undefined));
    const settled: [string, Outcome][] = [];
    outbox.put([chunk(0)]);
    outbox.put([end('a-1')]);

    start(outbox, transport, settled, [], 200);

    await eventually(async () => expect(settled).toEqual([['a-1/event/exited', 'delivered']]));
    expect(outbox.pending('logs').map((entry) => entry.id)).toEqual(['a-1/logs/0']);
  });

  it('keeps events and usage flowing while the logs lane backs off', async () => {
    const outbox = Outbox.open(newPath());
    const { transport } = fakeApi((kind) => (kind === 'logs' ? new ApiError(503, 'unavailable', 'try later') : undefined));
    outbox.put([chunk(0), event('a-1', 'started'), usage(1)]);

    start(outbox, transport);

    await eventually(async () => expect(outbox.pending().map((entry) => entry.kind)).toEqual(['logs']));
  });

  it('finds the one usage record the API refuses in a batch and delivers the others', async () => {
    const outbox = Outbox.open(newPath());
    const { transport } = fakeApi((kind, records) =>
      kind === 'usage' && records.some((record: any) => record.eventId === 'usage-2') ? new ApiError(400, 'validation_failed', 'records.1.to') : undefined);
    const settled: [string, Outcome][] = [];
    outbox.put([usage(1), usage(2), usage(3)]);

    start(outbox, transport, settled);

    await eventually(async () => expect(outbox.size).toBe(0));
    expect(settled).toEqual(expect.arrayContaining([['a-1/usage/usage-1', 'delivered'], ['a-1/usage/usage-2', 'dropped'], ['a-1/usage/usage-3', 'delivered']]));
  });

  it('keeps entries (never drops them) while the API refuses the agent token', async () => {
    const outbox = Outbox.open(newPath());
    let refusals = 2;
    const { transport } = fakeApi(() => (refusals-- > 0 ? new ApiError(401, 'unauthorized', 'bad token') : undefined));
    const settled: [string, Outcome][] = [];
    outbox.put([event('a-1', 'exited')]);

    start(outbox, transport, settled);

    await eventually(async () => expect(settled).toEqual([['a-1/event/exited', 'delivered']]));
  });
});
