// Takes the x86 screenshots kept in docs/screenshots/: the seed race on x86
// flush_tlb_mm mid-flush (reclaim's try_to_unmap_flush_dirty() has sent CPU1
// a flush IPI and waits for it) at desktop (1280x800) and phone (390x844)
// sizes, and Compare with arm64 dsb beside x86 flush_tlb_mm. Light theme,
// motion off.
// Usage: BASE_URL=http://127.0.0.1:PORT/ node e2e/arch-screenshots.js [out-dir]

import { mkdirSync } from 'node:fs';
import { openApp } from './lib.js';

const out = process.argv[2] ?? new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const MID_FLUSH = '#v2/seed-race/x86.flush_tlb_mm/10011111110';
const SHOTS = [
  ['x86-mid-flush-1280x800', { width: 1280, height: 800 }, MID_FLUSH, null],
  ['x86-mid-flush-390x844', { width: 390, height: 844 }, MID_FLUSH, null],
  ['x86-compare-1280x800', { width: 1280, height: 800 }, '?mode=compare#v2/seed-race/dsb/10011111110', async (page) => {
    await page.getByRole('combobox', { name: 'Right architecture' }).selectOption('x86');
    await page.getByRole('region', { name: 'Right: x86 flush_tlb_mm' }).waitFor();
  }],
];

for (const [name, viewport, path, ready] of SHOTS) {
  const app = await openApp(path, { viewport });
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
  await page.getByRole('table', { name: 'CPU1 TLB' }).first().waitFor();
  if (ready) await ready(page);
  // The arrows are drawn once the board has measured itself.
  await page.waitForTimeout(400);
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file });
  if (app.consoleErrors.length) throw new Error(`console errors: ${app.consoleErrors}`);
  await app.close();
  console.log(file);
}
