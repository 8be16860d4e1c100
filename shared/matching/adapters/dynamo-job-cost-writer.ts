import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MicroUsd } from '#platform/money.ts';
import type { JobCostWriter } from '../ports.ts';

/**
 * Raises a job's `cost` with one UpdateItem on the job item's two attributes, without reading
 * or rewriting the rest of it (issue 14: one cost update per charged chunk). The revision is
 * bumped too: a concurrent transition that read the job before would otherwise write the
 * old cost back with the whole item; now its revision condition fails and it reads again.
 */
export class DynamoJobCostWriter implements JobCostWriter {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async raiseCost(jobId: string, cost: MicroUsd): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
          UpdateExpression: 'SET cost = :cost ADD revision :one',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(cost) OR cost < :cost)',
          ExpressionAttributeValues: { ':cost': cost, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
