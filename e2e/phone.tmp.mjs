import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu'] });
const [w, h] = (process.env.VP ?? '390x844').split('x').map(Number);
const page = await browser.newPage({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
await page.goto('http://127.0.0.1:8766/' + (process.env.Q ?? ''));
await page.waitForTimeout(1200);
if (process.env.RACE) { await page.getByRole('button', { name: 'Show the race' }).click(); await page.waitForTimeout(900); }
if (process.env.KEY) { await page.keyboard.press(process.env.KEY); await page.waitForTimeout(500); }
await page.screenshot({ path: process.env.SHOT ?? '/tmp/shot.png', fullPage: !!process.env.FULL });
console.log(await page.evaluate(() => {
  const out = [];
  for (const e of document.querySelectorAll('nav button, .mode-switch button, [role=tab]')) { const r = e.getBoundingClientRect(); out.push('nav ' + e.textContent + ' ' + Math.round(r.left) + '..' + Math.round(r.right)); }
  const sizes = {};
  for (const e of document.querySelectorAll('body *')) { if (!e.childNodes.length || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue; const r = e.getBoundingClientRect(); if (!r.width) continue; const fs = getComputedStyle(e).fontSize; sizes[fs] = (sizes[fs] ?? 0) + 1; }
  out.push('font sizes ' + JSON.stringify(sizes));
  out.push('docwidth ' + document.documentElement.scrollWidth);
  return out.join('\n');
}));
await browser.close();
