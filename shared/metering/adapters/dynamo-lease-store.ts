import { isDeepStrictEqual } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lease, LeaseObservation } from '../domain/lease.ts';
import type { LeaseStore } from '../ports.ts';
import { toLease } from './codecs.ts';
import { hostLeasesPk, jobLeaseKey, leaseKey } from './items.ts';

/** Kept here too: the usage store reads leases through this import. */
export { toLease };

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Two items per lease (pointer and lease) in a TransactWriteItems of at most 100. */
const LEASES_PER_TRANSACTION = 50;
const BATCH_GET_KEYS = 100;

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

  /**
   * `observe` for a whole batch of observations (issue 14: one write per SQS batch of
   * `job.scheduled`): the job's pointer and the merge of each lease, 50 leases per
   * TransactWriteItems (`mergeBatched`), then the leases read back in one BatchGet per 100.
   */
  async observeAll(seen: readonly LeaseObservation[]): Promise<Lease[]> {
    const { batched, alone } = this.split(seen);
    await this.mergeBatched(batched);
    const leases = new Map((await this.getAll(batched.map((one) => one.assignmentId))).map((lease) => [lease.assignmentId, lease]));
    for (const one of alone) leases.set(one.assignmentId, await this.observe(one));
    return [...leases.values()];
  }

  /** `observeAll` without the read back: the same writes, one BatchGet fewer per batch. */
  async mergeAll(seen: readonly LeaseObservation[]): Promise<void> {
    const { batched, alone } = this.split(seen);
    await this.mergeBatched(batched);
    for (const one of alone) await this.observe(one);
  }

  /**
   * Observations that can share a transaction, and those that go on their own: a redelivered
   * event in the same batch says nothing new; the same assignment twice in one transaction is
   * refused, so another observation of it goes on its own, as does one with a billable end (its
   * minimum needs a second, conditioned update).
   */
  private split(seen: readonly LeaseObservation[]): { batched: LeaseObservation[]; alone: LeaseObservation[] } {
    const byAssignment = new Map<string, LeaseObservation>();
    const alone: LeaseObservation[] = [];
    for (const one of seen) {
      const known = byAssignment.get(one.assignmentId);
      if (known && isDeepStrictEqual(known, one)) continue;
      if (one.billableUntil || known) alone.push(one);
      else byAssignment.set(one.assignmentId, one);
    }
    return { batched: [...byAssignment.values()], alone };
  }

  /** Each lease's pointer and merge, 50 leases per transaction; a transaction that collides with another writer falls back to `observe` one by one. */
  private async mergeBatched(batched: readonly LeaseObservation[]): Promise<void> {
    for (let start = 0; start < batched.length; start += LEASES_PER_TRANSACTION) {
      const chunk = batched.slice(start, start + LEASES_PER_TRANSACTION);
      try {
        await this.documents.send(
          new TransactWriteCommand({ TransactItems: chunk.flatMap((one) => [{ Put: this.pointerPut(one) }, { Update: this.mergeUpdate(one) }]) }),
        );
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        for (const one of chunk) await this.observe(one);
      }
    }
  }

  private async getAll(assignmentIds: readonly string[]): Promise<Lease[]> {
    const leases: Lease[] = [];
    for (let start = 0; start < assignmentIds.length; start += BATCH_GET_KEYS) {
      let keys: Record<string, unknown>[] = assignmentIds.slice(start, start + BATCH_GET_KEYS).map(leaseKey);
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.documents.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        leases.push(...(Responses?.[this.tableName] ?? []).map(toLease));
        keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return leases;
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
