// Transactions (/transactions/sync, /transactions/get, /categories/get) through Plaid's
// official Node SDK.
//
// The Node SDK does not validate responses, so the tests check the fields a caller relies on
// explicitly. The tenant's virtual clock is frozen and moved by the tests: the last 30 days
// are ready 10 s after an Item is created, the whole history 60 s after, and First Platypus
// Bank updates Plaid's copy every 6 h, its day turning every 24 h after the Item's creation.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Products } from 'plaid';

import { Tenant, assertKeys, expectPlaidError, startTartan } from '../harness/tartan.mjs';

const FIRST_PLATYPUS = 'ins_109508';
const PRODUCTS = [Products.Auth, Products.Transactions];
const WEBHOOK = 'http://127.0.0.1:9/tartan-conformance/node-transactions-webhook';
const INITIAL_READY_S = 10;
const HISTORICAL_READY_S = 60;
const DAY = 24 * 3600;
const MAX_QUICKSTART_WAITS = 60;

// Required by Plaid's OpenAPI description (Transaction, TransactionsSyncResponse, ...).
const TRANSACTION_FIELDS = [
  'account_id',
  'account_owner',
  'amount',
  'authorized_date',
  'authorized_datetime',
  'date',
  'datetime',
  'iso_currency_code',
  'location',
  'name',
  'payment_channel',
  'payment_meta',
  'pending',
  'pending_transaction_id',
  'transaction_code',
  'transaction_id',
  'unofficial_currency_code',
];
const SYNC_FIELDS = [
  'accounts',
  'added',
  'has_more',
  'modified',
  'next_cursor',
  'removed',
  'request_id',
  'transactions_update_status',
];

let tartan;
let tenant;

before(async () => {
  tartan = await startTartan();
  tenant = new Tenant(tartan.baseUrl, 'node_transactions');
  await tenant.control('POST', '/tartan/clock/freeze', {});
});

after(async () => {
  await tartan?.stop();
});

const advance = (seconds) => tenant.advance(seconds);

async function readyItem(options) {
  const item = await tenant.newItem(FIRST_PLATYPUS, PRODUCTS, options);
  await advance(HISTORICAL_READY_S + 1);
  return item;
}

async function accountIds(accessToken) {
  const { data } = await tenant.api.accountsGet({ access_token: accessToken });
  return new Set(data.accounts.map((a) => a.account_id));
}

async function createdDate(accessToken) {
  const { data } = await tenant.api.itemGet({ access_token: accessToken });
  return new Date(data.item.created_at).toISOString().slice(0, 10);
}

// Transaction ids are unique within an Item.
async function checkUniqueIds(t, accessToken, transactions) {
  const ids = transactions.map((txn) => txn.transaction_id);
  assert.equal(new Set(ids).size, ids.length, `duplicated transaction ids in ${ids.length}`);
  return true;
}

async function sync(request) {
  const { data } = await tenant.api.transactionsSync(request);
  assertKeys(data, SYNC_FIELDS, '/transactions/sync response');
  return data;
}

// Pages from `cursor` (undefined: the whole history) until has_more is false.
async function syncAll(accessToken, { cursor, count = 500 } = {}) {
  const out = { added: [], modified: [], removed: [], pages: 0 };
  for (;;) {
    const page = await sync({ access_token: accessToken, cursor, count });
    assert.notEqual(page.next_cursor, '', `not ready: ${page.transactions_update_status}`);
    out.added.push(...page.added);
    out.modified.push(...page.modified);
    out.removed.push(...page.removed);
    out.pages += 1;
    cursor = page.next_cursor;
    if (!page.has_more) return { ...out, cursor };
  }
}

// plaid/quickstart node/index.js, app.get('/api/transactions'), line for line, except that
// `await sleep(2000)` advances the tenant's clock by 2 s.
async function quickstartSync(client, accessToken, initialCursor) {
  // Set cursor to empty to receive all historical updates
  let cursor = initialCursor;

  // New transaction updates since "cursor"
  let added = [];
  let modified = [];
  // Removed transaction ids
  let removed = [];
  let hasMore = true;
  let waits = 0;
  const responses = [];
  // Iterate through each page of new transaction updates for item
  while (hasMore) {
    const request = {
      access_token: accessToken,
      cursor: cursor,
    };
    const response = await client.transactionsSync(request);
    const data = response.data;
    responses.push(data);

    // If no transactions are available yet, wait and poll the endpoint.
    cursor = data.next_cursor;
    if (cursor === '') {
      waits += 1;
      assert.ok(waits <= MAX_QUICKSTART_WAITS, 'transactions never became ready');
      await advance(2);
      continue;
    }

    // Add this page of results
    added = added.concat(data.added);
    modified = modified.concat(data.modified);
    removed = removed.concat(data.removed);
    hasMore = data.has_more;
  }
  return { added, modified, removed, cursor, waits, responses };
}

async function runQuickstart(t, initialCursor) {
  const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, PRODUCTS);
  const accounts = await accountIds(accessToken);

  const first = await quickstartSync(tenant.api, accessToken, initialCursor);
  const notReady = first.responses[0];
  assertKeys(notReady, SYNC_FIELDS, 'not-ready response');
  assert.equal(notReady.transactions_update_status, 'NOT_READY');
  assert.deepEqual([notReady.added, notReady.modified, notReady.removed], [[], [], []]);
  assert.equal(notReady.next_cursor, '');
  assert.equal(notReady.has_more, false);
  const waited = 2 * first.waits;
  assert.ok(waited >= INITIAL_READY_S && waited < INITIAL_READY_S + 2, `data appeared after ${waited} s`);
  for (const response of first.responses.slice(first.waits)) {
    assertKeys(response, SYNC_FIELDS, 'sync response');
    assert.equal(response.transactions_update_status, 'INITIAL_UPDATE_COMPLETE');
  }
  assert.ok(first.added.length > 0, 'no transactions once the first 30 days were ready');

  await advance(HISTORICAL_READY_S - waited);
  const second = await quickstartSync(tenant.api, accessToken, first.cursor);
  assert.equal(second.waits, 0);
  for (const response of second.responses) assert.equal(response.transactions_update_status, 'HISTORICAL_UPDATE_COMPLETE');
  assert.ok(second.added.length > 0, 'the historical stage added nothing beyond the first 30 days');

  const collected = [...first.added, ...second.added];
  const unique = await checkUniqueIds(t, accessToken, collected);
  for (const txn of collected) {
    assertKeys(txn, TRANSACTION_FIELDS, `transaction ${txn.transaction_id}`);
    assert.ok(accounts.has(txn.account_id), `${txn.transaction_id} is on unknown account ${txn.account_id}`);
    assert.equal(typeof txn.amount, 'number');
    assert.match(txn.date, /^\d{4}-\d{2}-\d{2}$/);
  }
  assert.deepEqual([...first.removed, ...second.removed], []);

  const fresh = await syncAll(accessToken);
  if (unique) assert.equal(fresh.added.length, collected.length);
  assert.deepEqual(new Set(fresh.added.map((x) => x.transaction_id)), new Set(collected.map((x) => x.transaction_id)));

  const again = await sync({ access_token: accessToken, cursor: second.cursor });
  assert.deepEqual([again.added, again.modified, again.removed, again.has_more], [[], [], [], false]);
  assert.equal(again.next_cursor, second.cursor);
}

describe('the Quickstart sync loop', () => {
  test('as plaid/quickstart writes it: first cursor null, 2 s waits while next_cursor is ""', async (t) => {
    await runQuickstart(t, null);
  });

  test('with the first cursor left out, the same loop waits about 10 s then gets the whole history', async (t) => {
    await runQuickstart(t, undefined);
  });
});

describe('pagination', () => {
  test('a mutation during pagination fails the next page; restarting from the first cursor works', async (t) => {
    const { accessToken } = await readyItem();
    const firstCursor = undefined; // the loop starts from the whole history
    const first = await sync({ access_token: accessToken, cursor: firstCursor, count: 10 });
    assert.equal(first.has_more, true);
    assert.equal(first.added.length, 10);

    await advance(2 * DAY);

    for (let attempt = 0; attempt < 2; attempt++) {
      const body = await expectPlaidError(
        tenant.api.transactionsSync({ access_token: accessToken, cursor: first.next_cursor, count: 10 }),
        {
          errorType: 'TRANSACTIONS_ERROR',
          errorCode: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
          what: `page 2, attempt ${attempt + 1}`,
        },
      );
      assert.equal(body.display_message, null);
    }

    const restarted = await syncAll(accessToken, { cursor: firstCursor, count: 10 });
    assert.ok(restarted.pages > 1);
    await checkUniqueIds(t, accessToken, restarted.added);
    const fresh = await syncAll(accessToken);
    assert.deepEqual(
      new Set(restarted.added.map((x) => x.transaction_id)),
      new Set(fresh.added.map((x) => x.transaction_id)),
    );
  });

  test('pages of 7 hold the same transactions as one page of 500', async () => {
    const { accessToken } = await readyItem();
    const whole = await syncAll(accessToken, { count: 500 });
    assert.equal(whole.pages, 1);
    const paged = await syncAll(accessToken, { count: 7 });
    assert.equal(paged.pages, Math.ceil(whole.added.length / 7));
    assert.deepEqual(
      paged.added.map((x) => x.transaction_id).sort(),
      whole.added.map((x) => x.transaction_id).sort(),
    );
  });
});

describe('bad input', () => {
  let accessToken;
  before(async () => {
    ({ accessToken } = await readyItem());
  });

  for (const count of [0, 501]) {
    test(`count ${count} is INVALID_FIELD`, async () => {
      const body = await expectPlaidError(tenant.api.transactionsSync({ access_token: accessToken, count }), {
        errorType: 'INVALID_REQUEST',
        errorCode: 'INVALID_FIELD',
      });
      assert.match(body.error_message, /count/);
    });
  }

  test('a malformed cursor is INVALID_FIELD naming cursor', async () => {
    const body = await expectPlaidError(tenant.api.transactionsSync({ access_token: accessToken, cursor: 'not-a-cursor!' }), {
      errorType: 'INVALID_REQUEST',
      errorCode: 'INVALID_FIELD',
    });
    assert.match(body.error_message, /cursor/);
  });

  test("another Item's cursor is INVALID_FIELD", async () => {
    const other = await readyItem();
    const { cursor } = await syncAll(other.accessToken);
    await expectPlaidError(tenant.api.transactionsSync({ access_token: accessToken, cursor }), {
      errorType: 'INVALID_REQUEST',
      errorCode: 'INVALID_FIELD',
    });
  });

  test('an unknown options.account_id is INVALID_ACCOUNT_ID', async () => {
    await expectPlaidError(
      tenant.api.transactionsSync({ access_token: accessToken, options: { account_id: 'no_such_account' } }),
      { errorType: 'INVALID_INPUT', errorCode: 'INVALID_ACCOUNT_ID' },
    );
  });
});

describe('/transactions/get and /categories/get', () => {
  test('/transactions/get is PRODUCT_NOT_READY at first, then newest first', async (t) => {
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, PRODUCTS);
    const request = { access_token: accessToken, start_date: '2000-01-01', end_date: '2100-01-01', options: { count: 500 } };
    await expectPlaidError(tenant.api.transactionsGet(request), { errorType: 'ITEM_ERROR', errorCode: 'PRODUCT_NOT_READY' });

    await advance(HISTORICAL_READY_S + 1);
    const { data } = await tenant.api.transactionsGet(request);
    assertKeys(data, ['accounts', 'item', 'request_id', 'total_transactions', 'transactions'], '/transactions/get response');
    assert.ok(data.transactions.length > 0);
    assert.equal(data.total_transactions, data.transactions.length);
    const dates = data.transactions.map((x) => x.date);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'not in reverse-chronological order');
    await checkUniqueIds(t, accessToken, data.transactions);

    await expectPlaidError(
      tenant.api.transactionsGet({ ...request, start_date: '2026-02-02', end_date: '2026-02-01' }),
      { errorType: 'INVALID_REQUEST', errorCode: 'INVALID_FIELD' },
    );
  });

  test('/categories/get lists categories with id, group and hierarchy', async () => {
    const { data } = await tenant.api.categoriesGet({});
    assert.ok(data.categories.length > 0);
    for (const category of data.categories) {
      assertKeys(category, ['category_id', 'group', 'hierarchy'], 'category');
      assert.match(category.category_id, /^\d{8}$/);
      assert.ok(Array.isArray(category.hierarchy) && category.hierarchy.length > 0);
    }
  });
});

describe('webhooks', () => {
  test('a sync call before readiness arms two SYNC_UPDATES_AVAILABLE', async () => {
    const { accessToken, itemId } = await tenant.newItem(FIRST_PLATYPUS, PRODUCTS, { webhook: WEBHOOK });
    const notReady = await sync({ access_token: accessToken });
    assert.equal(notReady.transactions_update_status, 'NOT_READY');
    await advance(HISTORICAL_READY_S + 1);

    const { deliveries } = await tenant.control('GET', `/tartan/webhooks?item_id=${encodeURIComponent(itemId)}&limit=1000`);
    const ordered = deliveries.sort((a, b) => a.seq - b.seq);
    const codes = ordered.map((d) => d.webhook_code).sort();
    assert.deepEqual(codes, ['HISTORICAL_UPDATE', 'INITIAL_UPDATE', 'SYNC_UPDATES_AVAILABLE', 'SYNC_UPDATES_AVAILABLE']);
    const flags = ordered
      .filter((d) => d.webhook_code === 'SYNC_UPDATES_AVAILABLE')
      .map((d) => JSON.parse(d.body))
      .map((b) => [b.webhook_type, b.item_id, b.initial_update_complete, b.historical_update_complete]);
    assert.deepEqual(flags, [
      ['TRANSACTIONS', itemId, true, false],
      ['TRANSACTIONS', itemId, true, true],
    ]);
  });
});
