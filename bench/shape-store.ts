import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import type { TableDef } from '#infra/topology.ts';
import { dynamoDbLocalPid, processCpuSeconds } from './process-cpu.ts';

/**
 * A DynamoDB Local of its own for the write-shape benches, which price one write shape at a
 * time in its CPU seconds: the clients, DynamoDB Local's CPU so far, and tables made from the
 * topology's definitions (indexes projecting all attributes unless told otherwise).
 */
export const startShapeStore = async () => {
  process.env.GPUHIVE_DYNAMODB_HEAP_MB ??= '1024';
  const dynamo = await startDynamoDbLocal({ log: () => undefined });
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const javaPid = dynamoDbLocalPid(dynamo.endpoint);
  if (javaPid === undefined) {
    await dynamo.stop();
    throw new Error("DynamoDB Local's CPU time is read from /proc: Linux only");
  }
  const createTable = async (name: string, def: TableDef, projection: 'ALL' | 'KEYS_ONLY' = 'ALL') => {
    const attributes = new Set(['pk', 'sk', ...def.indexes.flatMap((index) => [index.partitionKey, index.sortKey])]);
    await client.send(new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: def.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, { AttributeName: index.sortKey, KeyType: 'RANGE' }],
        Projection: { ProjectionType: projection },
      })),
    }));
  };
  return { documents, createTable, javaCpu: () => processCpuSeconds(javaPid) ?? 0, stop: () => dynamo.stop() };
};
