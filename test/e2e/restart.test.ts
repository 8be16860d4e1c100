import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, onboardHost } from '#test/support/local-runtime.ts';
import { spawnRuntime, type SpawnedRuntime } from '#test/support/spawned-runtime.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gpuhive-restart-'));
const running: SpawnedRuntime[] = [];

afterAll(async () => {
  await Promise.all(running.map((runtime) => runtime.stop('SIGKILL')));
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async () => {
  const runtime = await spawnRuntime(['--port', '0', '--data-dir', dataDir]);
  running.push(runtime);
  return runtime;
};

describe('restarting the local runtime on the same data dir', () => {
  it('keeps the host, its agent token, its queue and the admin key', async () => {
    const first = await start();
    const host = await onboardHost(apiClient(first.apiUrl), first.adminKey);
    await first.stop('SIGTERM');

    const second = await start();
    const api = apiClient(second.apiUrl);
    const hosts = await api.call('GET', '/v1/hosts', { key: host.providerKey });
    const heartbeat = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });
    const poll = await api.call('GET', '/v1/agent/assignments?waitSeconds=0', { key: host.agentToken });
    const accounts = await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'after restart' } });

    expect(second.adminKey).toBe(first.adminKey);
    expect(hosts.body.items.map((item: { hostId: string }) => item.hostId)).toEqual([host.hostId]);
    expect(heartbeat.status).toBe(200);
    expect(poll.status).toBe(200);
    expect(poll.body.messages).toEqual([]);
    expect(accounts.status).toBe(201);
    expect(second.stderr()).toContain('Recreated 1 host queue(s)');
  }, 90_000);
});
