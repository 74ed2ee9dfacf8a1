// Tartan's local Plaid Link, clicked through in a real headless Chromium.
//
// Every test is one whole flow through the UI of docs/link.md: its own tenant (client_id)
// and link token, an app page that uses Link as Plaid's docs say, and then the callbacks
// the app got and the Item as Plaid's API shows it. Screenshots of every pane land in
// conformance/browser/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ACCESS_TOKEN,
  FIRST_PLATYPUS,
  LINK_IFRAME,
  LinkDriver,
  PLATYPUS_OAUTH,
  STEP_TIMEOUT_MS,
  UNSUPPORTED,
  Tenant,
  assertAccountsMatch,
  assertEventMetadata,
  assertEventSequence,
  assertNoPageErrors,
  assertSuccessShape,
  clickOpen,
  eventLabel,
  newPage,
  openApp,
  startWorld,
  waitForCallback,
  waitForEvent,
  watchPage,
  within,
} from '../harness.mjs';

let world;

before(async () => {
  world = await startWorld();
});

after(async () => {
  await world?.stop();
});

// Runs one flow with its own tenant, browser context and screenshots; on failure it saves
// a screenshot of where the flow stood and adds Tartan's log tail to the error.
function flow(name, body) {
  test(name, async (t) => {
    const label = name.split(' ')[0].replace(/\W/g, '');
    const tenant = new Tenant(world.tartan.baseUrl, label);
    const ctx = await newPage(world, name);
    const link = new LinkDriver(ctx.page, ctx.shots);
    try {
      await body({ t, tenant, link, ...ctx });
      assertNoPageErrors(ctx.problems);
    } catch (err) {
      await ctx.shots.take(ctx.page, 'FAILED').catch(() => {});
      const where = await link.describe().catch(() => '?');
      err.message += `\n  Link at failure: ${where}\n  page errors: ${JSON.stringify(ctx.problems.pageErrors)}` +
        `\n  console errors: ${JSON.stringify(ctx.problems.consoleErrors.slice(-5))}`;
      throw err;
    } finally {
      await ctx.close();
    }
  });
}

// The OPEN event's link_session_id (OPEN is delivered in real time, as in Plaid).
async function openedSession(page) {
  const record = await waitForEvent(page, 'OPEN');
  const open = record.events.find((e) => e.name === 'OPEN');
  assert.equal(typeof open.metadata.link_session_id, 'string', `OPEN without link_session_id: ${JSON.stringify(open.metadata)}`);
  return open.metadata.link_session_id;
}

// After onSuccess: onEvent got HANDOFF, the callbacks have Plaid's shapes, Tartan's own
// record of the session agrees, and the public token exchanges for an Item whose accounts
// are exactly the ones onSuccess named.
async function checkSuccess({ tenant, page, linkToken, linkSessionId, institution, sequence, updateMode = false }) {
  await waitForCallback(page, 'success');
  const record = await waitForEvent(page, 'HANDOFF');
  assert.equal(record.exit, null, `onExit was called as well: ${JSON.stringify(record.exit)}`);
  assert.equal(record.loaded, true, 'onLoad was not called');
  assertSuccessShape(record.success, { institution, linkSessionId });
  assertEventMetadata(record.events, { linkSessionId, updateMode });
  assertEventSequence(record.events, sequence);
  const handoff = record.events.filter((e) => e.name === 'HANDOFF');
  assert.equal(handoff.length, 1, `HANDOFF delivered ${handoff.length} times`);

  // Tartan's view of the same session: ended in success, same public token, same events.
  const session = await tenant.session(linkSessionId, linkToken);
  assert.equal(session.status, 'succeeded', `session status: ${JSON.stringify(session.status)}`);
  assert.equal(session.result?.on_success?.public_token, record.success.public_token, 'session result public_token');
  assert.deepEqual(
    record.events.map(eventLabel),
    session.events.map((e) => eventLabel({ name: e.event_name, metadata: e.metadata })),
    'onEvent names vs the session\'s events',
  );
  const tokenGet = await tenant.linkTokenGet(linkToken);
  const listed = (tokenGet.link_sessions ?? []).find((s) => s.link_session_id === linkSessionId);
  assert.ok(listed, `/link/token/get does not list session ${linkSessionId}: ${JSON.stringify(tokenGet.link_sessions)}`);
  assert.equal(listed.on_success?.public_token, record.success.public_token, '/link/token/get on_success.public_token');
  assert.deepEqual(
    listed.events.map((e) => e.event_name),
    record.events.map((e) => e.name),
    '/link/token/get events vs onEvent',
  );
  return record;
}

async function exchangeAndList(tenant, success, institutionId) {
  const { access_token: accessToken, item_id: itemId } = await tenant.exchange(success.public_token);
  assert.match(accessToken, ACCESS_TOKEN, 'access_token');
  const accounts = await tenant.accounts(accessToken);
  assert.equal(accounts.item.item_id, itemId, '/accounts/get item_id');
  assert.equal(accounts.item.institution_id, institutionId, '/accounts/get item.institution_id');
  assert.equal(accounts.item.error, null, `/accounts/get item.error: ${JSON.stringify(accounts.item.error)}`);
  assertAccountsMatch(success.metadata.accounts, accounts.accounts);
  assert.deepEqual(
    accounts.accounts.map((a) => a.account_id).sort(),
    success.metadata.accounts.map((a) => a.id).sort(),
    'the Item shares exactly the accounts onSuccess named',
  );
  return { accessToken, itemId, accounts: accounts.accounts };
}

async function startLink({ page, app, linkToken }) {
  await openApp(page, app.url(linkToken));
  await clickOpen(page);
  return openedSession(page);
}

const NEW_ITEM_START = [
  { name: 'OPEN', view_name: 'CONSENT' },
  'TRANSITION_VIEW(SELECT_INSTITUTION)',
  { name: 'SELECT_INSTITUTION', institution_id: FIRST_PLATYPUS.institution_id, institution_name: FIRST_PLATYPUS.name },
  'TRANSITION_VIEW(CREDENTIAL)',
  'SUBMIT_CREDENTIALS',
];

// A new Item's way to the credentials: Link opened on a fresh link token, consent accepted,
// First Platypus chosen, `password` submitted for user_good.
async function newItemLogin({ tenant, page, link }, password, tokenOptions = {}, query = 'First Platypus') {
  const linkToken = await tenant.linkToken(tokenOptions);
  const linkSessionId = await startLink({ page, app: world.app, linkToken });
  await link.acceptConsent();
  await link.selectInstitution(query, FIRST_PLATYPUS.institution_id);
  await link.submitCredentials('user_good', password);
  return { linkToken, linkSessionId };
}

// Plaid Quickstart's window: Link's primary action must be usable there without scrolling.
const QUICKSTART_VIEWPORT = { width: 1280, height: 900 };

// The pane's primary button is wholly inside the modal's visible box (the modal, its pane and
// the window, intersected) and is what a click at its centre lands on. Returns its centre.
async function assertPrimaryInView(link, what, selector = '[data-action="continue"]') {
  const frame = await link.frame();
  const seen = await frame.$eval(selector, (button) => {
    const rect = (el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, left: r.left, bottom: r.bottom, right: r.right };
    };
    const app = rect(document.querySelector('main#app'));
    const pane = rect(document.getElementById('pane'));
    const box = {
      top: Math.max(app.top, pane.top, 0),
      left: Math.max(app.left, pane.left, 0),
      bottom: Math.min(app.bottom, pane.bottom, window.innerHeight),
      right: Math.min(app.right, pane.right, window.innerWidth),
    };
    const b = rect(button);
    const x = (b.left + b.right) / 2;
    const y = (b.top + b.bottom) / 2;
    const hit = document.elementFromPoint(x, y);
    const name = (el) => (el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}` : null);
    return { box, button: b, x, y, hit: name(hit), hitIsButton: !!hit && (hit === button || button.contains(hit)), disabled: button.disabled };
  });
  const { box, button } = seen;
  const inside = button.top >= box.top && button.left >= box.left && button.bottom <= box.bottom && button.right <= box.right;
  assert.ok(inside, `${what}: the primary button ${JSON.stringify(button)} is not wholly inside the modal's visible box ${JSON.stringify(box)}`);
  assert.ok(seen.hitIsButton, `${what}: the element at the primary button's centre (${seen.x}, ${seen.y}) is ${seen.hit}, not the button`);
  assert.equal(seen.disabled, false, `${what}: the primary button is disabled`);
  return seen;
}

describe('Link in the browser', () => {
  flow('a. a new Item through device MFA (mfa_device, code 1234)', async ({ tenant, page, link }) => {
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'mfa_device');
    await link.waitForView('MFA');
    await link.type('input[name="answer-0"]', '1234');
    await link.click('[data-action="submit"]');
    await link.finish();

    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [...NEW_ITEM_START, 'TRANSITION_VIEW(MFA)', 'SUBMIT_MFA', 'TRANSITION_VIEW(CONNECTED)', 'HANDOFF'],
    });
    const mfaView = record.events.find((e) => e.name === 'TRANSITION_VIEW' && e.metadata.view_name === 'MFA');
    assert.ok(mfaView.metadata.mfa_type, `TRANSITION_VIEW(MFA) without mfa_type: ${JSON.stringify(mfaView.metadata)}`);
    const submitted = record.events.find((e) => e.name === 'SUBMIT_MFA');
    assert.equal(submitted.metadata.mfa_type, mfaView.metadata.mfa_type, 'SUBMIT_MFA mfa_type');
    await exchangeAndList(tenant, record.success, FIRST_PLATYPUS.institution_id);
  });

  flow('a2. security questions (mfa_questions_1_1, answer_0_0)', async ({ tenant, page, link }) => {
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'mfa_questions_1_1', {}, 'Platypus');
    await link.waitForView('MFA');
    await link.type('input[name="answer-0"]', 'answer_0_0');
    await link.click('[data-action="submit"]');
    await link.finish();
    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [...NEW_ITEM_START, { name: 'TRANSITION_VIEW', view_name: 'MFA', mfa_type: 'questions' }, 'SUBMIT_MFA', 'HANDOFF'],
    });
    await exchangeAndList(tenant, record.success, FIRST_PLATYPUS.institution_id);
  });

  flow('a3. a selection question (mfa_selections, Yes)', async ({ tenant, page, link }) => {
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'mfa_selections');
    await link.waitForView('MFA');
    await link.click('input[type=radio][name="answer-0"][value="Yes"]');
    await link.click('[data-action="submit"]');
    await link.finish();
    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [...NEW_ITEM_START, { name: 'TRANSITION_VIEW', view_name: 'MFA', mfa_type: 'selections' }, 'SUBMIT_MFA', 'HANDOFF'],
    });
    await exchangeAndList(tenant, record.success, FIRST_PLATYPUS.institution_id);
  });

  flow('b. a wrong password, then the right one', async ({ tenant, page, link }) => {
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'not_the_password');
    await link.waitForError('INVALID_CREDENTIALS');
    assert.equal(await link.view(), 'CREDENTIAL', 'a wrong password keeps Link on the CREDENTIAL pane');
    let record = await page.evaluate(() => window.__link);
    assert.equal(record.exit, null, `a wrong password ended Link: ${JSON.stringify(record.exit)}`);
    await link.submitCredentials('user_good', 'pass_good');
    await link.finish();

    record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [
        ...NEW_ITEM_START,
        { name: 'ERROR', error_code: 'INVALID_CREDENTIALS', error_type: 'ITEM_ERROR' },
        'SUBMIT_CREDENTIALS',
        'TRANSITION_VIEW(CONNECTED)',
        'HANDOFF',
      ],
    });
    assert.equal(record.events.filter((e) => e.name === 'SUBMIT_CREDENTIALS').length, 2, 'two SUBMIT_CREDENTIALS');
    await exchangeAndList(tenant, record.success, FIRST_PLATYPUS.institution_id);
  });

  flow('c. an error password (error_ITEM_LOCKED) ends Link with ITEM_LOCKED', async ({ tenant, page, link }) => {
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'error_ITEM_LOCKED');
    await link.waitForView('ERROR');
    const shown = await (await link.frame()).$eval('main#app', (el) => el.innerText);
    assert.ok(shown.includes('ITEM_LOCKED'), `the ERROR pane does not name ITEM_LOCKED: "${shown}"`);
    await link.click('[data-action="exit"]');

    let record = await waitForCallback(page, 'exit');
    record = await waitForEvent(page, 'EXIT');
    assert.equal(record.success, null, 'onSuccess was called');
    const { error, metadata } = record.exit;
    assert.ok(error, 'onExit error is null');
    assert.deepEqual([error.error_type, error.error_code], ['ITEM_ERROR', 'ITEM_LOCKED'], `onExit error: ${JSON.stringify(error)}`);
    assert.equal(typeof error.error_message, 'string', 'onExit error.error_message');
    assert.ok('display_message' in error, 'onExit error lacks display_message');
    assert.equal(metadata.link_session_id, linkSessionId, 'onExit metadata.link_session_id');
    assert.deepEqual(metadata.institution, FIRST_PLATYPUS, 'onExit metadata.institution');
    assert.equal(typeof metadata.status, 'string', 'onExit metadata.status');
    assert.ok('request_id' in metadata, 'onExit metadata lacks request_id');
    assertEventMetadata(record.events, { linkSessionId });
    assertEventSequence(record.events, [
      ...NEW_ITEM_START,
      { name: 'ERROR', error_code: 'ITEM_LOCKED' },
      { name: 'EXIT', error_code: 'ITEM_LOCKED' },
    ]);
    assertEventSequence(record.events, ['SUBMIT_CREDENTIALS', 'TRANSITION_VIEW(ERROR)', 'EXIT']);
    await link.page.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel);
        return !el || el.getBoundingClientRect().width === 0 || getComputedStyle(el).display === 'none' || getComputedStyle(el).visibility === 'hidden';
      },
      { timeout: STEP_TIMEOUT_MS },
      LINK_IFRAME,
    );
    const session = await tenant.session(linkSessionId, linkToken);
    assert.equal(session.status, 'exited', 'session status');
    assert.equal(session.result?.on_exit?.error?.error_code, 'ITEM_LOCKED', 'session result on_exit.error');
  });

  flow('d. an OAuth bank with a redirect_uri: app -> bank -> approve -> app -> Link resumes', async ({ tenant, page, link, shots, context }) => {
    const app = world.app;
    const linkToken = await tenant.linkToken({ redirect_uri: app.redirectUri });
    const linkSessionId = await startLink({ page, app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('Platypus OAuth', PLATYPUS_OAUTH.institution_id);
    await link.waitForView('OAUTH');
    await link.click('[data-action="oauth-continue"]');

    // The bank's page: in this tab (redirect flow) or, should Link choose one, a popup.
    const bankTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().includes('/tartan/link/oauth'),
      { timeout: STEP_TIMEOUT_MS },
    );
    const bank = await bankTarget.page();
    const bankProblems = bank === page ? null : watchPage(bank);
    await bank.waitForSelector('[data-action="approve"]', { visible: true, timeout: STEP_TIMEOUT_MS });
    assert.ok(new URL(bank.url()).searchParams.get('oauth_state_id'), `bank page without oauth_state_id: ${bank.url()}`);
    await shots.take(bank, 'OAUTH-bank-page');
    await bank.click('[data-action="approve"]');

    // Back at the app's redirect_uri with the oauth_state_id; the app re-opens Link.
    const returnTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().startsWith(app.redirectUri) && t.url().includes('oauth_state_id='),
      { timeout: STEP_TIMEOUT_MS },
    );
    const back = await returnTarget.page();
    await back.waitForFunction(() => document.readyState === 'complete' && window.__link, { timeout: STEP_TIMEOUT_MS });
    const resumed = new LinkDriver(back, shots);
    await resumed.finish();

    await waitForCallback(back, 'success');
    const record = await waitForEvent(back, 'HANDOFF');
    assertSuccessShape(record.success, { institution: PLATYPUS_OAUTH, linkSessionId });
    // Each page reports its own part of the session, once: the first page the events up to
    // the redirect to the bank, the resumed Link the rest. Together they are the session's.
    const firstPages = await back.evaluate(() => window.__linkBefore);
    const firstEvents = firstPages.flatMap((p) => p.events);
    assertEventMetadata(firstEvents, { linkSessionId });
    assertEventSequence(firstEvents, [
      { name: 'OPEN', view_name: 'CONSENT' },
      'TRANSITION_VIEW(SELECT_INSTITUTION)',
      { name: 'SELECT_INSTITUTION', institution_id: PLATYPUS_OAUTH.institution_id },
      'TRANSITION_VIEW(OAUTH)',
      'OPEN_OAUTH',
    ]);
    assertEventMetadata(record.events, { linkSessionId, opens: false });
    assertEventSequence(record.events, ['TRANSITION_VIEW(CONNECTED)', 'HANDOFF']);
    for (const name of ['OPEN', 'OPEN_OAUTH', 'SELECT_INSTITUTION']) {
      assert.ok(!record.events.some((e) => e.name === name), `the resumed Link reported ${name} again`);
    }
    assert.ok(!firstEvents.some((e) => e.name === 'HANDOFF'), 'the first page saw HANDOFF');
    assert.equal(record.events.filter((e) => e.name === 'HANDOFF').length, 1, 'HANDOFF once');
    const key = (e) => `${e.name}@${e.metadata.timestamp}`;
    const session = await tenant.session(linkSessionId, linkToken);
    assert.deepEqual(
      [...firstEvents, ...record.events].map(key),
      session.events.map((e) => key({ name: e.event_name, metadata: e.metadata })),
      'the two pages together reported every event of the session, once each',
    );
    await exchangeAndList(tenant, record.success, PLATYPUS_OAUTH.institution_id);
    assert.equal(session.status, 'succeeded', 'session status');
    if (bankProblems) assertNoPageErrors(bankProblems, 'the bank page');
  });

  flow('d2. an OAuth bank without a redirect_uri: the bank opens in a popup that closes itself', async ({ tenant, page, link, shots, context }) => {
    const linkToken = await tenant.linkToken();
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('Platypus OAuth', PLATYPUS_OAUTH.institution_id);
    await link.waitForView('OAUTH');
    await link.click('[data-action="oauth-continue"]');
    const popupTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().includes('/tartan/link/oauth'),
      { timeout: STEP_TIMEOUT_MS },
    );
    const popup = await popupTarget.page();
    assert.notEqual(popup, page, 'without a redirect_uri the bank page must be a popup, not the app\'s tab');
    await popup.waitForSelector('[data-action="approve"]', { visible: true, timeout: STEP_TIMEOUT_MS });
    await shots.take(popup, 'OAUTH-bank-popup');
    const closed = new Promise((resolve) => popup.once('close', resolve));
    await popup.click('[data-action="approve"]');
    await within(closed, STEP_TIMEOUT_MS, 'the bank popup did not close itself');
    await link.finish();
    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: PLATYPUS_OAUTH,
      sequence: [{ name: 'OPEN', view_name: 'CONSENT' }, { name: 'SELECT_INSTITUTION', institution_id: PLATYPUS_OAUTH.institution_id }, 'TRANSITION_VIEW(OAUTH)', 'TRANSITION_VIEW(CONNECTED)', 'HANDOFF'],
    });
    await exchangeAndList(tenant, record.success, PLATYPUS_OAUTH.institution_id);
  });

  flow('e. update mode repairs an ITEM_LOGIN_REQUIRED Item', async ({ tenant, page, link }) => {
    const { accessToken, itemId } = await tenant.sandboxItem(FIRST_PLATYPUS.institution_id);
    await tenant.post('/sandbox/item/reset_login', { access_token: accessToken });
    const broken = await tenant.item(accessToken);
    assert.equal(broken.error?.error_code, 'ITEM_LOGIN_REQUIRED', `after reset_login: ${JSON.stringify(broken.error)}`);

    const linkToken = await tenant.linkToken({ access_token: accessToken });
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    const first = await link.waitForView(['CONSENT', 'CREDENTIAL']);
    if (first === 'CONSENT') await link.click('[data-action="continue"]');
    await link.waitForView('CREDENTIAL', { shot: false });
    const pane = await link.text('main#app');
    assert.ok(pane.includes(FIRST_PLATYPUS.name), `the CREDENTIAL pane does not name the Item's bank: "${pane}"`);
    await link.submitCredentials('user_good', 'pass_good');
    await link.finish();

    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      updateMode: true,
      sequence: [
        'OPEN',
        { name: 'TRANSITION_VIEW', view_name: 'CREDENTIAL', institution_id: FIRST_PLATYPUS.institution_id },
        'SUBMIT_CREDENTIALS',
        'TRANSITION_VIEW(CONNECTED)',
        'HANDOFF',
      ],
    });
    assert.ok(!link.seen.includes('SELECT_INSTITUTION'), `update mode showed SELECT_INSTITUTION: ${link.seen}`);
    const names = record.events.map(eventLabel);
    assert.ok(!names.includes('SELECT_INSTITUTION') && !names.includes('TRANSITION_VIEW(SELECT_INSTITUTION)'), `update mode went through institution selection: ${names}`);

    const repaired = await tenant.item(accessToken);
    assert.equal(repaired.item_id, itemId, 'the same Item');
    assert.equal(repaired.error, null, `/item/get error after update mode: ${JSON.stringify(repaired.error)}`);
    const accounts = await tenant.accounts(accessToken);
    assert.equal(accounts.item.item_id, itemId, 'the old access token still reaches the Item');
    assertAccountsMatch(record.success.metadata.accounts, accounts.accounts);
  });

  flow('f. update mode with account selection adds a new account', async ({ tenant, page, link }) => {
    const { accessToken, itemId } = await tenant.sandboxItem(FIRST_PLATYPUS.institution_id);
    const before = (await tenant.accounts(accessToken)).accounts.map((a) => a.account_id);
    await tenant.post('/tartan/triggers', { item_id: itemId, action: 'new_accounts' });
    assert.deepEqual(
      (await tenant.accounts(accessToken)).accounts.map((a) => a.account_id),
      before,
      'a new account is not shared before the user adds it',
    );

    const linkToken = await tenant.linkToken({ access_token: accessToken, update: { account_selection_enabled: true } });
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    let view = await link.waitForView(['CONSENT', 'CREDENTIAL', 'SELECT_ACCOUNT']);
    if (view === 'CONSENT') {
      await link.click('[data-action="continue"]');
      view = await link.waitForView(['CREDENTIAL', 'SELECT_ACCOUNT']);
    }
    if (view === 'CREDENTIAL') {
      // Plaid's update mode with Account Select: credentials, then account selection.
      await link.submitCredentials('user_good', 'pass_good');
    }
    await link.waitForView('SELECT_ACCOUNT');
    const boxes = await link.accountCheckboxes();
    const offered = boxes.map((b) => b.id);
    for (const id of before) assert.ok(offered.includes(id), `the shared account ${id} is not offered: ${JSON.stringify(boxes)}`);
    const fresh = boxes.filter((b) => !before.includes(b.id));
    assert.ok(fresh.length >= 1, `no new account offered: ${JSON.stringify(boxes)}`);
    const session = await tenant.session(linkSessionId, linkToken);
    assert.deepEqual(
      session.accounts.filter((a) => a.new).map((a) => a.id).sort(),
      fresh.map((b) => b.id).sort(),
      'the accounts the session marks new are the ones the UI offers beside the shared ones',
    );
    for (const box of boxes) {
      if (!box.checked) await link.click(`input[type=checkbox][data-account-id="${box.id}"]`);
    }
    const checked = await link.accountCheckboxes();
    assert.ok(checked.every((b) => b.checked), `not every account is checked: ${JSON.stringify(checked)}`);
    await link.shots.take(page, 'SELECT_ACCOUNT-new-checked');
    await link.click('[data-action="continue"]');
    await link.waitForView('CONNECTED');
    await link.click('[data-action="continue"]');

    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      updateMode: true,
      sequence: ['OPEN', 'TRANSITION_VIEW(SELECT_ACCOUNT)', 'TRANSITION_VIEW(CONNECTED)', 'HANDOFF'],
    });
    const reported = record.success.metadata.accounts.map((a) => a.id);
    for (const b of fresh) assert.ok(reported.includes(b.id), `onSuccess does not name the new account ${b.id}: ${reported}`);
    const after = await tenant.accounts(accessToken);
    const nowListed = after.accounts.map((a) => a.account_id).sort();
    assert.deepEqual(nowListed, [...before, ...fresh.map((b) => b.id)].sort(), '/accounts/get after adding the new account');
    assertAccountsMatch(record.success.metadata.accounts, after.accounts);
  });

  flow('f2. a Link customization that lets the user choose one account (radio buttons)', async ({ tenant, page, link }) => {
    await tenant.post('/tartan/link/customizations', { name: 'one-account', account_select: 'one' });
    const { linkToken, linkSessionId } = await newItemLogin({ tenant, page, link }, 'pass_good', { link_customization_name: 'one-account' });
    await link.waitForView('SELECT_ACCOUNT');
    const inputs = await link.accountCheckboxes();
    assert.ok(inputs.length > 1, `accounts offered: ${JSON.stringify(inputs)}`);
    assert.ok(inputs.every((b) => b.type === 'radio' && !b.checked), `one-account inputs: ${JSON.stringify(inputs)}`);
    const frame = await link.frame();
    const blocked = () => frame.$eval('[data-action="continue"]', (b) => b.disabled);
    assert.equal(await blocked(), true, 'Continue is enabled before an account is chosen');
    await link.click(`input[data-account-id="${inputs[0].id}"]`);
    await link.click(`input[data-account-id="${inputs[1].id}"]`);
    const chosen = (await link.accountCheckboxes()).filter((b) => b.checked).map((b) => b.id);
    assert.deepEqual(chosen, [inputs[1].id], 'a second choice replaces the first');
    assert.equal(await blocked(), false, 'Continue stays disabled with an account chosen');
    await link.shots.take(page, 'SELECT_ACCOUNT-one-account');
    await link.click('[data-action="continue"]');
    await link.waitForView('CONNECTED');
    await link.click('[data-action="continue"]');

    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [...NEW_ITEM_START, 'TRANSITION_VIEW(SELECT_ACCOUNT)', 'TRANSITION_VIEW(CONNECTED)', 'HANDOFF'],
    });
    assert.deepEqual(record.success.metadata.accounts.map((a) => a.id), [inputs[1].id], 'onSuccess accounts');
  });

  flow('g. closing Link on the CREDENTIAL pane', async ({ tenant, page, link }) => {
    const linkToken = await tenant.linkToken();
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('First Platypus', FIRST_PLATYPUS.institution_id);
    await link.waitForView('CREDENTIAL');
    await link.click('[data-action="close"]');

    await waitForCallback(page, 'exit');
    const record = await waitForEvent(page, 'EXIT');
    assert.equal(record.success, null, 'onSuccess was called');
    assert.equal(record.exit.error, null, `onExit error: ${JSON.stringify(record.exit.error)}`);
    const { metadata } = record.exit;
    assert.equal(metadata.status, 'requires_credentials', 'onExit metadata.status');
    assert.equal(metadata.link_session_id, linkSessionId, 'onExit metadata.link_session_id');
    assert.deepEqual(metadata.institution, FIRST_PLATYPUS, 'onExit metadata.institution');
    assertEventMetadata(record.events, { linkSessionId });
    assertEventSequence(record.events, [...NEW_ITEM_START.slice(0, 4), { name: 'EXIT', exit_status: 'requires_credentials' }]);
    assert.ok(!record.events.some((e) => e.name === 'SUBMIT_CREDENTIALS'), 'SUBMIT_CREDENTIALS without a submit');
    await page.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel);
        return !el || el.getBoundingClientRect().width === 0 || getComputedStyle(el).display === 'none' || getComputedStyle(el).visibility === 'hidden';
      },
      { timeout: STEP_TIMEOUT_MS },
      LINK_IFRAME,
    );
    const session = await tenant.session(linkSessionId, linkToken);
    assert.equal(session.status, 'exited', 'session status');
    assert.equal(session.result?.on_exit?.metadata?.status, 'requires_credentials', 'session on_exit status');
  });

  // An unusable link token: Link still opens, shows the ERROR pane and exits with
  // INVALID_LINK_TOKEN; the page never breaks.
  async function expectInvalidToken({ page, link, linkToken }) {
    await openApp(page, world.app.url(linkToken));
    await clickOpen(page);
    await link.waitForView('ERROR');
    const shown = await (await link.frame()).$eval('main#app', (el) => el.innerText);
    assert.ok(shown.includes('INVALID_LINK_TOKEN'), `the ERROR pane does not name INVALID_LINK_TOKEN: "${shown}"`);
    await link.click('[data-action="exit"]');
    const record = await waitForCallback(page, 'exit');
    assert.equal(record.success, null, 'onSuccess was called');
    const { error, metadata } = record.exit;
    assert.ok(error, 'onExit error is null');
    assert.deepEqual([error.error_type, error.error_code], ['INVALID_INPUT', 'INVALID_LINK_TOKEN'], `onExit error: ${JSON.stringify(error)}`);
    assert.equal(typeof error.error_message, 'string', 'onExit error.error_message');
    assert.ok(metadata && 'status' in metadata, `onExit metadata: ${JSON.stringify(metadata)}`);
    assert.equal(typeof metadata.link_session_id, 'string', `onExit metadata.link_session_id: ${JSON.stringify(metadata)}`);
    // onEvent: ERROR when the token was refused, EXIT when the user left; same ids throughout.
    assertEventSequence(record.events, [
      { name: 'ERROR', error_code: 'INVALID_LINK_TOKEN', error_type: 'INVALID_INPUT', view_name: 'ERROR' },
      { name: 'EXIT', error_code: 'INVALID_LINK_TOKEN' },
    ]);
    assertEventMetadata(record.events, { linkSessionId: metadata.link_session_id, opens: false });
    return record;
  }

  flow('h1. an expired link token', async ({ tenant, page, link }) => {
    const linkToken = await tenant.linkToken();
    const { expiration } = await tenant.linkTokenGet(linkToken);
    await tenant.post('/tartan/clock/set', { now: new Date(Date.parse(expiration) + 60_000).toISOString() });
    await expectInvalidToken({ page, link, linkToken });
  });

  flow('h2. a link token already used for a successful Link', async ({ tenant, page, link, shots }) => {
    const linkToken = await tenant.linkToken();
    await startLink({ page, app: world.app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('First Platypus', FIRST_PLATYPUS.institution_id);
    await link.submitCredentials('user_good', 'pass_good');
    await link.finish();
    await waitForCallback(page, 'success');
    // The same token again, as a fresh page load would use it.
    await expectInvalidToken({ page, link, linkToken });
    await shots.take(page, 'after-exit');
  });

  flow('h3. a link token Tartan never issued', async ({ page, link }) => {
    await expectInvalidToken({ page, link, linkToken: 'link-sandbox-00000000-0000-4000-8000-000000000000' });
  });

  flow('j. Unsupported Platypus Bank is listed; choosing it ends Link with institution_not_supported', async ({ tenant, page, link }) => {
    const linkToken = await tenant.linkToken();
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('Unsupported', UNSUPPORTED.institution_id);
    await link.waitForView('ERROR');
    const shown = await link.text('main#app');
    assert.ok(shown.includes('not supported') && shown.includes('INSTITUTION_NO_LONGER_SUPPORTED'), `the ERROR pane: "${shown}"`);
    assert.ok(!link.seen.includes('CREDENTIAL'), `Link offered a login at an unsupported bank: ${link.seen}`);
    await link.click('[data-action="exit"]');

    await waitForCallback(page, 'exit');
    const record = await waitForEvent(page, 'EXIT');
    assert.equal(record.success, null, 'onSuccess was called');
    const { error, metadata } = record.exit;
    assert.deepEqual([error?.error_type, error?.error_code], ['INSTITUTION_ERROR', 'INSTITUTION_NO_LONGER_SUPPORTED'], `onExit error: ${JSON.stringify(error)}`);
    assert.equal(metadata.status, 'institution_not_supported', 'onExit metadata.status');
    assert.deepEqual(metadata.institution, UNSUPPORTED, 'onExit metadata.institution');
    assert.equal(metadata.link_session_id, linkSessionId, 'onExit metadata.link_session_id');
    assertEventMetadata(record.events, { linkSessionId });
    assertEventSequence(record.events, [
      { name: 'SELECT_INSTITUTION', institution_id: UNSUPPORTED.institution_id },
      { name: 'ERROR', error_code: 'INSTITUTION_NO_LONGER_SUPPORTED' },
      'TRANSITION_VIEW(ERROR)',
      { name: 'EXIT', exit_status: 'institution_not_supported', error_code: 'INSTITUTION_NO_LONGER_SUPPORTED' },
    ]);
    const session = await tenant.session(linkSessionId, linkToken);
    assert.equal(session.result?.on_exit?.metadata?.status, 'institution_not_supported', 'session on_exit status');
  });

  // The user denies at the bank: Link shows the error, and leaving it is requires_oauth with
  // INSUFFICIENT_CREDENTIALS, as in Plaid.
  async function expectOauthDenied({ page, link, linkToken, linkSessionId, tenant, resumed = false }) {
    await link.waitForView('ERROR');
    const shown = await link.text('main#app');
    assert.ok(shown.includes('INSUFFICIENT_CREDENTIALS'), `the ERROR pane: "${shown}"`);
    await link.click('[data-action="exit"]');
    await waitForCallback(page, 'exit');
    const record = await waitForEvent(page, 'EXIT');
    assert.equal(record.success, null, 'onSuccess was called');
    const { error, metadata } = record.exit;
    assert.deepEqual([error?.error_type, error?.error_code], ['ITEM_ERROR', 'INSUFFICIENT_CREDENTIALS'], `onExit error: ${JSON.stringify(error)}`);
    assert.equal(metadata.status, 'requires_oauth', 'onExit metadata.status');
    assert.deepEqual(metadata.institution, PLATYPUS_OAUTH, 'onExit metadata.institution');
    assert.equal(metadata.link_session_id, linkSessionId, 'onExit metadata.link_session_id');
    assertEventMetadata(record.events, { linkSessionId, opens: !resumed });
    assertEventSequence(record.events, [
      ...(resumed ? [] : ['OPEN_OAUTH']),
      'CLOSE_OAUTH',
      { name: 'ERROR', error_code: 'INSUFFICIENT_CREDENTIALS' },
      'TRANSITION_VIEW(ERROR)',
      { name: 'EXIT', exit_status: 'requires_oauth', error_code: 'INSUFFICIENT_CREDENTIALS' },
    ]);
    const session = await tenant.session(linkSessionId, linkToken);
    assert.equal(session.result?.on_exit?.metadata?.status, 'requires_oauth', 'session on_exit status');
    return record;
  }

  flow('k. denying at the OAuth bank (popup) ends Link with requires_oauth', async ({ tenant, page, link, shots, context }) => {
    const linkToken = await tenant.linkToken();
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('Platypus OAuth', PLATYPUS_OAUTH.institution_id);
    await link.waitForView('OAUTH');
    await link.click('[data-action="oauth-continue"]');
    const popupTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().includes('/tartan/link/oauth'),
      { timeout: STEP_TIMEOUT_MS },
    );
    const popup = await popupTarget.page();
    await popup.waitForSelector('[data-action="deny"]', { visible: true, timeout: STEP_TIMEOUT_MS });
    const closed = new Promise((resolve) => popup.once('close', resolve));
    await popup.click('[data-action="deny"]');
    await within(closed, STEP_TIMEOUT_MS, 'the bank popup did not close itself');
    await expectOauthDenied({ page, link, linkToken, linkSessionId, tenant });
    await shots.take(page, 'after-exit');
  });

  flow('k2. denying at the OAuth bank (redirect_uri): the resumed Link ends with requires_oauth', async ({ tenant, page, link, shots, context }) => {
    const app = world.app;
    const linkToken = await tenant.linkToken({ redirect_uri: app.redirectUri });
    const linkSessionId = await startLink({ page, app, linkToken });
    await link.acceptConsent();
    await link.selectInstitution('Platypus OAuth', PLATYPUS_OAUTH.institution_id);
    await link.waitForView('OAUTH');
    await link.click('[data-action="oauth-continue"]');
    const bankTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().includes('/tartan/link/oauth'),
      { timeout: STEP_TIMEOUT_MS },
    );
    const bank = await bankTarget.page();
    await bank.waitForSelector('[data-action="deny"]', { visible: true, timeout: STEP_TIMEOUT_MS });
    await shots.take(bank, 'OAUTH-bank-page');
    await bank.click('[data-action="deny"]');
    const returnTarget = await world.browser.waitForTarget(
      (t) => t.browserContext() === context && t.type() === 'page' && t.url().startsWith(app.redirectUri) && t.url().includes('oauth_state_id='),
      { timeout: STEP_TIMEOUT_MS },
    );
    const back = await returnTarget.page();
    await back.waitForFunction(() => document.readyState === 'complete' && window.__link, { timeout: STEP_TIMEOUT_MS });
    const resumed = new LinkDriver(back, shots);
    await expectOauthDenied({ page: back, link: resumed, linkToken, linkSessionId, tenant, resumed: true });
  });

  flow('i. at 1280x900 the primary action stays on screen: consent, and account selection with all 12 accounts', async ({ tenant, page, link, shots }) => {
    await page.setViewport(QUICKSTART_VIEWPORT);
    const linkToken = await tenant.linkToken();
    const linkSessionId = await startLink({ page, app: world.app, linkToken });
    await link.waitForView('CONSENT');
    const consent = await assertPrimaryInView(link, 'CONSENT');
    // A person clicks where the button is.
    await page.mouse.click(consent.x, consent.y);
    await link.selectInstitution('First Platypus', FIRST_PLATYPUS.institution_id);
    await link.submitCredentials('user_good', 'pass_good');
    await link.waitForView('SELECT_ACCOUNT');
    const boxes = await link.accountCheckboxes();
    assert.equal(boxes.length, 12, `user_good's accounts offered: ${JSON.stringify(boxes)}`);
    assert.ok(boxes.every((b) => b.checked), 'every account starts selected (Account Select: all)');
    const before = await assertPrimaryInView(link, 'SELECT_ACCOUNT');
    // The list scrolls; the button does not move.
    const frame = await link.frame();
    const scrolled = await frame.$eval('input[data-account-id]', (input) => {
      let box = input.parentElement;
      while (box && box !== document.body && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) box = box.parentElement;
      if (!box || box === document.body) return null;
      box.scrollTop = box.scrollHeight;
      return { id: box.id || box.className, scrollTop: box.scrollTop };
    });
    assert.ok(scrolled && scrolled.scrollTop > 0, `twelve accounts do not scroll inside the pane: ${JSON.stringify(scrolled)}`);
    await shots.take(page, 'SELECT_ACCOUNT-scrolled');
    const after = await assertPrimaryInView(link, 'SELECT_ACCOUNT scrolled to the last account');
    assert.deepEqual([after.x, after.y], [before.x, before.y], 'the primary button moved when the list scrolled');
    const last = boxes[boxes.length - 1];
    assert.equal(await (await link.frame()).$eval(`input[data-account-id="${last.id}"]`, (el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit === el || el.closest('label').contains(hit);
    }), true, 'the last account is reachable by scrolling');
    await page.mouse.click(after.x, after.y);
    await link.waitForView('CONNECTED');
    const connected = await assertPrimaryInView(link, 'CONNECTED');
    await page.mouse.click(connected.x, connected.y);

    const record = await checkSuccess({
      tenant,
      page,
      linkToken,
      linkSessionId,
      institution: FIRST_PLATYPUS,
      sequence: [...NEW_ITEM_START, 'TRANSITION_VIEW(SELECT_ACCOUNT)', 'TRANSITION_VIEW(CONNECTED)', 'HANDOFF'],
    });
    assert.equal(record.success.metadata.accounts.length, 12, 'onSuccess names all 12 accounts');
  });
});
