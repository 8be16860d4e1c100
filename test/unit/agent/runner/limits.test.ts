import { describe, expect, it } from 'vitest';
import { resourceShare } from '#agent/runner/limits.ts';

describe('resourceShare', () => {
  it("gives a job 90% of its GPUs' share of the host's memory", () => {
    expect(resourceShare(1, { hostCpuCores: 8, hostMemoryMb: 32768, hostGpuCount: 2 })).toEqual({ cpus: 4, memoryMb: Math.floor(16384 * 0.9) });
  });

  it('gives at least 1 GiB unless the provider set another floor', () => {
    expect(resourceShare(1, { hostCpuCores: 2, hostMemoryMb: 400, hostGpuCount: 1 }).memoryMb).toBe(1024);
    expect(resourceShare(1, { hostCpuCores: 2, hostMemoryMb: 400, hostGpuCount: 1, minJobMemoryMb: 128 }).memoryMb).toBe(360);
    expect(resourceShare(1, { hostCpuCores: 2, hostMemoryMb: 100, hostGpuCount: 1, minJobMemoryMb: 128 }).memoryMb).toBe(128);
  });
});
