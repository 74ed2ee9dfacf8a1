// Sandbox Liabilities through Plaid's official Node SDK: /liabilities/get for a user_good Item at
// First Platypus made with the Liabilities product.
//
// The liabilities follow the transaction schedule: card 3333 is paid on the 25th (business card
// 9999 on the 22nd) by a "PAYMENT - THANK YOU" transaction, statements are issued on the last day
// of the month before, the student loan (7777) is paid $345.00 on the 5th and the mortgage (8888)
// $1,285.00 on the 1st, and each loan's ytd_interest_paid is its "INTEREST CHARGED" of the year.
//
// The Node SDK does not validate responses, so the tests check the fields a caller relies on
// explicitly. Each test has a tenant of its own, seeded, its virtual clock frozen at
// 2027-03-10T12:00:00Z and moved only by the test, and the 30-day Sandbox login expiry off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Products } from 'plaid';

import { advanceDays, assertKeys, expectPlaidError, frozenTenant, startTartan } from '../harness/tartan.mjs';

const FIRST_PLATYPUS = 'ins_109508';
const START = '2027-03-10T12:00:00Z';
const SEED = 7;
const NO_LIABILITY_ACCOUNTS = 'There are no valid liability account(s) associated with this Item.';
const RESPONSE_FIELDS = ['accounts', 'item', 'liabilities', 'request_id'];
const CARD_FIELDS = [
  'account_id', 'aprs', 'is_overdue', 'last_payment_amount', 'last_payment_date',
  'last_statement_issue_date', 'last_statement_balance', 'minimum_payment_amount', 'next_payment_due_date',
];

let tartan;

before(async () => {
  tartan = await startTartan();
});

after(async () => {
  await tartan?.stop();
});

function freshTenant(label) {
  return frozenTenant(tartan.baseUrl, label, {
    seed: SEED,
    start: START,
    settings: { item_login_expiry_days: 0 },
  });
}

async function liabilitiesGet(tenant, accessToken, accountIds) {
  const request = { access_token: accessToken };
  if (accountIds) request.options = { account_ids: accountIds };
  const { data } = await tenant.api.liabilitiesGet(request);
  assertKeys(data, RESPONSE_FIELDS, '/liabilities/get response');
  return data;
}

// {mask: liability} over credit, student and mortgage.
function byMask(data) {
  const masks = new Map(data.accounts.map((a) => [a.account_id, a.mask]));
  const out = {};
  for (const kind of ['credit', 'student', 'mortgage']) {
    for (const l of data.liabilities[kind] ?? []) {
      const mask = masks.get(l.account_id);
      assert.ok(mask, `${kind} liability of an unlisted account ${l.account_id}`);
      assert.ok(!(mask in out), `${mask} listed twice`);
      out[mask] = { kind, ...l };
    }
  }
  return out;
}

async function allTransactions(tenant, accessToken) {
  const out = [];
  for (;;) {
    const { data } = await tenant.api.transactionsGet({
      access_token: accessToken, start_date: '2000-01-01', end_date: '2100-01-01',
      options: { count: 500, offset: out.length },
    });
    out.push(...data.transactions);
    if (out.length >= data.total_transactions || data.transactions.length === 0) return out;
  }
}

const cents = (x) => Math.round(x * 100);

// The dates the schedule fixes on `today` (YYYY-MM-DD), and the transactions behind the amounts.
function checkSchedule(data, expected, transactions) {
  const got = byMask(data);
  assert.deepEqual(Object.fromEntries(Object.entries(got).map(([m, l]) => [m, l.kind])),
    { 3333: 'credit', 9999: 'credit', 7777: 'student', 8888: 'mortgage' });
  for (const [mask, [last, next, apr]] of Object.entries({ 3333: expected.card, 9999: expected.business })) {
    const c = got[mask];
    assertKeys(c, CARD_FIELDS, `card ${mask}`);
    assert.equal(c.last_statement_issue_date, expected.statement, `card ${mask} statement`);
    assert.deepEqual([c.last_payment_date, c.next_payment_due_date], [last, next], `card ${mask} dates`);
    assert.equal(c.is_overdue, false);
    assert.deepEqual(c.aprs.map((a) => [a.apr_type, a.apr_percentage, a.interest_charge_amount]),
      [['purchase_apr', apr, 0]], `card ${mask} aprs`);
    assert.ok(c.minimum_payment_amount >= 0 && c.minimum_payment_amount <= c.last_statement_balance,
      `card ${mask}: minimum ${c.minimum_payment_amount}, statement ${c.last_statement_balance}`);
  }
  const s = got[7777];
  assert.deepEqual([s.last_payment_date, s.next_payment_due_date, s.last_payment_amount], [...expected.student, 345]);
  assert.equal(s.interest_rate_percentage, 5);
  assert.equal(s.repayment_plan.type, 'standard');
  assert.equal(s.loan_status.type, 'repayment');
  const m = got[8888];
  assert.deepEqual([m.last_payment_date, m.next_payment_due_date, m.last_payment_amount], [...expected.mortgage, 1285]);
  assert.equal(m.interest_rate.type, 'fixed');
  assert.deepEqual([m.property_address.city, m.property_address.region, m.property_address.postal_code],
    ['Malakoff', 'NY', '14236']);

  if (!transactions) return;
  const ids = Object.fromEntries(data.accounts.map((a) => [a.mask, a.account_id]));
  const paid = transactions.filter((t) => t.account_id === ids[3333] && t.name === 'PAYMENT - THANK YOU'
    && t.date === got[3333].last_payment_date);
  assert.equal(paid.length, 1, `card 3333: ${paid.length} payments on ${got[3333].last_payment_date}`);
  assert.equal(cents(got[3333].last_payment_amount), -cents(paid[0].amount), 'card 3333 last_payment_amount');
  const year = expected.today.slice(0, 4);
  for (const mask of ['7777', '8888']) {
    const charged = transactions.filter((t) => t.account_id === ids[mask] && t.name === 'INTEREST CHARGED'
      && t.date >= `${year}-01-01` && t.date <= expected.today);
    assert.ok(charged.length > 0, `${mask}: no interest charged this year`);
    assert.equal(cents(got[mask].ytd_interest_paid), charged.reduce((sum, t) => sum + cents(t.amount), 0),
      `${mask} ytd_interest_paid vs ${JSON.stringify(charged.map((t) => [t.date, t.amount]))}`);
  }
}

describe('/liabilities/get', () => {
  test('lists every account and the liabilities, which agree with the transactions', async () => {
    const tenant = await freshTenant('node_liabilities');
    const { accessToken, itemId } = await tenant.newItem(FIRST_PLATYPUS, [Products.Liabilities, Products.Transactions]);
    await tenant.advance(61);
    const data = await liabilitiesGet(tenant, accessToken);
    assert.equal(data.item.item_id, itemId);
    const { data: all } = await tenant.api.accountsGet({ access_token: accessToken });
    assert.deepEqual(data.accounts.map((a) => a.account_id).sort(), all.accounts.map((a) => a.account_id).sort());
    checkSchedule(data, {
      today: '2027-03-10',
      statement: '2027-02-28',
      card: ['2027-02-25', '2027-03-25', 12.5],
      business: ['2027-02-22', '2027-03-22', 17.99],
      student: ['2027-03-05', '2027-04-05'],
      mortgage: ['2027-03-01', '2027-04-01'],
    }, await allTransactions(tenant, accessToken));

    const ids = Object.fromEntries(data.accounts.map((a) => [a.mask, a.account_id]));
    const card = await liabilitiesGet(tenant, accessToken, [ids[3333]]);
    assert.deepEqual(card.accounts.map((a) => a.mask), ['3333']);
    assert.deepEqual([card.liabilities.credit.length, card.liabilities.student.length, card.liabilities.mortgage.length],
      [1, 0, 0]);
  });

  test('after 30 days and a balance refresh the dates move on a month', async () => {
    const tenant = await freshTenant('node_liabilities');
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, [Products.Liabilities, Products.Transactions]);
    await advanceDays(tenant, 30);
    await tenant.api.accountsBalanceGet({ access_token: accessToken });
    checkSchedule(await liabilitiesGet(tenant, accessToken), {
      today: '2027-04-09',
      statement: '2027-03-31',
      card: ['2027-03-25', '2027-04-25', 12.5],
      business: ['2027-03-22', '2027-04-22', 17.99],
      student: ['2027-04-05', '2027-05-05'],
      mortgage: ['2027-04-01', '2027-05-01'],
    }, await allTransactions(tenant, accessToken));
  });

  test('errors: no liability account selected, unsupported bank, login required, unknown account', async () => {
    const tenant = await freshTenant('node_liabilities');
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, [Products.Liabilities]);
    const { data } = await tenant.api.accountsGet({ access_token: accessToken });
    const checking = data.accounts.find((a) => a.mask === '0000');
    assert.equal(checking?.subtype, 'checking');
    const body = await expectPlaidError(
      tenant.api.liabilitiesGet({ access_token: accessToken, options: { account_ids: [checking.account_id] } }),
      { errorType: 'ITEM_ERROR', errorCode: 'NO_LIABILITY_ACCOUNTS', what: 'checking only' },
    );
    assert.ok(body.error_message.startsWith(NO_LIABILITY_ACCOUNTS), body.error_message);
    await expectPlaidError(
      tenant.api.liabilitiesGet({ access_token: accessToken, options: { account_ids: ['no-such-account'] } }),
      { errorType: 'INVALID_INPUT', errorCode: 'INVALID_ACCOUNT_ID', what: 'unknown account' },
    );
    const houndstooth = await tenant.newItem('ins_109512', [Products.Auth]);
    await expectPlaidError(tenant.api.liabilitiesGet({ access_token: houndstooth.accessToken }),
      { errorType: 'ITEM_ERROR', errorCode: 'PRODUCTS_NOT_SUPPORTED', what: 'Houndstooth Bank' });
    await tenant.api.sandboxItemResetLogin({ access_token: accessToken });
    await expectPlaidError(tenant.api.liabilitiesGet({ access_token: accessToken }),
      { errorType: 'ITEM_ERROR', errorCode: 'ITEM_LOGIN_REQUIRED', what: 'after reset_login' });
  });
});
