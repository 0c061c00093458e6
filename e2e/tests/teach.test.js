// The teaching modes as a user drives them: two kernels side by side, the
// guided lesson with the keyboard alone, and the scenario editor.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, assertClean, familyScenario } from '../lib.js';


async function openMode(name) {
  const app = await openApp();
  await app.page.getByRole('table', { name: 'CPU1 TLB' }).first().waitFor();
  await app.page.getByRole('button', { name, exact: true }).click();
  return app;
}

test('compare: the seed race is stale under dsb and safe under flush_tlb_mm, diverging at flush_tlb_batched_pending', async (t) => {
  const app = await openMode('Compare kernels');
  t.after(() => app.close());
  const { page } = app;
  const left = page.getByRole('region', { name: 'Left: dsb' });
  const right = page.getByRole('region', { name: 'Right: flush_tlb_mm' });
  await left.waitFor();
  const controls = page.getByRole('group', { name: 'Events for both kernels' });
  // The seed race's story (mprotect is six steps): one button steps both kernels.
  for (const cpu of ['1', '0', '0', '1', '1', '1', '1', '1', '1', '1', '0', '0', '0', '0']) {
    await controls.getByRole('button', { name: `Step CPU${cpu}`, exact: true }).click();
  }
  assert.match(await left.getByRole('status').innerText(), /STALE WRITE/);
  assert.match(await right.getByRole('status').innerText(), /Finished safely/);
  assert.match(await left.innerText(), /TLB misses: 1/);
  assert.match(await right.innerText(), /TLB misses: 2/);
  const note = await page.getByRole('note').innerText();
  // At flush_tlb_batched_pending(), right after mprotect took the lock.
  assert.match(note, /diverge at event 5 \(s1\)/);
  assert.match(note, /dsb\(ish\) on CPU1/);
  assert.match(note, /flush_tlb_mm: tlbi asid \+ dsb/);
  const marked = await left.locator('li.diverge').innerText();
  assert.match(marked, /first difference/);
  // Both kernels are selectable: none vs dsb differ at the same step.
  await page.getByRole('combobox', { name: 'Right kernel' }).selectOption('none');
  await page.getByRole('region', { name: 'Right: none' }).waitFor();
  assert.match(await page.getByRole('note').innerText(), /diverge at event 5/);
  assertClean(app);
});

test('compare: a delivery possible under one kernel only is marked', async (t) => {
  const app = await openMode('Compare kernels');
  t.after(() => app.close());
  const { page } = app;
  const controls = page.getByRole('group', { name: 'Events for both kernels' });
  await page.getByRole('combobox', { name: 'Left kernel' }).selectOption('none');
  await page.getByRole('combobox', { name: 'Right kernel' }).selectOption('dsb');
  for (const cpu of ['1', '0', '0']) {
    await controls.getByRole('button', { name: `Step CPU${cpu}`, exact: true }).click();
  }
  await controls.getByRole('button', { name: "Deliver CPU0's TLBI to CPU1" }).click();
  await controls.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  const steps = await page.getByRole('list', { name: 'Events under dsb' }).innerText();
  assert.match(steps, /d0>1/);
  assertClean(app);
});

test('the lesson can be completed with the keyboard alone', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  // Reach the mode switch with Tab and open the lesson with Enter.
  const lessonButton = page.getByRole('button', { name: 'Lesson', exact: true });
  for (let i = 0; i < 40 && !(await lessonButton.evaluate((b) => b === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  const panel = page.getByRole('region', { name: /^Lesson:/ });
  await panel.waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return `${el.tagName} ${el.getAttribute('type') ?? ''} ${el.textContent.trim().slice(0, 40)}`;
  });
  let questions = 0;
  let right = 0;
  for (let guard = 0; guard < 60; guard++) {
    const heading = await panel.getByRole('heading', { level: 3 }).innerText();
    if (heading === 'Lesson complete') break;
    if (await panel.getByRole('radio').count()) {
      questions++;
      // Tab to the first choice, arrow to the right one (the app knows; we try
      // the second), Tab to "Check answer", Enter.
      while (!(await focused()).startsWith('INPUT radio')) await page.keyboard.press('Tab');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Tab');
      assert.match(await focused(), /^BUTTON\s+Check answer/);
      await page.keyboard.press('Enter');
      const feedback = panel.locator('.feedback');
      await feedback.waitFor();
      assert.ok(await feedback.evaluate((el) => el === document.activeElement), 'focus on the feedback');
      if ((await feedback.innerText()).startsWith('Right')) right++;
    }
    while (!/^BUTTON\s+(Next step|Finish)/.test(await focused())) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    // Focus moves to the new step's heading.
    assert.match(await focused(), /^H3\s+(Step \d+ of \d+|Lesson complete)/);
  }
  assert.equal(await panel.getByRole('heading', { level: 3 }).innerText(), 'Lesson complete');
  assert.ok(questions >= 4, `${questions} questions`);
  assert.ok(right >= 1 && right < questions, `${right} of ${questions} right`);
  // The last step is played into the main view under the fix: safe.
  assert.match(await page.getByRole('status').innerText(), /Finished safely/);
  assertClean(app);
});

test('the lesson plays a stale write into the view after the student answers', async (t) => {
  const app = await openMode('Lesson');
  t.after(() => app.close());
  const { page } = app;
  const panel = page.getByRole('region', { name: /^Lesson:/ });
  for (let i = 0; i < 30; i++) {
    if (await panel.getByText('Will this write succeed?').count()) break;
    const check = panel.getByRole('button', { name: 'Check answer' });
    if (await check.count()) {
      await panel.getByRole('radio').first().check();
      await check.click();
    }
    await panel.getByRole('button', { name: /^Next step/ }).click();
  }
  assert.doesNotMatch(await page.getByRole('status').innerText(), /STALE/, 'not revealed before the answer');
  await panel.getByRole('radio', { name: /^Yes: CPU1's TLB still holds P/ }).check();
  await panel.getByRole('button', { name: 'Check answer' }).click();
  assert.match(await panel.locator('.feedback').innerText(), /^Right/);
  await page.getByRole('status').filter({ hasText: 'STALE WRITE' }).waitFor();
  assertClean(app);
});

async function addCalls(page, task, calls) {
  const select = page.getByRole('combobox', { name: `Call to add to task ${task}` });
  for (const call of calls) {
    await select.selectOption(call);
    await page.getByRole('button', { name: `Add to task ${task}`, exact: true }).click();
  }
}

test('the editor builds a new race from scratch and the explorer finds it', async (t) => {
  const app = await openMode('Scenario editor');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('button', { name: 'Start empty' }).click();
  await page.getByRole('button', { name: 'Add CPU' }).click();
  // Task 1 (on CPU0) becomes reclaim; task 2, added on the new CPU1, the thread.
  await page.getByRole('textbox', { name: 'Task 1 name' }).fill('kswapd0');
  await page.getByRole('textbox', { name: 'Task 1 role' }).fill('reclaim');
  // Reclaim always ends its batch with try_to_unmap_flush().
  await addCalls(page, 1, ['try_to_unmap_one', 'try_to_unmap_flush']);
  await page.getByRole('button', { name: 'Add task' }).click();
  assert.equal(await page.getByRole('combobox', { name: 'Task 2 CPU' }).inputValue(), '1');
  await addCalls(page, 2, ['write', 'mprotect', 'write']);
  // Reorder: move the last write up and back down again.
  await page.getByRole('button', { name: 'Move task 2 call 3 up' }).click();
  const items = page.getByRole('list', { name: 'Task 2 program' }).getByRole('listitem');
  assert.match(await items.nth(1).innerText(), /^write/);
  assert.match(await items.nth(2).innerText(), /^mprotect/);
  await page.getByRole('button', { name: 'Move task 2 call 2 down' }).click();
  await page.getByRole('status').filter({ hasText: 'Valid: 2 CPUs, 2 tasks, 1 pages.' }).waitFor();
  // Each call shows the kernel steps it expands to.
  assert.match(
    await items.nth(1).innerText(),
    /pte_offset_map_lock \(ptl@0x400000\), flush_tlb_batched_pending, change_pte_range\(P\), pte_unmap_unlock \(ptl@0x400000\), tlb_finish_mmu, mprotect\(PROT_READ\) returns/,
  );
  const verdicts = page.getByRole('table', { name: 'Explorer verdict per kernel' });
  await verdicts.waitFor();
  // The explorer runs in a worker: wait for its three reports.
  await verdicts.filter({ hasNotText: /exploring|waiting/ }).waitFor();
  const rows = await verdicts.innerText();
  assert.match(rows, /none\s+stale write reachable\s+54\b/);
  assert.match(rows, /dsb\s+stale write reachable\s+63\b/);
  assert.match(rows, /flush_tlb_mm\s+safe\s+56\b/);
  // Into the visualizer, where the permalink carries the new scenario inline.
  const before = await page.evaluate(() => location.hash);
  await page.getByRole('button', { name: 'Use this scenario' }).click();
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).waitFor();
  await page.waitForFunction((h) => location.hash !== h, before);
  assert.match(await page.getByRole('region', { name: 'CPU0 lane' }).locator('header').innerText(), /kswapd0\s+reclaim/);
  await page.getByRole('button', { name: 'Show the race' }).click();
  await page.getByRole('status').filter({ hasText: 'STALE WRITE' }).waitFor();
  assertClean(app);
});

test('editor validation shows the error beside its field and keeps the text', async (t) => {
  const app = await openMode('Scenario editor');
  t.after(() => app.close());
  const { page } = app;
  const name = page.getByRole('textbox', { name: 'Page 1 name' });
  await name.fill('P!');
  await page.getByRole('status').filter({ hasText: 'Not valid yet: pages[0].name' }).waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  const described = await name.getAttribute('aria-describedby');
  const beside = page.locator(`[id="${described}"]`);
  assert.match(await beside.innerText(), /"P!" must be 1 to 8 ASCII letters, digits/);
  assert.equal(await name.inputValue(), 'P!', 'the text is kept');
  assert.match(await page.getByRole('region', { name: 'Every interleaving' }).innerText(), /runs once the scenario is valid/);
  // A renamed page leaves the programs naming the old one: the error moves to the first such call.
  await name.fill('X');
  const call = page.getByRole('list', { name: 'Task 1 program' }).getByRole('listitem').first();
  assert.match(await call.innerText(), /page "P" is not a page of the mm \(pages: X, Q, R\)/);
  await name.fill('P');
  await page.getByRole('status').filter({ hasText: 'Valid: 2 CPUs, 2 tasks, 3 pages.' }).waitFor();
  assertClean(app);
});

test('lesson: a teacher opens a lesson file; a broken one says what is wrong', async (t) => {
  const app = await openMode('Lesson');
  t.after(() => app.close());
  const { page } = app;
  const { readFileSync, writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tlbrace-lesson-'));
  const lesson = JSON.parse(readFileSync(new URL('../../sim-core/lessons/seed-race.json', import.meta.url), 'utf8'));
  lesson.title = 'My class: the race in three steps';
  lesson.steps = lesson.steps.slice(0, 3);
  const good = join(dir, 'my-lesson.json');
  writeFileSync(good, JSON.stringify(lesson));
  await page.getByRole('region', { name: /^Lesson:/ }).waitFor();
  await page.locator('.lesson input[type=file]').setInputFiles(good);
  await page.getByRole('heading', { name: 'Lesson: My class: the race in three steps' }).waitFor();
  assert.equal(await page.getByRole('heading', { level: 3 }).first().innerText(), 'Step 1 of 3');

  lesson.steps[1].question.answer = 7;
  const bad = join(dir, 'broken-lesson.json');
  writeFileSync(bad, JSON.stringify(lesson));
  await page.locator('.lesson input[type=file]').setInputFiles(bad);
  const banner = page.getByRole('alert').filter({ hasText: 'Could not open that' });
  await banner.waitFor();
  assert.match(await banner.innerText(), /broken-lesson\.json: steps\[1\]\.question\.answer/);
  // The lesson that was open stays open.
  await page.getByRole('heading', { name: 'Lesson: My class: the race in three steps' }).waitFor();
  assertClean(app);
});

test('the editor explores in a Web Worker: a large draft shows progress, and Cancel stops it', async (t) => {
  // The seed race plus six threads writing P twice (the 8-CPU member of the
  // family the benchmark uses): a million states per kernel.
  const seed = familyScenario(16);
  const b64 = Buffer.from(JSON.stringify(seed)).toString('base64url');
  const app = await openApp(`?mode=editor#v2/x.${b64}/dsb/`);
  t.after(() => app.close());
  const { page } = app;
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  const verdicts = page.getByRole('table', { name: 'Explorer verdict per kernel' });
  // Progress: a row counts states while the page stays responsive.
  await page.waitForFunction(() => {
    const cell = [...document.querySelectorAll('tr.running td')][1];
    return cell && parseInt(cell.textContent.replace(/,/g, ''), 10) > 0;
  }, null, { timeout: 20_000 });
  // The kernels run side by side: one worker per CPU the browser reports, at most one per kernel.
  const cpus = await page.evaluate(() => navigator.hardwareConcurrency);
  const started = workers.filter((u) => u.endsWith('/explorer_worker_loader.js')).length;
  assert.equal(started, Math.min(3, Math.max(1, cpus)), `workers: ${workers}`);
  if (cpus >= 2) {
    // Two kernels count states at the same time.
    await page.waitForFunction(() => [...document.querySelectorAll('tr.running')].filter((r) => {
      const cell = r.querySelectorAll('td')[1];
      return cell && parseInt(cell.textContent.replace(/,/g, ''), 10) > 0;
    }).length >= 2, null, { timeout: 20_000 });
  }
  await page.getByRole('button', { name: 'Add page' }).waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await verdicts.filter({ hasText: 'cancelled' }).waitFor();
  assert.doesNotMatch(await verdicts.innerText(), /exploring|waiting/);
  assertClean(app);
});
