// The user_custom Sandbox user through Plaid's official Node SDK: its password is a JSON
// configuration (plaid-behavior.md 2.8), given as options.override_password (a JSON *string*)
// with override_username "user_custom" on /sandbox/public_token/create. The configuration
// decides the accounts, their balances and transactions (pending from date_transacted until
// date_posted on the tenant's clock, then posted) and the error the login is forced to fail
// with; a configuration that cannot be used is ITEM_ERROR / INVALID_CREDENTIALS naming the field.
//
// The Node SDK does not validate responses, so the tests check the fields a caller relies on
// explicitly. Each test has a tenant of its own, seeded, its virtual clock frozen at
// 2027-03-10T12:00:00Z and moved only by the test.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Products } from 'plaid';

import { assertKeys, expectPlaidError, frozenTenant, startTartan } from '../harness/tartan.mjs';

const FIRST_PLATYPUS = 'ins_109508';
const CUSTOM_USER = 'user_custom';
const START = '2027-03-10T12:00:00Z';
const SEED = 7;
const HISTORICAL_READY_S = 60;
const REFRESH_S = 30;
const DAY_S = 86_400;
const PRODUCTS = [Products.Auth, Products.Transactions];

const ACCOUNT_FIELDS = ['account_id', 'balances', 'mask', 'name', 'official_name', 'subtype', 'type'];
const BALANCE_FIELDS = ['available', 'current', 'iso_currency_code', 'limit', 'unofficial_currency_code'];
const TRANSACTION_FIELDS = [
  'account_id',
  'amount',
  'authorized_date',
  'date',
  'iso_currency_code',
  'name',
  'pending',
  'pending_transaction_id',
  'transaction_id',
];
const SYNC_FIELDS = ['accounts', 'added', 'has_more', 'modified', 'next_cursor', 'removed', 'request_id'];

let tartan;

before(async () => {
  tartan = await startTartan();
});

after(async () => {
  await tartan?.stop();
});

function freshTenant(label) {
  return frozenTenant(tartan.baseUrl, label, { seed: SEED, start: START });
}

const cents = (amount) => (amount === null ? null : Math.round(amount * 100));

const customOptions = (config) => ({
  override_username: CUSTOM_USER,
  override_password: typeof config === 'string' ? config : JSON.stringify(config),
});

// /sandbox/public_token/create for user_custom (the promise, for error checks).
const createCustom = (tenant, config, products = PRODUCTS) =>
  tenant.api.sandboxPublicTokenCreate({
    institution_id: FIRST_PLATYPUS,
    initial_products: products,
    options: customOptions(config),
  });

async function customItem(tenant, config) {
  return tenant.newItem(FIRST_PLATYPUS, PRODUCTS, customOptions(config));
}

async function accountsByName(tenant, accessToken, { live = false } = {}) {
  const call = live ? tenant.api.accountsBalanceGet : tenant.api.accountsGet;
  const { data } = await call.call(tenant.api, { access_token: accessToken });
  const byName = new Map();
  for (const account of data.accounts) {
    assertKeys(account, ACCOUNT_FIELDS, `account ${account.account_id}`);
    assertKeys(account.balances, BALANCE_FIELDS, `balances of ${account.name}`);
    assert.ok(!byName.has(account.name), `two accounts named ${account.name}`);
    byName.set(account.name, account);
  }
  return byName;
}

// Pages from `cursor` (undefined: the whole history) until has_more is false.
async function syncAll(tenant, accessToken, cursor) {
  const out = { added: [], modified: [], removed: [] };
  for (let pages = 0; pages < 1000; pages++) {
    const { data } = await tenant.api.transactionsSync({ access_token: accessToken, cursor, count: 500 });
    assertKeys(data, SYNC_FIELDS, '/transactions/sync response');
    assert.notEqual(data.next_cursor, '', `not ready: ${data.transactions_update_status}`);
    out.added.push(...data.added);
    out.modified.push(...data.modified);
    out.removed.push(...data.removed);
    cursor = data.next_cursor;
    if (!data.has_more) {
      for (const txn of [...out.added, ...out.modified]) assertKeys(txn, TRANSACTION_FIELDS, `transaction ${txn.transaction_id}`);
      const ids = out.added.map((t) => t.transaction_id);
      assert.equal(new Set(ids).size, ids.length, 'duplicated added transaction ids');
      return { ...out, cursor };
    }
  }
  throw new Error('sync never reached has_more=false');
}

// Move the clock `days` on, then /transactions/refresh and let the copy update.
async function refreshDays(tenant, accessToken, days) {
  const before = await tenant.now();
  const { now } = await tenant.control('POST', '/tartan/clock/advance', { days });
  assert.equal(new Date(now) - before, days * DAY_S * 1000);
  const { data } = await tenant.api.transactionsRefresh({ access_token: accessToken });
  assert.equal(typeof data.request_id, 'string');
  await tenant.advance(REFRESH_S);
}

const CHECKING = { type: 'depository', subtype: 'checking' };
const CREDIT_CARD = { type: 'credit', subtype: 'credit card' };

describe('user_custom accounts', () => {
  test('accounts, balances, names, masks and currency come from the config', async () => {
    const tenant = await freshTenant('node_custom_accounts');
    const { accessToken } = await customItem(tenant, {
      override_accounts: [
        {
          ...CHECKING,
          starting_balance: 1234.56,
          meta: { name: 'Node Checking', official_name: 'Node Checking Account', mask: '4321' },
        },
        { ...CREDIT_CARD, starting_balance: 410.25, meta: { limit: 2000 } },
        { type: 'depository', subtype: 'savings', starting_balance: 5000, currency: 'CAD', force_available_balance: 50, meta: { name: 'Node Savings' } },
        { type: 'loan', subtype: 'student', starting_balance: 15000, has_null_available_balance: true, meta: { name: 'Node Loan', mask: 'LN' } },
      ],
    });
    const accounts = await accountsByName(tenant, accessToken);
    assert.deepEqual([...accounts.keys()].sort(), ['Node Checking', 'Node Loan', 'Node Savings', 'Plaid Credit Card']);

    const checking = accounts.get('Node Checking');
    assert.deepEqual([checking.type, checking.subtype, checking.mask, checking.official_name], ['depository', 'checking', '4321', 'Node Checking Account']);
    assert.deepEqual([cents(checking.balances.current), cents(checking.balances.available)], [123456, 123456]);
    assert.equal(checking.balances.iso_currency_code, 'USD');

    // No meta.name: "Plaid " + the subtype; no meta.mask: by its place (the second: 1111).
    const card = accounts.get('Plaid Credit Card');
    assert.deepEqual([card.type, card.subtype, card.mask], ['credit', 'credit card', '1111']);
    assert.deepEqual(
      [cents(card.balances.current), cents(card.balances.limit), cents(card.balances.available)],
      [41025, 200000, 200000 - 41025],
    );

    const savings = accounts.get('Node Savings');
    assert.deepEqual([cents(savings.balances.current), cents(savings.balances.available)], [500000, 5000]);
    assert.equal(savings.balances.iso_currency_code, 'CAD');

    const loan = accounts.get('Node Loan');
    assert.deepEqual([loan.type, loan.subtype, loan.mask], ['loan', 'student', 'LN']);
    assert.equal(cents(loan.balances.current), 1500000);
    assert.equal(loan.balances.available, null);
  });
});

describe('user_custom transactions', () => {
  test('a pending transaction posts on its date and the balance moves', async () => {
    const tenant = await freshTenant('node_custom_posting');
    const { accessToken } = await customItem(tenant, {
      override_accounts: [
        {
          ...CHECKING,
          starting_balance: 1000,
          meta: { name: 'Node Checking' },
          transactions: [
            { date_transacted: '2027-03-01', date_posted: '2027-03-02', amount: 42.5, description: 'Node Grocer' },
            { date_transacted: '2027-03-09', date_posted: '2027-03-12', amount: 25.5, description: 'Node Pending Hardware' },
          ],
        },
      ],
    });
    await tenant.advance(HISTORICAL_READY_S + 1);
    const checkingId = (await accountsByName(tenant, accessToken)).get('Node Checking').account_id;

    const first = await syncAll(tenant, accessToken);
    assert.deepEqual([first.modified, first.removed], [[], []]);
    const byName = new Map(first.added.map((t) => [t.name, t]));
    assert.deepEqual([...byName.keys()].sort(), ['Node Grocer', 'Node Pending Hardware']);
    const grocer = byName.get('Node Grocer');
    assert.deepEqual([grocer.pending, grocer.date, grocer.authorized_date, cents(grocer.amount)], [false, '2027-03-02', '2027-03-01', 4250]);
    const pending = byName.get('Node Pending Hardware');
    assert.deepEqual([pending.pending, pending.authorized_date, cents(pending.amount), pending.pending_transaction_id], [true, '2027-03-09', 2550, null]);
    for (const t of first.added) assert.equal(t.account_id, checkingId);

    let checking = (await accountsByName(tenant, accessToken, { live: true })).get('Node Checking');
    assert.deepEqual([cents(checking.balances.current), cents(checking.balances.available)], [100000, 97450]);

    // 2027-03-11: still pending.
    await refreshDays(tenant, accessToken, 1);
    const quiet = await syncAll(tenant, accessToken, first.cursor);
    assert.deepEqual([quiet.added, quiet.modified, quiet.removed], [[], [], []]);

    // 2027-03-12: it posts (the pending id removed, the posted one added naming it).
    await refreshDays(tenant, accessToken, 1);
    const posting = await syncAll(tenant, accessToken, quiet.cursor);
    assert.deepEqual(posting.removed.map((r) => r.transaction_id), [pending.transaction_id]);
    assert.equal(posting.modified.length, 0);
    assert.equal(posting.added.length, 1, JSON.stringify(posting.added.map((t) => t.name)));
    const [posted] = posting.added;
    assert.equal(posted.pending, false);
    assert.equal(posted.pending_transaction_id, pending.transaction_id);
    assert.notEqual(posted.transaction_id, pending.transaction_id);
    assert.deepEqual([posted.account_id, posted.name, cents(posted.amount), posted.date], [checkingId, 'Node Pending Hardware', 2550, '2027-03-12']);

    for (const live of [false, true]) {
      checking = (await accountsByName(tenant, accessToken, { live })).get('Node Checking');
      assert.deepEqual([cents(checking.balances.current), cents(checking.balances.available)], [97450, 97450], `live=${live}`);
    }
  });
});

describe('user_custom login failures', () => {
  const cases = [
    ['an unknown field', { override_acounts: [CHECKING] }, ['override_acounts']],
    ['a mask of five', { override_accounts: [{ ...CHECKING, meta: { mask: '12345' } }] }, ['override_accounts[0].meta.mask']],
    ['eleven accounts', { override_accounts: Array(11).fill(CHECKING) }, ['override_accounts']],
    [
      'a posting date before the transaction date',
      { override_accounts: [{ ...CHECKING, transactions: [{ date_transacted: '2027-03-05', date_posted: '2027-03-04', amount: 1, description: 'x' }] }] },
      ['override_accounts[0].transactions[0].date_posted'],
    ],
    ['a password that is not JSON', 'pass_good', []],
  ];
  for (const [what, config, names] of cases) {
    test(`${what} is INVALID_CREDENTIALS naming the field`, async () => {
      const tenant = await freshTenant('node_custom_bad');
      const body = await expectPlaidError(createCustom(tenant, config), {
        errorType: 'ITEM_ERROR',
        errorCode: 'INVALID_CREDENTIALS',
        what,
      });
      for (const name of names) assert.ok(body.error_message.includes(name), `${name} not in ${body.error_message}`);
    });
  }

  const forced = [
    ['ITEM_LOCKED', 400, 'ITEM_ERROR', 'ITEM_LOCKED'],
    ['INSTITUTION_NOT_RESPONDING', 400, 'INSTITUTION_ERROR', 'INSTITUTION_NOT_RESPONDING'],
    ['PLAID_ERROR', 500, 'API_ERROR', 'INTERNAL_SERVER_ERROR'],
  ];
  for (const [forceError, status, errorType, errorCode] of forced) {
    test(`force_error ${forceError} fails the login with ${errorType}/${errorCode}`, async () => {
      const tenant = await freshTenant('node_custom_forced');
      await expectPlaidError(createCustom(tenant, { force_error: forceError, override_accounts: [CHECKING] }), {
        status,
        errorType,
        errorCode,
        what: `force_error ${forceError}`,
      });
    });
  }
});
