import { describe, expect, it } from 'vitest';
import { placeAvoiding } from '#matching/domain/avoidance.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import { clearOfMaintenance, possibleRun, windowInTheWay } from '#matching/domain/maintenance-fit.ts';
import { place, type Requirements } from '#matching/domain/placement.ts';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { microUsd } from '#platform/money.ts';
import { at, T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, iso, settings } from '#test/support/matching-factories.ts';

const SETTINGS = settings({ acceptTimeoutSeconds: 120, stopGraceSeconds: 30, clockSkewSeconds: 5 });
const HOUR = 3600;
const job = (maxDurationSeconds: number) => aFundedJob({ spec: { ...aFundedJob().spec, maxDurationSeconds } });
const windowFrom = (startSeconds: number, durationSeconds: number, windowId = 'mw_1') => ({
  windowId,
  startsAt: iso(T0, startSeconds),
  endsAt: iso(T0, startSeconds + durationSeconds),
  category: 'power' as const,
});
const over = (hosts: readonly HostCapacity[]) => (requirements: Requirements, seed: string) => place(requirements, hosts, seed);

describe('possibleRun', () => {
  it('runs from now through the accept timeout, the max duration, the stop grace and the clock skew', () => {
    expect(possibleRun(job(HOUR), T0, SETTINGS)).toEqual({ from: T0.getTime(), until: at(T0, 120 + HOUR + 30 + 5).getTime() });
  });
});

describe('clearOfMaintenance', () => {
  const span = possibleRun(job(HOUR), T0, SETTINGS); // until T0 + 3755 s

  it('is clear of a host without windows, and of a window that starts after the possible run', () => {
    expect(clearOfMaintenance(aCapacity(), span)).toBe(true);
    expect(clearOfMaintenance(aCapacity({ maintenanceWindows: [windowFrom(3755, HOUR)] }), span)).toBe(true);
  });

  it('is not clear of a window the max duration plus the grace would run into', () => {
    expect(clearOfMaintenance(aCapacity({ maintenanceWindows: [windowFrom(3754, HOUR)] }), span)).toBe(false);
    // The max duration alone ends at 3720 s: the accept timeout and grace still count.
    expect(clearOfMaintenance(aCapacity({ maintenanceWindows: [windowFrom(3721, HOUR)] }), span)).toBe(false);
  });

  it('is not clear of a window in progress, and is clear of one that already ended', () => {
    expect(windowInTheWay(aCapacity({ maintenanceWindows: [windowFrom(-600, HOUR)] }), span)?.windowId).toBe('mw_1');
    expect(clearOfMaintenance(aCapacity({ maintenanceWindows: [windowFrom(-2 * HOUR, HOUR)] }), span)).toBe(true);
  });
});

describe('placement around maintenance windows', () => {
  const windowed = aCapacity({ hostId: 'host_cheap', maintenanceWindows: [windowFrom(2 * HOUR, HOUR)] });
  const other = aCapacity({ hostId: 'host_dear', pricePerGpuHour: microUsd(800_000) });

  it('places a job whose max duration would run into the window on another host', () => {
    expect(placeAvoiding(job(3 * HOUR), over([windowed, other]), T0, SETTINGS)).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_dear' }] });
  });

  it('still places a short job that ends before the window on the windowed host', () => {
    expect(placeAvoiding(job(HOUR), over([windowed, other]), T0, SETTINGS)).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_cheap' }] });
  });

  it('keeps the job waiting with a reason that names the maintenance when only windowed hosts fit', () => {
    const placement = placeAvoiding(job(3 * HOUR), over([windowed]), T0, SETTINGS);

    expect(placement.kind).toBe('unplaceable');
    expect(placement.kind === 'unplaceable' && placement.reason).toMatch(/only matching hosts \(host_cheap\) have maintenance scheduled/);
  });

  it('says no host offers it when none fits even without the window', () => {
    const placement = placeAvoiding(job(3 * HOUR), over([aCapacity({ hostId: 'host_cheap', status: 'offline', maintenanceWindows: windowed.maintenanceWindows })]), T0, SETTINGS);

    expect(placement.kind === 'unplaceable' && placement.reason).toMatch(/^no online host offers/);
  });

  it('skips the windowed host in the pool index too, walking on to the next free host', () => {
    const index = new PoolIndex();
    index.upsert(windowed);
    index.upsert(other);

    const placement = placeAvoiding(job(3 * HOUR), (requirements, seed) => index.place(requirements, seed), T0, SETTINGS);

    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_dear' }] });
  });
});
