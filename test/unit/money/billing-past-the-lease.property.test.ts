import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '#events/define.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import { sumOf } from '#billing/domain/ledger.ts';
import type { UsageChunk } from '#billing/domain/chunk-charge.ts';
import { chargeChunk } from '#billing/use-cases/charge-chunk.ts';
import type { BillingState } from '#test/unit/billing/fakes.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import { renewHolds } from '#billing/use-cases/renew-holds.ts';
import { holdAmountFor, type Job } from '#matching/domain/job.ts';
import { holdMarginSeconds, withDeadlines } from '#matching/domain/lease-deadline.ts';
import type { CancelMessage } from '#matching/domain/messages.ts';
import { onFundsExhausted } from '#matching/domain/funding-transitions.ts';
import { onAgentEvent, onCancel, onPlaced, onSweep, type AgentEventType } from '#matching/domain/transitions.ts';
import { type Outcome } from '#matching/domain/outcome.ts';
import { DEFAULT_MATCHING_SETTINGS } from '#matching/domain/matching-settings.ts';
import { eventsOf } from '#matching/use-cases/job-events.ts';
import { DEFAULT_METERING_SETTINGS } from '#metering/domain/usage.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { trackLeases, type LeaseEvent } from '#metering/use-cases/track-leases.ts';
import { T0 } from '#test/support/factories.ts';
import { aFundedJob, aJobSpec, aPlacedHost } from '#test/support/matching-factories.ts';
import { inMemoryBilling } from '../billing/fakes.ts';
import { inMemoryMetering } from '../metering/fakes.ts';

/**
 * Issue 13, "Billing past the lease": matching, metering and billing's own use cases, played
 * second by second against an agent of any behaviour and any schedule timing, with events
 * delivered late. Whatever the agent does, nobody is billed past the lease.
 */

type Behaviour = 'honest' | 'late' | 'lying' | 'deaf';

interface Scenario {
  readonly behaviour: Behaviour;
  readonly maxDurationSeconds: number;
  /** How long the job's own work takes (an honest job may end before its max duration). */
  readonly workSeconds: number;
  readonly reportEverySeconds: number;
  /** A late agent posts its usage this long after the interval ends. */
  readonly reportDelaySeconds: number;
  readonly sweepEverySeconds: number;
  readonly renewEverySeconds: number;
  /** Events between contexts, and messages to the agent, arrive this late. */
  readonly deliveryDelaySeconds: number;
  /** The renter cancels at this second, if at all. */
  readonly cancelAt: number | null;
  /** What the renter deposited beyond the hold, µUSD. */
  readonly extraFunds: number;
}

const GRACE = DEFAULT_MATCHING_SETTINGS.stopGraceSeconds;
const SKEW = DEFAULT_METERING_SETTINGS.clockSkewSeconds;
/** $36 per GPU-hour: 10,000 µUSD a second, so an honest job's total is exact to the µUSD. */
const PRICE = 36_000_000;
const AGENT_OWN_GRACE = 10;

const scenario: fc.Arbitrary<Scenario> = fc.record({
  behaviour: fc.constantFrom<Behaviour>('honest', 'late', 'lying', 'deaf'),
  maxDurationSeconds: fc.integer({ min: 60, max: 240 }),
  workSeconds: fc.integer({ min: 5, max: 500 }),
  reportEverySeconds: fc.integer({ min: 1, max: 60 }),
  reportDelaySeconds: fc.integer({ min: 0, max: 90 }),
  sweepEverySeconds: fc.integer({ min: 1, max: 60 }),
  renewEverySeconds: fc.integer({ min: 5, max: 120 }),
  deliveryDelaySeconds: fc.integer({ min: 0, max: 20 }),
  cancelAt: fc.option(fc.integer({ min: 2, max: 300 }), { nil: null }),
  extraFunds: fc.integer({ min: 0, max: 3_000_000 }),
});

/** What `metering-leases` hears (infra/topology.ts): `job.scheduled` is not among them. */
const leaseEventOf = (event: DomainEvent): LeaseEvent | undefined => {
  const detail = event.detail as never;
  if (event.detailType === 'assignment.started') return { kind: 'started', detail };
  if (event.detailType === 'assignment.stopping') return { kind: 'stopping', detail };
  if (event.detailType === 'assignment.ended') return { kind: 'ended', detail };
  return undefined;
};

const simulate = async (s: Scenario) => {
  const spec = aJobSpec({ maxDurationSeconds: s.maxDurationSeconds, maxPricePerGpuHour: microUsd(PRICE), gpu: { count: 1 } });
  const margin = holdMarginSeconds(GRACE, SKEW);
  const holdAmount = holdAmountFor(spec, margin);
  const billing = inMemoryBilling(T0);
  const metering = inMemoryMetering(T0);
  const renterId = 'acct_renter000000001';
  await addCredits({ accountId: renterId, amount: microUsd(holdAmount + s.extraFunds) }, billing.deps);

  let job: Job = aFundedJob({ spec, holdAmount });
  await placeHold({ jobId: job.jobId, renterId: job.renterId, holdAmount, maxDurationSeconds: s.maxDurationSeconds, holdMarginSeconds: margin }, billing.deps);

  let t = 0;
  const now = () => new Date(T0.getTime() + t * 1000);
  const inFlight: { at: number; event: DomainEvent }[] = [];
  const agentInbox: { at: number; message: CancelMessage }[] = [];
  const posts: { at: number; report: { eventId: string; assignmentId: string; from: string; to: string; gpuSeconds: number } }[] = [];
  let chargedOutbox = 0;

  const apply = (outcome: Outcome) => {
    job = outcome.job;
    for (const event of eventsOf(outcome, now(), GRACE)) inFlight.push({ at: t + s.deliveryDelaySeconds, event });
    for (const { message } of withDeadlines(outcome.send, job, GRACE)) {
      if (message.type === 'cancel') agentInbox.push({ at: t + s.deliveryDelaySeconds, message });
    }
  };
  const agentEvent = (type: AgentEventType, exitCode?: number) => {
    const result = onAgentEvent(job, assignmentId, { type, ...(exitCode === undefined ? {} : { exitCode }) }, now());
    if (result.kind === 'applied') apply(result.outcome);
  };

  apply(onPlaced(job, [aPlacedHost({ pricePerGpuHour: microUsd(PRICE) })], now()));
  const assignmentId = job.assignments[0]?.assignmentId as string;
  const hostId = job.assignments[0]?.hostId as string;

  // The agent.
  let running = false;
  let startedAt = 0;
  let lastReportedTo = 0;
  let killAt: number | null = null;
  let seq = 0;
  const report = (to: number) => {
    if (to <= lastReportedTo) return;
    const from = s.behaviour === 'lying' ? lastReportedTo - 20 : lastReportedTo;
    const end = s.behaviour === 'lying' ? to + 30 : to;
    const gpuSeconds = (to - lastReportedTo) * (s.behaviour === 'lying' ? 4 : 1);
    posts.push({
      at: s.behaviour === 'late' ? to + s.reportDelaySeconds : to,
      report: { eventId: `evt_${(seq += 1)}`, assignmentId, from: new Date(T0.getTime() + from * 1000).toISOString(), to: new Date(T0.getTime() + end * 1000).toISOString(), gpuSeconds },
    });
    lastReportedTo = to;
  };

  const end = s.maxDurationSeconds + GRACE + 300;
  for (t = 0; t <= end; t += 1) {
    metering.advance(t === 0 ? 0 : 1);
    billing.advance(t === 0 ? 0 : 1);
    if (t === 1) {
      agentEvent('accepted');
      agentEvent('started');
      running = true;
      startedAt = t;
      lastReportedTo = t;
    }
    // The agent hears its cancels; a deaf one ignores them.
    for (const item of agentInbox.filter((entry) => entry.at === t)) {
      if (s.behaviour === 'deaf' || !running) continue;
      const deadline = item.message.deadline ? (Date.parse(item.message.deadline) - T0.getTime()) / 1000 : t + AGENT_OWN_GRACE;
      killAt = Math.min(killAt ?? Number.POSITIVE_INFINITY, t + AGENT_OWN_GRACE, deadline);
    }
    if (running && s.behaviour !== 'deaf') {
      const naturalEnd = startedAt + Math.min(s.workSeconds, s.maxDurationSeconds);
      if (t >= naturalEnd || (killAt !== null && t >= killAt)) {
        report(t);
        running = false;
        if (killAt !== null && t >= killAt) agentEvent('stopped');
        else agentEvent('exited', s.workSeconds <= s.maxDurationSeconds ? 0 : 143);
      }
    }
    if (running && (t - startedAt) % s.reportEverySeconds === 0) report(t);
    if (s.cancelAt === t) apply(onCancel(job, now()));
    if (t % s.sweepEverySeconds === 0) apply(onSweep(job, now(), DEFAULT_MATCHING_SETTINGS));

    for (const post of posts.filter((entry) => entry.at === t)) await recordUsage(hostId, [post.report], metering.deps);
    for (const item of inFlight.filter((entry) => entry.at <= t)) {
      inFlight.splice(inFlight.indexOf(item), 1);
      const lease = leaseEventOf(item.event);
      if (lease) await trackLeases(lease, metering.deps);
      if (item.event.detailType === 'job.ended') await releaseHold({ jobId: job.jobId, renterId: job.renterId }, billing.deps);
    }
    // Billing charges what metering recorded (its queue: at once here).
    const recorded = metering.state.outbox.filter((event) => event.detailType === 'usage.chunk_recorded');
    for (const event of recorded.slice(chargedOutbox)) await chargeChunk(event.detail as unknown as UsageChunk, billing.deps);
    chargedOutbox = recorded.length;

    if (t % s.renewEverySeconds === 0) {
      const before = billing.state.outbox.length;
      await renewHolds(billing.deps);
      for (const event of billing.state.outbox.slice(before)) {
        if (event.detailType === 'funds.exhausted') apply(onFundsExhausted(job, now(), 0));
      }
    }
  }
  return { billing, metering, assignmentId, holdAmount };
};

/** Every record's charge line, with its chunk's job: what a record-at-a-time charge used to be. */
const chargeLines = (state: BillingState) => [...state.chunks.values()].flatMap((chunk) => chunk.lines.map((line) => ({ ...line, jobId: chunk.jobId })));

describe('billing past the lease, over any agent behaviour and schedule timing (issue 13)', () => {
  it('bills no more than max duration + grace + skew, keeps the renter at or above zero, balances every transaction and pays the provider charged - fee', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { billing, metering, assignmentId, holdAmount } = await simulate(s);
        const { state } = billing;

        const meteredMs = metering.state.summaries.get(assignmentId)?.gpuMs ?? 0;
        expect(meteredMs).toBeLessThanOrEqual((s.maxDurationSeconds + GRACE + SKEW) * 1000);

        const charges = chargeLines(state);
        const charged = sumOf(charges.map((charge) => charge.amounts.renter));
        const billedSeconds = (charged * 3600) / PRICE;
        expect(billedSeconds).toBeLessThanOrEqual(s.maxDurationSeconds + GRACE + SKEW + 0.001);
        const hold = state.holds.get(charges[0]?.jobId ?? '') ?? [...state.holds.values()][0];
        expect(charged).toBeLessThanOrEqual(hold?.heldTotal ?? holdAmount);

        const renter = state.balanceOf('acct_renter000000001');
        expect(renter.balance).toBeGreaterThanOrEqual(0);
        expect(renter.available).toBeGreaterThanOrEqual(0);
        for (const transaction of state.transactions.values()) expect(sumOf(transaction.entries.map((entry) => entry.amount))).toBe(0);
        const provider = state.balanceOf('acct_provider000001');
        const fees = sumOf(charges.map((charge) => charge.amounts.platform));
        expect(provider.balance).toBe(charged - fees);
        expect(sumOf(charges.map((charge) => charge.amounts.provider))).toBe(provider.balance);
        // Every recorded usage was charged exactly once.
        const recordedRecords = metering.state.outbox.filter((event) => event.detailType === 'usage.chunk_recorded').flatMap((event) => event.detail.records as unknown[]);
        expect(charges).toHaveLength(recordedRecords.length);
        expect(new Set(charges.map((charge) => charge.usageRecordId)).size).toBe(recordedRecords.length);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('bills an honest agent that stops on time for all it ran, and cuts nothing', async () => {
    await fc.assert(
      fc.asyncProperty(scenario.filter((s) => s.cancelAt === null), async (base) => {
        const s: Scenario = { ...base, behaviour: 'honest', extraFunds: 1_000_000 };
        const { billing, metering, assignmentId } = await simulate(s);
        const charges = chargeLines(billing.state);

        expect(charges.every((charge) => (charge.cut ?? 0) === 0)).toBe(true);
        const ran = Math.min(s.workSeconds, s.maxDurationSeconds);
        expect(metering.state.summaries.get(assignmentId)?.gpuMs).toBe(ran * 1000);
        expect(sumOf(charges.map((charge) => charge.amounts.renter))).toBe(microUsd((ran * PRICE) / 3600) as MicroUsd);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
