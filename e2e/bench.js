// Browser benchmarks of the release build: load, step-to-paint, mitigation
// toggle, explorer in wasm, memory. Prints one JSON object on stdout.
// Usage: BASE_URL=http://127.0.0.1:PORT/ node e2e/bench.js [--quick]

import { chromium } from 'playwright-core';
import { BASE_URL, CHROMIUM } from './lib.js';

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/** A fresh browser and page with the HTTP cache off, optionally with an init script. */
async function openApp(path = '', { init = null } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(new URL(path, BASE_URL).href);
  return { page, close: () => browser.close() };
}

const quick = process.argv.includes('--quick');
const LOADS = quick ? 3 : 15;
const STEPS = quick ? 60 : 300;
const TOGGLES = quick ? 20 : 100;
const AUTOPLAY = quick ? 1000 : 10_000;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

function summary(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
  };
}

// Marks the first render of the TLB tables and the first moment a step button is
// enabled, from inside the page, relative to navigation start.
const FIRST_RENDER = () => {
  window.__marks = {};
  const check = () => {
    if (!window.__marks.tables && document.querySelector('table caption')) {
      window.__marks.tables = performance.now();
    }
    const step = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Step CPU0');
    if (!window.__marks.step && step && !step.disabled) window.__marks.step = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
};

async function measureLoads() {
  const tables = [];
  const step = [];
  for (let i = 0; i < LOADS; i++) {
    const app = await openApp('', { init: FIRST_RENDER });
    await app.page.waitForFunction(() => window.__marks?.tables && window.__marks?.step);
    const marks = await app.page.evaluate(() => window.__marks);
    tables.push(marks.tables);
    step.push(marks.step);
    await app.close();
  }
  return { first_render_ms: summary(tables), first_step_ms: summary(step) };
}

// Time from a click to the next animation frame after the DOM changed: the click
// is dispatched inside the page so that no protocol round trip is counted.
async function clickToPaint(page, selectorFn, arg) {
  return page.evaluate(
    ([fnText, a]) =>
      new Promise((resolve) => {
        const target = new Function('a', `return (${fnText})(a)`)(a);
        const start = performance.now();
        target.click();
        // Yew renders before the next frame; rendering steps run after the rAF
        // callbacks, so a task queued from the rAF callback runs once that frame
        // is painted.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
      }),
    [selectorFn.toString(), arg],
  );
}

const STEP_BUTTON = (name) =>
  [...document.querySelectorAll('button')].find((b) => b.textContent === name && !b.disabled) ??
  [...document.querySelectorAll('button')].find((b) => b.textContent === 'Reset');

async function measureSteps() {
  const app = await openApp();
  const { page } = app;
  await page.selectOption('#scenario-select', 'seed-race-4cpu');
  await page.getByRole('table', { name: 'CPU3 TLB' }).waitFor();
  const times = [];
  for (let i = 0; i < STEPS; i++) {
    times.push(await clickToPaint(page, STEP_BUTTON, `Step CPU${i % 4}`));
  }
  const toggles = [];
  const radios = ['none', 'dsb', 'flush_tlb_mm'];
  for (let i = 0; i < TOGGLES; i++) {
    const value = radios[i % 3];
    toggles.push(await clickToPaint(page, (v) => document.querySelector(`input[value="${v}"]`), value));
  }
  const explorer = await page.evaluate(() =>
    [...document.querySelectorAll('.explorer tbody tr')].map((tr) => tr.innerText.split('\t')),
  );
  await app.close();
  return { step_to_paint_ms: summary(times), toggle_to_paint_ms: summary(toggles), explorer_rows: explorer };
}

async function measureMemory() {
  const app = await openApp();
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return { js_heap_bytes: usedSize };
  };
  const wasmMemory = () => page.evaluate(() => globalThis.tlbraceWasmMemoryBytes?.() ?? null);
  const afterLoad = { ...(await heap()), wasm_memory_bytes: await wasmMemory() };
  // Autoplay: play the story, reset, play again, through the page's own buttons.
  let played = 0;
  let at100 = null;
  while (played < AUTOPLAY) {
    const n = await page.evaluate(() => {
      let n = 0;
      for (;;) {
        const step = [...document.querySelectorAll('button')].find(
          (b) => b.textContent.startsWith('Step CPU') && !b.disabled,
        );
        if (!step) break;
        step.click();
        n++;
        if (n >= 50) break;
      }
      if (n === 0) [...document.querySelectorAll('button')].find((b) => b.textContent === 'Reset').click();
      return n;
    });
    played += n;
    if (at100 === null && played >= 100) at100 = { ...(await heap()), wasm_memory_bytes: await wasmMemory() };
  }
  const after = { ...(await heap()), wasm_memory_bytes: await wasmMemory() };
  await app.close();
  return { after_load: afterLoad, after_100_steps: at100, [`after_${AUTOPLAY}_steps`]: after };
}

const result = {
  loads: await measureLoads(),
  interaction: await measureSteps(),
  memory: await measureMemory(),
};
console.log(JSON.stringify(result, null, 2));
