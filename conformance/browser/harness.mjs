// Harness for driving Tartan's local Plaid Link through a real headless Chromium.
//
// - startTartan(): `tartan serve --ephemeral` on a free loopback port, ready once
//   GET /tartan/health answers (same contract as conformance/node's harness).
// - Tenant: a fresh client_id on that server, with helpers for Plaid's API.
// - startAppServer(): a tiny app on 127.0.0.1 (node:http) whose page loads Tartan's
//   link-initialize.js, reads the link token from its query string (or, back from an
//   OAuth bank, from sessionStorage) and records every callback in window.__link.
// - launchBrowser(): Chromium from $CHROMIUM or /usr/bin/chromium, headless, --no-sandbox.
// - LinkDriver: the Link iframe of one page: wait for a data-view, click, type, and a
//   screenshot of every pane (screenshots/<test>-<nn>-<view>.png).
//
// Nothing here sleeps on wall time: every wait is for a DOM or page condition, with a timeout.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import puppeteer from 'puppeteer-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const SCREENSHOT_DIR = path.join(HERE, 'screenshots');
const STARTUP_DEADLINE_MS = 30_000;
// A generous bound for one UI step on a debug build on a 2-core machine.
export const STEP_TIMEOUT_MS = Number(process.env.LINK_STEP_TIMEOUT_MS || 15_000);

export const LINK_IFRAME = 'iframe[id^="plaid-link-iframe-"]';
export const FIRST_PLATYPUS = { institution_id: 'ins_109508', name: 'First Platypus Bank' };
export const PLATYPUS_OAUTH = { institution_id: 'ins_127287', name: 'Platypus OAuth Bank' };
export const UNSUPPORTED = { institution_id: 'ins_133402', name: 'Unsupported Platypus Bank - Institution Not Supported' };

// ---------------------------------------------------------------------------------------
// Tartan

// The Node SDK suite's launcher: `tartan serve --ephemeral` on a free loopback port.
import { startTartan, tartanBinary } from '../node/harness/tartan.mjs';

export { startTartan, tartanBinary };

// One client_id on a Tartan server. Plaid calls authenticate with the PLAID-CLIENT-ID /
// PLAID-SECRET headers; the session API (/tartan/link/sessions/...) with the link token.
export class Tenant {
  constructor(baseUrl, label) {
    this.baseUrl = baseUrl;
    this.clientId = `browser_${label.replace(/[^a-z0-9]+/gi, '_')}_${randomUUID().slice(0, 8)}`;
    this.secret = `secret_${randomUUID()}`;
  }

  // Any HTTP call; returns {status, body} and never throws on a Plaid error.
  async request(method, urlPath, body, { auth = true } = {}) {
    const headers = {};
    if (auth) {
      headers['PLAID-CLIENT-ID'] = this.clientId;
      headers['PLAID-SECRET'] = this.secret;
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(this.baseUrl + urlPath, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }

  // A call that must answer 200; the assertion message carries the server's answer.
  async post(urlPath, body = {}) {
    const { status, body: payload } = await this.request('POST', urlPath, body);
    assert.equal(status, 200, `POST ${urlPath} ${JSON.stringify(body)} -> HTTP ${status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  async get(urlPath, { auth = true } = {}) {
    const { status, body: payload } = await this.request('GET', urlPath, undefined, { auth });
    assert.equal(status, 200, `GET ${urlPath} -> HTTP ${status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  async linkToken(options = {}) {
    const body = {
      client_name: 'Tartan Browser Tests',
      user: { client_user_id: `user-${randomUUID().slice(0, 8)}` },
      country_codes: ['US'],
      language: 'en',
      ...options,
    };
    if (!('products' in body) && !body.access_token) body.products = ['transactions'];
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    return (await this.post('/link/token/create', body)).link_token;
  }

  async exchange(publicToken) {
    return this.post('/item/public_token/exchange', { public_token: publicToken });
  }

  // An Item made without Link (Sandbox shortcut), for the update-mode tests.
  async sandboxItem(institutionId = FIRST_PLATYPUS.institution_id, products = ['transactions']) {
    const { public_token: publicToken } = await this.post('/sandbox/public_token/create', {
      institution_id: institutionId,
      initial_products: products,
    });
    const { access_token: accessToken, item_id: itemId } = await this.exchange(publicToken);
    return { accessToken, itemId };
  }

  async accounts(accessToken) {
    return this.post('/accounts/get', { access_token: accessToken });
  }

  async item(accessToken) {
    return (await this.post('/item/get', { access_token: accessToken })).item;
  }

  async linkTokenGet(linkToken) {
    return this.post('/link/token/get', { link_token: linkToken });
  }

  async session(linkSessionId, linkToken) {
    return this.get(
      `/tartan/link/sessions/${encodeURIComponent(linkSessionId)}?link_token=${encodeURIComponent(linkToken)}`,
      { auth: false },
    );
  }
}

// ---------------------------------------------------------------------------------------
// The app under test: a page that uses Link as Plaid's docs describe.

function appPage(tartanUrl) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tartan Link test app</title>
<style>
  body { font: 16px system-ui, sans-serif; margin: 2rem; background: #f4f1ea; color: #222; }
  button { font: inherit; padding: .6rem 1.2rem; }
</style>
<script src="${tartanUrl}/link/v2/stable/link-initialize.js"></script>
</head>
<body>
<h1>Acme Budget</h1>
<p>Connect your bank to get started.</p>
<button id="open-link" type="button">Connect a bank</button>
<pre id="status"></pre>
<script>
  (function () {
    // Callbacks of this page; earlier pages of the same tab (before an OAuth redirect)
    // are kept in sessionStorage and shown as window.__linkBefore.
    var before = JSON.parse(sessionStorage.getItem('__link_pages') || '[]');
    window.__linkBefore = before;
    window.__link = { events: [], success: null, exit: null, loaded: false, created: false, error: null };
    function save() {
      sessionStorage.setItem('__link_pages', JSON.stringify(before.concat([window.__link])));
      document.getElementById('status').textContent = JSON.stringify(
        { events: window.__link.events.map(function (e) { return e.name; }),
          success: !!window.__link.success, exit: !!window.__link.exit }, null, 1);
    }
    var params = new URLSearchParams(location.search);
    var token = params.get('token');
    if (token) sessionStorage.setItem('__link_token', token);
    else token = sessionStorage.getItem('__link_token');
    var oauthReturn = params.has('oauth_state_id');
    var config = {
      token: token,
      onSuccess: function (publicToken, metadata) {
        window.__link.success = { public_token: publicToken, metadata: metadata };
        save();
      },
      onExit: function (error, metadata) {
        window.__link.exit = { error: error, metadata: metadata };
        save();
      },
      onEvent: function (eventName, metadata) {
        window.__link.events.push({ name: eventName, metadata: metadata });
        save();
      },
      onLoad: function () {
        window.__link.loaded = true;
        save();
      },
    };
    if (oauthReturn) config.receivedRedirectUri = location.href;
    try {
      window.__handler = window.Plaid.create(config);
      window.__link.created = true;
    } catch (err) {
      window.__link.error = String(err && err.stack || err);
    }
    save();
    document.getElementById('open-link').addEventListener('click', function () {
      window.__openedAt = performance.now();
      window.__handler.open();
    });
    if (oauthReturn && window.__handler) window.__handler.open();
  })();
</script>
</body>
</html>
`;
}

function reactPage(tartanUrl) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tartan Link React app</title>
<style>body { font: 16px system-ui, sans-serif; margin: 2rem; background: #eef2f6; }</style>
</head>
<body><div id="root"></div><script src="/react-app.js"></script></body>
</html>
`;
}

// Serves the app on 127.0.0.1:<free port>. `/` and `/oauth-return` are the app page;
// `/react` the React app (its bundle set with setReactBundle()).
export async function startAppServer(tartanUrl) {
  let reactBundle = null;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://app.invalid');
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/' || url.pathname === '/oauth-return') return send(200, 'text/html; charset=utf-8', appPage(tartanUrl));
    if (url.pathname === '/react') return send(200, 'text/html; charset=utf-8', reactPage(tartanUrl));
    if (url.pathname === '/react-app.js' && reactBundle) return send(200, 'text/javascript; charset=utf-8', reactBundle);
    if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
    return send(404, 'text/plain', 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    redirectUri: `${origin}/oauth-return`,
    url: (token) => `${origin}/?token=${encodeURIComponent(token)}`,
    reactUrl: (token) => `${origin}/react?token=${encodeURIComponent(token)}`,
    setReactBundle: (code) => {
      reactBundle = code;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---------------------------------------------------------------------------------------
// Chromium

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

export async function launchBrowser() {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: set CHROMIUM or install Debian\'s chromium');
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      // Headless pages in other contexts count as hidden; do not throttle their frames.
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
    ],
    defaultViewport: { width: 1024, height: 768 },
  });
}

// Everything one test needs: Tartan, the app server, Chromium. One per test file.
export async function startWorld() {
  const tartan = await startTartan();
  let app;
  let browser;
  try {
    app = await startAppServer(tartan.baseUrl);
    browser = await launchBrowser();
  } catch (err) {
    await app?.close();
    await tartan.stop();
    throw err;
  }
  return {
    tartan,
    app,
    browser,
    async stop() {
      await browser.close().catch(() => {});
      await app.close();
      await tartan.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------
// Pages and the Link frame

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

// A page in its own browser context, recording uncaught errors of the page and its frames.
export async function newPage(world, testName) {
  const context = await world.browser.createBrowserContext();
  const page = await context.newPage();
  const shots = new Screenshots(testName);
  const problems = watchPage(page);
  return { context, page, shots, problems, close: () => context.close().catch(() => {}) };
}

export function watchPage(page) {
  const problems = { pageErrors: [], consoleErrors: [], failedRequests: [] };
  page.on('pageerror', (err) => problems.pageErrors.push(`${page.url()}: ${err?.message ?? err}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(`${msg.location()?.url ?? page.url()}: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  return problems;
}

export class Screenshots {
  constructor(testName) {
    this.prefix = slug(testName);
    this.count = 0;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // Drop this test's screenshots from an earlier run, so the folder shows this run only.
    const mine = new RegExp(`^${this.prefix}-\\d{2}-.*\\.png$`);
    for (const file of readdirSync(SCREENSHOT_DIR)) if (mine.test(file)) rmSync(path.join(SCREENSHOT_DIR, file), { force: true });
  }

  async take(page, label) {
    this.count += 1;
    const file = path.join(SCREENSHOT_DIR, `${this.prefix}-${String(this.count).padStart(2, '0')}-${slug(label)}.png`);
    await page.screenshot({ path: file });
    return file;
  }
}

// The Link iframe of `page`, re-found on every call (it may be created late or replaced).
export class LinkDriver {
  constructor(page, shots) {
    this.page = page;
    this.shots = shots;
    this.seen = []; // every view waitForView saw, in order
  }

  async frame({ timeout = STEP_TIMEOUT_MS } = {}) {
    const handle = await this.page.waitForSelector(LINK_IFRAME, { timeout });
    const frame = await handle.contentFrame();
    assert.ok(frame, 'the Link iframe has no content frame');
    return frame;
  }

  // Waits until Link shows one of `views` and no call is in flight; screenshots it.
  async waitForView(views, { timeout = STEP_TIMEOUT_MS, shot = true } = {}) {
    const wanted = Array.isArray(views) ? views : [views];
    const frame = await this.frame({ timeout });
    let view;
    try {
      const handle = await frame.waitForFunction(
        (list) => {
          const app = document.querySelector('main#app');
          if (!app || app.dataset.busy === 'true') return false;
          return list.includes(app.dataset.view) ? app.dataset.view : false;
        },
        { timeout },
        wanted,
      );
      view = await handle.jsonValue();
    } catch (err) {
      throw new Error(`Link did not show ${wanted.join(' | ')} within ${timeout} ms; it shows ${await this.describe()} (${err.message})`);
    }
    // The modal has to be on screen for a person to use it.
    await this.page.waitForFunction(
      (selector) => {
        const el = document.querySelector(selector);
        if (!el) return false;
        const rect = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
      },
      { timeout },
      LINK_IFRAME,
    );
    this.seen.push(view);
    if (shot) await this.shots.take(this.page, view);
    return view;
  }

  // What Link shows now, for failure messages.
  async describe() {
    try {
      const handle = await this.page.$(LINK_IFRAME);
      if (!handle) return 'no Link iframe';
      const frame = await handle.contentFrame();
      if (!frame) return 'an iframe without a frame';
      return await frame.evaluate(() => {
        const app = document.querySelector('main#app');
        if (!app) return `no main#app (${document.location.href}: ${document.body?.innerText?.slice(0, 300)})`;
        const err = app.querySelector('[data-testid="error"]');
        return `view=${app.dataset.view} busy=${app.dataset.busy ?? ''}${err ? ` error="${err.textContent.trim()}"` : ''} text="${app.innerText.replace(/\s+/g, ' ').slice(0, 300)}"`;
      });
    } catch (err) {
      return `(could not read the Link frame: ${err.message})`;
    }
  }

  async view() {
    const frame = await this.frame();
    return frame.$eval('main#app', (app) => app.dataset.view);
  }

  async click(selector, { timeout = STEP_TIMEOUT_MS } = {}) {
    const frame = await this.frame();
    const el = await frame.waitForSelector(selector, { visible: true, timeout }).catch(async (err) => {
      throw new Error(`no visible ${selector} in Link; it shows ${await this.describe()} (${err.message})`);
    });
    await el.click();
  }

  // Replaces the field's value by typing, as a person would.
  async type(selector, text, { timeout = STEP_TIMEOUT_MS } = {}) {
    const frame = await this.frame();
    const el = await frame.waitForSelector(selector, { visible: true, timeout }).catch(async (err) => {
      throw new Error(`no visible ${selector} in Link; it shows ${await this.describe()} (${err.message})`);
    });
    await el.click({ count: 3 });
    await el.evaluate((input) => input.select?.());
    await el.type(text);
  }

  async text(selector) {
    const frame = await this.frame();
    return frame.$eval(selector, (el) => el.textContent.trim());
  }

  async visible(selector) {
    const frame = await this.frame();
    const el = await frame.$(selector);
    if (!el) return false;
    return el.isVisible();
  }

  async waitForError(code, { timeout = STEP_TIMEOUT_MS } = {}) {
    const frame = await this.frame();
    try {
      await frame.waitForFunction(
        (expected) => {
          const app = document.querySelector('main#app');
          if (!app || app.dataset.busy === 'true') return false;
          const err = app.querySelector('[data-testid="error"]');
          return !!err && err.textContent.includes(expected);
        },
        { timeout },
        code,
      );
    } catch (err) {
      throw new Error(`Link did not show error ${code} within ${timeout} ms; it shows ${await this.describe()} (${err.message})`);
    }
    await this.shots.take(this.page, `${await this.view()}-${code}`);
  }

  // --- the steps of a flow ---

  async acceptConsent() {
    await this.waitForView('CONSENT');
    await this.click('[data-action="continue"]');
  }

  async selectInstitution(query, institutionId) {
    await this.waitForView('SELECT_INSTITUTION');
    await this.type('input[name="search"]', query);
    const frame = await this.frame();
    await frame.waitForSelector(`[data-institution-id="${institutionId}"]`, { visible: true, timeout: STEP_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`searching "${query}" did not list ${institutionId}; Link shows ${await this.describe()} (${err.message})`);
    });
    await this.shots.take(this.page, 'SELECT_INSTITUTION-results');
    await this.click(`[data-institution-id="${institutionId}"]`);
  }

  async submitCredentials(username, password) {
    await this.waitForView('CREDENTIAL');
    await this.type('input[name="username"]', username);
    await this.type('input[name="password"]', password);
    await this.click('[data-action="submit"]');
  }

  // SELECT_ACCOUNT (if shown: keep the preselected accounts) then CONNECTED -> continue.
  async finish({ expectAccountSelection } = {}) {
    const view = await this.waitForView(['SELECT_ACCOUNT', 'CONNECTED']);
    if (expectAccountSelection !== undefined) {
      assert.equal(view === 'SELECT_ACCOUNT', expectAccountSelection, `after login Link showed ${view}`);
    }
    if (view === 'SELECT_ACCOUNT') {
      await this.ensureSomeAccountSelected();
      await this.click('[data-action="continue"]');
      await this.waitForView('CONNECTED');
    }
    await this.click('[data-action="continue"]');
  }

  // The account inputs: checkboxes, or radio buttons when the customization allows one account.
  async accountCheckboxes() {
    const frame = await this.frame();
    return frame.$$eval('input[data-account-id]', (boxes) =>
      boxes.map((box) => ({ id: box.dataset.accountId, type: box.type, checked: box.checked, label: box.closest('label')?.innerText?.trim() ?? null })),
    );
  }

  async ensureSomeAccountSelected() {
    const boxes = await this.accountCheckboxes();
    assert.ok(boxes.length > 0, `SELECT_ACCOUNT lists no account checkboxes; Link shows ${await this.describe()}`);
    if (!boxes.some((box) => box.checked)) await this.click(`input[data-account-id="${boxes[0].id}"]`);
  }
}

// ---------------------------------------------------------------------------------------
// The app page's record of Link's callbacks

export async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
  const created = await page.evaluate(() => window.__link);
  assert.ok(created, `the app page did not run (${url})`);
  const hasPlaid = await page.evaluate(() => typeof window.Plaid?.create === 'function');
  assert.ok(hasPlaid, `link-initialize.js did not define window.Plaid.create on ${url}`);
  assert.equal(created.error, null, `Plaid.create threw: ${created.error}`);
}

export async function clickOpen(page) {
  await page.click('#open-link');
}

export async function waitForCallback(page, which, { timeout = STEP_TIMEOUT_MS } = {}) {
  try {
    await page.waitForFunction((key) => window.__link && window.__link[key] !== null, { timeout }, which);
  } catch (err) {
    const record = await page.evaluate(() => window.__link).catch(() => null);
    throw new Error(`no ${which} callback within ${timeout} ms; the app saw ${JSON.stringify(record)} (${err.message})`);
  }
  return page.evaluate(() => window.__link);
}

// Waits until onEvent delivered `name` (Plaid may deliver events just after onSuccess/onExit).
export async function waitForEvent(page, name, { timeout = STEP_TIMEOUT_MS } = {}) {
  try {
    await page.waitForFunction((n) => window.__link && window.__link.events.some((e) => e.name === n), { timeout }, name);
  } catch (err) {
    const names = await page.evaluate(() => window.__link?.events?.map((e) => e.name)).catch(() => null);
    throw new Error(`onEvent never got ${name} within ${timeout} ms; it got ${JSON.stringify(names)} (${err.message})`);
  }
  return page.evaluate(() => window.__link);
}

// ---------------------------------------------------------------------------------------
// Assertions shared by the tests

export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const PUBLIC_TOKEN = new RegExp(`^public-sandbox-${UUID}$`);
export const ACCESS_TOKEN = new RegExp(`^access-sandbox-${UUID}$`);
export const EVENT_METADATA_KEYS = [
  'account_number_mask',
  'error_type',
  'error_code',
  'error_message',
  'exit_status',
  'institution_id',
  'institution_name',
  'institution_search_query',
  'is_update_mode',
  'match_reason',
  'mfa_type',
  'routing_number',
  'view_name',
  'request_id',
  'link_session_id',
  'timestamp',
  'selection',
];

export function assertKeys(object, keys, what) {
  assert.ok(object && typeof object === 'object', `${what} is not an object: ${JSON.stringify(object)}`);
  const missing = keys.filter((key) => !(key in object));
  assert.deepEqual(missing, [], `${what} lacks ${missing.join(', ')}: ${JSON.stringify(object)}`);
}

export const eventLabel = (e) => (e.name === 'TRANSITION_VIEW' ? `TRANSITION_VIEW(${e.metadata?.view_name})` : e.name);

// `expected` must appear in `events` in this order (other events may come between).
// An entry is an event name, 'TRANSITION_VIEW(VIEW)', or {name, ...metadata fields}.
export function assertEventSequence(events, expected, what = 'onEvent') {
  const labels = events.map(eventLabel);
  let at = 0;
  for (const want of expected) {
    const spec = typeof want === 'string' ? parseLabel(want) : want;
    const found = events.findIndex((e, i) => i >= at && matches(e, spec));
    assert.ok(
      found >= 0,
      `${what}: expected ${JSON.stringify(spec)} after position ${at} in the order ${JSON.stringify(expected)}; got ${JSON.stringify(labels)}`,
    );
    at = found + 1;
  }
}

function parseLabel(label) {
  const m = /^TRANSITION_VIEW\((\w+)\)$/.exec(label);
  return m ? { name: 'TRANSITION_VIEW', view_name: m[1] } : { name: label };
}

function matches(event, spec) {
  if (event.name !== spec.name) return false;
  return Object.entries(spec).every(([key, value]) => key === 'name' || event.metadata?.[key] === value);
}

// Every event's metadata has Plaid's keys, the session's id and an ISO timestamp; the
// timestamps never go backwards. `opens`: the events start with OPEN (not so for the part a
// resumed Link reports, nor when the link token was refused before a session existed).
export function assertEventMetadata(events, { linkSessionId, updateMode = false, opens = true }) {
  assert.ok(events.length > 0, 'onEvent was never called');
  let last = '';
  for (const [i, e] of events.entries()) {
    assertKeys(e.metadata, EVENT_METADATA_KEYS, `metadata of event #${i} ${e.name}`);
    if (linkSessionId) assert.equal(e.metadata.link_session_id, linkSessionId, `link_session_id of event #${i} ${e.name}`);
    assert.ok(!Number.isNaN(Date.parse(e.metadata.timestamp)), `timestamp of event #${i} ${e.name}: ${e.metadata.timestamp}`);
    assert.ok(e.metadata.timestamp >= last, `event #${i} ${e.name} at ${e.metadata.timestamp} is before the previous one at ${last}`);
    last = e.metadata.timestamp;
    assert.equal(e.metadata.is_update_mode, updateMode ? 'yes' : 'no', `is_update_mode of event #${i} ${e.name}`);
  }
  if (opens) assert.equal(events[0].name, 'OPEN', `the first event is ${events[0].name}, not OPEN`);
  for (const e of events.filter((e) => e.name === 'TRANSITION_VIEW')) {
    assert.equal(typeof e.metadata.view_name, 'string', `TRANSITION_VIEW without view_name: ${JSON.stringify(e.metadata)}`);
  }
}

export function assertSuccessShape(success, { institution, linkSessionId }) {
  assert.ok(success, 'onSuccess was not called');
  assert.match(success.public_token, PUBLIC_TOKEN, 'public_token');
  const { metadata } = success;
  assertKeys(metadata, ['institution', 'accounts', 'link_session_id'], 'onSuccess metadata');
  assert.deepEqual(
    { name: metadata.institution?.name, institution_id: metadata.institution?.institution_id },
    institution,
    `onSuccess metadata.institution: ${JSON.stringify(metadata.institution)}`,
  );
  assert.ok(Array.isArray(metadata.accounts) && metadata.accounts.length > 0, `metadata.accounts: ${JSON.stringify(metadata.accounts)}`);
  for (const [i, account] of metadata.accounts.entries()) {
    assertKeys(account, ['id', 'name', 'mask', 'type', 'subtype'], `metadata.accounts[${i}]`);
    assert.equal(typeof account.id, 'string', `metadata.accounts[${i}].id`);
    assert.equal(typeof account.name, 'string', `metadata.accounts[${i}].name`);
    assert.ok(account.mask === null || /^\d{2,4}$/.test(account.mask), `metadata.accounts[${i}].mask: ${account.mask}`);
    assert.equal(typeof account.type, 'string', `metadata.accounts[${i}].type`);
    assert.equal(typeof account.subtype, 'string', `metadata.accounts[${i}].subtype`);
  }
  assert.equal(typeof metadata.link_session_id, 'string', 'metadata.link_session_id');
  assert.ok(metadata.link_session_id.length > 0, 'metadata.link_session_id is empty');
  if (linkSessionId) assert.equal(metadata.link_session_id, linkSessionId, 'metadata.link_session_id is not the OPEN event\'s');
}

// The accounts onSuccess reported are exactly the Item's accounts, field for field.
export function assertAccountsMatch(metadataAccounts, apiAccounts) {
  const fromApi = Object.fromEntries(apiAccounts.map((a) => [a.account_id, a]));
  for (const account of metadataAccounts) {
    const api = fromApi[account.id];
    assert.ok(api, `onSuccess account ${account.id} (${account.name}) is not in /accounts/get: ${JSON.stringify(Object.keys(fromApi))}`);
    assert.deepEqual(
      [account.name, account.mask, account.type, account.subtype],
      [api.name, api.mask, api.type, api.subtype],
      `account ${account.id}: onSuccess vs /accounts/get`,
    );
  }
}

// A promise with a deadline (not a sleep: it settles as soon as `promise` does).
export function within(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (waited ${ms} ms)`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function assertNoPageErrors(problems, what = 'the pages') {
  assert.deepEqual(problems.pageErrors, [], `uncaught errors in ${what}`);
}
