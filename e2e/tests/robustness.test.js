// When the app cannot start, the page says so instead of staying blank.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from '../lib.js';

test('a wasm module that fails to load shows a visible message with a reload link', async (t) => {
  const app = await openApp('about:blank');
  t.after(() => app.close());
  const { page, context } = app;
  await context.route('**/frontend_bg.wasm', (route) =>
    route.fulfill({ status: 200, contentType: 'application/wasm', body: Buffer.from('not wasm') }),
  );
  await page.goto(new URL('./', process.env.BASE_URL ?? 'http://127.0.0.1:8080/').href);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /could not start/);
  assert.equal(await alert.getByRole('link', { name: 'Reload the page' }).count(), 1);
});
