import { describe, expect, it } from 'vitest';
import { accountEntries, creditTransaction, usageChargeTransaction } from '#billing/domain/ledger.ts';
import { rateUsage } from '#billing/domain/rating.ts';
import { dailyExportId } from '#exports/domain/export-job.ts';
import type { LedgerRow, UsageRow } from '#exports/domain/rows.ts';
import { dailyTargets, scheduleDailyExports } from '#exports/use-cases/daily-exports.ts';
import { getExport, listExports } from '#exports/use-cases/read-exports.ts';
import { requestExport } from '#exports/use-cases/request-export.ts';
import { runExport } from '#exports/use-cases/run-export.ts';
import { microUsd } from '#platform/money.ts';
import { FakeBillingReader, fakeExportsDeps, testSettings } from '../fakes.ts';

const NOW = new Date('2025-03-11T09:00:00.000Z');
const period = { from: '2025-03-10T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z' };

/** One usage record charged at `chargedAt`, as billing keeps it and as its ledger shows it. */
const chargeAt = (index: number, chargedAt: string, gpuSeconds = 1800): { row: UsageRow; entries: LedgerRow[] } => {
  const amounts = rateUsage({ gpuSeconds, pricePerGpuHour: 900_000 });
  const transaction = usageChargeTransaction({
    transactionId: `txn_${index}`, usageRecordId: `use_${index}`, renterId: 'acct_renter', providerId: 'acct_provider', amounts, postedAt: chargedAt,
    entryIds: [`ent_${index}_a`, `ent_${index}_b`, `ent_${index}_c`],
  });
  return {
    row: {
      usageRecordId: `use_${index}`, jobId: 'job_1', assignmentId: 'asg_1', renterId: 'acct_renter', providerId: 'acct_provider', hostId: 'host_1', gpuModel: 'RTX 4090',
      from: chargedAt, to: chargedAt, gpuSeconds, pricePerGpuHour: 900_000, amount: amounts.renter, providerAmount: amounts.provider, fee: amounts.platform,
      chargedAt, transactionId: transaction?.transactionId ?? null,
    },
    entries: transaction ? accountEntries(transaction).map((entry) => ({ ...entry, amount: entry.amount as number })) : [],
  };
};

const billingWith = (charged: { row: UsageRow; entries: LedgerRow[] }[], extraEntries: LedgerRow[] = []) =>
  new FakeBillingReader(charged.map((c) => c.row), [...charged.flatMap((c) => c.entries), ...extraEntries]);

const creditEntries = (postedAt: string): LedgerRow[] =>
  accountEntries(creditTransaction({ transactionId: 'txn_credit', accountId: 'acct_renter', amount: microUsd(10_000_000), reference: 'inv-1', postedAt, entryIds: ['ent_c1', 'ent_c2'] }))
    .map((entry) => ({ ...entry, amount: entry.amount as number }));

describe('requestExport', () => {
  it('records a running export with its file key and hands it to the runner with export.requested', async () => {
    const { deps } = fakeExportsDeps(NOW);

    const started = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);

    expect(started).toEqual({ exportId: expect.stringMatching(/^exp_/), status: 'running' });
    const job = deps.exports.jobs.get(started.exportId);
    expect(job).toMatchObject({ status: 'running', fileKey: `exports/on-demand/${started.exportId}.csv`, requestedBy: 'acct_finance', daily: false });
    expect(deps.exports.events.map((event) => event.detail)).toEqual([
      expect.objectContaining({ exportId: started.exportId, runId: job?.runId, kind: 'usage', format: 'csv', ...period, daily: false }),
    ]);
  });

  it('answers the same export for the same Idempotency-Key and body, and 409s another body', async () => {
    const { deps } = fakeExportsDeps(NOW);
    const first = await requestExport({ kind: 'ledger', format: 'jsonl', period }, 'acct_finance', { key: 'k1', bodyHash: 'h1' }, deps);

    const again = await requestExport({ kind: 'ledger', format: 'jsonl', period }, 'acct_finance', { key: 'k1', bodyHash: 'h1' }, deps);

    expect(again.exportId).toBe(first.exportId);
    expect(deps.exports.jobs.size).toBe(1);
    await expect(requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', { key: 'k1', bodyHash: 'h2' }, deps)).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });
});

describe('runExport', () => {
  it('streams usage page by page, totals it, and reconciles it with the ledger\'s usage charges', async () => {
    const charged = [1, 2, 3, 4, 5].map((index) => chargeAt(index, `2025-03-10T1${index}:00:00.000Z`));
    const { deps, progress } = fakeExportsDeps(NOW, { billing: billingWith(charged, creditEntries('2025-03-10T09:00:00.000Z')) });
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);
    const job = deps.exports.jobs.get(exportId)!;

    const outcome = await runExport({ exportId, runId: job.runId }, deps);

    expect(outcome.outcome).toBe('succeeded');
    const file = deps.files.files.get(job.fileKey)!;
    expect(file.body.split('\r\n')).toHaveLength(7); // header, 5 rows, and the empty rest after the last CRLF
    expect(file.chunks).toBe(4); // the header, then one chunk per page of 2
    expect(file.downloadName).toBe(`gpuhive-usage-${exportId}.csv`);
    expect(deps.exports.jobs.get(exportId)).toMatchObject({
      status: 'succeeded',
      finishedAt: NOW.toISOString(),
      result: {
        kind: 'usage',
        totals: { rows: 5, amount: 2_250_000, providerAmount: 2_025_000, fee: 225_000, milliGpuSeconds: 9_000_000, charged: 5 },
        ledger: { transactions: 5, renterDebits: 2_250_000, providerCredits: 2_025_000, platformFees: 225_000 },
        differences: [],
      },
    });
    expect(progress.map((update) => [update.phase, update.rows])).toEqual([['rows', 4], ['done', 5]]);
  });

  it('selects by the time the money moved: `from` included, `to` excluded', async () => {
    const charged = [chargeAt(1, '2025-03-09T23:59:59.999Z'), chargeAt(2, '2025-03-10T00:00:00.000Z'), chargeAt(3, '2025-03-11T00:00:00.000Z')];
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith(charged) });
    const { exportId } = await requestExport({ kind: 'usage', format: 'jsonl', period }, 'acct_finance', undefined, deps);
    const job = deps.exports.jobs.get(exportId)!;

    await runExport({ exportId, runId: job.runId }, deps);

    const lines = deps.files.files.get(job.fileKey)!.body.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.usageRecordId)).toEqual(['use_2']);
  });

  it('says a usage export does not reconcile when the ledger lacks a charge, and names the difference', async () => {
    const charged = [chargeAt(1, '2025-03-10T10:00:00.000Z'), chargeAt(2, '2025-03-10T11:00:00.000Z')];
    const { deps } = fakeExportsDeps(NOW, { billing: new FakeBillingReader(charged.map((c) => c.row), charged[0]!.entries) });
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);

    await runExport({ exportId, runId: deps.exports.jobs.get(exportId)!.runId }, deps);

    expect(deps.exports.jobs.get(exportId)?.result?.differences).toContain('amount 900000 != ledger renter debits 450000');
  });

  it('writes a ledger export that sums to zero', async () => {
    const charged = [chargeAt(1, '2025-03-10T10:00:00.000Z')];
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith(charged, creditEntries('2025-03-10T09:00:00.000Z')) });
    const { exportId } = await requestExport({ kind: 'ledger', format: 'csv', period }, 'acct_finance', undefined, deps);
    const job = deps.exports.jobs.get(exportId)!;

    await runExport({ exportId, runId: job.runId }, deps);

    expect(deps.files.files.get(job.fileKey)?.body.split('\r\n')[0]).toBe('transactionId,entryId,postedAt,accountId,kind,amount,reference');
    expect(deps.exports.jobs.get(exportId)?.result).toMatchObject({
      kind: 'ledger',
      totals: { rows: 5, sum: 0, debits: -10_450_000, credits: 10_450_000, usageCharges: { transactions: 1, renterDebits: 450_000 } },
      differences: [],
    });
  });

  it('writes a header alone for a period with no rows, and reconciles it', async () => {
    const { deps } = fakeExportsDeps(NOW);
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);
    const job = deps.exports.jobs.get(exportId)!;

    await runExport({ exportId, runId: job.runId }, deps);

    expect(deps.files.files.get(job.fileKey)?.body).toBe(
      'usageRecordId,jobId,assignmentId,renterId,providerId,hostId,gpuModel,from,to,gpuSeconds,pricePerGpuHour,amount,providerAmount,fee,chargedAt,transactionId,serviceId\r\n',
    );
    expect(deps.exports.jobs.get(exportId)).toMatchObject({ status: 'succeeded', result: { totals: { rows: 0 }, differences: [] } });
  });

  it('skips a duplicate delivery of a finished run, and a run that a newer request replaced', async () => {
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith([chargeAt(1, '2025-03-10T10:00:00.000Z')]) });
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);
    const { runId } = deps.exports.jobs.get(exportId)!;
    await runExport({ exportId, runId }, deps);

    expect(await runExport({ exportId, runId }, deps)).toEqual({ outcome: 'skipped', reason: 'not_current' });
    expect(await runExport({ exportId, runId: 'run_older' }, deps)).toEqual({ outcome: 'skipped', reason: 'not_current' });
    expect(await runExport({ exportId: 'exp_gone', runId }, deps)).toEqual({ outcome: 'skipped', reason: 'missing' });
  });

  it('records a failed run as failed, with a message finance can act on', async () => {
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith([chargeAt(1, '2025-03-10T10:00:00.000Z')]) });
    deps.files.failWrites = true;
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);

    const outcome = await runExport({ exportId, runId: deps.exports.jobs.get(exportId)!.runId }, deps);

    expect(outcome).toMatchObject({ outcome: 'failed', cause: new Error('S3 is down') });
    expect(deps.exports.jobs.get(exportId)).toMatchObject({ status: 'failed', error: 'The export could not be written; request it again.' });
  });
});

describe('getExport and listExports', () => {
  it('hands out a URL that expires after the configured time for a file that is there', async () => {
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith([chargeAt(1, '2025-03-10T10:00:00.000Z')]) });
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);
    await runExport({ exportId, runId: deps.exports.jobs.get(exportId)!.runId }, deps);

    const shown = await getExport(exportId, deps);

    expect(shown.file).toEqual({ state: 'available', url: expect.stringContaining('expires=900'), urlExpiresAt: '2025-03-11T09:15:00.000Z' });
  });

  it('shows a succeeded export whose file is gone as expired', async () => {
    const { deps } = fakeExportsDeps(NOW);
    const { exportId } = await requestExport({ kind: 'usage', format: 'csv', period }, 'acct_finance', undefined, deps);
    await runExport({ exportId, runId: deps.exports.jobs.get(exportId)!.runId }, deps);
    deps.files.files.clear();

    expect((await getExport(exportId, deps)).file).toEqual({ state: 'expired' });
    expect((await listExports(10, undefined, deps)).items.map((item) => item.file.state)).toEqual(['expired']);
  });

  it('answers 404 for an unknown export', async () => {
    const { deps } = fakeExportsDeps(NOW);
    await expect(getExport('exp_unknown000', deps)).rejects.toMatchObject({ code: 'export_not_found' });
  });
});

describe('scheduleDailyExports', () => {
  it('targets yesterday and the catch-up days before it, once yesterday has been over for the delay', () => {
    expect(dailyTargets(new Date('2025-03-11T09:00:00.000Z'), testSettings)).toEqual(['2025-03-08', '2025-03-09', '2025-03-10']);
    expect(dailyTargets(new Date('2025-03-11T00:05:00.000Z'), testSettings)).toEqual(['2025-03-07', '2025-03-08', '2025-03-09']);
  });

  it('writes yesterday\'s usage and ledger CSV under exports/daily/yyyy/mm/dd/', async () => {
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith([chargeAt(1, '2025-03-10T10:00:00.000Z')]), settings: { ...testSettings, dailyCatchUpDays: 0 } });

    const started = await scheduleDailyExports(deps);
    for (const job of deps.exports.jobs.values()) await runExport({ exportId: job.exportId, runId: job.runId }, deps);

    expect(started.map((run) => run.exportId)).toEqual([dailyExportId('2025-03-10', 'usage'), dailyExportId('2025-03-10', 'ledger')]);
    expect([...deps.files.files.keys()]).toEqual(['exports/daily/2025/03/10/usage.csv', 'exports/daily/2025/03/10/ledger.csv']);
    expect(deps.exports.jobs.get('exp_daily_usage_20250310')).toMatchObject({ daily: true, status: 'succeeded', period, format: 'csv' });
  });

  it('leaves a day alone once its files are written, and writes it again when a file is gone', async () => {
    const { deps } = fakeExportsDeps(NOW, { settings: { ...testSettings, dailyCatchUpDays: 0 } });
    await scheduleDailyExports(deps);
    for (const job of deps.exports.jobs.values()) await runExport({ exportId: job.exportId, runId: job.runId }, deps);

    expect(await scheduleDailyExports(deps)).toEqual([]);
    deps.files.files.delete('exports/daily/2025/03/10/ledger.csv');
    expect((await scheduleDailyExports(deps)).map((run) => run.kind)).toEqual(['ledger']);
  });

  it('does not start a day again while its run is under way', async () => {
    const { deps } = fakeExportsDeps(NOW, { settings: { ...testSettings, dailyCatchUpDays: 0 } });
    await scheduleDailyExports(deps);
    expect(await scheduleDailyExports(deps)).toEqual([]);
  });

  it('rewrites the same files with the same rows when a day is run again, never adding rows', async () => {
    const { deps } = fakeExportsDeps(NOW, { billing: billingWith([chargeAt(1, '2025-03-10T10:00:00.000Z'), chargeAt(2, '2025-03-10T11:00:00.000Z')]) });
    const runDay = async () => {
      await scheduleDailyExports(deps, { days: ['2025-03-10'] });
      for (const job of deps.exports.jobs.values()) if (job.status === 'running') await runExport({ exportId: job.exportId, runId: job.runId }, deps);
      return deps.files.files.get('exports/daily/2025/03/10/usage.csv')?.body;
    };

    const first = await runDay();
    const second = await runDay();

    expect(second).toBe(first);
    expect(first?.trim().split('\r\n')).toHaveLength(3);
    expect(deps.exports.jobs.size).toBe(2);
  });
});
