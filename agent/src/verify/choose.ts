import { join } from 'node:path';
import { detectDocker, detectGpus } from '#agent/config/hardware.ts';
import type { AgentState, StatePaths } from '#agent/config/state.ts';
import type { GpuIdentity, VerifierBackend } from './backend.ts';
import { simulatedOptionsFromEnv } from './simulated-options.ts';

export const verificationRecordsPath = (paths: StatePaths): string => join(paths.dir, 'verifications.json');

/**
 * A backend whose code loads at its first run: most of an agent's life is idle between runs
 * hours apart, and the simulated solver (with the platform's verification maths) and the CUDA
 * container's driver then stay out of its memory.
 */
const loadedOnFirstRun = (name: VerifierBackend['name'], load: () => Promise<VerifierBackend>): VerifierBackend => {
  let backend: Promise<VerifierBackend> | undefined;
  return { name, compute: async (challenge, gpus, signal) => (await (backend ??= load())).compute(challenge, gpus, signal) };
};

/**
 * Whether this agent runs from its TypeScript sources (a clone's agent/bin, through tsx) rather
 * than the bundle. The bundle computes a simulated run in a child process, as the CUDA verifier
 * runs in its container, so what the run allocates leaves with it. From the sources it computes
 * in the agent's own process: starting tsx again takes seconds on a busy machine, against a
 * challenge's deadline of a few seconds in the local runtime's tests, and a clone's memory is
 * not what a provider runs (the bundle's `import.meta.url` is the bundle file itself).
 */
const fromSources = import.meta.url.endsWith('.ts');

export interface ChosenVerifier {
  readonly backend: VerifierBackend;
  readonly gpus: readonly GpuIdentity[];
  readonly recordsPath: string;
}

/**
 * The verifier backend for this host: GPUHIVE_VERIFY_BACKEND (simulated, cuda, none), or by
 * default the simulated one for simulated GPUs and the CUDA container where Docker runs GPU
 * containers. Undefined (with the reason) when none can run: the platform's runs then end
 * `missed`, and the host stays unverified.
 */
export const chooseVerifier = async (
  state: AgentState,
  paths: StatePaths,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ verifier?: ChosenVerifier; problem?: string }> => {
  const wanted = env.GPUHIVE_VERIFY_BACKEND ?? (state.simulateGpus ? 'simulated' : 'cuda');
  const recordsPath = verificationRecordsPath(paths);
  if (wanted === 'none') return { problem: 'verification is off (GPUHIVE_VERIFY_BACKEND=none)' };
  if (wanted === 'simulated') {
    const options = simulatedOptionsFromEnv(env, join(paths.dir, 'verify-replay.json'));
    const backend = loadedOnFirstRun('simulated', async () =>
      fromSources
        ? new (await import('./simulated-backend.ts')).SimulatedBackend(options)
        : new (await import('./simulated-process-backend.ts')).SimulatedProcessBackend(options));
    return { verifier: { backend, gpus: state.gpus, recordsPath } };
  }
  if (wanted !== 'cuda') return { problem: `GPUHIVE_VERIFY_BACKEND must be simulated, cuda or none, not ${wanted}` };
  const docker = await detectDocker();
  if (!docker.available || !docker.nvidiaRuntime) return { problem: `the CUDA verifier needs Docker with the NVIDIA runtime: ${docker.problem ?? 'not available'}` };
  const detected = await detectGpus();
  const gpus = state.gpus.map((gpu) => ({ ...gpu, ...(detected.driverVersion ? { driverVersion: detected.driverVersion } : {}) }));
  const image = env.GPUHIVE_VERIFIER_IMAGE;
  const backend = loadedOnFirstRun('cuda', async () => new (await import('./cuda-backend.ts')).CudaBackend(image ? { image } : {}));
  return { verifier: { backend, gpus, recordsPath } };
};
