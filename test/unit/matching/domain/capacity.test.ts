import { describe, expect, it } from 'vitest';
import { acceptsWork, freeGpuIndices, release, reserve } from '#matching/domain/capacity.ts';
import { aCapacity, gpus } from '#test/support/matching-factories.ts';

describe('acceptsWork', () => {
  it('accepts an online, listed host that is neither draining nor deregistered', () => {
    expect(acceptsWork(aCapacity())).toBe(true);
  });

  it.each([
    ['unreachable', { status: 'unreachable' as const }],
    ['offline', { status: 'offline' as const }],
    ['unlisted', { listed: false }],
    ['draining', { draining: true }],
    ['deregistered', { deregistered: true }],
  ])('refuses a host that is %s', (_, overrides) => {
    expect(acceptsWork(aCapacity(overrides))).toBe(false);
  });
});

describe('freeGpuIndices', () => {
  it('lists every GPU of an idle host in the host order', () => {
    const host = aCapacity({ gpus: gpus(4) });

    expect(freeGpuIndices(host)).toEqual([0, 1, 2, 3]);
  });

  it('leaves out the GPUs any live assignment holds', () => {
    const host = aCapacity({
      gpus: gpus(4),
      live: { 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [0, 2] }, 'job_b.a1.r0': { jobId: 'job_b', gpuIndices: [3] } },
    });

    expect(freeGpuIndices(host)).toEqual([1]);
  });

  it('is empty when every GPU is held', () => {
    const host = aCapacity({ gpus: gpus(2), live: { 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [0, 1] } } });

    expect(freeGpuIndices(host)).toEqual([]);
  });
});

describe('reserve', () => {
  it('holds free GPUs for the assignment, without touching the original', () => {
    const host = aCapacity({ gpus: gpus(4) });

    const next = reserve(host, 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [1, 2] });

    expect(next.live).toEqual({ 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [1, 2] } });
    expect(freeGpuIndices(next)).toEqual([0, 3]);
    expect(host.live).toEqual({});
  });

  it('refuses GPUs another assignment holds', () => {
    const host = aCapacity({ gpus: gpus(4), live: { 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [1] } } });

    expect(() => reserve(host, 'job_b.a1.r0', { jobId: 'job_b', gpuIndices: [0, 1] })).toThrow('GPUs 0,1 of host_a are not free');
  });

  it('refuses a GPU index the host does not have', () => {
    const host = aCapacity({ gpus: gpus(2) });

    expect(() => reserve(host, 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [7] })).toThrow(/not free/);
  });

  it('refuses to hold the same GPUs twice for one assignment', () => {
    const host = reserve(aCapacity({ gpus: gpus(2) }), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0] });

    expect(() => reserve(host, 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0] })).toThrow(/not free/);
  });
});

describe('release', () => {
  it('frees the assignment’s GPUs and keeps the others held', () => {
    const host = aCapacity({
      gpus: gpus(4),
      live: { 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [0, 1] }, 'job_b.a1.r0': { jobId: 'job_b', gpuIndices: [2] } },
    });

    const next = release(host, 'job_a.a1.r0');

    expect(next.live).toEqual({ 'job_b.a1.r0': { jobId: 'job_b', gpuIndices: [2] } });
    expect(freeGpuIndices(next)).toEqual([0, 1, 3]);
  });

  it('returns the same host when the assignment holds nothing there', () => {
    const host = aCapacity({ live: { 'job_a.a1.r0': { jobId: 'job_a', gpuIndices: [0] } } });

    expect(release(host, 'job_unknown.a1.r0')).toBe(host);
  });
});
