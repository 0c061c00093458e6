// Takes the screenshots kept in docs/screenshots/: the board (one column per
// CPU, the TLBI arrows, the step sentence) at its start, mid-race (a TLBI in
// flight) and at its outcome (a stale write under dsb), at desktop (1280x800),
// full HD (1920x1080), a 1024x768 projector (normal and ?present) and a phone
// (390x844); the lecture-hall view (?present) at 3840x2160 and 1920x1080; the
// 480x360 and 720x560 embeds. Light theme, motion off (the pictures show the rest state).
// Usage: BASE_URL=http://127.0.0.1:PORT/ node e2e/screenshots.js [out-dir]

import { mkdirSync } from 'node:fs';
import { openApp } from './lib.js';

const out = process.argv[2] ?? new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const RACE = '1001111111';
const SHOTS = [
  // [file, viewport, path, what to do first]
  ['desktop-start', { width: 1280, height: 800 }, '', []],
  ['desktop-mid', { width: 1280, height: 800 }, '#v2/seed-race/dsb/10011', []],
  ['desktop-outcome', { width: 1280, height: 800 }, '', ['Show the race']],
  ['desktop-delivered', { width: 1280, height: 800 }, '#v2/seed-race/dsb/100d01', []],
  ['hd-outcome', { width: 1920, height: 1080 }, '', ['Show the race']],
  ['projector-1024x768', { width: 1024, height: 768 }, `?present#v2/seed-race/dsb/${RACE}`, []],
  ['outcome-1024x768', { width: 1024, height: 768 }, '', ['Show the race']],
  ['present-1920x1080', { width: 1920, height: 1080 }, `?present#v2/seed-race/dsb/${RACE}`, []],
  ['present-3840x2160', { width: 3840, height: 2160 }, `?present#v2/seed-race/dsb/${RACE}`, []],
  ['four-cpus-1280x800', { width: 1280, height: 800 }, '#v2/seed-race-4cpu/dsb/1002', []],
  ['four-cpus-race-1280x800', { width: 1280, height: 800 }, '#v2/seed-race-4cpu/dsb/1002', ['Show the race']],
  ['four-cpus-race-390x844', { width: 390, height: 844 }, '#v2/seed-race-4cpu/dsb/1002', ['Show the race']],
  ['phone-start', { width: 390, height: 844 }, '', []],
  ['phone-outcome', { width: 390, height: 844 }, '', ['Show the race']],
  ['embed-480x360', { width: 480, height: 360 }, `?embed#v2/seed-race/dsb/${RACE}`, []],
  ['embed-720x560', { width: 720, height: 560 }, `?embed#v2/seed-race/dsb/${RACE}`, []],
];

for (const [name, viewport, path, clicks] of SHOTS) {
  const app = await openApp(path, { viewport });
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  for (const button of clicks) await page.getByRole('button', { name: button }).click();
  // The arrows are drawn once the board has measured itself.
  await page.waitForTimeout(300);
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file });
  if (app.consoleErrors.length) throw new Error(`console errors: ${app.consoleErrors}`);
  await app.close();
  console.log(file);
}
