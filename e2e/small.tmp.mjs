import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
const [w, h] = (process.env.VP ?? '390x844').split('x').map(Number);
const page = await browser.newPage({ viewport: { width: w, height: h } });
await page.goto('http://127.0.0.1:8766/' + (process.env.Q ?? ''));
await page.waitForTimeout(1500);
console.log(await page.evaluate((min) => {
  const seen = {};
  for (const e of document.querySelectorAll('body *')) { if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue; const r = e.getBoundingClientRect(); if (!r.width || r.width < 2) continue; const fs = parseFloat(getComputedStyle(e).fontSize); if (fs >= min) continue; const k = e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ' ' + fs.toFixed(1) + (r.top < innerHeight ? ' (first screen)' : ''); seen[k] = (seen[k] ?? 0) + 1; }
  return Object.entries(seen).map(([k, v]) => v + ' ' + k).join('\n');
}, Number(process.env.MIN ?? 12)));
await browser.close();
