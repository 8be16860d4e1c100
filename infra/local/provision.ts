import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { busName, queueKnobProblem, queueResourceNames, resourceName, type TableDef, type Topology } from '../topology.ts';

export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  readonly s3: S3Client;
}

export interface Provisioned {
  readonly tableNames: Record<string, string>;
  readonly queueUrls: Record<string, string>;
  readonly busName: string;
  readonly bucketName: string;
}

const createTable = async (dynamodb: DynamoDBClient, name: string, table: TableDef): Promise<void> => {
  const attributes = new Set(['pk', 'sk', ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey])]);
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: table.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    if (table.ttlAttribute) {
      await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }));
    }
  } catch (error) {
    // On disk the tables survive restarts: creating them again is a no-op.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await dynamodb.send(new DescribeTableCommand({ TableName: name }));
};

const createQueue = async (sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { SqsManagedSseEnabled: 'true', ...attributes } }));
  if (!QueueUrl) throw new Error(`No URL for queue ${name}`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
};

/**
 * Creates what the CDK stack would, from the same topology: tables, each consumer's queue
 * with its DLQ and redrive policy, the bus with one rule per topology rule, the exports
 * bucket. Safe to run at every start.
 */
export const provision = async (topology: Topology, stage: string, clients: ProvisionClients): Promise<Provisioned> => {
  const tableNames: Record<string, string> = {};
  for (const [name, table] of Object.entries(topology.tables)) {
    tableNames[name] = resourceName(stage, name);
    await createTable(clients.dynamodb, tableNames[name], table);
  }

  const queueUrls: Record<string, string> = {};
  const queueArns: Record<string, string> = {};
  for (const queue of topology.queues) {
    const problem = queueKnobProblem(queue);
    if (problem) throw new Error(problem);
    const names = queueResourceNames(stage, queue);
    const fifo: Record<string, string> = queue.fifo ? { FifoQueue: 'true' } : {};
    const dlq = await createQueue(clients.sqs, names.deadLetterName, { MessageRetentionPeriod: String(14 * 24 * 3600), ...fifo });
    const main = await createQueue(clients.sqs, names.name, {
      ...fifo,
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: queue.maxReceiveCount }),
    });
    queueUrls[queue.name] = main.url;
    queueUrls[`${queue.name}-dlq`] = dlq.url;
    queueArns[queue.name] = main.arn;
  }

  const bus = busName(stage);
  await clients.eventBridge.send(new CreateEventBusCommand({ Name: bus })).catch((error: Error) => {
    if (error.name !== 'ResourceAlreadyExistsException') throw error;
  });
  for (const rule of topology.rules) {
    const ruleName = resourceName(stage, rule.name);
    await clients.eventBridge.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }));
    const arn = queueArns[rule.queue];
    if (!arn) throw new Error(`Rule ${rule.name} targets unknown queue ${rule.queue}`);
    await clients.eventBridge.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: rule.queue, Arn: arn }] }));
  }

  const bucketName = resourceName(stage, 'exports');
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucketName })).catch((error: Error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  return { tableNames, queueUrls, busName: bus, bucketName };
};
