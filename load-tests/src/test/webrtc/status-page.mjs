#!/usr/bin/env node
// siplb's status page in Debian's headless Chromium (playwright-core): opens http://ADMIN/ , checks that the page
// asks for the admin token and shows nothing without it, enters the token, waits until every --expect URI shows
// "active", prints {"step":"ready"} and waits until --down URI turns down on the page (the test kills that
// backend), then clicks Drain on --drain URI and waits for "draining"; prints one JSON line with what it saw and
// exits 0 only when every step succeeded.
//
//   node status-page.mjs --admin http://127.0.0.1:PORT --token TOKEN --expect URI [--expect URI...] \
//        --down URI --drain URI [--timeout 60] [--chromium /usr/bin/chromium] [--log-dir DIR]
//
// Exit codes: 0 every step succeeded; 1 a step failed or the timeout passed; 2 the environment is incomplete
// (no Chromium, no node_modules, bad arguments). Progress lines {"step": ...} and the final JSON line go to
// stdout; the final line is the last one. The browser is always closed (also on timeout, SIGTERM, SIGINT).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.join(HERE, 'node_modules');
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function line(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function environmentFailure(message) {
  process.stderr.write(`status-page: ${message}\n`);
  line({ ok: false, errors: [message], environment: false });
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      admin: { type: 'string' },
      token: { type: 'string' },
      expect: { type: 'string', multiple: true, default: [] },
      down: { type: 'string' },
      drain: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
      'log-dir': { type: 'string' },
    },
    strict: true,
  }));
} catch (e) {
  environmentFailure(`bad arguments: ${e.message}`);
}
for (const required of ['admin', 'token', 'down', 'drain']) {
  if (!args[required]) {
    environmentFailure(`--${required} is required`);
  }
}
if (!/^http:\/\/(127\.[0-9.]+|\[::1\]):[0-9]+$/.test(args.admin)) {
  environmentFailure(`--admin must be http://127.x.x.x:PORT or http://[::1]:PORT (loopback), not ${args.admin}`);
}
const timeoutMs = Math.round(Number(args.timeout) * 1000);
if (!(timeoutMs > 0)) {
  environmentFailure(`--timeout must be a number of seconds (got ${args.timeout})`);
}
if (!fs.existsSync(path.join(NODE_MODULES, 'playwright-core', 'package.json'))) {
  environmentFailure(`${path.join(NODE_MODULES, 'playwright-core')} is missing: run \`npm ci\` in ${HERE}`);
}
try {
  fs.accessSync(args.chromium, fs.constants.X_OK);
} catch {
  environmentFailure(`Chromium not found at ${args.chromium} (--chromium PATH or CHROMIUM=PATH); install Debian's ` +
    'package: apt-get install -y chromium');
}

const { chromium } = await import('playwright-core');

const logDir = args['log-dir'] ? path.resolve(args['log-dir']) : null;
if (logDir) {
  fs.mkdirSync(logDir, { recursive: true });
}
const consoleLines = [];
const log = (text) => consoleLines.push(`${new Date().toISOString()} ${text}`);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siplb-status-chromium-'));
let context = null;
let closing = null;

function closeBrowser() {
  if (!closing) {
    closing = (async () => {
      if (context) {
        await Promise.race([context.close().catch((e) => log(`browser close: ${e.message}`)),
          new Promise((resolve) => setTimeout(resolve, 10000).unref())]);
      }
      fs.rmSync(userDataDir, { recursive: true, force: true });
      if (logDir) {
        fs.writeFileSync(path.join(logDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
      }
    })();
  }
  return closing;
}

async function end(outcome, code) {
  await closeBrowser();
  if (logDir) {
    fs.writeFileSync(path.join(logDir, 'result.json'), JSON.stringify(outcome, null, 2) + '\n');
  }
  line(outcome);
  process.exit(code);
}

const outcome = { ok: false, askedForToken: false, rowsWithoutToken: -1, seen: [], down: null, drained: null,
  errors: [] };
const overall = setTimeout(() => {
  outcome.errors.push(`timeout: not done within ${timeoutMs} ms`);
  end(outcome, 1);
}, timeoutMs);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    outcome.errors.push(`stopped by ${signal}`);
    end(outcome, 1);
  });
}

/** The state the page shows for {@code uri}, or null when there is no row. */
async function stateOf(page, uri) {
  return page.evaluate((u) => {
    for (const tr of document.querySelectorAll('tr[data-uri]')) {
      if (tr.dataset.uri === u) {
        return tr.querySelector('.state').textContent;
      }
    }
    return null;
  }, uri);
}

/** Waits (polling every 100 ms, bounded by the overall timeout) until {@code test} holds. */
async function until(what, test) {
  for (;;) {
    if (await test()) {
      return;
    }
    if (closing) {
      throw new Error(`stopped while waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: args.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: Math.min(30000, timeoutMs),
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => { log(`pageerror: ${e.message}`); outcome.errors.push(`page error: ${e.message}`); });
  // Only the admin listener: the page must load nothing from anywhere else.
  page.on('request', (r) => {
    if (!r.url().startsWith(`${args.admin}/`)) {
      outcome.errors.push(`the page requested ${r.url()}`);
    }
  });
  await page.goto(`${args.admin}/`);

  // Without the token: the page asks for it and shows no destination.
  await until('the token prompt', async () => page.isVisible('#token-form'));
  outcome.askedForToken = true;
  outcome.rowsWithoutToken = await page.locator('tr[data-uri]').count();
  await page.fill('#token', args.token);
  await page.click('#token-save');

  await until('every expected destination active', async () => {
    for (const uri of args.expect) {
      if (await stateOf(page, uri) !== 'active') {
        return false;
      }
    }
    return true;
  });
  outcome.seen = await page.evaluate(() => Array.from(document.querySelectorAll('tr[data-uri]'), (tr) => ({
    set: tr.dataset.set, uri: tr.dataset.uri, state: tr.querySelector('.state').textContent,
    flags: tr.querySelector('.flags').textContent,
  })));
  if (logDir) {
    await page.screenshot({ path: path.join(logDir, 'status-page.png'), fullPage: true });
  }
  line({ step: 'ready' });

  await until(`${args.down} down`, async () => ['probing', 'inactive'].includes(await stateOf(page, args.down)));
  outcome.down = {
    state: await stateOf(page, args.down),
    flags: await page.locator(`tr[data-uri="${args.down}"] .flags`).textContent(),
  };
  line({ step: 'down', ...outcome.down });
  if (logDir) {
    await page.screenshot({ path: path.join(logDir, 'status-page-down.png'), fullPage: true });
  }

  await page.click(`tr[data-uri="${args.drain}"] button.drain`);
  await until(`${args.drain} draining`, async () => await stateOf(page, args.drain) === 'draining');
  outcome.drained = {
    state: await stateOf(page, args.drain),
    message: await page.textContent('#message'),
    token: await page.evaluate(() => sessionStorage.getItem('siplb.admin.token') !== null),
  };
  clearTimeout(overall);
  outcome.ok = outcome.errors.length === 0 && outcome.rowsWithoutToken === 0;
  await end(outcome, outcome.ok ? 0 : 1);
} catch (e) {
  outcome.errors.push(e.message);
  clearTimeout(overall);
  await end(outcome, 1);
}
