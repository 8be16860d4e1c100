import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface SpawnedRuntime {
  readonly apiUrl: string;
  readonly adminKey: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly process: ChildProcess;
  /** Signals the whole process group, as Ctrl-C does, and resolves once npm exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const READY_WITHIN_MS = 150_000;

/** `npm start -- ...` as a user runs it, in its own process group (which its children keep), output piped. */
export const startNpm = (args: readonly string[], env: Record<string, string> = {}, cwd?: string): ChildProcessByStdio<null, Readable, Readable> =>
  spawn('npm', ['start', '--silent', '--', ...args], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    ...(cwd ? { cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so npm and node can be signalled together, as Ctrl-C does.
    detached: true,
  });

/** Starts the backend exactly as a user does, `npm start -- ...`, and waits for its banner. */
export const spawnRuntime = (args: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<SpawnedRuntime> =>
  new Promise((resolve, reject) => {
    const child = startNpm(args, env, cwd);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    // Generous: a start took over 60 s with the machine at a load of 40.
    const timer = setTimeout(() => {
      signalGroup('SIGKILL');
      reject(new Error(`npm start was not ready in ${READY_WITHIN_MS / 1000} s.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, READY_WITHIN_MS);
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const apiUrl = /API:\s+(\S+)/.exec(stdout)?.[1];
      const adminKey = /Admin key:\s+(\S+)/.exec(stdout)?.[1];
      if (apiUrl && adminKey && stdout.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({
          apiUrl,
          adminKey,
          stdout: () => stdout,
          stderr: () => stderr,
          process: child,
          stop: async (signal = 'SIGINT') => {
            if (child.exitCode === null && child.signalCode === null) signalGroup(signal);
            return exited;
          },
        });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before it was ready.\nstderr: ${stderr}`));
    });
  });
