import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { rateUsage } from '#billing/domain/rating.ts';
import { freeGpuIndices, release, reserve, type HeldGpus, type HostCapacity } from '#matching/domain/capacity.ts';
import { type Job } from '#matching/domain/job.ts';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { onPreempted } from '#matching/domain/preempt-transition.ts';
import { planPreemption } from '#matching/domain/preemption.ts';
import { onAgentEvent, onPlaced, onSweep } from '#matching/domain/transitions.ts';
import { type Outcome } from '#matching/domain/outcome.ts';
import { eventsOf } from '#matching/use-cases/job-events.ts';
import { mergeLease, type Lease } from '#metering/domain/lease.ts';
import { judgeUsage, type Coverage } from '#metering/domain/usage.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, aJob, aJobSpec, anAssignment, gpus, iso, requirements, settings } from '#test/support/matching-factories.ts';

const NOW = new Date(T0.getTime() + 3600_000);
const MIN_RUN = 300;

/** A host's GPUs, each free, held by on-demand work or held by a bidder. */
const hostArb = (n: number) =>
  fc
    .record({
      gpuCount: fc.integer({ min: 1, max: 4 }),
      holders: fc.array(fc.oneof(fc.constant('free' as const), fc.constant('on-demand' as const), fc.integer({ min: 1, max: 5 }).map((bid) => bid * 100_000)), { minLength: 4, maxLength: 4 }),
      sinceAgo: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 4, maxLength: 4 }),
      online: fc.boolean(),
    })
    .map(({ gpuCount, holders, sinceAgo, online }): HostCapacity => {
      const live: Record<string, HeldGpus> = {};
      for (let index = 0; index < gpuCount; index += 1) {
        const holder = holders[index];
        if (holder === 'free') continue;
        const jobId = `job_h${n}g${index}`;
        live[`${jobId}.a1.r0`] = {
          jobId,
          gpuIndices: [index],
          ...(holder === 'on-demand' ? {} : { interruptible: { bidPerGpuHour: holder as number, since: iso(NOW, -(sinceAgo[index] as number)) } }),
        };
      }
      return aCapacity({ hostId: `host_${n}`, gpus: gpus(gpuCount), status: online ? 'online' : 'offline', live, pricePerGpuHour: microUsd(900_000) });
    });

const fleetArb = fc.integer({ min: 1, max: 4 }).chain((size) => fc.tuple(...Array.from({ length: size }, (_, n) => hostArb(n))));

const heldTwice = (host: HostCapacity): boolean => {
  const all = Object.values(host.live).flatMap((held) => held.gpuIndices);
  return new Set(all).size !== all.length;
};

describe('preemption (properties)', () => {
  it('never holds a GPU twice, and on-demand work that interruptible work is in the way of always gets room', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer({ min: 1, max: 4 }), (fleet, gpuCount) => {
        const wanted = requirements({ gpuCount });
        const index = new PoolIndex();
        for (const host of fleet) index.upsert(host);
        if (index.place(wanted).kind === 'placed') return;

        const plan = planPreemption(wanted, fleet, NOW, MIN_RUN);
        // Oracle: some online host whose free and interruptible GPUs together are enough.
        const couldFit = fleet.some((host) => {
          const interruptible = Object.values(host.live).filter((held) => held.interruptible).flatMap((held) => held.gpuIndices);
          return host.status === 'online' && freeGpuIndices(host).length + interruptible.length >= gpuCount;
        });
        expect(plan !== undefined).toBe(couldFit);
        if (!plan) return;

        const victims = new Set(plan.victims.map((victim) => victim.jobId));
        let hosts = fleet.map((host) => {
          let after = host;
          for (const [assignmentId, held] of Object.entries(host.live)) {
            if (!victims.has(held.jobId)) continue;
            expect(held.interruptible).toBeDefined();
            after = release(after, assignmentId);
          }
          return after;
        });
        hosts = hosts.map((host) => {
          const placed = plan.hosts.find((candidate) => candidate.hostId === host.hostId);
          return placed ? reserve(host, 'job_new.a1.r0', { jobId: 'job_new', gpuIndices: placed.gpuIndices }) : host;
        });
        for (const host of hosts) expect(heldTwice(host)).toBe(false);
        // Only as many preempted as needed beyond the free GPUs of the chosen host.
        for (const placed of plan.hosts) {
          const before = fleet.find((host) => host.hostId === placed.hostId) as HostCapacity;
          const freeUsed = placed.gpuIndices.filter((gpu) => freeGpuIndices(before).includes(gpu)).length;
          expect(freeUsed).toBe(Math.min(freeGpuIndices(before).length, gpuCount));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('lets a bid preempt only lower bids that ran the minimum run time', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer({ min: 1, max: 6 }).map((bid) => bid * 100_000), (fleet, bid) => {
        const wanted = requirements({ bidPerGpuHour: microUsd(bid), maxPricePerGpuHour: microUsd(Number.MAX_SAFE_INTEGER) });
        const plan = planPreemption(wanted, fleet, NOW, MIN_RUN);
        for (const victim of plan?.victims ?? []) {
          const held = fleet.flatMap((host) => Object.values(host.live)).find((candidate) => candidate.jobId === victim.jobId);
          expect(held?.interruptible?.bidPerGpuHour).toBeLessThan(bid);
          expect(Date.parse(held?.interruptible?.since ?? '')).toBeLessThanOrEqual(NOW.getTime() - MIN_RUN * 1000);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ends billing at the deadline at the latest, and bills an interruptible job exactly its bid x its observed seconds', () => {
    const STOP_GRACE = 30;
    fc.assert(
      fc.property(
        fc.record({
          // A multiple of 3600 µUSD/GPU-hour: whole µUSD per GPU-second, so the total is exact.
          bid: fc.integer({ min: 1, max: 1000 }).map((k) => k * 3600),
          gpuCount: fc.integer({ min: 1, max: 4 }),
          ranFor: fc.integer({ min: 1, max: 1200 }),
          grace: fc.integer({ min: 1, max: 60 }),
          // When the agent's job is gone after SIGTERM: within the grace, or deaf past it.
          stoppedAfter: fc.integer({ min: 0, max: 120 }),
          sweeps: fc.array(fc.integer({ min: 0, max: 180 }), { maxLength: 6 }),
          requeue: fc.boolean(),
        }),
        ({ bid, gpuCount, ranFor, grace, stoppedAfter, sweeps, requeue }) => {
          const startedAt = T0;
          const spec = aJobSpec({ tier: 'interruptible', bidPerGpuHour: microUsd(bid), maxPricePerGpuHour: microUsd(bid), restartPolicy: requeue ? 'on-preemption' : 'never', gpu: { count: gpuCount }, maxDurationSeconds: 7 * 86_400 });
          const assignment = anAssignment({ state: 'running', interruptible: true, pricePerGpuHour: microUsd(bid), gpuIndices: Array.from({ length: gpuCount }, (_, i) => i), acceptedAt: iso(startedAt), startedAt: iso(startedAt) });
          let job: Job = aJob({ spec, status: 'running', fundsHeld: true, statusReason: null, startedAt: iso(startedAt), assignments: [assignment] });
          const leaseEvents: Detail<typeof events.assignmentStarted>[] = [];
          const record = (outcome: Outcome, at: Date) => {
            for (const event of eventsOf(outcome, at, STOP_GRACE)) {
              const leaseTypes: readonly string[] = [events.assignmentStarted.DETAIL_TYPE, events.assignmentStopping.DETAIL_TYPE, events.assignmentEnded.DETAIL_TYPE];
              if (leaseTypes.includes(event.detailType)) leaseEvents.push(event.detail as Detail<typeof events.assignmentStarted>);
            }
            job = outcome.job;
          };
          record({ ...onPlaced(aFundedJob(), [], startedAt), job, started: [assignment] }, startedAt);

          const preemptedAt = new Date(startedAt.getTime() + ranFor * 1000);
          const deadline = preemptedAt.getTime() + grace * 1000;
          const preempted = onPreempted(job, { kind: 'on-demand', byJobId: 'job_od' }, grace, preemptedAt);
          expect(preempted.job.status).toBe(requeue ? 'queued' : 'preempted');
          expect(preempted.timeline.some((entry) => entry.type === 'preempted')).toBe(true);
          expect(preempted.send).toEqual([expect.objectContaining({ message: expect.objectContaining({ type: 'cancel', assignmentId: assignment.assignmentId }) })]);
          record(preempted, preemptedAt);

          // The agent's stop and the sweeps, in time order.
          const agentGone = preemptedAt.getTime() + stoppedAfter * 1000;
          const steps = [
            { at: agentGone, kind: 'stopped' as const },
            ...sweeps.map((after) => ({ at: preemptedAt.getTime() + after * 1000, kind: 'sweep' as const })),
            { at: deadline + 1000, kind: 'sweep' as const },
          ].sort((a, b) => a.at - b.at);
          for (const step of steps) {
            const at = new Date(step.at);
            if (step.kind === 'sweep') record(onSweep(job, at, settings({ stopGraceSeconds: STOP_GRACE })), at);
            else {
              const result = onAgentEvent(job, assignment.assignmentId, { type: 'stopped' }, at);
              if (result.kind === 'applied') record(result.outcome, at);
            }
          }

          let lease: Lease | undefined;
          for (const detail of leaseEvents) {
            expect(detail.pricePerGpuHour).toBe(bid);
            lease = mergeLease(lease, { ...detail, pricePerGpuHour: microUsd(detail.pricePerGpuHour), ended: false });
          }
          const ended = job.assignments.find((candidate) => candidate.assignmentId === assignment.assignmentId);
          expect(ended?.endedAt && Date.parse(ended.endedAt)).toBeLessThanOrEqual(deadline);
          expect(Date.parse(lease?.billableUntil ?? '')).toBeLessThanOrEqual(deadline);
          const finalLease = { ...(lease as Lease), leaseEnd: ended?.endedAt, ended: true };

          // The honest agent reports every minute it ran (and the rest at the end), each received as it is sent.
          let covered: Coverage = [];
          let total = 0;
          for (let from = startedAt.getTime(); from < agentGone; from += 60_000) {
            const to = Math.min(from + 60_000, agentGone);
            const verdict = judgeUsage(
              { eventId: `u${from}`, assignmentId: assignment.assignmentId, hostId: assignment.hostId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), gpuSeconds: ((to - from) / 1000) * gpuCount, receivedAt: new Date(to).toISOString() },
              finalLease,
              covered,
              { clockSkewSeconds: 5 },
            );
            if (verdict.status !== 'accepted') continue;
            covered = [...covered, ...verdict.segments].sort((a, b) => a.from - b.from);
            total += rateUsage({ gpuSeconds: verdict.gpuMs / 1000, pricePerGpuHour: finalLease.pricePerGpuHour }).renter;
          }
          const observedSeconds = (Math.min(agentGone, deadline) - startedAt.getTime()) / 1000;
          expect(total).toBe((bid * gpuCount * observedSeconds) / 3600);
        },
      ),
      { numRuns: 300 },
    );
  });
});
