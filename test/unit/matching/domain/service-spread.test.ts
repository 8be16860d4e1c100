import { describe, expect, it } from 'vitest';
import { fitsServicePlacement } from '#matching/domain/service-spread.ts';
import { place } from '#matching/domain/placement.ts';
import { replicaJobId } from '#matching/domain/service.ts';
import { aCapacity, requirements } from '#test/support/matching-factories.ts';

const SERVICE_ID = 'svc_01testservice000000001';
const held = (jobId: string) => ({ [`${jobId}.a1.r0`]: { jobId, gpuIndices: [0] } });

describe('fitsServicePlacement', () => {
  const busy = aCapacity({ hostId: 'host_busy', providerId: 'prov_a', live: held(replicaJobId(SERVICE_ID, 0, 1)) });

  it('with spread hosts skips a host holding another replica of the service, but not one holding the same slot (a restart in place)', () => {
    expect(fitsServicePlacement(busy, { serviceId: SERVICE_ID, replica: 1, spread: 'hosts' })).toBe(false);
    expect(fitsServicePlacement(busy, { serviceId: SERVICE_ID, replica: 0, spread: 'hosts' })).toBe(true);
    expect(fitsServicePlacement(busy, { serviceId: SERVICE_ID, replica: 1 })).toBe(true);
    expect(fitsServicePlacement(busy, { serviceId: 'svc_01otherservice0000000001', replica: 1, spread: 'hosts' })).toBe(true);
    // Replica 1 is not replica 10.
    const ten = aCapacity({ live: held(replicaJobId(SERVICE_ID, 10, 1)) });
    expect(fitsServicePlacement(ten, { serviceId: SERVICE_ID, replica: 1, spread: 'hosts' })).toBe(false);
    expect(fitsServicePlacement(ten, { serviceId: SERVICE_ID, replica: 10, spread: 'hosts' })).toBe(true);
  });

  it('with spread providers also skips the providers the other replicas ran on', () => {
    const idle = aCapacity({ hostId: 'host_idle', providerId: 'prov_a' });
    expect(fitsServicePlacement(idle, { serviceId: SERVICE_ID, replica: 1, spread: 'providers', excludeProviderIds: ['prov_a'] })).toBe(false);
    expect(fitsServicePlacement(idle, { serviceId: SERVICE_ID, replica: 1, spread: 'hosts', excludeProviderIds: ['prov_a'] })).toBe(true);
  });

  it('pins a restart in place to its host and keeps a replacement off the hosts its slot failed on', () => {
    expect(fitsServicePlacement(busy, { serviceId: SERVICE_ID, replica: 0, pinHostId: 'host_busy' })).toBe(true);
    expect(fitsServicePlacement(aCapacity(), { serviceId: SERVICE_ID, replica: 0, pinHostId: 'host_busy' })).toBe(false);
    expect(fitsServicePlacement(aCapacity({ hostId: 'host_bad' }), { serviceId: SERVICE_ID, replica: 0, excludeHostIds: ['host_bad'] })).toBe(false);
  });

  it('is applied by placement: a second replica goes to the other host', () => {
    const free = aCapacity({ hostId: 'host_free', providerId: 'prov_b' });
    const placement = place(requirements({ service: { serviceId: SERVICE_ID, replica: 1, spread: 'hosts' } }), [busy, free]);
    expect(placement).toMatchObject({ kind: 'placed', hosts: [{ hostId: 'host_free' }] });
    const nowhere = place(requirements({ service: { serviceId: SERVICE_ID, replica: 1, spread: 'hosts' } }), [busy]);
    expect(nowhere.kind).toBe('unplaceable');
  });
});

describe('describeServicePlacement', () => {
  it("says in a queued replica's reason why hosts were skipped", () => {
    const placement = place(requirements({ service: { serviceId: SERVICE_ID, replica: 1, spread: 'providers', excludeHostIds: ['host_x'] } }), []);
    expect(placement).toEqual({
      kind: 'unplaceable',
      reason: "no online host offers 1x GPU under 0.900000/GPU-hour, on a provider none of its service's other replicas uses, not on host_x (failed it before) (docker)",
    });
    const pinned = place(requirements({ service: { serviceId: SERVICE_ID, replica: 0, pinHostId: 'host_busy' } }), []);
    expect(pinned.kind === 'unplaceable' && pinned.reason).toMatch(/on host_busy \(a restart in place\)/);
  });
});
