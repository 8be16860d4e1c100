import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { localDynamoDb } from './local-runtime.ts';

/** Every item of every context's table, by `table|pk|sk`, as stable JSON without `ignore`d attributes. */
export type TableSnapshot = Map<string, string>;

const stable = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stable);
  if (value instanceof Set) return [...value].map(stable).sort();
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, stable(v)]));
  }
  return value;
};

export const snapshotTables = async (
  runtime: LocalRuntime,
  options: {
    readonly ignore?: readonly string[];
    /** Attributes to leave out by value too (bookkeeping such as a write-time index key). */
    readonly ignoreValue?: (name: string, value: unknown) => boolean;
    readonly skip?: (table: string, item: Record<string, unknown>) => boolean;
  } = {},
): Promise<TableSnapshot> => {
  const client = DynamoDBDocumentClient.from(
    localDynamoDb(runtime),
  );
  const ignore = new Set(options.ignore ?? []);
  const snapshot: TableSnapshot = new Map();
  for (const [table, tableName] of Object.entries(runtime.tableNames)) {
    for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        if (options.skip?.(table, item)) continue;
        const kept = Object.fromEntries(Object.entries(item).filter(([name, value]) => !ignore.has(name) && !options.ignoreValue?.(name, value)));
        snapshot.set(`${table}|${String(item.pk)}|${String(item.sk)}`, JSON.stringify(stable(kept)));
      }
    }
  }
  client.destroy();
  return snapshot;
};

/** What changed between two snapshots: keys added, removed, or whose item differs. */
export const diffSnapshots = (before: TableSnapshot, after: TableSnapshot) => {
  const added = [...after.keys()].filter((key) => !before.has(key));
  const removed = [...before.keys()].filter((key) => !after.has(key));
  const changed = [...after.keys()].filter((key) => before.has(key) && before.get(key) !== after.get(key))
    .map((key) => ({ key, before: before.get(key), after: after.get(key) }));
  return { added, removed, changed };
};

/**
 * Waits until no consumer queue of the runtime holds a message, visible or in flight: the
 * events of what happened so far have all been handled (or have moved to a DLQ).
 */
export const waitForQuietQueues = async (runtime: LocalRuntime, timeoutMs = 20_000): Promise<void> => {
  const sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
  const urls = Object.entries(runtime.queueUrls).filter(([name]) => !name.endsWith('-dlq')).map(([, url]) => url);
  const deadline = Date.now() + timeoutMs;
  try {
    for (let quietRounds = 0; quietRounds < 2;) {
      if (Date.now() > deadline) throw new Error(`consumer queues still busy after ${timeoutMs} ms`);
      let busy = 0;
      for (const url of urls) {
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        busy += Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      }
      // Twice quiet in a row: a consumer may be about to publish the next event of a chain.
      quietRounds = busy === 0 ? quietRounds + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    sqs.destroy();
  }
};
