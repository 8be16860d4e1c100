import { BatchGetCommand, QueryCommand, ScanCommand, type BatchGetCommandInput, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { encodeCursor, type Page } from './pagination.ts';

type QueryInput = ConstructorParameters<typeof QueryCommand>[0];
type ScanInput = ConstructorParameters<typeof ScanCommand>[0];
type BatchGetRead = Omit<NonNullable<BatchGetCommandInput['RequestItems']>[string], 'Keys'>;

/** DynamoDB's limit on the keys of one BatchGetItem. */
const BATCH_GET_MAX = 100;

/**
 * A query's pages, following `LastEvaluatedKey`, from `startKey` when given. A caller that
 * has seen enough breaks out of its `for await` and no further page is read.
 */
export async function* queryPages(
  documents: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
  startKey?: Record<string, unknown>,
): AsyncGenerator<QueryCommandOutput> {
  let next = startKey;
  do {
    const page = await documents.send(new QueryCommand({ ...input, ...(next ? { ExclusiveStartKey: next } : {}) }));
    yield page;
    next = page.LastEvaluatedKey;
  } while (next);
}

/** Every item a query matches, following `LastEvaluatedKey` page by page. */
export const queryAll = async (documents: DynamoDBDocumentClient, input: Omit<QueryInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPages(documents, input)) items.push(...(page.Items ?? []));
  return items;
};

/** Every item a scan matches, following `LastEvaluatedKey` page by page. */
export const scanAll = async (documents: Pick<DynamoDBDocumentClient, 'send'>, input: Omit<ScanInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

/**
 * One page of a listing the API pages with `?limit=&cursor=`: the query from the decoded
 * cursor's key, each item read with `toItem`, and the cursor to the next page (null at the end).
 */
export const queryPage = async <T>(
  documents: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
  startKey: Record<string, unknown> | undefined,
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> => {
  const page = await documents.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
  return { items: (page.Items ?? []).map(toItem), nextCursor: encodeCursor(page.LastEvaluatedKey) };
};

/**
 * The pages of several queries, one query after another, the next page (of this query or the
 * next) already requested while the caller works on this one: for readers that stream a long
 * listing and should not wait for DynamoDB between pages.
 */
export async function* queryPagesAhead(
  documents: Pick<DynamoDBDocumentClient, 'send'>,
  inputs: readonly Omit<QueryInput, 'ExclusiveStartKey'>[],
): AsyncGenerator<QueryCommandOutput> {
  async function* inOrder() {
    for (const input of inputs) yield* queryPages(documents, input);
  }
  const pages = inOrder();
  let next = pages.next();
  try {
    for (;;) {
      const page = await next;
      if (page.done) return;
      next = pages.next();
      // Awaited on the next turn; this only keeps a read the caller no longer wants from being an unhandled rejection.
      next.catch(() => undefined);
      yield page.value;
    }
  } finally {
    // Not awaited: a caller that stops need not wait for the page already on its way.
    pages.return(undefined).catch(() => undefined);
  }
}

/**
 * Every item of one table found under `keys` (in no particular order; a missing key is simply
 * absent): one BatchGetItem per 100 keys, one after another, each asking again for the keys
 * DynamoDB left unprocessed. `read` carries the rest of the request (`ConsistentRead`, a projection).
 */
export const batchGetAll = async (
  documents: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  read: BatchGetRead = {},
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_MAX);
    while (pending.length > 0) {
      const answer = await documents.send(new BatchGetCommand({ RequestItems: { [tableName]: { ...read, Keys: pending } } }));
      found.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
};
