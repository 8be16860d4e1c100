import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { startTestRuntime } from '#test/support/local-runtime.ts';

/** The public distribution routes, and the installer run for real against the local API. */
let runtime: LocalRuntime;

/** Runs `sh -s -- args` with the script on stdin, without blocking this process (the API runs in it). */
const runInstaller = (script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-s', '--', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(script);
  });

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime?.stop());

describe('agent distribution', () => {
  it('serves the installer without auth, with this API\'s URL in it, as valid sh', async () => {
    const response = await fetch(`${runtime.apiUrl}/install.sh`);
    const script = await response.text();
    const file = join(mkdtempSync(join(tmpdir(), 'install-')), 'install.sh');
    writeFileSync(file, script);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/shellscript/);
    expect(script).toContain(`API="\${GPUHIVE_API:-${runtime.apiUrl}}"`);
    expect(spawnSync('sh', ['-n', file]).status).toBe(0);
  });

  it('serves the agent as one file that runs on plain Node.js', async () => {
    const response = await fetch(`${runtime.apiUrl}/agent/gpuhive-agent.mjs`);
    const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'gpuhive-agent.mjs');
    writeFileSync(file, await response.text());

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(execFileSync(process.execPath, [file, '--help'], { encoding: 'utf8' })).toContain('Usage: gpuhive-agent <command>');
  });

  it('installs: checks prerequisites, downloads the agent, registers, and says how to run it without systemd', async () => {
    const provider = await fetch(`${runtime.apiUrl}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${runtime.adminKey}` }, body: JSON.stringify({ kind: 'provider', name: 'Installer' }) }).then((r) => r.json() as Promise<{ apiKey: string }>);
    const token = await fetch(`${runtime.apiUrl}/v1/hosts/registration-tokens`, { method: 'POST', headers: { authorization: `Bearer ${provider.apiKey}` } }).then((r) => r.json() as Promise<{ token: string }>);
    const root = mkdtempSync(join(tmpdir(), 'installed-'));
    const script = await fetch(`${runtime.apiUrl}/install.sh`).then((r) => r.text());

    const run = await runInstaller(script, ['--token', token.token, '--price', '0.45', '--region', 'eu-west', '--simulate-gpus', 'RTX 4090:24564', '--allow-process-jobs', '--no-service'], {
      ...process.env, GPUHIVE_PREFIX: join(root, 'opt'), GPUHIVE_STATE_DIR: join(root, 'state'),
    });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ok {4}Node\.js v\d+/);
    expect(run.stdout).toMatch(/Registered host \S+/);
    expect(run.stdout).toContain(`Run the agent in the foreground with:\n  ${join(root, 'opt', 'gpuhive-agent')} run --state-dir ${join(root, 'state')}`);
    expect(statSync(join(root, 'state', 'state.json')).mode & 0o777).toBe(0o600);
    const status = execFileSync(join(root, 'opt', 'gpuhive-agent'), ['status', '--json', '--state-dir', join(root, 'state')], { encoding: 'utf8' });
    expect(JSON.parse(status)).toMatchObject({ api: runtime.apiUrl, agent: { running: false }, jobs: [] });
  });

  it('stops with a one-line fix for each missing prerequisite', async () => {
    const script = await fetch(`${runtime.apiUrl}/install.sh`).then((r) => r.text());
    const emptyPath = mkdtempSync(join(tmpdir(), 'no-tools-'));

    const run = await runInstaller(script, ['--no-service'], { PATH: emptyPath, HOME: emptyPath });

    expect(run.status).toBe(1);
    expect(run.stdout).toContain('MISSING Node.js 20 or newer\n        fix: curl -fsSL https://deb.nodesource.com/setup_22.x');
    expect(run.stdout).toContain('MISSING nvidia-smi (the NVIDIA driver)\n        fix: sudo ubuntu-drivers install');
    expect(run.stdout).toContain('MISSING a runtime to offer');
    expect(run.stderr).toContain('prerequisite(s) missing');
  });
});
