import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { resourceName } from '#infra/topology.ts';
import { parseUsd } from '#platform/money.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let financeKey: string;
let s3: S3Client;
let renter: Awaited<ReturnType<typeof fundedRenter>>;
let host: Awaited<ReturnType<typeof offeredHost>>;
let period: { from: string; to: string };

/** The runtime's exports bucket (named after its stage). */
const bucket = () => resourceName(runtime.stage, 'exports');

/** A signed amount in USD as exports write it, in micro-USD. */
const micro = (text: string): number => (text.startsWith('-') ? -(parseUsd(text.slice(1)) ?? NaN) : (parseUsd(text) ?? NaN));

const waitForExport = (exportId: string, status = 'succeeded') =>
  eventually(async () => {
    const shown = await api.call('GET', `/v1/finance/exports/${exportId}`, { key: financeKey });
    expect(shown.body.status).toBe(status);
    return shown.body;
  }, 20_000);

const download = async (url: string): Promise<string> => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
};

const csvRows = (text: string): Record<string, string>[] => {
  // The files here hold no quoted fields, so splitting is enough to read them back.
  const [header = '', ...lines] = text.split('\r\n').filter((line) => line !== '');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index], value])));
};

/**
 * The end-to-end flow the exports read: a funded renter, a host, a job that starts, two
 * minutes of usage posted as the agent posts it, charged by billing, then the job exits.
 */
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
  s3 = new S3Client({ endpoint: runtime.endpoints.s3, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, forcePathStyle: true });
  const startedAt = new Date(Date.now() - 60_000);
  const finance = await newAccount(api, runtime.adminKey, 'finance', 'Finance');
  financeKey = finance.body.apiKey;

  renter = await fundedRenter(api, runtime, '50.000000');
  host = await offeredHost(api, runtime, renter.renterKey, {
    gpus: [{ name: 'NVIDIA GeForce RTX 4080', vramMb: 16376, uuid: 'GPU-export-1', index: 0 }],
    pricePerGpuHour: '0.900000',
  });
  const job = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 4080'] }, maxPricePerGpuHour: '1.000000' }) });
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === job.body.jobId);
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
  const leaseStart = new Date((await jobStatus(api, renter.renterKey, job.body.jobId)).assignments[0].startedAt);
  await eventually(async () => expect((await api.call('GET', `/v1/jobs/${job.body.jobId}/usage`, { key: renter.renterKey })).status).toBe(200));
  const records = [0, 1].map((index) => ({
    eventId: `usage-${index}`,
    assignmentId: assignment.assignmentId,
    from: new Date(leaseStart.getTime() + index * 1000).toISOString(),
    to: new Date(leaseStart.getTime() + (index + 1) * 1000).toISOString(),
    gpuSeconds: 1,
  }));
  await eventually(async () => expect((await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records } })).status).toBe(202));
  // 2 GPU-seconds at 0.900000/GPU-hour: 250 µUSD a record.
  await eventually(async () => expect((await jobStatus(api, renter.renterKey, job.body.jobId)).cost).toBe('0.000500'));
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 });
  await waitForStatus(api, renter.renterKey, job.body.jobId, 'succeeded');
  period = { from: startedAt.toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
}, 120_000);
afterAll(() => runtime?.stop());

describe('finance exports on the local services', () => {
  it('exports the usage the flow charged, as CSV whose totals equal the ledger\'s usage charges', async () => {
    const requested = await api.call('POST', '/v1/finance/exports', { key: financeKey, body: { kind: 'usage', format: 'csv', ...period } });
    expect(requested.status).toBe(202);
    expect(requested.body).toEqual({ exportId: expect.stringMatching(/^exp_/), status: 'running' });

    const done = await waitForExport(requested.body.exportId);

    expect(done).toMatchObject({
      kind: 'usage', format: 'csv', rows: 2, reconciled: true,
      totals: { gpuSeconds: '2.000', amount: '0.000500', providerAmount: '0.000450', fee: '0.000050' },
      // Both records were posted together: one chunk, charged in one ledger transaction, still one row each.
      ledger: { usageCharges: { transactions: 1, renterDebits: '0.000500', providerCredits: '0.000450', platformFees: '0.000050' } },
    });
    expect(Date.parse(done.urlExpiresAt)).toBeGreaterThan(Date.now());
    const rows = csvRows(await download(done.url));
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.renterId)).toEqual([renter.renterId, renter.renterId]);
    expect(rows[0]).toMatchObject({ hostId: host.hostId, providerId: host.providerId, gpuModel: 'RTX 4080', gpuSeconds: '1.000', pricePerGpuHour: '0.900000', amount: '0.000250' });
    expect(rows[1]).toMatchObject({ gpuSeconds: '1.000', amount: '0.000250', providerAmount: '0.000225', fee: '0.000025', transactionId: rows[0]?.transactionId });
    expect(new Set(rows.map((row) => row.usageRecordId)).size).toBe(2);
    expect(rows.every((row) => row.chargedAt! >= period.from && row.chargedAt! < period.to)).toBe(true);
  });

  it('exports the ledger as JSON Lines that sum to zero, with the renter\'s usage charges matching the usage export', async () => {
    const requested = await api.call('POST', '/v1/finance/exports', { key: financeKey, body: { kind: 'ledger', format: 'jsonl', ...period } });

    const done = await waitForExport(requested.body.exportId);

    expect(done).toMatchObject({ kind: 'ledger', reconciled: true, totals: { sum: '0.000000' } });
    const entries = (await download(done.url)).trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(entries).toHaveLength(done.rows);
    expect(entries.reduce((total, entry) => total + micro(entry.amount ?? ''), 0)).toBe(0);
    const renterCharges = entries.filter((entry) => entry.kind === 'usage_charge' && entry.accountId === renter.renterId);
    expect(renterCharges.reduce((total, entry) => total + micro(entry.amount ?? ''), 0)).toBe(-500);
    expect(entries.some((entry) => entry.kind === 'credit' && entry.accountId === renter.renterId && entry.amount === '50.000000')).toBe(true);
  });

  it('lists exports newest first, and shows an export whose file is gone as expired', async () => {
    const requested = await api.call('POST', '/v1/finance/exports', { key: financeKey, body: { kind: 'usage', format: 'jsonl', ...period } });
    await waitForExport(requested.body.exportId);
    const exportId = requested.body.exportId as string;

    // What a restart of the local runtime does to every file: the in-memory S3 forgets it.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket(), Key: `exports/on-demand/${exportId}.jsonl` }));

    const listed = await api.call('GET', '/v1/finance/exports?limit=2', { key: financeKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({ exportId, status: 'expired' });
    expect(listed.body.items[0]).not.toHaveProperty('url');
    expect(listed.body.nextCursor).toEqual(expect.any(String));
    const next = await api.call('GET', `/v1/finance/exports?limit=2&cursor=${listed.body.nextCursor}`, { key: financeKey });
    expect(next.body.items.length).toBeGreaterThan(0);
    expect((await api.call('GET', `/v1/finance/exports/${exportId}`, { key: financeKey })).body.status).toBe('expired');
  });

  it('writes a day\'s files under exports/daily/, and rewrites the same rows when the day runs again', async () => {
    const { handler } = await import('#functions/exports/schedule-daily-exports.ts');
    const { lambdaContext } = await import('#infra/local/lambda-context.ts');
    // The day the charge was posted on (not the period's start: a run may cross midnight UTC).
    const ledger0 = await api.call('GET', '/v1/billing/ledger', { key: renter.renterKey });
    const charge = (ledger0.body.items as { kind: string; postedAt: string }[]).find((entry) => entry.kind === 'usage_charge');
    expect(charge).toBeDefined();
    const day = charge!.postedAt.slice(0, 10);
    const key = `exports/daily/${day.replaceAll('-', '/')}/usage.csv`;
    const readDaily = async () => (await (await s3.send(new GetObjectCommand({ Bucket: bucket(), Key: key }))).Body?.transformToString()) ?? '';

    await handler({ days: [day] }, lambdaContext('exports-schedule-daily-exports', 60));
    const first = await waitForExport(`exp_daily_usage_${day.replaceAll('-', '')}`);
    const firstFile = await readDaily();
    await handler({ days: [day] }, lambdaContext('exports-schedule-daily-exports', 60));
    await eventually(async () => expect((await waitForExport(`exp_daily_usage_${day.replaceAll('-', '')}`)).finishedAt).not.toBe(first.finishedAt), 20_000);

    expect(first).toMatchObject({ daily: true, format: 'csv', reconciled: true });
    expect(csvRows(firstFile).filter((row) => row.renterId === renter.renterId)).toHaveLength(2);
    expect(await readDaily()).toBe(firstFile);
    const ledger = await waitForExport(`exp_daily_ledger_${day.replaceAll('-', '')}`);
    expect(ledger).toMatchObject({ reconciled: true, totals: { sum: '0.000000' } });
  });

  it('refuses renter and provider keys', async () => {
    for (const key of [renter.renterKey, host.providerKey]) {
      expect((await api.call('POST', '/v1/finance/exports', { key, body: { kind: 'usage', format: 'csv', ...period } })).status).toBe(403);
      expect((await api.call('GET', '/v1/finance/exports', { key })).status).toBe(403);
    }
  });

  it('answers 400 naming `to` when the period ends before it starts', async () => {
    const refused = await api.call('POST', '/v1/finance/exports', { key: financeKey, body: { kind: 'usage', format: 'csv', from: period.to, to: period.from } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'to', message: 'must be after from' }]);
  });
});
