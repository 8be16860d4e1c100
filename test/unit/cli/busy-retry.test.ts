import { describe, expect, it } from 'vitest';
import { main } from '#cli/main.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

const busy = (retryAfter?: string) => ({
  status: 503,
  body: { error: { code: 'busy', message: 'The request did not finish in time; retry shortly.' } },
  ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
});

const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0]) => {
  const output = bufferOutput();
  const fake = recordedFetch(replies);
  const slept: number[] = [];
  const sleep = async (ms: number) => void slept.push(ms);
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch, sleep });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests, slept };
};

const SERVICE = ['services', 'create', '--name', 'echo', '--replicas', '1', '--max-price', '0.6', '--port', 'api:8000/http', '--health-path', '/', '--', 'node', 'server.js'];

describe('the CLI when the API is busy', () => {
  it('tries a create again with the same Idempotency-Key, waiting what Retry-After asks, and says so', async () => {
    const result = await run(SERVICE, { 'POST /v1/services': [busy('1'), { status: 429, body: { message: 'Too Many Requests' } }, { status: 202, body: { serviceId: 'svc_1', status: 'active' } }] });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created svc_1 (active)');
    expect(result.requests).toHaveLength(3);
    const keys = result.requests.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    // Retry-After: 1 on the first answer; the gateway's 429 names no wait, so the second backoff step.
    expect(result.slept).toEqual([1_000, 2_000]);
    expect(result.stderr).toContain('The API is busy (503 busy); trying again in 1 s (try 2 of 4).');
    expect(result.stderr).toContain('The API is busy (429 http_429); trying again in 2 s (try 3 of 4).');
  });

  it('keeps the key the renter gave across its tries', async () => {
    const result = await run(['jobs', 'submit', '--gpus', '1', '--max-price', '0.5', '--idempotency-key', 'train-1', '--', 'python', 'train.py'], {
      'POST /v1/jobs': [busy(), { status: 202, body: { jobId: 'job_1', status: 'queued' } }],
    });

    expect(result.code).toBe(0);
    expect(result.requests.map((request) => request.headers['idempotency-key'])).toEqual(['train-1', 'train-1']);
  });

  it('gives up after four tries with the API\'s answer and exit code 5', async () => {
    const result = await run(SERVICE, { 'POST /v1/services': [busy()] });

    expect(result.code).toBe(5);
    expect(result.requests).toHaveLength(4);
    expect(result.slept).toEqual([1_000, 2_000, 4_000]);
    expect(result.stderr).toContain('retry shortly');
  });

  it('does not repeat a POST that carries no Idempotency-Key, nor an answer that is not busy', async () => {
    const cancel = await run(['jobs', 'cancel', 'job_1'], { 'POST /v1/jobs/job_1/cancel': [busy()] });
    expect(cancel.code).toBe(5);
    expect(cancel.requests).toHaveLength(1);
    expect(cancel.slept).toEqual([]);

    const refused = await run(SERVICE, { 'POST /v1/services': [{ status: 402, body: { error: { code: 'insufficient_funds', message: 'Add funds.' } } }] });
    expect(refused.code).toBe(3);
    expect(refused.requests).toHaveLength(1);
  });

  it('tries a scale, a rollout and a stop again: repeated, they change nothing more', async () => {
    const service = { serviceId: 'svc_1', name: 'echo', status: 'active', statusReason: null, replicas: 2, readyReplicas: 2, replicaJobs: [] };
    const scale = await run(['services', 'scale', 'svc_1', '2', '--json'], { 'PATCH /v1/services/svc_1': [busy(), { status: 202, body: service }] });
    expect(scale.code).toBe(0);
    expect(scale.requests.map((request) => request.body)).toEqual([{ replicas: 2 }, { replicas: 2 }]);

    const stop = await run(['services', 'stop', 'svc_1'], { 'POST /v1/services/svc_1/stop': [busy(), { status: 202, body: { ...service, status: 'stopping' } }] });
    expect(stop.code).toBe(0);
    expect(stop.requests).toHaveLength(2);

    const rollout = await run(['services', 'update', 'svc_1', '--env', 'VERSION=2', '--json'], { 'PATCH /v1/services/svc_1': [busy(), { status: 202, body: service }] });
    expect(rollout.code).toBe(0);
    expect(rollout.requests.map((request) => request.body)).toEqual([{ env: { VERSION: '2' } }, { env: { VERSION: '2' } }]);
  });

  it('tries a read again', async () => {
    const result = await run(['jobs', 'get', 'job_1'], {
      'GET /v1/jobs/job_1': [{ status: 502, text: 'Bad Gateway' }, { status: 200, body: { jobId: 'job_1', status: 'running' } }],
    });

    expect(result.requests).toHaveLength(2);
    expect(result.slept).toEqual([1_000]);
  });
});
