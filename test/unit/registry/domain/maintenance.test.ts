import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '#platform/errors.ts';
import { cancelWindow, listedWindows, overlaps, scheduleWindow, stateOf, upcomingWindows, type WindowRequest } from '#registry/domain/maintenance.ts';
import { hostEvents } from '#registry/use-cases/host-events.ts';
import { aHost, at, T0 } from '#test/support/factories.ts';

const DAY = 86_400;
const NOTICE = DAY;
const request = (overrides: Partial<WindowRequest> = {}): WindowRequest => ({
  startsAt: at(T0, 2 * DAY).toISOString(),
  durationSeconds: 3600,
  category: 'power',
  ...overrides,
});

const schedule = (host = aHost(), overrides: Partial<WindowRequest> = {}, now = T0, windowId = 'mw_1') =>
  scheduleWindow(host, request(overrides), { windowId }, now, NOTICE);

const fieldsOf = (work: () => unknown): string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.details.map((issue) => issue.field);
    throw error;
  }
  throw new Error('no validation error');
};

describe('scheduleWindow', () => {
  it('adds the window with its end, its announcement time and that it excuses downtime when announced a day ahead', () => {
    const { host, changes, window } = schedule();

    expect(changes).toEqual(['updated']);
    expect(host.maintenance).toEqual([window]);
    expect(window).toEqual({
      windowId: 'mw_1',
      startsAt: at(T0, 2 * DAY).toISOString(),
      endsAt: at(T0, 2 * DAY + 3600).toISOString(),
      category: 'power',
      announcedAt: T0.toISOString(),
      excusesDowntime: true,
    });
  });

  it('does not excuse downtime for a window announced less than the notice ahead', () => {
    const { window } = schedule(aHost(), { startsAt: at(T0, NOTICE - 1).toISOString() });

    expect(window.excusesDowntime).toBe(false);
  });

  it('refuses a start in the past, naming startsAt', () => {
    expect(fieldsOf(() => schedule(aHost(), { startsAt: at(T0, -3600).toISOString() }))).toEqual(['startsAt']);
  });

  it('takes a start a few seconds ago, as "now" from a slow client', () => {
    expect(schedule(aHost(), { startsAt: at(T0, -5).toISOString() }).window.startsAt).toBe(at(T0, -5).toISOString());
  });

  it.each([0, -60, DAY + 1])('refuses a duration of %i seconds, naming durationSeconds', (durationSeconds) => {
    expect(fieldsOf(() => schedule(aHost(), { durationSeconds }))).toEqual(['durationSeconds']);
  });

  it('takes a window of exactly 24 hours', () => {
    expect(schedule(aHost(), { durationSeconds: DAY }).window.endsAt).toBe(at(T0, 3 * DAY).toISOString());
  });

  it('refuses a window that overlaps another of the host with a 409 naming the fields and the other window', () => {
    const { host } = schedule();

    const clash = () => schedule(host, { startsAt: at(T0, 2 * DAY + 1800).toISOString() }, T0, 'mw_2');

    expect(clash).toThrow(ConflictError);
    expect(clash).toThrow(/startsAt and durationSeconds.*overlaps mw_1/);
  });

  it('takes a window that starts exactly when another ends', () => {
    const { host } = schedule();

    const next = schedule(host, { startsAt: at(T0, 2 * DAY + 3600).toISOString() }, T0, 'mw_2');

    expect(next.host.maintenance?.map((window) => window.windowId)).toEqual(['mw_1', 'mw_2']);
  });

  it('drops windows that ended more than a week ago when it adds one', () => {
    const { host } = schedule();

    const later = at(T0, 12 * DAY);
    const next = schedule(host, { startsAt: at(later, 3600).toISOString() }, later, 'mw_2');

    expect(next.host.maintenance?.map((window) => window.windowId)).toEqual(['mw_2']);
  });

  it('refuses a deregistering host', () => {
    expect(() => schedule(aHost({ deregistering: true }))).toThrow(ConflictError);
  });

  it('announces the window to matching in the host.updated snapshot', () => {
    const { host, changes } = schedule(aHost(), { note: 'new PSU' });

    const [event] = hostEvents(host, changes, T0);

    expect(event?.detail.maintenanceWindows).toEqual([
      { windowId: 'mw_1', startsAt: at(T0, 2 * DAY).toISOString(), endsAt: at(T0, 2 * DAY + 3600).toISOString(), category: 'power', note: 'new PSU' },
    ]);
  });
});

describe('cancelWindow', () => {
  it('removes a window that has not started', () => {
    const { host } = schedule();

    const cancelled = cancelWindow(host, 'mw_1', at(T0, 60));

    expect(cancelled.host.maintenance).toEqual([]);
    expect(hostEvents(cancelled.host, cancelled.changes, at(T0, 60))[0]?.detail.maintenanceWindows).toEqual([]);
  });

  it('ends a window in progress now, keeping what already passed', () => {
    const { host } = schedule();
    const now = at(T0, 2 * DAY + 600);

    const cancelled = cancelWindow(host, 'mw_1', now);

    expect(cancelled.host.maintenance?.[0]).toMatchObject({ startsAt: at(T0, 2 * DAY).toISOString(), endsAt: now.toISOString() });
    expect(upcomingWindows(cancelled.host.maintenance, now)).toEqual([]);
  });

  it('refuses an ended window with a 409 and an unknown one with a 404', () => {
    const { host } = schedule();

    expect(() => cancelWindow(host, 'mw_1', at(T0, 3 * DAY))).toThrow(ConflictError);
    expect(() => cancelWindow(host, 'mw_nope', T0)).toThrow(NotFoundError);
  });
});

describe('window states and overlap', () => {
  const window = { startsAt: at(T0, 100).toISOString(), endsAt: at(T0, 200).toISOString() };

  it('is scheduled before its start, in progress inside, ended from its end on', () => {
    expect([stateOf(window, at(T0, 99)), stateOf(window, at(T0, 100)), stateOf(window, at(T0, 199)), stateOf(window, at(T0, 200))]).toEqual([
      'scheduled',
      'in_progress',
      'in_progress',
      'ended',
    ]);
  });

  it('treats windows as half-open intervals', () => {
    expect(overlaps(window, { startsAt: at(T0, 200).toISOString(), endsAt: at(T0, 300).toISOString() })).toBe(false);
    expect(overlaps(window, { startsAt: at(T0, 199).toISOString(), endsAt: at(T0, 300).toISOString() })).toBe(true);
    expect(overlaps(window, { startsAt: at(T0, 0).toISOString(), endsAt: at(T0, 101).toISOString() })).toBe(true);
  });
});

describe('listedWindows', () => {
  it('lists windows not ended and those ended within a week, soonest first', () => {
    const { host } = schedule(aHost(), { startsAt: at(T0, 3 * DAY).toISOString() }, T0, 'mw_late');
    const both = schedule(host, { startsAt: at(T0, 60).toISOString() }, T0, 'mw_soon').host;

    expect(listedWindows(both.maintenance, T0).map((window) => window.windowId)).toEqual(['mw_soon', 'mw_late']);
    expect(listedWindows(both.maintenance, at(T0, 7 * DAY)).map((window) => window.windowId)).toEqual(['mw_soon', 'mw_late']);
    expect(listedWindows(both.maintenance, at(T0, 60 + 3600 + 7 * DAY)).map((window) => window.windowId)).toEqual(['mw_late']);
  });
});
