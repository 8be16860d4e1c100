import { describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import { onHostMaintenance } from '#matching/domain/maintenance-notice.ts';
import { eventsOf } from '#matching/use-cases/job-events.ts';
import { webhookEventOf } from '#notifications/domain/webhooks.ts';
import { at, T0 } from '#test/support/factories.ts';
import { aJob, anAssignment, iso } from '#test/support/matching-factories.ts';

const window = { windowId: 'mw_1', startsAt: iso(T0, 86_400), endsAt: iso(T0, 90_000), category: 'power' as const, note: 'new PSU' };
const running = aJob({ status: 'running', fundsHeld: true, assignments: [anAssignment({ state: 'running', startedAt: iso(T0) })] });

describe('onHostMaintenance', () => {
  it('tells the renter of a job running on the host once per window, on its timeline and in an event', () => {
    const outcome = onHostMaintenance(running, 'host_0', [window], T0);

    expect(outcome.job.maintenanceNoticed).toEqual(['mw_1']);
    expect(outcome.timeline).toMatchObject([{ type: 'host_maintenance_scheduled', data: { hostId: 'host_0', windowId: 'mw_1' } }]);
    const [event] = eventsOf(outcome, T0);
    expect(event?.detailType).toBe('host.maintenance_scheduled');
    expect(events.hostMaintenanceScheduled.schema.parse(event?.detail)).toMatchObject({
      renterId: running.renterId,
      jobId: running.jobId,
      hostId: 'host_0',
      assignmentIds: [running.assignments[0]?.assignmentId],
      window,
    });
  });

  it('adds nothing for a window already told (a redelivered host snapshot)', () => {
    const told = onHostMaintenance(running, 'host_0', [window], T0).job;

    const again = onHostMaintenance(told, 'host_0', [window], at(T0, 5));

    expect(again.job).toBe(told);
    expect(again.timeline).toEqual([]);
    expect(eventsOf(again, T0)).toEqual([]);
  });

  it('tells nothing to a job with no live work on that host, a finished job, or about an ended window', () => {
    expect(onHostMaintenance(running, 'host_9', [window], T0).timeline).toEqual([]);
    expect(onHostMaintenance({ ...running, status: 'succeeded' }, 'host_0', [window], T0).timeline).toEqual([]);
    expect(onHostMaintenance(running, 'host_0', [window], at(T0, 90_000)).timeline).toEqual([]);
  });

  it('becomes a webhook for the renter, not the provider', () => {
    const [event] = eventsOf(onHostMaintenance(running, 'host_0', [window], T0), T0);

    const hook = webhookEventOf(event!.detailType, event!.detail);

    expect(hook).toMatchObject({ type: 'host.maintenance_scheduled', ownerId: running.renterId, data: { jobId: running.jobId, window } });
  });
});
