import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { gpuhive, startGpuhive } from '#test/support/gpuhive-cli.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, keepHostAlive, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let home: string;
let renter: { renterKey: string; renterId: string };
let host: Awaited<ReturnType<typeof offeredHost>>;

/** The environment of a renter who ran `gpuhive login` with their key. */
let renterEnv: Record<string, string>;
let stopHeartbeats: (() => void) | undefined;

beforeAll(async () => {
  // A follower of an ended job's logs stops after the grace for trailing chunks: short here.
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5', LOGS_COMPLETE_GRACE_SECONDS: '1' } });
  api = apiClient(runtime.apiUrl);
  home = await mkdtemp(join(tmpdir(), 'gpuhive-cli-'));
  renter = await fundedRenter(api, runtime);
  host = await offeredHost(api, runtime, renter.renterKey, { pricePerGpuHour: '0.450000' });
  // The played host heartbeats for the whole file: beside another run it took over the 90 s after which a silent
  // host is unreachable, and the host then got no more jobs and listed as unreachable (2026-12-06).
  stopHeartbeats = keepHostAlive(api, host.agentToken, 5_000);
  renterEnv = { HOME: home, GPUHIVE_CONFIG: join(home, 'renter.json') };
  const login = await gpuhive(['login', '--api', runtime.apiUrl], { env: renterEnv, stdin: `${renter.renterKey}\n` });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(async () => {
  stopHeartbeats?.();
  await runtime?.stop();
});

/** Plays the host's agent: takes the job's assignment, accepts and starts it. */
const startOnHost = async (jobId: string): Promise<string> => {
  const assignment = await waitForMessage(api, host.agentToken, (message) => message.jobId === jobId);
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
  await waitForStatus(api, renter.renterKey, jobId, 'running');
  return assignment.assignmentId as string;
};

/** Plays the host's agent through a job's life: accepted, started, exited with `exitCode`. */
const runOnHost = async (jobId: string, exitCode: number) => {
  const assignmentId = await startOnHost(jobId);
  await reportEvent(api, host.agentToken, assignmentId, 'exited', { exitCode });
  return assignmentId;
};

// Each login writes a config file of its own: they run at once.
describe.concurrent('gpuhive login', () => {
  it('checks the key, then stores the URL and key in a config file only its owner can read', async () => {
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') };

    const result = await gpuhive(['login', '--api', `${runtime.apiUrl}/`], { env, stdin: renter.renterKey });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`as Ada Labs (renter ${renter.renterId})`);
    const file = join(home, 'xdg', 'gpuhive', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ apiUrl: runtime.apiUrl, apiKey: renter.renterKey });
  });

  it('refuses an unknown key with exit code 4 and stores nothing', async () => {
    const config = join(home, 'refused.json');

    const result = await gpuhive(['login', '--api', runtime.apiUrl, '--config', config], { env: { HOME: home }, stdin: 'gpuhive_renter_bogus' });

    expect(result.code).toBe(4);
    expect(result.stderr).toContain('(HTTP 401)');
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });
});

describe('gpuhive offers', () => {
  it('shows a readable table, filters by flags, and prints JSON with --json', async () => {
    // Reads only: the three commands run at once.
    const [table, json, none] = await Promise.all([
      gpuhive(['offers'], { env: renterEnv }),
      gpuhive(['offers', '--model', 'rtx 4090', '--max-price', '0.5', '--json'], { env: renterEnv }),
      gpuhive(['offers', '--model', 'h100'], { env: renterEnv }),
    ]);

    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^HOST\s+GPU\s+VRAM\s+FREE\s+\$\/GPU-HOUR\s+REGION/);
    expect(table.stdout).toMatch(new RegExp(`${host.hostId}\\s+RTX 4090\\s+24 GB\\s+1\\s+\\$0\\.45\\s+eu-west`));
    expect(JSON.parse(json.stdout).map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
    expect(none.stdout).toBe('No offers match.\n');
  });

  it('refuses a malformed flag with exit code 2, naming the flag, before calling the API', async () => {
    const result = await gpuhive(['offers', '--max-price', 'cheap'], { env: renterEnv });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--max-price must be a USD amount');
  });
});

describe('gpuhive jobs', () => {
  it('submits from flags and a command after --', async () => {
    const result = await gpuhive(
      ['jobs', 'submit', '--gpus', '1', '--max-price', '0.9', '--model', 'H100', '--image', 'python:3.12', '--env', 'EPOCHS=3', '--name', 'flags', '--json', '--', 'python', '-c', 'print("hi")'],
      { env: renterEnv },
    );

    expect(result.code, result.stderr).toBe(0);
    const { jobId, status } = JSON.parse(result.stdout);
    expect(status).toBe('queued');
    expect(await jobStatus(api, renter.renterKey, jobId)).toMatchObject({
      name: 'flags',
      image: 'python:3.12',
      command: ['python', '-c', 'print("hi")'],
      gpu: { count: 1, models: ['H100'] },
      maxPricePerGpuHour: '0.900000',
      maxDurationSeconds: 3600,
    });
  });

  it('submits from a YAML job file, then lists, gets and cancels it', async () => {
    const file = join(home, 'job.yaml');
    await writeFile(file, 'name: from-yaml\nimage: python:3.12\ncommand: [python, train.py]\ngpu: { count: 1, models: [A100] }\nmaxPricePerGpuHour: "0.800000"\nmaxDurationSeconds: 600\n');

    const submitted = await gpuhive(['jobs', 'submit', '-f', file], { env: renterEnv });
    const jobId = /Submitted (job_\w+)/.exec(submitted.stdout)?.[1] ?? '';
    // The reads at once: five CLI processes one after another took over 30 s beside another run.
    const [list, listJson, get] = await Promise.all([
      gpuhive(['jobs', 'list'], { env: renterEnv }),
      gpuhive(['jobs', 'list', '--json', '--status', 'queued'], { env: renterEnv }),
      gpuhive(['jobs', 'get', jobId], { env: renterEnv }),
    ]);
    const cancel = await gpuhive(['jobs', 'cancel', jobId], { env: renterEnv });

    expect(submitted.code, submitted.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^JOB\s+NAME\s+STATUS\s+GPUS\s+COST\s+CREATED/);
    expect(list.stdout).toMatch(new RegExp(`${jobId}\\s+from-yaml\\s+queued\\s+1 A100`));
    expect(JSON.parse(listJson.stdout).map((job: { jobId: string }) => job.jobId)).toContain(jobId);
    expect(get.stdout).toContain('Command:      python train.py');
    expect(get.stdout).toContain('Max price:    $0.80/GPU-hour');
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toBe(`${jobId}: cancelled.\n`);
    expect((await jobStatus(api, renter.renterKey, jobId)).status).toBe('cancelled');
  });

  it('waits for a job with plain status lines when not on a terminal, and exits 0 when it succeeds', async () => {
    const { body } = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody() });

    const waiting = startGpuhive(['jobs', 'wait', body.jobId, '--interval', '1'], { env: renterEnv, timeoutMs: 60_000 });
    await eventually(async () => expect(waiting.stdout()).toContain(body.jobId), 20_000);
    const assignmentId = await startOnHost(body.jobId);
    await eventually(async () => expect(waiting.stdout()).toContain(`${body.jobId}  running`), 20_000);
    await reportEvent(api, host.agentToken, assignmentId, 'exited', { exitCode: 0 });
    const waited = await waiting.result;

    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`^[\\d-]+ [\\d:]+Z  ${body.jobId}  (queued|scheduled)`));
    expect(waited.stdout).toMatch(new RegExp(`Z  ${body.jobId}  running`));
    expect(waited.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^${body.jobId} succeeded; cost \\$`));
  }, 90_000);

  it('cancel of a job that already succeeded says so and exits 7; the ended job shows nothing held', async () => {
    const { body } = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody() });
    await runOnHost(body.jobId, 0);
    await waitForStatus(api, renter.renterKey, body.jobId, 'succeeded');

    const cancel = await gpuhive(['jobs', 'cancel', body.jobId], { env: renterEnv });
    const get = await gpuhive(['jobs', 'get', body.jobId], { env: renterEnv });

    expect(cancel.code, cancel.stderr).toBe(7);
    expect(cancel.stdout).toBe(`${body.jobId} already ended (succeeded): nothing to cancel.\n`);
    expect(get.stdout).toContain('Hold:         $0.00\n');
    expect((await jobStatus(api, renter.renterKey, body.jobId)).status).toBe('succeeded');
  }, 90_000);

  it('exits 1 when the job it waits for fails, and prints the final job with --json', async () => {
    const { body } = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody() });

    const [waited] = await Promise.all([gpuhive(['jobs', 'wait', body.jobId, '--interval', '1', '--json'], { env: renterEnv, timeoutMs: 60_000 }), runOnHost(body.jobId, 3)]);

    expect(waited.code).toBe(1);
    expect(JSON.parse(waited.stdout)).toMatchObject({ jobId: body.jobId, status: 'failed' });
  }, 90_000);

  it("names the API's error code and each bad field, with exit code 3", async () => {
    const result = await gpuhive(['jobs', 'submit', '--gpus', '1', '--max-price', '0.5', '--image', 'img', '--region', 'not a region'], { env: renterEnv });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('validation_failed (HTTP 400)');
    expect(result.stderr).toMatch(/ {2}regions\.0: must be a region name/);
  });

  it('refuses bad usage with exit code 2', async () => {
    const [positional, range] = await Promise.all([
      gpuhive(['jobs', 'submit', '--gpus', '1', '--max-price', '0.5', 'python', 'x.py'], { env: renterEnv }),
      gpuhive(['jobs', 'submit', '--gpus', '9', '--max-price', '0.5', '--', 'true'], { env: renterEnv }),
    ]);

    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain('Put the command after --');
    expect(range.code).toBe(2);
    expect(range.stderr).toContain('--gpus must be a whole number from 1 to 8');
  });
});

describe('gpuhive balance, ledger and hosts', () => {
  it("shows the renter's balance and ledger", async () => {
    const [balance, balanceJson, ledger] = await Promise.all([
      gpuhive(['balance'], { env: renterEnv }),
      gpuhive(['balance', '--json'], { env: renterEnv }),
      gpuhive(['ledger', '--limit', '5'], { env: renterEnv }),
    ]);

    expect(balance.code, balance.stderr).toBe(0);
    expect(balance.stdout).toMatch(/^Balance: +\$\d+\.\d+\nHeld: +\$[\d.]+\nAvailable: +\$[\d.]+\nRunway: +/);
    expect(JSON.parse(balanceJson.stdout)).toEqual(expect.objectContaining({ balance: expect.stringMatching(/^\d+\.\d{6}$/) }));
    expect(ledger.stdout.split('\n')[0]).toMatch(/^POSTED\s+KIND\s+AMOUNT\s+REFERENCE\s+TRANSACTION/);
    expect(ledger.stdout).toMatch(/credit\s+\$100\.00/);
  });

  it("lists a provider's hosts, with the key from the environment", async () => {
    const env = { HOME: home, GPUHIVE_CONFIG: join(home, 'none.json'), GPUHIVE_API: runtime.apiUrl, GPUHIVE_API_KEY: host.providerKey };

    const [hosts, hostsJson] = await Promise.all([gpuhive(['hosts'], { env }), gpuhive(['hosts', '--json'], { env })]);

    expect(hosts.code, hosts.stderr).toBe(0);
    expect(hosts.stdout).toMatch(new RegExp(`${host.hostId}\\s+rig-1\\s+online\\s+1x RTX 4090\\s+\\$0\\.45\\s+eu-west\\s+yes`));
    expect(JSON.parse(hostsJson.stdout)[0]).toMatchObject({ hostId: host.hostId, status: 'online' });
  });

  it('exits 4 for a key the API does not know, and tells a user who never logged in what to do', async () => {
    const [bogus, never] = await Promise.all([
      gpuhive(['balance'], { env: { HOME: home, GPUHIVE_API: runtime.apiUrl, GPUHIVE_API_KEY: 'gpuhive_renter_bogus' } }),
      gpuhive(['balance'], { env: { HOME: join(home, 'nobody') } }),
    ]);

    expect(bogus.code).toBe(4);
    expect(bogus.stderr).toContain('(HTTP 401)');
    expect(never.code).toBe(4);
    expect(never.stderr).toContain('Not logged in: run `gpuhive login --api URL`');
  });
});

describe('gpuhive --help', () => {
  it.concurrent.each([['--help'], ['jobs', 'submit', '--help'], ['logs', '--help'], ['export', '--help'], ['earnings', '--help']])('prints usage for %s', async (...args) => {
    const result = await gpuhive(args, { env: { HOME: home } });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: gpuhive/);
    expect(result.stdout).toContain('--json');
  });
});

describe('gpuhive logs (with the logs routes)', () => {
  it("prints a job's output and follows it until the job has ended", async () => {
    const { body } = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody() });
    const assignment = await waitForMessage(api, host.agentToken, (message) => message.jobId === body.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const at = new Date().toISOString();
    // As the agent's outbox does: the logs projection may not know the assignment yet (409), so send again.
    await eventually(async () => {
      const shipped = await api.call('POST', `/v1/agent/assignments/${assignment.assignmentId}/logs`, {
        key: host.agentToken,
        body: { chunks: [{ seq: 0, stream: 'stdout', at, data: 'epoch 1\n' }, { seq: 1, stream: 'stderr', at, data: 'warning\n' }] },
      });
      expect(shipped.status).toBe(202);
    });

    const now = await gpuhive(['logs', body.jobId], { env: renterEnv });
    const following = gpuhive(['logs', body.jobId, '-f'], { env: renterEnv, timeoutMs: 60_000 });
    await api.call('POST', `/v1/agent/assignments/${assignment.assignmentId}/logs`, { key: host.agentToken, body: { chunks: [{ seq: 2, stream: 'stdout', at, data: 'done\n' }] } });
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 });
    const followed = await following;

    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout).toBe('epoch 1\n');
    expect(now.stderr).toBe('warning\n');
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe('epoch 1\ndone\n');
  }, 90_000);
});

describe('gpuhive earnings (with the statements route)', () => {
  it("shows the provider's month with the host's earnings, and the renter's with the job's charge", async () => {
    const env = { HOME: home, GPUHIVE_API: runtime.apiUrl, GPUHIVE_API_KEY: host.providerKey };
    const { body } = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody() });
    const assignmentId = await startOnHost(body.jobId);
    const startedAt = new Date((await jobStatus(api, renter.renterKey, body.jobId)).assignments[0].startedAt);
    await eventually(async () => expect((await api.call('GET', `/v1/jobs/${body.jobId}/usage`, { key: renter.renterKey })).body.assignments?.[0]?.leaseStart).toEqual(expect.any(String)));
    const usage = await api.call('POST', '/v1/agent/usage', {
      key: host.agentToken,
      body: { records: [{ eventId: `cli-earnings-${body.jobId}`, assignmentId, from: startedAt.toISOString(), to: new Date(startedAt.getTime() + 2000).toISOString(), gpuSeconds: 2 }] },
    });
    expect(usage.status).toBe(202);
    await reportEvent(api, host.agentToken, assignmentId, 'exited', { exitCode: 0 });

    const result = await eventually(async () => {
      const run = await gpuhive(['earnings', '--json'], { env });
      expect(run.code, run.stderr).toBe(0);
      const statement = JSON.parse(run.stdout);
      expect(statement.earnings).toEqual(expect.arrayContaining([expect.objectContaining({ hostId: host.hostId })]));
      return statement;
    });
    const text = await gpuhive(['earnings'], { env });
    const renterText = await eventually(async () => {
      const run = await gpuhive(['earnings'], { env: renterEnv });
      expect(run.stdout).toContain(body.jobId);
      return run;
    });

    expect(result).toMatchObject({ kind: 'provider', month: new Date().toISOString().slice(0, 7) });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${host.hostId}\\s+\\d+\\.\\d{2}\\s+\\d+\\s+\\$`, 'm'));
    expect(text.stdout).toMatch(/^Earned:\s+\$/m);
    expect(renterText.code, renterText.stderr).toBe(0);
    expect(renterText.stdout).toMatch(/^Charged:\s+\$/m);
  }, 60_000);
});

describe('gpuhive export (with the exports routes)', () => {
  it('exports the ledger for a period and downloads the file', async () => {
    const finance = await newAccount(api, runtime.adminKey, 'finance', 'Finance');
    const env = { HOME: home, GPUHIVE_API: runtime.apiUrl, GPUHIVE_API_KEY: finance.body.apiKey };
    // A closed period in the past, whatever the exports context accepts as the end.
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    const out = join(home, 'ledger.csv');

    const result = await gpuhive(['export', '--kind', 'ledger', '--from', from, '--to', to, '--out', out], { env, timeoutMs: 120_000 });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`saved to ${out}`);
    expect((await stat(out)).isFile()).toBe(true);
  }, 150_000);
});

describe('the CLI as renters download it (GET /cli/gpuhive.mjs)', () => {
  it('is one file that lists jobs on plain Node, away from any node_modules', async () => {
    const response = await fetch(`${runtime.apiUrl}/cli/gpuhive.mjs`);
    const dir = await mkdtemp(join(tmpdir(), 'gpuhive-download-'));
    const file = join(dir, 'gpuhive.mjs');
    await writeFile(file, await response.text());

    // Asynchronous: the runtime answering it lives in this process.
    const run = await promisify(execFile)(process.execPath, [file, 'jobs', 'list', '--json'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...renterEnv } });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);
  }, 60_000);
});
