import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, paginateListQueues, type SQSClient } from '@aws-sdk/client-sqs';
import { startDynamoDbLocal, waitForDynamoDb, type DynamoDbLocal } from './dynamodb-local.ts';
import type { LocalSqsS3 } from './fauxqs.ts';

/**
 * The local runtime's stand-ins, its own or started elsewhere and shared (the tests' one
 * DynamoDB Local and one fauxqs per run): a shared one outlives the runtime, so the runtime
 * removes what it made there when it stops.
 */

export const ownDynamoDbLocal = (dataDir: string | undefined, log: (line: string) => void): Promise<DynamoDbLocal> => {
  log(dataDir ? `Starting DynamoDB Local (data in ${dataDir}/dynamodb)...` : 'Starting DynamoDB Local (in memory)...');
  return startDynamoDbLocal({ ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}), log });
};

export const useDynamoDbLocal = async (endpoint: string, log: (line: string) => void): Promise<DynamoDbLocal> => {
  log(`Using DynamoDB Local at ${endpoint}...`);
  await waitForDynamoDb(endpoint);
  return { endpoint, stop: async () => undefined };
};

export const ownSqsAndS3 = async (log: (line: string) => void): Promise<LocalSqsS3> => {
  log('Starting SQS and S3 (fauxqs, in memory)...');
  // Imported here, not at the top: a runtime on a shared fauxqs (every test file's) would
  // otherwise load fauxqs and its web server for nothing, about 0.3 s of CPU per process.
  const { startSqsAndS3 } = await import('./fauxqs.ts');
  return startSqsAndS3();
};

export const useSqsAndS3 = (endpoint: string, log: (line: string) => void): LocalSqsS3 => {
  log(`Using SQS and S3 at ${endpoint}...`);
  return { endpoint, stop: async () => undefined };
};

/** A shared fauxqs keeps a stopped runtime's queues (host queues included): they go with it. */
export const deleteQueues = async (sqs: SQSClient, prefix: string): Promise<void> => {
  const urls: string[] = [];
  for await (const page of paginateListQueues({ client: sqs }, { QueueNamePrefix: prefix })) urls.push(...(page.QueueUrls ?? []));
  await Promise.all(urls.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))));
};

/** A shared DynamoDB Local keeps a stopped runtime's tables in its memory: they go with it. */
export const deleteTables = async (dynamodb: DynamoDBClient, tableNames: readonly string[]): Promise<void> => {
  await Promise.all(tableNames.map((TableName) => dynamodb.send(new DeleteTableCommand({ TableName }))));
};
