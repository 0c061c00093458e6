// Takes the screenshots kept in docs/screenshots/: the seed race at its start,
// mid-race (a TLBI in flight) and at its outcome (a stale write under dsb), at
// desktop (1280x800) and phone (390x844) size, light theme.
// Usage: BASE_URL=http://127.0.0.1:PORT/ node e2e/screenshots.js [out-dir]

import { mkdirSync } from 'node:fs';
import { openApp } from './lib.js';

const out = process.argv[2] ?? new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const STATES = {
  start: { steps: [], focus: null },
  mid: { steps: ['1', '0', '0', '1'], focus: '.inflight' },
  outcome: { steps: ['1', '0', '0', '1', '1', '1', '1', '1', '1', '1'], focus: '[role=status]' },
};

for (const [size, viewport] of Object.entries(SIZES)) {
  for (const [name, { steps, focus }] of Object.entries(STATES)) {
    const app = await openApp('', { viewport });
    const { page } = app;
    await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
    await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
    for (const cpu of steps) {
      await page.getByRole('button', { name: `Step CPU${cpu}`, exact: true }).click();
    }
    if (focus && size === 'phone') {
      await page.locator(focus).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
    }
    const file = `${out}/${size}-${name}.png`;
    await page.screenshot({ path: file });
    if (app.consoleErrors.length) throw new Error(`console errors: ${app.consoleErrors}`);
    await app.close();
    console.log(file);
  }
}

// The embed mode, as an iframe in a review thread shows it.
for (const [name, viewport, hash] of [
  ['embed-720x560', { width: 720, height: 560 }, 'v2/seed-race/dsb/1001111111'],
  ['embed-480x360', { width: 480, height: 360 }, 'v2/seed-race/dsb/100'],
]) {
  const app = await openApp(`?embed#${hash}`, { viewport });
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file });
  if (app.consoleErrors.length) throw new Error(`console errors: ${app.consoleErrors}`);
  await app.close();
  console.log(file);
}
