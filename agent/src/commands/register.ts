import { createHash } from 'node:crypto';
import { ApiClient } from '#agent/api/client.ts';
import type { RegisterRequest } from '#agent/api/types.ts';
import { ApiError } from '#agent/core/errors.ts';
import { ensurePrivateDir } from '#agent/core/files.ts';
import { detectDocker, detectGpus, detectHost, offeredRuntimes } from '#agent/config/hardware.ts';
import { loadState, resolveStateDir, saveState, statePaths } from '#agent/config/state.ts';
import { invocation, parse, portRangeOf, UsageError, type Out } from './common.ts';
import { isoTime } from '#agent/core/clock.ts';

/** `gpuhive-agent register`: detect the hardware, register the host, keep its agent token. */

export const help = `Usage: gpuhive-agent register --api URL --token TOKEN --price USD --region REGION [options]

Detects the GPUs (nvidia-smi), CPU, memory, disk and runtimes, registers the host with a
one-use registration token (POST /v1/hosts/registration-tokens as the provider), and keeps
the host's agent token in <state-dir>/state.json (mode 0600).

Options:
  --api URL               the gpuhive API, e.g. https://api.gpuhive.example
  --token TOKEN           the registration token
  --price USD             price per GPU-hour, e.g. 0.45
  --min-bid USD           the lowest bid for idle GPUs sold as interruptible work (default: half
                          the price; 0: sell none; at most the price)
  --region REGION         e.g. eu-west
  --public-address ADDR   address other hosts reach this one at (needed for multi-host jobs and ports)
  --port-range FROM-TO    public TCP ports your firewall forwards here, e.g. 40000-40999: jobs'
                          declared ports are published on them (needs --public-address)
  --hostname NAME         the name shown to you (default: this machine's)
  --allow-process-jobs    also run command jobs as plain processes (as --job-user when run gives one)
  --no-docker             offer no image jobs, even where Docker runs
  --simulate-gpus SPEC    fake GPUs for development and tests: "RTX 4090:24564x2" (name:MB x count)
  --force                 register again even though this state directory holds a host
  --state-dir DIR`;

const minBidOf = (value: string): string => {
  if (!/^\d+(\.\d{1,6})?$/.test(value)) throw new UsageError('--min-bid must be a price in USD per GPU-hour (0 sells no interruptible work), e.g. 0.20');
  return Number(value).toFixed(6);
};

const priceOf = (value: string): string => {
  if (!/^\d+(\.\d{1,6})?$/.test(value) || Number(value) <= 0) throw new UsageError('--price must be a price in USD per GPU-hour, e.g. 0.45');
  return Number(value).toFixed(6);
};

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, {
    api: { type: 'string' }, token: { type: 'string' }, price: { type: 'string' }, region: { type: 'string' },
    'public-address': { type: 'string' }, hostname: { type: 'string' }, 'allow-process-jobs': { type: 'boolean' },
    'simulate-gpus': { type: 'string' }, force: { type: 'boolean' }, 'no-docker': { type: 'boolean' }, 'port-range': { type: 'string' },
    'min-bid': { type: 'string' },
  });
  if (values.help) return out(help), 0;
  for (const name of ['api', 'token', 'price', 'region'] as const) if (!values[name]) throw new UsageError(`--${name} is required (see gpuhive-agent register --help)`);
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const existing = loadState(paths);
  if (existing && !values.force) throw new UsageError(`${paths.dir} already holds host ${existing.hostId}: pass --force to register a new host, or another --state-dir`);
  ensurePrivateDir(paths.dir);
  const simulate = values['simulate-gpus'];
  const detection = await detectGpus({ ...(simulate ? { simulate, simulateSeed: createHash('sha256').update(paths.dir).digest('hex').slice(0, 8) } : {}) });
  for (const problem of detection.problems) out(`warning: ${problem}`);
  if (detection.gpus.length === 0) throw new UsageError('no GPU found: install the NVIDIA driver (nvidia-smi must list the GPUs), or pass --simulate-gpus for development');
  const host = detectHost(paths.dir);
  const docker = values['no-docker'] ? { available: false, nvidiaRuntime: false, problem: 'left out (--no-docker)' } : await detectDocker();
  const allowProcessJobs = values['allow-process-jobs'] ?? false;
  const portRange = portRangeOf(values['port-range']);
  if (portRange && !values['public-address']) throw new UsageError('--port-range needs --public-address: renters reach the ports there');
  const runtimes = offeredRuntimes(docker, { allowProcessJobs, simulated: Boolean(simulate) });
  if (runtimes.length === 0) throw new UsageError(`this host offers no runtime: ${docker.problem ?? 'Docker is missing'}. Install Docker and the NVIDIA Container Toolkit, or pass --allow-process-jobs`);
  const request: RegisterRequest = {
    registrationToken: values.token!,
    hostname: values.hostname ?? host.hostname,
    region: values.region!,
    pricePerGpuHour: priceOf(values.price!),
    gpus: detection.gpus.map(({ index, uuid, name, vramMb }) => ({ index, uuid, name, vramMb })),
    cpuCores: host.cpuCores,
    memoryMb: host.memoryMb,
    diskGb: host.diskGb,
    runtimes,
    ...(detection.driverVersion ? { driverVersion: detection.driverVersion } : {}),
    ...(detection.cudaVersion ? { cudaVersion: detection.cudaVersion } : {}),
    ...(values['public-address'] ? { publicAddress: values['public-address'] } : {}),
    ...(portRange ? { portRange } : {}),
    ...(values['min-bid'] !== undefined ? { minBidPerGpuHour: minBidOf(values['min-bid']) } : {}),
    ...(simulate ? { simulated: true } : {}),
  };
  out(`Detected (${detection.source}): ${request.gpus.map((gpu) => `[${gpu.index}] ${gpu.name} ${gpu.vramMb} MB`).join(', ')}; ${host.cpuCores} cores, ${host.memoryMb} MB memory, ${host.diskGb} GB free disk; runtimes ${runtimes.join(', ')}`);
  let registered;
  try {
    registered = await new ApiClient({ baseUrl: values.api! }).register(request);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new UsageError('the registration token was refused: it is used or expired. Make a new one with POST /v1/hosts/registration-tokens');
    if (error instanceof ApiError && error.status === 400) throw new UsageError(`the API refused the registration: ${error.message} ${JSON.stringify((error.body as { error?: { details?: unknown } })?.error?.details ?? '')}`);
    throw error;
  }
  saveState(paths, {
    version: 1,
    apiUrl: values.api!.replace(/\/+$/, ''),
    hostId: registered.hostId,
    agentToken: registered.agentToken,
    heartbeatIntervalSeconds: registered.heartbeatIntervalSeconds,
    region: request.region,
    pricePerGpuHour: request.pricePerGpuHour,
    ...(request.publicAddress ? { publicAddress: request.publicAddress } : {}),
    ...(request.portRange ? { portRange: request.portRange } : {}),
    allowProcessJobs,
    ...(simulate ? { simulateGpus: simulate } : {}),
    gpus: request.gpus,
    runtimes,
    cpuCores: host.cpuCores,
    memoryMb: host.memoryMb,
    registeredAt: isoTime(Date.now()),
  });
  out(`Registered host ${registered.hostId}; state in ${paths.state} (mode 0600). Start it with: ${invocation()} run${values['state-dir'] ? ` --state-dir ${paths.dir}` : ''}`);
  return 0;
};
