/**
 * What DynamoDB Local spends, in CPU per usage record, on the writes one `POST /v1/agent/usage`
 * of 100 agent-numbered records and its charge cause, shape by shape, beside the ceiling
 * (plain items in 100-item transactions). It answers "where does DynamoDB Local's time per
 * record go beyond the ceiling's" for the usage path (issue 14), as
 * `dynamodb-write-shapes.bench.ts` does for placements:
 *
 * - metering's 10 record groups of 10 records: conditional `UpdateItem`s, one
 *   `attribute_not_exists` per record (as before), or one conditional `Put` per whole fresh
 *   group (`attribute_not_exists(pk)`), each record as a map, as whole JSON text, or as the
 *   short JSON text `groupedRecordValue` writes (now);
 * - metering's whole commit: the groups, the summary, the hour bucket and the chunk event's
 *   outbox item, in one transaction;
 * - the chunk event's outbox item: written and marked sent (as built), written alone (what
 *   mark-sent adds, by difference), written and deleted;
 * - billing's chunk item: its lines as a list of maps (before) or as JSON text (now) in the
 *   billing table, whose `byType` index takes the item too.
 *
 * The shapes take turns over several passes (the first warms the JIT and is dropped) and the
 * median pass is printed.
 *
 *   npx tsx bench/usage-write-shapes.bench.ts [--requests 200] [--passes 5]
 */
import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tables } from '#infra/topology.ts';
import { groupedRecordValue } from '#metering/adapters/codecs.ts';
import { recordAttribute, usageGroupKey } from '#metering/adapters/items.ts';
import type { StoredUsage } from '#metering/ports.ts';
import { startShapeStore } from './shape-store.ts';
import { progress, table } from './support.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, passes: { type: 'string', default: '5' } } });
const REQUESTS = Number(values.requests);
const PASSES = Math.max(2, Number(values.passes));
const RECORDS = 100;
const CALLERS = 4;

const { documents, createTable, javaCpu, stop } = await startShapeStore();
try {
  await createTable('metering', tables.metering);
  await createTable('billing', tables.billing);

  let sequence = 0;
  const now = new Date().toISOString();
  /** A request's 100 records as metering stores them, for a fresh assignment. */
  const request = () => {
    sequence += 1;
    const assignmentId = `job_u${sequence}.a1.r0`;
    const hostId = 'host_usagebench01';
    const records = Array.from({ length: RECORDS }, (_, n) => {
      const eventId = `usage-${String(n).padStart(6, '0')}`;
      const from = new Date(Date.parse(now) + n * 10).toISOString();
      const to = new Date(Date.parse(now) + (n + 1) * 10).toISOString();
      return {
        eventId, assignmentId, hostId, from, to, gpuSeconds: 0.01, receivedAt: now, status: 'accepted', usageRecordId: `use_${sequence}_${n}abcdefghijkl`,
        gpuMs: 10, acceptedFrom: from, acceptedTo: to, clipped: [], judgedAt: now,
      };
    });
    return { assignmentId, hostId, records };
  };
  type Request = ReturnType<typeof request>;
  const groupsOf = (req: Request) => {
    const groups = new Map<string, { key: ReturnType<typeof usageGroupKey>; records: Request['records'] }>();
    for (const record of req.records) {
      const key = usageGroupKey(req.assignmentId, record.eventId, req.hostId);
      const group = groups.get(key.pk) ?? { key, records: [] };
      group.records.push(record);
      groups.set(key.pk, group);
    }
    return [...groups.values()];
  };
  const groupUpdates = (req: Request) => groupsOf(req).map(({ key, records }) => ({
    Update: {
      TableName: 'metering', Key: key,
      UpdateExpression: `SET ${records.map((_, i) => `#r${i} = :r${i}`).join(', ')}`,
      ConditionExpression: records.map((_, i) => `attribute_not_exists(#r${i})`).join(' AND '),
      ExpressionAttributeNames: Object.fromEntries(records.map((record, i) => [`#r${i}`, recordAttribute(record.eventId)])),
      ExpressionAttributeValues: Object.fromEntries(records.map((record, i) => [`:r${i}`, record])),
    },
  }));
  const groupPuts = (req: Request) => groupsOf(req).map(({ key, records }) => ({
    Put: {
      TableName: 'metering',
      Item: { ...key, ...Object.fromEntries(records.map((record) => [recordAttribute(record.eventId), record])) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  const groupPutsAsText = (req: Request) => groupsOf(req).map(({ key, records }) => ({
    Put: {
      TableName: 'metering',
      Item: { ...key, ...Object.fromEntries(records.map((record) => [recordAttribute(record.eventId), JSON.stringify(record)])) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  const groupPutsAsShortText = (req: Request) => groupsOf(req).map(({ key, records }) => ({
    Put: {
      TableName: 'metering',
      Item: { ...key, ...Object.fromEntries(records.map((record) => [recordAttribute(record.eventId), groupedRecordValue(record as StoredUsage)])) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  const chunkEvent = (req: Request) => JSON.stringify({ source: 'gpuhive.metering', detailType: 'usage.chunk_recorded', detail: { records: req.records.map((r) => ({ usageRecordId: r.usageRecordId, gpuSeconds: r.gpuSeconds, from: r.from, to: r.to })) } });
  /** The chunk event's outbox item, as metering's commit writes it. */
  const chunkEventPut = (req: Request) => {
    const key = { pk: `OUTBOX#evt_${req.assignmentId}`, sk: 'OUTBOX' };
    return { key, put: { Put: { TableName: 'metering', Item: { ...key, events: chunkEvent(req), createdAt: now, outboxBucket: 'pending' }, ConditionExpression: 'attribute_not_exists(pk)' } } };
  };
  const rest = (req: Request) => [
    { Put: { TableName: 'metering', Item: { pk: `LEASE#${req.assignmentId}`, sk: 'SUMMARY', version: 1, coverage: [[1, 2]], acceptedRecords: 100, gpuMs: 1000, recordGroups: true }, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Update: { TableName: 'metering', Key: { pk: `LEASE#${req.assignmentId}`, sk: 'HOUR#2026-12-05T12' }, UpdateExpression: 'SET assignmentId = :a ADD gpuMs :g, records :r', ExpressionAttributeValues: { ':a': req.assignmentId, ':g': 1000, ':r': 100 } } },
    { Put: { TableName: 'metering', Item: { pk: `OUTBOX#evt_${req.assignmentId}`, sk: 'OUTBOX', events: chunkEvent(req), createdAt: now, outboxBucket: 'pending' }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
  const chunkItem = (req: Request, lines: 'maps' | 'text') => {
    const list = req.records.map((r) => ({ usageRecordId: r.usageRecordId, gpuSeconds: r.gpuSeconds, from: r.from, to: r.to, amount: 10, providerAmount: 8, fee: 2 }));
    return {
      Put: {
        TableName: 'billing',
        Item: {
          pk: `CHUNK#uch_${req.assignmentId}`, sk: 'CHUNK', chunkId: `uch_${req.assignmentId}`, jobId: 'job', assignmentId: req.assignmentId, renterId: 'acct_r', providerId: 'acct_p', hostId: req.hostId,
          pricePerGpuHour: 3_600_000, lines: lines === 'maps' ? list : JSON.stringify(list), amount: 1000, providerAmount: 800, fee: 200, fromHold: 1000, chargedAt: now, jobCost: 1000,
          gsi1pk: 'CHARGES#2026-12-05#0', gsi1sk: `${now}#uch_${req.assignmentId}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  };
  const ceiling = () => Array.from({ length: 100 }, () => ({ Put: { TableName: 'billing', Item: { pk: `CEILING#${(sequence += 1)}`, sk: 'CEILING', payload: 'x'.repeat(200) } } }));
  const send = (items: object[]) => documents.send(new TransactWriteCommand({ TransactItems: items as never }));

  /** Each shape: the items it writes per request of 100 records, and one request's writes. */
  const shapes: { readonly name: string; readonly items: number; readonly run: () => Promise<unknown> }[] = [
    { name: 'ceiling: 100 plain items in one transaction', items: 100, run: () => send(ceiling()) },
    { name: 'metering: 10 record groups as UpdateItems, a condition per record (before)', items: 10, run: () => send(groupUpdates(request())) },
    { name: 'metering: 10 record groups as Puts, attribute_not_exists(pk)', items: 10, run: () => send(groupPuts(request())) },
    { name: 'metering: 10 record groups as Puts, each record as JSON text', items: 10, run: () => send(groupPutsAsText(request())) },
    { name: 'metering: commit with groups as UpdateItems (before)', items: 13, run: () => { const req = request(); return send([...groupUpdates(req), ...rest(req)]); } },
    { name: 'metering: commit with groups as Puts', items: 13, run: () => { const req = request(); return send([...groupPuts(req), ...rest(req)]); } },
    { name: 'metering: 10 record groups as Puts, each record as short JSON text (groupedRecordValue)', items: 10, run: () => send(groupPutsAsShortText(request())) },
    { name: 'metering: commit with groups as Puts, each record as JSON text', items: 13, run: () => { const req = request(); return send([...groupPutsAsText(req), ...rest(req)]); } },
    { name: 'metering: commit with groups as Puts, each record as short JSON text (now)', items: 13, run: () => { const req = request(); return send([...groupPutsAsShortText(req), ...rest(req)]); } },
    {
      name: 'outbox: the chunk event\'s item written, then marked sent (moved in the outbox index)',
      items: 1,
      run: async () => {
        const { key, put } = chunkEventPut(request());
        await send([put]);
        await documents.send(new UpdateCommand({
          TableName: 'metering', Key: key, UpdateExpression: 'SET outboxBucket = :bucket, sentAt = :now, #ttl = :expires', ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': 'ttl' }, ExpressionAttributeValues: { ':bucket': 'sent#2026-12-05T12', ':now': now, ':expires': 1 },
        }));
      },
    },
    {
      name: 'outbox: the chunk event\'s item written, not marked sent (what mark-sent adds, by difference)',
      items: 1,
      run: () => send([chunkEventPut(request()).put]),
    },
    {
      name: 'outbox: the chunk event\'s item written, then deleted instead of marked sent',
      items: 1,
      run: async () => {
        const { key, put } = chunkEventPut(request());
        await send([put]);
        await documents.send(new DeleteCommand({ TableName: 'metering', Key: key }));
      },
    },
    { name: 'billing: chunk item, lines as a list of maps (before)', items: 1, run: () => send([chunkItem(request(), 'maps')]) },
    { name: 'billing: chunk item, lines as JSON text', items: 1, run: () => send([chunkItem(request(), 'text')]) },
  ];

  /** DynamoDB Local's CPU ms per record of a shape, `requests` requests, 4 callers. */
  const measure = async (shape: (typeof shapes)[number], requests: number): Promise<number> => {
    const before = javaCpu();
    let left = requests;
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      while (left > 0) {
        left -= 1;
        await shape.run();
      }
    }));
    return (1000 * (javaCpu() - before)) / (requests * RECORDS);
  };

  const passes = new Map<string, number[]>();
  for (let pass = 1; pass <= PASSES; pass += 1) {
    progress(`pass ${pass} of ${PASSES}${pass === 1 ? ' (warm-up, dropped)' : ''}`);
    for (const shape of shapes) {
      const perRecord = await measure(shape, REQUESTS);
      if (pass > 1) passes.set(shape.name, [...(passes.get(shape.name) ?? []), perRecord]);
    }
  }
  const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  const results = new Map([...passes].map(([name, list]) => [name, median(list)]));
  const perCeilingItem = (results.get(shapes[0]!.name) ?? Number.NaN) * RECORDS / 100;
  table(`DynamoDB Local's CPU per usage record, by write shape (median of ${PASSES - 1} passes of ${REQUESTS} requests of ${RECORDS} records, ${CALLERS} at once; load ${loadavg()[0]?.toFixed(1)})`, [
    ...shapes.map((shape): [string, string] => {
      const ms = results.get(shape.name) ?? Number.NaN;
      if (shape.name.startsWith('ceiling')) return [shape.name, `${(perCeilingItem).toFixed(4)} ms per item`];
      const asCeiling = (perCeilingItem * shape.items) / RECORDS;
      return [shape.name, `${ms.toFixed(4)} ms per record (the ceiling's ${shape.items} items per 100 records: ${asCeiling.toFixed(4)} ms, ${((100 * asCeiling) / ms).toFixed(0)}%)`];
    }),
  ]);
} finally {
  await stop();
}
