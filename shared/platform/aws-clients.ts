import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { COUNT_SDK_CALLS_ENV, countSdkCalls } from './call-counter.ts';

/**
 * The ordinary AWS SDK v3 clients, built once per process. Local mode points them at the
 * stand-ins through the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, so there is no
 * second code path: only S3 needs path-style addressing when an endpoint is overridden.
 * Where the local runtime or the cost measurement asks for it (GPUHIVE_COUNT_SDK_CALLS=true),
 * each client carries the call counter's middleware, which counts only while a measurement
 * runs the counter (shared/platform/call-counter.ts); production clients go without it.
 */
const counted = <C extends Parameters<typeof countSdkCalls>[0]>(client: C): C =>
  process.env[COUNT_SDK_CALLS_ENV] === 'true' ? countSdkCalls(client) : client;

let documents: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let s3: S3Client | undefined;
let sts: STSClient | undefined;

export const documentClient = (): DynamoDBDocumentClient =>
  (documents ??= DynamoDBDocumentClient.from(counted(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  }));

/**
 * Sockets one process may hold open to SQS. The local runtime serves every host's long poll
 * (`GET /v1/agent/assignments`, up to 20 s each) in one process through this client: at the
 * SDK's default of 50, fifty polling hosts made every other SQS call (the matcher sending an
 * assignment) wait up to 20 s for a socket. A Lambda instance serves one request at a time,
 * so on AWS the limit never binds.
 */
export const SQS_MAX_SOCKETS = 2000;

/** Requests go to the configured endpoint, not the queue URL's host (which a local stand-in may not resolve). */
export const sqsClient = (): SQSClient =>
  (sqs ??= counted(new SQSClient({
    useQueueUrlAsEndpoint: false,
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: SQS_MAX_SOCKETS }, httpsAgent: { keepAlive: true, maxSockets: SQS_MAX_SOCKETS } },
  })));

export const eventBridgeClient = (): EventBridgeClient => (eventBridge ??= counted(new EventBridgeClient({})));

export const s3Client = (): S3Client =>
  (s3 ??= counted(new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) })));

export const stsClient = (): STSClient => (sts ??= counted(new STSClient({})));
