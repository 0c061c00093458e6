// The URL holds the mode and the lesson's step: browser Back and Forward move
// between modes, lesson steps, scenarios picked and races shown instead of
// leaving the app, and steps taken in the visualizer do not add history entries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, assertClean } from '../lib.js';

test('Back and Forward move between modes and lesson steps, not out of the app', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const step1 = page.getByRole('button', { name: 'Step CPU1', exact: true });
  await step1.click();
  await page.getByRole('button', { name: 'Step CPU0', exact: true }).click();
  const hash = await page.evaluate(() => location.hash);

  await page.getByRole('button', { name: 'Compare kernels', exact: true }).click();
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  await page.getByRole('button', { name: 'Lesson', exact: true }).click();
  const heading = page.getByRole('region', { name: /^Lesson:/ }).getByRole('heading', { level: 3 });
  await heading.filter({ hasText: /^Step 1 of/ }).waitFor();
  await page.getByRole('button', { name: 'Next step \u25B6' }).click();
  await heading.filter({ hasText: /^Step 2 of/ }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('step'), '2');

  await page.goBack();
  await heading.filter({ hasText: /^Step 1 of/ }).waitFor();
  await page.goBack();
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('mode'), 'compare');
  await page.goBack();
  // The visualizer, with the two steps taken before: steps added no entries.
  await step1.waitFor();
  assert.equal(new URL(page.url()).searchParams.get('mode'), null);
  assert.equal(await page.evaluate(() => location.hash), hash);
  await page.getByRole('region', { name: 'History' }).filter({ hasText: 'try_to_unmap_one(P)' }).waitFor();

  await page.goForward();
  await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  await page.goForward();
  await heading.filter({ hasText: /^Step 1 of/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Lesson', exact: true }).getAttribute('aria-pressed'), 'true');
  assertClean(app);
});

test('after Back and Forward the scenario picker shows the scenario on the board', async (t) => {
  const app = await openApp('#v2/migration/dsb/');
  t.after(() => app.close());
  const { page } = app;
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  const shows = (name) =>
    page.waitForFunction((n) => document.querySelector('#scenario-select')?.value === n, name);
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  // A link followed inside the page adds a history entry.
  await page.goto(new URL('#v2/two-reclaimers/dsb/', page.url()).href);
  await shows('two-reclaimers');
  // Picked by hand: from here the browser ignores the options' `selected`.
  // Another scenario is a history entry of its own.
  await picker.selectOption('same-cpu');
  await page.waitForFunction(() => location.hash.includes('same-cpu'));
  await page.goBack();
  await page.waitForFunction(() => location.hash.includes('two-reclaimers'));
  await shows('two-reclaimers');
  await page.goBack();
  await page.waitForFunction(() => location.hash.includes('migration'));
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await shows('migration');
  await page.goForward();
  await page.waitForFunction(() => !location.hash.includes('migration'));
  const hash = await page.evaluate(() => location.hash);
  await shows(hash.split('/')[1]);
  assertClean(app);
});

test('Back returns from a race shown and from a scenario picked; steps add no entry', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await picker.selectOption('munmap-race');
  await page.waitForFunction(() => location.hash.includes('munmap-race'));
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  const stepped = await page.evaluate(() => location.hash);
  await page.getByRole('button', { name: 'Show the race' }).click();
  await page.waitForFunction((h) => location.hash !== h && location.hash.includes('munmap-race'), stepped);
  await page.getByRole('status').filter({ hasText: /STALE WRITE:|ACCESS AFTER UNMAP:|LOST WRITE:/ }).first().waitFor();
  await page.goBack();
  // The view before the race: the one step taken, not the page before the app.
  await page.waitForFunction((h) => location.hash === h, stepped);
  await page.getByRole('region', { name: 'History' }).filter({ hasText: /CPU1/ }).waitFor();
  await page.goBack();
  await page.waitForFunction(() => !location.hash.includes('munmap-race'));
  assert.equal(await picker.inputValue(), 'seed-race');
  await page.goForward();
  await page.waitForFunction(() => location.hash.includes('munmap-race'));
  assert.equal(await picker.inputValue(), 'munmap-race');
  assertClean(app);
});

test('Back after Reset brings the view back; a file opened and a pick after a broken link are entries', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await page.getByRole('button', { name: 'Show the race' }).click();
  await page.getByRole('status').filter({ hasText: 'STALE WRITE:' }).waitFor();
  const race = await page.evaluate(() => location.hash);
  await page.keyboard.press('r');
  await page.waitForFunction((h) => location.hash !== h, race);
  await page.goBack();
  await page.waitForFunction((h) => location.hash === h, race);
  await page.getByRole('status').filter({ hasText: 'STALE WRITE:' }).waitFor();

  // A scenario file opened from the share bar: Back returns to the race.
  const file = join(mkdtempSync(join(tmpdir(), 'tlbrace-history-')), 'mremap-race.json');
  writeFileSync(file, readFileSync(new URL('../../sim-core/scenarios/mremap-race.json', import.meta.url)));
  await page.locator('input[type=file]').first().setInputFiles(file);
  await page.waitForFunction((h) => location.hash !== h, race);
  await page.goBack();
  await page.waitForFunction((h) => location.hash === h, race);

  // A broken link, then a scenario picked: the URL follows the pick at once,
  // and Back returns to the broken link's entry.
  await page.goto(new URL('#v2/no-such-scenario/dsb/', page.url()).href);
  await page.getByRole('alert').waitFor();
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('munmap-race');
  await page.waitForFunction(() => location.hash.includes('munmap-race'));
  assert.equal(await page.getByRole('alert').count(), 0, 'the error banner is gone');
  await page.goBack();
  await page.waitForFunction(() => location.hash.includes('no-such-scenario'));
  assertClean(app);
});
