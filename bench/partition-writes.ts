/**
 * Counts writes per partition key (table keys and the index partitions an item is written
 * into) on this process's shared DynamoDB client, to find the hottest key of a benchmark run.
 * On AWS one partition takes at most 1,000 writes/s (a key with a monotonic sort key cannot
 * be split), so the hottest key's rate at the measured load is what bounds scaling out.
 */
import { documentClient } from '#platform/aws-clients.ts';

type Loose = Record<string, unknown>;

/** Attributes that name an index partition (the GSIs' partition keys). */
const INDEX_KEYS = ['gsi1pk', 'gsi2pk', 'outboxBucket'] as const;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as Loose).S === 'string' ? ((value as Loose).S as string) : undefined;

const keysOfPut = (table: string, item: Loose): string[] => [
  `${table} ${text(item.pk)}`,
  ...INDEX_KEYS.flatMap((name) => (text(item[name]) ? [`${table} ${name}=${text(item[name])}`] : [])),
];

const keysOfUpdate = (table: string, update: Loose): string[] => {
  const key = update.Key as Loose;
  const expression = String(update.UpdateExpression ?? '');
  const values = (update.ExpressionAttributeValues ?? {}) as Loose;
  const indexWrites = INDEX_KEYS.flatMap((name) => {
    const match = new RegExp(`\\b${name}\\s*=\\s*(:\\w+)`).exec(expression);
    const value = match ? text(values[match[1]!]) : undefined;
    return value ? [`${table} ${name}=${value}`] : [];
  });
  return [`${table} ${text(key.pk)}`, ...indexWrites];
};

/** The partition keys one call writes. */
export const writtenKeys = (operation: string, input: Loose): string[] => {
  const table = String(input.TableName ?? '');
  switch (operation) {
    case 'PutItem':
      return keysOfPut(table, input.Item as Loose);
    case 'UpdateItem':
      return keysOfUpdate(table, input);
    case 'DeleteItem':
      return [`${table} ${text((input.Key as Loose).pk)}`];
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Loose[]).flatMap((entry) => {
        if (entry.Put) return keysOfPut(String((entry.Put as Loose).TableName), (entry.Put as Loose).Item as Loose);
        if (entry.Update) return keysOfUpdate(String((entry.Update as Loose).TableName), entry.Update as Loose);
        if (entry.Delete) return [`${String((entry.Delete as Loose).TableName)} ${text(((entry.Delete as Loose).Key as Loose).pk)}`];
        return [];
      });
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, Loose[]>).flatMap(([name, requests]) =>
        requests.flatMap((request) =>
          request.PutRequest ? keysOfPut(name, (request.PutRequest as Loose).Item as Loose) : [`${name} ${text(((request.DeleteRequest as Loose).Key as Loose).pk)}`],
        ),
      );
    default:
      return [];
  }
};

export class PartitionWrites {
  readonly counts = new Map<string, number>();
  counting = false;

  /** Adds the counting middleware to the process's shared client (once). */
  static attach(): PartitionWrites {
    const watcher = new PartitionWrites();
    documentClient().middlewareStack.add(
      ((next: (args: { input: Loose }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: Loose }) => {
        if (watcher.counting) {
          for (const key of writtenKeys((context.commandName ?? '').replace(/Command$/, ''), args.input)) watcher.counts.set(key, (watcher.counts.get(key) ?? 0) + 1);
        }
        return next(args);
      }) as never,
      { step: 'initialize', name: 'benchPartitionWrites' },
    );
    return watcher;
  }

  /** Items written (table keys only, not index partitions). */
  itemsWritten(): number {
    return [...this.counts].reduce((sum, [key, writes]) => sum + (key.includes('=') ? 0 : writes), 0);
  }

  /** The most-written keys, most first. */
  hottest(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, n);
  }
}
