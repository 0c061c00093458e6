// Sharing: permalinks restore the exact view, embeds work side by side, the
// text export is tlbsim's ladder, SVG and JSON exports are valid and re-import,
// and broken links and files get a clear error while the app keeps working.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, openApp, assertClean, tlbsim } from '../lib.js';

const SCENARIOS = JSON.parse(tlbsim('list', '--json'));
const MITIGATIONS = ['none', 'dsb', 'flush_tlb_mm'];

/** The compact permalink form of a text schedule (`s1,s0` -> `10`). */
function compact(schedule) {
  return schedule
    .split(',')
    .filter(Boolean)
    .map((e) => {
      if (e.startsWith('s')) return e.slice(1);
      const m = /^d(\d)(?:\.(\d+))?>(\d)$/.exec(e);
      return m[2] ? `D${m[1]}${Number(m[2]).toString(36)}${m[3]}` : `d${m[1]}${m[3]}`;
    })
    .join('');
}

async function view(page) {
  await page.getByRole('table', { name: 'CPU0 TLB' }).waitFor();
  const tables = page.getByRole('table', { name: /^CPU\d TLB$/ });
  const out = { tlbs: [], history: await page.getByRole('region', { name: 'History' }).innerText() };
  for (let i = 0; i < (await tables.count()); i++) out.tlbs.push(await tables.nth(i).innerText());
  out.status = await page.getByRole('status').innerText();
  return out;
}


test('a permalink restores the exact view for every scenario, mitigation and position', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  let checked = 0;
  for (const s of SCENARIOS) {
    const events = s.default_schedule.split(',');
    for (const mitigation of MITIGATIONS) {
      for (const at of [0, Math.floor(events.length / 2), events.length]) {
        // Build the view by hand: pick the scenario and kernel, step the CPUs.
        await page.goto('about:blank');
        await page.goto(BASE_URL);
        await page.locator('#scenario-select').selectOption(s.name);
        await page.getByRole('radio', { name: new RegExp(`^${mitigation}\\b`) }).check();
        for (const e of events.slice(0, at)) {
          await page.getByRole('button', { name: `Step CPU${e.slice(1)}`, exact: true }).click();
        }
        const expected = await view(page);
        const url = page.url();
        assert.ok(url.includes(`#v2/${s.name}/${mitigation}/`), url);
        assert.ok(url.length < 500, `${url.length} characters`);
        // A fresh load of that URL shows the same screen.
        await page.goto('about:blank');
        await page.goto(url);
        assert.deepEqual(await view(page), expected, `${s.name} ${mitigation} at ${at}`);
        checked++;
      }
    }
  }
  assert.equal(checked, SCENARIOS.length * MITIGATIONS.length * 3);
  assertClean(app);
});

test('two embeds on one page step independently', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const src = (hash) => `${BASE_URL}?embed#${hash}`;
  // A review page of the same origin (served by the test itself), as a project
  // page that embeds two views would be.
  const html = `<!doctype html><title>review</title>
    <iframe id="a" title="first" width="520" height="420" src="${src('v2/seed-race/dsb/100')}"></iframe>
    <iframe id="b" title="second" width="480" height="360" src="${src('v2/seed-race/flush_tlb_mm/100')}"></iframe>`;
  await app.context.route('**/review.html', (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(new URL('review.html', BASE_URL).href);
  const a = page.frameLocator('#a');
  const b = page.frameLocator('#b');
  await a.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  await b.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  assert.equal(await a.getByRole('link', { name: 'open full view' }).count(), 1);
  const before = await b.getByRole('table', { name: 'CPU1 TLB' }).innerText();
  // mprotect's six steps, then the write.
  for (let i = 0; i < 7; i++) await a.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  await a.getByRole('status').filter({ hasText: 'STALE WRITE:' }).waitFor();
  assert.equal(await b.getByRole('table', { name: 'CPU1 TLB' }).innerText(), before, 'the other embed did not move');
  assert.doesNotMatch(await b.getByRole('status').innerText(), /STALE/);
  await b.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  assert.match(await a.getByRole('status').innerText(), /STALE WRITE/, 'and back');
  assertClean(app);
});

test('"Copy as text" is the ladder tlbsim prints for the same schedule', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page, context } = app;
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const schedule = 's1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0';
  for (const mitigation of ['dsb', 'flush_tlb_mm']) {
    await page.goto('about:blank');
    await page.goto(`${BASE_URL}#v2/seed-race/${mitigation}/${compact(schedule)}`);
    await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
    await page.getByRole('button', { name: 'Copy as text' }).click();
    await page.getByRole('note').filter({ hasText: 'copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const printed = tlbsim('run', 'seed-race', '--mitigation', mitigation, '--schedule', schedule);
    assert.equal(copied, printed);
    for (const line of copied.split('\n')) {
      assert.ok(line.length <= 80, `over 80 columns: ${line}`);
      assert.match(line, /^[\x20-\x7e]*$/, `not ASCII: ${line}`);
    }
  }
  assertClean(app);
});

test('the SVG download is valid SVG with the timeline and the TLBs', async (t) => {
  const app = await openApp('#v2/seed-race/dsb/1001111111');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('table', { name: 'CPU1 TLB' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download SVG' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'tlbrace-seed-race-dsb.svg');
  const svg = readFileSync(await download.path(), 'utf8');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: doc.documentElement.nodeName,
      ns: doc.documentElement.namespaceURI,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
    };
  }, svg);
  assert.equal(parsed.error, null);
  assert.equal(parsed.root, 'svg');
  assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
  assert.ok(parsed.texts.some((t) => t.includes('STALE WRITE')), 'outcome');
  assert.ok(parsed.texts.some((t) => t.includes('STALE')), 'stale TLB entry');
  assertClean(app);
});

test('a JSON export re-imports to the same state, in the browser and in tlbsim', async (t) => {
  // tlb-cost's whole story.
  const app = await openApp('#v2/tlb-cost/flush_tlb_mm/001111111112220000');
  t.after(() => app.close());
  const { page } = app;
  const expected = await view(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download JSON' }).click(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'tlbrace-'));
  const file = join(dir, download.suggestedFilename());
  writeFileSync(file, readFileSync(await download.path()));
  // Somewhere else first, then import the file.
  await page.locator('#scenario-select').selectOption('migration');
  await page.getByRole('table', { name: 'CPU2 TLB' }).waitFor();
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('table', { name: 'CPU2 TLB' }).waitFor({ state: 'visible' });
  await page.getByRole('region', { name: 'History' }).filter({ hasText: '18' }).waitFor();
  assert.deepEqual(await view(page), expected);
  // tlbsim reads the same file and replays the same schedule to the same end.
  const trace = JSON.parse(readFileSync(file, 'utf8'));
  const replay = JSON.parse(tlbsim('run', file, '--json'));
  assert.equal(replay.schedule, trace.schedule);
  assert.deepEqual(replay.machine, trace.machine);
  assert.deepEqual(replay.stats, trace.stats);
  assertClean(app);
});

test('a v1 link made before format 2 opens the same run, translated', async (t) => {
  // The old seed race's 7 events (mprotect was 3 steps then): the stale write.
  const app = await openApp('#v1/seed-race/dsb/1001111');
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('status').filter({ hasText: 'STALE WRITE: thread1 on CPU1 wrote P' }).waitFor();
  const schedule = await page.locator('.history .schedule code').innerText();
  assert.equal(schedule, 's1,s0,s0,s1,s1,s1,s1,s1,s1,s1', 'each v1 step as the steps it became');
  assertClean(app);
});

// Links and files that must each give a clear error and leave the app working.
const BROKEN_LINKS = [
  ['v2/seed-race/dsb/100111100/', 'cursor'],
  // thread1 has eight steps: write, mprotect's six, write.
  ['v2/seed-race/dsb/111111111', "its task's program is finished"],
  ['v2/seed-race/dsb/1x', 'not an event'],
  ['v2/seed-race/dsb/1d0', 'ends inside an event'],
  ['v2/seed-race/dsb/19', 'CPU9 does not exist (this scenario has 2 CPUs)'],
  ['v2/seed-race/dsb/1d0H', 'expected a CPU 0-9, A-C or E-G'],
  ['v2/seed-race/dsb/1/99', 'cursor'],
  ['v2/seed-race/dsb/1/-1', 'cursor'],
  ['v2/seed-race/DSB/1', 'unknown mitigation'],
  ['v2/seed-race/fix/1', 'unknown mitigation'],
  ['v2/seed-rac/dsb/1', 'no built-in scenario'],
  ['v2//dsb/1', 'no built-in scenario'],
  ['v1/seed-rac/dsb/1', 'no built-in scenario'],
  ['v3/seed-race/dsb/1', 'newer tlbrace'],
  ['v9/x/y/z', 'newer tlbrace'],
  ['seed-race/dsb/1', 'expected "v2"'],
  // The URL's own `#` and one more (##v2/...), or three more: refused, as the
  // decoder refuses them (docs/permalinks.md), not opened as v2/...
  ['#v2/seed-race/dsb/1', 'expected "v2"'],
  ['###v1/seed-race/dsb/1', 'expected "v2"'],
  ['v2/seed-race', '4 or 5 parts'],
  ['v2/seed-race/dsb/1/2/3', '4 or 5 parts'],
  ['v2/x.eyJmb3Jt/dsb/', 'inline scenario is invalid'],
  ['v2/x.$$$$/dsb/', 'not valid base64url'],
  ['v2/x.e/dsb/', 'not valid base64url'],
  ['v2/x.__8/dsb/', 'not UTF-8'],
  ['v2/seed-race/dsb/0123', 'cannot happen'],
  ['v2/seed-race/dsb/d01', 'cannot happen'],
];

const BROKEN_FILES = [
  ['empty.json', '', 'line 1'],
  ['garbage.json', '\u0000\u0001binary', 'line 1'],
  ['truncated.json', '{"format": 1, "name": "x", "title"', 'line 1'],
  ['array.json', '[1, 2, 3]', 'a scenario is a JSON object, not an array'],
  ['version.json', null, 'format'],
  ['unknown-op.json', null, 'unknown variant'],
  ['cpu-range.json', null, 'CPU5 does not exist'],
  ['unmapped.json', null, 'is not a page of the mm'],
  ['too-many-cpus.json', null, 'cpus'],
  ['bad-schedule.json', null, 'it spins on ptl@0x400000, which kswapd0 holds'],
];

function brokenFile(name) {
  const base = JSON.parse(tlbsim('run', 'seed-race', '--json')).scenario;
  const edit = {
    'version.json': (s) => ({ ...s, format: 7 }),
    'unknown-op.json': (s) => {
      s.tasks[0].program[0] = { op: 'flush_everything' };
      return s;
    },
    'cpu-range.json': (s) => {
      s.tasks[0].cpu = 5;
      return s;
    },
    'unmapped.json': (s) => {
      s.tasks[1].program[0].page = 'Z';
      return s;
    },
    'too-many-cpus.json': (s) => ({ ...s, cpus: Array(17).fill(s.cpus[1]) }),
    // kswapd0 holds P's page-table lock after its first step: thread1's mprotect
    // cannot take it.
    'bad-schedule.json': (s) => ({ format: 2, scenario: s, mitigation: 'dsb', schedule: 's1,s0,s1' }),
  }[name];
  return JSON.stringify(edit(structuredClone(base)), null, 2);
}

test(`${BROKEN_LINKS.length} broken links and ${BROKEN_FILES.length} broken files each say what is wrong, and the app keeps working`, async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const banner = page.getByRole('alert').filter({ hasText: 'Could not open that' });
  for (const [link, message] of BROKEN_LINKS) {
    // Opened fresh: the default view, plus the banner.
    await page.goto('about:blank');
    await page.goto(`${BASE_URL}#${link}`);
    await banner.waitFor({ timeout: 3000 }).catch(() => assert.fail(`no error banner for ${link}`));
    assert.match(await banner.innerText(), new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), link);
    await page.getByRole('button', { name: 'Step CPU1', exact: true }).click();
    await page.getByRole('region', { name: 'History' }).filter({ hasText: 'write P' }).waitFor();
  }
  // Pasted into an open page: the user's steps are kept.
  await page.goto('about:blank');
  await page.goto(BASE_URL);
  await page.getByRole('button', { name: 'Step CPU1', exact: true }).click();
  await page.getByRole('button', { name: 'Step CPU0', exact: true }).click();
  const kept = await view(page);
  await page.evaluate(() => (location.hash = '#v2/seed-race/dsb/1d0'));
  await banner.waitFor();
  assert.deepEqual((await view(page)).tlbs, kept.tlbs);
  assert.deepEqual((await view(page)).history, kept.history);

  const dir = mkdtempSync(join(tmpdir(), 'tlbrace-broken-'));
  for (const [name, text, message] of BROKEN_FILES) {
    const file = join(dir, name);
    writeFileSync(file, text ?? brokenFile(name));
    await page.getByRole('button', { name: 'Dismiss the error' }).click().catch(() => {});
    await page.locator('input[type=file]').setInputFiles(file);
    await banner.waitFor({ timeout: 3000 }).catch(() => assert.fail(`no error banner for ${name}`));
    const said = await banner.innerText();
    assert.ok(said.includes(name), `${name}: the banner names the file: ${said}`);
    assert.ok(said.includes(message), `${name}: expected ${JSON.stringify(message)} in ${said}`);
    assert.deepEqual((await view(page)).tlbs, kept.tlbs, `${name}: the view is kept`);
  }
  // Still working: CPU0 (which holds the page-table lock) can go on.
  await page.getByRole('button', { name: 'Step CPU0', exact: true }).click();
  await page.getByRole('region', { name: 'History' }).filter({ hasText: 'set_tlb_ubc_flush_pending' }).waitFor();
  assertClean(app);
});
