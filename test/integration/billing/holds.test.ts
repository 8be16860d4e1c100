import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEvent } from '#events/define.ts';
import { events } from '#events/index.ts';
import { makeBillingDeps } from '#billing/adapters/deps.ts';
import { placeHold } from '#billing/use-cases/holds.ts';
import { renewHolds } from '#billing/use-cases/renew-holds.ts';
import { microUsd } from '#platform/money.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, newAccount, startTestRuntime, type ApiClient, type CapturedEvent } from '#test/support/local-runtime.ts';
import { billingItem, billingQueueDrained, localBus } from './support.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let bus: ReturnType<typeof localBus>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.apiUrl);
  bus = localBus(runtime);
});
afterAll(() => runtime?.stop());

const USD = 1_000_000;

/** A renter account, credited with `usd` dollars through the admin route. */
const fundedRenter = async (usd: number) => {
  const created = await newAccount(api, runtime.adminKey, 'renter', 'Holder');
  const renter = { renterId: created.body.accountId as string, key: created.body.apiKey as string };
  if (usd > 0) {
    const credit = await api.call('POST', `/v1/accounts/${renter.renterId}/credits`, { key: runtime.adminKey, body: { amount: String(usd) } });
    expect(credit.status).toBe(201);
  }
  return renter;
};

const balanceOf = async (key: string) => (await api.call('GET', '/v1/billing/balance', { key })).body;

const newJobId = () => `job_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

type Listener = Awaited<ReturnType<typeof captureEvents>>;

/** Waits until billing consumed everything on the bus, then takes every funds event it announced. */
const settle = async (listener: Listener): Promise<CapturedEvent[]> => {
  await billingQueueDrained(runtime);
  const received: CapturedEvent[] = [];
  for (let batch = await listener.next(); batch.length > 0; batch = await listener.next()) received.push(...batch);
  return received;
};

const fundsEvents = () => captureEvents(runtime, ['funds.held', 'funds.refused']);

describe('holds for jobs on the local services', () => {
  it('holds the funds of a submitted job and announces funds.held', async () => {
    const renter = await fundedRenter(10);
    const listener = await fundsEvents();
    const jobId = newJobId();

    await bus.publish(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 4 * USD });

    const announced = await settle(listener);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ source: 'gpuhive.billing', 'detail-type': 'funds.held' });
    expect(announced[0]?.detail).toMatchObject({ jobId, renterId: renter.renterId, amount: 4 * USD, version: 1 });
    expect(await balanceOf(renter.key)).toEqual({ balance: '10.000000', held: '4.000000', available: '6.000000', runwaySeconds: null });
  });

  it('refuses a job its renter cannot cover with funds.refused, holding nothing', async () => {
    const renter = await fundedRenter(3);
    const listener = await fundsEvents();
    const jobId = newJobId();

    await bus.publish(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 5 * USD });

    const announced = await settle(listener);
    expect(announced.map((event) => event['detail-type'])).toEqual(['funds.refused']);
    expect(announced[0]?.detail).toMatchObject({ jobId, renterId: renter.renterId, amount: 5 * USD, available: 3 * USD, reason: 'insufficient_funds' });
    expect(await balanceOf(renter.key)).toMatchObject({ balance: '3.000000', held: '0.000000', available: '3.000000' });
  });

  it('refuses a renter who never had money, reporting 0 available', async () => {
    const renter = await fundedRenter(0);
    const listener = await fundsEvents();

    await bus.publish(events.jobSubmitted, { jobId: newJobId(), renterId: renter.renterId, holdAmount: 1 });

    const announced = await settle(listener);
    expect(announced.map((event) => event['detail-type'])).toEqual(['funds.refused']);
    expect(announced[0]?.detail.available).toBe(0);
  });

  it('releases the hold when the job ends, whatever its fate', async () => {
    const renter = await fundedRenter(10);
    const [succeeded, cancelled] = [newJobId(), newJobId()];
    await bus.publish(events.jobSubmitted, { jobId: succeeded, renterId: renter.renterId, holdAmount: 2 * USD });
    await bus.publish(events.jobSubmitted, { jobId: cancelled, renterId: renter.renterId, holdAmount: 3 * USD });
    await billingQueueDrained(runtime);
    expect((await balanceOf(renter.key)).held).toBe('5.000000');

    await bus.publish(events.jobEnded, { jobId: succeeded, renterId: renter.renterId, status: 'succeeded' });
    await bus.publish(events.jobEnded, { jobId: cancelled, renterId: renter.renterId, status: 'cancelled' });
    await billingQueueDrained(runtime);

    expect(await balanceOf(renter.key)).toMatchObject({ balance: '10.000000', held: '0.000000', available: '10.000000' });
    expect(await billingItem(runtime, { pk: `HOLD#${cancelled}`, sk: 'HOLD' })).toMatchObject({ status: 'released', amount: 3 * USD, releasedAt: expect.any(String) });
  });

  it('keeps the hold of a job whose funds ran out through its stop window, then the renewal releases it', async () => {
    const renter = await fundedRenter(10);
    const deps = makeBillingDeps();
    const jobId = newJobId();
    await bus.publish(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 4 * USD, holdMarginSeconds: 1 });
    await billingQueueDrained(runtime);
    // The renewal found nothing left to cover the job: the write renewHolds makes then.
    const exhausted = newEvent(events.fundsExhausted, { jobId, renterId: renter.renterId, amount: USD, available: 0, reason: 'insufficient_funds' }, new Date());
    expect(await deps.holds.renew((await deps.holds.get(jobId))!, microUsd(0), new Date(), exhausted)).toBe('renewed');

    await bus.publish(events.jobEnded, { jobId, renterId: renter.renterId, status: 'failed', reason: 'insufficient_funds' });
    await billingQueueDrained(runtime);
    const kept = await billingItem(runtime, { pk: `HOLD#${jobId}`, sk: 'HOLD' });
    expect(kept).toMatchObject({ status: 'held', amount: 4 * USD, keptUntil: expect.any(String) });
    expect(await balanceOf(renter.key)).toMatchObject({ held: '4.000000', available: '6.000000' });

    // A second later the renewal (here, or the runtime's own schedule) gives it back.
    await eventually(async () => {
      await renewHolds(deps);
      expect(await billingItem(runtime, { pk: `HOLD#${jobId}`, sk: 'HOLD' })).toMatchObject({ status: 'released', releasedAt: expect.any(String) });
    });
    expect(await balanceOf(renter.key)).toMatchObject({ balance: '10.000000', held: '0.000000', available: '10.000000' });
  });

  it('changes nothing when a refused job ends', async () => {
    const renter = await fundedRenter(1);
    const jobId = newJobId();
    await bus.publish(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 2 * USD });
    await billingQueueDrained(runtime);

    await bus.publish(events.jobEnded, { jobId, renterId: renter.renterId, status: 'failed', reason: 'insufficient_funds' });
    await billingQueueDrained(runtime);

    expect(await balanceOf(renter.key)).toMatchObject({ balance: '1.000000', held: '0.000000', available: '1.000000' });
    expect(await billingItem(runtime, { pk: `HOLD#${jobId}`, sk: 'HOLD' })).toMatchObject({ status: 'refused', available: USD });
  });

  it('takes redelivered events in its stride: one hold, one announcement, one release', async () => {
    const renter = await fundedRenter(10);
    const listener = await fundsEvents();
    const jobId = newJobId();
    const submitted = newEvent(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 6 * USD }, new Date());
    const ended = newEvent(events.jobEnded, { jobId, renterId: renter.renterId, status: 'succeeded' }, new Date());

    await bus.put([submitted, submitted, submitted]);
    const announced = await settle(listener);
    expect(await balanceOf(renter.key)).toMatchObject({ held: '6.000000', available: '4.000000' });
    await bus.put([ended, ended]);
    await billingQueueDrained(runtime);
    await bus.put([submitted]);

    expect([...announced, ...(await settle(listener))].map((event) => event['detail-type'])).toEqual(['funds.held']);
    expect(await balanceOf(renter.key)).toMatchObject({ balance: '10.000000', held: '0.000000', available: '10.000000' });
  });

  it('holds nothing for a job whose end overtook its submission', async () => {
    const renter = await fundedRenter(10);
    const listener = await fundsEvents();
    const jobId = newJobId();

    await bus.publish(events.jobEnded, { jobId, renterId: renter.renterId, status: 'expired' });
    await billingQueueDrained(runtime);
    await bus.publish(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: 5 * USD });

    expect(await settle(listener)).toEqual([]);
    expect(await balanceOf(renter.key)).toMatchObject({ held: '0.000000', available: '10.000000' });
    expect(await billingItem(runtime, { pk: `HOLD#${jobId}`, sk: 'HOLD' })).toMatchObject({ status: 'released', amount: 0, endedBeforeHold: true });
  });

  it('never overdraws: of 50 concurrent jobs whose balance covers 10, exactly 10 are held and 40 refused', async () => {
    const renter = await fundedRenter(10);
    const listener = await fundsEvents();
    const jobIds = Array.from({ length: 50 }, newJobId);
    const submissions = jobIds.map((jobId) => newEvent(events.jobSubmitted, { jobId, renterId: renter.renterId, holdAmount: USD }, new Date()));
    const samples: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) samples.push((await balanceOf(renter.key)).available);
    })();

    await Promise.all([0, 10, 20, 30, 40].map((start) => bus.put(submissions.slice(start, start + 10))));
    const announced = await settle(listener);
    watching = false;
    await watcher;

    const byType = (type: string) => announced.filter((event) => event['detail-type'] === type);
    expect(byType('funds.held')).toHaveLength(10);
    expect(byType('funds.refused')).toHaveLength(40);
    expect(new Set(announced.map((event) => event.detail.jobId))).toEqual(new Set(jobIds));
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((available) => available.startsWith('-'))).toEqual([]);
    expect(await balanceOf(renter.key)).toMatchObject({ balance: '10.000000', held: '10.000000', available: '0.000000' });
  });

  it('never overdraws when 50 placements race at once, each a transaction of its own', async () => {
    const renter = await fundedRenter(10);
    const deps = makeBillingDeps();
    const jobIds = Array.from({ length: 50 }, newJobId);

    const outcomes = await Promise.all(jobIds.map((jobId) => placeHold({ jobId, renterId: renter.renterId, holdAmount: USD }, deps)));

    expect(outcomes.filter((outcome) => outcome === 'held')).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(40);
    expect(await balanceOf(renter.key)).toMatchObject({ balance: '10.000000', held: '10.000000', available: '0.000000' });
  });
});
