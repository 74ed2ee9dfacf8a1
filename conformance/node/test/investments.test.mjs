// Sandbox Investments through Plaid's official Node SDK: /investments/holdings/get for a
// user_good Item at First Platypus made with the Investments product.
//
// The invariant: for each investment account, the holdings' institution_value add up to the
// account's balances.current, on the day of linking and after the clock has moved and Plaid's
// copy has been refreshed with /accounts/balance/get (prices move, quantities stay).
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
const DAY0 = '2027-03-10';
const SEED = 7;
const TOLERANCE = 1e-3;
const DAY0_CURRENT = { 5555: 320.76, 6666: 23631.9805 };
const NO_INVESTMENT_ACCOUNTS = 'There are no valid investment account(s) associated with this Item.';

const RESPONSE_FIELDS = ['accounts', 'holdings', 'securities', 'item', 'request_id'];
const HOLDING_FIELDS = [
  'account_id',
  'security_id',
  'institution_price',
  'institution_price_as_of',
  'institution_value',
  'cost_basis',
  'quantity',
  'iso_currency_code',
  'unofficial_currency_code',
  'vested_quantity',
  'vested_value',
];
const SECURITY_FIELDS = [
  'security_id',
  'isin',
  'cusip',
  'sedol',
  'name',
  'ticker_symbol',
  'is_cash_equivalent',
  'type',
  'close_price',
  'close_price_as_of',
  'iso_currency_code',
  'market_identifier_code',
  'fixed_income',
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

async function investmentsItem(tenant) {
  return tenant.newItem(FIRST_PLATYPUS, [Products.Investments]);
}

async function holdingsGet(tenant, accessToken, accountIds) {
  const request = { access_token: accessToken };
  if (accountIds) request.options = { account_ids: accountIds };
  const { data } = await tenant.api.investmentsHoldingsGet(request);
  assertKeys(data, RESPONSE_FIELDS, '/investments/holdings/get response');
  return data;
}

// Checks one holdings answer; returns {mask: Σ institution_value}.
function checkHoldings(data) {
  const accounts = new Map(data.accounts.map((a) => [a.account_id, a]));
  const securities = new Map(data.securities.map((s) => [s.security_id, s]));
  assert.equal(securities.size, data.securities.length, 'duplicated security ids');
  for (const a of data.accounts) assert.equal(a.type, 'investment', `${a.name} is ${a.type}`);
  const totals = {};
  const held = new Set();
  for (const h of data.holdings) {
    assertKeys(h, HOLDING_FIELDS, 'holding');
    assert.ok(accounts.has(h.account_id), `holding of an unlisted account ${h.account_id}`);
    assert.ok(securities.has(h.security_id), `holding of an unlisted security ${h.security_id}`);
    const security = securities.get(h.security_id);
    assertKeys(security, SECURITY_FIELDS, `security ${h.security_id}`);
    const what = `${accounts.get(h.account_id).mask}/${security.ticker_symbol}`;
    held.add(h.security_id);
    assert.ok(h.quantity > 0, what);
    assert.ok(
      Math.abs(h.institution_value - h.quantity * h.institution_price) <= TOLERANCE,
      `${what}: ${h.institution_value} != ${h.quantity} x ${h.institution_price}`,
    );
    assert.equal(h.iso_currency_code, 'USD', what);
    assert.equal(h.vested_quantity, h.quantity, what);
    assert.equal(security.close_price, h.institution_price, `${what}: close_price`);
    assert.equal(security.close_price_as_of, h.institution_price_as_of, `${what}: close_price_as_of`);
    const mask = accounts.get(h.account_id).mask;
    totals[mask] = (totals[mask] ?? 0) + h.institution_value;
  }
  assert.deepEqual([...held].sort(), [...securities.keys()].sort(), 'securities listed but not held');
  for (const a of data.accounts) {
    assert.equal(typeof a.balances.current, 'number', `${a.name} balances.current`);
    assert.ok(
      Math.abs(totals[a.mask] - a.balances.current) <= TOLERANCE,
      `${a.name} (${a.mask}): holdings add up to ${totals[a.mask]}, balances.current is ${a.balances.current}`,
    );
  }
  return totals;
}

function positions(data) {
  const masks = new Map(data.accounts.map((a) => [a.account_id, a.mask]));
  const tickers = new Map(data.securities.map((s) => [s.security_id, s.ticker_symbol]));
  return Object.fromEntries(
    data.holdings.map((h) => [`${masks.get(h.account_id)}/${tickers.get(h.security_id)}`, h.quantity]),
  );
}

describe('/investments/holdings/get', () => {
  test('on the day of linking the holdings add up to the investment balances', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken, itemId } = await investmentsItem(tenant);
    const data = await holdingsGet(tenant, accessToken);
    assert.equal(data.item.item_id, itemId);
    assert.deepEqual(
      Object.fromEntries(data.accounts.map((a) => [a.mask, [a.name, a.balances.current]])),
      { 5555: ['Plaid IRA', DAY0_CURRENT[5555]], 6666: ['Plaid 401k', DAY0_CURRENT[6666]] },
    );
    const totals = checkHoldings(data);
    for (const [mask, current] of Object.entries(DAY0_CURRENT)) {
      assert.ok(Math.abs(totals[mask] - current) <= TOLERANCE, `${mask}: ${totals[mask]} vs ${current}`);
    }
    for (const h of data.holdings) assert.equal(h.institution_price_as_of, DAY0);
    const cash = data.securities.find((s) => s.ticker_symbol === 'CUR:USD');
    assert.ok(cash, 'no cash security');
    assert.equal(cash.type, 'cash');
    assert.equal(cash.is_cash_equivalent, true);
  });

  test('after 30 days and a balance refresh the holdings still add up, at new prices', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken } = await investmentsItem(tenant);
    const day0 = await holdingsGet(tenant, accessToken);
    checkHoldings(day0);

    await advanceDays(tenant, 30);
    const { data: balance } = await tenant.api.accountsBalanceGet({ access_token: accessToken });
    const fresh = Object.fromEntries(
      balance.accounts.filter((a) => a.type === 'investment').map((a) => [a.mask, a.balances.current]),
    );
    assert.deepEqual(Object.keys(fresh).sort(), ['5555', '6666']);

    const later = await holdingsGet(tenant, accessToken);
    const totals = checkHoldings(later);
    assert.deepEqual(Object.fromEntries(later.accounts.map((a) => [a.mask, a.balances.current])), fresh);
    for (const [mask, current] of Object.entries(fresh)) {
      assert.ok(Math.abs(totals[mask] - current) <= TOLERANCE, `${mask}: ${totals[mask]} vs ${current}`);
    }
    assert.deepEqual(positions(later), positions(day0), 'quantities changed');
    for (const h of later.holdings) assert.equal(h.institution_price_as_of, '2027-04-09');
    const before = new Map(day0.securities.map((s) => [s.ticker_symbol, s.close_price]));
    const moved = later.securities.filter((s) => s.ticker_symbol !== 'CUR:USD' && s.close_price !== before.get(s.ticker_symbol));
    assert.ok(moved.length > 0, 'no price moved in 30 days');
    assert.notDeepEqual(fresh, DAY0_CURRENT);
  });

  test('only a non-investment account in options.account_ids is NO_INVESTMENT_ACCOUNTS', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken } = await investmentsItem(tenant);
    const { data } = await tenant.api.accountsGet({ access_token: accessToken });
    const checking = data.accounts.find((a) => a.mask === '0000');
    assert.ok(checking, 'no checking account');
    assert.equal(checking.type, 'depository');
    const body = await expectPlaidError(
      tenant.api.investmentsHoldingsGet({ access_token: accessToken, options: { account_ids: [checking.account_id] } }),
      { errorType: 'ITEM_ERROR', errorCode: 'NO_INVESTMENT_ACCOUNTS', what: '/investments/holdings/get' },
    );
    assert.ok(body.error_message.startsWith(NO_INVESTMENT_ACCOUNTS), body.error_message);
  });
});

// /investments/transactions/get: two years before the day of linking, newest first. The units of
// each account and security add up to its holding, and pages put together are the whole list.

const WIDE_START = '2024-01-01';
const TRANSACTION_FIELDS = [
  'investment_transaction_id',
  'account_id',
  'security_id',
  'date',
  'name',
  'quantity',
  'amount',
  'price',
  'fees',
  'type',
  'subtype',
  'iso_currency_code',
  'unofficial_currency_code',
  'cancel_transaction_id',
  'transaction_datetime',
];
const TRANSACTIONS_RESPONSE_FIELDS = [
  'item',
  'accounts',
  'securities',
  'investment_transactions',
  'total_investment_transactions',
  'request_id',
];

async function investmentTransactionsGet(tenant, accessToken, options, startDate = WIDE_START, endDate = DAY0) {
  const request = { access_token: accessToken, start_date: startDate, end_date: endDate };
  if (options) request.options = options;
  const { data } = await tenant.api.investmentsTransactionsGet(request);
  assertKeys(data, TRANSACTIONS_RESPONSE_FIELDS, '/investments/transactions/get response');
  for (const t of data.investment_transactions) assertKeys(t, TRANSACTION_FIELDS, 'investment transaction');
  const listed = data.securities.map((s) => s.security_id);
  const referenced = new Set(data.investment_transactions.map((t) => t.security_id).filter((id) => id !== null));
  assert.deepEqual([...listed].sort(), [...referenced].sort(), 'securities listed are those referenced');
  return data;
}

describe('/investments/transactions/get', () => {
  test('the units and the cash of the transactions add up to the holdings', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken, itemId } = await investmentsItem(tenant);
    const holdings = await holdingsGet(tenant, accessToken);
    const data = await investmentTransactionsGet(tenant, accessToken, { count: 500 });
    assert.equal(data.item.item_id, itemId);
    assert.deepEqual(data.accounts.map((a) => a.mask).sort(), ['5555', '6666']);
    const txns = data.investment_transactions;
    assert.equal(data.total_investment_transactions, txns.length);
    assert.ok(txns.length > 20, `${txns.length} transactions`);
    const dates = txns.map((t) => t.date);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    assert.ok(dates.every((d) => d < DAY0 && d >= '2025-03-10'), `dates ${dates.at(-1)}..${dates[0]}`);

    const cashIds = new Set(holdings.securities.filter((s) => s.type === 'cash').map((s) => s.security_id));
    const held = new Map();
    const cashHeld = new Map();
    for (const h of holdings.holdings) {
      if (cashIds.has(h.security_id)) cashHeld.set(h.account_id, h.quantity);
      else held.set(`${h.account_id}/${h.security_id}`, h.quantity);
    }
    const units = new Map();
    const cash = new Map();
    for (const t of txns) {
      assert.equal(t.iso_currency_code, 'USD');
      assert.equal(t.cancel_transaction_id, null);
      if (t.security_id !== null) {
        const key = `${t.account_id}/${t.security_id}`;
        units.set(key, (units.get(key) ?? 0) + t.quantity);
      }
      cash.set(t.account_id, (cash.get(t.account_id) ?? 0) - t.amount);
      if (t.type === 'buy') assert.ok(t.quantity > 0 && t.amount > 0, JSON.stringify(t));
      if (t.type === 'sell') assert.ok(t.quantity < 0 && t.amount < 0, JSON.stringify(t));
    }
    assert.ok(held.size > 0, 'no non-cash holdings');
    for (const key of new Set([...held.keys(), ...units.keys()])) {
      const diff = Math.abs((units.get(key) ?? 0) - (held.get(key) ?? 0));
      assert.ok(diff <= TOLERANCE, `${key}: transactions add up to ${units.get(key)}, holding is ${held.get(key)}`);
    }
    for (const a of data.accounts) {
      const diff = Math.abs((cash.get(a.account_id) ?? 0) - (cashHeld.get(a.account_id) ?? 0));
      assert.ok(diff <= TOLERANCE, `${a.mask}: -Σ amount ${cash.get(a.account_id)}, cash ${cashHeld.get(a.account_id)}`);
    }
  });

  test('pages of count/offset put together are the whole list; a narrower range is its days', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken } = await investmentsItem(tenant);
    const whole = await investmentTransactionsGet(tenant, accessToken, { count: 500 });
    const total = whole.total_investment_transactions;
    const paged = [];
    for (let offset = 0; offset < total; offset += 9) {
      const page = await investmentTransactionsGet(tenant, accessToken, { count: 9, offset });
      assert.equal(page.total_investment_transactions, total);
      assert.equal(page.investment_transactions.length, Math.min(9, total - offset));
      paged.push(...page.investment_transactions);
    }
    assert.deepEqual(paged, whole.investment_transactions);
    const past = await investmentTransactionsGet(tenant, accessToken, { count: 5, offset: total });
    assert.deepEqual(past.investment_transactions, []);

    const [start, end] = ['2026-03-28', '2026-09-28'];
    const narrow = await investmentTransactionsGet(tenant, accessToken, { count: 500 }, start, end);
    const expected = whole.investment_transactions.filter((t) => t.date >= start && t.date <= end);
    assert.ok(expected.some((t) => t.date === start) && expected.some((t) => t.date === end), 'bounds hold transactions');
    assert.deepEqual(narrow.investment_transactions, expected);
    assert.equal(narrow.total_investment_transactions, expected.length);
  });

  test('bad input is INVALID_FIELD naming the field', async () => {
    const tenant = await freshTenant('node_investments');
    const { accessToken } = await investmentsItem(tenant);
    for (const [request, field] of [
      [{ start_date: '2027-03-10', end_date: '2027-03-01' }, 'start_date'],
      [{ start_date: '2027-03-01', end_date: 'March 1' }, 'end_date'],
      [{ start_date: '2027-03-01', end_date: '2027-03-10', options: { count: 501 } }, 'options.count'],
      [{ start_date: '2027-03-01', end_date: '2027-03-10', options: { offset: -1 } }, 'options.offset'],
    ]) {
      const body = await expectPlaidError(
        tenant.api.investmentsTransactionsGet({ access_token: accessToken, ...request }),
        { errorType: 'INVALID_REQUEST', errorCode: 'INVALID_FIELD', what: JSON.stringify(request) },
      );
      assert.ok(body.error_message.includes(field), `${field} not in ${body.error_message}`);
    }
  });
});
