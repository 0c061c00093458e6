// The visualizer as a user drives it: the seed race under each kernel, holding
// back or delivering a TLBI, the explorer's counterexample, undo/redo, the
// keyboard, and an accessibility check with axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { openApp, assertClean } from '../lib.js';

const require = createRequire(import.meta.url);

// The seed race's story: thread1 on CPU1 writes P, kswapd0 on CPU0 clears P's
// PTE and queues the TLBI, thread1 runs mprotect (6 steps: lock,
// flush_tlb_batched_pending, change_pte_range, unlock, tlb_finish_mmu, return)
// and writes P again.
const MPROTECT = ['1', '1', '1', '1', '1', '1'];
const SEED_RACE = ['1', '0', '0', ...MPROTECT, '1'];

async function step(page, cpu) {
  await page.getByRole('button', { name: `Step CPU${cpu}`, exact: true }).click();
}

async function play(page, cpus) {
  for (const cpu of cpus) await step(page, cpu);
}

async function chooseMitigation(page, name) {
  await page.getByRole('radio', { name: new RegExp(`^${name}\\b`) }).check();
}

function status(page) {
  return page.getByRole('status');
}

/** The text of every TLB table, for exact comparisons. */
async function tlbTables(page) {
  const tables = page.getByRole('table', { name: /^CPU\d TLB$/ });
  const n = await tables.count();
  const out = [];
  for (let i = 0; i < n; i++) out.push(await tables.nth(i).innerText());
  return out;
}


for (const mitigation of ['dsb', 'none']) {
  test(`the seed race ends in a stale write under ${mitigation}`, async (t) => {
    const app = await openApp();
    t.after(() => app.close());
    const { page } = app;
    await chooseMitigation(page, mitigation);
    await play(page, SEED_RACE);
    await assert.doesNotReject(status(page).filter({ hasText: 'STALE WRITE:' }).waitFor());
    const text = await status(page).innerText();
    assert.match(text, /thread1 on CPU1 wrote P/);
    assert.match(text, /CPU1's TLB entry ASID 1 P/);
    // The stale entry is marked in words, not by colour alone.
    const cpu1 = page.getByRole('table', { name: 'CPU1 TLB' });
    assert.match(await cpu1.innerText(), /stale/);
    assertClean(app);
  });
}

test('the same schedule under flush_tlb_mm ends safely', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await chooseMitigation(page, 'flush_tlb_mm');
  await play(page, [...SEED_RACE, '0', '0', '0', '0']);
  await status(page).filter({ hasText: 'Finished safely' }).waitFor();
  const history = await page.getByRole('region', { name: 'History' }).innerText();
  assert.match(history, /fault: not present/, 'the write after mprotect faults');
  assert.doesNotMatch(await status(page).innerText(), /STALE/);
  assertClean(app);
});

test('delivering the TLBI to CPU1 before the write makes the write fault', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await play(page, ['1', '0', '0']);
  const chip = page.getByRole('group', { name: /tlbi vale1is P from CPU0/ });
  await chip.getByRole('button', { name: 'Deliver to CPU1' }).click();
  assert.doesNotMatch(await page.getByRole('table', { name: 'CPU1 TLB' }).innerText(), /stale/);
  await play(page, [...MPROTECT, '1']);
  const history = await page.getByRole('region', { name: 'History' }).innerText();
  assert.match(history, /fault: not present/);
  assert.doesNotMatch(await status(page).innerText(), /STALE/);
  assertClean(app);
});

test('"Show the race" loads the shortest counterexample', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('button', { name: 'Show the race' }).click();
  await status(page).filter({ hasText: 'STALE WRITE:' }).waitFor();
  const schedule = await page.locator('.history .schedule code').innerText();
  assert.equal(schedule, 's1,s0,s0,s1,s1,s1,s1,s1,s1,s1', 'the 10-event race');
  // Under the fix there is none, and the app says how many states it checked.
  await chooseMitigation(page, 'flush_tlb_mm');
  await page.getByRole('button', { name: 'Show the race' }).click();
  await page.getByRole('note').getByText(/No race under flush_tlb_mm: the explorer checked all \d+ states/).waitFor();
  assertClean(app);
});

test('back and forward restore the exact TLB tables', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  const snapshots = [await tlbTables(page)];
  for (const cpu of SEED_RACE) {
    await step(page, cpu);
    snapshots.push(await tlbTables(page));
  }
  for (let i = SEED_RACE.length - 1; i >= 0; i--) {
    await page.getByRole('button', { name: 'Back' }).click();
    assert.deepEqual(await tlbTables(page), snapshots[i], `after going back to step ${i}`);
  }
  for (let i = 1; i <= SEED_RACE.length; i++) {
    await page.getByRole('button', { name: 'Forward' }).click();
    assert.deepEqual(await tlbTables(page), snapshots[i], `after going forward to step ${i}`);
  }
  assertClean(app);
});

test('keyboard shortcuts drive the whole race', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  for (const key of SEED_RACE) await page.keyboard.press(key);
  await status(page).filter({ hasText: 'STALE WRITE:' }).waitFor();
  await page.keyboard.press('ArrowLeft');
  assert.doesNotMatch(await status(page).innerText(), /STALE/, 'back one step');
  await page.keyboard.press('ArrowRight');
  await status(page).filter({ hasText: 'STALE WRITE:' }).waitFor();
  // m cycles the mitigation and keeps the schedule: under flush_tlb_mm no stale write.
  // (Waited for: the key's render may land after the press returns, on a busy machine.)
  await page.keyboard.press('m');
  await page.getByRole('radio', { name: /^flush_tlb_mm\b/, checked: true }).waitFor();
  assert.doesNotMatch(await status(page).innerText(), /STALE/);
  await page.keyboard.press('m');
  await page.getByRole('radio', { name: /^none\b/, checked: true }).waitFor();
  await status(page).filter({ hasText: 'STALE WRITE:' }).waitFor();
  await page.keyboard.press('r');
  await status(page).filter({ hasText: 'Running' }).waitFor();
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Play' }).waitFor();
  assertClean(app);
});

test('every control can be reached and used with the keyboard alone', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  // Tab to "Step CPU1" and press Enter: a focused button takes the key, the
  // shortcut layer must not act as well.
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.textContent === 'Step CPU1');
  }
  assert.ok(found, 'Step CPU1 is reachable with Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  const history = await page.getByRole('region', { name: 'History' }).innerText();
  assert.match(history, /1\s+CPU1\s+write P/);
  assert.doesNotMatch(history, /\n2\s/, 'exactly one step taken');
  assertClean(app);
});

test('axe-core finds no serious or critical accessibility issue', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  // Without motion, so colours are measured at rest and not halfway through a
  // fade-in (prefers-reduced-motion turns every animation off).
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await play(page, ['1', '0', '0']);
  const animated = await page.evaluate(() => document.getAnimations().length);
  assert.equal(animated, 0, 'reduced motion leaves no animation running');
  // Injected through the DevTools protocol, which the page's CSP does not govern.
  const axe = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axe);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, []);
  assertClean(app);
});

test('a lane shows the task on its CPU, the tasks waiting for it, and the switches between them', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  // same-cpu: kswapd0 and thread0 share CPU0; thread1 runs on CPU1.
  await page.locator('#scenario-select').selectOption('same-cpu');
  const lane = page.getByRole('region', { name: 'CPU0 lane' });
  const header = lane.locator('header');
  await lane.getByRole('list', { name: 'kswapd0 program' }).waitFor();
  assert.match(await header.innerText(), /kswapd0\s+reclaim/);
  assert.match(await lane.innerText(), /Waiting for CPU0:\s+thread0 \(mprotect\(P\), then signal\), next: pte_offset_map_lock/);
  // kswapd0 unmaps P, then cond_resched() lets thread0 run.
  await play(page, ['1', '0', '0', '0']);
  await lane.getByRole('list', { name: 'thread0 program' }).waitFor();
  assert.match(await header.innerText(), /thread0\s+mprotect\(P\), then signal/);
  assert.match(await lane.innerText(), /Waiting for CPU0:\s+kswapd0 \(reclaim\), next: try_to_unmap_flush_dirty/);
  const history = page.getByRole('region', { name: 'History' });
  assert.match(await history.innerText(), /4\s+CPU0\s+cond_resched: __switch_to/);
  // thread0's mprotect (six steps) and signal; then the scheduler switches back.
  await play(page, ['0', '0', '0', '0', '0', '0', '0']);
  assert.equal(await lane.locator('.cpu-status').innerText(), 'ready: __switch_to() switches to kswapd0');
  await step(page, '0');
  await lane.getByRole('list', { name: 'kswapd0 program' }).waitFor();
  assert.match(await lane.innerText(), /Finished here: thread0/);
  assert.doesNotMatch(await lane.innerText(), /Waiting for CPU0/);
  assertClean(app);
});

test('the batch panel shows each task\'s tlb_ubc and who holds the page-table lock', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const panel = page.getByRole('region', { name: 'Batch state and locks' });
  await panel.waitFor();
  assert.match(await panel.innerText(), /ptl@0x400000\s+free/);
  await play(page, ['1', '0']);
  assert.match(await panel.innerText(), /ptl@0x400000\s+held by kswapd0 on CPU0/);
  assert.match(
    await page.getByRole('region', { name: 'CPU1 lane' }).locator('.cpu-status').innerText(),
    /spinning on the page-table lock ptl@0x400000 \(kswapd0 on CPU0 holds it\)/,
  );
  await step(page, '0');
  const text = await panel.innerText();
  assert.match(text, /kswapd0->tlb_ubc\s+flush_required yes, writable yes/);
  assert.match(text, /thread1->tlb_ubc\s+flush_required no, writable no/);
  assert.match(text, /ptl@0x400000\s+free/);
  assertClean(app);
});
