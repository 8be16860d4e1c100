import { describe, expect, it } from 'vitest';
import { candidateOn, describeWanted, place, type Placement } from '#matching/domain/placement.ts';
import { microUsd } from '#platform/money.ts';
import { aCapacity, gpus, requirements } from '#test/support/matching-factories.ts';

const H100 = 'H100 80GB HBM3';

const placedHostIds = (placement: Placement): string[] => (placement.kind === 'placed' ? placement.hosts.map((host) => host.hostId) : []);

describe('candidateOn', () => {
  it('offers the first free GPUs of a fitting host, with its price, region and provider', () => {
    const host = aCapacity({ gpus: gpus(4), pricePerGpuHour: microUsd(450_000), region: 'eu-west' });

    const candidate = candidateOn(host, requirements({ gpuCount: 2 }));

    expect(candidate).toEqual({
      hostId: 'host_a',
      providerId: 'acct_provider000001',
      gpuIndices: [0, 1],
      gpuModel: 'RTX 4090',
      pricePerGpuHour: 450_000,
      region: 'eu-west',
    });
  });

  it('carries the host’s public address when it has one', () => {
    const host = aCapacity({ publicAddress: '203.0.113.10' });

    const candidate = candidateOn(host, requirements());

    expect(candidate?.publicAddress).toBe('203.0.113.10');
  });

  it.each([
    ['unlisted', { listed: false }],
    ['unreachable', { status: 'unreachable' as const }],
    ['offline', { status: 'offline' as const }],
    ['draining', { draining: true }],
    ['deregistered', { deregistered: true }],
  ])('refuses a host that is %s', (_, overrides) => {
    const host = aCapacity(overrides);

    expect(candidateOn(host, requirements())).toBeUndefined();
  });

  it('takes a host priced exactly at the job’s max price and refuses one a micro-dollar above', () => {
    const req = requirements({ maxPricePerGpuHour: microUsd(450_000) });

    expect(candidateOn(aCapacity({ pricePerGpuHour: microUsd(450_000) }), req)).toBeDefined();
    expect(candidateOn(aCapacity({ pricePerGpuHour: microUsd(450_001) }), req)).toBeUndefined();
  });

  it('places an image job only on hosts that run docker', () => {
    const req = requirements({ runtime: 'docker' });

    expect(candidateOn(aCapacity({ runtimes: ['process'] }), req)).toBeUndefined();
    expect(candidateOn(aCapacity({ runtimes: ['process', 'docker'] }), req)).toBeDefined();
  });

  it('places a command-only job only on hosts that allow processes', () => {
    const req = requirements({ runtime: 'process' });

    expect(candidateOn(aCapacity({ runtimes: ['docker'] }), req)).toBeUndefined();
    expect(candidateOn(aCapacity({ runtimes: ['docker', 'process'] }), req)).toBeDefined();
  });

  it('keeps to the job’s regions, and takes any region when it names none', () => {
    const host = aCapacity({ region: 'us-east' });

    expect(candidateOn(host, requirements({ regions: ['eu-west'] }))).toBeUndefined();
    expect(candidateOn(host, requirements({ regions: ['eu-west', 'us-east'] }))).toBeDefined();
    expect(candidateOn(host, requirements({ regions: [] }))).toBeDefined();
    expect(candidateOn(host, requirements())).toBeDefined();
  });

  it('matches a model filter on the canonical model by whole words, ignoring case', () => {
    const host = aCapacity({ gpus: gpus(8, H100, 81_559) });

    expect(candidateOn(host, requirements({ models: ['h100'] }))?.gpuModel).toBe(H100);
    expect(candidateOn(host, requirements({ models: ['H100 80GB'] }))?.gpuModel).toBe(H100);
    expect(candidateOn(host, requirements({ models: [H100.toLowerCase()] }))?.gpuModel).toBe(H100);
    expect(candidateOn(host, requirements({ models: ['H10'] }))).toBeUndefined();
    expect(candidateOn(host, requirements({ models: ['H100 80GB HBM3 PCIe'] }))).toBeUndefined();
  });

  it('does not match a filter that ends inside a word ("RTX 40" is not "RTX 4090")', () => {
    const host = aCapacity({ gpus: gpus(2, 'RTX 4090') });

    expect(candidateOn(host, requirements({ models: ['RTX 40'] }))).toBeUndefined();
  });

  it('takes any of several models, and any model when the list is empty', () => {
    const host = aCapacity({ gpus: gpus(2, 'RTX 4090') });

    expect(candidateOn(host, requirements({ models: ['a100', 'rtx 4090'] }))).toBeDefined();
    expect(candidateOn(host, requirements({ models: [] }))).toBeDefined();
  });

  it('counts only GPUs with at least the minimum VRAM', () => {
    const host = aCapacity({ gpus: [...gpus(1, 'RTX 4090', 24_564, 0), ...gpus(1, 'RTX 4090', 16_000, 1)] });

    expect(candidateOn(host, requirements({ gpuCount: 1, minVramMb: 24_564 }))?.gpuIndices).toEqual([0]);
    expect(candidateOn(host, requirements({ gpuCount: 2, minVramMb: 20_000 }))).toBeUndefined();
    expect(candidateOn(host, requirements({ gpuCount: 2, minVramMb: 16_000 }))?.gpuIndices).toEqual([0, 1]);
  });

  it('never offers GPUs held by a live assignment', () => {
    const host = aCapacity({ gpus: gpus(4), live: { 'job_x.a1.r0': { jobId: 'job_x', gpuIndices: [0, 2] } } });

    expect(candidateOn(host, requirements({ gpuCount: 2 }))?.gpuIndices).toEqual([1, 3]);
    expect(candidateOn(host, requirements({ gpuCount: 3 }))).toBeUndefined();
  });

  it('gives each host share GPUs of one model only', () => {
    const host = aCapacity({ gpus: [...gpus(2, 'A100 80GB PCIe', 81_920, 0), ...gpus(2, 'RTX 4090', 24_564, 2)] });

    expect(candidateOn(host, requirements({ gpuCount: 3 }))).toBeUndefined();
    expect(candidateOn(host, requirements({ gpuCount: 2 }))).toMatchObject({ gpuModel: 'A100 80GB PCIe', gpuIndices: [0, 1] });
    expect(candidateOn(host, requirements({ gpuCount: 2, models: ['RTX 4090'] }))).toMatchObject({ gpuModel: 'RTX 4090', gpuIndices: [2, 3] });
  });

  it('refuses a host that already failed the job', () => {
    const host = aCapacity({ hostId: 'host_failed' });

    expect(candidateOn(host, requirements({ avoidHostIds: ['host_failed'] }))).toBeUndefined();
    expect(candidateOn(host, requirements({ avoidHostIds: ['host_other'] }))).toBeDefined();
  });

  it('requires a public address for a multi-host job only', () => {
    const withoutAddress = aCapacity();
    const withAddress = aCapacity({ publicAddress: '203.0.113.10' });

    expect(candidateOn(withoutAddress, requirements({ hosts: 1 }))).toBeDefined();
    expect(candidateOn(withoutAddress, requirements({ hosts: 2 }))).toBeUndefined();
    expect(candidateOn(withAddress, requirements({ hosts: 2 }))).toBeDefined();
  });
});

describe('describeWanted', () => {
  it('says "GPU" when no model is named', () => {
    expect(describeWanted(requirements())).toBe('1x GPU under 0.900000/GPU-hour (docker)');
  });

  it('names models, VRAM, price, regions and runtime as the renter wrote them', () => {
    const wanted = describeWanted(
      requirements({
        gpuCount: 8,
        models: ['H100', 'A100'],
        minVramMb: 80_000,
        maxPricePerGpuHour: microUsd(2_000_000),
        regions: ['eu-west', 'us-east'],
        runtime: 'process',
      }),
    );

    expect(wanted).toBe('8x H100 or A100 with 80000 MB VRAM under 2.000000/GPU-hour in eu-west or us-east (process)');
  });

  it('leaves out empty model and region lists', () => {
    expect(describeWanted(requirements({ models: [], regions: [] }))).toBe('1x GPU under 0.900000/GPU-hour (docker)');
  });
});

describe('place', () => {
  describe('one host', () => {
    it('takes the cheapest fitting host', () => {
      const fleet = [
        aCapacity({ hostId: 'host_mid', pricePerGpuHour: microUsd(500_000) }),
        aCapacity({ hostId: 'host_cheap', pricePerGpuHour: microUsd(300_000) }),
        aCapacity({ hostId: 'host_dear', pricePerGpuHour: microUsd(800_000) }),
      ];

      const placement = place(requirements(), fleet);

      expect(placement).toEqual({ kind: 'placed', hosts: [expect.objectContaining({ hostId: 'host_cheap', gpuIndices: [0] })] });
    });

    it('skips a cheaper host that does not fit', () => {
      const fleet = [
        aCapacity({ hostId: 'host_cheap_busy', pricePerGpuHour: microUsd(100_000), live: { 'job_x.a1.r0': { jobId: 'job_x', gpuIndices: [0, 1] } } }),
        aCapacity({ hostId: 'host_cheap_draining', pricePerGpuHour: microUsd(100_000), draining: true }),
        aCapacity({ hostId: 'host_ok', pricePerGpuHour: microUsd(600_000) }),
      ];

      const placement = place(requirements(), fleet);

      expect(placedHostIds(placement)).toEqual(['host_ok']);
    });

    it('takes the more reliable of two equally priced hosts', () => {
      const fleet = [aCapacity({ hostId: 'host_flaky', reliability: 0.8 }), aCapacity({ hostId: 'host_steady', reliability: 0.99 })];

      const placement = place(requirements(), fleet);

      expect(placedHostIds(placement)).toEqual(['host_steady']);
    });

    it('breaks a full tie by host id, whatever the fleet order', () => {
      const fleet = [aCapacity({ hostId: 'host_b' }), aCapacity({ hostId: 'host_a' })];

      expect(placedHostIds(place(requirements(), fleet))).toEqual(['host_a']);
      expect(placedHostIds(place(requirements(), [...fleet].reverse()))).toEqual(['host_a']);
    });

    it('places the job elsewhere when the cheapest host already failed it', () => {
      const fleet = [aCapacity({ hostId: 'host_failed', pricePerGpuHour: microUsd(100_000) }), aCapacity({ hostId: 'host_next', pricePerGpuHour: microUsd(500_000) })];

      const placement = place(requirements({ avoidHostIds: ['host_failed'] }), fleet);

      expect(placedHostIds(placement)).toEqual(['host_next']);
    });

    it('says which offer no online host has', () => {
      const fleet = [aCapacity({ gpus: gpus(8, H100, 81_559), pricePerGpuHour: microUsd(2_500_000) })];

      const placement = place(requirements({ gpuCount: 8, models: ['H100'], maxPricePerGpuHour: microUsd(2_000_000) }), fleet);

      expect(placement).toEqual({ kind: 'unplaceable', reason: 'no online host offers 8x H100 under 2.000000/GPU-hour (docker)' });
    });

    it('is unplaceable on an empty fleet', () => {
      expect(place(requirements(), [])).toEqual({ kind: 'unplaceable', reason: 'no online host offers 1x GPU under 0.900000/GPU-hour (docker)' });
    });
  });

  describe('several hosts (a gang)', () => {
    const gangHost = (hostId: string, price: number, region = 'eu-west', extra: Parameters<typeof aCapacity>[0] = {}) =>
      aCapacity({ hostId, pricePerGpuHour: microUsd(price), region, publicAddress: `${hostId}.example.net`, gpus: gpus(8, H100, 81_559), ...extra });
    const gang = (hosts: number) => requirements({ gpuCount: 8, models: ['h100'], hosts, maxPricePerGpuHour: microUsd(2_000_000) });

    it('takes as many distinct hosts as asked, each with the GPUs asked, cheapest first', () => {
      const fleet = [gangHost('host_1', 1_500_000), gangHost('host_2', 1_000_000), gangHost('host_3', 1_200_000)];

      const placement = place(gang(2), fleet);

      expect(placement.kind).toBe('placed');
      expect(placedHostIds(placement)).toEqual(['host_2', 'host_3']);
      if (placement.kind === 'placed') {
        expect(placement.hosts.map((host) => host.gpuIndices)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7]]);
        expect(placement.hosts.map((host) => host.publicAddress)).toEqual(['host_2.example.net', 'host_3.example.net']);
      }
    });

    it('keeps the gang in one region that can hold it even when a cross-region set would be cheaper', () => {
      const fleet = [
        gangHost('host_eu_1', 300_000, 'eu-west'),
        gangHost('host_us_1', 400_000, 'us-east'),
        gangHost('host_eu_2', 1_000_000, 'eu-west'),
        gangHost('host_us_2', 1_200_000, 'us-east'),
      ];

      const placement = place(gang(2), fleet);

      expect(placedHostIds(placement)).toEqual(['host_eu_1', 'host_eu_2']);
    });

    it('takes the cheapest of the regions that can each hold the gang', () => {
      const fleet = [
        gangHost('host_eu_1', 900_000, 'eu-west'),
        gangHost('host_eu_2', 900_000, 'eu-west'),
        gangHost('host_us_1', 1_000_000, 'us-east'),
        gangHost('host_us_2', 500_000, 'us-east'),
      ];

      const placement = place(gang(2), fleet);

      expect(placedHostIds(placement)).toEqual(['host_us_2', 'host_us_1']);
    });

    it('takes the cheapest set across regions when no single region can hold the gang', () => {
      const fleet = [gangHost('host_eu', 700_000, 'eu-west'), gangHost('host_us', 300_000, 'us-east'), gangHost('host_ap', 500_000, 'ap-south')];

      const placement = place(gang(2), fleet);

      expect(placedHostIds(placement)).toEqual(['host_us', 'host_ap']);
    });

    it('places all of the gang or none of it', () => {
      const fleet = [
        gangHost('host_1', 1_000_000),
        gangHost('host_2', 1_000_000, 'eu-west', { live: { 'job_x.a1.r0': { jobId: 'job_x', gpuIndices: [3] } } }),
        gangHost('host_3', 2_500_000),
      ];

      const placement = place(gang(2), fleet);

      expect(placement).toEqual({ kind: 'unplaceable', reason: 'only 1 of 2 hosts free that offer 8x h100 under 2.000000/GPU-hour (docker)' });
    });

    it('leaves out hosts without a public address, and says so when too few registered one', () => {
      const fleet = [gangHost('host_1', 1_000_000), aCapacity({ hostId: 'host_2', pricePerGpuHour: microUsd(100_000), gpus: gpus(8, H100, 81_559) })];

      const placement = place(gang(2), fleet);

      expect(placement).toEqual({
        kind: 'unplaceable',
        reason: 'a 2-host job needs hosts with a public address: only 1 online host(s) registered one',
      });
    });

    it('counts only hosts that take work as having registered an address', () => {
      const fleet = [gangHost('host_1', 1_000_000), gangHost('host_2', 1_000_000, 'eu-west', { status: 'offline' }), gangHost('host_3', 1_000_000, 'eu-west', { listed: false })];

      const placement = place(gang(2), fleet);

      expect(placement).toEqual({
        kind: 'unplaceable',
        reason: 'a 2-host job needs hosts with a public address: only 1 online host(s) registered one',
      });
    });

    it('gives the same reason when the fleet is a one-shot iterator, as the matcher passes it', () => {
      // placeJob calls place(requirements, candidates.values()): a Map iterator is read once.
      const fleet = new Map(
        [gangHost('host_1', 1_000_000), gangHost('host_2', 2_500_000), gangHost('host_3', 2_500_000)].map((host) => [host.hostId, host] as const),
      );

      const placement = place(gang(2), fleet.values());

      expect(placement).toEqual({ kind: 'unplaceable', reason: 'only 1 of 2 hosts free that offer 8x h100 under 2.000000/GPU-hour (docker)' });
    });
  });
});
