import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LiveAssignments } from '../ports.ts';

/**
 * Matching's read-only port (ARCHITECTURE.md): the assignments matching holds live on a
 * host, read from its reservation item, so heartbeats need no projection to catch up.
 */
export class MatchingLiveAssignments implements LiveAssignments {
  constructor(
    private readonly matchingTable: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async liveOn(hostId: string): Promise<readonly string[]> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.matchingTable, Key: { pk: `HOST#${hostId}`, sk: 'CAPACITY' }, ProjectionExpression: 'live' }),
    );
    return Object.keys((Item?.live as Record<string, unknown> | undefined) ?? {});
  }
}
