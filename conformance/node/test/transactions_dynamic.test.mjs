// Sandbox Transactions that change on request, through Plaid's official Node SDK: the
// user_transactions_dynamic user (50 transactions; each /transactions/refresh posts the
// earlier pending ones, makes new pending ones and adds $1.00 to one earlier transaction)
// and /sandbox/transactions/create.
//
// The Node SDK does not validate responses, so the tests check the fields a caller relies on
// explicitly. Each test has a tenant of its own, seeded so that it sees the same Items on
// every run, its virtual clock frozen at 2027-03-10T12:00:00Z and moved only by the test.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Products } from 'plaid';

import { assertKeys, expectPlaidError, frozenTenant, startTartan } from '../harness/tartan.mjs';

const FIRST_PLATYPUS = 'ins_109508';
const DYNAMIC_USER = 'user_transactions_dynamic';
const START = '2027-03-10T12:00:00Z';
const SEED = 7;
const HISTORICAL_READY_S = 60;
const BASE_COUNT = 50;
const TOO_MANY = 'The request contains too many transactions.';

const TRANSACTION_FIELDS = [
  'account_id',
  'amount',
  'authorized_date',
  'date',
  'iso_currency_code',
  'merchant_name',
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

const cents = (amount) => Math.round(amount * 100);
const isoDay = (date, daysBack = 0) => new Date(date.getTime() - daysBack * 86_400_000).toISOString().slice(0, 10);

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

// A dynamic Item past the 60 s readiness, synced once.
async function readyDynamicItem(tenant) {
  const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, [Products.Transactions], {
    override_username: DYNAMIC_USER,
    override_password: 'any',
  });
  await tenant.advance(HISTORICAL_READY_S + 1);
  const first = await syncAll(tenant, accessToken);
  assert.deepEqual([first.modified, first.removed], [[], []]);
  const store = new Map(first.added.map((t) => [t.transaction_id, t]));
  return { accessToken, store, cursor: first.cursor };
}

describe('user_transactions_dynamic', () => {
  test('starts with 50 transactions, some pending and some posted', async () => {
    const tenant = await freshTenant('node_txn_dynamic');
    const { store } = await readyDynamicItem(tenant);
    assert.equal(store.size, BASE_COUNT);
    const all = [...store.values()];
    assert.ok(all.some((t) => t.pending === true), 'no pending transaction');
    assert.ok(all.some((t) => t.pending === false), 'no posted transaction');
    for (const t of all) assert.equal(typeof t.amount, 'number');
  });

  test('a refresh posts the pending, makes new pending and adds $1.00 to one earlier transaction', async () => {
    const tenant = await freshTenant('node_txn_dynamic');
    const { accessToken, store, cursor } = await readyDynamicItem(tenant);
    const pendingBefore = [...store.values()].filter((t) => t.pending).map((t) => t.transaction_id).sort();
    assert.ok(pendingBefore.length > 0);

    const { data: refreshed } = await tenant.api.transactionsRefresh({ access_token: accessToken });
    assert.equal(typeof refreshed.request_id, 'string');
    const { added, modified, removed } = await syncAll(tenant, accessToken, cursor);

    assert.deepEqual(removed.map((r) => r.transaction_id).sort(), pendingBefore);
    const posted = added.filter((t) => !t.pending);
    const newPending = added.filter((t) => t.pending);
    assert.deepEqual(posted.map((t) => t.pending_transaction_id).sort(), pendingBefore);
    for (const t of posted) {
      assert.ok(!store.has(t.transaction_id), `posted ${t.transaction_id} reuses an id`);
      assert.equal(t.account_id, store.get(t.pending_transaction_id).account_id);
    }
    assert.ok(newPending.length >= 1 && newPending.length <= 3, `${newPending.length} new pending`);
    for (const t of newPending) assert.ok(!store.has(t.transaction_id));

    assert.equal(modified.length, 1, `modified: ${JSON.stringify(modified.map((t) => [t.name, t.amount]))}`);
    const [bumped] = modified;
    const earlier = store.get(bumped.transaction_id);
    assert.ok(earlier, 'the modified transaction is not an earlier one');
    assert.equal(cents(bumped.amount) - cents(earlier.amount), 100);
    assert.equal(bumped.name, earlier.name);
  });
});

describe('/sandbox/transactions/create', () => {
  test('created transactions appear posted on checking with the given description', async () => {
    const tenant = await freshTenant('node_txn_create');
    const { accessToken, store, cursor } = await readyDynamicItem(tenant);
    const { data: accounts } = await tenant.api.accountsGet({ access_token: accessToken });
    const checking = accounts.accounts.filter((a) => a.mask === '0000');
    assert.equal(checking.length, 1);
    assert.equal(checking[0].subtype, 'checking');

    const now = await tenant.now();
    const wanted = [
      { date_transacted: isoDay(now, 4), date_posted: isoDay(now, 3), amount: 6.75, description: 'Starbucks Reserve #2210 Portland' },
      { date_transacted: isoDay(now, 1), date_posted: isoDay(now, 0), amount: 89.1, description: 'Tartan node conformance supplies' },
    ];
    const { data: created } = await tenant.api.sandboxTransactionsCreate({ access_token: accessToken, transactions: wanted });
    assert.equal(typeof created.request_id, 'string');

    const { added, modified, removed } = await syncAll(tenant, accessToken, cursor);
    assert.deepEqual([modified, removed], [[], []]);
    assert.equal(added.length, 2, JSON.stringify(added.map((t) => t.name)));
    const byName = new Map(added.map((t) => [t.name, t]));
    for (const w of wanted) {
      const t = byName.get(w.description);
      assert.ok(t, `no transaction named ${w.description}`);
      assert.ok(!store.has(t.transaction_id));
      assert.equal(t.pending, false);
      assert.equal(t.account_id, checking[0].account_id);
      assert.equal(cents(t.amount), cents(w.amount));
      assert.equal(t.authorized_date, w.date_transacted);
      assert.equal(t.date, w.date_posted);
    }
    assert.equal(byName.get(wanted[0].description).merchant_name, 'Starbucks');
  });

  test('eleven transactions are INVALID_FIELD: too many', async () => {
    const tenant = await freshTenant('node_txn_create');
    const { accessToken, cursor } = await readyDynamicItem(tenant);
    const day = isoDay(await tenant.now());
    const transactions = Array.from({ length: 11 }, (_, i) => ({
      date_transacted: day,
      date_posted: day,
      amount: 1 + i,
      description: `Tartan node conformance ${i}`,
    }));
    const body = await expectPlaidError(tenant.api.sandboxTransactionsCreate({ access_token: accessToken, transactions }), {
      errorType: 'INVALID_REQUEST',
      errorCode: 'INVALID_FIELD',
    });
    assert.equal(body.error_message, TOO_MANY);
    const after = await syncAll(tenant, accessToken, cursor);
    assert.deepEqual([after.added, after.modified, after.removed], [[], [], []]);
  });
});
