// react-plaid-link's usePlaidLink against Tartan's Link.
//
// react-plaid-link loads https://cdn.plaid.com/link/v2/stable/link-initialize.js itself;
// the test intercepts that request in Chromium and answers with Tartan's script, which is
// what a developer does with a request-rewriting proxy or a test runner's interception;
// window.TARTAN_BASE_URL tells the script where Tartan is, since its src is Plaid's CDN.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { build } from 'esbuild';

import {
  FIRST_PLATYPUS,
  HERE,
  LinkDriver,
  Tenant,
  assertAccountsMatch,
  assertEventMetadata,
  assertEventSequence,
  assertNoPageErrors,
  assertSuccessShape,
  newPage,
  startWorld,
  waitForCallback,
  waitForEvent,
  STEP_TIMEOUT_MS,
} from '../harness.mjs';

const PLAID_CDN = 'https://cdn.plaid.com';
const PLAID_SCRIPT = `${PLAID_CDN}/link/v2/stable/link-initialize.js`;

let world;

before(async () => {
  world = await startWorld();
  const bundle = await build({
    entryPoints: [path.join(HERE, 'react-app', 'app.jsx')],
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    minify: true,
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  world.app.setReactBundle(bundle.outputFiles[0].text);
});

after(async () => {
  await world?.stop();
});

test('usePlaidLink opens Tartan\'s Link and gets onSuccess (user_good)', async () => {
  const tenant = new Tenant(world.tartan.baseUrl, 'react');
  const ctx = await newPage(world, 'react-use-plaid-link');
  const { page, shots, problems } = ctx;
  const link = new LinkDriver(page, shots);
  const scriptResponse = await fetch(`${world.tartan.baseUrl}/link/v2/stable/link-initialize.js`);
  assert.equal(scriptResponse.status, 200, 'Tartan serves link-initialize.js');
  const script = await scriptResponse.text();
  const served = [];
  const stray = [];
  try {
    // Tartan's script takes its base URL from its own src, which here is Plaid's CDN;
    // TARTAN_BASE_URL (docs/link.md) points it back at Tartan.
    await page.evaluateOnNewDocument((base) => {
      window.TARTAN_BASE_URL = base;
    }, world.tartan.baseUrl);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      const url = request.url();
      if (url === PLAID_SCRIPT) {
        served.push(url);
        return request.respond({ status: 200, contentType: 'application/javascript; charset=utf-8', body: script });
      }
      if (/^https?:/.test(url) && !url.startsWith('http://127.0.0.1:')) {
        // Nothing else may leave the machine (or reach Plaid).
        stray.push(url);
        return request.abort('blockedbyclient');
      }
      return request.continue();
    });

    const linkToken = await tenant.linkToken();
    await page.goto(world.app.reactUrl(linkToken), { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await page.waitForSelector('#open-link[data-ready="true"]', { timeout: STEP_TIMEOUT_MS }).catch(async (err) => {
      const state = await page.evaluate(() => window.__link);
      throw new Error(`usePlaidLink never became ready: ${JSON.stringify(state)}; served ${JSON.stringify(served)} (${err.message})`);
    });
    assert.ok(served.includes(PLAID_SCRIPT), `react-plaid-link did not ask for ${PLAID_SCRIPT}`);
    await shots.take(page, 'react-app');
    await page.click('#open-link');

    const opened = await waitForEvent(page, 'OPEN');
    const linkSessionId = opened.events.find((e) => e.name === 'OPEN').metadata.link_session_id;
    await link.acceptConsent();
    await link.selectInstitution('First Platypus', FIRST_PLATYPUS.institution_id);
    await link.submitCredentials('user_good', 'pass_good');
    await link.finish();

    await waitForCallback(page, 'success');
    const record = await waitForEvent(page, 'HANDOFF');
    assert.equal(record.exit, null, `onExit was called: ${JSON.stringify(record.exit)}`);
    assertSuccessShape(record.success, { institution: FIRST_PLATYPUS, linkSessionId });
    assertEventMetadata(record.events, { linkSessionId });
    assertEventSequence(record.events, [
      'OPEN',
      'SELECT_INSTITUTION',
      'SUBMIT_CREDENTIALS',
      'TRANSITION_VIEW(CONNECTED)',
      'HANDOFF',
    ]);
    const { access_token: accessToken } = await tenant.exchange(record.success.public_token);
    const accounts = await tenant.accounts(accessToken);
    assertAccountsMatch(record.success.metadata.accounts, accounts.accounts);
    assert.deepEqual(stray, [], 'requests to anywhere but Tartan and the app');
    assertNoPageErrors(problems);
  } catch (err) {
    await shots.take(page, 'FAILED').catch(() => {});
    err.message += `\n  Link at failure: ${await link.describe()}\n  page errors: ${JSON.stringify(problems.pageErrors)}`;
    throw err;
  } finally {
    await ctx.close();
  }
});
