import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobLogs } from '#agent/runner/job-logs.ts';
import { isAlive, killLeftover, ProcessRunner } from '#agent/runner/process-runner.ts';
import { spawn } from 'node:child_process';
import { StartError } from '#agent/runner/types.ts';
import type { AssignmentMessage } from '#agent/api/types.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'runner-'));
const message = (command: string[]): AssignmentMessage => ({
  type: 'assignment', assignmentId: 'a-1', jobId: 'j-1', command, env: {}, gpuIndices: [1, 3], maxDurationSeconds: 60, rank: 0, worldSize: 1, peers: [],
});
const start = (command: string[], env: Record<string, string> = {}) => {
  const root = dir();
  const logs = new JobLogs(join(root, 'logs'));
  let started = false;
  return {
    logs,
    root,
    started: () => started,
    job: new ProcessRunner({ PATH: process.env.PATH }).start({ message: message(command), env, workDir: join(root, 'work'), logs, onStarted: () => { started = true; } }),
  };
};

describe('ProcessRunner', () => {
  it('pins the job to its GPUs, passes its env, runs in its work dir and captures its output', async () => {
    const { job, logs, root, started } = start(['sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES $GREETING $(pwd)"; echo oops >&2; exit 3'], { GREETING: 'hi' });

    const exit = await (await job).exited;
    logs.close();

    expect(started()).toBe(true);
    expect(exit).toEqual({ exitCode: 3 });
    expect(readFileSync(logs.file, 'utf8')).toContain(`1,3 hi ${join(root, 'work')}`);
    expect(logs.tail(1)).toBe('oops');
  });

  it('does not hand the agent\'s own environment to the job', async () => {
    process.env.GPUHIVE_SECRET_FOR_TEST = 'leak';
    const { job, logs } = start(['sh', '-c', 'echo "[${GPUHIVE_SECRET_FOR_TEST:-}]"']);

    await (await job).exited;
    logs.close();

    expect(readFileSync(logs.file, 'utf8')).toBe('[]\n');
    delete process.env.GPUHIVE_SECRET_FOR_TEST;
  });

  it('stops with SIGTERM and lets the job clean up within the grace', async () => {
    const { job, logs } = start(['sh', '-c', 'trap "echo cleaned; exit 143" TERM; echo ready; while true; do sleep 0.1; done']);
    const running = await job;
    await expect.poll(() => readFileSync(logs.file, 'utf8')).toContain('ready');

    const exit = await running.stop(5000);
    logs.close();

    expect(exit.exitCode).toBe(143);
    expect(readFileSync(logs.file, 'utf8')).toContain('cleaned');
  });

  it('kills with SIGKILL a job that ignores SIGTERM past the grace', async () => {
    const { job, logs } = start(['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done']);
    const running = await job;
    await expect.poll(() => readFileSync(logs.file, 'utf8')).toContain('ready');

    const exit = await running.stop(300);

    expect(exit).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('fails to start, with the reason, when the program does not exist', async () => {
    const { job } = start(['/no/such/program']);

    await expect(job).rejects.toThrow(StartError);
    await expect(job).rejects.toThrow(/cannot start \/no\/such\/program/);
  });
});

describe('killLeftover', () => {
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  it('ends a process group an earlier agent left behind', async () => {
    const leftover = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => leftover.once('exit', resolve));

    await killLeftover(leftover.pid!, 'sleep', 1000, sleep);

    await exited;
    expect(isAlive(leftover.pid!)).toBe(false);
  });

  it('leaves alone a process that now runs another program under the same pid', async () => {
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });

    await killLeftover(other.pid!, 'python', 1000, sleep);

    expect(isAlive(other.pid!)).toBe(true);
    other.kill('SIGKILL');
  });
});

describe('JobLogs', () => {
  it('rotates the log file past its size and keeps the newest lines', () => {
    const root = dir();
    const logs = new JobLogs(root, { maxFileBytes: 100, keepFiles: 2 });

    for (let i = 0; i < 30; i += 1) logs.write('stdout', `line ${String(i).padStart(3, '0')}\n`);
    logs.close();

    expect(readdirSync(root).sort()).toEqual(['output.log', 'output.log.1', 'output.log.2']);
    expect(logs.tail(2)).toBe('line 028\nline 029');
  });

  it('hands on chunks per stream, none larger than the chunk size', () => {
    const chunks: [string, string][] = [];
    const logs = new JobLogs(dir(), { chunkChars: 10, onChunk: (stream, data) => chunks.push([stream, data]) });

    logs.write('stdout', 'abcdefghijklmnop');
    logs.write('stderr', 'err');
    logs.close();

    expect(chunks).toEqual([['stdout', 'abcdefghij'], ['stdout', 'klmnop'], ['stderr', 'err']]);
  });
});
