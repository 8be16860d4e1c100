import { describe, expect, it } from 'vitest';
import { detectGpus, type RunCommand } from '#agent/config/hardware.ts';
import { parseCudaVersion, parseGpuCsv, parseSimulatedGpus, parseUtilizationCsv } from '#agent/config/nvidia-smi.ts';

/**
 * Output of `nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version
 * --format=csv,noheader,nounits` in the shapes different cards and drivers print: the names
 * and MiB totals are what those cards report (UUIDs shortened); older drivers omit the
 * "NVIDIA" prefix on GeForce and Tesla names; MIG and some vGPU setups print [N/A].
 */
const samples = {
  rtx4090x2_driver550: '0, GPU-8f2c3c3e-5d1a-2b7e-9a0c-1f4b2d6e7a11, NVIDIA GeForce RTX 4090, 24564, 550.54.14\n1, GPU-1d7e8f90-aa12-4c3b-8e5f-0b9c7d6e5f42, NVIDIA GeForce RTX 4090, 24564, 550.54.14\n',
  h100sxm_x8_driver535: Array.from({ length: 8 }, (_, i) => `${i}, GPU-4a1b${i}c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d, NVIDIA H100 80GB HBM3, 81559, 535.129.03`).join('\n'),
  a100sxm40_driver470: '0, GPU-6d2e1f0a-9b8c-7d6e-5f4a-3b2c1d0e9f8a, NVIDIA A100-SXM4-40GB, 40536, 470.182.03\n',
  teslaT4_driver450: '0, GPU-0c5f9e62-7d3a-41b8-a2e6-94f1d07c3b55, Tesla T4, 15109, 450.80.02\n',
  rtx2080ti_driver440: '0, GPU-3a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d, GeForce RTX 2080 Ti, 11019, 440.100\n',
  a10g_aws_driver535_crlf: '0, GPU-a10ga10g-0000-1111-2222-333344445555, NVIDIA A10G, 23028, 535.104.12\r\n',
  mig_na: '0, GPU-5b6c7d8e-9f0a-1b2c-3d4e-5f6a7b8c9d0e, NVIDIA A100-SXM4-80GB, [N/A], 525.85.12\n1, GPU-7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b, NVIDIA A100-SXM4-80GB, 81920, 525.85.12\n',
};

describe('parseGpuCsv', () => {
  it('reads two consumer cards on a recent driver', () => {
    const { gpus, problems } = parseGpuCsv(samples.rtx4090x2_driver550);

    expect(problems).toEqual([]);
    expect(gpus).toEqual([
      { index: 0, uuid: 'GPU-8f2c3c3e-5d1a-2b7e-9a0c-1f4b2d6e7a11', name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, driverVersion: '550.54.14' },
      { index: 1, uuid: 'GPU-1d7e8f90-aa12-4c3b-8e5f-0b9c7d6e5f42', name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, driverVersion: '550.54.14' },
    ]);
  });

  it('reads an 8x H100 SXM node', () => {
    const { gpus } = parseGpuCsv(samples.h100sxm_x8_driver535);

    expect(gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(gpus.map((gpu) => gpu.name))).toEqual(new Set(['NVIDIA H100 80GB HBM3']));
    expect(gpus[7]!.vramMb).toBe(81559);
  });

  it.each([
    ['a100sxm40_driver470', 'NVIDIA A100-SXM4-40GB', 40536, '470.182.03'],
    ['teslaT4_driver450', 'Tesla T4', 15109, '450.80.02'],
    ['rtx2080ti_driver440', 'GeForce RTX 2080 Ti', 11019, '440.100'],
    ['a10g_aws_driver535_crlf', 'NVIDIA A10G', 23028, '535.104.12'],
  ] as const)('reads %s as nvidia-smi names it', (sample, name, vramMb, driverVersion) => {
    expect(parseGpuCsv(samples[sample]).gpus).toEqual([expect.objectContaining({ index: 0, name, vramMb, driverVersion })]);
  });

  it('skips a GPU that reports no memory (MIG) and says why', () => {
    const { gpus, problems } = parseGpuCsv(samples.mig_na);

    expect(gpus.map((gpu) => gpu.index)).toEqual([1]);
    expect(problems).toEqual(['GPU 0 (NVIDIA A100-SXM4-80GB) reports no memory size ([N/A]); skipped']);
  });

  it('explains a line it cannot read instead of guessing', () => {
    expect(parseGpuCsv('No devices were found\n').problems).toEqual([expect.stringContaining('cannot read "No devices were found"')]);
  });
});

describe('parseCudaVersion', () => {
  it('reads the CUDA version from the nvidia-smi banner', () => {
    const banner = [
      '+-----------------------------------------------------------------------------------------+',
      '| NVIDIA-SMI 550.54.14              Driver Version: 550.54.14      CUDA Version: 12.4     |',
      '|-----------------------------------------+------------------------+----------------------+',
    ].join('\n');

    expect(parseCudaVersion(banner)).toBe('12.4');
  });

  it('reads the older banner layout', () => {
    expect(parseCudaVersion('| NVIDIA-SMI 450.80.02    Driver Version: 450.80.02    CUDA Version: 11.0     |')).toBe('11.0');
  });
});

describe('parseUtilizationCsv', () => {
  it('reads utilization per GPU and leaves out what the card does not report', () => {
    expect(parseUtilizationCsv('0, 97\n1, 3\n2, [Not Supported]\n')).toEqual(new Map([[0, 97], [1, 3]]));
  });
});

describe('parseSimulatedGpus', () => {
  it('expands "name:MBxN" into N GPUs with their own indices and UUIDs', () => {
    expect(parseSimulatedGpus('RTX 4090:24564x2', 'abc')).toEqual([
      { index: 0, uuid: 'GPU-simulated-abc-0', name: 'RTX 4090', vramMb: 24564, driverVersion: undefined },
      { index: 1, uuid: 'GPU-simulated-abc-1', name: 'RTX 4090', vramMb: 24564, driverVersion: undefined },
    ]);
  });

  it('takes several models separated by commas', () => {
    expect(parseSimulatedGpus('RTX 4090:24564, A100 80GB:81920x2').map((gpu) => `${gpu.index}:${gpu.name}`)).toEqual(['0:RTX 4090', '1:A100 80GB', '2:A100 80GB']);
  });

  it('says how to write it when it cannot read it', () => {
    expect(() => parseSimulatedGpus('RTX 4090')).toThrow(/<name>:<vram MB>\[x<count>\]/);
  });
});

describe('detectGpus', () => {
  it('runs the CSV query and the banner, and reports the driver and CUDA versions', async () => {
    const run: RunCommand = async (_file, args) =>
      args.length === 0
        ? { ok: true, stdout: '| NVIDIA-SMI 535.129.03   Driver Version: 535.129.03   CUDA Version: 12.2 |', stderr: '' }
        : { ok: true, stdout: samples.h100sxm_x8_driver535, stderr: '' };

    const detection = await detectGpus({ run });

    expect(detection).toMatchObject({ source: 'nvidia-smi', driverVersion: '535.129.03', cudaVersion: '12.2', problems: [] });
    expect(detection.gpus).toHaveLength(8);
  });

  it('says nvidia-smi is missing when it is not installed', async () => {
    const run: RunCommand = async () => ({ ok: false, stdout: '', stderr: '', error: 'nvidia-smi is not installed (not on PATH)' });

    expect(await detectGpus({ run })).toMatchObject({ source: 'none', gpus: [], problems: ['nvidia-smi is not installed (not on PATH)'] });
  });
});
