// Over 300 lines on purpose: one benchmark, its simulated agents, its counters and its report together.
/**
 * Usage records per second through API -> metering -> billing on the local runtime: agents
 * post batches of usage records (`POST /v1/agent/usage`), metering stores and judges them
 * and emits one `usage.chunk_recorded` per assignment and commit, billing charges each chunk
 * in one transaction (issue 14). The figure counts records, not requests (agents batch). It
 * also checks that no record is lost or charged twice and that what was billed equals, to the
 * micro-dollar, what the records should cost. Beside it, the ceiling measured in the same run:
 * DynamoDB Local's items/s in 100-item transactions, divided by the items the design writes
 * per record (counted on the client during the run). It also prints SDK calls and DynamoDB
 * units per record (the call counter), the AWS cost per 1,000 records from them, and the
 * hottest partition keys' writes per second at the measured load.
 *
 * Renters: the jobs (one per host) are spread round-robin over `--renters` renters, each with
 * its own credit, and billed = expected is checked per renter and in total. Billing serialises
 * a renter's charges through one FIFO message group, so one renter is the worst case (every
 * charge in line behind the one before; keep `--renters 1` for it). The default, 8 renters of
 * 2 jobs each, models a fleet: a real one has far more renters than the charges queue has
 * concurrent consumers (its `maxConcurrency` is 8), so every consumer has a renter's group to
 * work, while each renter still has more than one job whose chunks queue behind each other.
 * Where the time goes: SDK calls per record by function, and how long after metering stored a
 * record billing charged it (p50 / p99).
 * CPU: this Node.js process's and DynamoDB Local's CPU milliseconds per record over the measured
 * window (Linux; the two share the 2 cores), and the rate those costs allow on 2 idle cores:
 * less load-dependent than the rates, which other work on the machine slows. Beside it, the
 * same less the idle runtime's own CPU per second (pollers, sweeps, timers; measured for a few
 * seconds before the window) times the window: a loaded machine stretches the window, and that
 * share grows with it while the records' own cost does not. `--cpu-prof FILE` writes a CPU
 * profile of the measured window only.
 * Load shape: each host's agent sends its records as the agent's usage lane does, one batch of
 * up to 100 at a time, the next once the last was answered; `--agents N` agents send at once
 * (default 4, the 4 requests in flight of every earlier figure; `--agents 16` is every host's
 * agent at once, as a fleet's agents do not wait for each other).
 * Warm-up: each host first sends `--warmup` records (default 500), charged before the measured
 * window opens. Until 2026-12-05 the whole run was those 8,000 records, about 5 s: it measured
 * the processes warming up as much as the path (V8's and DynamoDB Local's JIT compilers, the
 * heaps growing) plus the last chunk's fixed second in the batching window. Its rate stays
 * printed as the cold figure; the measured window that follows (`--records`, default 1,500 per
 * host) is the steady rate a running fleet sees. Every check (lost, charged twice, billed =
 * expected) covers the warm-up's records too.
 * Run: npx tsx bench/usage-throughput.bench.ts [--hosts 16] [--renters 8] [--warmup 500] [--records 1500] [--batch 100] [--agents 4] [--cpu-prof FILE]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BatchGetCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#platform/aws-clients.ts';
import { callCounter, type CallCounts } from '#platform/call-counter.ts';
import { usageRecordCosts } from '#infra/cost/unit-cost.ts';
import { PRICES } from '#infra/cost/prices.ts';
import { PartitionWrites } from './partition-writes.ts';
import { dynamoDbLocalPid, processCpuSeconds } from './process-cpu.ts';
import { windowProfile } from './window-profile.ts';
import { tables } from '#infra/topology.ts';
import { chunkLinesOf } from '#billing/adapters/chunk-lines.ts';
import { toBalance } from '#billing/adapters/dynamo-balance-store.ts';
import { balanceKey } from '#billing/adapters/items.ts';
import { fromGroupedRecord } from '#metering/adapters/codecs.ts';
import { recordPlace } from '#metering/adapters/items.ts';
import { rateUsage } from '#billing/domain/rating.ts';
import { usageEventId } from '#agent/usage/meter.ts';
import { apiClient, onboardHost, type ApiClient } from '#test/support/local-runtime.ts';
import { jobStatus, reportEvent, waitForMessage } from '#test/support/marketplace.ts';
import { benchRuntime, inParallel, percentile, progress, table } from './support.ts';

const { values } = parseArgs({
  options: { hosts: { type: 'string', default: '16' }, renters: { type: 'string', default: '8' }, warmup: { type: 'string', default: '500' }, records: { type: 'string', default: '1500' }, batch: { type: 'string', default: '100' }, agents: { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const HOSTS = Number(values.hosts);
const RENTERS = Math.min(Number(values.renters), HOSTS);
/** Records per host charged before the measured window (processes warming up), then in it. */
const WARMUP = Number(values.warmup);
const RECORDS = Number(values.records);
const BATCH = Number(values.batch);
/** Agents sending at once, each one batch at a time. */
const AGENTS = Math.min(HOSTS, Number(values.agents ?? 4));
const RECORD_MS = 10;
/** Seconds the idle runtime's CPU is measured for, before the window. */
const IDLE_SECONDS = 3;
/** The issue's target: the hottest key's writes are also scaled to it (AWS: at most 1,000 writes/s per partition). */
const TARGET_RECORDS_PER_SECOND = 2_000;
// 3.600000 USD per GPU-hour is 1 µUSD per GPU-millisecond: every record's cost is exact.
const PRICE = '3.600000';
const CREDIT_USD = 1_000_000;

const usd = (text: string) => Math.round(Number(text) * 1_000_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Items written per chunk, by design, for a chunk charged alone: metering's record groups (the
 * bench's batches hold 100 records numbered as the agent numbers them, from a multiple of
 * 100: 10 groups of 10), summary, hour bucket and chunk event (outbox); billing's chunk, job
 * total, hold, ledger transaction, 3 entries, 3 balances and event; the two outbox mark-sent
 * updates; matching's job cost. A renter's chunks charged together share the job totals,
 * holds, balances, outbox item and mark-sent: fewer (the counted figure shows it).
 */
const ITEMS_PER_CHUNK = 10 + 3 + 11 + 2 + 1;

/** Every item of a table whose key starts with one of `prefixes`. */
const scanPrefixes = async (tableName: string, prefixes: readonly string[]): Promise<Record<string, unknown>[]> => {
  const documents = documentClient();
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  const values = Object.fromEntries(prefixes.map((prefix, index) => [`:p${index}`, prefix]));
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName, FilterExpression: prefixes.map((_, index) => `begins_with(pk, :p${index})`).join(' OR '), ExpressionAttributeValues: values, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
};

/** Every charged record line in billing's table (chunk lines, text or maps: chunk-lines.ts; and any record's own charge), with when it was charged. */
const chargedLines = async (tableName: string): Promise<{ records: string[]; chunks: number; chargedAt: Map<string, number> }> => {
  const records: string[] = [];
  const chargedAt = new Map<string, number>();
  let chunks = 0;
  for (const item of await scanPrefixes(tableName, ['CHUNK#', 'CHARGE#'])) {
    const at = Date.parse(item.chargedAt as string);
    if (item.lines !== undefined) {
      chunks += 1;
      for (const line of chunkLinesOf(item.lines) as { usageRecordId: string }[]) {
        records.push(line.usageRecordId);
        chargedAt.set(line.usageRecordId, at);
      }
    } else {
      records.push(item.usageRecordId as string);
      chargedAt.set(item.usageRecordId as string, at);
    }
  }
  return { records, chunks, chargedAt };
};

/**
 * Metering's stored records: items of their own (`USAGE#`, before record groups) and the
 * `rec#<eventId>` attributes of record group items (`USAGES#`; JSON text once judged, read by its codec: codecs.ts).
 */
const storedRecords = async (meteringTable: string): Promise<Record<string, unknown>[]> =>
  (await scanPrefixes(meteringTable, ['USAGE#', 'USAGES#'])).flatMap((item) =>
    String(item.pk).startsWith('USAGES#')
      ? Object.entries(item).filter(([name]) => name.startsWith('rec#')).map(([name, record]) => fromGroupedRecord(record, recordPlace(item as { pk: unknown; sk: unknown }, name)) as unknown as Record<string, unknown>)
      : [item],
  );

/** Milliseconds from metering storing (judging) each accepted record to billing charging it, sorted. */
const storedToCharged = async (meteringTable: string, chargedAt: ReadonlyMap<string, number>, eventIds: ReadonlySet<string>): Promise<number[]> =>
  (await storedRecords(meteringTable))
    .filter((item) => typeof item.usageRecordId === 'string' && chargedAt.has(item.usageRecordId) && eventIds.has(String(item.eventId)))
    .map((item) => (chargedAt.get(item.usageRecordId as string) as number) - Date.parse(item.judgedAt as string))
    .sort((a, b) => a - b);

/** The store's own ceiling, this run: items/s in 100-item transactions, 4 callers. */
const transactionRate = async (tableName: string, seconds = 4): Promise<number> => {
  const documents = documentClient();
  let items = 0;
  let n = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until) {
        const batch = Array.from({ length: 100 }, () => ({ Put: { TableName: tableName, Item: { pk: `CEILING#${(n += 1)}`, sk: 'CEILING', payload: 'x'.repeat(200) } } }));
        await documents.send(new TransactWriteCommand({ TransactItems: batch }));
        items += batch.length;
      }
    }),
  );
  return items / seconds;
};

/** SDK calls and DynamoDB units per record, in all and on the API's path (the usage route's scope). */
const perRecord = (counts: CallCounts, records: number) => {
  const operations = new Map<string, number>();
  const apiOperations = new Map<string, number>();
  let writeUnits = 0;
  let readUnits = 0;
  let sqsRequests = 0;
  let events = 0;
  let invocations = 0;
  let durationMs = 0;
  const byScope: [string, string][] = [];
  for (const [scope, counted] of Object.entries(counts.scopes)) {
    // The bench's own polling of the renter's balance is not part of the work.
    if (/balance/.test(scope)) continue;
    invocations += counted.invocations;
    durationMs += counted.durationMs;
    const calls = Object.values(counted.sdk).reduce((sum, usage) => sum + usage.calls, 0);
    if (calls > 0) {
      const perInvocation = counted.invocations > 0 ? `, ${counted.invocations} invocations of ${(counted.durationMs / counted.invocations).toFixed(0)} ms` : '';
      byScope.push([scope, `${(calls / records).toFixed(3)} SDK calls per record${perInvocation}`]);
    }
    for (const [operation, usage] of Object.entries(counted.sdk)) {
      operations.set(operation, (operations.get(operation) ?? 0) + usage.calls);
      if (/record-usage/.test(scope)) apiOperations.set(operation, (apiOperations.get(operation) ?? 0) + usage.calls);
      writeUnits += usage.writeUnits;
      readUnits += usage.readUnits;
      if (operation.startsWith('SQS.')) sqsRequests += usage.billableRequests;
      if (operation === 'EventBridge.PutEvents') events += usage.billableRequests;
    }
  }
  const apiRequests = Object.entries(counts.apiRequests).reduce((sum, [route, n]) => sum + (/usage/.test(route) ? n : 0), 0);
  const listing = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([operation, calls]) => `${operation} ${(calls / records).toFixed(3)}`).join(', ');
  const total = (map: Map<string, number>) => [...map.values()].reduce((sum, n) => sum + n, 0) / records;
  return {
    calls: total(operations), apiCalls: total(apiOperations), listing: listing(operations), apiListing: listing(apiOperations), byScope,
    work: { apiRequests: apiRequests / records, lambdaInvocations: invocations / records, lambdaMs: durationMs / records, dynamoWriteUnits: writeUnits / records, dynamoReadUnits: readUnits / records, sqsRequests: sqsRequests / records, eventBridgeEvents: events / records },
  };
};

/**
 * CPU milliseconds per record of this process and of DynamoDB Local, and the rate they allow
 * on 2 idle cores: this process runs on one core at most; the two together on two.
 */
const cpuMsPerRecord = (start: { java?: number; node: number }, end: { java?: number; node: number }, records: number, idle?: { java?: number; node: number; seconds: number }) => {
  const node = ((end.node - start.node) * 1000 - (idle ? idle.node * idle.seconds : 0)) / records;
  const java = start.java === undefined || end.java === undefined ? undefined : ((end.java - start.java) * 1000 - (idle?.java ?? 0) * (idle?.seconds ?? 0)) / records;
  const bound = java === undefined ? 1000 / node : Math.min(1000 / node, 2000 / (node + java));
  return { node, java, text: `this Node.js process ${node.toFixed(3)} ms, DynamoDB Local ${java === undefined ? 'n/a' : `${java.toFixed(3)} ms`}: at most ${bound.toFixed(0)} records/s on 2 idle cores` };
};

/** CPU milliseconds per second of this process and of DynamoDB Local between two readings. */
const cpuPerSecond = (start: { java?: number; node: number }, end: { java?: number; node: number }, seconds: number) => ({
  node: ((end.node - start.node) * 1000) / seconds,
  java: start.java === undefined || end.java === undefined ? undefined : ((end.java - start.java) * 1000) / seconds,
});

const runtime = await benchRuntime({ CAPACITY_CACHE_SECONDS: '0.5' });
const partitionWrites = PartitionWrites.attach();
const api = apiClient(runtime.apiUrl);
const javaPid = dynamoDbLocalPid(runtime.endpoints.dynamodb);
/** CPU seconds so far: DynamoDB Local's (from /proc) and this process's (the runtime, its stand-ins and consumers, the bench's client). */
const cpuNow = () => ({ java: javaPid === undefined ? undefined : processCpuSeconds(javaPid), node: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 });
try {
  const renters: { accountId: string; key: string }[] = [];
  for (let n = 0; n < RENTERS; n += 1) {
    const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: `bench-${n}` } });
    await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: runtime.adminKey, body: { amount: String(CREDIT_USD) } });
    renters.push({ accountId: renter.body.accountId as string, key: renter.body.apiKey as string });
  }

  progress(`starting ${HOSTS} one-GPU jobs on ${HOSTS} hosts for ${RENTERS} renter(s)`);
  const jobs: { jobId: string; assignmentId: string; agentToken: string; startedAt: number; renter: number }[] = [];
  for (let n = 0; n < HOSTS; n += 1) {
    const model = `RTX ${5000 + n}`;
    const renter = n % RENTERS;
    const renterKey = renters[renter]!.key;
    const host = await onboardHost(api, runtime.adminKey, { gpus: [{ name: `NVIDIA ${model}`, vramMb: 24564, uuid: `GPU-usage-bench-${n}`, index: 0 }], pricePerGpuHour: PRICE });
    for (;;) {
      const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: { image: 'busybox', command: ['true'], gpu: { count: 1, models: [model] }, maxPricePerGpuHour: PRICE, maxDurationSeconds: 3600 } });
      const message = await waitForMessage(api, host.agentToken, (m) => m.jobId === submitted.body.jobId, 30_000).catch(() => undefined);
      if (!message) continue;
      await reportEvent(api, host.agentToken, message.assignmentId, 'accepted');
      await reportEvent(api, host.agentToken, message.assignmentId, 'started');
      const startedAt = Date.parse((await jobStatus(api, renterKey, submitted.body.jobId)).assignments[0].startedAt);
      jobs.push({ jobId: submitted.body.jobId, assignmentId: message.assignmentId, agentToken: host.agentToken, startedAt, renter });
      break;
    }
  }
  // Each assignment's records tile its lease in 10 ms steps: wait until the lease covers them.
  const leaseMs = (WARMUP + RECORDS) * RECORD_MS;
  await sleep(Math.max(0, Math.max(...jobs.map((job) => job.startedAt)) + leaseMs + 500 - Date.now()));

  // Each host's batches of its records [first, first + count), in the order its agent sends them.
  const requestsFor = (first: number, count: number) =>
    Array.from({ length: Math.ceil(count / BATCH) }, (_, batch) =>
      jobs.map((job) => ({
        job,
        records: Array.from({ length: Math.min(BATCH, count - batch * BATCH) }, (_, index) => {
          const n = first + batch * BATCH + index;
          return { eventId: usageEventId(n), assignmentId: job.assignmentId, from: new Date(job.startedAt + n * RECORD_MS).toISOString(), to: new Date(job.startedAt + (n + 1) * RECORD_MS).toISOString(), gpuSeconds: RECORD_MS / 1000 };
        }),
      })),
    ).flat();
  type UsageRequest = ReturnType<typeof requestsFor>[number];
  /** Records in the measured window; the warm-up's come on top in every check. */
  const total = HOSTS * RECORDS;
  const allRecords = HOSTS * (WARMUP + RECORDS);
  const measuredIds = new Set(Array.from({ length: RECORDS }, (_, index) => usageEventId(WARMUP + index)));
  const expected = rateUsage({ gpuSeconds: RECORD_MS / 1000, pricePerGpuHour: usd(PRICE) }, 1_000);
  const balanceOf = async (renter: { key: string }) => usd((await api.call('GET', '/v1/billing/balance', { key: renter.key })).body.balance);
  const before = await Promise.all(renters.map(balanceOf));
  const billedOf = async () => (await Promise.all(renters.map(balanceOf))).map((balance, index) => (before[index] as number) - balance);
  /**
   * What each renter was billed so far, read while the measured window runs: one consistent
   * `BatchGetItem` of the balance items, where the API's balance (with its runway) costs a
   * request and three DynamoDB calls per renter, 24 calls every 100 ms that ate into the
   * window's CPU (the final check below still asks the API). Counted in a scope of its own,
   * left out of the calls per record like the API's balance.
   */
  const billingTableName = process.env[tables.billing.envVar] ?? '';
  const billedSoFar = async (): Promise<number[]> => {
    const { Responses } = await callCounter.within('bench: balance poll', () =>
      documentClient().send(new BatchGetCommand({ RequestItems: { [billingTableName]: { Keys: renters.map((renter) => balanceKey(renter.accountId)), ConsistentRead: true } } })));
    const balances = new Map((Responses?.[billingTableName] ?? []).map((item) => [String(item.pk), toBalance('', item).balance as number]));
    return renters.map((renter, index) => (before[index] as number) - (balances.get(balanceKey(renter.accountId).pk) ?? 0));
  };
  const sum = (numbers: readonly number[]) => numbers.reduce((total, n) => total + n, 0);

  // The idle runtime's own CPU per second (pollers, sweeps, timers), to tell it from the records' cost:
  // a loaded machine stretches the window, and this share of the CPU per record grows with it.
  progress(`measuring the idle runtime's CPU for ${IDLE_SECONDS} s`);
  const idleStart = cpuNow();
  const idleStarted = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const idle = cpuPerSecond(idleStart, cpuNow(), (performance.now() - idleStarted) / 1000);

  let accepted = 0;
  let resent = 0;
  const post = async (request: UsageRequest) => {
    // A busy API answers 503 (Retry-After): the agent sends the same batch again, and so does the bench.
    let posted = await api.call('POST', '/v1/agent/usage', { key: request.job.agentToken, body: { records: request.records } });
    for (let attempt = 1; posted.status === 503 && attempt < 10; attempt += 1) {
      resent += 1;
      await sleep(1_000);
      posted = await api.call('POST', '/v1/agent/usage', { key: request.job.agentToken, body: { records: request.records } });
    }
    if (posted.status !== 202) throw new Error(`usage answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    accepted += (posted.body.accepted as number) + (posted.body.records as { status: string; original?: string }[]).filter((r) => r.status === 'duplicate' && r.original === 'accepted').length;
  };
  // An agent's usage lane: its batches in order, one in flight (agent/src/core/outbox-sender.ts).
  const postAll = async (requests: readonly UsageRequest[]) => {
    const lanes = jobs.map((job) => requests.filter((request) => request.job === job));
    await inParallel(lanes, AGENTS, async (lane) => {
      for (const request of lane) await post(request);
    });
  };
  /** What each renter should have been billed once its jobs' first `records` records each are charged. */
  const expectedAfter = (records: number) => renters.map((_, index) => expected.renter * records * jobs.filter((job) => job.renter === index).length);
  const chargedUpTo = async (expectedOf: readonly number[]) => {
    const deadline = performance.now() + 600_000;
    while (performance.now() < deadline) {
      if ((await billedSoFar()).every((amount, index) => amount >= (expectedOf[index] as number))) return;
      await sleep(100);
    }
  };

  progress(`warming up: ${HOSTS * WARMUP} records in batches of ${BATCH}, ${AGENTS} agents at a time, charged before the window`);
  const warmupStarted = performance.now();
  await postAll(requestsFor(0, WARMUP));
  await chargedUpTo(expectedAfter(WARMUP));
  const warmupSeconds = (performance.now() - warmupStarted) / 1000;

  progress(`posting ${total} records in batches of ${BATCH}, ${AGENTS} agents at a time, each one batch at a time`);
  const profile = await windowProfile(values['cpu-prof']);
  callCounter.start();
  partitionWrites.counting = true;
  const cpuAtStart = cpuNow();
  const started = performance.now();
  await postAll(requestsFor(WARMUP, RECORDS));
  const stored = performance.now();

  progress('waiting for billing to charge every record');
  const expectedOf = expectedAfter(WARMUP + RECORDS);
  const expectedCharge = sum(expectedOf);
  await chargedUpTo(expectedOf);
  const charged = performance.now();
  const cpuAtEnd = cpuNow();
  await profile.stop();
  const counts = callCounter.stop();
  partitionWrites.counting = false;
  await sleep(2_000); // anything billed twice would show by now
  const billed = await billedOf();
  const billingTable = process.env[tables.billing.envVar] ?? '';
  const lines = await chargedLines(billingTable);
  const lags = await storedToCharged(process.env[tables.metering.envVar] ?? '', lines.chargedAt, measuredIds);
  const costs = await Promise.all(jobs.map(async (job) => usd((await jobStatus(api, renters[job.renter]!.key, job.jobId)).cost)));
  const renterMismatches = billed.filter((amount, index) => amount !== expectedOf[index]).length;
  const load = loadavg()[0] ?? 0;
  progress('measuring the ceiling (100-item transactions)');
  const javaBeforeCeiling = cpuNow().java;
  const itemsPerSecond = await transactionRate(billingTable);
  const javaAfterCeiling = cpuNow().java;
  // Counted on the client while the run went (every table item written); the design's count beside it.
  const itemsPerRecord = partitionWrites.itemsWritten() / total;
  const designItemsPerRecord = (ITEMS_PER_CHUNK * lines.chunks) / allRecords;
  const ceiling = itemsPerSecond / itemsPerRecord;
  const endToEnd = (total / (charged - started)) * 1000;
  const chargeSeconds = (charged - started) / 1000;
  const measured = perRecord(counts, total);
  const cost = usageRecordCosts(measured.work, PRICES);
  const hottest = partitionWrites.hottest(4);
  const cpu = cpuMsPerRecord(cpuAtStart, cpuAtEnd, total);
  const busy = cpuMsPerRecord(cpuAtStart, cpuAtEnd, total, { ...idle, seconds: chargeSeconds });
  // DynamoDB Local's CPU per item in the ceiling's 100-item transactions (4 s of them), times this run's items per record.
  const javaCeilingMs = javaBeforeCeiling === undefined || javaAfterCeiling === undefined ? undefined : ((javaAfterCeiling - javaBeforeCeiling) * 1000 * itemsPerRecord) / (itemsPerSecond * 4);

  table(`Usage records through API -> metering -> billing (local runtime, this machine, load ${load.toFixed(1)})`, [
    ['renters, jobs', `${RENTERS} renter(s), ${HOSTS} one-GPU jobs (${(HOSTS / RENTERS).toFixed(1)} per renter), ${WARMUP} + ${RECORDS} records each`],
    ['records posted', `${HOSTS * WARMUP} to warm up, then ${total} measured, in batches of ${BATCH}: ${AGENTS} agents at a time, each one batch at a time`],
    ['records accepted (202)', `${accepted}${resent > 0 ? ` (${resent} batches sent again after a 503)` : ''}`],
    ['records charged (charge lines)', `${lines.records.length} in ${lines.chunks} chunks (${new Set(lines.records).size} distinct)`],
    ['records lost', String(allRecords - new Set(lines.records).size)],
    ['records charged twice', String(lines.records.length - new Set(lines.records).size)],
    ['stored by the API', `${((total / (stored - started)) * 1000).toFixed(0)} records/s`],
    ['end to end (posted -> all charged)', `${endToEnd.toFixed(0)} records/s`],
    ['warm-up, end to end (cold processes)', `${((HOSTS * WARMUP) / warmupSeconds).toFixed(0)} records/s (${HOSTS * WARMUP} records in ${warmupSeconds.toFixed(1)} s)`],
    ['ceiling, same run', `${itemsPerSecond.toFixed(0)} items/s in 100-item transactions / ${itemsPerRecord.toFixed(2)} items per record = ${ceiling.toFixed(0)} records/s`],
    ['items written per record', `${itemsPerRecord.toFixed(2)} counted (by design, each chunk charged alone: ${designItemsPerRecord.toFixed(2)})`],
    ['end to end / ceiling', `${((100 * endToEnd) / ceiling).toFixed(0)}%`],
    ['stored by metering -> charged by billing', `p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms, max ${(lags.at(-1) ?? Number.NaN).toFixed(0)} ms (${lags.length} records)`],
    ['CPU per record, posted -> all charged', cpu.text],
    ['', `less the idle runtime's (Node.js ${idle.node.toFixed(0)} ms/s, DynamoDB Local ${idle.java === undefined ? 'n/a' : `${idle.java.toFixed(0)} ms/s`}, over ${IDLE_SECONDS} s before) for the window's ${chargeSeconds.toFixed(1)} s: ${busy.text}`],
    ['', `DynamoDB Local's for the same items in the ceiling's 100-item transactions: ${javaCeilingMs === undefined ? 'n/a' : `${javaCeilingMs.toFixed(3)} ms`}`],
    ['after the last record was stored, all charged within', `${((charged - stored) / 1000).toFixed(1)} s`],
    ['SDK calls per record, end to end', `${measured.calls.toFixed(2)}: ${measured.listing}`],
    ['SDK calls per record, API path (POST /v1/agent/usage)', `${measured.apiCalls.toFixed(3)}: ${measured.apiListing}`],
    ['DynamoDB units per record (reported by the store)', `write ${measured.work.dynamoWriteUnits.toFixed(2)}, read ${measured.work.dynamoReadUnits.toFixed(2)}`],
    ['requests per record (UnitWork)', Object.entries(measured.work).map(([name, value]) => `${name} ${value.toFixed(4)}`).join(', ')],
    ...measured.byScope.map(([scope, text], index): [string, string] => [index === 0 ? 'SDK calls per record, by function' : '', `${scope}: ${text}`]),
    ['AWS cost per 1,000 records (infra/cost/unit-cost.ts, from these counts)', `$${cost.total.toFixed(5)} (${Object.entries(cost.byService).filter(([, usd]) => usd > 0).map(([service, usd]) => `${service} $${usd.toFixed(5)}`).join(', ')})`],
    ...hottest.map(([key, writes], index): [string, string] => [index === 0 ? 'hottest partition keys (writes/s at this load)' : '', `${key}: ${(writes / chargeSeconds).toFixed(1)}/s (${writes} writes; ${((writes / total) * TARGET_RECORDS_PER_SECOND).toFixed(0)}/s at ${TARGET_RECORDS_PER_SECOND.toLocaleString('en-US')} records/s)`]),
    ['billed to the renters', `${sum(billed)} µUSD (expected ${expectedCharge}); renters billed other than expected: ${renterMismatches} of ${RENTERS}`],
    ['job costs sum', `${sum(costs)} µUSD`],
    ['billed equals expected exactly', String(sum(billed) === expectedCharge && renterMismatches === 0 && lines.records.length === allRecords && new Set(lines.records).size === allRecords)],
    ['target', '>= 2,000 records/s on 2 cores, 0 lost'],
  ]);
} finally {
  await runtime.stop();
}
