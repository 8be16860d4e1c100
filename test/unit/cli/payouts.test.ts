import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '#cli/main.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0]) => {
  const output = bufferOutput();
  const fake = recordedFetch(replies);
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch, sleep: async () => undefined });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests };
};

// Recorded per docs/payouts.md.
const payout = {
  payoutId: 'pay_01', batchId: 'pob_01', providerId: 'acct_provider1', amount: '12.340000', status: 'in_transit',
  method: { type: 'paypal', details: { email: 'a***@example.com' } }, settledBefore: '2026-11-24T00:00:00.000Z', createdAt: '2026-12-01T00:00:00.000Z',
  reference: null, failureReason: null, settledAt: null,
};
const method = { type: 'paypal', details: { email: 'o***@example.com' }, threshold: '50.000000', updatedAt: '2026-12-01T00:00:00.000Z' };

describe('gpuhive payouts', () => {
  it('lists payouts with the filters as query parameters', async () => {
    const result = await run(['payouts', '--status', 'in_transit', '--batch', 'pob_01'], { 'GET /v1/payouts': [{ body: { items: [payout], nextCursor: null } }] });

    expect(result.code).toBe(0);
    expect(result.requests[0]?.url.searchParams.get('status')).toBe('in_transit');
    expect(result.requests[0]?.url.searchParams.get('batchId')).toBe('pob_01');
    expect(result.stdout).toMatch(/pay_01\s+acct_provider1\s+paypal\s+a\*\*\*@example.com\s+\$12\.34\s+in_transit/);
  });

  it('refuses an unknown status before calling the API', async () => {
    const result = await run(['payouts', '--status', 'lost'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--status must be one of in_transit, paid, failed');
    expect(result.requests).toEqual([]);
  });
});

describe('gpuhive payouts method', () => {
  it('sets a PayPal method with a threshold and shows it masked', async () => {
    const result = await run(['payouts', 'method', 'set', '--type', 'paypal', '--email', 'ops@example.com', '--threshold', '50'], { 'PUT /v1/payouts/method': [{ body: method }] });

    expect(result.code).toBe(0);
    expect(result.requests[0]?.body).toEqual({ type: 'paypal', details: { email: 'ops@example.com' }, threshold: '50' });
    expect(result.stdout).toContain('o***@example.com');
    expect(result.stdout).toContain('Threshold:  $50.00');
  });

  it('names the flag a rail needs, and shows the method without set', async () => {
    const missing = await run(['payouts', 'method', 'set', '--type', 'bank_transfer', '--name', 'Acme'], {});
    const shown = await run(['payouts', 'method', '--json'], { 'GET /v1/payouts/method': [{ body: method }] });

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--iban is required for --type bank_transfer');
    expect(JSON.parse(shown.stdout)).toEqual(method);
  });
});

describe('gpuhive payouts (finance)', () => {
  it('makes a batch, marks payouts paid and failed, and saves the rail file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpuhive-payouts-'));
    const path = join(dir, 'paypal.csv');
    const replies = {
      'POST /v1/finance/payout-batches': [{ status: 201, body: { batchId: 'pob_01', requestedBy: 'acct_f', createdAt: payout.createdAt, settledBefore: payout.settledBefore, payouts: 1, total: '12.340000', items: [payout] } }],
      'POST /v1/finance/payouts/pay_01/paid': [{ body: { ...payout, status: 'paid', reference: 'PP-1' } }],
      'POST /v1/finance/payouts/pay_02/failed': [{ body: { ...payout, payoutId: 'pay_02', status: 'failed', failureReason: 'closed' } }],
      'GET /v1/finance/payout-batches/pob_01/file': [{ body: { format: 'paypal', fileName: 'x.csv', contentType: 'text/csv', rows: 1, total: '12.340000', content: 'a@example.com,12.34,USD,pay_01,gpuhive payout pay_01,PayPal\r\n' } }],
    };

    const batch = await run(['payouts', 'batch'], replies);
    const paid = await run(['payouts', 'paid', 'pay_01', '--reference', 'PP-1'], replies);
    const failed = await run(['payouts', 'failed', 'pay_02', '--reason', 'closed'], replies);
    const file = await run(['payouts', 'file', 'pob_01', '--format', 'paypal', '-o', path], replies);

    expect([batch.code, paid.code, failed.code, file.code]).toEqual([0, 0, 0, 0]);
    expect(batch.stdout).toContain('Batch pob_01: 1 payouts, $12.34');
    expect(paid.requests[0]?.body).toEqual({ reference: 'PP-1' });
    expect(failed.stdout).toContain("back in the provider's balance");
    expect(file.requests[0]?.url.searchParams.get('format')).toBe('paypal');
    expect(await readFile(path, 'utf8')).toBe('a@example.com,12.34,USD,pay_01,gpuhive payout pay_01,PayPal\r\n');
  });

  it('needs --reference to mark paid, and passes on a 409 with its code', async () => {
    const noReference = await run(['payouts', 'paid', 'pay_01'], {});
    const conflict = await run(['payouts', 'paid', 'pay_01', '--reference', 'PP-2'], {
      'POST /v1/finance/payouts/pay_01/paid': [{ status: 409, body: { error: { code: 'payout_already_paid', message: 'Payout pay_01 was already marked paid with another reference.' } } }],
    });

    expect(noReference.code).toBe(2);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toContain('payout_already_paid (HTTP 409)');
  });

  it('has help for each command', async () => {
    for (const name of [['payouts'], ['payouts', 'method'], ['payouts', 'batch'], ['payouts', 'paid'], ['payouts', 'failed'], ['payouts', 'file']]) {
      const help = await run([...name, '--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: gpuhive ${name.join(' ')}`);
    }
  });
});
