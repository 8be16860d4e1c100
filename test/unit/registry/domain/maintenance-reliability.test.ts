import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVENESS, type Host } from '#registry/domain/host.ts';
import { applyHeartbeat } from '#registry/domain/lifecycle.ts';
import { scheduleWindow } from '#registry/domain/maintenance.ts';
import { creditHeartbeatGap, dayOf, excusedSecondsByDay, reliability } from '#registry/domain/reliability.ts';
import { aHost, at, T0 } from '#test/support/factories.ts';

const DAY = 86_400;
const HOUR = 3600;
const settings = DEFAULT_LIVENESS;

/** A host that heartbeat every minute from T0 until `until`, then fell silent (its status as the sweep left it). */
const beatingUntil = (host: Host, until: Date): Host => {
  let current = host;
  for (let t = 60; at(T0, t) <= until; t += 60) current = applyHeartbeat(current, {}, at(T0, t), settings).host;
  return current;
};

/** Schedules a window `leadSeconds` before it starts, from `startsAt` for `durationSeconds`. */
const withWindow = (host: Host, startsAt: Date, durationSeconds: number, leadSeconds: number): Host =>
  scheduleWindow(host, { startsAt: startsAt.toISOString(), durationSeconds, category: 'power' }, { windowId: 'mw_1' }, at(startsAt, -leadSeconds), DAY).host;

describe('reliability with maintenance windows', () => {
  // The host runs a day, is away two hours, then heartbeats again.
  const awayFrom = at(T0, DAY);
  const backAt = at(awayFrom, 2 * HOUR);

  const afterAbsence = (host: Host): Host => {
    const before = beatingUntil(host, awayFrom);
    const silent: Host = { ...before, status: 'offline', statusSince: at(awayFrom, settings.offlineAfterSeconds).toISOString() };
    return applyHeartbeat(silent, {}, backAt, settings).host;
  };

  it('is not lowered by time offline inside a window announced a day ahead', () => {
    const host = withWindow(aHost(), awayFrom, 2 * HOUR, DAY);

    const back = afterAbsence(host);

    expect(reliability(back, backAt)).toBe(1);
    expect(back.excusedDowntime).toEqual({ [dayOf(awayFrom)]: 2 * HOUR });
  });

  it('is lowered by the same absence without a window', () => {
    const back = afterAbsence(aHost());

    expect(reliability(back, backAt)).toBeCloseTo(24 / 26, 2);
  });

  it('is lowered by the same absence inside a window announced less than a day ahead', () => {
    const host = withWindow(aHost(), awayFrom, 2 * HOUR, 12 * HOUR);

    const back = afterAbsence(host);

    expect(reliability(back, backAt)).toBeCloseTo(24 / 26, 2);
  });

  it('counts downtime that runs past the window', () => {
    const host = withWindow(aHost(), awayFrom, HOUR, DAY);

    const back = afterAbsence(host);

    // One of the two hours was announced: judged on 25 hours, online 24.
    expect(reliability(back, backAt)).toBeCloseTo(24 / 25, 2);
  });

  it('excuses a host still away inside the window, before any heartbeat records it', () => {
    const host = withWindow(aHost(), awayFrom, 2 * HOUR, DAY);
    const away: Host = { ...beatingUntil(host, awayFrom), status: 'offline' };

    expect(reliability(away, at(awayFrom, HOUR))).toBe(1);
    expect(reliability({ ...beatingUntil(aHost(), awayFrom), status: 'offline' }, at(awayFrom, HOUR))).toBeLessThan(1);
  });
});

describe('creditHeartbeatGap', () => {
  const window = { startsAt: at(T0, HOUR).toISOString(), endsAt: at(T0, 2 * HOUR).toISOString(), excusesDowntime: true };

  it('credits a short gap as online, as any heartbeat does', () => {
    expect(creditHeartbeatGap({ uptime: {}, maintenance: [window] }, T0, at(T0, 60), 90)).toEqual({ uptime: { [dayOf(T0)]: 60 }, excusedDowntime: {} });
  });

  it('credits the short remainder of a gap that the window almost covers as online', () => {
    // Silent 30 s before the window and 30 s after it.
    const credited = creditHeartbeatGap({ uptime: {}, maintenance: [window] }, at(T0, HOUR - 30), at(T0, 2 * HOUR + 30), 90);

    expect(credited).toEqual({ uptime: { [dayOf(T0)]: 60 }, excusedDowntime: { [dayOf(T0)]: HOUR } });
  });

  it('credits nothing of a long gap outside windows', () => {
    const credited = creditHeartbeatGap({ uptime: {}, maintenance: [window] }, at(T0, 3 * HOUR), at(T0, 5 * HOUR), 90);

    expect(credited).toEqual({ uptime: { [dayOf(T0)]: 0 }, excusedDowntime: {} });
  });
});

describe('excusedSecondsByDay', () => {
  it('splits a window across UTC midnight and ignores windows that do not excuse', () => {
    const midnight = new Date('2025-03-11T00:00:00.000Z');
    const windows = [
      { startsAt: at(midnight, -HOUR).toISOString(), endsAt: at(midnight, 2 * HOUR).toISOString(), excusesDowntime: true },
      { startsAt: at(midnight, 3 * HOUR).toISOString(), endsAt: at(midnight, 4 * HOUR).toISOString(), excusesDowntime: false },
    ];

    expect(excusedSecondsByDay(at(midnight, -DAY), at(midnight, DAY), windows)).toEqual({ '2025-03-10': HOUR, '2025-03-11': 2 * HOUR });
  });
});
