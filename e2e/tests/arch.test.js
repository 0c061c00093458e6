// The architectures of issue 16 as a user drives them: the architecture
// control keeps the schedule as far as it stays valid, x86's board shows a
// flush IPI not yet taken and the IPI counters, Compare puts arm64 dsb beside
// x86 flush_tlb_mm by keyboard, the arm64-vs-x86 lesson opens, and axe finds
// nothing serious on the x86 board mid-flush.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { openApp, assertClean } from '../lib.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The seed race up to reclaim's try_to_unmap_flush_dirty() on x86: the flush
// IPI to CPU1 sent, CPU0 waiting for it.
const MID_FLUSH = '#v2/seed-race/x86.flush_tlb_mm/10011111110';

const fragment = (page) => page.evaluate(() => decodeURIComponent(location.hash));

test('switching architecture keeps the schedule, offers the architecture\'s own kernels, and round-trips in the link', async (t) => {
  const app = await openApp('#v2/seed-race/dsb/10011');
  t.after(() => app.close());
  const { page } = app;
  const kernels = page.getByRole('group', { name: /^Kernel/ });
  await kernels.getByRole('radio', { name: 'dsb' }).waitFor();
  await page.getByRole('radio', { name: 'x86' }).check();
  // dsb is arm64's alone: x86's default kernel, with sim-core's reason.
  await kernels.getByRole('radio', { name: 'flush_tlb_mm' }).waitFor();
  assert.equal(await kernels.getByRole('radio', { name: 'dsb' }).count(), 0);
  assert.equal(await kernels.getByRole('radio', { name: 'local_flush' }).count(), 1);
  assert.ok(await kernels.getByRole('radio', { name: 'flush_tlb_mm' }).isChecked());
  const notice = await page.getByRole('note').first().innerText();
  assert.match(notice, /Now on x86/);
  assert.match(notice, /dsb kernel is arm64's alone/);
  assert.match(notice, /Kept 5 of 5 events/);
  assert.equal(await fragment(page), '#v2/seed-race/x86.flush_tlb_mm/10011');
  assert.match(await page.getByRole('slider', { name: 'Step in the history' }).getAttribute('aria-valuetext'), /step 5 of 5/);
  // The link opens the same view on x86.
  await page.reload();
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  assert.ok(await page.getByRole('radio', { name: 'x86' }).isChecked());
  assert.ok(await page.getByRole('radio', { name: 'local_flush' }).count());
  // Back to arm64: the kernel is kept, the schedule too.
  await page.getByRole('radio', { name: 'arm64' }).check();
  await page.getByRole('radio', { name: 'dsb' }).waitFor();
  assert.equal(await fragment(page), '#v2/seed-race/flush_tlb_mm/10011');
  assertClean(app);
});

test('a built-in that makes no sense on x86 says why, and stays on arm64', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('migration-no-switch-dsb');
  // Refused: the radio does not stay chosen (click, not check).
  await page.getByRole('radio', { name: 'x86' }).click();
  const notice = page.getByRole('note').first();
  await notice.getByText(/cannot run on x86/).waitFor();
  assert.match(await notice.innerText(), /__switch_to\(\)/);
  assert.ok(await page.getByRole('radio', { name: 'arm64' }).isChecked());
  assert.equal(await page.getByRole('radio', { name: 'x86' }).isChecked(), false);
  assert.match(await fragment(page), /^#v2\/migration-no-switch-dsb\/dsb/);
  assertClean(app);
});

test('x86 board: a waiting sender says so, the IPI not yet taken is drawn, i takes it, counters show IPIs', async (t) => {
  const app = await openApp(MID_FLUSH);
  t.after(() => app.close());
  const { page } = app;
  const cpu0 = page.getByRole('region', { name: 'CPU0 lane' });
  await cpu0.waitFor();
  assert.match(await cpu0.innerText(), /waiting in smp_call_function_many_cond\(\) until CPU1 has run the flush IPI handler/);
  assert.ok(await cpu0.getByRole('button', { name: 'Step CPU0' }).isDisabled());
  await page.getByRole('img', { name: /^flush IPI \(whole mm\) from CPU0, not yet taken by CPU1/ }).waitFor();
  const take = page.getByRole('button', { name: 'Take IPI on CPU1' });
  assert.equal(await take.getAttribute('aria-keyshortcuts'), 'i');
  const counters0 = page.getByRole('region', { name: 'CPU0 TLB and counters' });
  const counters1 = page.getByRole('region', { name: 'CPU1 TLB and counters' });
  assert.match(await counters0.innerText(), /IPIs sent\s*1/);
  assert.match(await counters1.innerText(), /IPIs taken\s*0/);
  assert.doesNotMatch(await counters1.innerText(), /TLBIs/);
  await page.keyboard.press('i');
  await page.getByRole('img', { name: /taken by CPU1: its handler flushed CPU1's TLB/ }).waitFor();
  assert.match(await counters1.innerText(), /IPIs taken\s*1/);
  assert.equal(await take.count(), 0);
  assert.match(await fragment(page), /\/10011111110i01$/);
  assert.ok(await cpu0.getByRole('button', { name: 'Step CPU0' }).isEnabled());
  // The help dialog lists the key.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  assert.match(await help.innerText(), /flush IPI/);
  await page.keyboard.press('Escape');
  assertClean(app);
});

test('Play on x86 takes each flush IPI and plays the story to its end, where the promise held', async (t) => {
  const app = await openApp('#v2/seed-race/x86.flush_tlb_mm/');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('slider', { name: /^Delay/ }).fill('50');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // Before the fix Play stopped at CPU0, waiting for CPU1 to take its IPI.
  await page.waitForFunction(() => /i01\d+$/.test(location.hash), null, { timeout: 15_000 });
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor({ timeout: 15_000 });
  const played = await fragment(page);
  assert.match(played, /^#v2\/seed-race\/x86\.flush_tlb_mm\/10011111110i01\d+$/);
  assert.match(await page.getByRole('slider', { name: 'Step in the history' }).getAttribute('aria-valuetext'), /^step (\d+) of \1$/);
  assert.match(await page.getByRole('status').innerText(), /promise held/);
  assert.match(await page.getByRole('region', { name: 'CPU1 TLB and counters' }).innerText(), /IPIs taken\s*1/);
  assertClean(app);
});

test('tlb-cost on x86 shows flush IPIs beside TLB misses', async (t) => {
  const app = await openApp('#v2/tlb-cost/x86.flush_tlb_mm/');
  t.after(() => app.close());
  const { page } = app;
  const chart = page.getByRole('img', { name: /^Cost of the fix:/ });
  await chart.waitFor();
  const name = await chart.getAttribute('aria-label');
  assert.match(name, /misses, arm64/);
  assert.match(name, /IPIs taken, x86/);
  assert.match(await page.getByRole('heading', { name: /What the fix costs/ }).innerText(), /IPIs on x86/);
  assertClean(app);
});

test('compare across architectures by keyboard: arm64 dsb beside x86 flush_tlb_mm, first difference marked', async (t) => {
  const app = await openApp('?mode=compare#v2/seed-race/dsb/');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  // Right architecture: focus its select and choose x86 with the arrow key.
  const arch = page.getByRole('combobox', { name: 'Right architecture' });
  await arch.focus();
  await page.keyboard.press('ArrowDown');
  const right = page.getByRole('region', { name: 'Right: x86 flush_tlb_mm' });
  await right.waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Right kernel' }).inputValue(), 'flush_tlb_mm');
  // Leave the select (it keeps its own keys), then play by the shortcuts.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.evaluate(() => document.activeElement?.blur());
  for (const key of ['1', '0', '0']) await page.keyboard.press(key);
  const note = page.getByRole('note').filter({ hasText: 'diverge' });
  // set_tlb_ubc_flush_pending(): a broadcast TLBI on arm64, a cpumask on x86.
  assert.match(await note.innerText(), /diverge at event 3 \(s0\)/);
  assert.match(await page.getByRole('region', { name: 'Left: dsb' }).locator('li.diverge').innerText(), /first difference/);
  // mprotect and the write after it, then reclaim's flush: x86 sends the IPI,
  // i takes it (x86 only), and CPU0's next step finishes the flush there.
  for (const key of ['1', '1', '1', '1', '1', '1', '1', '0', 'i', '0']) await page.keyboard.press(key);
  const left = page.getByRole('region', { name: 'Left: dsb' });
  assert.match(await left.getByRole('status').innerText(), /STALE WRITE/);
  assert.match(await right.getByRole('status').innerText(), /running|Finished safely/i);
  assert.doesNotMatch(await right.getByRole('status').innerText(), /STALE/);
  assert.match(await right.innerText(), /flush IPIs taken: 1/);
  const leftEvents = await page.getByRole('list', { name: 'Events under dsb' }).innerText();
  assert.match(leftEvents, /i0>1 no flush IPIs on arm64: skipped/);
  // "Next event of the story" (the right arrow) goes on with x86's story
  // too, IPIs included, to the end, where the write faults under the fix.
  const events = page.getByRole('list', { name: 'Events under dsb' }).getByRole('listitem');
  const before = await events.count();
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
  assert.ok(await events.count() > before, `the story went on from event ${before}`);
  assert.match(await right.getByRole('status').innerText(), /promise held|Finished safely/i);
  assert.ok(await page.getByRole('button', { name: 'Next event of the story' }).isDisabled());
  assertClean(app);
});

test('the arm64-vs-x86 lesson opens, asks first, and plays x86 after the restart', async (t) => {
  const app = await openApp('?mode=lesson&lesson=arm64-vs-x86');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('region', { name: /^Lesson: arm64 against x86/ }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Built-in lesson' }).inputValue(), 'arm64-vs-x86');
  // Step 4 restarts on x86 and asks before it plays.
  await page.goto(new URL('?mode=lesson&lesson=arm64-vs-x86&step=4', page.url()).href);
  const question = page.getByRole('group', { name: /what does set_tlb_ubc_flush_pending\(\) send to CPU1/ });
  await question.waitFor();
  await question.getByRole('radio', { name: /Nothing: arch_tlbbatch_add_pending/ }).check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.getByText(/^Right\./).waitFor();
  const counters0 = page.getByRole('region', { name: 'CPU0 TLB and counters' });
  assert.match(await counters0.innerText(), /IPIs sent/);
  assertClean(app);
});

test('axe-core: no serious or critical violation on the x86 board mid-flush', async (t) => {
  const app = await openApp(MID_FLUSH);
  t.after(() => app.close());
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.getByRole('img', { name: /^flush IPI \(whole mm\) from CPU0/ }).waitFor();
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, []);
  assertClean(app);
});

test('on x86 the explorer panel explores x86\'s kernels, and "Load the race" loads an x86 race', async (t) => {
  const app = await openApp('#v2/seed-race/x86.flush_tlb_mm/');
  t.after(() => app.close());
  const { page } = app;
  const table = page.getByRole('table', { name: 'Explorer: seed-race' });
  // Every x86 kernel gets its row; dsb (arm64's alone) none.
  await page.waitForFunction(() => [...document.querySelectorAll('.explorer tbody tr')].length === 3
    && [...document.querySelectorAll('.explorer tbody tr')].every((tr) => / ms$/.test(tr.cells[3]?.textContent ?? '')));
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[2].textContent]));
  assert.deepEqual(rows, [
    ['none', 'stale write reachable'],
    ['flush_tlb_mm', 'safe'],
    ['local_flush', 'safe'],
  ]);
  await table.getByRole('button', { name: /^Load the \d+-event race$/ }).click();
  // The race loads on x86 under none: the link says so, and the write went through.
  await page.waitForFunction(() => decodeURIComponent(location.hash).startsWith('#v2/seed-race/x86.none/'));
  await page.getByRole('status').filter({ hasText: 'STALE WRITE:' }).waitFor();
  assertClean(app);
});
