// Takes the screenshots of the teaching modes kept in docs/screenshots/: the
// comparison of dsb and flush_tlb_mm after the seed race, a lesson step with its
// question, and the scenario editor, at desktop size (1280x800), light theme.
// Usage: BASE_URL=http://127.0.0.1:PORT/ node e2e/teach-screenshots.js [out-dir]

import { mkdirSync } from 'node:fs';
import { openApp } from './lib.js';

const out = process.argv[2] ?? new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

async function shoot(size, name, prepare) {
  const app = await openApp('', { viewport: SIZES[size] });
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await prepare(page);
  const file = `${out}/${size}-${name}.png`;
  await page.screenshot({ path: file });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > SIZES[size].width) console.log(`${file}: page is ${width}px wide, overflows`);
  if (app.consoleErrors.length) throw new Error(`console errors: ${app.consoleErrors}`);
  await app.close();
  console.log(file);
}

const compare = async (page) => {
  await page.getByRole('button', { name: 'Compare kernels' }).click();
  const next = page.getByRole('button', { name: 'Next event of the story' });
  for (let i = 0; i < 7; i++) await next.click();
  await page.locator('.divergence').evaluate((el) => el.scrollIntoView({ block: 'start' }));
};

const lesson = async (page) => {
  await page.getByRole('button', { name: 'Lesson' }).click();
  // Step 4: the question about CPU1's DSB, answered, its explanation shown.
  const panel = page.getByRole('region', { name: /^Lesson:/ });
  for (let i = 0; i < 3; i++) {
    const check = panel.getByRole('button', { name: 'Check answer' });
    if (await check.count()) {
      await panel.getByRole('radio').nth(2).check();
      await check.click();
    }
    await panel.getByRole('button', { name: /^Next step/ }).click();
  }
  await panel.getByRole('radio').first().check();
  await panel.getByRole('button', { name: 'Check answer' }).click();
  await page.evaluate(() => window.scrollTo(0, 0));
};

const editor = async (page) => {
  await page.getByRole('button', { name: 'Scenario editor' }).click();
  // A validation error beside its field, as the user sees it while typing.
  await page.getByRole('textbox', { name: 'Page 1 name' }).fill('P!');
  await page.getByRole('button', { name: 'Page 1 name' }).count();
};

const only = process.argv[3];
for (const size of Object.keys(SIZES)) {
  for (const [name, prepare] of Object.entries({ compare, lesson, editor })) {
    if (only && only !== name) continue;
    await shoot(size, name, prepare);
  }
}
