// The first vertical slice: both TLBs are shown, and stepping CPU1 in the
// seed-race scenario (its first step writes page P) fills CPU1's TLB with P.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from '../lib.js';

// Rows with a data cell that names page P as a word ("P 0x400000"), matched per
// cell because a row's text runs its cells together ("1P 0x400000…").
function rowsWithP(page, table) {
  return table.getByRole('row').filter({ has: page.getByRole('cell', { name: /\bP\b/ }) });
}

test('stepping CPU1 fills its TLB with an entry for page P', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;

  const cpu0 = page.getByRole('table', { name: 'CPU0 TLB' });
  const cpu1 = page.getByRole('table', { name: 'CPU1 TLB' });
  await cpu0.waitFor();
  await cpu1.waitFor();
  assert.equal(await rowsWithP(page, cpu1).count(), 0, 'CPU1 starts without a P entry');

  await page.getByRole('button', { name: 'Step CPU1' }).click();

  await rowsWithP(page, cpu1).first().waitFor();
  await page.getByRole('status').first().waitFor({ state: 'attached' });

  assert.deepEqual(app.consoleErrors, [], 'console errors');
  assert.deepEqual(app.foreignRequests, [], 'requests to another origin');
  assert.deepEqual(app.badResponses, [], 'failed responses');
});
