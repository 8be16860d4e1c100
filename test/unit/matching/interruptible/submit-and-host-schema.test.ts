import { describe, expect, it } from 'vitest';
import { SubmitJobInput } from '#matching/http/schemas.ts';
import { jobSpecOf } from '#matching/use-cases/job-spec.ts';
import { holdAmountFor } from '#matching/domain/job.ts';
import { RegisterAgentInput, UpdateHostInput } from '#registry/http/schemas.ts';
import { applyPatch } from '#registry/domain/lifecycle.ts';
import { microUsd } from '#platform/money.ts';

const base = { image: 'img', gpu: { count: 1 }, maxDurationSeconds: 600 };

const issuesOf = (input: unknown) => {
  const result = SubmitJobInput.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('submit: the interruptible tier', () => {
  it('takes a bid and stores it as the price, with on-preemption as the default restart policy', () => {
    const body = SubmitJobInput.parse({ ...base, tier: 'interruptible', bidPerGpuHour: '0.200000' });
    const spec = jobSpecOf(body, {});

    expect(spec).toMatchObject({ tier: 'interruptible', bidPerGpuHour: 200_000, maxPricePerGpuHour: 200_000, restartPolicy: 'on-preemption' });
    // The hold is taken at the bid: 600 s + 35 s of margin at 0.20/h.
    expect(holdAmountFor(spec, 35)).toBe(Math.ceil((200_000 * 635) / 3600));
  });

  it('keeps on-demand work as it was: maxPrice required, on-host-loss by default, no tier stored', () => {
    const spec = jobSpecOf(SubmitJobInput.parse({ ...base, maxPricePerGpuHour: '1.000000' }), {});

    expect(spec.restartPolicy).toBe('on-host-loss');
    expect(spec.tier).toBeUndefined();
    expect(spec.bidPerGpuHour).toBeUndefined();
    expect(issuesOf(base)).toEqual(['maxPricePerGpuHour']);
  });

  it.each([
    ['a zero bid', { tier: 'interruptible', bidPerGpuHour: '0' }, ['bidPerGpuHour']],
    ['a negative bid', { tier: 'interruptible', bidPerGpuHour: '-0.100000' }, ['bidPerGpuHour']],
    ['a bid that is not a price', { tier: 'interruptible', bidPerGpuHour: 'cheap' }, ['bidPerGpuHour']],
    ['no bid on interruptible work', { tier: 'interruptible' }, ['bidPerGpuHour']],
    ['a bid on on-demand work', { maxPricePerGpuHour: '1', bidPerGpuHour: '0.5' }, ['bidPerGpuHour']],
    ['a bid on work of tier on-demand', { tier: 'on-demand', maxPricePerGpuHour: '1', bidPerGpuHour: '0.5' }, ['bidPerGpuHour']],
    ['a max price on interruptible work', { tier: 'interruptible', bidPerGpuHour: '0.5', maxPricePerGpuHour: '1' }, ['maxPricePerGpuHour']],
    ['an unknown tier', { tier: 'spot', maxPricePerGpuHour: '1' }, ['tier']],
    ['on-preemption on on-demand work', { maxPricePerGpuHour: '1', restartPolicy: 'on-preemption' }, ['restartPolicy']],
  ])('refuses %s, naming the field', (_case, fields, expected) => {
    expect(issuesOf({ ...base, ...fields })).toEqual(expected);
  });

  it('lets interruptible work choose never or on-host-loss', () => {
    expect(jobSpecOf(SubmitJobInput.parse({ ...base, tier: 'interruptible', bidPerGpuHour: '0.1', restartPolicy: 'never' }), {}).restartPolicy).toBe('never');
  });
});

const facts = {
  registrationToken: 'reg_x',
  hostname: 'gpu-box',
  region: 'eu-west',
  pricePerGpuHour: '0.800000',
  gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24_564, uuid: 'GPU-1', index: 0 }],
  cpuCores: 16,
  memoryMb: 65_536,
  diskGb: 1000,
  runtimes: ['docker'],
};

describe("a host's minimum bid", () => {
  it('is optional at registration, may be 0, and may not be above the host price', () => {
    expect(RegisterAgentInput.parse(facts).minBidPerGpuHour).toBeUndefined();
    expect(RegisterAgentInput.parse({ ...facts, minBidPerGpuHour: '0' }).minBidPerGpuHour).toBe(0);
    expect(RegisterAgentInput.parse({ ...facts, minBidPerGpuHour: '0.800000' }).minBidPerGpuHour).toBe(800_000);
    const above = RegisterAgentInput.safeParse({ ...facts, minBidPerGpuHour: '0.800001' });
    expect(above.success ? [] : above.error.issues.map((issue) => issue.path.join('.'))).toEqual(['minBidPerGpuHour']);
    const negative = RegisterAgentInput.safeParse({ ...facts, minBidPerGpuHour: '-1' });
    expect(negative.success ? [] : negative.error.issues.map((issue) => issue.path.join('.'))).toEqual(['minBidPerGpuHour']);
  });

  it('is changed by PATCH, and null returns it to the default', () => {
    expect(UpdateHostInput.parse({ minBidPerGpuHour: '0.3' })).toEqual({ minBidPerGpuHour: 300_000 });
    expect(UpdateHostInput.parse({ minBidPerGpuHour: null })).toEqual({ minBidPerGpuHour: null });
    // A host as the registry keeps it, reduced to what applyPatch reads.
    const host = { pricePerGpuHour: microUsd(800_000), listed: true, draining: false, minBidPerGpuHour: microUsd(300_000) } as Parameters<typeof applyPatch>[0];
    expect(applyPatch(host, { minBidPerGpuHour: microUsd(400_000) })).toMatchObject({ host: { minBidPerGpuHour: 400_000 }, changes: ['updated'] });
    expect(applyPatch(host, { minBidPerGpuHour: null }).host.minBidPerGpuHour).toBeUndefined();
    expect(applyPatch(host, { minBidPerGpuHour: microUsd(300_000) }).changes).toEqual([]);
  });
});
