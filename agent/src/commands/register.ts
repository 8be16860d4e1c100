import { createHash, randomBytes } from 'node:crypto';
import { ApiClient } from '#agent/api/client.ts';
import type { RegisterRequest, RegisterResponse } from '#agent/api/types.ts';
import { backoffDelay, sleep as realSleep, type Sleep } from '#agent/core/backoff.ts';
import { ApiError, describeError, isRetryable } from '#agent/core/errors.ts';
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

/** Sends of one registration at most: its answer can be lost after the host was stored (a timeout, a 503). */
const REGISTER_ATTEMPTS = 5;
const REGISTER_BACKOFF = { baseMs: 1_000, capMs: 10_000 };

/**
 * Registers, sending the same request again after a network error, a 429 or a 5xx. The request
 * carries an agent token made here, so a resend of a registration that the platform stored
 * but whose answer was lost gets the same host back rather than a 401 for a used token.
 */
export const registerResending = async (client: ApiClient, request: RegisterRequest, out: Out, wait: Sleep = realSleep): Promise<RegisterResponse> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.register(request);
    } catch (error) {
      if (!isRetryable(error) || attempt >= REGISTER_ATTEMPTS) throw error;
      const delayMs = backoffDelay(attempt, REGISTER_BACKOFF);
      out(`registration not answered (${describeError(error)}); sending it again in ${(delayMs / 1000).toFixed(1)} s (${attempt} of ${REGISTER_ATTEMPTS - 1} resends)`);
      await wait(delayMs);
    }
  }
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
    agentToken: `gpuhive_agent_${randomBytes(32).toString('base64url')}`,
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
    registered = await registerResending(new ApiClient({ baseUrl: values.api! }), request, out);
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
