import type { DomainEvent } from '#events/define.ts';
import type { ExportJob, ExportResult } from '#exports/domain/export-job.ts';
import type { Period } from '#exports/domain/period.ts';
import type { LedgerRow, PayoutRow, UsageRow } from '#exports/domain/rows.ts';
import type { BillingReader, CreateExportResult, ExportFiles, ExportStore, IdempotencyClaim } from '#exports/ports.ts';
import type { ExportsDeps, ExportsSettings } from '#exports/use-cases/deps.ts';
import type { Page } from '#platform/pagination.ts';

/** The exports table in memory, with the same conditions as the DynamoDB store. */
export class FakeExportStore implements ExportStore {
  readonly jobs = new Map<string, ExportJob>();
  readonly claims = new Map<string, { exportId: string; bodyHash: string }>();
  readonly events: DomainEvent[] = [];

  async create(job: ExportJob, event: DomainEvent, claim?: IdempotencyClaim): Promise<CreateExportResult> {
    const claimKey = claim ? `${job.requestedBy}#${claim.key}` : undefined;
    const used = claimKey ? this.claims.get(claimKey) : undefined;
    if (used && claim) return { outcome: 'key_used', exportId: used.exportId, sameBody: used.bodyHash === claim.bodyHash };
    if (this.jobs.has(job.exportId)) throw new Error(`export ${job.exportId} exists`);
    if (claimKey && claim) this.claims.set(claimKey, { exportId: job.exportId, bodyHash: claim.bodyHash });
    this.jobs.set(job.exportId, job);
    this.events.push(event);
    return { outcome: 'created' };
  }

  async restart(job: ExportJob, event: DomainEvent): Promise<void> {
    this.jobs.set(job.exportId, job);
    this.events.push(event);
  }

  async get(exportId: string): Promise<ExportJob | undefined> {
    return this.jobs.get(exportId);
  }

  async list(limit: number): Promise<Page<ExportJob>> {
    const all = [...this.jobs.values()].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
    return { items: all.slice(0, limit), nextCursor: null };
  }

  async finish(exportId: string, runId: string, outcome: { readonly result: ExportResult } | { readonly error: string }, at: Date): Promise<boolean> {
    const job = this.jobs.get(exportId);
    if (!job || job.runId !== runId || job.status !== 'running') return false;
    this.jobs.set(exportId, 'result' in outcome
      ? { ...job, status: 'succeeded', finishedAt: at.toISOString(), result: outcome.result }
      : { ...job, status: 'failed', finishedAt: at.toISOString(), error: outcome.error });
    return true;
  }
}

/** Billing's charges and ledger in memory, served in pages of `pageSize` within the period, as the index would. */
export class FakeBillingReader implements BillingReader {
  constructor(
    readonly charges: UsageRow[] = [],
    readonly entries: LedgerRow[] = [],
    private readonly pageSize = 2,
    readonly payoutRows: PayoutRow[] = [],
  ) {}

  pagesServed = 0;

  usageCharges(period: Period): AsyncIterable<readonly UsageRow[]> {
    return this.pages(this.charges.filter((row) => row.chargedAt >= period.from && row.chargedAt < period.to));
  }

  ledgerEntries(period: Period): AsyncIterable<readonly LedgerRow[]> {
    return this.pages(this.entries.filter((row) => row.postedAt >= period.from && row.postedAt < period.to));
  }

  payouts(period: Period): AsyncIterable<readonly PayoutRow[]> {
    return this.pages(this.payoutRows.filter((row) => row.createdAt >= period.from && row.createdAt < period.to));
  }

  private async *pages<R>(rows: readonly R[]): AsyncGenerator<readonly R[]> {
    for (let start = 0; start < rows.length; start += this.pageSize) {
      this.pagesServed += 1;
      yield rows.slice(start, start + this.pageSize);
    }
  }
}

/** The bucket in memory; `chunks` records how each file arrived. */
export class FakeExportFiles implements ExportFiles {
  readonly files = new Map<string, { body: string; contentType: string; downloadName: string; chunks: number }>();
  failWrites = false;

  async write(key: string, contentType: string, downloadName: string, chunks: AsyncIterable<string>): Promise<{ readonly bytes: number }> {
    let body = '';
    let count = 0;
    for await (const chunk of chunks) {
      if (this.failWrites) throw new Error('S3 is down');
      body += chunk;
      count += 1;
    }
    this.files.set(key, { body, contentType, downloadName, chunks: count });
    return { bytes: Buffer.byteLength(body) };
  }

  async exists(key: string): Promise<boolean> {
    return this.files.has(key);
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return `https://bucket.example/${key}?expires=${expiresInSeconds}`;
  }
}

export const testSettings: ExportsSettings = { urlTtlSeconds: 900, maxPeriodDays: 366, dailyCatchUpDays: 2, dailyDelaySeconds: 600, progressEveryRows: 3 };

export const fakeExportsDeps = (now: Date, overrides: { readonly billing?: FakeBillingReader; readonly settings?: ExportsSettings } = {}) => {
  const progress: Parameters<ExportsDeps['progress']>[0][] = [];
  const deps = {
    exports: new FakeExportStore(),
    billing: overrides.billing ?? new FakeBillingReader(),
    files: new FakeExportFiles(),
    clock: { now: () => now },
    progress: (update: Parameters<ExportsDeps['progress']>[0]) => progress.push(update),
    settings: overrides.settings ?? testSettings,
  } satisfies ExportsDeps;
  return { deps, progress };
};
