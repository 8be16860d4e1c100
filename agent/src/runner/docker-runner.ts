import { spawn } from 'node:child_process';
import type { AssignmentMessage } from '#agent/api/types.ts';
import { runCommand, type RunCommand } from '#agent/config/hardware.ts';
import { exitOf } from './process-runner.ts';
import { StartError, type JobExit, type JobRunner, type RunningJob, type StartContext } from './types.ts';
import type { JobLogs } from './job-logs.ts';

/** Docker names allow [a-zA-Z0-9_.-]; the assignment id makes it findable after a restart. */
export const containerNameOf = (assignmentId: string): string => `gpuhive-${assignmentId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;

export interface DockerLimits {
  /** CPU cores and memory of the whole host, shared out by the job's share of its GPUs. */
  readonly hostCpuCores: number;
  readonly hostMemoryMb: number;
  readonly hostGpuCount: number;
}

/**
 * Kernel capabilities Docker grants by default that training jobs never need but an escape or
 * a network attack would use (raw sockets, device nodes, chroot, file capabilities, audit).
 */
const DROPPED_CAPABILITIES = ['NET_RAW', 'MKNOD', 'SYS_CHROOT', 'SETFCAP', 'AUDIT_WRITE'] as const;

/**
 * `docker run` arguments: GPUs by device index, the job's env, labels, name, a fair share of
 * CPU and memory, no privilege gain through setuid binaries and fewer kernel capabilities.
 */
export const dockerRunArgs = (message: AssignmentMessage, env: Record<string, string>, limits: DockerLimits): string[] => {
  const share = Math.min(1, message.gpuIndices.length / Math.max(1, limits.hostGpuCount));
  const cpus = Math.max(1, Math.floor(limits.hostCpuCores * share));
  const memoryMb = Math.max(1024, Math.floor(limits.hostMemoryMb * share * 0.9));
  return [
    'run', '--rm', '--sig-proxy=false',
    '--name', containerNameOf(message.assignmentId),
    '--label', `gpuhive.assignment=${message.assignmentId}`,
    '--label', `gpuhive.job=${message.jobId}`,
    '--gpus', `"device=${message.gpuIndices.join(',')}"`,
    '--cpus', String(cpus),
    '--memory', `${memoryMb}m`,
    '--shm-size', `${Math.max(1024, Math.floor(memoryMb / 4))}m`,
    '--pids-limit', '8192',
    '--security-opt', 'no-new-privileges',
    ...DROPPED_CAPABILITIES.flatMap((capability) => ['--cap-drop', capability]),
    ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
    message.image!,
    ...(message.command ?? []),
  ];
};

const pipeLogs = (child: ReturnType<typeof spawn>, logs: JobLogs) => {
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
export class DockerRunner implements JobRunner {
  constructor(
    private readonly limits: DockerLimits,
    private readonly docker = 'docker',
    private readonly run: RunCommand = runCommand,
  ) {}

  async start(context: StartContext): Promise<RunningJob> {
    if (!context.message.image) throw new StartError('the job has no image to run in Docker');
    const name = containerNameOf(context.message.assignmentId);
    const child = spawn(this.docker, dockerRunArgs(context.message, context.env, this.limits), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const follower = spawn(this.docker, ['logs', '-f', ...(since ? ['--since', since] : []), name], { stdio: ['ignore', 'pipe', 'pipe'] });
    pipeLogs(follower, logs);
    const waiter = spawn(this.docker, ['wait', name], { stdio: ['ignore', 'pipe', 'ignore'] });
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
