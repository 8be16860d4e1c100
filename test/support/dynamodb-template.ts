import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { databaseFile, type LaunchedDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import { createTables } from '#infra/local/provision.ts';
import { topology } from '#infra/topology.ts';

/**
 * Every test runtime's tables, made once per run: creating the topology's tables costs
 * DynamoDB Local seconds (it creates one table at a time), copying a file of them costs
 * milliseconds. The run's DynamoDB Local keeps each access key's database in a file of its
 * own; globalSetup creates the tables under the template's key, and each runtime starts on
 * a copy of that file under a new key. The tables carry one stage in every copy (the access
 * key keeps runtimes apart), while each runtime's queues keep a stage of their own.
 */
export interface DynamoDbTemplate {
  /** DynamoDB Local's `-dbPath`. */
  readonly dataDir: string;
  readonly accessKeyId: string;
  /** The stage the template's table names carry. */
  readonly tablesStage: string;
}

export const templateIn = (dataDir: string): DynamoDbTemplate => ({ dataDir, accessKeyId: 'template', tablesStage: 'test' });

const READY = 'template.ready';
const FAILED = 'template.failed';
/** Java's start (up to 90 s on a busy machine) and the tables' creation, within vitest's 120 s hook timeout. */
const READY_WITHIN_MS = 115_000;

/**
 * Creates the topology's tables under the template's key once DynamoDB Local answers, then
 * leaves a mark in its data dir that runtimes wait for: ready, or failed with the reason.
 */
export const buildTemplate = async (dynamodb: LaunchedDynamoDbLocal, template: DynamoDbTemplate): Promise<void> => {
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: template.accessKeyId, secretAccessKey: 'local' },
  });
  try {
    await dynamodb.ready;
    await createTables(client, topology, template.tablesStage);
    writeFileSync(join(template.dataDir, READY), '');
  } catch (error) {
    writeFileSync(join(template.dataDir, FAILED), (error as Error).message);
  } finally {
    client.destroy();
  }
};

const templateReady = async (template: DynamoDbTemplate): Promise<void> => {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (existsSync(join(template.dataDir, READY))) return;
    const failed = join(template.dataDir, FAILED);
    if (existsSync(failed)) throw new Error(`The run's template tables could not be created: ${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`The run's template tables were not ready within ${READY_WITHIN_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * Gives `accessKeyId` a database of its own holding the template's empty tables, before its
 * first request (DynamoDB Local opens a key's file then). Returns what removes it again: its
 * tables first, then its file. DynamoDB Local keeps a database open once it has served it,
 * each table with background jobs (TTL deletion, index builds) polling for the rest of the run:
 * with 40 databases left open it idled at 13 % of a core against 6 % once their tables were
 * dropped (2026-12-06), and a run opens one per runtime.
 */
export const copyTemplate = async (template: DynamoDbTemplate, endpoint: string, accessKeyId: string): Promise<() => Promise<void>> => {
  await templateReady(template);
  const copy = databaseFile(template.dataDir, accessKeyId);
  copyFileSync(databaseFile(template.dataDir, template.accessKeyId), copy);
  return async () => {
    await dropTables(endpoint, accessKeyId);
    rmSync(copy, { force: true });
  };
};

/** Drops every table of `accessKeyId`'s database, so DynamoDB Local stops polling them (`copyTemplate`). */
export const dropTables = async (endpoint: string, accessKeyId: string): Promise<void> => {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'local' } });
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    await Promise.all(TableNames.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  } finally {
    client.destroy();
  }
};
