import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';
import { cpus, hostname, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import type { Runtime } from '#agent/api/types.ts';
import { GPU_QUERY_ARGS, parseCudaVersion, parseGpuCsv, parseSimulatedGpus, type DetectedGpu } from './nvidia-smi.ts';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

export interface CommandResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program does not exist or could not run. */
  readonly error?: string;
}

/** Runs a program with a timeout; never throws. The seam tests replace. */
export type RunCommand = (file: string, args: readonly string[], timeoutMs?: number) => Promise<CommandResult>;

export const runCommand: RunCommand = (file, args, timeoutMs = 10_000) =>
  new Promise((resolve) => {
    childProcess().execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({
        ok: !error,
        stdout: String(stdout),
        stderr: String(stderr),
        ...(error ? { error: code === 'ENOENT' ? `${file} is not installed (not on PATH)` : `${file} ${args.join(' ')} failed: ${String(stderr).trim() || error.message}` } : {}),
      });
    });
  });

export interface GpuDetection {
  readonly source: 'nvidia-smi' | 'simulated' | 'none';
  readonly gpus: DetectedGpu[];
  readonly driverVersion: string | undefined;
  readonly cudaVersion: string | undefined;
  readonly problems: string[];
}

/** GPUs from nvidia-smi, or the simulated ones when `simulate` is given. */
export const detectGpus = async (options: { simulate?: string; simulateSeed?: string; run?: RunCommand } = {}): Promise<GpuDetection> => {
  if (options.simulate) {
    return { source: 'simulated', gpus: parseSimulatedGpus(options.simulate, options.simulateSeed), driverVersion: undefined, cudaVersion: undefined, problems: [] };
  }
  const run = options.run ?? runCommand;
  const query = await run('nvidia-smi', GPU_QUERY_ARGS);
  if (!query.ok) return { source: 'none', gpus: [], driverVersion: undefined, cudaVersion: undefined, problems: [query.error ?? 'nvidia-smi failed'] };
  const parsed = parseGpuCsv(query.stdout);
  const header = await run('nvidia-smi', []);
  return {
    source: 'nvidia-smi',
    gpus: parsed.gpus,
    driverVersion: parsed.gpus.find((gpu) => gpu.driverVersion)?.driverVersion,
    cudaVersion: header.ok ? parseCudaVersion(header.stdout) : undefined,
    problems: parsed.gpus.length === 0 && parsed.problems.length === 0 ? ['nvidia-smi listed no GPUs'] : parsed.problems,
  };
};

export interface DockerDetection {
  readonly available: boolean;
  readonly nvidiaRuntime: boolean;
  readonly problem: string | undefined;
}

/** Docker must answer, and run GPU containers: the NVIDIA runtime or the toolkit's CLI present. */
export const detectDocker = async (run: RunCommand = runCommand): Promise<DockerDetection> => {
  const info = await run('docker', ['info', '--format', '{{json .Runtimes}}']);
  if (!info.ok) return { available: false, nvidiaRuntime: false, problem: info.error };
  const runtimes = info.stdout.includes('"nvidia"');
  const toolkit = runtimes || (await run('nvidia-container-cli', ['--version'])).ok || (await run('nvidia-ctk', ['--version'])).ok;
  return { available: true, nvidiaRuntime: toolkit, problem: toolkit ? undefined : 'Docker has no NVIDIA runtime (the NVIDIA Container Toolkit is missing)' };
};

export interface HostFacts {
  readonly hostname: string;
  readonly cpuCores: number;
  readonly memoryMb: number;
  readonly diskGb: number;
}

/** CPU cores, memory and the free disk space where jobs' files go (the state directory). */
export const detectHost = (stateDir: string): HostFacts => {
  let diskGb = 1;
  try {
    const stats = statfsSync(stateDir);
    diskGb = Math.max(1, Math.floor((stats.bavail * stats.bsize) / 1024 ** 3));
  } catch {
    // not created yet or not supported: report the minimum rather than guess
  }
  return {
    hostname: hostname(),
    cpuCores: Math.max(1, cpus().length),
    memoryMb: Math.max(1024, Math.floor(totalmem() / 1024 ** 2)),
    diskGb,
  };
};

/** What the host can offer: Docker with GPUs (or any Docker when simulated), processes where allowed. */
export const offeredRuntimes = (docker: DockerDetection, options: { allowProcessJobs: boolean; simulated: boolean }): Runtime[] => [
  ...(docker.available && (docker.nvidiaRuntime || options.simulated) ? (['docker'] as const) : []),
  ...(options.allowProcessJobs ? (['process'] as const) : []),
];
