import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectGpus, type RunCommand } from '#agent/config/hardware.ts';
import { parseUtilizationCsv } from '#agent/config/nvidia-smi.ts';
import { canonicalGpuModel } from '#registry/domain/gpu-model.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');

/** Answers as the captured H200 host did: the query with its CSV, plain nvidia-smi with its table. */
const capturedH200: RunCommand = async (_file, args) => ({
  ok: true,
  stdout: args.length === 0 ? fixture('h200-plain.txt') : fixture('h200-query.csv'),
  stderr: '',
});

describe('GPU detection on output captured from a real H200 host', () => {
  it('reports the card, its VRAM, UUID, driver and CUDA version', async () => {
    const detection = await detectGpus({ run: capturedH200 });

    expect(detection).toEqual({
      source: 'nvidia-smi',
      gpus: [{ index: 0, uuid: 'GPU-eb567419-7244-c598-fb6b-c957391ded16', name: 'NVIDIA H200', vramMb: 143771, driverVersion: '580.159.04' }],
      driverVersion: '580.159.04',
      cudaVersion: '13.0',
      problems: [],
    });
  });

  it('canonicalises the reported name to the model renters filter on', () => {
    expect(canonicalGpuModel('NVIDIA H200')).toBe('H200');
  });

  it('reads utilization idle and under a running job', () => {
    expect(parseUtilizationCsv(fixture('h200-utilization-idle.csv'))).toEqual(new Map([[0, 0]]));
    expect(parseUtilizationCsv(fixture('h200-utilization-busy.csv'))).toEqual(new Map([[0, 99]]));
  });
});
