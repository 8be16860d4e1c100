import { runCommand, type RunCommand } from '#agent/config/hardware.ts';
import { parseUtilizationCsv, UTILIZATION_QUERY_ARGS } from '#agent/config/nvidia-smi.ts';

/** Utilization per GPU index from nvidia-smi; empty when it cannot tell (simulated GPUs, no driver). */
export const sampleGpuUtilization = async (run: RunCommand = runCommand): Promise<Map<number, number>> => {
  const result = await run('nvidia-smi', UTILIZATION_QUERY_ARGS, 5000);
  return result.ok ? parseUtilizationCsv(result.stdout) : new Map();
};
