import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapacityGpu, HeldGpus, HostCapacity, Runtime } from '#matching/domain/capacity.ts';
import { place, type Requirements } from '#matching/domain/placement.ts';
import { microUsd } from '#platform/money.ts';
import { aCapacity } from '#test/support/matching-factories.ts';

/** Canonical models as the registry stores them, and filters renters write. */
const MODELS = [
  { model: 'H100 80GB HBM3', vramMb: 81_559 },
  { model: 'A100-SXM4-80GB', vramMb: 81_920 },
  { model: 'RTX 4090', vramMb: 24_564 },
  { model: 'RTX 3090', vramMb: 24_576 },
  { model: 'RTX 4080', vramMb: 16_376 },
] as const;
const FILTERS = ['h100', 'H100 80GB HBM3', 'a100', 'RTX 4090', 'rtx 3090', 'RTX 40', 'RTX'] as const;
const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
const RUNTIMES: readonly (readonly Runtime[])[] = [['docker'], ['process'], ['docker', 'process']];

/** Independent restatement of the filters API.md promises, to judge each chosen host. */
const wordsOf = (text: string) => text.trim().toLowerCase().split(/[\s-]+/).filter(Boolean);
const modelMatches = (filter: string, model: string) => {
  const wanted = wordsOf(filter);
  const have = wordsOf(model);
  return wanted.length > 0 && wanted.every((word, index) => have[index] === word);
};
const gpuFits = (gpu: CapacityGpu, req: Requirements) =>
  (!req.models?.length || req.models.some((filter) => modelMatches(filter, gpu.model))) && (req.minVramMb === undefined || gpu.vramMb >= req.minVramMb);
const heldIndices = (host: HostCapacity) => new Set(Object.values(host.live).flatMap((held) => held.gpuIndices));
const hostFits = (host: HostCapacity, req: Requirements) =>
  host.status === 'online' &&
  host.listed &&
  !host.draining &&
  !host.deregistered &&
  host.pricePerGpuHour <= req.maxPricePerGpuHour &&
  host.runtimes.includes(req.runtime) &&
  (!req.regions?.length || req.regions.includes(host.region)) &&
  (req.hosts === 1 || Boolean(host.publicAddress)) &&
  !req.avoidHostIds?.includes(host.hostId);
/** Whether some single model on the host has enough free, fitting GPUs. */
const canHold = (host: HostCapacity, req: Requirements) => {
  if (!hostFits(host, req)) return false;
  const held = heldIndices(host);
  const free = host.gpus.filter((gpu) => !held.has(gpu.index) && gpuFits(gpu, req));
  return MODELS.some(({ model }) => free.filter((gpu) => gpu.model === model).length >= req.gpuCount);
};

const hostArbitrary = fc.record({
  status: fc.constantFrom<HostCapacity['status']>('online', 'online', 'online', 'online', 'unreachable', 'offline'),
  listed: fc.constantFrom(true, true, true, true, false),
  draining: fc.constantFrom(false, false, false, false, true),
  deregistered: fc.constantFrom(false, false, false, false, false, true),
  // Mostly one model per host, sometimes a mixed box.
  mainKind: fc.constantFrom(...MODELS),
  mainCount: fc.constantFrom(1, 2, 4, 8, 8),
  extraKinds: fc.array(fc.constantFrom(...MODELS), { maxLength: 2 }),
  heldMask: fc.array(fc.constantFrom(false, false, false, true), { minLength: 10, maxLength: 10 }),
  price: fc.integer({ min: 100_000, max: 3_000_000 }),
  region: fc.constantFrom(...REGIONS),
  runtimes: fc.constantFrom(...RUNTIMES),
  hasAddress: fc.constantFrom(true, true, true, false),
  reliability: fc.double({ min: 0, max: 1, noNaN: true }),
});

const hostIdAt = (position: number) => `host_${String(position).padStart(3, '0')}`;

/** A host at `position` in the fleet: its id and address are unique, some of its GPUs held by other jobs. */
const buildHost = (position: number, { mainKind, mainCount, extraKinds, heldMask, price, hasAddress, ...rest }: HostParams): HostCapacity => {
  const gpuKinds = [...Array.from({ length: mainCount }, () => mainKind), ...extraKinds];
  const gpus = gpuKinds.map((kind, index) => ({ index, model: kind.model, vramMb: kind.vramMb }));
  const live: Record<string, HeldGpus> = {};
  for (const gpu of gpus) {
    if (heldMask[gpu.index]) live[`job_busy${position}.a1.r${gpu.index}`] = { jobId: `job_busy${position}`, gpuIndices: [gpu.index] };
  }
  return aCapacity({
    ...rest,
    hostId: hostIdAt(position),
    gpus,
    live,
    pricePerGpuHour: microUsd(price),
    ...(hasAddress ? { publicAddress: `10.0.0.${position}` } : {}),
  });
};
type HostParams = typeof hostArbitrary extends fc.Arbitrary<infer T> ? T : never;

const fleetArbitrary = fc.array(hostArbitrary, { maxLength: 40, size: 'max' }).map((hosts) => hosts.map((host, position) => buildHost(position, host)));

const requirementsArbitrary = fc
  .record({
    gpuCount: fc.constantFrom(1, 1, 2, 3, 4, 8),
    hosts: fc.constantFrom(1, 1, 2, 2, 3),
    models: fc.option(fc.uniqueArray(fc.constantFrom(...FILTERS), { maxLength: 2 }), { nil: undefined, freq: 2 }),
    minVramMb: fc.option(fc.constantFrom(16_000, 24_000, 80_000), { nil: undefined, freq: 2 }),
    regions: fc.option(fc.uniqueArray(fc.constantFrom(...REGIONS), { maxLength: 2 }), { nil: undefined, freq: 2 }),
    maxPrice: fc.integer({ min: 300_000, max: 3_000_000 }),
    runtime: fc.constantFrom<Runtime>('docker', 'docker', 'process'),
    avoid: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 5 }), { nil: undefined, freq: 2 }),
  })
  .map(({ maxPrice, models, minVramMb, regions, avoid, ...rest }): Requirements => ({
    ...rest,
    maxPricePerGpuHour: microUsd(maxPrice),
    ...(models ? { models } : {}),
    ...(minVramMb !== undefined ? { minVramMb } : {}),
    ...(regions ? { regions } : {}),
    ...(avoid ? { avoidHostIds: avoid.map(hostIdAt) } : {}),
  }));

describe('place (properties)', () => {
  it('uses exactly the hosts asked, each fitting every constraint, with free GPUs of one model used once', () => {
    fc.assert(
      fc.property(fleetArbitrary, requirementsArbitrary, (fleet, req) => {
        const placement = place(req, fleet);
        if (placement.kind !== 'placed') return;
        const byId = new Map(fleet.map((host) => [host.hostId, host]));

        expect(placement.hosts).toHaveLength(req.hosts);
        expect(new Set(placement.hosts.map((placed) => placed.hostId)).size).toBe(req.hosts);
        for (const placed of placement.hosts) {
          const host = byId.get(placed.hostId);
          expect(host).toBeDefined();
          if (!host) return;
          expect(hostFits(host, req)).toBe(true);
          expect(placed.gpuIndices).toHaveLength(req.gpuCount);
          expect(new Set(placed.gpuIndices).size).toBe(req.gpuCount);
          const held = heldIndices(host);
          for (const index of placed.gpuIndices) {
            const gpu = host.gpus.find((candidate) => candidate.index === index);
            expect(gpu).toBeDefined();
            expect(held.has(index)).toBe(false);
            if (gpu) {
              expect(gpuFits(gpu, req)).toBe(true);
              expect(gpu.model).toBe(placed.gpuModel);
            }
          }
          expect(placed.pricePerGpuHour).toBe(host.pricePerGpuHour);
          expect(placed.region).toBe(host.region);
          expect(placed.providerId).toBe(host.providerId);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('places the job exactly when enough hosts can each hold their share (all or nothing)', () => {
    fc.assert(
      fc.property(fleetArbitrary, requirementsArbitrary, (fleet, req) => {
        const able = fleet.filter((host) => canHold(host, req)).length;

        const placement = place(req, fleet);

        expect(placement.kind).toBe(able >= req.hosts ? 'placed' : 'unplaceable');
      }),
      { numRuns: 1000 },
    );
  });

  it('never leaves a cheaper fitting host unused for a single-host job', () => {
    fc.assert(
      fc.property(fleetArbitrary, requirementsArbitrary, (fleet, multi) => {
        const req: Requirements = { ...multi, hosts: 1 };

        const placement = place(req, fleet);

        if (placement.kind !== 'placed') return;
        const cheapest = Math.min(...fleet.filter((host) => canHold(host, req)).map((host) => host.pricePerGpuHour));
        expect(placement.hosts[0]?.pricePerGpuHour).toBe(cheapest);
      }),
      { numRuns: 300 },
    );
  });
});
