import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWanted, place } from '#matching/domain/placement.ts';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { meetsVerification } from '#matching/domain/verification-filter.ts';
import { microUsd } from '#platform/money.ts';
import { aCapacity, requirements } from '#test/support/matching-factories.ts';

const states = ['unverified', 'verified', 'failed', 'expired'] as const;

describe('meetsVerification', () => {
  it('lets any host through when the renter asks nothing', () => {
    for (const state of states) expect(meetsVerification(aCapacity({ verification: { state } }), {})).toBe(true);
    expect(meetsVerification(aCapacity(), {})).toBe(true);
  });

  it('takes only verified hosts when asked, and only those scoring at least the minimum', () => {
    expect(states.filter((state) => meetsVerification(aCapacity({ verification: { state, score: 30 } }), { verifiedOnly: true }))).toEqual(['verified']);
    expect(meetsVerification(aCapacity(), { verifiedOnly: true })).toBe(false);
    expect(meetsVerification(aCapacity({ verification: { state: 'verified', score: 30 } }), { minScore: 30 })).toBe(true);
    expect(meetsVerification(aCapacity({ verification: { state: 'verified', score: 29.9 } }), { minScore: 30 })).toBe(false);
    expect(meetsVerification(aCapacity({ verification: { state: 'expired', score: 99 } }), { minScore: 1 })).toBe(false);
  });
});

describe('placement with a verification requirement', () => {
  it('never places a verified-only job on an unverified host, however much cheaper (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ state: fc.constantFrom(...states), price: fc.integer({ min: 100_000, max: 900_000 }), score: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        (fleet, minScore) => {
          const hosts = fleet.map((host, i) => aCapacity({ hostId: `host_${i}`, pricePerGpuHour: microUsd(host.price), verification: { state: host.state, score: host.score } }));
          const wanted = requirements({ verifiedOnly: true, ...(minScore !== undefined ? { minScore } : {}) });
          const index = new PoolIndex();
          for (const host of hosts) index.upsert(host);
          for (const placement of [place(wanted, hosts, 'job_1'), index.place(wanted, 'job_1')]) {
            const eligible = hosts.filter((host) => host.verification?.state === 'verified' && (minScore === undefined || (host.verification.score ?? 0) >= minScore));
            if (eligible.length === 0) expect(placement.kind).toBe('unplaceable');
            else {
              expect(placement.kind).toBe('placed');
              if (placement.kind === 'placed') expect(eligible.map((host) => host.hostId)).toContain(placement.hosts[0]!.hostId);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('says in the reason that the job waits for verified hosts', () => {
    expect(describeWanted(requirements({ verifiedOnly: true }))).toMatch(/on verified hosts/);
    expect(describeWanted(requirements({ verifiedOnly: true, minScore: 25 }))).toMatch(/on verified hosts scoring at least 25/);
  });
});
