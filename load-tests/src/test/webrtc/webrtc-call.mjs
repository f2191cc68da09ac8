#!/usr/bin/env node
// WebRTC SIP test client: a real JsSIP UA in Debian's headless Chromium (fake microphone) registers over a SIP
// WebSocket, places one call, holds it, hangs up and unregisters; prints one JSON line with the outcome of each
// step and exits 0 only when every step succeeded.
//
//   node webrtc-call.mjs --ws ws://127.0.0.1:PORT --aor sip:alice@127.0.0.1 --target sip:bob@127.0.0.1 \
//        [--registrar sip:127.0.0.1] [--hold 3] [--timeout 60] [--expect-incoming INFO] \
//        [--chromium /usr/bin/chromium] [--log-dir DIR]
//
// Exit codes: 0 every step succeeded; 1 a step failed or the overall timeout passed; 2 the environment is
// incomplete (no Chromium, no node_modules, bad arguments). The JSON line is the last line on stdout, also for
// exit codes 1 and 2; everything else goes to stderr. The browser is always closed (also on timeout, SIGTERM and
// SIGINT); nothing here downloads a browser.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.join(HERE, 'node_modules');
const DEFAULT_CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** The flags the machine notes ask for, plus fake media: a fake microphone, and getUserMedia allowed without UI. */
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
];

let printed = false;
function finish(outcome, code) {
  if (!printed) {
    printed = true;
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  }
  process.exitCode = code;
  return code;
}

function environmentFailure(message) {
  process.stderr.write(`webrtc-call: ${message}\n`);
  finish({ ok: false, errors: [message], environment: false }, 2);
  process.exit(2);
}

// ---- arguments ----
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      ws: { type: 'string' },
      aor: { type: 'string' },
      registrar: { type: 'string' },
      target: { type: 'string' },
      hold: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '60' },
      'expect-incoming': { type: 'string', multiple: true, default: [] },
      chromium: { type: 'string', default: DEFAULT_CHROMIUM },
      'log-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (e) {
  environmentFailure(`bad arguments: ${e.message}`);
}
if (args.help) {
  process.stderr.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 14)
    .map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
for (const required of ['ws', 'aor', 'target']) {
  if (!args[required]) {
    environmentFailure(`--${required} is required (see --help)`);
  }
}
if (!/^wss?:\/\/[^/]+/.test(args.ws)) {
  environmentFailure(`--ws must be a ws:// or wss:// URL, not ${args.ws}`);
}
const holdMs = Math.round(Number(args.hold) * 1000);
const timeoutMs = Math.round(Number(args.timeout) * 1000);
if (!(holdMs >= 0) || !(timeoutMs > 0)) {
  environmentFailure(`--hold and --timeout must be numbers of seconds (got ${args.hold}, ${args.timeout})`);
}
const expectIncoming = args['expect-incoming'].flatMap((m) => m.split(',')).map((m) => m.trim().toUpperCase())
  .filter((m) => m);

// ---- environment: node_modules and Chromium, checked before anything starts ----
for (const pkg of ['jssip', 'playwright-core']) {
  if (!fs.existsSync(path.join(NODE_MODULES, pkg, 'package.json'))) {
    environmentFailure(`${path.join(NODE_MODULES, pkg)} is missing: run \`npm ci\` in ${HERE}`);
  }
}
try {
  fs.accessSync(args.chromium, fs.constants.X_OK);
} catch {
  environmentFailure(`Chromium not found at ${args.chromium} (--chromium PATH or CHROMIUM=PATH); install Debian's ` +
    'package: apt-get install -y chromium');
}

const { chromium } = await import('playwright-core');
const { bundle } = await import('./lib/cjs-bundle.mjs');

// ---- the page: served from 127.0.0.1 (a secure context) ----
const jssip = bundle(path.join(NODE_MODULES, 'jssip', 'lib', 'JsSIP.js'), NODE_MODULES, 'JsSIP');
const files = {
  '/': ['text/html', fs.readFileSync(path.join(HERE, 'page', 'index.html'))],
  '/harness.js': ['text/javascript', fs.readFileSync(path.join(HERE, 'page', 'harness.js'))],
  '/jssip.js': ['text/javascript', Buffer.from(jssip.code)],
  '/favicon.ico': ['image/x-icon', Buffer.alloc(0)],
};
const server = http.createServer((req, res) => {
  const file = files[req.url === '/index.html' ? '/' : req.url];
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1]);
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

// ---- run, bounded by the overall timeout ----
const started = Date.now();
const logDir = args['log-dir'] ? path.resolve(args['log-dir']) : null;
if (logDir) {
  fs.mkdirSync(logDir, { recursive: true });
}
const consoleLines = [];
const log = (line) => {
  consoleLines.push(`${new Date().toISOString()} ${line}`);
};
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siplb-webrtc-chromium-'));
let context = null;
let closing = null;

function closeBrowser() {
  if (!closing) {
    closing = (async () => {
      const bounded = (p, ms) => Promise.race([p, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
      const t0 = Date.now();
      if (context) {
        await bounded(context.close().catch((e) => log(`browser close: ${e.message}`)), 10000);
      }
      log(`browser closed in ${Date.now() - t0} ms`);
      server.closeAllConnections();
      await bounded(new Promise((resolve) => server.close(resolve)), 2000);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    })();
  }
  return closing;
}

function writeLogs(outcome, messages) {
  if (!logDir) {
    return;
  }
  try {
    fs.writeFileSync(path.join(logDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
    const trace = (messages || []).map((m) =>
      `---- ${new Date(m.t).toISOString()} ${m.dir === 'out' ? 'sent' : 'received'}\n${m.raw}`).join('\n');
    fs.writeFileSync(path.join(logDir, 'sip-trace.txt'), trace);
    fs.writeFileSync(path.join(logDir, 'result.json'), JSON.stringify(outcome, null, 2) + '\n');
  } catch (e) {
    process.stderr.write(`webrtc-call: cannot write logs to ${logDir}: ${e.message}\n`);
  }
}

function baseOutcome(extra) {
  return {
    ok: false,
    ws: { url: args.ws },
    register: null,
    call: null,
    bye: null,
    unregister: null,
    errors: [],
    ...extra,
  };
}

let timedOut = false;
const overall = setTimeout(async () => {
  timedOut = true;
  const outcome = baseOutcome({ errors: [`overall timeout: not done within ${timeoutMs} ms`] });
  process.stderr.write(`webrtc-call: ${outcome.errors[0]}; closing the browser\n`);
  await closeBrowser();
  writeLogs(outcome, []);
  finish(outcome, 1);
  process.exit(1);
}, timeoutMs);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    const outcome = baseOutcome({ errors: [`stopped by ${signal}`] });
    await closeBrowser();
    finish(outcome, 1);
    process.exit(1);
  });
}

// Step timeouts: each bounded on its own (and by the overall timeout, which bounds them all together).
const budget = timeoutMs;
const stepTimeoutsMs = {
  connect: Math.min(10000, budget),
  register: Math.min(10000, budget),
  call: Math.min(30000, budget),
  bye: Math.min(10000, budget),
};

let outcome;
let messages = [];
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: args.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: Math.min(30000, timeoutMs),
  });
  const browserVersion = context.browser() ? context.browser().version() : null;
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
  await page.goto(pageUrl, { timeout: 15000 });
  await page.waitForFunction(() => window.siplbHarness && window.siplbHarness.ready && window.JsSIP, null,
    { timeout: 15000 });
  const result = await page.evaluate((config) => window.siplbHarness.run(config), {
    wsUrl: args.ws,
    aor: args.aor,
    registrar: args.registrar || null,
    target: args.target,
    holdMs,
    stepTimeoutsMs,
    expectIncoming,
    requireRegister: true,
  });
  messages = result.messages;
  delete result.messages;
  outcome = {
    ...result,
    messages: messages.map((m) => m.status
      ? `${m.dir} ${m.status} ${m.cseqMethod}`
      : `${m.dir} ${m.method}`),
    chromium: browserVersion,
    bundledModules: jssip.modules.length,
  };
} catch (e) {
  outcome = baseOutcome({ errors: [`harness: ${e.message.split('\n')[0]}`] });
}
if (!timedOut) {
  clearTimeout(overall);
  outcome.elapsedMs = Date.now() - started;
  await closeBrowser();
  writeLogs(outcome, messages);
  if (!outcome.ok) {
    process.stderr.write(`webrtc-call: FAILED: ${outcome.errors.join('; ') || 'a step did not succeed'}\n`);
  }
  finish(outcome, outcome.ok ? 0 : 1);
}
