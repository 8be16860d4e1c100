import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BIN = resolve('cli/bin/gpuhive.mjs');

/**
 * Starts `gpuhive ARGS` as a user would: a separate Node process through the package's bin,
 * with only the environment given (plus PATH), so no GPUHIVE_* setting leaks in from here.
 * Asynchronous on purpose: a local runtime in this process must keep serving meanwhile.
 * `stdout()` shows what it printed so far, for commands that run until something happens.
 */
export const startGpuhive = (args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}) => {
  let stdout = '';
  let stderr = '';
  const result = new Promise<CliRun>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
  return { result, stdout: () => stdout };
};

export const gpuhive = (args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> =>
  startGpuhive(args, options).result;
