import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); browsers that download their own builds cannot be fetched here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots for people to look at (git ignores it). */
export const SCREENSHOTS = join(process.cwd(), '.gpuhive', 'screenshots');

/** True where the browser tests can run; in CI a missing browser is a failure, not a skip. */
export const browserAvailable = (): boolean => {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`);
  return false;
};

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No GPU, sandbox or background traffic on a closed, root-run CI machine.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

/** A page that records every request's origin and every console error, for the no-third-party and no-script checks. */
export const openPage = async (browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }) => {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  // Pages load beside other flows on a loaded 2-core machine: a limit, never a wait.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const origins = new Set<string>();
  const dialogs: string[] = [];
  page.on('request', (request) => origins.add(new URL(request.url()).origin));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, origins, dialogs, close: () => context.close() };
};

export const signInWithKey = async (page: Page, key: string): Promise<void> => {
  await page.goto('/');
  await signInOnPage(page, key);
};

/** Signs in on the sign-in form the page shows now (after a sign-out), without loading the app again. */
export const signInOnPage = async (page: Page, key: string): Promise<void> => {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

const AXE_SOURCE = (async () => (await import('axe-core')).default.source)();

/** axe-core's serious and critical findings on the page as it stands. */
export const accessibilityViolations = async (page: Page): Promise<string[]> => {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern; once per
  // document (the console's routes are hash changes within one), not on every scan.
  if (await page.evaluate("typeof axe === 'undefined'")) await page.evaluate(await AXE_SOURCE);
  // A string, evaluated in the page: this file is type-checked without the DOM's types.
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: { id: string; impact: string; help: string; nodes: unknown[] }[];
  };
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} x${violation.nodes.length}`);
};
