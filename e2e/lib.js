// Helpers for the end-to-end tests: a headless /usr/bin/chromium driven by
// playwright-core, pointed at the app that `cargo xtask test` serves on 127.0.0.1.
//
// Every page records its console errors, uncaught exceptions, failed responses
// and any request to another origin (which is blocked, so a test can never reach
// the network); tests assert these lists are empty.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** The app's URL; `cargo xtask test` sets it to its own loopback server. */
export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080/';

/** The browser binary: Debian's package, never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';

// Root needs --no-sandbox; the rest keeps Chromium from calling home.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** How long a lookup may wait for the app before the test fails. */
const TIMEOUT_MS = 10_000;

/**
 * Launches headless Chromium with a fresh context and opens `path` (relative to
 * BASE_URL). Returns { browser, context, page, consoleErrors, foreignRequests,
 * badResponses, close }; call close() when done (e.g. with t.after).
 */
export async function openApp(path = '', { viewport = { width: 1280, height: 800 } } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  try {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(TIMEOUT_MS);
    const origin = new URL(BASE_URL).origin;
    const consoleErrors = [];
    const foreignRequests = [];
    const badResponses = [];

    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      foreignRequests.push(url);
      return route.abort('blockedbyclient');
    });

    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) badResponses.push(`${res.status()} ${res.url()}`);
    });

    await page.goto(new URL(path, BASE_URL).href);
    return {
      browser,
      context,
      page,
      consoleErrors,
      foreignRequests,
      badResponses,
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Asserts that the page logged no error, asked no other origin, and got no failed response. */
export function assertClean(app) {
  assert.deepEqual(app.consoleErrors, [], 'console errors');
  assert.deepEqual(app.foreignRequests, [], 'requests to another origin');
  assert.deepEqual(app.badResponses, [], 'failed responses');
}

/**
 * The scenario file of the seed race's family member with `cpus` CPUs (as
 * sim-core's `scenario::family`): seed-race plus a thread on each further CPU
 * writing P twice.
 */
export function familyScenario(cpus) {
  const url = new URL('../sim-core/scenarios/seed-race.json', import.meta.url);
  const scenario = JSON.parse(readFileSync(url, 'utf8'));
  for (let c = 2; c < cpus; c++) {
    scenario.cpus.push({ tlb: [] });
    scenario.tasks.push({
      name: `thread${c}`,
      role: 'writes P',
      cpu: c,
      program: [
        { op: 'write', page: 'P', value: c * 10 },
        { op: 'write', page: 'P', value: c * 10 + 1 },
      ],
    });
  }
  scenario.name = `family-${cpus}`;
  scenario.default_schedule = '';
  return scenario;
}

/** Runs the tlbsim CLI (built by the native test layer) and returns its stdout. */
export function tlbsim(...args) {
  return execFileSync('cargo', ['run', '--quiet', '-p', 'sim-core', '--bin', 'tlbsim', '--', ...args], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
  });
}
