import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { ensurePrivateDir } from '#agent/core/files.ts';
import { cudaVisibleDevices } from './job-env.ts';
import { StartError, type JobExit, type JobRunner, type RunningJob, type StartContext } from './types.ts';

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

/**
 * Command jobs as plain processes (only where the provider opted in): in their own process
 * group, so a stop reaches every child; pinned to their GPUs with CUDA_VISIBLE_DEVICES; with
 * PATH and HOME from the agent and nothing else of its environment (the agent token stays out).
 */
export class ProcessRunner implements JobRunner {
  constructor(private readonly baseEnv: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG }) {}

  start(context: StartContext): Promise<RunningJob> {
    const [file, ...args] = context.message.command ?? [];
    if (!file) return Promise.reject(new StartError('the job has no command to run as a process'));
    ensurePrivateDir(context.workDir);
    const env = Object.fromEntries(
      Object.entries({ ...this.baseEnv, ...context.env, CUDA_VISIBLE_DEVICES: cudaVisibleDevices(context.message.gpuIndices) }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd: context.workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => context.logs.write('stdout', text));
      child.stderr.on('data', (text: string) => context.logs.write('stderr', text));
      const exited = new Promise<JobExit>((done) => child.once('close', (code, signal) => done(exitOf(code, signal))));
      child.once('error', (error) => reject(new StartError(`cannot start ${file}: ${error.message}`)));
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
