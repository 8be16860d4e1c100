import type { TestProject } from 'vitest/node';
import { launchDynamoDbLocal } from '#infra/local/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One DynamoDB Local for the whole run (no `-sharedDb`: a database per access key). */
    sharedDynamoDb: string;
  }
}

/**
 * Starts one DynamoDB Local for every test file's in-memory runtime, instead of a Java
 * process per file: each runtime keeps its tables under its own access key. Not awaited
 * here, so a run of unit tests alone does not wait for Java; runtimes wait until it answers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const heapMb = Number(process.env.GPUHIVE_DYNAMODB_HEAP_MB) || 1024;
  const previous = process.env.GPUHIVE_DYNAMODB_HEAP_MB;
  process.env.GPUHIVE_DYNAMODB_HEAP_MB = String(heapMb);
  const dynamodb = await launchDynamoDbLocal({ sharedDb: false, log: (line) => process.stderr.write(`${line}\n`) });
  if (previous === undefined) delete process.env.GPUHIVE_DYNAMODB_HEAP_MB;
  else process.env.GPUHIVE_DYNAMODB_HEAP_MB = previous;
  project.provide('sharedDynamoDb', dynamodb.endpoint);
  return () => dynamodb.stop();
}
