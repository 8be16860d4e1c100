import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#infra/local/free-port.ts';
import { apiClient, eventually, onboardHost, type ApiClient, type ApiResponse } from '#test/support/api.ts';
import { jobBody, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';
import { spawnRuntime, type SpawnedRuntime } from '#test/support/spawned-runtime.ts';

/**
 * One data dir, restarted as its user would: a quiet stop (SIGTERM), then a crash mid-flow
 * (SIGKILL). Every start is a runtime's and a Java's (seconds of CPU), so the cases share them:
 * the quiet restart's second runtime is the one the crash kills. The same port every time, so
 * the agent's URL survives the restarts, as a real agent's does.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'gpuhive-restart-'));
const running: SpawnedRuntime[] = [];
let port: string;
/** What the quiet restart left running, for the crash to kill. */
let restarted: SpawnedRuntime | undefined;

afterAll(async () => {
  await Promise.all(running.map((runtime) => runtime.stop('SIGKILL')));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every schedule each second (the sweeps that resend what the crash lost), unless `quiet`: before the crash, nothing waits on them. */
const start = async ({ quiet = false } = {}) => {
  port ??= String(await freePort());
  const runtime = await spawnRuntime(
    ['--port', port, '--data-dir', dataDir, ...(quiet ? [] : ['--schedules-every', '1'])],
    // An hour to accept: on a busy machine a restart can outlast the default 120 s, and job two's lost
    // assignment would expire and be placed again, where the test checks it is sent again as it was.
    { CAPACITY_CACHE_SECONDS: '0.5', RESEND_AFTER_SECONDS: '2', ACCEPT_TIMEOUT_SECONDS: '3600' },
  );
  running.push(runtime);
  return runtime;
};

const exportStatus = (api: ApiClient, key: string, exportId: string, status: string) =>
  eventually(async () => {
    const shown = await api.call('GET', `/v1/finance/exports/${exportId}`, { key });
    expect(shown.body.status).toBe(status);
    return shown.body;
  }, 30_000);

describe('restarting the local runtime on the same data dir', () => {
  it('keeps the host, its agent token, its queue and the admin key; an export made before shows as expired, and the same file is made again on request', async () => {
    const first = await start({ quiet: true });
    const api = apiClient(first.apiUrl);
    const host = await onboardHost(api, first.adminKey);
    // A finance export, its file in the in-memory S3 that the restart loses.
    const finance = await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'finance', name: 'Finance' } });
    const credited = await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'Ada Labs' } });
    await api.call('POST', `/v1/accounts/${credited.body.accountId}/credits`, { key: first.adminKey, body: { amount: '12.500000' } });
    const exportBody = { kind: 'ledger', format: 'csv', from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const before = await api.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body: exportBody });
    const made = await exportStatus(api, finance.body.apiKey, before.body.exportId, 'succeeded');
    const file = await (await fetch(made.url)).text();
    await first.stop('SIGTERM');

    const second = await start({ quiet: true });
    restarted = second;
    const again = apiClient(second.apiUrl);
    const hosts = await again.call('GET', '/v1/hosts', { key: host.providerKey });
    // As the agent does, it sends again after a 503 (Retry-After): a handler's first load on a busy machine may outlast its timeout.
    const notBusy = (call: () => Promise<ApiResponse>) => eventually(async () => {
      const answer = await call();
      expect(answer.status, JSON.stringify(answer.body)).not.toBe(503);
      return answer;
    }, 30_000);
    const heartbeat = await notBusy(() => again.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } }));
    const poll = await notBusy(() => again.call('GET', '/v1/agent/assignments?waitSeconds=0', { key: host.agentToken }));
    const accounts = await again.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'after restart' } });

    expect(second.adminKey).toBe(first.adminKey);
    expect(hosts.body.items.map((item: { hostId: string }) => item.hostId)).toEqual([host.hostId]);
    expect(heartbeat.status).toBe(200);
    expect(poll.status).toBe(200);
    expect(poll.body.messages).toEqual([]);
    expect(accounts.status).toBe(201);
    expect(second.stderr()).toContain('Recreated 1 host queue(s)');
    // On Node 20 the AWS SDK would print its eight-line "node >=22" warning at every start.
    expect(first.stderr() + second.stderr()).not.toContain('NodeVersionSupportWarning');

    // The export made before the restart: expired (its file is gone), and made again alike.
    const expired = await exportStatus(again, finance.body.apiKey, before.body.exportId, 'expired');
    const rerun = await again.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body: exportBody });
    const remade = await exportStatus(again, finance.body.apiKey, rerun.body.exportId, 'succeeded');
    expect(expired).not.toHaveProperty('url');
    expect(expired).toMatchObject({ rows: made.rows, reconciled: true });
    expect(remade).toMatchObject({ rows: made.rows, totals: made.totals, reconciled: true });
    expect(await (await fetch(remade.url)).text()).toBe(file);
  }, 240_000);
});

/** Every ledger entry of the caller, all pages. */
const ledgerOf = async (api: ApiClient, key: string) => {
  const entries: { kind: string; amount: string; reference: string | null }[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.call('GET', `/v1/billing/ledger?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    entries.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return entries;
};

const micro = (usd: string) => Math.round(Number(usd) * 1_000_000);

describe('killing the local runtime with SIGKILL mid-flow', () => {
  it('loses no job, assignment, usage record or ledger entry, and the flows complete after a restart', async () => {
    const first = restarted;
    if (!first) throw new Error('the quiet restart above left no runtime running: see its failure');
    const api = apiClient(first.apiUrl);
    const renter = (await api.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'Crash Labs' } })).body;
    expect((await api.call('POST', `/v1/accounts/${renter.accountId}/credits`, { key: first.adminKey, body: { amount: '50.000000', reference: 'crash' } })).status).toBe(201);
    const host = await onboardHost(api, first.adminKey, {
      gpus: [0, 1].map((index) => ({ name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid: `GPU-crash-${index}`, index })),
      pricePerGpuHour: '3.600000',
    });
    // The agent heartbeats throughout, errors (the runtime is down) and all.
    const heartbeat = setInterval(() => void api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } }).catch(() => undefined), 1000);
    try {
      await eventually(async () => {
        const offers = await api.call('GET', '/v1/offers?gpuModel=H100', { key: renter.apiKey });
        expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
      });
      const submit = async (key: string) =>
        (await api.call('POST', '/v1/jobs', { key: renter.apiKey, headers: { 'idempotency-key': key }, body: jobBody({ gpu: { count: 1, models: ['H100'] }, maxPricePerGpuHour: '4.000000' }) })).body.jobId as string;

      // Job one runs and meters; job two is assigned but not yet accepted when the runtime dies.
      const running1 = await submit('crash-1');
      const one = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === running1, 60_000);
      expect((await reportEvent(api, host.agentToken, one.assignmentId, 'accepted')).status).toBe(200);
      expect((await reportEvent(api, host.agentToken, one.assignmentId, 'started')).status).toBe(200);
      const leaseStart = await eventually(async () => {
        const usage = await api.call('GET', `/v1/jobs/${running1}/usage`, { key: renter.apiKey });
        expect(usage.body.assignments?.[0]?.leaseStart).toEqual(expect.any(String));
        return new Date(usage.body.assignments[0].leaseStart as string).getTime();
      });
      const waiting2 = await submit('crash-2');
      await eventually(async () => expect((await api.call('GET', `/v1/jobs/${waiting2}`, { key: renter.apiKey })).body.status).toBe('scheduled'));

      // Usage streams in, one record per call, the agent keeping what was not acknowledged.
      const acknowledged: string[] = [];
      const unacknowledged: { eventId: string; assignmentId: string; from: string; to: string; gpuSeconds: number }[] = [];
      let cursor = leaseStart;
      let streaming = true;
      const stream = (async () => {
        for (let n = 0; streaming; n += 1) {
          const to = Date.now();
          if (to <= cursor) continue;
          const record = { eventId: `crash-${n}`, assignmentId: one.assignmentId, from: new Date(cursor).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - cursor) / 1000 };
          cursor = to;
          const posted = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } }).catch(() => undefined);
          if (posted?.status === 202) acknowledged.push(record.eventId);
          else unacknowledged.push(record);
          if (!posted) await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      await eventually(async () => expect(acknowledged.length).toBeGreaterThanOrEqual(5));
      const killed = await first.stop('SIGKILL');
      expect(killed.signal ?? killed.code).toBeTruthy();
      const chargedBefore = await eventually(async () => expect(unacknowledged.length).toBeGreaterThan(0)).then(() => acknowledged.length);

      const second = await start();
      expect(second.apiUrl).toBe(first.apiUrl);
      streaming = false;
      await stream;

      // Nothing acknowledged is gone: both jobs, their assignments, every acknowledged record.
      const job1 = (await api.call('GET', `/v1/jobs/${running1}`, { key: renter.apiKey })).body;
      expect(job1.status).toBe('running');
      expect(job1.assignments.map((a: { assignmentId: string; state: string }) => [a.assignmentId, a.state])).toEqual([[one.assignmentId, 'running']]);
      expect((await api.call('GET', `/v1/jobs/${waiting2}`, { key: renter.apiKey })).body.assignments).toHaveLength(1);
      const usageAfter = (await api.call('GET', `/v1/jobs/${running1}/usage`, { key: renter.apiKey })).body.assignments[0];
      expect(usageAfter.records.accepted).toBeGreaterThanOrEqual(chargedBefore);

      // The agent resends what was never acknowledged: each counts once, whether or not the dead runtime stored it.
      // As the agent does, it sends again after a 503 (Retry-After): a restarted runtime under load may ask for that.
      // At most 100 records a request, as the agent sends them: a slow restart leaves more than that unacknowledged.
      let counted = 0;
      for (let start = 0; start < unacknowledged.length; start += 100) {
        const resent = await eventually(async () => {
          const answer = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: unacknowledged.slice(start, start + 100) } });
          expect(answer.status, JSON.stringify(answer.body)).not.toBe(503);
          return answer;
        }, 60_000);
        expect(resent.status).toBe(202);
        counted += resent.body.accepted + resent.body.duplicates;
      }
      expect(counted).toBe(unacknowledged.length);

      // The flows complete: job one exits; job two's assignment, lost with the in-memory queue, is sent again.
      expect((await reportEvent(api, host.agentToken, one.assignmentId, 'exited', { exitCode: 0 })).status).toBe(200);
      const two = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === waiting2, 20_000);
      expect((await reportEvent(api, host.agentToken, two.assignmentId, 'accepted')).status).toBe(200);
      expect((await reportEvent(api, host.agentToken, two.assignmentId, 'started')).status).toBe(200);
      expect((await reportEvent(api, host.agentToken, two.assignmentId, 'exited', { exitCode: 0 })).status).toBe(200);
      const done1 = await waitForStatus(api, renter.apiKey, running1, 'succeeded', 20_000);
      const done2 = await waitForStatus(api, renter.apiKey, waiting2, 'succeeded', 20_000);

      // Every record accepted is charged exactly once, and the renter's money adds up.
      const records = acknowledged.length + unacknowledged.length;
      await eventually(async () => {
        const usage = (await api.call('GET', `/v1/jobs/${running1}/usage`, { key: renter.apiKey })).body.assignments[0];
        expect(usage.records.accepted + usage.records.rejected).toBe(records);
        // One ledger entry per charged chunk (issue 14); the statement counts the records they charged.
        const charges = (await ledgerOf(api, renter.apiKey)).filter((entry) => entry.kind === 'usage_charge');
        expect(new Set(charges.map((entry) => entry.reference)).size).toBe(charges.length);
        const statement = (await api.call('GET', `/v1/billing/statements/${new Date().toISOString().slice(0, 7)}`, { key: renter.apiKey })).body;
        const charged = (statement.charges as { jobId: string; records: number }[]).reduce((sum, line) => sum + line.records, 0);
        expect(charged).toBe(usage.records.accepted);
        const balance = (await api.call('GET', '/v1/billing/balance', { key: renter.apiKey })).body;
        expect(balance.held).toBe('0.000000');
        const cost = micro((await api.call('GET', `/v1/jobs/${running1}`, { key: renter.apiKey })).body.cost) + micro(done2.cost);
        expect(micro(balance.balance)).toBe(50_000_000 - cost);
        expect(-charges.reduce((sum, entry) => sum + micro(entry.amount), 0)).toBe(cost);
      }, 20_000);
      expect(done1.statusReason).toBeDefined();
    } finally {
      clearInterval(heartbeat);
    }
  }, 240_000);
});
