import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll, queryPage } from '#platform/dynamo.ts';
import { ValidationError } from '#platform/errors.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { AssignmentUsage, UsageReadModel } from '../ports.ts';
import { toAssignmentIdOf, toHourBucket, toLease, toSummary } from './codecs.ts';
import { HOUR_PREFIX, PENDING_PREFIX, hostLeasesPk, leasePk, summaryKey } from './items.ts';

type Item = Record<string, unknown>;

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
    const partitions = await Promise.all(pointers.map((pointer) => this.queryAll(leasePk(toAssignmentIdOf(pointer)))));
    return partitions.flatMap((items): AssignmentUsage[] => {
      const lease = items.find((item) => item.sk === 'LEASE');
      if (!lease) return [];
      const summary = items.find((item) => item.sk === 'SUMMARY');
      return [
        {
          lease: toLease(lease),
          summary: summary ? toSummary(summary) : undefined,
          hours: items.filter((item) => String(item.sk).startsWith(HOUR_PREFIX)).map(toHourBucket),
          pendingRecords: items.filter((item) => String(item.sk).startsWith(PENDING_PREFIX)).length,
        },
      ];
    });
  }

  /** The host's leases from `byType`, newest job first, with their summaries (BatchGetItem, unprocessed keys asked again). */
  async hostUsage(hostId: string, limit: number, cursor?: string): Promise<Page<AssignmentUsage>> {
    const gsi1pk = hostLeasesPk(hostId);
    const startKey = decodeCursor(cursor);
    if (startKey && startKey.gsi1pk !== gsi1pk) {
      throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for this host' }]);
    }
    const { items: leases, nextCursor } = await queryPage(
      this.documents,
      { TableName: this.tableName, IndexName: 'byType', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': gsi1pk }, ScanIndexForward: false, Limit: limit },
      startKey,
      toLease,
    );
    const found = await batchGetAll(this.documents, this.tableName, leases.map((lease) => summaryKey(lease.assignmentId)));
    const summaries = new Map(found.map(toSummary).map((summary) => [summary.assignmentId, summary]));
    return {
      items: leases.map((lease) => ({ lease, summary: summaries.get(lease.assignmentId), hours: [], pendingRecords: 0 })),
      nextCursor,
    };
  }
}
