import { describe, expect, it } from 'vitest';
import type { BatchGetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll, queryPage, queryPages, queryPagesAhead, scanAll } from '#platform/dynamo.ts';
import { encodeCursor } from '#platform/pagination.ts';

/** A client whose query answers three pages of two items, keyed by the start key. */
const pagedClient = () => {
  const starts: unknown[] = [];
  const pages: Record<string, { Items: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }> = {
    first: { Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { k: 'second' } },
    second: { Items: [{ n: 3 }, { n: 4 }], LastEvaluatedKey: { k: 'third' } },
    third: { Items: [{ n: 5 }] },
  };
  const send = async (command: QueryCommand | ScanCommand) => {
    const start = command.input.ExclusiveStartKey as { k: string } | undefined;
    starts.push(start);
    return pages[start?.k ?? 'first'];
  };
  return { starts, documents: { send } as never };
};

describe('queryPages / queryAll / scanAll', () => {
  it('follows LastEvaluatedKey to the last page', async () => {
    const { starts, documents } = pagedClient();
    expect(await queryAll(documents, { TableName: 't' })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(starts).toEqual([undefined, { k: 'second' }, { k: 'third' }]);
  });

  it('reads no further page once the caller stops, and can start from a key', async () => {
    const { starts, documents } = pagedClient();
    for await (const page of queryPages(documents, { TableName: 't' }, { k: 'second' })) {
      expect(page.Items).toEqual([{ n: 3 }, { n: 4 }]);
      break;
    }
    expect(starts).toEqual([{ k: 'second' }]);
  });

  it('scans to the last page', async () => {
    const { starts, documents } = pagedClient();
    expect(await scanAll(documents, { TableName: 't' })).toHaveLength(5);
    expect(starts).toEqual([undefined, { k: 'second' }, { k: 'third' }]);
  });
});

describe('queryPage', () => {
  it('reads one page from the given key, mapping its items, with the cursor to the next', async () => {
    const { starts, documents } = pagedClient();
    const page = await queryPage(documents, { TableName: 't', Limit: 2 }, { k: 'second' }, (item) => item.n);
    expect(page).toEqual({ items: [3, 4], nextCursor: encodeCursor({ k: 'third' }) });
    expect(starts).toEqual([{ k: 'second' }]);
  });

  it('starts at the beginning without a key and gives no cursor after the last page', async () => {
    const { starts, documents } = pagedClient();
    expect((await queryPage(documents, { TableName: 't' }, undefined, (item) => item.n)).items).toEqual([1, 2]);
    expect(await queryPage(documents, { TableName: 't' }, { k: 'third' }, (item) => item.n)).toEqual({ items: [5], nextCursor: null });
    expect(starts).toEqual([undefined, { k: 'third' }]);
  });
});

describe('queryPagesAhead', () => {
  it('reads each query to its last page in order, asking for the next page before the caller is done with this one', async () => {
    const { starts, documents } = pagedClient();
    const seen: unknown[] = [];
    for await (const page of queryPagesAhead(documents, [{ TableName: 'a' }, { TableName: 'b' }])) {
      seen.push({ items: page.Items, requestedSoFar: starts.length });
    }
    expect(seen).toEqual([
      { items: [{ n: 1 }, { n: 2 }], requestedSoFar: 2 },
      { items: [{ n: 3 }, { n: 4 }], requestedSoFar: 3 },
      { items: [{ n: 5 }], requestedSoFar: 4 },
      { items: [{ n: 1 }, { n: 2 }], requestedSoFar: 5 },
      { items: [{ n: 3 }, { n: 4 }], requestedSoFar: 6 },
      { items: [{ n: 5 }], requestedSoFar: 6 },
    ]);
  });

  it('asks for nothing more than the one page ahead once the caller stops', async () => {
    const { starts, documents } = pagedClient();
    for await (const page of queryPagesAhead(documents, [{ TableName: 'a' }])) {
      expect(page.Items).toEqual([{ n: 1 }, { n: 2 }]);
      break;
    }
    expect(starts).toEqual([undefined, { k: 'second' }]);
  });
});

describe('batchGetAll', () => {
  /** A table of items 0..249 under { id }, whose first answer to each request leaves its last key unprocessed. */
  const batchClient = () => {
    const requests: { keys: number[]; consistent?: boolean; projection?: string }[] = [];
    const send = async (command: BatchGetCommand) => {
      const asked = command.input.RequestItems?.t;
      const keys = (asked?.Keys ?? []).map((key) => key.id as number);
      requests.push({ keys, consistent: asked?.ConsistentRead, projection: asked?.ProjectionExpression });
      const again = requests.filter((request) => request.keys[0] === keys[0]).length > 1;
      const answered = again || keys.length < 2 ? keys : keys.slice(0, -1);
      return {
        Responses: { t: answered.filter((id) => id < 250).map((id) => ({ id })) },
        ...(answered.length < keys.length ? { UnprocessedKeys: { t: { Keys: keys.slice(answered.length).map((id) => ({ id })) } } } : {}),
      };
    };
    return { requests, documents: { send } as never };
  };

  it('asks 100 keys at a time, asks again for what was left unprocessed, and finds every item there is', async () => {
    const { requests, documents } = batchClient();
    const keys = Array.from({ length: 260 }, (_, id) => ({ id }));
    const found = await batchGetAll(documents, 't', keys, { ConsistentRead: true, ProjectionExpression: 'id' });
    expect(found.map((item) => item.id).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 250 }, (_, id) => id));
    expect(requests.map((request) => request.keys.length)).toEqual([100, 1, 100, 1, 60, 1]);
    expect(requests.every((request) => request.consistent === true && request.projection === 'id')).toBe(true);
  });

  it('asks nothing for no keys', async () => {
    const { requests, documents } = batchClient();
    expect(await batchGetAll(documents, 't', [])).toEqual([]);
    expect(requests).toEqual([]);
  });
});
