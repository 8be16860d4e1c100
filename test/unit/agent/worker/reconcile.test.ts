import { describe, expect, it } from 'vitest';
import { reconcile } from '#agent/worker/reconcile.ts';

const now = Date.parse('2026-11-25T10:10:00Z');
const grace = 120_000;

describe('reconcile', () => {
  it('stops a job the platform no longer lists once it is older than the grace', () => {
    const plan = reconcile({
      listed: [],
      known: [
        { assignmentId: 'old', active: true, receivedAt: '2026-11-25T10:00:00Z' },
        { assignmentId: 'young', active: true, receivedAt: '2026-11-25T10:09:30Z' },
        { assignmentId: 'ended', active: false, receivedAt: '2026-11-25T10:00:00Z' },
      ],
      firstListedAt: new Map(),
      now,
      graceMs: grace,
    });

    expect(plan.stop).toEqual(['old']);
  });

  it('fetches an assignment it does not know only once it has been listed longer than the grace', () => {
    const firstListedAt = new Map<string, number>();
    const input = { listed: ['unknown', 'known'], known: [{ assignmentId: 'known', active: true, receivedAt: '2026-11-25T10:00:00Z' }], firstListedAt, graceMs: grace };

    expect(reconcile({ ...input, now }).fetch).toEqual([]);
    expect(reconcile({ ...input, now: now + 60_000 }).fetch).toEqual([]);
    expect(reconcile({ ...input, now: now + grace }).fetch).toEqual(['unknown']);
  });

  it('forgets an unknown assignment that stopped being listed', () => {
    const firstListedAt = new Map([['gone', now - 10 * grace]]);

    const plan = reconcile({ listed: [], known: [], firstListedAt, now, graceMs: grace });

    expect(plan.fetch).toEqual([]);
    expect(firstListedAt.size).toBe(0);
  });
});
