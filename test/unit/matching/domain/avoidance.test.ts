import { describe, expect, it } from 'vitest';
import { activeAvoidance, placeAvoiding } from '#matching/domain/avoidance.ts';
import { onSweep } from '#matching/domain/transitions.ts';
import { MAX_AVOIDED_HOSTS } from '#matching/domain/outcome.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import { place, type Requirements } from '#matching/domain/placement.ts';
import { microUsd } from '#platform/money.ts';
import { at, T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, anAssignment, iso, settings } from '#test/support/matching-factories.ts';

const SETTINGS = settings({ avoidFailedHostSeconds: 300 });
const over = (hosts: readonly HostCapacity[]) => (requirements: Requirements, seed: string) => place(requirements, hosts, seed);
const failedOnA = aFundedJob({ avoidHostIds: ['host_a'], avoidSince: iso(T0) });

describe('avoiding hosts that failed a job, for a while', () => {
  it('avoids the failed hosts until avoidFailedHostSeconds after the re-queue, then not', () => {
    expect(activeAvoidance(failedOnA, at(T0, 299), SETTINGS)).toEqual({ hostIds: ['host_a'], until: at(T0, 300) });
    expect(activeAvoidance(failedOnA, at(T0, 300), SETTINGS)).toBeUndefined();
  });

  it('counts from the re-queue for a job stored before avoidSince existed', () => {
    const legacy = aFundedJob({ avoidHostIds: ['host_a'], queuedAt: iso(T0, 60) });
    expect(activeAvoidance(legacy, at(T0, 359), SETTINGS)?.until).toEqual(at(T0, 360));
  });

  it('places on another host while the avoidance lasts', () => {
    const hosts = [aCapacity({ hostId: 'host_a' }), aCapacity({ hostId: 'host_b', pricePerGpuHour: microUsd(800_000) })];
    const placement = placeAvoiding(failedOnA, over(hosts), at(T0, 10), SETTINGS);
    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_b' }] });
  });

  it('says when only the failed hosts match, and when they are tried again', () => {
    const placement = placeAvoiding(failedOnA, over([aCapacity({ hostId: 'host_a' })]), at(T0, 10), SETTINGS);
    expect(placement).toEqual({
      kind: 'unplaceable',
      reason: `the only matching hosts failed this job (host_a); retrying them at ${iso(T0, 300)}`,
    });
  });

  it('keeps the plain reason when no host would fit even without the avoidance', () => {
    const placement = placeAvoiding(failedOnA, over([aCapacity({ hostId: 'host_a', status: 'offline' })]), at(T0, 10), SETTINGS);
    expect(placement).toMatchObject({ kind: 'unplaceable', reason: expect.stringMatching(/^no online host offers/) });
  });

  it('places on the failed host again once the avoidance lapsed', () => {
    const placement = placeAvoiding(failedOnA, over([aCapacity({ hostId: 'host_a' })]), at(T0, 300), SETTINGS);
    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_a' }] });
  });

  it('avoids at most the most recent few hosts, and restarts the clock at each re-queue', () => {
    const avoided = Array.from({ length: MAX_AVOIDED_HOSTS }, (_, index) => `host_old${index}`);
    const offered = anAssignment({ attempt: 1, rank: 0, hostId: 'host_new', state: 'offered', offeredAt: iso(T0), lastSentAt: iso(T0) });
    const job = aFundedJob({ status: 'scheduled', attempt: 1, assignments: [offered], avoidHostIds: avoided, avoidSince: iso(T0, -600) });

    const outcome = onSweep(job, at(T0, 121), SETTINGS);

    expect(outcome.job.status).toBe('queued');
    expect(outcome.job.avoidHostIds).toHaveLength(MAX_AVOIDED_HOSTS);
    expect(outcome.job.avoidHostIds?.at(-1)).toBe('host_new');
    expect(outcome.job.avoidHostIds).not.toContain('host_old0');
    expect(outcome.job.avoidSince).toBe(iso(T0, 121));
  });
});
