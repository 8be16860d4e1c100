import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, type AgentProcess } from '#test/agent/support.ts';
import { accessibilityViolations, browserAvailable, launchBrowser, openPage, screenshot, signInOnPage, signInWithKey } from '#test/support/browser.ts';

/**
 * The web console in headless Chromium against the real local runtime, with a real agent
 * process running the renter's job: each role's main flow, accessibility, keyboard use,
 * hostile strings, and that nothing is fetched from another origin.
 */
const run = browserAvailable();
let runtime: LocalRuntime;
let api: ApiClient;
let browser: Browser;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  if (!run) return;
  // Independent starts, side by side: the runtime and the browser (the agent's bundle is built at import).
  // The logs' grace outlasts the agent's 2 s between tries of chunks the logs service is not ready for yet
  // (NOT_READY_BACKOFF): with 1 s, a busy machine's page could be told the logs were complete before they came.
  [runtime, browser] = await Promise.all([
    startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5', LOGS_COMPLETE_GRACE_SECONDS: '3' } }),
    launchBrowser(),
  ]);
  api = apiClient(runtime.apiUrl);
}, 180_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  await browser?.close();
  await runtime?.stop();
});

const newProvider = async () => {
  const provider = await newAccount(api, runtime.adminKey, 'provider', 'Console Farm');
  return provider.body.apiKey as string;
};

/**
 * A real agent process (the bundle providers install) on a host with simulated GPUs that takes
 * process jobs, the only kind these tests submit: no Docker networks to set up and tear down.
 * A short long-poll, as the other agent tests use, so that a stop does not wait out 20 s.
 */
const runAgent = async (token: string, gpuName = 'RTX 4090') => {
  const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-console-agent-'));
  const registered = await agentCommand([
    'register', '--api', runtime.apiUrl, '--token', token, '--price', '0.45', '--region', 'eu-west',
    '--simulate-gpus', `${gpuName}:24564x1`, '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
  ]);
  expect(registered.code, registered.stderr).toBe(0);
  agents.push(startAgent(['--state-dir', stateDir, '--poll-wait', '1']));
};

// Browser flows on a loaded 2-core machine: generous limits; every wait is on a condition.
describe.skipIf(!run)('the web console', { timeout: 180_000 }, () => {
  it('serves the app under a strict CSP with no inline script', async () => {
    const response = await fetch(`${runtime.apiUrl}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/style=/);
  });

  it('lets a renter find an offer, submit a job a real agent runs, watch it succeed and read its logs', async () => {
    const providerKey = await newProvider();
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey });
    await runAgent(token.body.token);
    const { renterKey } = await fundedRenter(api, runtime);
    const { page, origins, close } = await openPage(browser, runtime.apiUrl);

    await signInWithKey(page, renterKey);
    await page.getByRole('link', { name: 'Offers' }).click();
    await eventually(async () => {
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('cell', { name: 'RTX 4090' }).first().waitFor({ timeout: 2000 });
    }, 60_000);
    await screenshot(page, 'renter-offers-desktop');

    await page.getByRole('link', { name: 'Submit a job' }).first().click();
    await page.getByLabel('Command, one argument per line').fill('sh\n-c\necho hello from the console; echo to stderr >&2');
    await page.getByLabel('Max duration (minutes)').fill('10');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.getByRole('heading', { name: /^Job job_/ }).waitFor();
    await page.locator('.status', { hasText: 'succeeded' }).first().waitFor({ timeout: 60_000 });
    await page.locator('pre.logs', { hasText: 'hello from the console' }).waitFor({ timeout: 60_000 });
    await page.getByText('The job ended: these are all its logs.').waitFor({ timeout: 60_000 });
    await screenshot(page, 'renter-job-desktop');

    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('cell', { name: 'succeeded' }).first().waitFor();
    await page.getByRole('link', { name: 'Balance' }).click();
    await page.getByRole('heading', { name: 'Ledger' }).waitFor();
    await page.getByText('Runway').waitFor();
    expect([...origins]).toEqual([runtime.apiUrl]);
    await close();
  });

  it('lets a provider make a registration token, copy the install command and see its host come online', async () => {
    const providerKey = await newProvider();
    const { page, close } = await openPage(browser, runtime.apiUrl);

    await signInWithKey(page, providerKey);
    await page.getByRole('button', { name: 'Make a registration token' }).click();
    const token = await page.getByLabel(/^Registration token/).inputValue();
    const install = await page.getByLabel('Install command').inputValue();
    expect(token).toMatch(/^gpuhive_reg_/);
    expect(install).toBe(`curl -fsSL ${runtime.apiUrl}/install.sh | sh -s -- --token ${token} --price 0.45 --region eu-west`);

    await runAgent(token, 'RTX 3090');
    await page.locator('td .status', { hasText: 'online' }).first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'provider-hosts-desktop');
    await page.getByRole('link', { name: 'Earnings' }).click();
    await page.getByRole('heading', { name: 'Balance' }).waitFor();
    await close();
  });

  it('lets finance request an export, watch it finish and download a file that reconciled', async () => {
    const finance = await newAccount(api, runtime.adminKey, 'finance', 'Books');
    const { page, close } = await openPage(browser, runtime.apiUrl);

    await signInWithKey(page, finance.body.apiKey);
    // Today, not the form's default month: a period is read hour by hour over every day shard,
    // and a month is thousands of queries on the run's one shared DynamoDB Local.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From (UTC, inclusive)').fill(day(0));
    await page.getByLabel('To (UTC, exclusive)').fill(day(1));
    await page.getByRole('button', { name: 'Request export' }).click();
    const link = page.getByRole('link', { name: 'Download' }).first();
    await link.waitFor({ timeout: 150_000 });
    await expect(page.getByRole('cell', { name: 'yes', exact: true }).first().isVisible()).resolves.toBe(true);
    const file = await fetch(new URL((await link.getAttribute('href'))!, runtime.apiUrl));
    expect(file.status).toBe(200);
    expect((await file.text()).split('\n')[0]).toMatch(/^usageRecordId,jobId,/);
    await screenshot(page, 'finance-exports-desktop');
    await close();
  });

  it('lets the admin create an account and credit it', async () => {
    const { page, close } = await openPage(browser, runtime.apiUrl);

    await signInWithKey(page, runtime.adminKey);
    await page.getByLabel('Kind').selectOption('renter');
    await page.getByLabel('Name', { exact: true }).fill('Console Renter');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Created renter account Console Renter').waitFor();
    const accountId = await page.getByLabel('Account id').first().inputValue();
    await page.locator('form').nth(1).getByLabel('Account id').fill(accountId);
    await page.getByLabel('Amount (USD)').fill('12.500000');
    await page.getByLabel('Reference (makes it idempotent)').fill('console-test');
    await page.getByRole('button', { name: 'Credit' }).click();
    await page.getByRole('status').filter({ hasText: 'Credited 12.500000' }).waitFor();
    await screenshot(page, 'admin-desktop');

    const apiKey = await page.getByLabel('API key').inputValue();
    const balance = await api.call('GET', '/v1/billing/balance', { key: apiKey });
    expect(balance.body.balance).toBe('12.500000');
    await close();
  });

  it('shows a hostile GPU name and hostile log lines as text, never as markup or escapes', async () => {
    const hostileName = 'RTX 4090 <img src=x onerror=alert(1)><script>alert(2)</script>';
    const providerKey = await newProvider();
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey });
    await runAgent(token.body.token, hostileName);
    const { renterKey } = await fundedRenter(api, runtime);
    // Retried under one idempotency key (a retry is then safe): on a loaded machine the API may answer 503.
    const job = await eventually(async () => {
      const submitted = await api.call('POST', '/v1/jobs', {
        key: renterKey,
        headers: { 'idempotency-key': 'console-hostile-job' },
        body: {
          command: ['sh', '-c', `printf '<b>bold</b><script>alert(3)</script>\\033]52;c;Y3VybCBldmlsfHNo\\007 done\\n'`],
          gpu: { count: 1, models: ['RTX 4090'] }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600, restartPolicy: 'never',
        },
      });
      expect(submitted.status).toBe(202);
      return submitted;
    }, 60_000);
    const { page, dialogs, close } = await openPage(browser, runtime.apiUrl);

    await signInWithKey(page, renterKey);
    await page.getByRole('link', { name: 'Offers' }).click();
    // The agent was just started: filter again until its first heartbeat has put it on offer.
    await eventually(async () => {
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('cell', { name: hostileName }).first().waitFor({ timeout: 2000 });
    }, 60_000);
    await page.goto(`/#/jobs/${job.body.jobId}`);
    await page.locator('pre.logs', { hasText: 'done' }).waitFor({ timeout: 60_000 });
    const logText = await page.locator('pre.logs').textContent();

    expect(logText).toContain('<b>bold</b><script>alert(3)</script>\\x1b]52;c;Y3VybCBldmlsfHNo\\x07 done');
    expect(await page.locator('main img, main script, main b').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await close();
  });

  it('has no serious accessibility violation on any page, at desktop and phone widths', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const providerKey = await newProvider();
    const finance = await newAccount(api, runtime.adminKey, 'finance', 'Books');
    const pages: [string, string[]][] = [
      [renterKey, ['jobs', 'offers', 'submit', 'billing', 'webhooks']],
      [providerKey, ['hosts', 'billing', 'offers', 'webhooks']],
      [finance.body.apiKey, ['exports']],
      [runtime.adminKey, ['admin']],
    ];
    // One document per viewport, both viewports at once: each account signs in and out on the
    // page's own form (a new document would evaluate axe's half-megabyte source again), and one
    // viewport's waits overlap the other's scans. The findings are the same as in turn.
    const scan = async (viewport: { width: number; height: number }): Promise<string[]> => {
      const { page, close } = await openPage(browser, runtime.apiUrl, viewport);
      const found: string[] = [];
      await page.goto('/');
      await page.getByLabel('API key').waitFor();
      found.push(...(await accessibilityViolations(page)).map((violation) => `sign-in: ${violation}`));
      for (const [key, routes] of pages) {
        await signInOnPage(page, key);
        for (const route of routes) {
          await page.goto(`/#/${route}`);
          await page.locator('main h1').waitFor();
          await page.waitForLoadState('networkidle');
          found.push(...(await accessibilityViolations(page)).map((violation) => `${route}: ${violation}`));
          await screenshot(page, `${route}-${viewport.width < 600 ? 'phone' : 'desktop'}-${key.split('_')[1]}`);
        }
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('API key').waitFor();
      }
      await close();
      return found;
    };
    const found = (await Promise.all([scan({ width: 1280, height: 900 }), scan({ width: 390, height: 844 })])).flat();
    expect(found).toEqual([]);
  });

  it('works from the keyboard: sign in, move through the menu, sign out', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const { page, close } = await openPage(browser, runtime.apiUrl);

    await page.goto('/');
    await page.keyboard.press('Tab');
    await page.keyboard.type(renterKey);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('link', { name: 'Offers' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Offers' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('API key').waitFor();

    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await close();
  });
});
