import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, offeredHost, waitForMessage } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
}, 60_000);
afterAll(() => runtime?.stop());

/** What each template needs from the renter, as `gpuhive jobs submit --env` would give it. */
const REQUIRED_ENV: Record<string, Record<string, string>> = { vllm: { MODEL: 'Qwen/Qwen2.5-7B-Instruct' }, cuda: { COMMAND: 'nvidia-smi' } };

describe('job templates', () => {
  it('lists the catalogue, and submits every template with its required env, recording name and version', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const listed = await api.call('GET', '/v1/templates', { key: renterKey });
    expect(listed.status).toBe(200);
    const templates = listed.body.items as { name: string; version: number; image: string; ports: unknown[]; env: { name: string; required: boolean }[]; gpu: { minVramMb: number } }[];
    expect(templates.map((t) => t.name).sort()).toEqual(['cuda', 'ollama', 'pytorch-jupyter', 'ssh-base', 'vllm']);

    for (const template of templates) {
      expect(template.env.filter((env) => env.required).map((env) => env.name).sort()).toEqual(Object.keys(REQUIRED_ENV[template.name] ?? {}).sort());
      const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: { template: template.name, env: REQUIRED_ENV[template.name] ?? {}, maxPricePerGpuHour: '0.900000' } });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const job = (await api.call('GET', `/v1/jobs/${submitted.body.jobId}`, { key: renterKey })).body;
      expect(job).toMatchObject({ template: { name: template.name, version: template.version }, image: template.image, ports: template.ports, gpu: { count: 1, minVramMb: template.gpu.minVramMb } });
      // Queued with no host here: cancelled so that the hosts of the next tests stay free.
      expect((await api.call('POST', `/v1/jobs/${submitted.body.jobId}/cancel`, { key: renterKey })).status).toBe(202);
    }
  });

  it('refuses an unknown template, unfilled required env and fields the template gives, each a 400 naming the field', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const fields = async (body: Record<string, unknown>) => {
      const response = await api.call('POST', '/v1/jobs', { key: renterKey, body: { maxPricePerGpuHour: '0.900000', ...body } });
      expect(response.status).toBe(400);
      return (response.body.error.details as { field: string }[]).map((detail) => detail.field);
    };

    expect(await fields({ template: 'no-such-template' })).toEqual(['template']);
    expect(await fields({ template: 'vllm' })).toEqual(['env.MODEL']);
    expect(await fields({ template: 'vllm', env: { MODEL: 'm' }, image: 'other/image:1', ports: [{ containerPort: 1 }] })).toEqual(['image', 'ports']);
    expect(await fields({ image: 'acme/x:1' })).toEqual(['gpu', 'maxDurationSeconds']);
  });

  it('shows a generated Jupyter token to the job\'s owner only: not in the timeline or any event, and marked for the agent to keep out of the logs', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { publicAddress: '203.0.113.8', portRange: { from: 40100, to: 40109 }, gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-tpl-${Math.random()}`, index: 0 }] });
    const listener = await captureEvents(runtime, ['job.submitted', 'job.scheduled', 'assignment.started']);

    const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: { template: 'pytorch-jupyter', maxPricePerGpuHour: '0.900000' } });
    const message = await waitForMessage(api, host.agentToken, (m) => m.jobId === submitted.body.jobId);
    const job = (await api.call('GET', `/v1/jobs/${submitted.body.jobId}`, { key: renterKey })).body;
    const token = job.secrets.JUPYTER_TOKEN as string;

    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // No command: the image's own entrypoint runs until the job is cancelled.
    expect(job.interactive).toBe(true);
    expect(message).toMatchObject({ env: { JUPYTER_TOKEN: token }, secretEnv: ['JUPYTER_TOKEN'], ports: [{ name: 'jupyter', containerPort: 8888, protocol: 'http', hostPort: 40100 }] });
    const other = await fundedRenter(api, runtime);
    expect((await api.call('GET', `/v1/jobs/${submitted.body.jobId}`, { key: other.renterKey })).status).toBe(404);
    const timeline = await api.call('GET', `/v1/jobs/${submitted.body.jobId}/events`, { key: renterKey });
    expect(JSON.stringify(timeline.body)).not.toContain(token);
    const events = (await listener.next()).filter((event) => JSON.stringify(event).includes(submitted.body.jobId));
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(token);
  }, 60_000);
});
