import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lease, LeaseObservation } from '../domain/lease.ts';
import type { LeaseStore } from '../ports.ts';
import { toLease } from './codecs.ts';
import { hostLeasesPk, jobLeaseKey, leaseKey } from './items.ts';

/** Kept here too: the usage store reads leases through this import. */
export { toLease };

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoLeaseStore implements LeaseStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly now: () => Date,
  ) {}

  /**
   * One update that merges what the event says into the lease (`mergeUpdate`), so deliveries
   * twice or out of order converge on the same item. The job's pointer to the lease goes first: a crash between
   * the two leaves the event to be retried. The billable end only moves earlier: a second
   * update, conditioned on it, since one update expression cannot take a minimum.
   */
  async observe(seen: LeaseObservation): Promise<Lease> {
    await this.documents.send(new PutCommand(this.pointerPut(seen)));
    const { Attributes } = await this.documents.send(new UpdateCommand({ ...this.mergeUpdate(seen), ReturnValues: 'ALL_NEW' }));
    const lease = toLease(Attributes ?? {});
    if (!seen.billableUntil || (lease.billableUntil !== undefined && lease.billableUntil <= seen.billableUntil)) return lease;
    try {
      const { Attributes: moved } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(seen.assignmentId),
          UpdateExpression: 'SET billableUntil = :until',
          ConditionExpression: 'attribute_not_exists(billableUntil) OR billableUntil > :until',
          ExpressionAttributeValues: { ':until': seen.billableUntil },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toLease(moved ?? {});
    } catch (error) {
      // Another delivery set an earlier end in between: it stands.
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: leaseKey(seen.assignmentId), ConsistentRead: true }));
      return toLease(Item ?? {});
    }
  }

  /** The job's pointer to the lease. */
  private pointerPut(seen: LeaseObservation) {
    return { TableName: this.tableName, Item: { ...jobLeaseKey(seen.jobId, seen.assignmentId), assignmentId: seen.assignmentId } };
  }

  /**
   * `mergeLease` in DynamoDB's words: the facts are the same on every event, lease start, end
   * and reason are kept from the first event that had them (`if_not_exists`), and `ended` is
   * only ever set.
   */
  private mergeUpdate(seen: LeaseObservation) {
    const sets = [
      'assignmentId = :assignmentId', 'jobId = :jobId', 'renterId = :renterId', 'providerId = :providerId', 'hostId = :hostId',
      'gpuCount = :gpuCount', 'gpuModel = :gpuModel', 'pricePerGpuHour = :price', 'gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk', 'updatedAt = :now',
    ];
    const values: Record<string, unknown> = {
      ':assignmentId': seen.assignmentId, ':jobId': seen.jobId, ':renterId': seen.renterId, ':providerId': seen.providerId,
      ':hostId': seen.hostId, ':gpuCount': seen.gpuCount, ':gpuModel': seen.gpuModel, ':price': seen.pricePerGpuHour,
      ':gsi1pk': hostLeasesPk(seen.hostId), ':gsi1sk': `${seen.jobId}#${seen.assignmentId}`, ':now': this.now().toISOString(),
    };
    if (seen.leaseStart) {
      sets.push('leaseStart = if_not_exists(leaseStart, :start)');
      values[':start'] = seen.leaseStart;
    }
    if (seen.leaseEnd) {
      sets.push('leaseEnd = if_not_exists(leaseEnd, :end)');
      values[':end'] = seen.leaseEnd;
    }
    if (seen.endReason) {
      sets.push('endReason = if_not_exists(endReason, :reason)');
      values[':reason'] = seen.endReason;
    }
    if (seen.ended) {
      sets.push('ended = :ended');
      values[':ended'] = true;
    }
    return { TableName: this.tableName, Key: leaseKey(seen.assignmentId), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values };
  }
}
