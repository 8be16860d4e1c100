import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
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

/** A queue's ARN from its URL (`.../<account>/<name>`), as SQS builds both: one request less per queue. */
const queueArnOf = (queueUrl: string, region: string): string => {
  const [, account, name] = new URL(queueUrl).pathname.split('/');
  return `arn:aws:sqs:${region}:${account}:${name}`;
};

const createQueue = async (sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { SqsManagedSseEnabled: 'true', ...attributes } }));
  if (!QueueUrl) throw new Error(`No URL for queue ${name}`);
  return { url: QueueUrl, arn: queueArnOf(QueueUrl, await sqs.config.region()) };
};

/** The topology's table names for `stage`. */
export const tableNamesOf = (topology: Pick<Topology, 'tables'>, stage: string): Record<string, string> =>
  Object.fromEntries(Object.keys(topology.tables).map((name) => [name, resourceName(stage, name)]));

/** Creates the topology's tables one after another: DynamoDB Local creates them one at a time anyway. */
export const createTables = async (dynamodb: DynamoDBClient, topology: Pick<Topology, 'tables'>, stage: string): Promise<Record<string, string>> => {
  const tableNames = tableNamesOf(topology, stage);
  for (const [name, table] of Object.entries(topology.tables)) await createTable(dynamodb, tableNames[name]!, table);
  return tableNames;
};

export interface ProvisionOptions {
  /**
   * The tables exist already, named for this stage (a copy of a database made earlier, as
   * the tests' template): they are not created again.
   */
  readonly existingTablesStage?: string;
}

/**
 * Creates what the CDK stack would, from the same topology: tables, each consumer's queue
 * with its DLQ and redrive policy, the bus with one rule per topology rule, the exports
 * bucket. Safe to run at every start. Queues and rules are made concurrently (each DLQ
 * before its queue): at one request at a time they took seconds of a start.
 */
export const provision = async (topology: Topology, stage: string, clients: ProvisionClients, options: ProvisionOptions = {}): Promise<Provisioned> => {
  const tableNames = options.existingTablesStage === undefined
    ? await createTables(clients.dynamodb, topology, stage)
    : tableNamesOf(topology, options.existingTablesStage);

  for (const queue of topology.queues) {
    const problem = queueKnobProblem(queue);
    if (problem) throw new Error(problem);
  }
  const queues = await Promise.all(topology.queues.map(async (queue) => {
    const names = queueResourceNames(stage, queue);
    const fifo: Record<string, string> = queue.fifo ? { FifoQueue: 'true' } : {};
    const dlq = await createQueue(clients.sqs, names.deadLetterName, { MessageRetentionPeriod: String(14 * 24 * 3600), ...fifo });
    const main = await createQueue(clients.sqs, names.name, {
      ...fifo,
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: queue.maxReceiveCount }),
    });
    return { queue, main, dlq };
  }));
  const queueUrls: Record<string, string> = {};
  const queueArns: Record<string, string> = {};
  for (const { queue, main, dlq } of queues) {
    queueUrls[queue.name] = main.url;
    queueUrls[`${queue.name}-dlq`] = dlq.url;
    queueArns[queue.name] = main.arn;
  }

  const bus = busName(stage);
  await clients.eventBridge.send(new CreateEventBusCommand({ Name: bus })).catch((error: Error) => {
    if (error.name !== 'ResourceAlreadyExistsException') throw error;
  });
  await Promise.all(topology.rules.map(async (rule) => {
    const ruleName = resourceName(stage, rule.name);
    const arn = queueArns[rule.queue];
    if (!arn) throw new Error(`Rule ${rule.name} targets unknown queue ${rule.queue}`);
    await clients.eventBridge.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }));
    await clients.eventBridge.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: rule.queue, Arn: arn }] }));
  }));

  const bucketName = resourceName(stage, 'exports');
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucketName })).catch((error: Error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  return { tableNames, queueUrls, busName: bus, bucketName };
};
