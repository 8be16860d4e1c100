import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeldGpus, HostCapacity, Runtime } from '#matching/domain/capacity.ts';
import { place, type Requirements } from '#matching/domain/placement.ts';
import { PoolIndex, poolKey, poolsOf } from '#matching/domain/pool-index.ts';
import { microUsd } from '#platform/money.ts';
import { aCapacity } from '#test/support/matching-factories.ts';

const MODELS = [
  { model: 'H100 80GB HBM3', vramMb: 81_559 },
  { model: 'RTX 4090', vramMb: 24_564 },
  { model: 'RTX 3090', vramMb: 24_576 },
] as const;
const REGIONS = ['eu-west', 'us-east'] as const;

const hostArbitrary = (position: number) =>
  fc
    .record({
      status: fc.constantFrom<HostCapacity['status']>('online', 'online', 'online', 'offline'),
      listed: fc.constantFrom(true, true, true, false),
      kinds: fc.array(fc.constantFrom(...MODELS), { minLength: 1, maxLength: 4 }),
      heldMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      price: fc.constantFrom(200_000, 300_000, 400_000, 900_000),
      reliability: fc.constantFrom(0.5, 0.9, 1),
      region: fc.constantFrom(...REGIONS),
      runtimes: fc.constantFrom<readonly Runtime[]>(['docker'], ['process'], ['docker', 'process']),
      hasAddress: fc.boolean(),
      revision: fc.integer({ min: 1, max: 1000 }),
    })
    .map(({ kinds, heldMask, price, hasAddress, ...rest }): HostCapacity => {
      const gpus = kinds.map((kind, index) => ({ index, model: kind.model, vramMb: kind.vramMb }));
      const live: Record<string, HeldGpus> = {};
      for (const gpu of gpus) if (heldMask[gpu.index]) live[`job_busy${position}.a1.r${gpu.index}`] = { jobId: `job_busy${position}`, gpuIndices: [gpu.index] };
      return aCapacity({ ...rest, hostId: `host_${position}`, gpus, live, pricePerGpuHour: microUsd(price), ...(hasAddress ? { publicAddress: `10.0.0.${position}` } : {}) });
    });

const fleetArbitrary = fc.integer({ min: 0, max: 25 }).chain((size) => fc.tuple(...Array.from({ length: size }, (_, position) => hostArbitrary(position))));

const requirementsArbitrary = fc
  .record({
    gpuCount: fc.constantFrom(1, 1, 2, 3),
    hosts: fc.constantFrom(1, 1, 1, 2, 3),
    models: fc.option(fc.subarray(['h100', 'RTX 4090', 'RTX'], { minLength: 1 }), { nil: undefined }),
    regions: fc.option(fc.subarray([...REGIONS], { minLength: 1 }), { nil: undefined }),
    maxPrice: fc.constantFrom(250_000, 400_000, 1_000_000),
    runtime: fc.constantFrom<Runtime>('docker', 'process'),
  })
  .map(({ maxPrice, models, regions, ...rest }): Requirements => ({
    ...rest,
    maxPricePerGpuHour: microUsd(maxPrice),
    ...(models ? { models } : {}),
    ...(regions ? { regions } : {}),
  }));

const indexOf = (fleet: readonly HostCapacity[]): PoolIndex => {
  const index = new PoolIndex();
  for (const host of fleet) index.upsert(host);
  return index;
};

const priceAndReliability = (fleet: readonly HostCapacity[], hostId: string) => {
  const host = fleet.find((candidate) => candidate.hostId === hostId);
  return [host?.pricePerGpuHour, host?.reliability];
};

describe('PoolIndex (properties)', () => {
  it('places exactly when placing over the whole fleet would, choosing as cheap and reliable a host', () => {
    fc.assert(
      fc.property(fleetArbitrary, requirementsArbitrary, (fleet, req) => {
        const fromIndex = indexOf(fleet).place(req, 'job_x');
        const fromFleet = place(req, fleet, 'job_x');
        expect(fromIndex.kind).toBe(fromFleet.kind);
        if (fromIndex.kind === 'unplaceable' || fromFleet.kind === 'unplaceable') {
          if (req.hosts === 1) expect(fromIndex).toEqual(fromFleet);
          return;
        }
        if (req.hosts === 1) {
          expect(priceAndReliability(fleet, fromIndex.hosts[0]!.hostId)).toEqual(priceAndReliability(fleet, fromFleet.hosts[0]!.hostId));
        } else {
          const cost = (hosts: readonly { pricePerGpuHour: number }[]) => hosts.reduce((sum, host) => sum + host.pricePerGpuHour, 0);
          expect(cost(fromIndex.hosts)).toBe(cost(fromFleet.hosts));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('kept current one host at a time, answers as an index built from the final fleet', () => {
    fc.assert(
      fc.property(fleetArbitrary, fleetArbitrary, fc.array(requirementsArbitrary, { minLength: 1, maxLength: 5 }), (first, changes, reqs) => {
        const index = indexOf(first);
        // Later revisions replace, earlier ones are ignored, as events arrive out of order.
        const final = new Map(first.map((host) => [host.hostId, host]));
        for (const change of changes) {
          index.upsert(change);
          const known = final.get(change.hostId);
          if (!known || known.revision <= change.revision) final.set(change.hostId, change);
        }
        const fresh = indexOf([...final.values()]);
        for (const req of reqs) expect(index.place(req, 'job_y')).toEqual(fresh.place(req, 'job_y'));
        expect(index.poolKeys().sort()).toEqual(fresh.poolKeys().sort());
      }),
      { numRuns: 200 },
    );
  });

  it('puts a mixed host in the pool of each of its models', () => {
    const host = aCapacity({ gpus: [{ index: 0, model: 'RTX 4090', vramMb: 24_564 }, { index: 1, model: 'RTX 3090', vramMb: 24_576 }] });
    expect(poolsOf(host).map(poolKey)).toEqual(['RTX 4090@eu-west', 'RTX 3090@eu-west']);
  });
});
