/**
 * What DynamoDB Local spends, in CPU per placement, on each write a placement causes, beside
 * what the placements bench's ceiling (100-item transactions of plain items) spends on the same
 * number of items. It answers "where does DynamoDB Local's time per placement go beyond the
 * ceiling's", shape by shape, with the real adapters where the repository has them:
 *
 * - the matcher's job item and timeline entry (the job is in two indexes: `byType` and `work`),
 *   in tables whose indexes project every attribute (as deployed) or only the keys;
 * - the logs context's assignments (`DynamoLogIndex.assignmentsScheduledMany`; the job's head
 *   comes from `job.submitted`), and the heads and assignments it wrote before (issue 14);
 *   metering writes nothing at `job.scheduled` since issue 14, so it has no shape here;
 * - registry's read of the hosts and pulses (`DynamoHostStore.getMany`, hosts absent here as in
 *   the placements bench, which registers no hosts with the registry);
 * - the same items as plain `BatchWriteItem` puts instead of a transaction, to see whether
 *   idempotent consumers would gain by leaving transactions.
 *
 * Each shape runs in batches of 10 placements (an SQS batch of `job.scheduled`), 3 at a time.
 * The shapes take turns over several passes (the first warms the JIT and is dropped) and the
 * median pass is printed, so a background pause of DynamoDB Local (its garbage collector, other
 * processes) lands on no shape alone.
 *
 *   npx tsx bench/dynamodb-write-shapes.bench.ts [--placements 1000] [--passes 5]
 */
import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tables } from '#infra/topology.ts';
import { DynamoLogIndex } from '#logs/adapters/dynamo-log-index.ts';
import { jobItem } from '#matching/adapters/items.ts';
import type { Job } from '#matching/domain/job.ts';
import { microUsd } from '#platform/money.ts';
import { DynamoHostStore } from '#registry/adapters/dynamo-host-store.ts';
import type { Outbox } from '#platform/outbox.ts';
import { startShapeStore } from './shape-store.ts';
import { progress, table } from './support.ts';

const { values } = parseArgs({ options: { placements: { type: 'string', default: '1000' }, passes: { type: 'string', default: '5' } } });
const PLACEMENTS = Number(values.placements);
const PASSES = Math.max(2, Number(values.passes));
const BATCH = 10;
const CALLERS = 3;

const { documents, createTable, javaCpu, stop } = await startShapeStore();
try {
  await createTable('matching', tables.matching);
  await createTable('matching-keys-only', tables.matching, 'KEYS_ONLY');
  await createTable('logs', tables.logs);
  await createTable('registry', tables.registry);

  const logs = new DynamoLogIndex('logs', documents);
  // getMany reads only; it never publishes.
  const hosts = new DynamoHostStore('registry', documents, undefined as unknown as Outbox);

  let sequence = 0;
  /** A placement's ids, fresh for every batch so no shape finds another's items. */
  const ids = () => Array.from({ length: BATCH }, () => {
    sequence += 1;
    return { jobId: `job_s${sequence}`, assignmentId: `job_s${sequence}.a1.r0`, hostId: `host_s${sequence % 500}` };
  });
  const now = new Date().toISOString();
  const job = (jobId: string, assignmentId: string, hostId: string): Job => ({
    jobId, renterId: 'acct_benchrenter0001',
    spec: { image: 'busybox', env: {}, gpu: { count: 1, models: ['RTX 4090'] }, hosts: 1, regions: ['eu-west'], maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 3600, restartPolicy: 'on-host-loss' },
    status: 'scheduled', statusReason: 'placed', holdAmount: microUsd(900_000), fundsHeld: true, createdAt: now,
    attempt: 1, restarts: 0, notAccepted: 0, cost: microUsd(0), revision: 1,
    assignments: [{
      assignmentId, attempt: 1, hostId, providerId: 'acct_benchprovider01', rank: 0, gpuIndices: [0], gpuModel: 'RTX 4090', pricePerGpuHour: microUsd(200_000),
      region: 'eu-west', state: 'offered', offeredAt: now, lastSentAt: now,
    }],
  });
  const ceilingItems = (count: number) => Array.from({ length: count }, () => ({ Put: { TableName: 'matching', Item: { pk: `CEILING#${(sequence += 1)}`, sk: 'CEILING', payload: 'x'.repeat(900) } } }));

  const shapes: { readonly name: string; readonly items: number; readonly batch: () => Promise<unknown> }[] = [
    { name: 'ceiling: plain items in 100-item transactions', items: 1, batch: () => documents.send(new TransactWriteCommand({ TransactItems: ceilingItems(100) })) },
    ...(['matching', 'matching-keys-only'] as const).map((tableName) => ({
      name: `matcher: job + timeline entry, indexes ${tableName === 'matching' ? 'ALL (as deployed)' : 'KEYS_ONLY'}`,
      items: 2,
      batch: () => documents.send(new TransactWriteCommand({
        TransactItems: ids().flatMap(({ jobId, assignmentId, hostId }) => [
          { Put: { TableName: tableName, Item: jobItem(job(jobId, assignmentId, hostId)) } },
          { Put: { TableName: tableName, Item: { pk: `JOB#${jobId}`, sk: `EVENT#${new Date().toISOString()}#0100`, at: new Date().toISOString(), type: 'placed', message: `placed on ${hostId}` } } },
        ]),
      })),
    })),
    { name: 'logs: assignments in one transaction (now)', items: 1, batch: () => logs.assignmentsScheduledMany(ids().map(({ jobId, assignmentId, hostId }) => ({ jobId, renterId: 'acct_benchrenter0001', assignments: [{ assignmentId, hostId, rank: 0 }] }))) },
    {
      name: 'logs, before: heads and assignments in one transaction',
      items: 2,
      batch: () => documents.send(new TransactWriteCommand({
        TransactItems: ids().flatMap(({ jobId, assignmentId, hostId }) => [
          { Update: { TableName: 'logs', Key: { pk: `JOB#${jobId}`, sk: 'HEAD' }, UpdateExpression: 'SET jobId = :jobId, #segments = if_not_exists(#segments, :zero)', ExpressionAttributeNames: { '#segments': 'segments' }, ExpressionAttributeValues: { ':jobId': jobId, ':zero': 0 } } },
          { Put: { TableName: 'logs', Item: { pk: `ASSIGNMENT#${assignmentId}`, sk: 'ASSIGNMENT', assignmentId, jobId, hostId, renterId: 'acct_benchrenter0001', rank: 0 } } },
        ]),
      })),
    },
    {
      name: 'logs, tried: heads in a transaction, assignments by BatchWriteItem',
      items: 2,
      batch: async () => {
        const batch = ids();
        await documents.send(new TransactWriteCommand({
          TransactItems: batch.map(({ jobId }) => ({ Update: { TableName: 'logs', Key: { pk: `JOB#${jobId}`, sk: 'HEAD' }, UpdateExpression: 'SET jobId = :jobId, #segments = if_not_exists(#segments, :zero)', ExpressionAttributeNames: { '#segments': 'segments' }, ExpressionAttributeValues: { ':jobId': jobId, ':zero': 0 } } })),
        }));
        await documents.send(new BatchWriteCommand({ RequestItems: { logs: batch.map(({ jobId, assignmentId, hostId }) => ({ PutRequest: { Item: { pk: `ASSIGNMENT#${assignmentId}`, sk: 'ASSIGNMENT', assignmentId, jobId, hostId, renterId: 'acct_benchrenter0001', rank: 0 } } })) } }));
      },
    },
    { name: 'registry: hosts and pulses read (getMany; absent)', items: 0, batch: () => hosts.getMany(ids().map(({ hostId }) => hostId)) },
  ];

  /** DynamoDB Local's CPU ms per placement of a shape (the ceiling: per item), `batches` batches of 10, 3 callers. */
  const measure = async (shape: (typeof shapes)[number], batches: number): Promise<number> => {
    const before = javaCpu();
    let left = batches;
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      while (left > 0) {
        left -= 1;
        await shape.batch();
      }
    }));
    const units = shape.name.startsWith('ceiling') ? batches * 100 : batches * BATCH;
    return (1000 * (javaCpu() - before)) / units;
  };

  const passes = new Map<string, number[]>();
  for (let pass = 1; pass <= PASSES; pass += 1) {
    progress(`pass ${pass} of ${PASSES}${pass === 1 ? ' (warm-up, dropped)' : ''}`);
    for (const shape of shapes) {
      const perUnit = await measure(shape, shape.name.startsWith('ceiling') ? Math.ceil(PLACEMENTS / 40) : Math.ceil(PLACEMENTS / BATCH));
      if (pass > 1) passes.set(shape.name, [...(passes.get(shape.name) ?? []), perUnit]);
    }
  }
  const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  const results = new Map([...passes].map(([name, list]) => [name, median(list)]));
  const perCeilingItem = results.get(shapes[0]!.name) ?? Number.NaN;
  table(`DynamoDB Local's CPU per placement, by write shape (median of ${PASSES - 1} passes of ${PLACEMENTS} placements per shape, batches of ${BATCH}, ${CALLERS} at once; load ${loadavg()[0]?.toFixed(1)})`, [
    ...shapes.map((shape): [string, string] => {
      const ms = results.get(shape.name) ?? Number.NaN;
      if (shape.name.startsWith('ceiling')) return [shape.name, `${ms.toFixed(3)} ms per item`];
      const asCeiling = shape.items > 0 ? ` (the ceiling's ${shape.items} items: ${(perCeilingItem * shape.items).toFixed(3)} ms, ${((100 * perCeilingItem * shape.items) / ms).toFixed(0)}%)` : '';
      return [shape.name, `${ms.toFixed(3)} ms${asCeiling}`];
    }),
  ]);
} finally {
  await stop();
}
