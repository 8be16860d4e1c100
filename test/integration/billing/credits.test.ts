import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const createAccount = async (kind: 'renter' | 'provider' = 'renter') => {
  const created = await newAccount(api, runtime.adminKey, kind, `${kind} co`);
  return { accountId: created.body.accountId as string, key: created.body.apiKey as string };
};

const credit = (accountId: string, body: Record<string, unknown>) =>
  api.call('POST', `/v1/accounts/${accountId}/credits`, { key: runtime.adminKey, body });

describe('credits, balance and ledger on the local services', () => {
  it('credits a renter, whose balance and ledger then show it', async () => {
    const renter = await createAccount();

    const posted = await credit(renter.accountId, { amount: '25.000000', reference: `inv-${renter.accountId}` });
    const balance = await api.call('GET', '/v1/billing/balance', { key: renter.key });
    const ledger = await api.call('GET', '/v1/billing/ledger', { key: renter.key });

    expect(posted.status).toBe(201);
    expect(posted.body).toEqual({
      transactionId: expect.stringMatching(/^txn_/),
      postedAt: expect.any(String),
      kind: 'credit',
      reference: `inv-${renter.accountId}`,
      entries: [
        { entryId: expect.stringMatching(/^ent_/), accountId: renter.accountId, amount: '25.000000' },
        { entryId: expect.stringMatching(/^ent_/), accountId: 'external:funding', amount: '-25.000000' },
      ],
    });
    expect(balance.status).toBe(200);
    expect(balance.body).toEqual({ balance: '25.000000', held: '0.000000', available: '25.000000', runwaySeconds: null });
    expect(ledger.status).toBe(200);
    expect(ledger.body).toEqual({
      items: [
        {
          transactionId: posted.body.transactionId,
          entryId: posted.body.entries[0].entryId,
          postedAt: posted.body.postedAt,
          kind: 'credit',
          amount: '25.000000',
          reference: `inv-${renter.accountId}`,
        },
      ],
      nextCursor: null,
    });
  });

  it('shows zero everywhere for an account that never had money', async () => {
    const renter = await createAccount();

    const balance = await api.call('GET', '/v1/billing/balance', { key: renter.key });

    expect(balance.body).toEqual({ balance: '0.000000', held: '0.000000', available: '0.000000', runwaySeconds: null });
  });

  it("shows a provider's credited earnings as its balance, with nothing held", async () => {
    const provider = await createAccount('provider');
    await credit(provider.accountId, { amount: '3.5' });

    const balance = await api.call('GET', '/v1/billing/balance', { key: provider.key });

    expect(balance.body).toMatchObject({ balance: '3.500000', held: '0.000000', available: '3.500000' });
  });

  it('credits once per reference: a retry answers the first transaction with 201', async () => {
    const renter = await createAccount();
    const body = { amount: '10.000000', reference: `once-${renter.accountId}` };

    const first = await credit(renter.accountId, body);
    const retry = await credit(renter.accountId, body);

    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const balance = await api.call('GET', '/v1/billing/balance', { key: renter.key });
    expect(balance.body.balance).toBe('10.000000');
  });

  it('credits once when the same reference arrives concurrently', async () => {
    const renter = await createAccount();
    const body = { amount: '1.000000', reference: `race-${renter.accountId}` };

    const answers = await Promise.all(Array.from({ length: 8 }, () => credit(renter.accountId, body)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((answer) => answer.body.transactionId)).size).toBe(1);
    const balance = await api.call('GET', '/v1/billing/balance', { key: renter.key });
    expect(balance.body.balance).toBe('1.000000');
  });

  it('refuses a reused reference with another amount or account with 409', async () => {
    const renter = await createAccount();
    const other = await createAccount();
    const reference = `reuse-${renter.accountId}`;
    await credit(renter.accountId, { amount: '10.000000', reference });

    const otherAmount = await credit(renter.accountId, { amount: '11.000000', reference });
    const otherAccount = await credit(other.accountId, { amount: '10.000000', reference });

    expect(otherAmount.status).toBe(409);
    expect(otherAmount.body.error.code).toBe('reference_reused');
    expect(otherAccount.status).toBe(409);
    expect((await api.call('GET', '/v1/billing/balance', { key: other.key })).body.balance).toBe('0.000000');
  });

  it('posts a new transaction for each credit without a reference', async () => {
    const renter = await createAccount();

    const first = await credit(renter.accountId, { amount: '1.000000' });
    const second = await credit(renter.accountId, { amount: '1.000000' });

    expect(first.body.reference).toBeNull();
    expect(second.body.transactionId).not.toBe(first.body.transactionId);
    expect((await api.call('GET', '/v1/billing/balance', { key: renter.key })).body.balance).toBe('2.000000');
  });

  it.each([
    [{ amount: '0' }, 'amount'],
    [{ amount: '-5.00' }, 'amount'],
    [{ amount: '1000000.000001' }, 'amount'],
    [{ amount: '1.0000001' }, 'amount'],
    [{}, 'amount'],
    [{ amount: '1.00', reference: '' }, 'reference'],
    [{ amount: '1.00', extra: true }, 'extra'],
  ])('refuses the credit %j with 400 naming %s', async (body, field) => {
    const renter = await createAccount();

    const attempt = await credit(renter.accountId, body);

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([field]);
  });

  it('accepts a credit of exactly 1,000,000 USD', async () => {
    const renter = await createAccount();

    expect((await credit(renter.accountId, { amount: '1000000' })).status).toBe(201);
  });

  it.each(['external:funding', 'acct_SHOUTING00000', 'acct_short', 'renter_0123456789'])('refuses the account id %s with 400 naming accountId', async (accountId) => {
    const attempt = await credit(encodeURIComponent(accountId), { amount: '1.00' });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['path.accountId']);
  });

  it('refuses credits to a renter key with 403', async () => {
    const renter = await createAccount();

    const attempt = await api.call('POST', `/v1/accounts/${renter.accountId}/credits`, { key: renter.key, body: { amount: '1.00' } });

    expect(attempt.status).toBe(403);
  });

  it("never shows another account's entries", async () => {
    const renter = await createAccount();
    const stranger = await createAccount();
    await credit(renter.accountId, { amount: '5.00' });

    const ledger = await api.call('GET', '/v1/billing/ledger', { key: stranger.key });

    expect(ledger.body.items).toEqual([]);
  });

  it('pages through the ledger newest first with limit and cursor', async () => {
    const renter = await createAccount();
    for (const amount of ['1', '2', '3', '4', '5']) await credit(renter.accountId, { amount });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await api.call('GET', `/v1/billing/ledger${query}`, { key: renter.key });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { amount: string }) => item.amount));
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(seen).toEqual(['5.000000', '4.000000', '3.000000', '2.000000', '1.000000']);
  });

  it('selects entries by time: from inclusive, to exclusive', async () => {
    const renter = await createAccount();
    const first = await credit(renter.accountId, { amount: '1' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await credit(renter.accountId, { amount: '2' });
    const { postedAt: firstAt } = first.body;
    const { postedAt: secondAt } = second.body;

    const fromSecond = await api.call('GET', `/v1/billing/ledger?from=${secondAt}`, { key: renter.key });
    const toSecond = await api.call('GET', `/v1/billing/ledger?from=${firstAt}&to=${secondAt}`, { key: renter.key });

    expect(fromSecond.body.items.map((item: { amount: string }) => item.amount)).toEqual(['2.000000']);
    expect(toSecond.body.items.map((item: { amount: string }) => item.amount)).toEqual(['1.000000']);
  });

  it('reads times with an offset or as a date', async () => {
    const renter = await createAccount();
    await credit(renter.accountId, { amount: '1' });

    const byDate = await api.call('GET', '/v1/billing/ledger?from=2000-01-01', { key: renter.key });
    const byOffset = await api.call('GET', `/v1/billing/ledger?to=${encodeURIComponent('2000-01-01T02:00:00+02:00')}`, { key: renter.key });

    expect(byDate.body.items).toHaveLength(1);
    expect(byOffset.body.items).toHaveLength(0);
  });

  it.each([
    ['from=yesterday', 'query.from'],
    ['to=2025-02-30', 'query.to'],
    ['from=2025-03-10T00:00:00Z&to=2025-03-09T00:00:00Z', 'query.from'],
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('refuses the ledger query %s with 400 naming %s', async (query, field) => {
    const renter = await createAccount();

    const attempt = await api.call('GET', `/v1/billing/ledger?${query}`, { key: renter.key });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([field]);
  });

  it("refuses a cursor from another account's ledger with 400", async () => {
    const renter = await createAccount();
    const stranger = await createAccount();
    for (const amount of ['1', '2']) await credit(renter.accountId, { amount });
    const page = await api.call('GET', '/v1/billing/ledger?limit=1', { key: renter.key });

    const attempt = await api.call('GET', `/v1/billing/ledger?limit=1&cursor=${page.body.nextCursor}`, { key: stranger.key });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details[0].field).toBe('cursor');
  });
});
