import { existsSync, readFileSync } from 'node:fs';
import { ApiClient } from '#agent/api/client.ts';
import { createLogger, type LogLevel } from '#agent/core/logger.ts';
import { resolveStateDir, statePaths } from '#agent/config/state.ts';
import { DockerRunner } from '#agent/runner/docker-runner.ts';
import { prepareDockerHost } from '#agent/runner/docker-host.ts';
import { jobNetworkNames } from '#agent/runner/job-network.ts';
import { DEFAULT_MIN_JOB_MEMORY_MB } from '#agent/runner/limits.ts';
import { isAlive, ProcessRunner, resolveJobUser } from '#agent/runner/process-runner.ts';
import { sampleGpuUtilization } from '#agent/usage/gpu-utilization.ts';
import { chooseVerifier } from '#agent/verify/choose.ts';
import { Agent } from '#agent/worker/agent.ts';
import { DEFAULT_QUEUE_RETRY_CAP_MS } from '#agent/worker/queue-poller.ts';
import { number, parse, portRangeOf, requireState, TOKEN_FIX, UsageError, VERSION, type Out } from './common.ts';

/** `gpuhive-agent run`: the agent itself, until a signal stops or drains it. */

export const help = `Usage: gpuhive-agent run [options]

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
  --queue-retry-max SECONDS   longest wait between failed queue polls, at least 1 (default 30): how
                              late the agent takes work again once its queue answers
  --min-job-memory MB         the least memory a job gets, however small its share of the host
                              (default 1024)
  --job-user NAME             run process jobs as this unprivileged user (the installer creates gpuhive-job)
  --port-range FROM-TO        host ports a job's declared ports are published on (default: the registered range)
  --log-level LEVEL           debug, info (default), warn, error
  --state-dir DIR`;

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, {
    drain: { type: 'boolean' }, 'allow-process-jobs': { type: 'boolean' }, 'usage-interval': { type: 'string' }, 'stop-grace': { type: 'string' },
    'reconcile-grace': { type: 'string' }, 'poll-wait': { type: 'string' }, 'queue-retry-max': { type: 'string' }, 'log-level': { type: 'string' },
    'job-user': { type: 'string' }, 'port-range': { type: 'string' }, 'min-job-memory': { type: 'string' },
  });
  if (values.help) return out(help), 0;
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
  const minJobMemoryMb = Math.round(number(values['min-job-memory'], 'min-job-memory', DEFAULT_MIN_JOB_MEMORY_MB, 64));
  const host = { hostCpuCores: state.cpuCores, hostMemoryMb: state.memoryMb, hostGpuCount: state.gpus.length, minJobMemoryMb };
  const portRange = portRangeOf(values['port-range']) ?? state.portRange;
  const jobUser = values['job-user'] ? await resolveJobUser(values['job-user']) : undefined;
  if (jobUser && process.getuid?.() !== 0) throw new UsageError('--job-user needs the agent to run as root (it starts jobs as that user)');
  const dockerHost = state.runtimes.includes('docker') ? await prepareDockerHost({ logger, names: jobNetworkNames(paths.dir), simulatedGpus: Boolean(state.simulateGpus) }) : undefined;
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
    poller: {
      waitSeconds: Math.min(20, Math.max(1, Math.round(number(values['poll-wait'], 'poll-wait', 20, 1)))),
      retryCapMs: number(values['queue-retry-max'], 'queue-retry-max', DEFAULT_QUEUE_RETRY_CAP_MS / 1000, 1) * 1000,
    },
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
