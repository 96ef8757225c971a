// A real browser for the dashboard's tests: Debian's chromium driven by playwright-core (no browser download),
// headless, no sandbox (tests run as root in CI), no background traffic. Screenshots go to SLMLAB_SCREENSHOT_DIR
// (default test-results/screenshots; `npm run screenshots` writes the ones docs/ shows).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './stack.ts';

export const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve(repoRoot, process.env.SLMLAB_SCREENSHOT_DIR ?? 'test-results/screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does it through scripts/ensure-swiftshader.sh) or set SLMLAB_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
}

/** A page at laptop size that fails the test on any uncaught script error (collected, checked by the caller). */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // 4xx answers the page handles itself show up as console errors too; those are asserted where expected.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
