// For patch review: "Copy for mail" and "Copy litmus test" put on the clipboard
// exactly what tlbsim prints for the same run, and the SVG's title and outcome
// lie inside its viewBox as Chromium lays the text out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, openApp, assertClean, tlbsim } from '../lib.js';


const SCENARIOS = JSON.parse(tlbsim('list', '--json'));

/** The compact permalink form of a text schedule of steps (`s1,s0` -> `10`). */
const compact = (schedule) => schedule.split(',').map((e) => e.slice(1)).join('');

/** Opens `name` under `mitigation` played along its default schedule. */
async function open(page, name, mitigation) {
  const schedule = SCENARIOS.find((s) => s.name === name).default_schedule;
  await page.goto('about:blank');
  await page.goto(`${BASE_URL}#v2/${name}/${mitigation}/${compact(schedule)}`);
  await page.getByRole('table', { name: 'CPU0 TLB' }).waitFor();
  return schedule;
}

async function copied(page, button, notice) {
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.getByRole('note').filter({ hasText: notice }).waitFor();
  return page.evaluate(() => navigator.clipboard.readText());
}

test('"Copy for mail" is tlbsim run --width 72 --ladder-only with the link', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page, context } = app;
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  for (const [name, mitigation] of [['seed-race', 'dsb'], ['seed-race-4cpu', 'flush_tlb_mm'], ['two-reclaimers', 'dsb']]) {
    const schedule = await open(page, name, mitigation);
    const text = await copied(page, 'Copy for mail', 'copied for mail');
    const printed = tlbsim('run', name, '--mitigation', mitigation, '--schedule', schedule,
      '--width', '72', '--ladder-only', '--base-url', BASE_URL);
    assert.equal(text, printed, `${name}/${mitigation}`);
    // The permalink is printed last on a line of its own and never wrapped (a URL broken
    // across lines no longer opens); every other line fits the quoted reply's 72 columns.
    const lines = text.trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) assert.ok(line.length <= 72, `${name}: ${line}`);
    assert.ok(text.trimEnd().endsWith(`${BASE_URL}#v2/${name}/${mitigation}/${compact(schedule)}`), text);
  }
  assertClean(app);
});

test('"Copy litmus test" is tlbsim litmus for the same run', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page, context } = app;
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  for (const [name, mitigation] of [['seed-race', 'dsb'], ['seed-race', 'flush_tlb_mm'], ['migration-no-switch-dsb', 'none']]) {
    const schedule = await open(page, name, mitigation);
    const text = await copied(page, 'Copy litmus test', 'Litmus test copied');
    const printed = tlbsim('litmus', name, '--mitigation', mitigation, '--schedule', schedule);
    assert.equal(text, printed, `${name}/${mitigation}`);
    assert.ok(text.startsWith(`AArch64 tlbrace-${name}-${mitigation}\n`), text.slice(0, 80));
  }
  // A run that has not finished has no test: the page says why, as tlbsim does.
  await page.goto('about:blank');
  await page.goto(`${BASE_URL}#v2/seed-race/dsb/100`);
  await page.getByRole('table', { name: 'CPU0 TLB' }).waitFor();
  await page.getByRole('button', { name: 'Copy litmus test', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'has not finished' }).waitFor();
});

test('the SVG title and outcome lie inside its viewBox', async (t) => {
  const app = await openApp('#v2/seed-race-4cpu/dsb/1230011111112230000');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU3 TLB' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download SVG' }).click(),
  ]);
  const svg = readFileSync(await download.path(), 'utf8');
  const boxes = await page.evaluate((text) => {
    const holder = document.createElement('div');
    holder.innerHTML = text;
    document.body.append(holder);
    const root = holder.querySelector('svg');
    const view = root.viewBox.baseVal;
    const all = [...root.querySelectorAll('text')].map((el) => {
      const b = el.getBBox();
      return { cls: el.getAttribute('class'), text: el.textContent, x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height };
    });
    holder.remove();
    return { view: { width: view.width, height: view.height }, all };
  }, svg);
  assert.ok(boxes.all.some((b) => b.cls === 'title'), 'a title');
  assert.ok(boxes.all.some((b) => b.cls === 'outcome' && /STALE WRITE/.test(b.text)), 'an outcome');
  for (const b of boxes.all) {
    assert.ok(b.x >= 0 && b.y >= 0, `${b.text} starts outside`);
    assert.ok(b.right <= boxes.view.width, `${b.text} ends at ${b.right}, past ${boxes.view.width}`);
    assert.ok(b.bottom <= boxes.view.height, `${b.text} ends at ${b.bottom}, below ${boxes.view.height}`);
  }
  assert.doesNotMatch(svg, /\*\*/, 'no Markdown');
  assertClean(app);
});
