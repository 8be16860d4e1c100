import { describe, expect, it } from 'vitest';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { place } from '#matching/domain/placement.ts';
import { requirementsOf, type Assignment } from '#matching/domain/job.ts';
import { billableUntil, withDeadlines } from '#matching/domain/lease-deadline.ts';
import { onPreempted } from '#matching/domain/preempt-transition.ts';
import { onPlaced } from '#matching/domain/transitions.ts';
import { minimumBidOf } from '#matching/domain/interruptible.ts';
import { planPreemption, placementOrder } from '#matching/domain/preemption.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { aCapacity, aJob, aJobSpec, anAssignment, aPlacedHost, gpus, iso, requirements } from '#test/support/matching-factories.ts';

const bidding = (bid: number, overrides = {}) => requirementsOf(aJob({ spec: aJobSpec({ tier: 'interruptible', bidPerGpuHour: microUsd(bid), maxPricePerGpuHour: microUsd(bid), restartPolicy: 'on-preemption', ...overrides }) }));
const held = (jobId: string, gpuIndices: number[], bid?: number, since = T0.toISOString()) => ({ jobId, gpuIndices, ...(bid !== undefined ? { interruptible: { bidPerGpuHour: bid, since } } : {}) });

describe('placing interruptible work', () => {
  it("takes a host whose minimum its bid meets, at the bid, whatever the host's list price", () => {
    const host = aCapacity({ pricePerGpuHour: microUsd(2_000_000) });
    const placement = place(bidding(1_000_000), [host]);

    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_a', pricePerGpuHour: 1_000_000 }] });
  });

  it("honours the host's minimum: default half its price, its own when set, none at 0", () => {
    const byDefault = aCapacity({ hostId: 'host_default', pricePerGpuHour: microUsd(900_000) });
    expect(minimumBidOf(byDefault)).toBe(450_000);
    expect(place(bidding(449_999), [byDefault]).kind).toBe('unplaceable');
    expect(place(bidding(450_000), [byDefault]).kind).toBe('placed');

    const own = aCapacity({ hostId: 'host_own', pricePerGpuHour: microUsd(900_000), minBidPerGpuHour: microUsd(800_000) });
    expect(place(bidding(700_000), [own]).kind).toBe('unplaceable');
    expect(place(bidding(800_000), [own]).kind).toBe('placed');

    const none = aCapacity({ hostId: 'host_none', pricePerGpuHour: microUsd(900_000), minBidPerGpuHour: microUsd(0) });
    expect(place(bidding(900_000), [none]).kind).toBe('unplaceable');
  });

  it('is found by the pool index, which does not stop at the first host above the bid', () => {
    const index = new PoolIndex();
    index.upsert(aCapacity({ hostId: 'host_cheap', pricePerGpuHour: microUsd(100_000), minBidPerGpuHour: microUsd(0) }));
    index.upsert(aCapacity({ hostId: 'host_dear', pricePerGpuHour: microUsd(3_000_000) }));

    const placement = index.place(bidding(1_500_000));

    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_dear', pricePerGpuHour: 1_500_000 }] });
  });

  it('says what the bid was when nothing takes it', () => {
    const placement = place(bidding(100_000), [aCapacity()]);

    expect(placement.kind === 'unplaceable' && placement.reason).toContain('bidding 0.100000/GPU-hour');
  });

  it('orders a batch on-demand first, then the highest bid first', () => {
    const onDemand = aJob({ jobId: 'job_od' });
    const low = aJob({ jobId: 'job_low', spec: aJobSpec({ tier: 'interruptible', bidPerGpuHour: microUsd(100_000) }) });
    const high = aJob({ jobId: 'job_high', spec: aJobSpec({ tier: 'interruptible', bidPerGpuHour: microUsd(300_000) }) });

    expect(placementOrder([low, high, onDemand]).map((job) => job.jobId)).toEqual(['job_od', 'job_high', 'job_low']);
  });
});

describe('planPreemption', () => {
  const now = new Date(T0.getTime() + 3600_000);

  it('frees GPUs held by interruptible work for on-demand work, cheapest bid first, free GPUs before any', () => {
    const host = aCapacity({
      gpus: gpus(4),
      live: { 'job_a.a1.r0': held('job_a', [0], 300_000), 'job_b.a1.r0': held('job_b', [1], 200_000), 'job_c.a1.r0': held('job_c', [2]) },
    });

    const plan = planPreemption(requirements({ gpuCount: 2 }), [host], now, 300);

    expect(plan?.victims).toEqual([{ jobId: 'job_b', assignmentIds: ['job_b.a1.r0'] }]);
    expect(plan?.hosts[0]?.gpuIndices).toEqual([1, 3]);
  });

  it('never touches on-demand work', () => {
    const host = aCapacity({ live: { 'job_a.a1.r0': held('job_a', [0]), 'job_b.a1.r0': held('job_b', [1], 200_000) } });

    expect(planPreemption(requirements({ gpuCount: 2 }), [host], now, 300)).toBeUndefined();
  });

  it('lets a higher bid preempt only a lower one that ran the minimum run time', () => {
    const host = aCapacity({
      gpus: gpus(1),
      pricePerGpuHour: microUsd(900_000),
      live: { 'job_a.a1.r0': held('job_a', [0], 500_000, iso(now, -299)) },
    });
    expect(planPreemption(bidding(600_000), [host], now, 300)).toBeUndefined();
    expect(planPreemption(bidding(500_000), [{ ...host, live: { 'job_a.a1.r0': held('job_a', [0], 500_000, iso(now, -300)) } }], now, 300)).toBeUndefined();
    const plan = planPreemption(bidding(600_000), [{ ...host, live: { 'job_a.a1.r0': held('job_a', [0], 500_000, iso(now, -300)) } }], now, 300);
    expect(plan).toMatchObject({ victims: [{ jobId: 'job_a' }], hosts: [{ pricePerGpuHour: 600_000 }] });
  });

  it('does nothing when there is room without preempting', () => {
    expect(planPreemption(requirements(), [aCapacity({ live: { x: held('job_a', [0], 1) } })], now, 300)).toBeUndefined();
  });
});

describe('onPreempted', () => {
  const spec = aJobSpec({ tier: 'interruptible', bidPerGpuHour: microUsd(300_000), maxPricePerGpuHour: microUsd(300_000), restartPolicy: 'on-preemption' });
  const running = aJob({
    spec,
    status: 'running',
    fundsHeld: true,
    startedAt: T0.toISOString(),
    assignments: [anAssignment({ state: 'running', interruptible: true, pricePerGpuHour: microUsd(300_000), startedAt: T0.toISOString() })],
  });
  const now = new Date(T0.getTime() + 600_000);

  it('sends a cancel with the deadline, re-queues the job, and tells the next run why', () => {
    const outcome = onPreempted(running, { kind: 'on-demand', byJobId: 'job_od' }, 30, now);
    const deadline = iso(now, 30);

    expect(outcome.job).toMatchObject({ status: 'queued', attempt: 2, preemptions: 1, restartReason: 'preempted by on-demand work (job_od)' });
    expect(outcome.stopping?.[0]).toMatchObject({ state: 'stopping', stopDeadline: deadline });
    expect(withDeadlines(outcome.send, outcome.job, 30)[0]?.message).toMatchObject({ type: 'cancel', deadline });
    expect(billableUntil(outcome.job, outcome.job.assignments[0] as Assignment, 30)).toBe(deadline);
    expect(outcome.timeline.map((entry) => entry.type)).toEqual(['preempted', 'requeued']);

    const placed = onPlaced({ ...outcome.job, fundsHeld: true }, [aPlacedHost({ pricePerGpuHour: microUsd(300_000) })], new Date(now.getTime() + 60_000));
    const message = placed.send[0]?.message;
    expect(message?.type === 'assignment' && message.env).toMatchObject({ GPUHIVE_RESTART_COUNT: '1', GPUHIVE_RESTART_REASON: 'preempted by on-demand work (job_od)' });
    expect(placed.reserve[0]).toMatchObject({ interruptible: true });
  });

  it("ends the job preempted when the renter chose never; on-demand work is never preempted", () => {
    const never = { ...running, spec: { ...spec, restartPolicy: 'never' as const } };
    const outcome = onPreempted(never, { kind: 'higher-bid', byJobId: 'job_rich' }, 30, now);

    expect(outcome.job.status).toBe('preempted');
    expect(outcome.jobEnded).toEqual({ status: 'preempted', reason: 'preempted' });
    const onDemand = { ...running, spec: aJobSpec() };
    expect(onPreempted(onDemand, { kind: 'on-demand', byJobId: 'job_od' }, 30, now).job).toBe(onDemand);
  });
});
