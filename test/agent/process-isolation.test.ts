import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentMessage } from '#agent/api/types.ts';
import { ensurePrivateDir, PRIVATE_FILE } from '#agent/core/files.ts';
import { JobLogs } from '#agent/runner/job-logs.ts';
import { ProcessRunner, resolveJobUser, type JobUser } from '#agent/runner/process-runner.ts';

/**
 * Process jobs as the dedicated unprivileged user (docs/isolation.md): the agent runs as
 * root here, as the installed service does. Needs root to create the user and to setuid.
 */
const JOB_USER = 'gpuhive-job';
const isRoot = process.getuid?.() === 0;
if (!isRoot && !process.env.CI) process.stderr.write('SKIPPED process isolation tests: they need root (they create the user gpuhive-job and start jobs as it)\n');

const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-process-state-'));
const TOKEN = 'gpuhive_agent_process_isolation_token';
let user: JobUser;

const start = (runner: ProcessRunner, command: string[], assignmentId: string) => {
  const message: AssignmentMessage = { type: 'assignment', assignmentId, jobId: 'job_p', command, env: {}, gpuIndices: [0], maxDurationSeconds: 60, rank: 0, worldSize: 1, peers: [] };
  const logs = new JobLogs(join(stateDir, 'jobs', assignmentId));
  return { logs, job: runner.start({ message, env: { JOB_VAR: 'mine' }, workDir: join(stateDir, 'jobs', assignmentId, 'work'), logs, onStarted: () => undefined }) };
};

describe.runIf(isRoot || process.env.CI)('process jobs as the job user', () => {
  beforeAll(async () => {
    if (!isRoot) throw new Error('the process isolation tests need root in CI');
    if (spawnSync('id', ['-u', JOB_USER]).status !== 0) {
      const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', JOB_USER], { encoding: 'utf8' });
      if (created.status !== 0 && spawnSync('id', ['-u', JOB_USER]).status !== 0) throw new Error(`cannot create ${JOB_USER}: ${created.stderr}`);
    }
    user = await resolveJobUser(JOB_USER);
    ensurePrivateDir(stateDir);
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ agentToken: TOKEN }), { mode: PRIVATE_FILE });
    process.env.GPUHIVE_AGENT_TOKEN_FOR_TEST = TOKEN;
  });

  it('cannot read the agent\'s token or state, runs as the job user in its own dir, with the job\'s env only and its limits', async () => {
    const runner = new ProcessRunner({ PATH: process.env.PATH, HOME: '/root' }, { jobUser: user, workRoot: `${stateDir}-jobs`, host: { hostCpuCores: 2, hostMemoryMb: 4096, hostGpuCount: 1 }, maxProcesses: 512 });
    const { job, logs } = start(runner, ['sh', '-c', [
      'echo "uid=$(id -u) home=$HOME pwd=$(pwd) var=$JOB_VAR"',
      `cat ${join(stateDir, 'state.json')} && echo READ-STATE || echo state-refused`,
      `ls ${stateDir} && echo LISTED-STATE || echo list-refused`,
      `touch ${join(stateDir, 'planted')} && echo WROTE-STATE || echo write-refused`,
      'env | grep -c GPUHIVE_AGENT_TOKEN_FOR_TEST || true',
      'grep -E "^Max (processes|core file size|data size)" /proc/self/limits',
      'touch ./mine && echo own-dir-writable',
    ].join('; ')], 'proc-1');

    const exit = await (await job).exited;
    logs.close();
    const output = readFileSync(logs.file, 'utf8');
    const workDir = join(`${stateDir}-jobs`, 'proc-1');

    expect(exit.exitCode).toBe(0);
    expect(output).toContain(`uid=${user.uid} home=${workDir} pwd=${workDir} var=mine`);
    expect(output).toContain('state-refused');
    expect(output).toContain('list-refused');
    expect(output).toContain('write-refused');
    expect(output).not.toContain(TOKEN);
    expect(output).not.toMatch(/READ-STATE|LISTED-STATE|WROTE-STATE/);
    expect(output).toMatch(/^0$/m);
    expect(output).toMatch(/^Max processes\s+512\s+512\s/m);
    expect(output).toMatch(/^Max core file size\s+0\s+0\s/m);
    // 90% of the host's 4,096 MB for its only GPU.
    expect(output).toMatch(new RegExp(`^Max data size\\s+${Math.floor(4096 * 0.9) * 1024 * 1024}\\s+${Math.floor(4096 * 0.9) * 1024 * 1024}\\s`, 'm'));
    expect(output).toContain('own-dir-writable');
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(workDir).uid).toBe(user.uid);
    expect(statSync(workDir).mode & 0o777).toBe(0o700);
  });

  it('refuses root as the job user, and names the fix for a user that does not exist', async () => {
    await expect(resolveJobUser('root')).rejects.toThrow(/unprivileged/);
    await expect(resolveJobUser('gpuhive-no-such-user')).rejects.toThrow(/useradd --system/);
  });
});
