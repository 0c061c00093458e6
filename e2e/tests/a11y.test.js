// axe-core in every mode of the page, the embed and the lecture-hall view
// included: no serious or critical violation. axe-core comes from
// e2e/node_modules (npm), injected through the DevTools protocol, which the
// page's Content-Security-Policy does not govern; no CDN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { openApp, assertClean } from '../lib.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The serious and critical violations axe finds in the page as it is now. */
async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

const MODES = [
  // The race in the middle: a TLBI in flight with its arrows, a DSB's note.
  ['the visualizer mid-race', '#v2/seed-race/dsb/10011', async (page) => {
    await page.getByRole('img', { name: /^tlbi vale1is P from CPU0, in flight to CPU1/ }).waitFor();
  }],
  ['the visualizer after a delivery', '#v2/seed-race/dsb/100d01', null],
  ['the help dialog', '', async (page) => {
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  }],
  ['the lecture-hall view', '?present#v2/seed-race/dsb/1001111111', null],
  ['Compare', '?mode=compare#v2/seed-race/dsb/100', async (page) => {
    await page.getByRole('group', { name: 'Events for both kernels' }).waitFor();
  }],
  ['the lesson', '?mode=lesson', async (page) => {
    await page.getByRole('region', { name: /^Lesson:/ }).waitFor();
  }],
  ['the editor', '?mode=editor', async (page) => {
    await page.getByRole('button', { name: 'Start empty' }).waitFor();
  }],
  ['the embed', '?embed#v2/seed-race/dsb/1001111111', null],
];

for (const [name, path, ready] of MODES) {
  test(`axe-core: no serious or critical violation in ${name}`, async (t) => {
    const app = await openApp(path);
    t.after(() => app.close());
    const { page } = app;
    // Colours at rest, not halfway through an animation.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.getByRole('status').first().waitFor();
    if (ready) await ready(page);
    assert.deepEqual(await axe(page), []);
    assertClean(app);
  });
}

test('the editor\'s inputs all have labels', async (t) => {
  const app = await openApp('?mode=editor');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('button', { name: 'Start empty' }).waitFor();
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('.editor input, .editor select, .editor textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(unlabelled, []);
  assertClean(app);
});
