import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import { T0 } from '#test/support/factories.ts';
import { inMemoryBilling } from '../fakes.ts';

const renterId = 'acct_renter000000001';

const funded = async (amount: number) => {
  const billing = inMemoryBilling(T0);
  if (amount > 0) await addCredits({ accountId: renterId, amount: microUsd(amount) }, billing.deps);
  return billing;
};

describe('placeHold', () => {
  it('holds the amount and records funds.held with it', async () => {
    const { deps, state } = await funded(10);

    const outcome = await placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, deps);

    expect(outcome).toBe('held');
    expect(state.balanceOf(renterId)).toMatchObject({ balance: 10, held: 4, available: 6 });
    expect(state.holds.get('job_1')).toEqual({ jobId: 'job_1', accountId: renterId, amount: 4, heldTotal: 4, status: 'held', createdAt: T0.toISOString() });
    expect(state.outbox.map((event) => [event.detailType, event.detail])).toEqual([
      ['funds.held', expect.objectContaining({ jobId: 'job_1', renterId, amount: 4, occurredAt: T0.toISOString() })],
    ]);
  });

  it('refuses what available funds cannot cover, records why, and holds nothing', async () => {
    const { deps, state } = await funded(3);

    const outcome = await placeHold({ jobId: 'job_1', renterId, holdAmount: 5 }, deps);

    expect(outcome).toBe('refused');
    expect(state.balanceOf(renterId)).toMatchObject({ balance: 3, held: 0, available: 3 });
    expect(state.holds.get('job_1')).toMatchObject({ status: 'refused', amount: 5, available: 3 });
    expect(state.outbox.map((event) => [event.detailType, event.detail])).toEqual([
      ['funds.refused', expect.objectContaining({ jobId: 'job_1', renterId, amount: 5, available: 3, reason: 'insufficient_funds' })],
    ]);
  });

  it('counts funds already held by other jobs', async () => {
    const { deps } = await funded(10);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 6 }, deps);

    expect(await placeHold({ jobId: 'job_2', renterId, holdAmount: 5 }, deps)).toBe('refused');
  });

  it('does nothing more for a redelivered submission, held or refused', async () => {
    const { deps, state } = await funded(5);
    await placeHold({ jobId: 'job_held', renterId, holdAmount: 5 }, deps);
    await placeHold({ jobId: 'job_refused', renterId, holdAmount: 5 }, deps);

    const again = [
      await placeHold({ jobId: 'job_held', renterId, holdAmount: 5 }, deps),
      await placeHold({ jobId: 'job_refused', renterId, holdAmount: 5 }, deps),
    ];

    expect(again).toEqual(['already_decided', 'already_decided']);
    expect(state.outbox).toHaveLength(2);
    expect(state.balanceOf(renterId)).toMatchObject({ held: 5, available: 0 });
  });

  it('lets only one of two concurrent deliveries of one job decide', async () => {
    const { deps, state } = await funded(10);

    const outcomes = await Promise.all([1, 2].map(() => placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, deps)));

    expect(outcomes.sort()).toEqual(['already_decided', 'held']);
    expect(state.balanceOf(renterId).held).toBe(4);
  });
});

describe('releaseHold', () => {
  it('gives a held amount back to available', async () => {
    const billing = await funded(10);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, billing.deps);
    billing.advance(60);

    const outcome = await releaseHold({ jobId: 'job_1', renterId }, billing.deps);

    expect(outcome).toBe('released');
    expect(billing.state.balanceOf(renterId)).toMatchObject({ balance: 10, held: 0, available: 10 });
    expect(billing.state.holds.get('job_1')).toMatchObject({ status: 'released', releasedAt: '2025-03-10T10:01:00.000Z' });
  });

  it('releases once however often the end is delivered', async () => {
    const { deps, state } = await funded(10);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, deps);

    const outcomes = [await releaseHold({ jobId: 'job_1', renterId }, deps), await releaseHold({ jobId: 'job_1', renterId }, deps)];

    expect(outcomes).toEqual(['released', 'nothing_held']);
    expect(state.balanceOf(renterId)).toMatchObject({ held: 0, available: 10 });
  });

  it('keeps the hold of a job whose funds ran out through its stop window, however often the end is delivered', async () => {
    const { deps, state } = await funded(10);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 4, holdMarginSeconds: 35 }, deps);
    state.holds.set('job_1', { ...state.holds.get('job_1')!, exhaustedAt: T0.toISOString() });

    const outcomes = [await releaseHold({ jobId: 'job_1', renterId }, deps), await releaseHold({ jobId: 'job_1', renterId }, deps)];

    expect(outcomes).toEqual(['kept_for_stop', 'kept_for_stop']);
    expect(state.holds.get('job_1')).toMatchObject({ status: 'held', amount: 4, keptUntil: '2025-03-10T10:00:35.000Z' });
    expect(state.balanceOf(renterId)).toMatchObject({ held: 4, available: 6 });
  });

  it('releases at once the hold of a job that ended with funds left, stop grace or not', async () => {
    const { deps, state } = await funded(10);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 4, holdMarginSeconds: 35 }, deps);

    expect(await releaseHold({ jobId: 'job_1', renterId }, deps)).toBe('released');
    expect(state.balanceOf(renterId)).toMatchObject({ held: 0, available: 10 });
  });

  it('has nothing to release for a refused job', async () => {
    const { deps, state } = await funded(1);
    await placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, deps);

    expect(await releaseHold({ jobId: 'job_1', renterId }, deps)).toBe('nothing_held');
    expect(state.balanceOf(renterId)).toMatchObject({ held: 0, available: 1 });
  });

  it('marks a job that ended before its hold, so the late submission holds nothing', async () => {
    const { deps, state } = await funded(10);

    const ended = await releaseHold({ jobId: 'job_1', renterId }, deps);
    const late = await placeHold({ jobId: 'job_1', renterId, holdAmount: 4 }, deps);

    expect([ended, late]).toEqual(['ended_before_hold', 'already_decided']);
    expect(state.balanceOf(renterId)).toMatchObject({ held: 0, available: 10 });
    expect(state.holds.get('job_1')).toMatchObject({ status: 'released', amount: 0, endedBeforeHold: true });
    expect(state.outbox).toEqual([]);
  });
});
