import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { ServiceBusyError } from '#platform/errors.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { trackLeases } from '#metering/use-cases/track-leases.ts';
import { T0, at, sampleDetail } from '#test/support/factories.ts';
import { inMemoryMetering, type FakeUsageStore } from '../fakes.ts';

const started = sampleDetail('assignmentStarted') as Detail<typeof events.assignmentStarted>;
const hostId = started.hostId;
const iso = (seconds: number) => at(T0, seconds).toISOString();
const record = (eventId: string, from: number, to: number, gpuSeconds = to - from) => ({ eventId, assignmentId: 'asg_1', from: iso(from), to: iso(to), gpuSeconds });

/** How the agent numbers its records (agent/src/usage/meter.ts). */
const agentEventId = (seq: number) => `usage-${String(seq).padStart(6, '0')}`;

const linesOf = (event: { detail: unknown }) => (event.detail as Detail<typeof events.usageChunkRecorded>).records;

const running = async () => {
  const metering = inMemoryMetering(at(T0, 120));
  await trackLeases({ kind: 'started', detail: started }, metering.deps);
  return metering;
};

describe('recordUsage', () => {
  it('gives up on writers that keep conflicting with a retryable ServiceBusyError (a 503 with Retry-After), not a bare error (issue 13)', async () => {
    const metering = await running();
    const deps = { ...metering.deps, usage: Object.assign(Object.create(metering.deps.usage), { commit: async () => 'conflict' as const }) };

    await expect(recordUsage(hostId, [record('e1', 0, 60)], deps)).rejects.toBeInstanceOf(ServiceBusyError);
  }, 30_000);

  it('accepts records, each with its own usage record id, in one usage.chunk_recorded per assignment carrying what billing needs', async () => {
    const { deps, state } = await running();

    const { outcomes } = await recordUsage(hostId, [record('e1', 0, 60), record('e2', 60, 120)], deps);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'accepted']);
    expect(new Set(outcomes.map((outcome) => outcome.usageRecordId)).size).toBe(2);
    expect(state.outbox.map((event) => event.detailType)).toEqual(['usage.chunk_recorded']);
    expect(state.outbox.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        chunkId: expect.stringMatching(/^uch_/), assignmentId: 'asg_1', jobId: 'job_1', renterId: started.renterId, providerId: started.providerId, hostId, gpuModel: 'RTX 4090', pricePerGpuHour: 450_000,
        records: [
          { usageRecordId: outcomes[0]?.usageRecordId, gpuSeconds: 60, from: at(T0, 0).toISOString(), to: at(T0, 60).toISOString() },
          { usageRecordId: outcomes[1]?.usageRecordId, gpuSeconds: 60, from: at(T0, 60).toISOString(), to: at(T0, 120).toISOString() },
        ],
      }),
    ]);
    expect(state.commits).toBe(1);
    expect(state.summaries.get('asg_1')).toMatchObject({ acceptedRecords: 2, gpuMs: 120_000 });
    expect(state.hours.get('asg_1#2025-03-10T10')).toMatchObject({ gpuMs: 120_000, records: 2 });
  });

  it('counts a resend once and says it is a duplicate, however late, and within one batch', async () => {
    const metering = await running();
    const first = await recordUsage(hostId, [record('e1', 0, 60)], metering.deps);
    metering.advance(86_400);

    const again = await recordUsage(hostId, [record('e1', 0, 60), record('e1', 0, 60)], metering.deps);

    expect(again.outcomes).toEqual([
      expect.objectContaining({ status: 'duplicate', original: 'accepted', usageRecordId: first.outcomes[0]?.usageRecordId }),
      expect.objectContaining({ status: 'duplicate', original: 'accepted' }),
    ]);
    expect(metering.state.outbox).toHaveLength(1);
    expect(metering.state.summaries.get('asg_1')?.gpuMs).toBe(60_000);
  });

  it('stores records for a lease not known yet as pending, and judges them when the lease arrives', async () => {
    const { deps, state } = inMemoryMetering(at(T0, 120));

    const { outcomes } = await recordUsage(hostId, [record('e1', 0, 60)], deps);
    const { judged } = await trackLeases({ kind: 'started', detail: started }, deps);

    expect(outcomes[0]?.status).toBe('pending');
    expect(judged).toBe(1);
    expect(state.usage.get(`asg_1#e1#${hostId}`)).toMatchObject({ status: 'accepted', gpuMs: 60_000 });
    expect(state.pending.size).toBe(0);
    expect(state.outbox).toHaveLength(1);
  });

  it('judges a waiting record against the lease end, even when ended arrives first', async () => {
    const { deps, state } = inMemoryMetering(at(T0, 120));
    await recordUsage(hostId, [record('e1', 0, 60), record('e2', 60, 120)], deps);

    await trackLeases({ kind: 'ended', detail: { ...started, leaseEnd: iso(30), reason: 'exited' } as Detail<typeof events.assignmentEnded> }, deps);

    expect(state.usage.get(`asg_1#e1#${hostId}`)).toMatchObject({ status: 'accepted', gpuMs: 35_000, clipped: ['outside_lease'] });
    expect(state.usage.get(`asg_1#e2#${hostId}`)).toMatchObject({ status: 'rejected', reason: 'outside_lease' });
    expect(state.summaries.get('asg_1')).toMatchObject({ acceptedRecords: 1, clippedRecords: 1, rejectedRecords: 1 });
  });

  it('refuses another host speaking for the assignment without taking its key', async () => {
    const { deps, state } = await running();

    const { outcomes } = await recordUsage('host_stranger', [record('e1', 0, 60)], deps);
    const owner = await recordUsage(hostId, [record('e1', 0, 60)], deps);

    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: 'not_your_assignment' });
    expect(owner.outcomes[0]?.status).toBe('accepted');
    expect(state.outbox).toHaveLength(1);
  });

  it('writes a batch of 100 in a few transactions', async () => {
    const { deps, state } = await running();
    const batch = Array.from({ length: 100 }, (_, index) => record(`e${index}`, index, index + 1));

    const { outcomes } = await recordUsage(hostId, batch, deps);

    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(state.commits).toBeLessThanOrEqual(3);
    expect(state.summaries.get('asg_1')?.gpuMs).toBe(100_000);
  });

  it('writes a batch of 100 numbered records in one transaction (10 record group items, the summary, hour and event), reading the lease once and no record', async () => {
    const { deps, state } = await running();
    const usage = deps.usage as FakeUsageStore;
    const batch = Array.from({ length: 100 }, (_, index) => record(agentEventId(100 + index), index, index + 1));

    await recordUsage(hostId, batch, deps);

    expect(state.commits).toBe(1);
    expect(state.outbox.map((event) => linesOf(event).length)).toEqual([100]);
    expect(usage.loads).toBe(1);
    expect(usage.recordKeysLoaded).toBe(0);
  });

  it('fills transactions to the store\'s limit when every record needs an item of its own (ids that share no group): 97 records, then 3', async () => {
    const { deps, state } = await running();
    const batch = Array.from({ length: 100 }, (_, index) => record(`e${index}-x`, index, index + 1));

    await recordUsage(hostId, batch, deps);

    expect(state.commits).toBe(2);
    expect(state.outbox.map((event) => linesOf(event).length)).toEqual([97, 3]);
  });

  it('reads the stored copies first where the store says a key condition cannot see them (records stored before record groups)', async () => {
    const { deps, state } = await running();
    const usage = deps.usage as FakeUsageStore;
    const first = await recordUsage(hostId, [record('e1', 0, 60)], deps);
    state.keysUnseen.add('asg_1');

    const again = await recordUsage(hostId, [record('e1', 0, 60), record('e2', 60, 120)], deps);

    expect(again.outcomes).toEqual([
      expect.objectContaining({ status: 'duplicate', original: 'accepted', usageRecordId: first.outcomes[0]?.usageRecordId }),
      expect.objectContaining({ status: 'accepted' }),
    ]);
    expect(usage.recordKeysLoaded).toBe(2);
    expect(state.summaries.get('asg_1')).toMatchObject({ acceptedRecords: 2, gpuMs: 120_000 });
  });

  it('publishes the events of all its commits together once they are committed: one PutEvents and mark-sent per request, not per commit', async () => {
    const { deps, state } = await running();
    const batch = Array.from({ length: 100 }, (_, index) => record(`e${index}-x`, index, index + 1));

    await recordUsage(hostId, batch, deps);

    expect(state.commits).toBe(2);
    expect(state.publications).toHaveLength(1);
    expect(state.publications[0]?.map((event) => event.detail.eventId)).toEqual(state.outbox.map((event) => event.detail.eventId));
  });

  it('still publishes what it committed when a later commit of the request keeps losing races', async () => {
    const { deps, state } = await running();
    const usage = deps.usage as FakeUsageStore;
    let commits = 0;
    const failing = Object.assign(Object.create(usage), {
      commit: async (...args: Parameters<FakeUsageStore['commit']>) => ((commits += 1) === 1 ? usage.commit(...args) : ('conflict' as const)),
    });
    const batch = Array.from({ length: 100 }, (_, index) => record(`e${index}-x`, index, index + 1));

    await expect(recordUsage(hostId, batch, { ...deps, usage: failing })).rejects.toBeInstanceOf(ServiceBusyError);

    expect(state.outbox).toHaveLength(1);
    expect(state.publications).toEqual([state.outbox]);
  }, 30_000);

  it('answers a resent batch as duplicates of what each record became, writing nothing again', async () => {
    const metering = await running();
    const batch = Array.from({ length: 100 }, (_, index) => record(`e${index}`, index, index + 1));
    const first = await recordUsage(hostId, batch, metering.deps);
    const commits = metering.state.commits;
    const events = metering.state.outbox.length;

    const again = await recordUsage(hostId, batch, metering.deps);

    expect(again.outcomes.map((outcome) => [outcome.status, outcome.original, outcome.usageRecordId])).toEqual(
      first.outcomes.map((outcome) => ['duplicate', 'accepted', outcome.usageRecordId]),
    );
    expect(metering.state.commits).toBe(commits);
    expect(metering.state.outbox).toHaveLength(events);
    expect(metering.state.summaries.get('asg_1')).toMatchObject({ acceptedRecords: 100, gpuMs: 100_000 });
  });

  it('stores the new records of a batch that mixes resent and new ones, each once', async () => {
    const metering = await running();
    await recordUsage(hostId, [record('e1', 0, 10), record('e2', 10, 20)], metering.deps);

    const mixed = await recordUsage(hostId, [record('e1', 0, 10), record('e3', 20, 30), record('e2', 10, 20), record('e4', 30, 40)], metering.deps);

    expect(mixed.outcomes.map((outcome) => outcome.status)).toEqual(['duplicate', 'accepted', 'duplicate', 'accepted']);
    expect(metering.state.summaries.get('asg_1')).toMatchObject({ acceptedRecords: 4, gpuMs: 40_000 });
    const charged = metering.state.outbox.flatMap((event) => linesOf(event).map((line) => line.usageRecordId));
    expect(new Set(charged).size).toBe(4);
    expect(charged).toHaveLength(4);
  });

  it('answers a stranger resending a record it once left waiting as a duplicate of its rejection, which no key condition would catch', async () => {
    const { deps, state } = inMemoryMetering(at(T0, 120));
    await recordUsage('host_stranger', [record('e1', 0, 60)], deps);
    await trackLeases({ kind: 'started', detail: started }, deps);
    expect(state.usage.get('asg_1#e1#host_stranger')).toMatchObject({ status: 'rejected', reason: 'not_your_assignment' });

    const again = await recordUsage('host_stranger', [record('e1', 0, 60)], deps);

    expect(again.outcomes[0]).toMatchObject({ status: 'duplicate', original: 'rejected' });
  });

  it('ends a lost host\'s lease no earlier than the last usage received while it was open', async () => {
    const metering = await running(); // now T0+120
    await recordUsage(hostId, [record('e1', 0, 100)], metering.deps); // received at T0+120
    // The host's last heartbeat was at T0+60; it went offline later.
    await trackLeases({ kind: 'ended', detail: { ...started, leaseEnd: iso(60), reason: 'host_lost' } as Detail<typeof events.assignmentEnded> }, metering.deps);
    metering.advance(600);

    const late = await recordUsage(hostId, [record('e2', 100, 120), record('e3', 120, 200)], metering.deps);

    expect(late.outcomes[0]).toMatchObject({ status: 'accepted', gpuMs: 20_000 });
    expect(late.outcomes[1]).toMatchObject({ status: 'accepted', gpuMs: 5_000, clipped: ['outside_lease'] });
    expect(metering.state.summaries.get('asg_1')?.lastOpenUsageAt).toBe(iso(120));
  });

  it('ends any other lease where matching said, whatever usage came before', async () => {
    const metering = await running();
    await recordUsage(hostId, [record('e1', 0, 100)], metering.deps);
    await trackLeases({ kind: 'ended', detail: { ...started, leaseEnd: iso(60), reason: 'exited' } as Detail<typeof events.assignmentEnded> }, metering.deps);

    const late = await recordUsage(hostId, [record('e2', 100, 120)], metering.deps);

    expect(late.outcomes[0]).toMatchObject({ status: 'rejected', reason: 'outside_lease' });
  });
});
