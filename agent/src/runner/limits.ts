/** The host's size: an assignment gets CPU and memory by its share of the host's GPUs. */
export interface DockerLimits {
  readonly hostCpuCores: number;
  readonly hostMemoryMb: number;
  readonly hostGpuCount: number;
  /** The least memory a job gets however small its share (`--min-job-memory`); default 1 GiB. */
  readonly minJobMemoryMb?: number;
}

/** A job's memory floor unless the provider sets another: enough for most runtimes to start. */
export const DEFAULT_MIN_JOB_MEMORY_MB = 1024;

/** Processes (threads included) a job may hold at once, unless the provider says otherwise. */
export const DEFAULT_PIDS_LIMIT = 4096;

/** Memory and CPU the assignment gets: its share of the host by its share of the GPUs (90% of the memory, the floor at least). */
export const resourceShare = (gpuCount: number, limits: DockerLimits): { cpus: number; memoryMb: number } => {
  const share = Math.min(1, gpuCount / Math.max(1, limits.hostGpuCount));
  return {
    cpus: Math.max(1, Math.floor(limits.hostCpuCores * share)),
    memoryMb: Math.max(limits.minJobMemoryMb ?? DEFAULT_MIN_JOB_MEMORY_MB, Math.floor(limits.hostMemoryMb * share * 0.9)),
  };
};
