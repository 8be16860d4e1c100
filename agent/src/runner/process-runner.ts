import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type RunCommand } from '#agent/config/hardware.ts';
import { constants } from 'node:os';
import { ensurePrivateDir } from '#agent/core/files.ts';
import { DEFAULT_PIDS_LIMIT, resourceShare, type DockerLimits } from './limits.ts';
import { cudaVisibleDevices } from './job-env.ts';
import { StartError, type JobExit, type JobRunner, type RunningJob, type StartContext } from './types.ts';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

export const exitOf = (code: number | null, signal: NodeJS.Signals | null): JobExit =>
  code !== null ? { exitCode: code } : { exitCode: 128 + (signal ? (constants.signals[signal] ?? 0) : 0), ...(signal ? { signal } : {}) };

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
};

/** True while a process (group leader) with this pid exists. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether `pid` still runs `program` (after a reboot the pid may belong to something else). */
const runsProgram = (pid: number, program: string): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program;
  } catch {
    return false;
  }
};

/** Ends what is left of a process group from an earlier agent (SIGTERM, then SIGKILL), if it is still that job. */
export const killLeftover = async (pid: number, program: string, graceMs: number, sleep: (ms: number) => Promise<void>): Promise<void> => {
  if (!isAlive(pid) || !runsProgram(pid, program)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
};

/** The unprivileged OS user process jobs run as (the installer creates `gpuhive-job`). */
export interface JobUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Looks a user up with `id`; throws with a fix when it does not exist. */
export const resolveJobUser = async (name: string, run: RunCommand = runCommand): Promise<JobUser> => {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  const numbers = [Number(uid.stdout.trim()), Number(gid.stdout.trim())];
  if (!uid.ok || !gid.ok || !numbers.every(Number.isInteger)) {
    throw new Error(`no user ${name} on this machine: create it (sudo useradd --system --no-create-home --shell /usr/sbin/nologin ${name}) or pass another --job-user`);
  }
  if (numbers[0] === 0) throw new Error(`--job-user ${name} is root: process jobs need an unprivileged user`);
  return { name, uid: numbers[0]!, gid: numbers[1]! };
};

export interface ProcessIsolation {
  /** Run jobs as this user (the agent must be root); their working dirs then live under `workRoot`. */
  readonly jobUser?: JobUser;
  /** Where job users' working dirs go: outside the agent's state dir, which stays 0700 to them. */
  readonly workRoot?: string;
  /** The host's size: a job gets its GPU share of the memory, as a container would. */
  readonly host?: DockerLimits;
  /** Processes the job user may have at once (RLIMIT_NPROC, default 4096). */
  readonly maxProcesses?: number;
}

/** `prlimit` arguments: the job's share of the memory (data segment), processes, no core dumps (only lowered: the job user cannot raise a limit). */
export const processLimitArgs = (gpuCount: number, isolation: ProcessIsolation): string[] => {
  const memory = isolation.host ? resourceShare(gpuCount, isolation.host).memoryMb * 1024 * 1024 : undefined;
  return [
    `--nproc=${isolation.maxProcesses ?? DEFAULT_PIDS_LIMIT}`,
    '--core=0',
    ...(memory ? [`--data=${memory}`] : []),
  ];
};

const safeName = (assignmentId: string) => assignmentId.replace(/[^a-zA-Z0-9_.-]/g, '-');

/**
 * Command jobs as plain processes (only where the provider opted in): in their own process
 * group, so a stop reaches every child; pinned to their GPUs with CUDA_VISIBLE_DEVICES; with
 * PATH and LANG from the agent and nothing else of its environment (the agent token stays out).
 * With a job user: as that user, under `prlimit`, in a working dir of their own outside the
 * agent's state dir (which that user cannot read).
 */
export class ProcessRunner implements JobRunner {
  constructor(
    private readonly baseEnv: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG },
    private readonly isolation: ProcessIsolation = {},
  ) {}

  /** The job's working dir: its own, owned by the job user when there is one. */
  private workDirOf(context: StartContext): string {
    const { jobUser, workRoot } = this.isolation;
    if (!jobUser) {
      ensurePrivateDir(context.workDir);
      return context.workDir;
    }
    if (!workRoot) throw new StartError('process jobs with a job user need a work root');
    mkdirSync(workRoot, { recursive: true, mode: 0o711 });
    chmodSync(workRoot, 0o711); // others may pass through to their own dir, not list the others
    const dir = join(workRoot, safeName(context.message.assignmentId));
    ensurePrivateDir(dir);
    chownSync(dir, jobUser.uid, jobUser.gid);
    return dir;
  }

  start(context: StartContext): Promise<RunningJob> {
    const [program, ...programArgs] = context.message.command ?? [];
    if (!program) return Promise.reject(new StartError('the job has no command to run as a process'));
    const { jobUser } = this.isolation;
    let cwd: string;
    try {
      cwd = this.workDirOf(context);
    } catch (error) {
      return Promise.reject(error instanceof StartError ? error : new StartError(`cannot prepare the job's working dir: ${(error as Error).message}`));
    }
    const env = Object.fromEntries(
      Object.entries({ ...this.baseEnv, ...(jobUser ? { HOME: cwd, USER: jobUser.name, LOGNAME: jobUser.name } : {}), ...context.env, CUDA_VISIBLE_DEVICES: cudaVisibleDevices(context.message.gpuIndices) }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    // prlimit sets the limits on itself and then execs the job: the job keeps the pid and the program name.
    const [file, args] = jobUser
      ? ['prlimit', [...processLimitArgs(context.message.gpuIndices.length, this.isolation), '--', program, ...programArgs]]
      : [program, programArgs];
    return new Promise((resolve, reject) => {
      const child = childProcess().spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(jobUser ? { uid: jobUser.uid, gid: jobUser.gid } : {}) });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => context.logs.write('stdout', text));
      child.stderr.on('data', (text: string) => context.logs.write('stderr', text));
      const exited = new Promise<JobExit>((done) => child.once('close', (code, signal) => done(exitOf(code, signal))));
      child.once('error', (error) => reject(new StartError(`cannot start ${program}: ${error.message}`)));
      child.once('spawn', () => {
        const pid = child.pid!;
        context.onStarted();
        resolve({
          pid,
          exited,
          stop: async (graceMs) => {
            signalGroup(pid, 'SIGTERM');
            const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
            const exit = await exited;
            clearTimeout(timer);
            // Children that ignored the group's SIGTERM go with the leader.
            signalGroup(pid, 'SIGKILL');
            return exit;
          },
          detach: () => {
            // Process jobs do not outlive the agent: the caller stops them instead.
          },
        });
      });
    });
  }
}
