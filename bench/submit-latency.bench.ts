/**
 * Submit-to-assignment latency through the whole local backend: the time from
 * `POST /v1/jobs` returning to the assignment arriving at a host that is long-polling its
 * own queue with the vended credentials, as the agent does. 100 hosts poll; 500 jobs are
 * submitted one after another (the figure is latency, not throughput). Run: npx tsx bench/submit-latency.bench.ts
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { apiClient, onboardHost } from '#test/support/local-runtime.ts';
import { benchRuntime, inParallel, percentile, progress, table } from './support.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '100' }, jobs: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '1' } } });
const HOSTS = Number(values.hosts);
const JOBS = Number(values.jobs);

const runtime = await benchRuntime();
const api = apiClient(runtime.apiUrl);
const arrivals = new Map<string, number>();
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
            .send(new ReceiveMessageCommand({ QueueUrl: vended.queueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }), { abortSignal: polling.signal })
            .catch(() => ({ Messages: [] }));
          const now = performance.now();
          for (const message of Messages) {
            const body = JSON.parse(message.Body ?? '{}') as { type: string; jobId: string };
            if (body.type === 'assignment' && !arrivals.has(body.jobId)) arrivals.set(body.jobId, now);
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
  const returned = new Map<string, number>();
  await inParallel(Array.from({ length: JOBS }, (_, n) => n), Number(values.concurrency), async () => {
    const response = await api.call('POST', '/v1/jobs', {
      key: renter.body.apiKey,
      body: { image: 'busybox', command: ['true'], gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600 },
    });
    returned.set(response.body.jobId, performance.now());
  });
  const deadline = performance.now() + 60_000;
  while (arrivals.size < JOBS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

  const latencies = [...returned]
    .filter(([jobId]) => arrivals.has(jobId))
    .map(([jobId, at]) => Math.max(0, (arrivals.get(jobId) as number) - at))
    .sort((a, b) => a - b);
  // Where the time goes, from the jobs' own timelines (platform clock, ms).
  const stages = { hold: [] as number[], place: [] as number[] };
  for (const jobId of [...returned.keys()].slice(0, 50)) {
    const timeline = (await api.call('GET', `/v1/jobs/${jobId}/events`, { key: renter.body.apiKey })).body.items as { type: string; at: string }[];
    const at = (type: string) => new Date(timeline.find((entry) => entry.type === type)?.at ?? Number.NaN).getTime();
    stages.hold.push(at('funds_held') - at('submitted'));
    stages.place.push(at('placed') - at('funds_held'));
  }
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  table('Submit to assignment at a waiting long poll (local runtime, this machine)', [
    ['median submit -> funds held', `${median(stages.hold).toFixed(0)} ms`],
    ['median funds held -> placed', `${median(stages.place).toFixed(0)} ms`],
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
  polling.abort();
  await runtime.stop();
}
