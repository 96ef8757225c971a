// The dashboard in a real browser (Debian's chromium through playwright-core) against a real API and worker:
// a run submitted from the form and watched live, the run page, the runs table filtered with an OR, a 2×2 sweep
// started, read and retried, the frontier's points and front, compare, the queue board, and auth with a token.
// Every check reads what the page shows and compares it with what the API (or the database) holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { createDb, tokensRepo } from '@slmlab/db';
import { createToken } from '../apps/api/src/auth/tokens.ts';
import { launchBrowser, openPage, screenshot } from './helpers/browser.ts';
import { freePort, repoRoot, startProcess, startStack, stop, waitFor, type Proc, type Stack } from './helpers/stack.ts';

const prefix = `ui-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const db = createDb(process.env.DATABASE_URL!);
let stack: Stack;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const ids: { live?: string; sweep?: string } = {};

before(async () => {
  stack = await startStack(prefix, { WORKER_ID: 'ui-worker' }, { api: 90_000, worker: 120_000 });
  browser = await launchBrowser();
  page = await openPage(browser, errors);
});

after(async () => {
  await browser?.close();
  const codes = await stack?.stop();
  await db.$disconnect();
  const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  assert.deepEqual(codes, [0, 0], 'API and worker stop cleanly');
  assert.deepEqual(errors, [], 'no script error on any page');
});

const url = (p: string) => `${stack.base}/ui${p}`;
async function api<T = any>(p: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${stack.base}${p}`, init);
  assert.ok(res.ok, `${p}: HTTP ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}
/** The focused element's text, read in the page. */
const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string | undefined);
const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? '';
async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  return waitFor(what, async () => (await check()) || undefined, ms, [stack.api, stack.worker]);
}

test('a run submitted from the form: field errors first, then its curve gains points live while it trains', async () => {
  await page.goto(url('/new'));
  await page.fill('[name="/name"]', 'ui live run');
  await page.fill('[name="/model/contextLength"]', '0');
  const fieldError = page.locator('[data-field="/model/contextLength"] .field-error');
  assert.match((await fieldError.textContent()) ?? '', /1/, 'the problem is shown on the field');
  assert.equal(await page.locator('button[type="submit"]').isDisabled(), true, 'cannot submit an invalid spec');
  await page.fill('[name="/model/contextLength"]', '16');
  await page.fill('[name="/model/dModel"]', '16');
  await page.fill('[name="/training/epochs"]', '4');
  await page.fill('[name="/training/windowsPerEpoch"]', '60000'); // ~2 s an epoch here: time to watch it grow
  await page.fill('[name="/training/evalWindows"]', '512');
  assert.equal(await fieldError.count(), 0, 'the error is gone once fixed');
  assert.equal(await text('[data-fact="parameters"]'), '17.7 k', 'the cost is shown before submitting (V=65, T=16, d=16: 65·16 + 256·65 + 65)');
  await page.check('text=run again even if an identical spec already ran');
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/ui\/runs\/[0-9a-f-]{36}/);
  ids.live = page.url().split('/runs/')[1]!.split('?')[0]!;
  const stored = await api(`/v1/experiments/${ids.live}`);
  assert.equal(stored.name, 'ui live run');
  assert.deepEqual([stored.spec.model.contextLength, stored.spec.model.dModel, stored.spec.training.epochs], [16, 16, 4]);

  // Watch the page (not the API) while the worker trains: epoch points and live progress appear without reload.
  const seenWhileRunning = new Set<number>();
  let livePointsSeen = 0;
  for (;;) {
    const status = await text('.badge[data-status]');
    if (status === 'succeeded' || status === 'failed') break;
    const curve = page.locator('.curve');
    if (status === 'running' && (await curve.count())) {
      seenWhileRunning.add(Number(await curve.getAttribute('data-points')));
      livePointsSeen = Math.max(livePointsSeen, Number(await curve.getAttribute('data-live-points')));
    }
    await page.waitForTimeout(200);
  }
  assert.equal(await text('.badge[data-status]'), 'succeeded');
  assert.ok([...seenWhileRunning].filter((n) => n > 0).length >= 2, `the curve grew while running (saw ${[...seenWhileRunning].join(', ')} points)`);
  assert.ok(livePointsSeen > 0, 'live progress points were drawn while training');
  await until('the final curve', async () => (await page.locator('.curve').getAttribute('data-points')) === '4');
  await screenshot(page, 'run');
});

test('the run page shows what the API holds: result, backend, checkpoints, curves against FLOPs', async () => {
  const e = await api(`/v1/experiments/${ids.live}`);
  await page.goto(url(`/runs/${ids.live}`));
  await page.waitForSelector('[data-fact="test NLL"]');
  assert.equal(await text('[data-fact="test NLL"]'), e.result.testNll.toFixed(4));
  assert.equal(await text('[data-fact="best epoch"]'), String(e.result.bestEpoch));
  assert.equal(await text('[data-fact="backend"]'), e.worker.backend);
  assert.equal(await page.locator('table[aria-label="checkpoints"] tbody tr').count(), e.checkpoints.length);
  assert.equal(e.checkpoints.length, 2, 'best and latest');
  await page.selectOption('select[name="x"]', 'flops');
  await page.waitForURL(/x=flops/);
  await until('the FLOPs axis', async () => (await page.locator('.curve .plot').textContent())?.includes('training FLOPs →'));
  assert.equal(await page.locator('.curve').getAttribute('data-points'), '4');
});

const SWEEP = {
  name: 'ui sweep',
  base: { dataset: 'tinyshakespeare', model: { kind: 'linear', dModel: 16 }, training: { epochs: 1, windowsPerEpoch: 1000, evalWindows: 128 } },
  // maxTrainFlops = 1 fails its cell at the first step (a budget, never retried by the queue): two failed cells.
  axes: { 'model.contextLength': [8, 16], 'training.maxTrainFlops': [1, 1e15] },
};

test('a 2×2 sweep started from the page: its table, two failed cells, and a retry of them', async () => {
  await page.goto(url('/sweeps'));
  await page.click('summary:has-text("New sweep")');
  await page.fill('textarea[name="sweep"]', JSON.stringify(SWEEP));
  await page.click('button:has-text("Start sweep")');
  await page.waitForURL(/\/ui\/sweeps\/[0-9a-f-]{36}/);
  ids.sweep = page.url().split('/sweeps/')[1]!.split('?')[0]!;
  await until('2 succeeded and 2 failed cells on the page', async () =>
    (await text('[data-count="succeeded"]')).startsWith('2 ') && (await text('[data-count="failed"]')).startsWith('2 '));
  const table = await api(`/v1/sweeps/${ids.sweep}/table`);
  const rows = page.locator('table[aria-label="sweep table"] tbody tr');
  await until('the table with both results', async () => (await page.locator('table[aria-label="sweep table"] td[data-col="testNll"]').allTextContents()).filter((t) => t !== '—').length === 2);
  assert.equal(await rows.count(), 4);
  const shown = await page.locator('table[aria-label="sweep table"] td[data-col="testNll"]').allTextContents();
  assert.deepEqual(shown, table.rows.map((r: any) => (r.testNllMean === null ? '—' : r.testNllMean.toFixed(4))), 'the page shows the API table, row by row');
  assert.equal(shown.filter((t) => t === '—').length, 2);
  await until('the chart', async () => (await page.locator('.plot svg').count()) > 0);
  await screenshot(page, 'sweep');

  const before = await api(`/v1/sweeps/${ids.sweep}`);
  const failedBefore = before.cells.filter((c: any) => c.status === 'failed').map((c: any) => c.experimentId);
  await page.click('button:has-text("Retry failed cells (2)")');
  await until('the retry note', async () => (await text('[role="status"]')).includes('2 cell(s) submitted again'));
  await until('both retried cells to fail again', async () => {
    const s = await api(`/v1/sweeps/${ids.sweep}`);
    return s.counts.failed === 2 && s.cells.every((c: any) => !failedBefore.includes(c.experimentId)) ? s : undefined;
  });
  const after = await api(`/v1/sweeps/${ids.sweep}`);
  const retried = after.cells.filter((c: any) => c.replacedExperimentIds.length === 1);
  assert.deepEqual(retried.map((c: any) => c.replacedExperimentIds[0]).sort(), [...failedBefore].sort(), 'each failed cell was replaced once');
  await until('the page to show the retries', async () => (await page.locator('table[aria-label="sweep cells"] td:has-text("retry of")').count()) === 2);
  await until('the page to show 2 failed again', async () => (await text('[data-count="failed"]')).startsWith('2 '));
});

test('the runs table filtered with an OR shows exactly the matching runs, and the filter is in the URL', async () => {
  await page.goto(url('/runs'));
  await page.click('button:has-text("Add condition")');
  await page.click('button:has-text("Add condition")');
  await page.selectOption('select[name="join"]', 'any');
  await page.fill('[name="field-0"]', 'spec.model.contextLength');
  await page.fill('[name="value-0"]', '8');
  await page.fill('[name="field-1"]', 'name');
  await page.fill('[name="value-1"]', 'ui live run');
  await page.click('button:has-text("Apply")');
  await page.waitForURL(/where=/);
  const where = new URL(page.url()).searchParams.get('where')!;
  assert.deepEqual(JSON.parse(where), { or: [{ 'spec.model.contextLength': 8 }, { name: 'ui live run' }] });
  const expected = await api(`/v1/experiments?limit=100&where=${encodeURIComponent(where)}`);
  // The live run, and T=8: one succeeded cell, one failed cell and its retry.
  assert.equal(expected.items.length, 4);
  await until('the filtered rows', async () => (await page.locator('table.runs tbody tr').count()) === 4);
  const shown = await page.locator('table.runs tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  assert.deepEqual(shown, expected.items.map((e: any) => e.id), 'the same runs in the same order');
  // Sorting by a result column is a click, and goes into the URL too.
  await page.click('th button:has-text("Test NLL")');
  await page.waitForURL(/sort=testNll&order=asc/);
  const sorted = await api(`/v1/experiments?limit=100&sort=testNll&order=asc&where=${encodeURIComponent(where)}`);
  const rowIds = () => page.locator('table.runs tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  await until('the rows in test NLL order', async () => JSON.stringify(await rowIds()) === JSON.stringify(sorted.items.map((e: any) => e.id)));
  assert.notDeepEqual(sorted.items.map((e: any) => e.id), expected.items.map((e: any) => e.id), 'the sort changed the order');
  await screenshot(page, 'runs');
  // A shared link reproduces the view.
  const shared = page.url();
  await page.goto(url('/runs'));
  await page.goto(shared);
  await until('the shared view', async () => (await page.locator('table.runs tbody tr').count()) === 4);
});

test('the frontier shows every succeeded run, the Pareto front the API computes, and the study\'s rows', async () => {
  const runs = (await api('/v1/experiments?status=succeeded&dataset=tinyshakespeare&limit=100')).items;
  const front = (await api('/v1/frontier?x=flops&y=testNll&dataset=tinyshakespeare')).points;
  // The front, worked out here from the runs: no other run at most as costly and at least as good, one strictly.
  const dominated = (a: any) => runs.some((b: any) => b.cost.flopsTrain <= a.cost.flopsTrain && b.result.testNll <= a.result.testNll && (b.cost.flopsTrain < a.cost.flopsTrain || b.result.testNll < a.result.testNll));
  const expectedFront = runs.filter((a: any) => !dominated(a)).map((a: any) => a.id).sort();
  assert.deepEqual(front.map((p: any) => p.experiment.id).sort(), expectedFront);
  const paperRows = readdirSync(path.join(repoRoot, 'experiments/paper')).filter((d) => d.startsWith('table-'))
    .flatMap((d) => readdirSync(path.join(repoRoot, 'experiments/paper', d)).map((f) => JSON.parse(readFileSync(path.join(repoRoot, 'experiments/paper', d, f), 'utf8'))))
    .filter((s) => s.dataset === 'tinyshakespeare').length;

  await page.goto(url('/frontier?dataset=tinyshakespeare'));
  await page.waitForSelector('.frontier');
  assert.equal(runs.length, 3, 'the live run and the two succeeded sweep cells');
  assert.equal(await page.locator('.frontier').getAttribute('data-points'), String(runs.length));
  assert.equal(await page.locator('.frontier').getAttribute('data-front'), String(expectedFront.length));
  assert.equal(await page.locator('g.run-dot circle').count(), runs.length, 'one dot per run');
  assert.equal(await page.locator('g.front-dot circle').count(), expectedFront.length, 'one ring per front run');
  assert.equal(await page.locator('g.paper-dot path').count(), paperRows, "one cross per study row on Tiny Shakespeare");
  const frontIds = await page.locator('table[aria-label="Pareto front"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  assert.deepEqual([...frontIds].sort(), expectedFront);
  await screenshot(page, 'frontier');
});

test('compare: two runs picked in the table, overlaid curves, NLL at equal compute, and their spec diff', async () => {
  const cell = (await api(`/v1/sweeps/${ids.sweep}`)).cells.find((c: any) => c.status === 'succeeded' && c.axes['model.contextLength'] === 8);
  await page.goto(url('/runs'));
  await page.check(`tr[data-id="${ids.live}"] input[type="checkbox"]`);
  await page.check(`tr[data-id="${cell.experimentId}"] input[type="checkbox"]`);
  await page.click('button:has-text("Compare selected (2)")');
  await page.waitForURL(/\/ui\/compare\?ids=/);
  assert.equal(new URL(page.url()).searchParams.get('ids'), `${ids.live},${cell.experimentId}`);
  await page.waitForSelector('[data-series="2"] svg');
  assert.equal(await page.locator('table[aria-label="NLL at equal compute"] tbody tr').count(), 2);
  const differs = await page.locator('table[aria-label="spec diff"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-path')));
  assert.deepEqual(differs, ['model.contextLength', 'training.epochs', 'training.evalWindows', 'training.maxTrainFlops', 'training.windowsPerEpoch']);
  await screenshot(page, 'compare');
});

test('the queue board shows the live worker with its backend and device, and the counts the API has', async () => {
  const workers = (await api('/v1/workers')).items;
  const queue = await api('/v1/queue');
  await page.goto(url('/queue'));
  await page.waitForSelector('[data-worker]');
  assert.equal(await page.locator('tr[data-worker]').count(), workers.length);
  const w = workers.find((x: any) => x.id === 'ui-worker');
  assert.ok(w, 'the test worker is listed');
  const row = page.locator('tr[data-worker="ui-worker"]');
  assert.match((await row.textContent()) ?? '', new RegExp(`${w.backend}.*${w.device.replace(/[()]/g, '.')}`));
  assert.equal(await text('[data-count="succeeded"]'), String(queue.experiments.succeeded));
  assert.equal(await text('[data-count="failed"]'), String(queue.experiments.failed));
  await screenshot(page, 'queue');
  await page.goto(url('/new'));
  await screenshot(page, 'new-run');
  await page.goto(url('/sweeps'));
  await page.waitForSelector('table[aria-label="Sweeps"]');
  await screenshot(page, 'sweeps');
});

test('the pages can be used from the keyboard: Tab to a navigation link, Enter opens it', async () => {
  await page.goto(url('/runs'));
  await page.waitForSelector('table.runs');
  for (let i = 0; i < 10 && (await focused()) !== 'Sweeps'; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Sweeps');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/ui\/sweeps$/);
  await page.waitForSelector('h1:has-text("Sweeps")');
});

test('with SLMLAB_AUTH=on and closed reads: the page asks for a token, then reads with it, events included', async () => {
  const port = await freePort();
  const authPrefix = `${prefix}-auth`;
  const api2: Proc = startProcess('api-auth', 'apps/api/src/server.ts', { PORT: String(port), SLMLAB_QUEUE_PREFIX: authPrefix, SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: 'false', LOG_LEVEL: 'info' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the auth API', async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok ? true : undefined), 60_000, [api2]);
    const { token } = await createToken(tokensRepo(db), { name: 'ui-test', scopes: ['write'] });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // A queued run (no worker serves this queue): listed once the token is in, then followed over the event
    // stream, which needs the header too.
    const res = await fetch(`${base}/v1/experiments?force=true`, { method: 'POST', headers: auth, body: JSON.stringify({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { epochs: 1 } }) });
    const queued = (await res.json()) as { id: string };
    const p = await openPage(browser, errors);
    await p.goto(`${base}/ui/runs`);
    await p.waitForSelector('.state.error');
    assert.match((await p.locator('.state.error').textContent()) ?? '', /401 unauthorized/);
    await p.fill('input[name="token"]', token);
    await p.click('.token-form button[type="submit"]');
    const listed = ((await (await fetch(`${base}/v1/experiments?limit=50`, { headers: auth })).json()) as { items: { id: string }[] }).items;
    assert.ok(listed.some((e) => e.id === queued.id));
    await p.waitForSelector(`table.runs tr[data-id="${queued.id}"]`);
    assert.equal(await p.locator('table.runs tbody tr').count(), listed.length);
    await p.goto(`${base}/ui/runs/${queued.id}`);
    await p.waitForSelector('.badge[data-status="queued"]');
    await waitFor('the page to open the event stream', async () => (api2.output().includes(`/v1/experiments/${queued.id}/events`) ? true : undefined), 10_000, [api2]);
    const cancel = await fetch(`${base}/v1/experiments/${queued.id}/cancel`, { method: 'POST', headers: { authorization: auth.authorization } });
    assert.equal(cancel.status, 200, await cancel.clone().text());
    await p.waitForSelector('.badge[data-status="cancelled"]', { timeout: 15_000 });
    await p.close();
  } finally {
    assert.equal(await stop(api2), 0, `the auth API stops cleanly:\n${api2.output().slice(-3000)}`);
    const q = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix: authPrefix });
    await q.obliterate({ force: true });
    await q.close();
  }
});
