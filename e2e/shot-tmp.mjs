import { chromium } from 'playwright-core';
const [url, out, w, h, action] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
const p = await b.newPage({ viewport: { width: +w, height: +h } });
await p.goto(url);
await p.getByRole('button', { name: /Step CPU0/ }).first().waitFor();
if (action === 'scale16') {
  await p.getByRole('combobox', { name: 'Scenario' }).selectOption('scale-16');
  await p.waitForTimeout(3000);
}
await p.screenshot({ path: out, fullPage: action === 'full' });
await b.close();
