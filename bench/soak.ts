// Over 300 lines on purpose: one operator script, its simulated hosts, renters and final checks together.
/**
 * `npm run soak -- [--minutes 10] [--hosts 200] [--renters 20] [--jobs-per-minute 120]
 * [--job-seconds 20]`: the local runtime (`npm start`, its own process) under a stream of
 * jobs from many renters onto many simulated hosts, each host played over HTTP as its
 * agent plays it (heartbeats, long polls through the API, accepted / started / usage /
 * exited). Then it stops submitting, waits for every job to end, and checks that every job
 * is final, every ledger transaction sums to zero, each balance is the sum of its entries,
 * no hold is left and each renter paid exactly its jobs' costs. It prints jobs done,
 * events, p50/p99 latencies and the runtime's memory over time; exit 1 if a check fails.
 * Not part of `npm test`.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { quietNodeVersionWarning } from '#infra/local/runtime.ts';
import { positiveOption, scriptArgs } from '#infra/script-args.ts';
import { resourceName, topology } from '#infra/topology.ts';
import { spawnRuntime } from '#test/support/spawned-runtime.ts';
import { percentile, progress, table } from './support.ts';

const HELP = `Usage: npm run soak -- [options]

  --minutes N          how long jobs are submitted (default 10)
  --hosts N            simulated hosts, one GPU each (default 200)
  --renters N          renters submitting jobs (default 20)
  --jobs-per-minute N  submission rate, spread over the renters (default 120)
  --job-seconds N      how long each job runs on its host (default 20)
  --heartbeat-seconds N  the hosts' heartbeat period (default 15)
  -h, --help
`;

const HELP_COMMAND = 'npm run soak -- --help';
const { values } = scriptArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    hosts: { type: 'string', default: '200' },
    renters: { type: 'string', default: '20' },
    'jobs-per-minute': { type: 'string', default: '120' },
    'job-seconds': { type: 'string', default: '20' },
    'heartbeat-seconds': { type: 'string', default: '15' },
    help: { type: 'boolean', short: 'h', default: false },
  },
}, HELP_COMMAND);
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const positive = (name: keyof typeof values) => positiveOption(name, values[name], HELP_COMMAND);
const MINUTES = positive('minutes');
const HOSTS = Math.round(positive('hosts'));
const RENTERS = Math.round(positive('renters'));
const JOBS_PER_MINUTE = positive('jobs-per-minute');
const JOB_SECONDS = positive('job-seconds');
const HEARTBEAT_SECONDS = positive('heartbeat-seconds');
const CREDIT_USD = 1000;

// ---- the runtime, as a user starts it, in its own process group so its memory can be read

const runtime = await spawnRuntime(['--port', '0', '--in-memory', '--schedules-every', '10'], {
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_SECONDS),
  CAPACITY_CACHE_SECONDS: '1',
});
const dynamoEndpoint = /DynamoDB (\S+)/.exec(runtime.stdout())?.[1] ?? '';
const groupId = runtime.process.pid ?? 0;

/** Resident memory of the runtime's processes (npm, tsx, node, java), by command, in MB. */
const memory = (): Record<string, number> => {
  const byCommand: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== groupId) continue; // process group id
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      if (rss >= 10) byCommand[command] = (byCommand[command] ?? 0) + rss;
    } catch {
      // the process ended meanwhile
    }
  }
  return byCommand;
};

// ---- an HTTP client that times every call by route

const latencies = new Map<string, number[]>();
let requests = 0;
const failures = new Map<string, number>();
const failed = (label: string) => failures.set(label, (failures.get(label) ?? 0) + 1);
const call = async (label: string, method: string, path: string, key?: string, body?: unknown): Promise<{ status: number; body: any }> => {
  const started = performance.now();
  requests += 1;
  try {
    const response = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 500) failed(`${label} ${response.status}`);
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch (error) {
    failed(`${label} ${(error as Error).message}`);
    throw error;
  } finally {
    const list = latencies.get(label) ?? [];
    list.push(performance.now() - started);
    latencies.set(label, list);
  }
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

// ---- accounts and hosts

const admin = runtime.adminKey;
const started = Date.now();
progress(`runtime up at ${runtime.apiUrl}; creating ${RENTERS} renters and ${HOSTS} hosts`);
const renters: { key: string; id: string }[] = [];
for (let r = 0; r < RENTERS; r += 1) {
  const renter = await call('setup', 'POST', '/v1/accounts', admin, { kind: 'renter', name: `Soak renter ${r}` });
  await call('setup', 'POST', `/v1/accounts/${renter.body.accountId}/credits`, admin, { amount: `${CREDIT_USD}.000000`, reference: `soak-${r}` });
  renters.push({ key: renter.body.apiKey, id: renter.body.accountId });
}
const providers: string[] = [];
for (let p = 0; p < Math.ceil(HOSTS / 10); p += 1) providers.push((await call('setup', 'POST', '/v1/accounts', admin, { kind: 'provider', name: `Soak provider ${p}` })).body.apiKey);

interface SimHost { hostId: string; token: string; running: Set<string> }
const hosts: SimHost[] = [];
for (let h = 0; h < HOSTS; h += 1) {
  const providerKey = providers[Math.floor(h / 10)] as string;
  const token = await call('setup', 'POST', '/v1/hosts/registration-tokens', providerKey);
  const host = await call('setup', 'POST', '/v1/agent/register', undefined, {
    registrationToken: token.body.token, hostname: `soak-${h}`, region: h % 2 === 0 ? 'eu-west' : 'us-east',
    pricePerGpuHour: (0.2 + (h % 20) * 0.05).toFixed(6), cpuCores: 8, memoryMb: 32768, diskGb: 200, runtimes: ['docker'],
    gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-soak-${h}`, index: 0 }], simulated: true,
  });
  if (host.status !== 201) throw new Error(`registration failed: ${JSON.stringify(host.body)}`);
  hosts.push({ hostId: host.body.hostId, token: host.body.agentToken, running: new Set() });
}
progress(`set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- the simulated agents

const stopAgents = new AbortController();
// Every host's heartbeat and job timers wait on this one signal.
setMaxListeners(HOSTS * 8 + 10, stopAgents.signal);
let usageRecords = 0;

const runAssignment = async (host: SimHost, message: { assignmentId: string }) => {
  const { assignmentId } = message;
  const event = (type: string, extra: Record<string, unknown> = {}) =>
    call(`POST assignment ${type}`, 'POST', `/v1/agent/assignments/${assignmentId}/events`, host.token, { type, at: new Date().toISOString(), ...extra });
  if ((await event('accepted')).status !== 200) return;
  host.running.add(assignmentId);
  await event('started');
  let from = Date.now();
  let n = 0;
  const end = from + JOB_SECONDS * 1000;
  const report = async () => {
    const to = Date.now();
    if (to <= from) return;
    const record = { eventId: `u-${n}`, assignmentId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - from) / 1000 };
    n += 1;
    from = to;
    await call('POST /v1/agent/usage', 'POST', '/v1/agent/usage', host.token, { records: [record] });
    usageRecords += 1;
  };
  while (Date.now() < end && !stopAgents.signal.aborted) {
    await sleep(Math.min(5000, end - Date.now()), stopAgents.signal);
    await report();
  }
  await report();
  await event('exited', { exitCode: 0 });
  host.running.delete(assignmentId);
};

const agentLoop = async (host: SimHost) => {
  const heartbeat = async () => {
    // Every host's first heartbeat goes out in the same instant (a fleet-wide start): timed on its own line.
    for (let label = 'POST /v1/agent/heartbeat (first, every host at once)'; !stopAgents.signal.aborted; label = 'POST /v1/agent/heartbeat') {
      await call(label, 'POST', '/v1/agent/heartbeat', host.token, { runningAssignments: [...host.running] }).catch(() => undefined);
      await sleep(HEARTBEAT_SECONDS * 1000 * (0.8 + Math.random() * 0.4), stopAgents.signal);
    }
  };
  const poll = async () => {
    while (!stopAgents.signal.aborted) {
      const received = await call('GET /v1/agent/assignments (long poll)', 'GET', '/v1/agent/assignments?waitSeconds=20', host.token).catch(() => undefined);
      const messages = (received?.body?.messages ?? []) as { receipt: string; message: { type: string; assignmentId: string } }[];
      if (messages.length === 0) continue;
      await call('POST /v1/agent/assignments/ack', 'POST', '/v1/agent/assignments/ack', host.token, { receipts: messages.map((m) => m.receipt) });
      for (const { message } of messages) {
        if (message.type === 'assignment') void runAssignment(host, message).catch(() => undefined);
      }
    }
  };
  await Promise.all([heartbeat(), poll()]);
};
const agents = hosts.map((host) => agentLoop(host));

// ---- the job stream, and memory samples

const jobs: { id: string; renter: { key: string }; submittedAt: number }[] = [];
const samples: { at: number; rss: Record<string, number> }[] = [{ at: 0, rss: memory() }];
const sampler = setInterval(() => samples.push({ at: Date.now() - started, rss: memory() }), 10_000);
const submitUntil = Date.now() + MINUTES * 60_000;
const gapMs = 60_000 / JOBS_PER_MINUTE;
let refused = 0;
progress(`submitting ~${JOBS_PER_MINUTE} jobs a minute for ${MINUTES} min`);
for (let j = 0; Date.now() < submitUntil; j += 1) {
  const renter = renters[j % renters.length] as { key: string };
  const submitted = await call('POST /v1/jobs', 'POST', '/v1/jobs', renter.key, {
    image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime', command: ['python', 'train.py'],
    gpu: { count: 1, models: ['RTX 4090'] }, maxPricePerGpuHour: '2.000000', maxDurationSeconds: 3600,
  });
  if (submitted.status === 202) jobs.push({ id: submitted.body.jobId, renter, submittedAt: Date.now() });
  else refused += 1;
  if (j % 50 === 49) progress(`${jobs.length} jobs submitted, ${requests} requests, ${usageRecords} usage records`);
  await sleep(gapMs);
}

// ---- drain: every job must end

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
const finalJobs = new Map<string, any>();
const drainUntil = Date.now() + Math.max(120_000, JOB_SECONDS * 4000);
progress(`submission over; waiting for ${jobs.length} jobs to end`);
while (finalJobs.size < jobs.length && Date.now() < drainUntil) {
  for (const job of jobs) {
    if (finalJobs.has(job.id)) continue;
    const current = await call('GET /v1/jobs/{jobId}', 'GET', `/v1/jobs/${job.id}`, job.renter.key);
    if (FINAL.has(current.body?.status)) finalJobs.set(job.id, current.body);
  }
  if (finalJobs.size < jobs.length) await sleep(2000);
}
stopAgents.abort();
clearInterval(sampler);
samples.push({ at: Date.now() - started, rss: memory() });
await Promise.allSettled(agents);

// ---- checks, from the API and from the tables themselves

// The checks' own client: quiet about Node 20, as the runtime is (README, Requirements).
quietNodeVersionWarning();
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
const scan = async (table: string, visit: (item: Record<string, any>) => void) => {
  for await (const page of paginateScan({ client: documents }, { TableName: resourceName('local', table) })) for (const item of page.Items ?? []) visit(item);
};
let events = 0;
for (const table of topology.outboxTables) await scan(table, (item) => { if (String(item.pk).startsWith('OUTBOX#')) events += 1; });
const transactions = new Map<string, number>();
const entriesByAccount = new Map<string, number>();
const balances = new Map<string, { balance: number; held: number }>();
await scan('billing', (item) => {
  if (String(item.pk).startsWith('ACCOUNT#') && String(item.sk).startsWith('ENTRY#')) {
    transactions.set(item.txnId, (transactions.get(item.txnId) ?? 0) + item.amount);
    entriesByAccount.set(item.accountId, (entriesByAccount.get(item.accountId) ?? 0) + item.amount);
  }
  if (item.sk === 'BALANCE') balances.set(item.accountId, { balance: item.balance ?? 0, held: item.held ?? 0 });
});

const micro = (usd: string) => Math.round(Number(usd) * 1_000_000);
const problems: string[] = [];
const unfinished = jobs.filter((job) => !finalJobs.has(job.id));
if (unfinished.length > 0) problems.push(`${unfinished.length} job(s) never reached a final state, e.g. ${unfinished[0]?.id}`);
const unbalanced = [...transactions].filter(([, sum]) => sum !== 0);
if (unbalanced.length > 0) problems.push(`${unbalanced.length} ledger transaction(s) do not sum to zero, e.g. ${unbalanced[0]?.[0]}`);
for (const [accountId, { balance, held }] of balances) {
  if (balance !== (entriesByAccount.get(accountId) ?? 0)) problems.push(`${accountId}: balance ${balance} is not the sum of its entries ${entriesByAccount.get(accountId) ?? 0}`);
  if (held !== 0) problems.push(`${accountId}: ${held} µUSD still held after every job ended`);
}
// A job's cost may still catch up with its last charges just after it ended: read it again
// until every renter's balance matches, for up to 30 s.
const renterMismatches = async (): Promise<string[]> => {
  const found: string[] = [];
  for (const renter of renters) {
    let spent = 0;
    for (const job of jobs.filter((one) => one.renter === renter)) {
      spent += micro((await call('GET /v1/jobs/{jobId}', 'GET', `/v1/jobs/${job.id}`, renter.key)).body.cost);
    }
    const balance = (await call('GET /v1/billing/balance', 'GET', '/v1/billing/balance', renter.key)).body;
    if (micro(balance.balance) !== CREDIT_USD * 1_000_000 - spent) found.push(`${renter.id}: balance ${balance.balance} is not ${CREDIT_USD} minus its jobs' costs (${spent} µUSD)`);
  }
  return found;
};
let mismatches = await renterMismatches();
for (const settleUntil = Date.now() + 30_000; mismatches.length > 0 && Date.now() < settleUntil; mismatches = await renterMismatches()) await sleep(2000);
problems.push(...mismatches);
await runtime.stop('SIGTERM');

// ---- figures

const byStatus = new Map<string, number>();
for (const job of finalJobs.values()) byStatus.set(`${job.status}${job.statusReason && job.status !== 'succeeded' ? ` (${job.statusReason})` : ''}`, (byStatus.get(job.status) ?? 0) + 1);
const endToEnd = jobs.filter((job) => finalJobs.get(job.id)?.status === 'succeeded')
  .map((job) => Date.parse(finalJobs.get(job.id).endedAt) - job.submittedAt - JOB_SECONDS * 1000).sort((a, b) => a - b);
const ms = (value: number) => `${value.toFixed(0)} ms`;
table(`soak: ${HOSTS} hosts, ${RENTERS} renters, ${MINUTES} min of jobs at ~${JOBS_PER_MINUTE}/min, ${JOB_SECONDS} s each`, [
  ['jobs submitted', `${jobs.length} (${refused} refused at submit)`],
  ['jobs by final state', [...byStatus].map(([status, count]) => `${status}: ${count}`).join(', ') || 'none'],
  ['events published', String(events)],
  ['usage records', String(usageRecords)],
  ['ledger transactions', String(transactions.size)],
  ['HTTP requests', `${requests} (${[...failures.values()].reduce((a, b) => a + b, 0)} failed or 5xx${failures.size > 0 ? `: ${[...failures].map(([what, count]) => `${what} x${count}`).join('; ')}` : ''})`],
  ['wall time', `${((Date.now() - started) / 1000).toFixed(0)} s`],
]);
table('latency by call (p50 / p99 / max)', [...latencies].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [label, `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))} / ${ms(sorted.at(-1) ?? 0)}  (${sorted.length})`] as const;
}).concat(endToEnd.length > 0 ? [['job overhead: submit to succeeded, minus run time', `${ms(percentile(endToEnd, 50))} / ${ms(percentile(endToEnd, 99))} / ${ms(endToEnd.at(-1) ?? 0)}  (${endToEnd.length})`] as const] : []));
table('runtime memory over time (resident MB by process)', samples.map(({ at, rss }) => [
  `${(at / 1000).toFixed(0)} s`,
  Object.entries(rss).sort(([a], [b]) => a.localeCompare(b)).map(([command, mb]) => `${command} ${mb.toFixed(0)}`).join(', '),
] as const));
table('checks', problems.length === 0
  ? [['every job final, ledger balanced, balances = entries, no hold left, renters paid their jobs\' costs', 'ok']]
  : problems.slice(0, 20).map((problem) => ['FAILED', problem] as const));
process.exit(problems.length === 0 ? 0 : 1);
