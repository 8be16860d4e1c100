import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCliBundle } from '#cli/bundle.ts';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let bundle: Promise<string> | undefined;

/** The single-file CLI renters install (cli/bundle.ts), built once per test file: plain Node starts it fast. */
export const cliBundle = (): Promise<string> => {
  bundle ??= (async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpuhive-cli-')), 'gpuhive.mjs');
    await writeCliBundle(file);
    return file;
  })();
  return bundle;
};

/**
 * Starts `gpuhive ARGS` as a user would: a separate Node process running the bundled CLI,
 * with only the environment given (plus PATH), so no GPUHIVE_* setting leaks in from here.
 * Asynchronous on purpose: a local runtime in this process must keep serving meanwhile.
 * `stdout()` shows what it printed so far, for commands that run until something happens.
 */
export const startGpuhive = (args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}) => {
  let stdout = '';
  let stderr = '';
  const result = cliBundle().then((bin) => new Promise<CliRun>((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], {
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
  }));
  return { result, stdout: () => stdout };
};

export const gpuhive = (args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> =>
  startGpuhive(args, options).result;
