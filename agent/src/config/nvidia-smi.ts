import type { GpuFact } from '#agent/api/types.ts';

/** The query the agent runs; the columns parseGpuCsv expects, in this order. */
export const GPU_QUERY_FIELDS = ['index', 'uuid', 'name', 'memory.total', 'driver_version'] as const;
export const GPU_QUERY_ARGS = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
export const UTILIZATION_QUERY_ARGS = ['--query-gpu=index,utilization.gpu', '--format=csv,noheader,nounits'];

export interface DetectedGpu extends GpuFact {
  readonly driverVersion: string | undefined;
}

export interface GpuParseResult {
  readonly gpus: DetectedGpu[];
  /** Lines that could not be read, with why: printed by `doctor`. */
  readonly problems: string[];
}

/** nvidia-smi writes "[N/A]", "[Not Supported]", "[Unknown Error]" where it has no value. */
const missing = (value: string | undefined): boolean => value === undefined || value === '' || /^\[.*\]$/.test(value);

/**
 * Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version
 * --format=csv,noheader,nounits`. Values are comma-separated with a space after each comma;
 * GPU names never contain commas. A GPU whose memory is not reported (some MIG and vGPU
 * setups print [N/A]) is skipped with a reason rather than registered with a guess.
 */
export const parseGpuCsv = (output: string): GpuParseResult => {
  const gpus: DetectedGpu[] = [];
  const problems: string[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < 4) {
      problems.push(`cannot read "${line}": expected ${GPU_QUERY_FIELDS.length} comma-separated values`);
      continue;
    }
    const [index, uuid, name, memory, driver] = fields;
    const vramMb = Number(memory);
    if (missing(index) || !/^\d+$/.test(index!)) {
      problems.push(`cannot read "${line}": no GPU index`);
      continue;
    }
    if (missing(memory) || !Number.isFinite(vramMb) || vramMb <= 0) {
      problems.push(`GPU ${index} (${name}) reports no memory size (${memory}); skipped`);
      continue;
    }
    gpus.push({
      index: Number(index),
      uuid: missing(uuid) ? `GPU-index-${index}` : uuid!,
      name: missing(name) ? 'Unknown NVIDIA GPU' : name!,
      vramMb: Math.round(vramMb),
      driverVersion: missing(driver) ? undefined : driver,
    });
  }
  return { gpus, problems };
};

/** The CUDA version the driver supports, from the header of plain `nvidia-smi`. */
export const parseCudaVersion = (output: string): string | undefined => /CUDA Version\s*:\s*([\d.]+)/.exec(output)?.[1];

/** `index, utilization.gpu` lines -> utilization per GPU index (percent); [N/A] is left out. */
export const parseUtilizationCsv = (output: string): Map<number, number> => {
  const utilization = new Map<number, number>();
  for (const line of output.split(/\r?\n/)) {
    const [index, value] = line.split(',').map((field) => field.trim());
    if (index === undefined || value === undefined || !/^\d+$/.test(index) || missing(value)) continue;
    const percent = Number(value);
    if (Number.isFinite(percent)) utilization.set(Number(index), Math.min(100, Math.max(0, percent)));
  }
  return utilization;
};

/**
 * `--simulate-gpus "RTX 4090:24564x2"`: fake GPUs for development and tests, as
 * `<name>:<vram MB>[x<count>]`, several separated by commas ("RTX 4090:24564x2,A100:81920").
 */
export const parseSimulatedGpus = (spec: string, seed = ''): DetectedGpu[] => {
  const gpus: DetectedGpu[] = [];
  for (const part of spec.split(',').map((piece) => piece.trim()).filter(Boolean)) {
    const match = /^(.+?):(\d+)(?:x(\d+))?$/i.exec(part);
    if (!match) throw new Error(`--simulate-gpus: cannot read "${part}"; write <name>:<vram MB>[x<count>], e.g. "RTX 4090:24564x2"`);
    const [, name, vram, count] = match;
    for (let i = 0; i < Number(count ?? 1); i += 1) {
      const index = gpus.length;
      gpus.push({ index, uuid: `GPU-simulated-${seed ? `${seed}-` : ''}${index}`, name: name!.trim(), vramMb: Number(vram), driverVersion: undefined });
    }
  }
  if (gpus.length === 0) throw new Error('--simulate-gpus: give at least one GPU, e.g. "RTX 4090:24564x2"');
  return gpus;
};
