import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ApiClient } from '#agent/api/client.ts';
import type { MaintenanceWindow, RegisterRequest } from '#agent/api/types.ts';
import { describeError, ApiError } from '#agent/core/errors.ts';
import { ensurePrivateDir, readJsonFile } from '#agent/core/files.ts';
import { createLogger, type LogLevel } from '#agent/core/logger.ts';
import { readOutboxFile } from '#agent/core/outbox.ts';
import { detectDocker, detectGpus, detectHost, offeredRuntimes } from '#agent/config/hardware.ts';
import { loadState, modeOf, resolveStateDir, saveState, statePaths, type AgentState, type LastHeartbeat, type StatePaths } from '#agent/config/state.ts';
import { DockerRunner } from '#agent/runner/docker-runner.ts';
import { isAlive, ProcessRunner, resolveJobUser } from '#agent/runner/process-runner.ts';
import { firewallCheck, prepareDockerHost } from '#agent/runner/docker-host.ts';
import { sampleGpuUtilization } from '#agent/usage/gpu-utilization.ts';
import { Agent } from '#agent/worker/agent.ts';
import { readAssignmentsFile } from '#agent/worker/assignment-store.ts';
import { createHash } from 'node:crypto';
import { chooseVerifier, verificationRecordsPath } from '#agent/verify/choose.ts';
import { appendVerificationRecord, readVerificationRecords, runVerification, type VerificationRecord } from '#agent/verify/run-verification.ts';

export const VERSION = '0.1.0';

type Out = (text: string) => void;

const common = {
  'state-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const HELP: Record<string, string> = {
  main: `gpuhive-agent ${VERSION}: rents this machine's GPUs out on gpuhive.

Usage: gpuhive-agent <command> [options]

Commands:
  register   detect the hardware and register this host with a registration token
  run        run the agent: heartbeat, take assignments, run jobs, report usage
  status     show the host, its last heartbeat, the running jobs and the outbox
  doctor     check every prerequisite and the connection to the API, and say how to fix
  drain      let running jobs finish, then sign off (the host goes offline)
  verify     prove this host's GPUs to the platform now (GEMM and memory challenge)

Every command takes --state-dir DIR (default /var/lib/gpuhive-agent as root,
~/.gpuhive-agent otherwise; or GPUHIVE_AGENT_STATE_DIR) and --help.`,
  register: `Usage: gpuhive-agent register --api URL --token TOKEN --price USD --region REGION [options]

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
  --state-dir DIR`,
  run: `Usage: gpuhive-agent run [options]

Runs the agent until SIGTERM or SIGINT (then: no new work, process jobs stopped and reported,
Docker jobs left running for the next agent to re-attach, the outbox flushed). SIGUSR2 or
"gpuhive-agent drain" makes it finish its jobs and sign off.

Options:
  --drain                     finish the running jobs, sign off, exit
  --allow-process-jobs        run command jobs as processes (also settable at register)
  --usage-interval SECONDS    report usage this often per running job (default 60)
  --stop-grace SECONDS        SIGTERM -> SIGKILL grace when a job is stopped (default 10)
  --reconcile-grace SECONDS   ignore assignments younger than this when reconciling (default 120)
  --poll-wait SECONDS         SQS long-poll wait, 1..20 (default 20)
  --job-user NAME             run process jobs as this unprivileged user (the installer creates gpuhive-job)
  --port-range FROM-TO        host ports a job's declared ports are published on (default: the registered range)
  --log-level LEVEL           debug, info (default), warn, error
  --state-dir DIR`,
  status: `Usage: gpuhive-agent status [--json] [--state-dir DIR]

Shows the host, whether the agent runs, how the platform saw the host at the last heartbeat
(status, statusReason, listed: why it is or is not earning), the jobs and the outbox.`,
  doctor: `Usage: gpuhive-agent doctor [--api URL] [--simulate-gpus SPEC] [--state-dir DIR]

Checks Node.js, nvidia-smi and the GPUs it lists, Docker and the NVIDIA Container Toolkit,
the state directory, the registration and the API, and prints how to fix each problem.
Exits 1 when something needed is missing.`,
  verify: `Usage: gpuhive-agent verify [--timeout SECONDS] [--json] [--state-dir DIR]

Asks the platform for a verification run now (docs/verification.md): a GEMM whose result is
committed as a Merkle root before the platform reveals which tiles to prove, and a memory
test. With the agent running, it signals the agent (SIGUSR1), which runs it while idle, and
waits for the result; with no agent running, it runs it here. The backend is
GPUHIVE_VERIFY_BACKEND (simulated, cuda, none): by default simulated for simulated GPUs,
else the CUDA container (GPUHIVE_VERIFIER_IMAGE, built from verifier/Dockerfile).
Exits 0 when the run passed.`,
  drain: `Usage: gpuhive-agent drain [--timeout SECONDS] [--state-dir DIR]

Asks the running agent (SIGUSR2) to take no new work, let its jobs finish, and sign off;
waits until it exits (default: no limit). With no agent running and nothing running, signs
off at once.`,
};

const parse = <O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) =>
  parseArgs({ args, options: { ...common, ...options }, allowPositionals: false, strict: true });

const number = (value: string | undefined, name: string, fallback: number, min = 0): number => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new UsageError(`--${name} must be a number >= ${min}`);
  return parsed;
};

class UsageError extends Error {}

const priceOf = (value: string): string => {
  if (!/^\d+(\.\d{1,6})?$/.test(value) || Number(value) <= 0) throw new UsageError('--price must be a price in USD per GPU-hour, e.g. 0.45');
  return Number(value).toFixed(6);
};

const minBidOf = (value: string): string => {
  if (!/^\d+(\.\d{1,6})?$/.test(value)) throw new UsageError('--min-bid must be a price in USD per GPU-hour (0 sells no interruptible work), e.g. 0.20');
  return Number(value).toFixed(6);
};

const portRangeOf = (value: string | undefined): { from: number; to: number } | undefined => {
  if (value === undefined) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(value);
  const [from, to] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || from < 1024 || to > 65535 || from > to) throw new UsageError('--port-range must be FROM-TO within 1024-65535, e.g. 40000-40099');
  return { from, to };
};

/**
 * How the provider started this program, so the commands we suggest work as typed: a clone runs
 * the launcher in agent/bin through npm (`npx gpuhive-agent`); the installed bundle is
 * `gpuhive-agent` when that name on PATH is this file, else its own path.
 */
export const invocation = (env: NodeJS.ProcessEnv = process.env, script: string | undefined = process.argv[1]): string => {
  if (!script) return 'gpuhive-agent';
  const real = (path: string) => { try { return realpathSync(path); } catch { return undefined; } };
  const self = real(script) ?? script;
  if (/[/\\]agent[/\\]bin[/\\]gpuhive-agent\.mjs$/.test(self)) return 'npx gpuhive-agent';
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).some((dir) => real(join(dir, 'gpuhive-agent')) === self);
  return onPath ? 'gpuhive-agent' : script;
};

/** What to do when the API refuses the agent token: only a new registration issues another. */
const TOKEN_FIX = (dir: string): string =>
  `fix: the host was deregistered or its token is wrong (state.json edited or copied from another host). Make a new registration token (POST /v1/hosts/registration-tokens as the provider) and run: ${invocation()} register --force --api URL --token TOKEN --price USD --region REGION --state-dir ${dir}`;

const requireState = (paths: StatePaths): AgentState => {
  const state = loadState(paths);
  if (!state) throw new UsageError(`no host registered in ${paths.dir}: run ${invocation()} register first (or pass --state-dir)`);
  return state;
};

// ---- register ------------------------------------------------------------------------------

const register = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, {
    api: { type: 'string' }, token: { type: 'string' }, price: { type: 'string' }, region: { type: 'string' },
    'public-address': { type: 'string' }, hostname: { type: 'string' }, 'allow-process-jobs': { type: 'boolean' },
    'simulate-gpus': { type: 'string' }, force: { type: 'boolean' }, 'no-docker': { type: 'boolean' }, 'port-range': { type: 'string' },
    'min-bid': { type: 'string' },
  });
  if (values.help) return out(HELP.register!), 0;
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
    ...(simulate ? { simulated: true } : {}),
    ...(values['min-bid'] !== undefined ? { minBidPerGpuHour: minBidOf(values['min-bid']) } : {}),
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
    registeredAt: new Date().toISOString(),
  });
  out(`Registered host ${registered.hostId}; state in ${paths.state} (mode 0600). Start it with: ${invocation()} run${values['state-dir'] ? ` --state-dir ${paths.dir}` : ''}`);
  return 0;
};

// ---- run -----------------------------------------------------------------------------------

const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, {
    drain: { type: 'boolean' }, 'allow-process-jobs': { type: 'boolean' }, 'usage-interval': { type: 'string' }, 'stop-grace': { type: 'string' },
    'reconcile-grace': { type: 'string' }, 'poll-wait': { type: 'string' }, 'log-level': { type: 'string' },
    'job-user': { type: 'string' }, 'port-range': { type: 'string' },
  });
  if (values.help) return out(HELP.run!), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  if (existsSync(paths.pid)) {
    const pid = Number(readFileSync(paths.pid, 'utf8'));
    if (pid !== process.pid && isAlive(pid)) throw new UsageError(`an agent already runs for ${paths.dir} (pid ${pid})`);
  }
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError('--log-level must be debug, info, warn or error');
  const logger = createLogger(level);
  const allowProcessJobs = values['allow-process-jobs'] ?? state.allowProcessJobs;
  const host = { hostCpuCores: state.cpuCores, hostMemoryMb: state.memoryMb, hostGpuCount: state.gpus.length };
  const portRange = portRangeOf(values['port-range']) ?? state.portRange;
  const jobUser = values['job-user'] ? await resolveJobUser(values['job-user']) : undefined;
  if (jobUser && process.getuid?.() !== 0) throw new UsageError('--job-user needs the agent to run as root (it starts jobs as that user)');
  const dockerHost = state.runtimes.includes('docker') ? await prepareDockerHost({ logger, simulatedGpus: Boolean(state.simulateGpus) }) : undefined;
  const docker = dockerHost ? new DockerRunner(host, { isolation: dockerHost.isolation, preflight: dockerHost.preflight, ...(portRange ? { portRange } : {}) }) : undefined;
  const chosen = await chooseVerifier(state, paths);
  const agent = new Agent({
    state,
    paths,
    api: new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken, userAgent: `gpuhive-agent/${VERSION}` }),
    logger,
    runners: { ...(allowProcessJobs ? { process: new ProcessRunner(undefined, jobUser ? { jobUser, workRoot: `${paths.dir}-jobs`, host } : {}) } : {}), ...(docker ? { docker } : {}) },
    usageIntervalMs: number(values['usage-interval'], 'usage-interval', 60, 0.1) * 1000,
    stopGraceMs: number(values['stop-grace'], 'stop-grace', 10) * 1000,
    reconcileGraceMs: number(values['reconcile-grace'], 'reconcile-grace', 120) * 1000,
    poller: { waitSeconds: Math.min(20, Math.max(1, Math.round(number(values['poll-wait'], 'poll-wait', 20, 1)))) },
    ...(state.simulateGpus ? {} : { gpuUtilization: () => sampleGpuUtilization() }),
    ...(chosen.verifier ? { verifier: chosen.verifier } : {}),
  });
  if (chosen.problem) logger.warn(`no verification runs: ${chosen.problem}; the host stays unverified`);
  const onStop = (signal: string) => {
    logger.info(`${signal}: stopping (no new work; Docker jobs keep running)`);
    agent.stop();
  };
  process.once('SIGTERM', () => onStop('SIGTERM'));
  process.once('SIGINT', () => onStop('SIGINT'));
  process.on('SIGUSR2', () => agent.drain());
  process.on('SIGUSR1', () => agent.requestVerification());
  if (values.drain) agent.drain();
  let outcome: Awaited<ReturnType<Agent['run']>>;
  try {
    outcome = await agent.run();
  } finally {
    await dockerHost?.release(); // the egress rules go with the agent (kept while its containers run on)
  }
  if (outcome === 'refused') {
    process.stderr.write(`gpuhive-agent run: the API refused this host's agent token (${agent.refusedReason}).\n${TOKEN_FIX(paths.dir)}\n`);
    return 1;
  }
  logger.info(outcome === 'drained' ? 'drained and signed off' : 'stopped');
  return 0;
};

// ---- status --------------------------------------------------------------------------------

const status = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return out(HELP.status!), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  const running = pid !== undefined && isAlive(pid);
  const heartbeat = readJsonFile<LastHeartbeat>(paths.heartbeat);
  const assignments = readAssignmentsFile(paths.assignments);
  const outbox = readOutboxFile(paths.outbox);
  const byKind = { event: 0, usage: 0, logs: 0 };
  for (const entry of outbox) byKind[entry.kind] += 1;
  const report = {
    hostId: state.hostId,
    api: state.apiUrl,
    stateDir: paths.dir,
    agent: running ? { running: true, pid } : { running: false },
    lastHeartbeat: heartbeat ?? null,
    jobs: assignments.filter((record) => record.phase !== 'ended').map((record) => ({
      assignmentId: record.assignmentId, jobId: record.message.jobId, phase: record.phase, runtime: record.runtime, gpus: record.message.gpuIndices, startedAt: record.startedAt ?? null, stopReason: record.stopReason ?? null,
    })),
    recent: assignments.filter((record) => record.phase === 'ended').slice(-10).map((record) => ({ assignmentId: record.assignmentId, outcome: record.outcome, exitCode: record.exitCode ?? null, endedAt: record.endedAt })),
    outbox: { pending: outbox.length, ...byKind, oldestAt: outbox.map((entry) => entry.createdAt).sort()[0] ?? null },
    verifications: readVerificationRecords(verificationRecordsPath(paths)),
  };
  if (values.json) return out(JSON.stringify(report, null, 2)), 0;
  out(`Host ${state.hostId} (${state.gpus.length}x ${state.gpus[0]?.name ?? '?'}${state.simulateGpus ? ', simulated' : ''}) at ${state.apiUrl}, ${state.region}, ${state.pricePerGpuHour}/GPU-hour; runtimes ${state.runtimes.join(', ')}`);
  out(`Agent: ${running ? `running (pid ${pid})` : 'not running'}; state in ${paths.dir}`);
  for (const line of heartbeatLines(heartbeat, running)) out(line);
  out(`Jobs: ${report.jobs.length === 0 ? 'none running' : ''}`);
  for (const job of report.jobs) out(`  ${job.assignmentId} (job ${job.jobId}) ${job.phase} ${job.runtime} GPUs ${job.gpus.join(',')}${job.startedAt ? ` since ${job.startedAt}` : ''}${job.stopReason ? `; stopping: ${job.stopReason}` : ''}`);
  for (const job of report.recent) out(`  ended: ${job.assignmentId} ${job.outcome}${job.exitCode !== null ? ` (exit ${job.exitCode})` : ''} at ${job.endedAt}`);
  out(`Verification: ${report.verifications.length === 0 ? 'no run yet on this host' : 'latest runs'}`);
  for (const line of report.verifications.slice(-5).map(verificationLine)) out(`  ${line}`);
  out(`Outbox: ${outbox.length} waiting (${byKind.event} events, ${byKind.usage} usage records, ${byKind.logs} log chunks)${report.outbox.oldestAt ? `, oldest from ${report.outbox.oldestAt}` : ''}`);
  return 0;
};

/** What the last answer from the platform means for earning, and what to do about it. */
const heartbeatLines = (heartbeat: LastHeartbeat | undefined, running: boolean): string[] => {
  const lines: string[] = [];
  if (!heartbeat) lines.push('Last heartbeat: none yet');
  else if (heartbeat.ok) {
    const receives = heartbeat.acceptsWork === false && heartbeat.status === 'online' && heartbeat.listed ? ', NOT receiving work' : '';
    lines.push(`Last heartbeat ${heartbeat.at}: ${heartbeat.status}${heartbeat.statusReason ? ` (${heartbeat.statusReason})` : ''}, ${heartbeat.listed ? `listed${receives}` : 'NOT listed: renters cannot see this host'}${running ? '' : ' (the agent does not run now)'}`);
  } else lines.push(`Last heartbeat ${heartbeat.at} FAILED: ${heartbeat.error}`);
  lines.push(...maintenanceLines(heartbeat?.maintenance, new Date()));
  if (heartbeat?.queuePoll && running) {
    lines.push(`Queue: FAILING since ${heartbeat.queuePoll.failingSince} (${heartbeat.queuePoll.failures} polls): ${heartbeat.queuePoll.error}`);
    lines.push(`  no assignment can reach this host, so the platform places no work here; ${QUEUE_FIX}`);
  }
  return lines;
};

/** The provider's windows not yet ended, as the last heartbeat listed them: no work that could run into one is placed here. */
export const maintenanceLines = (windows: readonly MaintenanceWindow[] | undefined, now: Date): string[] => {
  const ahead = (windows ?? []).filter((window) => Date.parse(window.endsAt) > now.getTime());
  if (ahead.length === 0) return [];
  return [
    'Maintenance (no work that could run into a window is placed here):',
    ...ahead.map((window) => `  ${window.category} ${window.startsAt} to ${window.endsAt}${Date.parse(window.startsAt) <= now.getTime() ? ' (in progress)' : ''}${window.note ? `: ${window.note}` : ''}`),
  ];
};

const QUEUE_FIX = 'the agent renews its queue credentials and endpoint every few failed polls on its own. If it persists: check that outbound HTTPS to the queue endpoint is allowed, then restart the agent; gpuhive-agent doctor tests the connection';

// ---- doctor --------------------------------------------------------------------------------

interface Check {
  readonly name: string;
  readonly ok: boolean | 'warn';
  readonly detail: string;
  readonly fix?: string;
  /** Printed under the check's own line. */
  readonly lines?: readonly string[];
}

const doctor = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { api: { type: 'string' }, 'simulate-gpus': { type: 'string' } });
  if (values.help) return out(HELP.doctor!), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = loadState(paths);
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'Node.js', ok: major >= 20, detail: `v${process.versions.node}`, fix: 'install Node.js 20 or newer: https://nodejs.org/en/download (or your distribution\'s nodejs 20+ package)' });

  const simulate = values['simulate-gpus'] ?? state?.simulateGpus;
  const gpus = await detectGpus(simulate ? { simulate } : {});
  if (gpus.source === 'none') {
    checks.push({ name: 'nvidia-smi', ok: false, detail: gpus.problems.join('; '), fix: 'install the NVIDIA driver (e.g. `sudo ubuntu-drivers install` or https://www.nvidia.com/drivers), then check that `nvidia-smi` lists your GPUs' });
  } else {
    checks.push({
      name: gpus.source === 'simulated' ? 'GPUs (simulated)' : 'nvidia-smi',
      ok: gpus.gpus.length > 0,
      detail: `${gpus.gpus.length} GPU(s)${gpus.driverVersion ? `, driver ${gpus.driverVersion}` : ''}${gpus.cudaVersion ? `, CUDA ${gpus.cudaVersion}` : ''}`,
      fix: 'nvidia-smi runs but lists no usable GPU: check `nvidia-smi -L` and the driver logs (dmesg | grep -i nvidia)',
      lines: gpus.gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.name}, ${gpu.vramMb} MB, ${gpu.uuid}`),
    });
    for (const problem of gpus.problems) checks.push({ name: 'nvidia-smi output', ok: 'warn', detail: problem });
  }

  const docker = await detectDocker();
  if (!docker.available) {
    const problem = docker.problem ?? 'not available';
    const fix = /permission denied/i.test(problem)
      ? 'add the agent\'s user to the docker group: `sudo usermod -aG docker $USER`, then log in again'
      : /Cannot connect to the Docker daemon/i.test(problem)
        ? 'start the Docker daemon: `sudo systemctl enable --now docker`'
        : 'install Docker Engine (https://docs.docker.com/engine/install/) to take image jobs; without it only --allow-process-jobs work';
    checks.push({ name: 'Docker', ok: 'warn', detail: problem, fix });
  } else {
    checks.push({ name: 'Docker', ok: true, detail: 'the daemon answers' });
    checks.push({ name: 'NVIDIA Container Toolkit', ok: docker.nvidiaRuntime ? true : 'warn', detail: docker.nvidiaRuntime ? 'present' : 'missing: containers cannot see the GPUs', fix: 'install it: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html, then `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`' });
  }

  const dirMode = modeOf(paths.dir);
  const stateMode = modeOf(paths.state);
  checks.push({ name: 'state directory', ok: dirMode !== undefined ? true : 'warn', detail: dirMode === undefined ? `${paths.dir} does not exist` : `${paths.dir} (mode ${dirMode.toString(8)})`, fix: 'run gpuhive-agent register (or pass the --state-dir you registered with)' });
  if (stateMode !== undefined && (stateMode & 0o077) !== 0) checks.push({ name: 'state file permissions', ok: false, detail: `${paths.state} is mode ${stateMode.toString(8)}: other users can read the agent token`, fix: `chmod 600 ${paths.state}` });
  if (!state) checks.push({ name: 'registration', ok: 'warn', detail: 'no host registered here', fix: 'gpuhive-agent register --api URL --token TOKEN --price 0.45 --region eu-west' });
  else {
    checks.push({ name: 'registration', ok: true, detail: `host ${state.hostId}, runtimes ${state.runtimes.join(', ')}` });
    if (state.runtimes.includes('docker') && !docker.available) checks.push({ name: 'runtimes', ok: false, detail: 'registered with docker, but Docker does not answer now: image jobs would fail', fix: 'start Docker (`sudo systemctl start docker`)' });
    if (state.runtimes.includes('docker')) checks.push(await firewallCheck(existsSync(paths.pid) && isAlive(Number(readFileSync(paths.pid, 'utf8')))));
  }

  const apiUrl = values.api ?? state?.apiUrl;
  if (apiUrl) {
    const api = new ApiClient({ baseUrl: apiUrl, timeoutMs: 5000, ...(state ? { agentToken: state.agentToken } : {}) });
    try {
      if (state) {
        const credentials = await api.queueCredentials();
        checks.push({ name: 'API', ok: true, detail: `${apiUrl} accepts the agent token; queue ${credentials.queueUrl.split('/').pop()}${credentials.endpoint ? ` at ${credentials.endpoint}` : ''}` });
        // Assignments arrive over SQS directly: a firewall that lets the API through may still block it.
        const sqsOrigin = new URL(credentials.endpoint ?? credentials.queueUrl).origin;
        try {
          const answer = await fetch(sqsOrigin, { signal: AbortSignal.timeout(5000) });
          checks.push({ name: 'queue (SQS)', ok: true, detail: `${sqsOrigin} reachable (HTTP ${answer.status})` });
        } catch (error) {
          checks.push({ name: 'queue (SQS)', ok: false, detail: `${sqsOrigin}: ${describeError(error)}: no assignment can reach this host`, fix: `allow outbound HTTPS from this machine to ${new URL(sqsOrigin).host}` });
        }
      } else {
        const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/install.sh`, { signal: AbortSignal.timeout(5000) });
        checks.push({ name: 'API', ok: response.status < 500, detail: `${apiUrl} answers (${response.status})` });
      }
    } catch (error) {
      const refused = error instanceof ApiError && error.unauthorized;
      checks.push({
        name: 'API', ok: false, detail: `${apiUrl}: ${describeError(error)}`,
        fix: refused ? TOKEN_FIX(paths.dir).replace(/^fix: /, '') : 'check the URL, DNS, proxies and that outbound HTTPS is allowed from this machine',
      });
    }
  } else checks.push({ name: 'API', ok: 'warn', detail: 'no API to check', fix: 'pass --api URL, or register first' });
  const heartbeat = readJsonFile<LastHeartbeat>(paths.heartbeat);
  if (heartbeat?.ok && heartbeat.status !== 'online') checks.push({ name: 'host status', ok: 'warn', detail: `${heartbeat.status}: ${heartbeat.statusReason ?? ''}` });
  if (heartbeat?.ok && heartbeat.listed === false) checks.push({ name: 'listing', ok: 'warn', detail: 'the host is not listed: renters cannot see it', fix: 'PATCH /v1/hosts/{hostId} {"listed": true} as the provider' });
  const agentRuns = existsSync(paths.pid) && isAlive(Number(readFileSync(paths.pid, 'utf8')));
  if (heartbeat?.queuePoll && agentRuns) {
    checks.push({
      name: 'queue poll (running agent)', ok: false,
      detail: `failing since ${heartbeat.queuePoll.failingSince} (${heartbeat.queuePoll.failures} polls): ${heartbeat.queuePoll.error}; no assignment reaches this host and the platform places no work here`,
      fix: QUEUE_FIX,
    });
  }

  for (const check of checks) {
    const mark = check.ok === true ? 'ok  ' : check.ok === 'warn' ? 'warn' : 'FAIL';
    out(`[${mark}] ${check.name}: ${check.detail}`);
    for (const line of check.lines ?? []) out(`       ${line}`);
    if (check.ok !== true && check.fix) out(`       fix: ${check.fix}`);
  }
  const failed = checks.filter((check) => check.ok === false).length;
  out(failed === 0 ? 'Nothing blocks this host.' : `${failed} problem(s) to fix.`);
  return failed === 0 ? 0 : 1;
};

// ---- verify --------------------------------------------------------------------------------

const verificationLine = (record: VerificationRecord): string =>
  `${record.endedAt} ${record.runId} (${record.backend}): ${record.outcome}${record.score !== undefined ? `, score ${record.score}` : ''}${record.gpus ? ` [${record.gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.tflops} TFLOPS, ${gpu.bandwidthGBs} GB/s`).join('; ')}]` : ''}${record.reason ? `: ${record.reason}` : ''}`;

const verify = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { timeout: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return out(HELP.verify!), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const recordsPath = verificationRecordsPath(paths);
  const deadline = Date.now() + number(values.timeout, 'timeout', 900, 1) * 1000;
  const show = (record: VerificationRecord): number => {
    out(values.json ? JSON.stringify(record, null, 2) : `Verification ${verificationLine(record)}`);
    return record.outcome === 'passed' ? 0 : 1;
  };
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  if (pid !== undefined && isAlive(pid)) {
    const before = new Set(readVerificationRecords(recordsPath).map((record) => record.runId));
    process.kill(pid, 'SIGUSR1');
    if (!values.json) out(`Asked the agent (pid ${pid}) for a verification run; it runs while no job does.`);
    while (Date.now() < deadline) {
      const fresh = readVerificationRecords(recordsPath).find((record) => !before.has(record.runId));
      if (fresh) return show(fresh);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    out('No result yet (the agent runs it while idle); check with gpuhive-agent status.');
    return 1;
  }
  const chosen = await chooseVerifier(state, paths);
  if (!chosen.verifier) throw new UsageError(chosen.problem ?? 'no verifier backend');
  const api = new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken, userAgent: `gpuhive-agent/${VERSION}` });
  const running = readAssignmentsFile(paths.assignments).filter((record) => record.phase === 'running' || record.phase === 'starting').map((record) => record.assignmentId);
  let answer = await api.heartbeat({ runningAssignments: running, requestVerification: true });
  while (!answer.verification && Date.now() < deadline) {
    // A run in flight elsewhere, or the host is busy: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    answer = await api.heartbeat({ runningAssignments: running, requestVerification: true });
  }
  if (!answer.verification) throw new UsageError(`the platform issued no run: the host is ${answer.status}${answer.statusReason ? ` (${answer.statusReason})` : ''}; a run needs an online host with no job running`);
  const logger = createLogger(values.json ? 'warn' : 'info');
  const record = await runVerification(answer.verification, { api, backend: chosen.verifier.backend, gpus: chosen.verifier.gpus, signal: new AbortController().signal, logger });
  appendVerificationRecord(recordsPath, record);
  return show(record);
};

// ---- drain ---------------------------------------------------------------------------------

const drain = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { timeout: { type: 'string' } });
  if (values.help) return out(HELP.drain!), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGUSR2');
    out(`Asked the agent (pid ${pid}) to drain: it takes no new work, lets its jobs finish, then signs off.`);
    const deadline = values.timeout ? Date.now() + number(values.timeout, 'timeout', 0) * 1000 : Infinity;
    while (isAlive(pid)) {
      if (Date.now() > deadline) return out('Still draining (the agent keeps going); check with gpuhive-agent status.'), 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    out('The agent drained and exited.');
    return 0;
  }
  const active = readAssignmentsFile(paths.assignments).filter((record) => record.phase !== 'ended');
  const pending = readOutboxFile(paths.outbox).filter((entry) => entry.kind !== 'logs');
  if (active.length > 0 || pending.length > 0) {
    out(`No agent runs, but ${active.length} job(s) and ${pending.length} report(s) are unfinished: run \`gpuhive-agent run --drain\` to finish them and sign off.`);
    return 1;
  }
  const result = await new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken }).signOff();
  out(`Signed off: the host is ${result.status}.`);
  return 0;
};

// ---- main ----------------------------------------------------------------------------------

const commands: Record<string, (args: string[], out: Out) => Promise<number>> = { register, run, status, doctor, drain, verify };

export const main = async (argv: string[], out: Out = (text) => process.stdout.write(`${text}\n`)): Promise<number> => {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return out(HELP.main!), command ? 0 : 2;
  if (command === '--version') return out(VERSION), 0;
  const handler = commands[command];
  if (!handler) {
    process.stderr.write(`gpuhive-agent: unknown command "${command}"\n\n${HELP.main}\n`);
    return 2;
  }
  try {
    return await handler(rest, out);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`gpuhive-agent ${command}: ${describeError(error)}\n`);
    return usage ? 2 : 1;
  }
};
