import type { TestProject } from 'vitest/node';
import { launchDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import { startSqsAndS3 } from '#infra/local/fauxqs.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One DynamoDB Local for the whole run (no `-sharedDb`: a database per access key). */
    sharedDynamoDb: string;
    /** One fauxqs (SQS and S3) for the whole run: each runtime names its queues with a stage of its own. */
    sharedSqsS3: string;
  }
}

/**
 * Starts one DynamoDB Local and one fauxqs for every test file's in-memory runtime, instead
 * of a Java process and an SQS server per file: each runtime keeps its tables under its own
 * access key and its queues under its own stage. DynamoDB Local is not waited for here, so a
 * run of unit tests alone does not wait for Java; runtimes wait until it answers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const heapMb = Number(process.env.GPUHIVE_DYNAMODB_HEAP_MB) || 1024;
  const previous = process.env.GPUHIVE_DYNAMODB_HEAP_MB;
  process.env.GPUHIVE_DYNAMODB_HEAP_MB = String(heapMb);
  const dynamodb = await launchDynamoDbLocal({ sharedDb: false, log: (line) => process.stderr.write(`${line}\n`) });
  if (previous === undefined) delete process.env.GPUHIVE_DYNAMODB_HEAP_MB;
  else process.env.GPUHIVE_DYNAMODB_HEAP_MB = previous;
  const sqsS3 = await startSqsAndS3();
  project.provide('sharedDynamoDb', dynamodb.endpoint);
  project.provide('sharedSqsS3', sqsS3.endpoint);
  return async () => {
    await sqsS3.stop();
    await dynamodb.stop();
  };
}
