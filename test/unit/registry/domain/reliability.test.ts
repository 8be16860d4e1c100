import { describe, expect, it } from 'vitest';
import { creditUptime, dayOf, reliability } from '#registry/domain/reliability.ts';
import { aHost, at, T0 } from '#test/support/factories.ts';

const DAY = 86_400;
const unreachableAfterSeconds = 90;

/** One entry per UTC day from `from` up to and including `to`, each worth `seconds`. */
const daysOf = (from: Date, to: Date, seconds: number): Record<string, number> => {
  const uptime: Record<string, number> = {};
  for (let day = new Date(from); dayOf(day) <= dayOf(to); day = at(day, DAY)) uptime[dayOf(day)] = seconds;
  return uptime;
};

describe('creditUptime', () => {
  it('credits a gap shorter than the unreachable threshold to today', () => {
    const uptime = creditUptime({}, T0, at(T0, 60), unreachableAfterSeconds);

    expect(uptime).toEqual({ [dayOf(T0)]: 60 });
  });

  it('adds to what today already had', () => {
    const uptime = creditUptime({ [dayOf(T0)]: 1000 }, T0, at(T0, 60), unreachableAfterSeconds);

    expect(uptime[dayOf(T0)]).toBe(1060);
  });

  it('credits nothing for a gap longer than the unreachable threshold', () => {
    const uptime = creditUptime({ [dayOf(T0)]: 1000 }, T0, at(T0, unreachableAfterSeconds + 1), unreachableAfterSeconds);

    expect(uptime[dayOf(T0)]).toBe(1000);
  });

  it('credits nothing for a clock that went backwards', () => {
    const uptime = creditUptime({}, T0, at(T0, -30), unreachableAfterSeconds);

    expect(uptime[dayOf(T0)]).toBe(0);
  });

  it('never credits a day with more than a day', () => {
    const uptime = creditUptime({ [dayOf(T0)]: DAY - 10 }, T0, at(T0, 60), unreachableAfterSeconds);

    expect(uptime[dayOf(T0)]).toBe(DAY);
  });

  it('drops days the seven-day window can no longer see', () => {
    const old = dayOf(at(T0, -10 * DAY));
    const recent = dayOf(at(T0, -3 * DAY));

    const uptime = creditUptime({ [old]: 5000, [recent]: 5000 }, T0, at(T0, 60), unreachableAfterSeconds);

    expect(Object.keys(uptime).sort()).toEqual([recent, dayOf(T0)].sort());
  });
});

/** A host registered at `registeredAt` whose last heartbeat was at `lastHeartbeatAt`. */
const hostWith = (registeredAt: Date, uptime: Record<string, number>, lastHeartbeatAt: Date = registeredAt) =>
  aHost({ uptime, lastHeartbeatAt: lastHeartbeatAt.toISOString() }, registeredAt);

describe('reliability', () => {
  it('is 1 for a host at the moment it registers', () => {
    expect(reliability(hostWith(T0, {}), T0)).toBe(1);
  });

  it('is 1 for a host that has just registered and not yet sent its first heartbeat', () => {
    // "A host with no history yet has shown no downtime: 1" (reliability.ts).
    expect(reliability(hostWith(T0, {}), at(T0, 30))).toBe(1);
  });

  it('is about one half for a host that was down half the time since it registered', () => {
    const registeredAt = new Date('2025-03-08T00:00:00.000Z');
    const now = new Date('2025-03-10T00:00:00.000Z');
    const uptime = { '2025-03-08': DAY / 2, '2025-03-09': DAY / 2 };

    expect(reliability(hostWith(registeredAt, uptime, now), now)).toBeCloseTo(0.5, 2);
  });

  it('is 1 for a host online all of the last seven days', () => {
    const now = new Date('2025-03-10T00:00:00.000Z');
    const registeredAt = at(now, -30 * DAY);

    const figure = reliability(hostWith(registeredAt, daysOf(at(now, -7 * DAY), at(now, -1), DAY), now), now);

    expect(figure).toBe(1);
  });

  it('ignores uptime older than seven days', () => {
    const now = new Date('2025-03-10T00:00:00.000Z');
    const registeredAt = at(now, -30 * DAY);
    const longAgo = daysOf(at(now, -30 * DAY), at(now, -8 * DAY), DAY);

    expect(reliability(aHost({ uptime: longAgo, status: 'offline', lastHeartbeatAt: at(now, -8 * DAY).toISOString() }, registeredAt), now)).toBe(0);
  });

  it('judges an old host on the last seven days only', () => {
    const now = new Date('2025-03-10T00:00:00.000Z');
    const registeredAt = at(now, -30 * DAY);
    // Online every day long ago, then only the last 3.5 days of the week.
    const uptime = { ...daysOf(at(now, -30 * DAY), at(now, -8 * DAY), DAY), ...daysOf(at(now, -3 * DAY), at(now, -1), DAY), [dayOf(at(now, -4 * DAY))]: DAY / 2 };

    expect(reliability(hostWith(registeredAt, uptime, now), now)).toBeCloseTo(0.5, 2);
  });

  it('counts an online host as online since its last heartbeat, so it stays 1 between beats', () => {
    const uptime = { [dayOf(T0)]: 600 };

    expect(reliability(hostWith(T0, uptime, at(T0, 600)), at(T0, 630))).toBe(1);
  });

  it('does not count the silence of an unreachable host', () => {
    const host = aHost({ uptime: { [dayOf(T0)]: 600 }, status: 'unreachable', lastHeartbeatAt: at(T0, 600).toISOString() });

    expect(reliability(host, at(T0, 1200))).toBe(0.5);
  });

  it('never exceeds 1', () => {
    const uptime = { [dayOf(T0)]: DAY };

    expect(reliability(hostWith(T0, uptime, at(T0, 3600)), at(T0, 3600))).toBe(1);
  });
});
