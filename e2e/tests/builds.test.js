// The two builds (frontend/src/capabilities.rs): a first visit downloads only the light
// one; the full one is fetched when the user needs it, and takes over the same
// view (scenario, kernel, steps) with the mode in the URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, openApp, assertClean, familyScenario } from '../lib.js';

/** Records the names of the wasm files the page fetches. */
function wasmFetches(page) {
  const names = [];
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.endsWith('.wasm')) names.push(path.split('/').pop());
  });
  return names;
}

async function tlbs(page) {
  return page.locator('table').evaluateAll((ts) => ts.map((t) => t.innerText));
}

test('a first visit fetches only the light build; "Compare kernels" brings the full one over the same view', async (t) => {
  const app = await openApp('about:blank');
  t.after(() => app.close());
  const { page } = app;
  const fetched = wasmFetches(page);
  await page.goto(BASE_URL);
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  await page.getByRole('button', { name: 'Step CPU0', exact: true }).click();
  // The explorer panel has run (in the light build too).
  await page.waitForFunction(
    () => [...document.querySelectorAll('.explorer tbody tr td:nth-child(2)')].filter((td) => /\d/.test(td.textContent)).length === 3,
  );
  assert.deepEqual(fetched, ['frontend_bg.wasm'], 'first visit and two steps');
  const hash = await page.evaluate(() => location.hash);

  await page.getByRole('button', { name: 'Compare kernels', exact: true }).click();
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  assert.deepEqual(fetched, ['frontend_bg.wasm', 'full_bg.wasm']);
  assert.equal(new URL(page.url()).searchParams.get('mode'), 'compare');
  assert.equal(await page.evaluate(() => location.hash), hash, 'the same view');
  assert.equal(await page.evaluate(() => globalThis.tlbraceBuild), 'full');

  // Back in the visualizer (the full build now), the two steps are still there.
  await page.getByRole('button', { name: 'Visualizer', exact: true }).click();
  await page.getByRole('region', { name: 'History' }).filter({ hasText: 'try_to_unmap_one(P)' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('mode'), null);
  assertClean(app);
});

test('a link to a teaching mode, as the app writes it, loads the full build directly', async (t) => {
  const app = await openApp('about:blank');
  t.after(() => app.close());
  const { page } = app;
  const fetched = wasmFetches(page);
  // A hand-written link without the app's flag still opens, over the light build.
  await page.goto(`${BASE_URL}?mode=lesson#v2/seed-race/dsb/`);
  await page.getByRole('region', { name: /^Lesson:/ }).waitFor();
  assert.deepEqual(fetched, ['frontend_bg.wasm', 'full_bg.wasm']);
  // The app writes the one flag boot.js reads (`full`) into the URL it shows.
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('mode'), 'lesson');
  assert.ok(url.searchParams.has('full'), page.url());
  await page.goto('about:blank');
  fetched.length = 0;
  await page.goto(url.href);
  await page.getByRole('region', { name: /^Lesson:/ }).waitFor();
  assert.deepEqual(fetched, ['full_bg.wasm'], 'that URL gets the full build straight away');
  assert.equal(await page.getByRole('button', { name: 'Lesson', exact: true }).getAttribute('aria-pressed'), 'true');
  assertClean(app);
});

test('a custom scenario pasted into the light build hands over to the full build', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).waitFor();
  // The seed race renamed: not built in, so its link carries it inline.
  const custom = await page.evaluate(() => {
    const json = JSON.stringify({
      format: 2, name: 'mine', title: 'Mine', story: 'A test.',
      pages: [{ name: 'P', vpn: 1024, pfn: 2210 }],
      cpus: [{ tlb: ['P'] }],
      tasks: [{ name: 'thread0', role: 'thread', cpu: 0, program: [{ op: 'write', page: 'P', value: 1 }] }],
    });
    const b64 = btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return `v2/x.${b64}/dsb/0`;
  });
  await page.evaluate((h) => (location.hash = h), custom);
  await page.getByRole('region', { name: 'History' }).filter({ hasText: 'write P' }).waitFor();
  assert.equal(await page.evaluate(() => globalThis.tlbraceBuild), 'full');
  assert.equal(await page.getByRole('table', { name: /^CPU\d TLB$/ }).count(), 1, 'one CPU');
  assertClean(app);
});

test('the explorer panel explores a custom scenario in the Web Worker', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  // The seed race plus three threads writing P twice: 2,000-2,900 states per
  // kernel, reduced, standing for 7,000-10,400 (tlbsim explore family-5).
  const seed = familyScenario(5);
  const file = join(mkdtempSync(join(tmpdir(), 'tlbrace-family-')), 'family-5.json');
  writeFileSync(file, JSON.stringify(seed));
  await page.locator('input[type=file]').first().setInputFiles(file);
  await page.getByRole('table', { name: 'CPU4 TLB' }).waitFor();
  // Asked at once, most likely before the worker is done: the race loads when it is.
  await page.getByRole('button', { name: 'Show the race' }).click();
  await page.getByRole('status').filter({ hasText: 'STALE WRITE' }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.explorer tbody tr')];
    return rows.length === 3 && rows.every((tr) => / ms$/.test(tr.cells[3]?.textContent ?? ''));
  }, null, { timeout: 30_000 });
  assert.ok(workers.some((u) => u.endsWith('/explorer_worker_loader.js')), `a worker ran: ${workers}`);
  const text = await page.locator('.explorer tbody').innerText();
  assert.match(text, /none\s+2519 \(stand for 9,240; factor 3\.7\)\s+stale write reachable/);
  assert.match(text, /dsb\s+2849 \(stand for 10,314; factor 3\.6\)\s+stale write reachable/);
  assert.match(text, /flush_tlb_mm\s+2068 \(stand for 7,062; factor 3\.4\)\s+safe/);
  assertClean(app);
});

test('while the full build loads, every request waits for it: a file dropped, then an SVG export', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page, context } = app;
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).waitFor();
  // Hold the full build back long enough to ask twice.
  await context.route('**/full_bg.wasm', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  const file = join(mkdtempSync(join(tmpdir(), 'tlbrace-queue-')), 'family-3.json');
  writeFileSync(file, JSON.stringify(familyScenario(3)));
  await page.locator('input[type=file]').first().setInputFiles(file);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download SVG' }).click();
  assert.match((await download).suggestedFilename(), /^tlbrace-family-3-dsb\.svg$/);
  await page.getByRole('table', { name: 'CPU2 TLB' }).waitFor();
  assertClean(app);
});

test('a full build that fails to load leaves the visualizer working, and asking again retries', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page, context } = app;
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).waitFor();
  await context.route('**/full_bg.wasm', (route) => route.abort('connectionreset'));
  await page.getByRole('button', { name: 'Compare kernels', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'The teaching tools could not be loaded' }).waitFor();
  // The light build still steps.
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  await page.getByRole('region', { name: 'History' }).filter({ hasText: 'write P' }).waitFor();
  await context.unroute('**/full_bg.wasm');
  await page.getByRole('button', { name: 'Compare kernels', exact: true }).click();
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  assert.equal(await page.evaluate(() => globalThis.tlbraceBuild), 'full');
  assert.deepEqual(app.foreignRequests, []);
});

test('an explorer worker that cannot start says so instead of waiting forever', async (t) => {
  const app = await openApp('about:blank');
  t.after(() => app.close());
  const { page, context } = app;
  await context.route('**/explorer_worker_bg.wasm', (route) => route.abort('connectionreset'));
  await page.goto(`${BASE_URL}?mode=editor#v2/seed-race/dsb/`);
  const verdicts = page.getByRole('table', { name: 'Explorer verdict per kernel' });
  await verdicts.filter({ hasText: "failed: the explorer's worker did not start" }).waitFor();
  assert.deepEqual(app.foreignRequests, []);
});
