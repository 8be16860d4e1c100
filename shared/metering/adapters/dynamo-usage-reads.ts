import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#platform/dynamo.ts';
import { ValidationError } from '#platform/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '#platform/pagination.ts';
import type { AssignmentUsage, HourBucket, UsageReadModel, UsageSummary } from '../ports.ts';
import { toLease } from './dynamo-lease-store.ts';
import { toSummary } from './dynamo-usage-store.ts';
import { HOUR_PREFIX, PENDING_PREFIX, hostLeasesPk, leasePk, summaryKey } from './items.ts';

type Item = Record<string, unknown>;

const toHour = (item: Item): HourBucket => ({
  hour: item.hour as string,
  gpuMs: item.gpuMs as number,
  records: item.records as number,
  utilizationGpuMs: (item.utilizationGpuMs as number | undefined) ?? 0,
  weighedGpuMs: (item.weighedGpuMs as number | undefined) ?? 0,
});

export class DynamoUsageReads implements UsageReadModel {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  private async queryAll(pk: string): Promise<Item[]> {
    return queryAll(this.documents, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true });
  }

  /** The job's pointers, then each assignment's partition: lease, summary, hours and waiting records. */
  async jobUsage(jobId: string): Promise<readonly AssignmentUsage[]> {
    const pointers = await this.queryAll(`JOB#${jobId}`);
    const partitions = await Promise.all(pointers.map((pointer) => this.queryAll(leasePk(pointer.assignmentId as string))));
    return partitions.flatMap((items): AssignmentUsage[] => {
      const lease = items.find((item) => item.sk === 'LEASE');
      if (!lease) return [];
      const summary = items.find((item) => item.sk === 'SUMMARY');
      return [
        {
          lease: toLease(lease),
          summary: summary ? toSummary(summary) : undefined,
          hours: items.filter((item) => String(item.sk).startsWith(HOUR_PREFIX)).map(toHour),
          pendingRecords: items.filter((item) => String(item.sk).startsWith(PENDING_PREFIX)).length,
        },
      ];
    });
  }

  /** The host's leases from `byType`, newest job first, with their summaries (one BatchGetItem). */
  async hostUsage(hostId: string, limit: number, cursor?: string): Promise<Page<AssignmentUsage>> {
    const gsi1pk = hostLeasesPk(hostId);
    const startKey = decodeCursor(cursor);
    if (startKey && startKey.gsi1pk !== gsi1pk) {
      throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for this host' }]);
    }
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const leases = (page.Items ?? []).map(toLease);
    const summaries = new Map<string, UsageSummary>();
    if (leases.length > 0) {
      const { Responses } = await this.documents.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: leases.map((lease) => summaryKey(lease.assignmentId)) } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) summaries.set(item.assignmentId as string, toSummary(item));
    }
    return {
      items: leases.map((lease) => ({ lease, summary: summaries.get(lease.assignmentId), hours: [], pendingRecords: 0 })),
      nextCursor: encodeCursor(page.LastEvaluatedKey),
    };
  }
}
