import { execFileSync } from 'node:child_process';

/**
 * `npm start` is npm -> node (this runtime, with tsx's loader): the script execs node, so the
 * SIGINT or SIGTERM npm passes to its child reaches this process. That chain breaks when a
 * launcher dies without passing a signal on (npm SIGKILLed by a supervisor, an older npm, a
 * script run through a `sh` that does not exec), and this process would live on with
 * DynamoDB Local's java. So the runtime also finds, as it starts, the processes it was launched
 * through (its parent and, when npm launched it, every process up to npm) and hears once when
 * any of them is gone, to stop itself and its children whoever signalled whom.
 */
const MAX_DEPTH = 6;

/** A process's parent and command line, as ps shows them (Linux and macOS alike). */
const processInfo = (pid: number): { ppid: number; args: string } | undefined => {
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const match = /^(\d+)\s+(.*)$/.exec(line);
    return match ? { ppid: Number(match[1]), args: match[2] ?? '' } : undefined;
  } catch {
    return undefined;
  }
};

/** The launch chain above this process: its parent and, when npm ran it, every process up to npm. */
export const launchAncestors = (): number[] => {
  const underNpm = process.env.npm_lifecycle_event !== undefined;
  const chain: number[] = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < MAX_DEPTH) {
    chain.push(pid);
    if (!underNpm) break;
    const info = processInfo(pid);
    // npm titles its process `npm <command> ...`: the chain ends there.
    if (!info || /^npm(\s|$)/.test(info.args)) break;
    pid = info.ppid;
  }
  return chain;
};

/** Whether a process with this id exists (EPERM: it does, owned by another user). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Calls `onGone` once, within about `everyMs`, after any of `launchers` has exited (or this process
 * was re-parented). `launchers` is what `launchAncestors` found as the process started, its parent
 * first: found later, a launcher killed in between would be missed (the chain would start at init),
 * and the runtime would live on with its java.
 */
export const watchLaunchers = (launchers: readonly number[], onGone: () => void, everyMs = 1000): (() => void) => {
  const parent = launchers[0] ?? process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent || launchers.some((pid) => !isAlive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};
