import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, type ApiClient } from '#test/support/local-runtime.ts';
import { spawnRuntime, type SpawnedRuntime } from '#test/support/spawned-runtime.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gpuhive-exports-restart-'));
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

const exportStatus = (api: ApiClient, key: string, exportId: string, status: string) =>
  eventually(async () => {
    const shown = await api.call('GET', `/v1/finance/exports/${exportId}`, { key });
    expect(shown.body.status).toBe(status);
    return shown.body;
  }, 30_000);

describe('finance exports across a restart of the local runtime', () => {
  it('shows an export made before the restart as expired, and makes the same file again on request', async () => {
    const first = await start();
    const api = apiClient(first.apiUrl);
    const finance = await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'finance', name: 'Finance' } });
    const renter = await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'Ada Labs' } });
    await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: first.adminKey, body: { amount: '12.500000' } });
    const body = { kind: 'ledger', format: 'csv', from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const before = await api.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body });
    const made = await exportStatus(api, finance.body.apiKey, before.body.exportId, 'succeeded');
    const file = await (await fetch(made.url)).text();
    await first.stop('SIGTERM');

    const second = await start();
    const again = apiClient(second.apiUrl);
    const expired = await exportStatus(again, finance.body.apiKey, before.body.exportId, 'expired');
    const rerun = await again.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body });
    const remade = await exportStatus(again, finance.body.apiKey, rerun.body.exportId, 'succeeded');

    expect(expired).not.toHaveProperty('url');
    expect(expired).toMatchObject({ rows: made.rows, reconciled: true });
    expect(remade).toMatchObject({ rows: made.rows, totals: made.totals, reconciled: true });
    expect(await (await fetch(remade.url)).text()).toBe(file);
  }, 180_000);
});
