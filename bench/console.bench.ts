/**
 * The web console: its bundle size (target: under 200 KB of JavaScript gzipped) and the time
 * to first render of the jobs page with 1,000 jobs in headless Chromium, beside the time the
 * same 1,000 jobs take to fetch from the API alone (the floor the page cannot beat).
 * Run: npx tsx bench/console.bench.ts [--jobs N]
 */
import { parseArgs } from 'node:util';
import { buildConsole, gzippedSize } from '../console/build.ts';
import { apiClient } from '#test/support/local-runtime.ts';
import { browserAvailable, launchBrowser, openPage, signInWithKey } from '#test/support/browser.ts';
import { benchRuntime, inParallel, progress, table } from './support.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '1000' } } });
const JOBS = Number(values.jobs);

const site = await buildConsole();
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
table(
  'Console bundle (target: JavaScript under 200 KB gzipped)',
  [...site].map(([path, file]) => [path, `${kb(file.body.length)} raw, ${kb(gzippedSize(file))} gzipped`] as const),
);

if (!browserAvailable()) {
  process.stdout.write('\nChromium is not installed (apt-get install chromium): the render figure is skipped.\n');
  process.exit(0);
}
const runtime = await benchRuntime();
const browser = await launchBrowser();
try {
  const api = apiClient(runtime.apiUrl);
  const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'bench' } });
  await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: runtime.adminKey, body: { amount: '1000000' } });
  progress(`submitting ${JOBS} jobs (no host offers them: they stay queued)`);
  await inParallel(Array.from({ length: JOBS }, (_, n) => n), 4, async (n) => {
    // The same Idempotency-Key makes a retry after a dropped connection submit once.
    const submit = () =>
      api.call('POST', '/v1/jobs', {
        key: renter.body.apiKey,
        headers: { 'idempotency-key': `bench-${n}` },
        body: { name: `bench-${n}`, command: ['true'], gpu: { count: 1 }, maxPricePerGpuHour: '0.100000', maxDurationSeconds: 600 },
      });
    const response = await submit().catch(submit);
    if (response.status !== 202) throw new Error(`submit failed: ${JSON.stringify(response.body)}`);
  });

  const fetchStarted = performance.now();
  let fetched = 0;
  for (let cursor: string | null = null, page = 0; page < 10; page++) {
    const response: { body: { items: unknown[]; nextCursor: string | null } } = await api.call('GET', `/v1/jobs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key: renter.body.apiKey });
    fetched += response.body.items.length;
    cursor = response.body.nextCursor;
    if (!cursor) break;
  }
  const fetchMs = performance.now() - fetchStarted;

  const { page, close } = await openPage(browser, runtime.apiUrl);
  await signInWithKey(page, renter.body.apiKey);
  await page.goto('/#/offers');
  await page.locator('main h1').waitFor();
  const renders: number[] = [];
  for (let run = 0; run < 3; run++) {
    await page.goto('/#/offers');
    await page.locator('main h1', { hasText: 'Offers' }).waitFor();
    const started = performance.now();
    await page.goto('/#/jobs');
    // A function, not a string: the console's CSP forbids eval in the page.
    await page.waitForFunction(
      (count) => (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }).document.querySelectorAll('tbody tr').length >= count,
      Math.min(JOBS, 1000),
      { timeout: 120_000 },
    );
    renders.push(performance.now() - started);
  }
  await close();
  table(`Jobs page with ${JOBS} jobs`, [
    ['API alone, 10 pages of 100', `${fetchMs.toFixed(0)} ms (${fetched} jobs)`],
    ['first render in Chromium (3 runs)', renders.map((ms) => `${ms.toFixed(0)} ms`).join(', ')],
    ['render beyond the API fetch (best run)', `${(Math.min(...renders) - fetchMs).toFixed(0)} ms`],
  ]);
} finally {
  await browser.close();
  await runtime.stop();
}
