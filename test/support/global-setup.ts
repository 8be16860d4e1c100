import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { launchDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import { startSqsAndS3 } from '#infra/local/fauxqs.ts';
import { quietNodeVersionWarning } from '#infra/local/runtime.ts';
import { buildTemplate, templateIn, type DynamoDbTemplate } from './dynamodb-template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One DynamoDB Local for the whole run (no `-sharedDb`: a database per access key). */
    sharedDynamoDb: string;
    /** Its data dir and the database every runtime's tables are copied from. */
    dynamoDbTemplate: DynamoDbTemplate;
    /** One fauxqs (SQS and S3) for the whole run: each runtime names its queues with a stage of its own. */
    sharedSqsS3: string;
  }
}

/** Memory-backed where there is /dev/shm: DynamoDB Local's files then cost no disk writes. */
const scratchRoot = (): string => (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

/**
 * Starts one DynamoDB Local and one fauxqs for every test file's in-memory runtime, instead
 * of a Java process and an SQS server per file: each runtime keeps its tables under its own
 * access key and its queues under its own stage. DynamoDB Local keeps each key's database in
 * a file, so the tables are created once, in a template that each runtime copies
 * (test/support/dynamodb-template.ts). Neither Java nor the template is waited for here, so
 * a run of unit tests alone does not wait for them; runtimes wait until the template is ready.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before the first SDK client of vitest's own process, or the SDK prints its Node version warning.
  quietNodeVersionWarning();
  const dataDir = mkdtempSync(join(scratchRoot(), 'gpuhive-test-dynamodb-'));
  const dynamodb = await launchDynamoDbLocal({ sharedDb: false, dataDir, log: (line) => process.stderr.write(`${line}\n`) });
  const template = templateIn(dataDir);
  const building = buildTemplate(dynamodb, template);
  const sqsS3 = await startSqsAndS3();
  project.provide('sharedDynamoDb', dynamodb.endpoint);
  project.provide('dynamoDbTemplate', template);
  project.provide('sharedSqsS3', sqsS3.endpoint);
  return async () => {
    await sqsS3.stop();
    await building;
    await dynamodb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
