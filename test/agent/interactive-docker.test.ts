import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameOf } from '#agent/runner/docker-runner.ts';
import { freePort } from '#infra/local/free-port.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { dockerTestsEnabled, ensureTestImage, inspectContainer, requireDocker, TEST_IMAGE } from '#test/support/docker.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';

/**
 * An interactive image job on a real Docker daemon: no command, so the image's own CMD runs
 * (a busybox httpd built here on the test image), reached through the port the platform
 * reserved on the host's public range and published by the agent, and nothing else published.
 */
const enabled = dockerTestsEnabled('interactive docker job tests');
const WEB_IMAGE = 'gpuhive-test-web:2';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ssh/${name}.pub`, import.meta.url), 'utf8').trim();

/** An image whose CMD serves what the container was given: the env and the mounted key file. */
const ensureWebImage = (): void => {
  ensureTestImage();
  if (spawnSync('docker', ['image', 'inspect', WEB_IMAGE]).status === 0) return;
  const serve = [
    'mkdir -p /tmp/www',
    'echo "port=$PORT web=$GPUHIVE_PORT_WEB" > /tmp/www/index.html',
    'echo "$PUBLIC_KEY" > /tmp/www/public-key.txt',
    '(cat /root/.ssh/authorized_keys || echo missing) > /tmp/www/authorized-keys.txt',
    '(touch /root/.ssh/authorized_keys 2>/dev/null && echo writable || echo read-only) > /tmp/www/key-file-mode.txt',
    'exec httpd -f -p 8080 -h /tmp/www',
  ].join(' && ');
  const dockerfile = `FROM ${TEST_IMAGE}\nCMD ["sh", "-c", ${JSON.stringify(serve)}]\n`;
  const built = spawnSync('docker', ['build', '-t', WEB_IMAGE, '-'], { input: dockerfile, encoding: 'utf8', timeout: 120_000 });
  if (built.status !== 0) throw new Error(`docker build failed: ${built.stderr}`);
};

describe.runIf(enabled)('an interactive image job with a port on a real Docker daemon', () => {
  let runtime: LocalRuntime;
  let api: ApiClient;
  let agent: AgentProcess | undefined;
  const agentState = mkdtempSync(join(tmpdir(), 'gpuhive-docker-ports-'));

  beforeAll(async () => {
    requireDocker();
    ensureWebImage();
    runtime = await startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5' } });
    api = apiClient(runtime.apiUrl);
  }, 180_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await runtime?.stop();
  });

  it('publishes exactly the declared port on the reserved host port, hands in the SSH keys, serves through it, and removes the container when cancelled', async () => {
    const hostPort = await freePort();
    const provider = await newAccount(api, runtime.adminKey, 'provider', 'Docker Ports');
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    // The registration (an agent process) and the renter's account at once.
    const [registered, { renterKey }] = await Promise.all([
      agentCommand([
        'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west',
        '--public-address', '127.0.0.1', '--port-range', `${hostPort}-${hostPort}`, '--simulate-gpus', 'RTX 4090:24564', '--state-dir', agentState,
      ]),
      fundedRenter(api, runtime),
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    agent = startAgent(['--state-dir', agentState, '--stop-grace', '2']);

    const submitted = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { image: WEB_IMAGE, ports: [{ name: 'web', containerPort: 8080, protocol: 'http' }], sshKeys: [fixture('ed'), fixture('rsa3072')], gpu: { count: 1 }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600, restartPolicy: 'never' },
    });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.jobId as string;
    const running = await waitForStatus(api, renterKey, jobId, 'running', 120_000);
    expect(running.interactive).toBe(true);

    const endpoint = await eventually(async () => {
      const [shown] = (await jobStatus(api, renterKey, jobId)).endpoints;
      expect(shown).toMatchObject({ containerPort: 8080, hostPort, url: `http://127.0.0.1:${hostPort}`, ready: true });
      return shown as { url: string; assignmentId: string };
    }, 60_000);
    const served = async (path: string) => (await (await fetch(`${endpoint.url}${path}`)).text()).trim();
    expect(await served('/')).toBe('port=8080 web=8080');
    const keys = `${fixture('ed')}\n${fixture('rsa3072')}`;
    expect(await served('/public-key.txt')).toBe(keys);
    expect(await served('/authorized-keys.txt')).toBe(keys);
    expect(await served('/key-file-mode.txt')).toBe('read-only');

    const name = containerNameOf(endpoint.assignmentId);
    const container = inspectContainer(name)!;
    expect(Object.keys(container.HostConfig.PortBindings)).toEqual(['8080/tcp']);
    expect(container.HostConfig.PortBindings['8080/tcp'].map((binding: { HostPort: string }) => binding.HostPort)).toEqual([String(hostPort)]);
    expect(container.HostConfig.PublishAllPorts).toBe(false);
    expect(container.HostConfig.CapDrop).toEqual(['ALL']);
    expect(container.Config.User).toBe('65534:65534');
    expect(container.Mounts.map((mount: { Destination: string; RW: boolean }) => [mount.Destination, mount.RW]).sort()).toEqual([['/root/.ssh/authorized_keys', false], ['/scratch', true]]);

    expect((await api.call('POST', `/v1/jobs/${jobId}/cancel`, { key: renterKey })).status).toBe(202);
    expect((await jobStatus(api, renterKey, jobId)).endpoints).toEqual([]);
    await waitForStatus(api, renterKey, jobId, 'cancelled', 60_000);
    await eventually(async () => expect(inspectContainer(name)).toBeUndefined(), 30_000);
  }, 300_000);
});
