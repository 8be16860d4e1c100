import { describe, expect, it } from 'vitest';
import { main } from '#cli/main.ts';
import { SERVICE_COMMANDS } from '#cli/commands/services.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0] = {}) => {
  const output = bufferOutput();
  const fake = recordedFetch(replies);
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests };
};

const service = (extra: Record<string, unknown> = {}) => ({
  serviceId: 'svc_1', name: 'chat', status: 'active', statusReason: null, replicas: 3, readyReplicas: 2, image: null, command: null,
  template: { name: 'vllm', version: 1 }, ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }], gpu: { count: 1 }, regions: null, spread: 'providers',
  maxPricePerGpuHour: '0.900000', healthCheck: { path: '/health', port: 8000, intervalSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, startupGraceSeconds: 300 },
  revision: 1, createdAt: '2026-12-04T10:00:00.000Z', updatedAt: '2026-12-04T10:00:00.000Z',
  replicaJobs: [
    { replica: 0, jobId: 'job_1r0g1', state: 'ready', jobStatus: 'running', statusReason: null, revision: 1, hostId: 'host_a', endpoint: { address: '203.0.113.7:40000', url: 'http://203.0.113.7:40000' }, health: { state: 'healthy', failures: 0, checkedAt: '2026-12-04T10:02:00.000Z' }, failures: 0 },
    { replica: 1, jobId: 'job_1r1g2', state: 'queued', jobStatus: 'queued', statusReason: 'waiting for capacity', revision: 1, hostId: null, endpoint: null, health: null, failures: 1 },
  ],
  cost: '0.120000', costPerHour: '0.900000',
  ...extra,
});

describe('gpuhive services', () => {
  it('creates interruptible replicas priced by their bid, and refuses a bid without the tier', async () => {
    const result = await run(
      ['services', 'create', '--name', 'embed', '--replicas', '2', '--tier', 'interruptible', '--bid', '0.25', '--port', 'api:8000/http', '--health-path', '/health', '--', 'node', 'server.js'],
      { 'POST /v1/services': [{ status: 202, body: { serviceId: 'svc_2', status: 'active' } }] },
    );
    expect(result.code).toBe(0);
    expect(result.requests[0]?.body).toMatchObject({ tier: 'interruptible', bidPerGpuHour: '0.25' });
    expect(result.requests[0]?.body).not.toHaveProperty('maxPricePerGpuHour');

    const refused = await run(['services', 'create', '--name', 'embed', '--replicas', '2', '--max-price', '0.90', '--bid', '0.25', '--health-path', '/health', '--', 'node', 'server.js']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--bid is for --tier interruptible');
    expect(refused.requests).toHaveLength(0);
  });

  it('creates a service from a template with its health check, spread and env', async () => {
    const result = await run(
      ['services', 'create', '--name', 'chat', '--template', 'vllm', '--env', 'MODEL=Qwen/Qwen2.5-7B-Instruct', '--replicas', '3', '--max-price', '0.90', '--health-path', '/health', '--health-interval', '15', '--spread', 'providers', '--idempotency-key', 'k1'],
      { 'POST /v1/services': [{ status: 202, body: { serviceId: 'svc_1', status: 'active' } }] },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created svc_1 (active)');
    expect(result.requests[0]?.headers['idempotency-key']).toBe('k1');
    expect(result.requests[0]?.body).toEqual({
      name: 'chat', template: 'vllm', env: { MODEL: 'Qwen/Qwen2.5-7B-Instruct' }, replicas: 3, maxPricePerGpuHour: '0.90',
      healthCheck: { path: '/health', intervalSeconds: 15 }, spread: 'providers',
    });
  });

  it('creates a process service from a command with ports and GPUs', async () => {
    const result = await run(
      ['services', 'create', '--name', 'echo', '--replicas', '2', '--max-price', '0.6', '--port', 'api:8000/http', '--health-path', '/', '--gpus', '1', '--model', 'RTX 4090', '--', 'node', 'server.js'],
      { 'POST /v1/services': [{ status: 202, body: { serviceId: 'svc_2', status: 'active' } }] },
    );
    expect(result.requests[0]?.body).toMatchObject({ command: ['node', 'server.js'], ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }], gpu: { count: 1, models: ['RTX 4090'] }, replicas: 2 });
  });

  it('refuses a missing required flag or a bad count before calling the API', async () => {
    const missing = await run(['services', 'create', '--name', 'x', '--replicas', '2', '--max-price', '1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--health-path is required.');
    const tooMany = await run(['services', 'scale', 'svc_1', '65']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.requests).toEqual([]);
  });

  it('shows a service with each replica, scales, updates, stops and lists endpoints', async () => {
    const got = await run(['services', 'get', 'svc_1'], { 'GET /v1/services/svc_1': [{ body: service() }] });
    expect(got.stdout).toContain('2 ready of 3, spread over providers');
    expect(got.stdout).toMatch(/0\s+job_1r0g1\s+ready\s+1\s+host_a\s+healthy\s+http:\/\/203\.0\.113\.7:40000/);
    expect(got.stdout).toContain('waiting for capacity');

    const scaled = await run(['services', 'scale', 'svc_1', '5'], { 'PATCH /v1/services/svc_1': [{ status: 202, body: service({ replicas: 5 }) }] });
    expect(scaled.requests[0]).toMatchObject({ method: 'PATCH', body: { replicas: 5 } });
    const updated = await run(['services', 'update', 'svc_1', '--env', 'MODEL=other', '--image', 'repo/img:2'], { 'PATCH /v1/services/svc_1': [{ status: 202, body: service({ revision: 2 }) }] });
    expect(updated.requests[0]?.body).toEqual({ image: 'repo/img:2', env: { MODEL: 'other' } });
    const stopped = await run(['services', 'stop', 'svc_1'], { 'POST /v1/services/svc_1/stop': [{ status: 202, body: service({ status: 'stopping', statusReason: 'stopped by the renter' }) }] });
    expect(stopped.stdout).toBe('svc_1 stopping (stopped by the renter).\n');

    const endpoints = { serviceId: 'svc_1', version: 4, endpoints: [{ replica: 0, jobId: 'job_1r0g1', assignmentId: 'a', hostId: 'host_a', region: 'eu-west', address: '203.0.113.7:40000', url: 'http://203.0.113.7:40000' }] };
    const urls = await run(['services', 'endpoints', 'svc_1', '--urls'], { 'GET /v1/services/svc_1/endpoints': [{ body: endpoints }] });
    expect(urls.stdout).toBe('http://203.0.113.7:40000\n');
    const notFound = await run(['services', 'get', 'svc_other'], { 'GET /v1/services/svc_other': [{ status: 404, body: { error: { code: 'not_found', message: 'No such service.' } } }] });
    expect(notFound.code).toBe(3);
  });

  it('gives every services command a --help', async () => {
    for (const command of SERVICE_COMMANDS) {
      const help = await run([...command.name.split(' '), '--help']);
      expect(help.code, command.name).toBe(0);
      expect(help.stdout, command.name).toContain(`Usage: gpuhive ${command.name}`);
    }
  });
});
