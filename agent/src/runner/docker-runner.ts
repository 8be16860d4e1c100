import type { ChildProcess } from 'node:child_process';
import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';
import type { AssignedPort, AssignmentMessage } from '#agent/api/types.ts';
import { runCommand, type RunCommand } from '#agent/config/hardware.ts';
import { exitOf } from './process-runner.ts';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir } from '#agent/core/files.ts';
import { StartError, type JobExit, type JobRunner, type RunningJob, type StartContext } from './types.ts';
import type { JobLogs } from './job-logs.ts';
import { DEFAULT_PIDS_LIMIT, resourceShare, type DockerLimits } from './limits.ts';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

export { DEFAULT_PIDS_LIMIT, resourceShare, type DockerLimits } from './limits.ts';

/** Docker names allow [a-zA-Z0-9_.-]; the assignment id makes it findable after a restart. */
export const containerNameOf = (assignmentId: string): string => `gpuhive-${assignmentId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;

/** A port the job listens on and the host port it is published on (from the provider's range). */
export interface PublishedPort {
  readonly containerPort: number;
  readonly hostPort: number;
}

/** How a job container is confined: see docs/isolation.md. */
export interface ContainerIsolation {
  /** `uid:gid` the job runs as; undefined only where Docker remaps users (root inside is not root outside). */
  readonly user?: string | undefined;
  /** The agent's own job network (egress to private ranges dropped), or Docker's default bridge. */
  readonly network?: string;
  /** Simulated GPUs: no `--gpus` (a daemon without the NVIDIA runtime refuses it), the same CUDA_VISIBLE_DEVICES. */
  readonly simulatedGpus?: boolean;
  /** Processes (threads included) the container may hold at once (default 4096). */
  readonly pidsLimit?: number;
  /** The job's scratch directory on the host, mounted read-write at /scratch: the only host mount. */
  readonly scratchDir?: string;
  /** The job's SSH public keys as a file on the host, mounted read-only at AUTHORIZED_KEYS_MOUNT. */
  readonly authorizedKeysFile?: string;
  /** Only these ports are published; none when empty. */
  readonly ports?: readonly PublishedPort[];
  /** Resolvers the container uses (the provider's own are usually on a private address the firewall drops). */
  readonly dns?: readonly string[];
}

/** The unprivileged user job containers run as unless Docker remaps users ("nobody"). */
export const DEFAULT_CONTAINER_USER = '65534:65534';
export const SCRATCH_MOUNT = '/scratch';
/** Where sshd looks for root's keys by default: an image that runs sshd lets the renter in as is. */
export const AUTHORIZED_KEYS_MOUNT = '/root/.ssh/authorized_keys';

/**
 * `docker run` arguments: an unprivileged user, no kernel capabilities at all, no privilege
 * gain through setuid binaries, a pids limit, the assignment's CPU and memory (no swap on
 * top), the agent's job network, only the declared ports, the scratch directory as the only
 * host mount, GPUs by device index (none asked of Docker when they are simulated), the job's env.
 */
export const dockerRunArgs = (message: AssignmentMessage, env: Record<string, string>, limits: DockerLimits, isolation: ContainerIsolation = {}): string[] => {
  const { cpus, memoryMb } = resourceShare(message.gpuIndices.length, limits);
  const user = 'user' in isolation ? isolation.user : DEFAULT_CONTAINER_USER;
  const gpus = message.gpuIndices.join(',');
  return [
    'run', '--rm', '--sig-proxy=false',
    '--name', containerNameOf(message.assignmentId),
    '--label', `gpuhive.assignment=${message.assignmentId}`,
    '--label', `gpuhive.job=${message.jobId}`,
    ...(isolation.simulatedGpus ? [] : ['--gpus', `"device=${gpus}"`]),
    ...(user ? ['--user', user] : []),
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    '--pids-limit', String(isolation.pidsLimit ?? DEFAULT_PIDS_LIMIT),
    '--cpus', String(cpus),
    '--memory', `${memoryMb}m`,
    '--memory-swap', `${memoryMb}m`,
    '--shm-size', `${Math.max(64, Math.floor(memoryMb / 4))}m`,
    ...(isolation.network ? ['--network', isolation.network] : []),
    ...(isolation.dns ?? []).flatMap((server) => ['--dns', server]),
    ...(isolation.ports ?? []).flatMap((port) => ['--publish', `${port.hostPort}:${port.containerPort}`]),
    ...(isolation.scratchDir ? ['--mount', `type=bind,source=${isolation.scratchDir},target=${SCRATCH_MOUNT}`] : []),
    ...(isolation.authorizedKeysFile ? ['--mount', `type=bind,source=${isolation.authorizedKeysFile},target=${AUTHORIZED_KEYS_MOUNT},readonly`] : []),
    ...Object.entries({ ...env, ...(isolation.simulatedGpus ? { CUDA_VISIBLE_DEVICES: gpus } : {}), ...(isolation.scratchDir ? { GPUHIVE_SCRATCH_DIR: SCRATCH_MOUNT } : {}) })
      .flatMap(([name, value]) => ['-e', `${name}=${value}`]),
    message.image!,
    ...(message.command ?? []),
  ];
};

const pipeLogs = (child: ChildProcess, logs: JobLogs) => {
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => logs.write('stdout', text));
  child.stderr?.on('data', (text: string) => logs.write('stderr', text));
};

/**
 * Image jobs: `docker run --rm` attached (its exit code is the job's), `--sig-proxy=false`
 * so the container ignores what happens to the agent: a stopping agent leaves it running, and
 * the next agent re-attaches by name (`docker wait`, `docker logs --since`). Started once
 * `docker inspect` sees it running (an image pull is not billed). Stop: `docker stop -t grace`.
 */
export interface DockerRunnerOptions {
  readonly docker?: string;
  readonly run?: RunCommand;
  /** How job containers are confined; `scratchDir`, `ports` and `authorizedKeysFile` are filled per job. */
  readonly isolation?: Omit<ContainerIsolation, 'scratchDir' | 'ports' | 'authorizedKeysFile'>;
  /** The provider's range for published ports (inclusive); a job declaring ports fails without one. */
  readonly portRange?: { readonly from: number; readonly to: number };
  /** Says why no job may start now (e.g. the egress firewall is not in place); undefined when all is well. */
  readonly preflight?: () => Promise<string | undefined>;
}

/**
 * The ports to publish: exactly those the platform reserved for the job's declared ports. A
 * job with ports on a host without a range, or a host port outside it, is refused: the agent
 * publishes nothing the provider did not open.
 */
export const publishedPorts = (declared: readonly AssignedPort[], range: { from: number; to: number } | undefined): PublishedPort[] => {
  if (declared.length === 0) return [];
  if (!range) throw new StartError('the job declares ports, but this host has no port range for jobs (gpuhive-agent register or run --port-range FROM-TO)');
  for (const port of declared) {
    if (port.hostPort < range.from || port.hostPort > range.to) throw new StartError(`host port ${port.hostPort} is outside this host's range ${range.from}-${range.to}`);
  }
  return declared.map(({ containerPort, hostPort }) => ({ containerPort, hostPort }));
};

/**
 * The job's keys beside (not inside) its scratch directory, readable by the container's user
 * (the file holds public keys only; its 0700 parents keep other host users out).
 */
const writeAuthorizedKeys = (workDir: string, keys: readonly string[]): string | undefined => {
  if (keys.length === 0) return undefined;
  const file = join(dirname(workDir), 'authorized_keys');
  writeFileSync(file, `${keys.join('\n')}\n`, { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
};

/** The job's scratch directory, writable by the container's user and nobody else on the host. */
const prepareScratch = (dir: string, user: string | undefined): void => {
  ensurePrivateDir(dir);
  const [uid, gid] = (user ?? '').split(':').map(Number);
  try {
    if (uid !== undefined && gid !== undefined && Number.isInteger(uid) && Number.isInteger(gid) && process.getuid?.() === 0) chownSync(dir, uid, gid);
    else chmodSync(dir, 0o777); // remapped or unknown uid: its parent (0700, the agent's) keeps others out
  } catch {
    chmodSync(dir, 0o777);
  }
};

/**
 * Image jobs: `docker run --rm` attached (its exit code is the job's), `--sig-proxy=false`
 * so the container ignores what happens to the agent: a stopping agent leaves it running, and
 * the next agent re-attaches by name (`docker wait`, `docker logs --since`). Started once
 * `docker inspect` sees it running (an image pull is not billed). Stop: `docker stop -t grace`.
 */
export class DockerRunner implements JobRunner {
  private readonly docker: string;
  private readonly run: RunCommand;

  constructor(
    private readonly limits: DockerLimits,
    private readonly options: DockerRunnerOptions = {},
  ) {
    this.docker = options.docker ?? 'docker';
    this.run = options.run ?? runCommand;
  }

  async start(context: StartContext): Promise<RunningJob> {
    if (!context.message.image) throw new StartError('the job has no image to run in Docker');
    const refusal = await this.options.preflight?.();
    if (refusal) throw new StartError(`this host cannot run image jobs safely now: ${refusal}`);
    const name = containerNameOf(context.message.assignmentId);
    const isolation = this.options.isolation ?? {};
    const user = 'user' in isolation ? isolation.user : DEFAULT_CONTAINER_USER;
    prepareScratch(context.workDir, user);
    const ports = publishedPorts(context.message.ports ?? [], this.options.portRange);
    const authorizedKeysFile = writeAuthorizedKeys(context.workDir, context.message.sshKeys ?? []);
    const args = dockerRunArgs(context.message, context.env, this.limits, { ...isolation, scratchDir: context.workDir, ports, ...(authorizedKeysFile ? { authorizedKeysFile } : {}) });
    const child = childProcess().spawn(this.docker, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    pipeLogs(child, context.logs);
    const exited = new Promise<JobExit>((done, fail) => {
      child.once('error', (error) => fail(new StartError(`cannot run docker: ${error.message}`)));
      child.once('close', (code, signal) => done(exitOf(code, signal)));
    });
    // Wait until the container runs, or the CLI gives up (125: docker itself failed, e.g. the pull).
    for (;;) {
      const outcome = await Promise.race([exited.then((exit) => ({ exit }), (error: Error) => ({ error })), new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
      if (outcome && 'error' in outcome) throw outcome.error;
      const inspect = await this.run(this.docker, ['inspect', '-f', '{{.State.StartedAt}}', name], 5000);
      const running = inspect.ok && !inspect.stdout.startsWith('0001-');
      if (running || (outcome && 'exit' in outcome)) {
        if (!running && outcome && outcome.exit.exitCode === 125) throw new StartError(`docker run failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
        context.onStarted();
        break;
      }
    }
    return this.following(name, exited, () => child.unref(), () => { child.stdout?.destroy(); child.stderr?.destroy(); });
  }

  /** Follows a container an earlier agent started; undefined when it is gone. */
  async reattach(assignmentId: string, logs: JobLogs, since?: string): Promise<RunningJob | undefined> {
    const name = containerNameOf(assignmentId);
    const inspect = await this.run(this.docker, ['inspect', '-f', '{{.State.Running}}', name], 5000);
    if (!inspect.ok || inspect.stdout.trim() !== 'true') return undefined;
    const follower = childProcess().spawn(this.docker, ['logs', '-f', ...(since ? ['--since', since] : []), name], { stdio: ['ignore', 'pipe', 'pipe'] });
    pipeLogs(follower, logs);
    const waiter = childProcess().spawn(this.docker, ['wait', name], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    waiter.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    const exited = new Promise<JobExit>((done) =>
      waiter.once('close', () => {
        follower.kill();
        const code = Number.parseInt(out.trim(), 10);
        done({ exitCode: Number.isFinite(code) ? code : 255 });
      }),
    );
    return this.following(name, exited, () => { waiter.unref(); follower.unref(); }, () => { waiter.kill(); follower.kill(); });
  }

  private following(name: string, exited: Promise<JobExit>, unref: () => void, release: () => void): RunningJob {
    return {
      containerName: name,
      exited,
      stop: async (graceMs) => {
        await this.run(this.docker, ['stop', '-t', String(Math.ceil(graceMs / 1000)), name], graceMs + 30_000);
        return exited;
      },
      detach: () => {
        unref();
        release();
      },
    };
  }
}
