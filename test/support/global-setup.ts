import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { launchDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import { startSqsAndS3 } from '#infra/local/fauxqs.ts';
import { claimFolder, removeAbandonedFolders } from '#infra/local/owned-folders.ts';
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

const DATA_DIR_PREFIX = 'gpuhive-test-dynamodb-';

interface StandIns {
  readonly provided: { sharedDynamoDb: string; dynamoDbTemplate: DynamoDbTemplate; sharedSqsS3: string };
  readonly stop: () => Promise<void>;
}

/**
 * Starts one DynamoDB Local and one fauxqs for every test file's in-memory runtime, instead
 * of a Java process and an SQS server per file: each runtime keeps its tables under its own
 * access key and its queues under its own stage. DynamoDB Local keeps each key's database in
 * a file, so the tables are created once, in a template that each runtime copies
 * (test/support/dynamodb-template.ts). Neither Java nor the template is waited for here, so
 * a run of unit tests alone does not wait for them; runtimes wait until the template is ready.
 */
const startStandIns = async (): Promise<StandIns> => {
  // Before the first SDK client of vitest's own process, or the SDK prints its Node version warning.
  quietNodeVersionWarning();
  // A killed run leaves its tables in memory-backed /dev/shm.
  removeAbandonedFolders(scratchRoot(), DATA_DIR_PREFIX);
  const dataDir = mkdtempSync(join(scratchRoot(), DATA_DIR_PREFIX));
  claimFolder(dataDir);
  // Both of Java's compilers (not the workers' JAVA_TOOL_OPTIONS): over a whole run this Java serves tens of thousands
  // of requests, and the optimizing compiler's faster code pays for its work (130 CPU s against 153, docs/testing.md).
  const dynamodb = await launchDynamoDbLocal({ sharedDb: false, dataDir, log: (line) => process.stderr.write(`${line}\n`) });
  const template = templateIn(dataDir);
  const building = buildTemplate(dynamodb, template);
  const sqsS3 = await startSqsAndS3();
  return {
    provided: { sharedDynamoDb: dynamodb.endpoint, dynamoDbTemplate: template, sharedSqsS3: sqsS3.endpoint },
    stop: async () => {
      await sqsS3.stop();
      await building;
      await dynamodb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/**
 * The stand-ins of this vitest process, started by the first project that needs them and
 * stopped by the last one's teardown: vitest loads a project's global setup in that project's
 * own module runner, so only a global holds them for all of them (`runtime` and `isolated`).
 */
const SHARED = Symbol.for('gpuhive.test.standIns');
type Shared = { starting: Promise<StandIns>; users: number };
const holder = globalThis as { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (holder[SHARED] ??= { starting: startStandIns(), users: 0 });
  shared.users += 1;
  const standIns = await shared.starting;
  project.provide('sharedDynamoDb', standIns.provided.sharedDynamoDb);
  project.provide('dynamoDbTemplate', standIns.provided.dynamoDbTemplate);
  project.provide('sharedSqsS3', standIns.provided.sharedSqsS3);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete holder[SHARED];
    await standIns.stop();
  };
}
