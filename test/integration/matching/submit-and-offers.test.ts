import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, waitForStatus } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' }, scheduleSeconds: { 'matching-sweep': 1 } });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

describe('submitting jobs', () => {
  it('answers 402 at once when the balance cannot cover the hold, and creates nothing', async () => {
    const { renterKey } = await fundedRenter(api, runtime, '0.500000');

    const attempt = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ maxPricePerGpuHour: '1.000000' }) });

    expect(attempt.status).toBe(402);
    expect(attempt.body.error.code).toBe('insufficient_funds');
    expect((await api.call('GET', '/v1/jobs', { key: renterKey })).body.items).toEqual([]);
  });

  it('holds for the max duration, its stop grace and clock skew, when that is shorter than an hour (issue 13)', async () => {
    const { renterKey } = await fundedRenter(api, runtime, '0.509723');

    // 1,800 s + 30 s grace + 5 s skew at 1.000000/h: 0.509722… rounded up.
    const accepted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ maxPricePerGpuHour: '1.000000', maxDurationSeconds: 1800, gpu: { count: 1, models: ['B200'] } }) });

    expect(accepted.status).toBe(202);
    const job = (await api.call('GET', `/v1/jobs/${accepted.body.jobId}`, { key: renterKey })).body;
    expect(job.hold).toBe('0.509723');
  });

  it('returns the same job for a repeated Idempotency-Key and body, and 409 for another body', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const headers = { 'idempotency-key': 'submit-0001' };
    const body = jobBody({ gpu: { count: 1, models: ['B200'] } });

    const first = await api.call('POST', '/v1/jobs', { key: renterKey, body, headers });
    const again = await api.call('POST', '/v1/jobs', { key: renterKey, body, headers });
    const other = await api.call('POST', '/v1/jobs', { key: renterKey, body: { ...body, name: 'changed' }, headers });

    expect(again.status).toBe(202);
    expect(again.body.jobId).toBe(first.body.jobId);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect((await api.call('GET', '/v1/jobs', { key: renterKey })).body.items).toHaveLength(1);
  });

  it('names every bad field of a job', async () => {
    const { renterKey } = await fundedRenter(api, runtime);

    const attempt = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { gpu: { count: 9 }, hosts: 40, maxPricePerGpuHour: 'free', maxDurationSeconds: 5, restartPolicy: 'always', env: { 'BAD-NAME': 'x' }, colour: 'blue' },
    });

    expect(attempt.status).toBe(400);
    const fields = attempt.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['gpu.count', 'hosts', 'maxPricePerGpuHour', 'maxDurationSeconds', 'restartPolicy', 'env.BAD-NAME', 'colour']));
  });

  it('asks for an image or a command', async () => {
    const { renterKey } = await fundedRenter(api, runtime);

    const attempt = await api.call('POST', '/v1/jobs', { key: renterKey, body: { gpu: { count: 1 }, maxPricePerGpuHour: '1', maxDurationSeconds: 600 } });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details).toContainEqual({ field: 'image', message: 'give an image, a command, or both (or a template)' });
  });

  it('keeps a job queued with a reason the renter can read when nothing fits', async () => {
    const { renterKey } = await fundedRenter(api, runtime);

    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 8, models: ['H100'] }, maxPricePerGpuHour: '2.000000', maxDurationSeconds: 600 }) });

    await eventually(async () => {
      const job = (await api.call('GET', `/v1/jobs/${body.jobId}`, { key: renterKey })).body;
      expect(job.status).toBe('queued');
      expect(job.statusReason).toBe('no online host offers 8x H100 under 2.000000/GPU-hour (docker)');
    });
  });

  it('fails a job with insufficient_funds when a concurrent job took the money first', async () => {
    const body = jobBody({ gpu: { count: 1, models: ['B200'] }, maxPricePerGpuHour: '1.000000' });
    // Both pass the advisory balance check at submit only if neither job's hold lands before the other's check. On a busy
    // machine one can, and that submit is refused at once (402, also right): then again with a new renter.
    let renterKey = '';
    for (let attempt = 1; ; attempt += 1) {
      ({ renterKey } = await fundedRenter(api, runtime, '1.000000'));
      const submits = await Promise.all([api.call('POST', '/v1/jobs', { key: renterKey, body }), api.call('POST', '/v1/jobs', { key: renterKey, body })]);
      const statuses = submits.map((submit) => submit.status).sort();
      if (statuses[0] === 202 && statuses[1] === 202) break;
      expect(statuses).toEqual([202, 402]);
      expect(attempt, 'in none of 5 tries did both submits pass the balance check').toBeLessThan(5);
    }
    const outcomes = await eventually(async () => {
      const jobs = (await api.call('GET', '/v1/jobs', { key: renterKey })).body.items;
      expect(jobs.filter((job: { status: string }) => job.status === 'failed')).toHaveLength(1);
      return jobs;
    });
    expect(outcomes.find((job: { status: string }) => job.status === 'failed').statusReason).toBe('insufficient_funds');
  });

  it('lists only the renter\'s own jobs, by status, and hides other renters\' jobs', async () => {
    const mine = await fundedRenter(api, runtime);
    const theirs = await fundedRenter(api, runtime);
    const { body } = await api.call('POST', '/v1/jobs', { key: mine.renterKey, body: jobBody({ gpu: { count: 1, models: ['B200'] } }) });
    await api.call('POST', `/v1/jobs/${body.jobId}/cancel`, { key: mine.renterKey });

    const cancelled = await api.call('GET', '/v1/jobs?status=cancelled', { key: mine.renterKey });
    const queued = await api.call('GET', '/v1/jobs?status=queued', { key: mine.renterKey });
    const stranger = await api.call('GET', `/v1/jobs/${body.jobId}`, { key: theirs.renterKey });
    const strangerCancel = await api.call('POST', `/v1/jobs/${body.jobId}/cancel`, { key: theirs.renterKey });

    expect(cancelled.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([body.jobId]);
    expect(queued.body.items).toEqual([]);
    expect([stranger.status, strangerCancel.status]).toEqual([404, 404]);
    await waitForStatus(api, mine.renterKey, body.jobId, 'cancelled');
    await eventually(async () => expect((await api.call('GET', '/v1/billing/balance', { key: mine.renterKey })).body.held).toBe('0.000000'));
  });
});

describe('offers', () => {
  it('shows free, listed capacity cheapest first, filtered as asked, and never GPUs already assigned', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const gpus = (prefix: string) => [0, 1].map((index) => ({ name: 'NVIDIA GeForce RTX 3090', vramMb: 24576, uuid: `${prefix}-${index}`, index }));
    const cheap = await offeredHost(api, runtime, renterKey, { gpus: gpus('GPU-3090-cheap'), pricePerGpuHour: '0.200000', region: 'us-east' });
    const dear = await offeredHost(api, runtime, renterKey, { gpus: gpus('GPU-3090-dear'), pricePerGpuHour: '0.250000', region: 'eu-west' });

    const all = await api.call('GET', '/v1/offers?gpuModel=rtx%203090', { key: renterKey });
    const inEurope = await api.call('GET', '/v1/offers?gpuModel=RTX%203090&region=eu-west', { key: renterKey });
    const tooDear = await api.call('GET', '/v1/offers?gpuModel=RTX%203090&maxPricePerGpuHour=0.21', { key: renterKey });
    const prefixOnly = await api.call('GET', '/v1/offers?gpuModel=RTX%2030', { key: renterKey });

    expect(all.body.items.map((offer: { hostId: string }) => offer.hostId)).toEqual([cheap.hostId, dear.hostId]);
    expect(all.body.items[0]).toMatchObject({ gpuModel: 'RTX 3090', availableGpus: 2, pricePerGpuHour: '0.200000', region: 'us-east', reliability: 1 });
    expect(inEurope.body.items.map((offer: { hostId: string }) => offer.hostId)).toEqual([dear.hostId]);
    expect(tooDear.body.items.map((offer: { hostId: string }) => offer.hostId)).toEqual([cheap.hostId]);
    expect(prefixOnly.body.items).toEqual([]);

    await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 3090'] }, regions: ['us-east'] }) });
    await eventually(async () => {
      const after = await api.call('GET', `/v1/offers?gpuModel=RTX%203090&region=us-east`, { key: renterKey });
      expect(after.body.items[0].availableGpus).toBe(1);
    });
    await api.call('PATCH', `/v1/hosts/${dear.hostId}`, { key: dear.providerKey, body: { listed: false } });
    await eventually(async () => {
      const unlisted = await api.call('GET', '/v1/offers?gpuModel=RTX%203090&region=eu-west', { key: renterKey });
      expect(unlisted.body.items).toEqual([]);
    });
  });
});

describe('GPU models the platform knows', () => {
  it('refuses a job for a model nobody knows with a 400 naming the field and the nearest known names, holding nothing', async () => {
    const { renterKey } = await fundedRenter(api, runtime);

    const typo = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 4090', 'RTX 9999'] } }) });

    expect(typo.status).toBe(400);
    expect(typo.body.error.details).toEqual([{ field: 'gpu.models.1', message: expect.stringContaining('"RTX 9999"') }]);
    expect(typo.body.error.details[0].message).toMatch(/did you mean "RTX \d{4}/);
    expect((await api.call('GET', '/v1/jobs', { key: renterKey })).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/billing/balance', { key: renterKey })).body.held).toBe('0.000000');
  });

  it('accepts a model only a registered host has, and lists it with the catalogue and what is on offer', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const gpus = [{ name: 'NVIDIA Quantum QX-1', vramMb: 65536, uuid: 'GPU-qx1-0', index: 0 }];
    const host = await offeredHost(api, runtime, renterKey, { gpus, pricePerGpuHour: '0.300000' });

    const models = await eventually(async () => {
      const listed = await api.call('GET', '/v1/gpu-models', { key: renterKey });
      expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'Quantum QX-1', availableGpus: 1 })]));
      return listed;
    });
    const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['quantum qx-1'] } }) });

    expect(models.status).toBe(200);
    expect(models.body.items).toContainEqual({ model: 'Quantum QX-1', inCatalogue: false, registered: true, availableGpus: 1, hostsOnOffer: 1, lowestPricePerGpuHour: '0.300000' });
    expect(models.body.items).toContainEqual(expect.objectContaining({ model: 'B200', inCatalogue: true }));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(host.hostId).toEqual(expect.any(String));
  });
});
