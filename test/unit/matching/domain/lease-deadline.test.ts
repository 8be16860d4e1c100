import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import { holdAmountFor } from '#matching/domain/job.ts';
import { billableUntil, holdMarginSeconds, withDeadlines } from '#matching/domain/lease-deadline.ts';
import { onAgentEvent, onCancel, onPlaced } from '#matching/domain/transitions.ts';
import { type Outcome } from '#matching/domain/outcome.ts';
import { eventsOf } from '#matching/use-cases/job-events.ts';
import { T0, at } from '#test/support/factories.ts';
import { aFundedJob, aJobSpec, aPlacedHost, anAssignment } from '#test/support/matching-factories.ts';

const GRACE = 30;

const running = () => {
  const job = aFundedJob({ spec: aJobSpec({ maxDurationSeconds: 60 }) });
  const placed = onPlaced(job, [aPlacedHost()], T0).job;
  const assignmentId = placed.assignments[0]?.assignmentId as string;
  const accepted = onAgentEvent(placed, assignmentId, { type: 'accepted' }, at(T0, 1));
  if (accepted.kind !== 'applied') throw new Error('not accepted');
  const started = onAgentEvent(accepted.outcome.job, assignmentId, { type: 'started' }, at(T0, 2));
  if (started.kind !== 'applied') throw new Error('not started');
  return { outcome: started.outcome, assignmentId };
};

const detailsOf = (outcome: Outcome, detailType: string, now: Date) =>
  eventsOf(outcome, now, GRACE).filter((event) => event.detailType === detailType).map((event) => event.detail);

describe('billableUntil (issue 13)', () => {
  it('is unknown before the lease starts', () => {
    const job = aFundedJob();

    expect(billableUntil(job, anAssignment(), GRACE)).toBeUndefined();
  });

  it('announces the job start + max duration + grace with assignment.started', () => {
    const { outcome } = running();

    expect(detailsOf(outcome, 'assignment.started', at(T0, 2))).toEqual([expect.objectContaining({ leaseStart: at(T0, 2).toISOString(), billableUntil: at(T0, 92).toISOString() })]);
  });

  it('announces the stop request + grace with assignment.stopping the moment the renter cancels', () => {
    const { outcome } = running();

    const cancelled = onCancel(outcome.job, at(T0, 20));

    expect(detailsOf(cancelled, 'assignment.stopping', at(T0, 20))).toEqual([
      expect.objectContaining({ stopRequestedAt: at(T0, 20).toISOString(), billableUntil: at(T0, 50).toISOString(), reason: 'cancelled' }),
    ]);
  });

  it('keeps the max-duration end when a stop comes later than it would', () => {
    const { outcome, assignmentId } = running();
    const late = onCancel(outcome.job, at(T0, 80)).job;
    const assignment = late.assignments.find((a) => a.assignmentId === assignmentId);

    expect(assignment && billableUntil(late, assignment, GRACE)).toBe(at(T0, 92).toISOString());
  });

  it('sends the agent its deadline: the grace with the assignment, the billable end with a cancel', () => {
    const { outcome, assignmentId } = running();
    const cancelled = onCancel(outcome.job, at(T0, 20));

    const [cancel] = withDeadlines(cancelled.send, cancelled.job, GRACE);
    const [offer] = withDeadlines(onPlaced(aFundedJob(), [aPlacedHost()], T0).send, aFundedJob(), GRACE);

    expect(cancel?.message).toMatchObject({ type: 'cancel', assignmentId, deadline: at(T0, 50).toISOString(), graceSeconds: GRACE });
    expect(offer?.message).toMatchObject({ type: 'assignment', stopGraceSeconds: GRACE });
  });
});

describe('holdAmountFor with the margin', () => {
  it('holds the max duration + stop grace + skew, so the charges of a job stopped late still fit (60 s at $60/h: 95 s)', () => {
    const spec = aJobSpec({ gpu: { count: 1 }, maxPricePerGpuHour: microUsd(60_000_000), maxDurationSeconds: 60 });

    expect(holdAmountFor(spec, holdMarginSeconds(30, 5))).toBe(1_583_334);
  });

  it('still holds at most an hour', () => {
    const spec = aJobSpec({ gpu: { count: 1 }, maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 7200 });

    expect(holdAmountFor(spec, holdMarginSeconds(30, 5))).toBe(900_000);
  });
});
