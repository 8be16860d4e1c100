/**
 * Submit-to-assignment latency through the whole local backend: the time from
 * `POST /v1/jobs` returning to the assignment arriving at a host that is long-polling its
 * own queue with the vended credentials, as the agent does. 100 hosts poll; 500 jobs are
 * submitted one after another (the figure is latency, not throughput). It prints where the time
 * goes, hop by hop (POST, each queue's wait, the hold, the placement, the host queue), p50 and p99.
 * Run: npx tsx bench/submit-latency.bench.ts [--jobs 500] [--hosts 100] [--concurrency 1]
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { traceQueueHops, type QueueHop } from '#infra/local/stage-trace.ts';
import { apiClient, onboardHost } from '#test/support/local-runtime.ts';
import { benchRuntime, inParallel, percentile, progress, table } from './support.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '100' }, jobs: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '1' } } });
const HOSTS = Number(values.hosts);
const JOBS = Number(values.jobs);

// These hosts long-poll but do not heartbeat: on a loaded machine registering 100 of them can
// take longer than the 90 s after which a silent host is unreachable (and gets no work).
const runtime = await benchRuntime({ UNREACHABLE_AFTER_SECONDS: '3600', OFFLINE_AFTER_SECONDS: '7200' });
const api = apiClient(runtime.apiUrl);
// Epoch ms throughout, so the stand-in's SentTimestamps line up with this process's own marks.
const arrivals = new Map<string, { at: number; sentAt: number }>();
const hops = new Map<string, QueueHop>();
const stopTracing = traceQueueHops((hop) => hops.set(`${hop.queue}|${hop.jobId}`, hop));
const polling = new AbortController();
// Every host's long poll listens on this one signal.
setMaxListeners(0, polling.signal);
try {
  const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'bench' } });
  await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: runtime.adminKey, body: { amount: '100000' } });
  progress(`registering ${HOSTS} hosts, each long-polling its own queue`);
  const pollers: Promise<void>[] = [];
  for (let n = 0; n < HOSTS; n += 1) {
    const host = await onboardHost(api, runtime.adminKey, {
      gpus: Array.from({ length: 8 }, (_, index) => ({ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-bench-${n}-${index}`, index })),
    });
    const vended = (await api.call('POST', '/v1/agent/queue-credentials', { key: host.agentToken })).body;
    const sqs = new SQSClient({ region: vended.region, endpoint: vended.endpoint, credentials: vended.credentials, useQueueUrlAsEndpoint: false });
    pollers.push(
      (async () => {
        while (!polling.signal.aborted) {
          const { Messages = [] } = await sqs
            .send(new ReceiveMessageCommand({ QueueUrl: vended.queueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['SentTimestamp'] }), { abortSignal: polling.signal })
            .catch(() => ({ Messages: [] }));
          const now = Date.now();
          for (const message of Messages) {
            const body = JSON.parse(message.Body ?? '{}') as { type: string; jobId: string };
            if (body.type === 'assignment' && !arrivals.has(body.jobId)) arrivals.set(body.jobId, { at: now, sentAt: Number(message.Attributes?.SentTimestamp) });
            await sqs.send(new DeleteMessageCommand({ QueueUrl: vended.queueUrl, ReceiptHandle: message.ReceiptHandle }));
          }
        }
      })(),
    );
  }
  // Let matching's projection see every host before timing anything.
  for (;;) {
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renter.body.apiKey });
    if (offers.body.items.length >= Math.min(100, HOSTS)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  progress(`submitting ${JOBS} jobs`);
  const posted = new Map<string, { startedAt: number; returnedAt: number }>();
  await inParallel(Array.from({ length: JOBS }, (_, n) => n), Number(values.concurrency), async () => {
    const startedAt = Date.now();
    const response = await api.call('POST', '/v1/jobs', {
      key: renter.body.apiKey,
      body: { image: 'busybox', command: ['true'], gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600 },
    });
    posted.set(response.body.jobId, { startedAt, returnedAt: Date.now() });
  });
  const deadline = Date.now() + 60_000;
  while (arrivals.size < JOBS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

  const latencies = [...posted]
    .filter(([jobId]) => arrivals.has(jobId))
    .map(([jobId, { returnedAt }]) => Math.max(0, (arrivals.get(jobId)?.at as number) - returnedAt))
    .sort((a, b) => a - b);
  // Where the time goes, hop by hop: the local pollers report when SQS got each event, when it
  // was received and when its handler returned (infra/local/stage-trace.ts); the host's own
  // receive gives the assignment's SentTimestamp.
  const stages = new Map<string, number[]>();
  const addStage = (name: string, ms: number) => {
    if (Number.isFinite(ms)) stages.set(name, [...(stages.get(name) ?? []), ms]);
  };
  for (const [jobId, post] of posted) {
    const submitted = hops.get(`billing-jobs|${jobId}`);
    const held = hops.get(`matching-funds|${jobId}`);
    const arrived = arrivals.get(jobId);
    if (!submitted || !held || !arrived) continue;
    addStage('POST /v1/jobs (commit, PutEvents, mark sent)', post.returnedAt - post.startedAt);
    addStage('  of which: until job.submitted is queued', submitted.sentAt - post.startedAt);
    addStage('job.submitted waits in billing-jobs', submitted.receivedAt - submitted.sentAt);
    addStage('hold (billing) until funds.held is queued', held.sentAt - submitted.receivedAt);
    addStage('funds.held waits in matching-funds', held.receivedAt - held.sentAt);
    addStage('placement until the assignment is queued', arrived.sentAt - held.receivedAt);
    addStage('assignment waits in the host queue', arrived.at - arrived.sentAt);
  }
  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  table('Submit to assignment at a waiting long poll (local runtime, this machine)', [
    ...[...stages].map(([name, values]): [string, string] => [
      name,
      `p50 ${percentile(sorted(values), 50).toFixed(0)} ms, p99 ${percentile(sorted(values), 99).toFixed(0)} ms`,
    ]),
    ['polling hosts', String(HOSTS)],
    ['jobs submitted', String(JOBS)],
    ['assignments arrived', String(latencies.length)],
    ['p50', `${percentile(latencies, 50).toFixed(0)} ms`],
    ['p99', `${percentile(latencies, 99).toFixed(0)} ms`],
    ['max', `${(latencies.at(-1) ?? Number.NaN).toFixed(0)} ms`],
    ['target', 'p99 <= 250 ms'],
  ]);
  polling.abort();
  await Promise.all(pollers);
} finally {
  stopTracing();
  polling.abort();
  await runtime.stop();
}
