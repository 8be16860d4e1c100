import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import { ValidationError } from '#platform/errors.ts';
import type { Outbox } from '#platform/outbox.ts';
import { queryPage } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { ExportJob, ExportResult } from '../domain/export-job.ts';
import type { CreateExportResult, ExportStore, IdempotencyClaim } from '../ports.ts';
import { toExportClaim, toJob } from './codecs.ts';
import { EXPORTS_LIST_PK, IDEMPOTENCY_SECONDS, exportKey, idempotencyKey } from './items.ts';

const toItem = (job: ExportJob): Record<string, unknown> => ({
  ...exportKey(job.exportId),
  exportId: job.exportId,
  kind: job.kind,
  format: job.format,
  from: job.period.from,
  to: job.period.to,
  daily: job.daily,
  requestedBy: job.requestedBy,
  requestedAt: job.requestedAt,
  runId: job.runId,
  status: job.status,
  fileKey: job.fileKey,
  ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  ...(job.result ? { result: job.result } : {}),
  ...(job.error ? { error: job.error } : {}),
  gsi1pk: EXPORTS_LIST_PK,
  gsi1sk: `${job.requestedAt}#${job.exportId}`,
});

const claimFailed = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

export class DynamoExportStore implements ExportStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  /** The claim first (index 0, so a reused key is found there), the export, and its event through the outbox. */
  async create(job: ExportJob, event: DomainEvent, claim?: IdempotencyClaim): Promise<CreateExportResult> {
    const claimItem = claim
      ? {
          ...idempotencyKey(job.requestedBy, claim.key),
          exportId: job.exportId,
          bodyHash: claim.bodyHash,
          ttl: epochSeconds(addSeconds(new Date(job.requestedAt), IDEMPOTENCY_SECONDS)),
        }
      : undefined;
    try {
      await this.outbox.commit(
        [
          ...(claimItem ? [{ Put: { TableName: this.tableName, Item: claimItem, ConditionExpression: 'attribute_not_exists(pk)' } }] : []),
          { Put: { TableName: this.tableName, Item: toItem(job), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
        [event],
      );
      return { outcome: 'created' };
    } catch (error) {
      if (!claim || !claimFailed(error)) throw error;
      const { Item } = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: idempotencyKey(job.requestedBy, claim.key), ConsistentRead: true }),
      );
      if (!Item) throw error;
      const used = toExportClaim(Item);
      return { outcome: 'key_used', exportId: used.exportId, sameBody: used.bodyHash === claim.bodyHash };
    }
  }

  /** Replaces the record: the new run is the only one that may finish it. */
  async restart(job: ExportJob, event: DomainEvent): Promise<void> {
    await this.outbox.commit([{ Put: { TableName: this.tableName, Item: toItem(job) } }], [event]);
  }

  async get(exportId: string): Promise<ExportJob | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: exportKey(exportId), ConsistentRead: true }));
    return Item ? toJob(Item) : undefined;
  }

  async list(limit: number, cursor?: string): Promise<Page<ExportJob>> {
    const startKey = decodeCursor(cursor);
    // Opaque but not trusted: a key of another index partition would read or fail elsewhere.
    if (startKey && (startKey.gsi1pk !== EXPORTS_LIST_PK || typeof startKey.gsi1sk !== 'string' || typeof startKey.pk !== 'string' || startKey.sk !== 'EXPORT')) {
      throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
    }
    return queryPage(
      this.documents,
      { TableName: this.tableName, IndexName: 'byType', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': EXPORTS_LIST_PK }, ScanIndexForward: false, Limit: limit },
      startKey,
      toJob,
    );
  }

  async finish(exportId: string, runId: string, outcome: { readonly result: ExportResult } | { readonly error: string }, at: Date): Promise<boolean> {
    const succeeded = 'result' in outcome;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: exportKey(exportId),
          UpdateExpression: `SET #status = :status, finishedAt = :at, ${succeeded ? '#result = :value REMOVE #error' : '#error = :value REMOVE #result'}`,
          ConditionExpression: 'runId = :runId AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result', '#error': 'error' },
          ExpressionAttributeValues: {
            ':status': succeeded ? 'succeeded' : 'failed',
            ':at': at.toISOString(),
            ':value': succeeded ? outcome.result : outcome.error,
            ':runId': runId,
            ':running': 'running',
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
