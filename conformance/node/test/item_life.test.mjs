// The life of a Sandbox Item, driven through Plaid's official Node SDK.
//
// The Node SDK does not validate responses, so the tests check the fields a
// caller relies on explicitly. Time-dependent behaviour is driven through
// Tartan's virtual clock, never by sleeping.

import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { CountryCode, Products } from 'plaid';

import { Tenant, assertKeys, expectPlaidError, startTartan } from '../harness/tartan.mjs';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PUBLIC_TOKEN = new RegExp(`^public-sandbox-${UUID}$`);
const ACCESS_TOKEN = new RegExp(`^access-sandbox-${UUID}$`);
const LINK_TOKEN = new RegExp(`^link-sandbox-${UUID}$`);

const FIRST_PLATYPUS = 'ins_109508';
const HOUNDSTOOTH = 'ins_109512';
const PLATYPUS_OAUTH = 'ins_127287';
const DEGRADED = 'ins_132363';
const DOWN = 'ins_132361';

const ITEM_PRODUCTS = [Products.Auth, Products.Identity, Products.Transactions];
const WEBHOOK = 'http://127.0.0.1:9/tartan-conformance/webhook';
const CLOCK_SLACK_MS = 2 * 60 * 1000;
const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;

const ITEM_FIELDS = [
  'item_id',
  'institution_id',
  'institution_name',
  'webhook',
  'error',
  'available_products',
  'billed_products',
  'products',
  'consented_products',
  'consent_expiration_time',
  'update_type',
  'created_at',
];
const ACCOUNT_FIELDS = ['account_id', 'balances', 'mask', 'name', 'official_name', 'type', 'subtype'];
const BALANCE_FIELDS = ['available', 'current', 'limit', 'iso_currency_code', 'unofficial_currency_code'];

function assertNear(actual, expected, what) {
  assert.ok(actual, `${what} is missing`);
  const delta = Math.abs(new Date(actual) - expected);
  assert.ok(delta <= CLOCK_SLACK_MS, `${what} ${actual} is not near ${expected.toISOString()}`);
}

function byMask(accounts) {
  return Object.fromEntries(accounts.map((a) => [a.mask, a]));
}

function balancesOf(accounts) {
  return Object.fromEntries(accounts.map((a) => [a.account_id, [a.balances.available, a.balances.current]]));
}

function assertAccounts(accounts) {
  assert.ok(Array.isArray(accounts) && accounts.length > 0, 'no accounts');
  for (const account of accounts) {
    assertKeys(account, ACCOUNT_FIELDS, `account ${account.account_id}`);
    assertKeys(account.balances, BALANCE_FIELDS, `balances of ${account.account_id}`);
  }
}

let tartan;
let tenant;
let item; // a healthy user_good Item shared by read-only tests

before(async () => {
  tartan = await startTartan();
  tenant = new Tenant(tartan.baseUrl, 'node_item_life');
  const createdNear = await tenant.now();
  item = { ...(await tenant.newItem('ins_109508', ITEM_PRODUCTS, { webhook: WEBHOOK })), createdNear };
});

after(async () => {
  await tartan?.stop();
});

describe('public tokens', () => {
  test('a public token is exchanged once for an access token', async () => {
    const publicToken = await tenant.publicToken(FIRST_PLATYPUS, [Products.Transactions]);
    assert.match(publicToken, PUBLIC_TOKEN);

    const { data } = await tenant.api.itemPublicTokenExchange({ public_token: publicToken });
    assert.match(data.access_token, ACCESS_TOKEN);
    assert.ok(data.item_id);
    assert.ok(data.request_id);

    await expectPlaidError(tenant.api.itemPublicTokenExchange({ public_token: publicToken }), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_PUBLIC_TOKEN',
    });
  });

  test('a public token expires after 30 minutes', async () => {
    const freshEnough = await tenant.publicToken();
    const tooOld = await tenant.publicToken();

    await tenant.advance(29 * MINUTE);
    const { data } = await tenant.api.itemPublicTokenExchange({ public_token: freshEnough });
    assert.match(data.access_token, ACCESS_TOKEN);

    await tenant.advance(2 * MINUTE);
    await expectPlaidError(tenant.api.itemPublicTokenExchange({ public_token: tooOld }), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_PUBLIC_TOKEN',
    });
  });

  test('creation failures carry the documented codes', async () => {
    await expectPlaidError(tenant.publicToken('ins_does_not_exist', [Products.Transactions]), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_INSTITUTION',
    });
    await expectPlaidError(tenant.publicToken(HOUNDSTOOTH, [Products.Investments]), {
      errorType: 'ITEM_ERROR',
      errorCode: 'PRODUCTS_NOT_SUPPORTED',
    });
    await expectPlaidError(
      tenant.publicToken(FIRST_PLATYPUS, [Products.Transactions], {
        override_username: 'user_good',
        override_password: 'error_ITEM_LOCKED',
      }),
      { errorType: 'ITEM_ERROR', errorCode: 'ITEM_LOCKED' },
    );
    await expectPlaidError(
      tenant.publicToken(FIRST_PLATYPUS, [Products.Transactions], {
        override_username: 'user_good',
        override_password: 'not_the_password',
      }),
      { errorType: 'ITEM_ERROR', errorCode: 'INVALID_CREDENTIALS' },
    );
  });

  test('a public token is not an access token', async () => {
    const publicToken = await tenant.publicToken();
    await expectPlaidError(tenant.api.itemGet({ access_token: publicToken }), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_ACCESS_TOKEN',
    });
  });
});

describe('items and accounts', () => {
  test('/item/get returns every Item field and the status blocks', async () => {
    const { data } = await tenant.api.itemGet({ access_token: item.accessToken });
    assertKeys(data.item, ITEM_FIELDS, 'item');
    assert.equal(data.item.item_id, item.itemId);
    assert.equal(data.item.institution_id, FIRST_PLATYPUS);
    assert.equal(data.item.institution_name, 'First Platypus Bank');
    assert.equal(data.item.webhook, WEBHOOK);
    assert.equal(data.item.error, null);
    for (const product of ITEM_PRODUCTS) assert.ok(data.item.products.includes(product), product);
    const billed = new Set(data.item.billed_products);
    assert.deepEqual(data.item.available_products.filter((p) => billed.has(p)), []);
    assert.ok(Array.isArray(data.item.consented_products));
    assert.equal(data.item.consent_expiration_time, null);
    assert.ok(['background', 'user_present_required'].includes(data.item.update_type));
    assertNear(data.item.created_at, item.createdNear, 'item.created_at');

    assertKeys(data.status, ['transactions', 'investments', 'last_webhook'], 'status');
    assertKeys(data.status.transactions, ['last_successful_update', 'last_failed_update'], 'status.transactions');
  });

  test('/accounts/get returns the user_good accounts with cached balances', async () => {
    const { data } = await tenant.api.accountsGet({ access_token: item.accessToken });
    assertAccounts(data.accounts);
    assert.equal(data.item.item_id, item.itemId);
    const masks = byMask(data.accounts);
    const expected = {
      '0000': 'Plaid Checking',
      '1111': 'Plaid Saving',
      '2222': 'Plaid CD',
      '3333': 'Plaid Credit Card',
      '4444': 'Plaid Money Market',
      '5555': 'Plaid IRA',
      '6666': 'Plaid 401k',
      '7777': 'Plaid Student Loan',
      '8888': 'Plaid Mortgage',
    };
    for (const [mask, name] of Object.entries(expected)) assert.equal(masks[mask]?.name, name, `mask ${mask}`);
    assert.deepEqual(
      [masks['0000'].type, masks['0000'].subtype, masks['0000'].balances.available, masks['0000'].balances.current],
      ['depository', 'checking', 100, 110],
    );
    assert.deepEqual([masks['1111'].balances.available, masks['1111'].balances.current], [200, 210]);
    assert.deepEqual(
      [masks['3333'].type, masks['3333'].subtype, masks['3333'].balances.current, masks['3333'].balances.limit],
      ['credit', 'credit card', 410, 2000],
    );

    const only = await tenant.api.accountsGet({
      access_token: item.accessToken,
      options: { account_ids: [masks['1111'].account_id] },
    });
    assert.deepEqual(
      only.data.accounts.map((a) => a.account_id),
      [masks['1111'].account_id],
    );

    await expectPlaidError(
      tenant.api.accountsGet({ access_token: item.accessToken, options: { account_ids: ['no_such_account'] } }),
      { errorType: 'INVALID_INPUT', errorCode: 'INVALID_ACCOUNT_ID' },
    );
  });

  test('/accounts/balance/get equals the cache at first, then drifts with the clock', async () => {
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, [Products.Auth]);
    const cached = (await tenant.api.accountsGet({ access_token: accessToken })).data.accounts;
    const live = (await tenant.api.accountsBalanceGet({ access_token: accessToken })).data.accounts;
    assertAccounts(live);
    assert.deepEqual(balancesOf(live), balancesOf(cached));

    await tenant.advance(3 * DAY);
    const later = (await tenant.api.accountsBalanceGet({ access_token: accessToken })).data.accounts;
    const before = balancesOf(cached);
    const after = balancesOf(later);
    assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
    const moved = Object.keys(after).filter((id) => JSON.stringify(after[id]) !== JSON.stringify(before[id]));
    assert.ok(moved.length > 0, 'no balance moved after three simulated days');
  });

  test('/auth/get returns ACH numbers for checking and savings', async () => {
    const { data } = await tenant.api.authGet({ access_token: item.accessToken });
    assertAccounts(data.accounts);
    assertKeys(data.numbers, ['ach', 'eft', 'international', 'bacs'], 'numbers');
    for (const kind of ['ach', 'eft', 'international', 'bacs']) assert.ok(Array.isArray(data.numbers[kind]), kind);
    const masks = byMask(data.accounts);
    for (const mask of ['0000', '1111']) {
      const entry = data.numbers.ach.find((n) => n.account_id === masks[mask].account_id);
      assert.ok(entry, `no ACH numbers for mask ${mask}`);
      assertKeys(entry, ['account_id', 'account', 'routing', 'wire_routing'], `ach ${mask}`);
      assert.match(entry.account, new RegExp(`^\\d+${mask}$`));
      assert.match(entry.routing, /^\d{9}$/);
    }
  });

  test('/identity/get names the account holder', async () => {
    const { data } = await tenant.api.identityGet({ access_token: item.accessToken });
    assertAccounts(data.accounts);
    for (const account of data.accounts) {
      assert.ok(account.owners?.length > 0, `account ${account.name} has no owners`);
      for (const owner of account.owners) assertKeys(owner, ['names', 'phone_numbers', 'emails', 'addresses'], 'owner');
      assert.ok(
        account.owners.some((owner) => owner.names.includes('Alberta Bobbeth Charleson')),
        JSON.stringify(account.owners),
      );
    }
  });
});

describe('institutions', () => {
  test('/institutions/get pages and filters', async () => {
    const first = (await tenant.api.institutionsGet({ count: 3, offset: 0, country_codes: [CountryCode.Us] })).data;
    const second = (await tenant.api.institutionsGet({ count: 3, offset: 3, country_codes: [CountryCode.Us] })).data;
    assert.equal(first.institutions.length, 3);
    assert.ok(first.total >= 6, `total ${first.total}`);
    const firstIds = new Set(first.institutions.map((i) => i.institution_id));
    assert.ok(second.institutions.length > 0);
    assert.ok(second.institutions.every((i) => !firstIds.has(i.institution_id)), 'pages overlap');

    const investments = (
      await tenant.api.institutionsGet({
        count: 50,
        offset: 0,
        country_codes: [CountryCode.Us],
        options: { products: [Products.Investments], include_optional_metadata: true },
      })
    ).data.institutions;
    assert.ok(investments.length > 0);
    for (const institution of investments) {
      assert.ok(institution.products.includes('investments'), institution.institution_id);
      assertKeys(institution, ['url', 'primary_color', 'logo'], institution.institution_id);
    }
    assert.ok(!investments.some((i) => i.institution_id === HOUNDSTOOTH));
  });

  test('/institutions/get_by_id with status and optional metadata', async () => {
    const { institution } = (
      await tenant.api.institutionsGetById({
        institution_id: FIRST_PLATYPUS,
        country_codes: [CountryCode.Us],
        options: { include_status: true, include_optional_metadata: true },
      })
    ).data;
    assertKeys(
      institution,
      ['institution_id', 'name', 'products', 'country_codes', 'routing_numbers', 'oauth', 'url', 'primary_color', 'logo', 'status'],
      'institution',
    );
    assert.equal(institution.name, 'First Platypus Bank');
    assert.equal(institution.oauth, false);
    for (const product of ['auth', 'balance', 'identity', 'investments', 'liabilities', 'transactions', 'assets']) {
      assert.ok(institution.products.includes(product), product);
    }
    assert.equal(institution.status.item_logins.status, 'HEALTHY');

    for (const [id, health] of [
      [DEGRADED, 'DEGRADED'],
      [DOWN, 'DOWN'],
    ]) {
      const { data } = await tenant.api.institutionsGetById({
        institution_id: id,
        country_codes: [CountryCode.Us],
        options: { include_status: true },
      });
      assert.equal(data.institution.status.item_logins.status, health, id);
    }

    const oauth = (await tenant.api.institutionsGetById({ institution_id: PLATYPUS_OAUTH, country_codes: [CountryCode.Us] }))
      .data.institution;
    assert.equal(oauth.oauth, true);

    const houndstooth = (await tenant.api.institutionsGetById({ institution_id: HOUNDSTOOTH, country_codes: [CountryCode.Us] }))
      .data.institution;
    assert.ok(!houndstooth.products.includes('investments'));
    assert.ok(!houndstooth.products.includes('liabilities'));

    await expectPlaidError(
      tenant.api.institutionsGetById({ institution_id: 'ins_does_not_exist', country_codes: [CountryCode.Us] }),
      { errorType: 'INVALID_INPUT', errorCode: 'INVALID_INSTITUTION' },
    );
  });

  test('/institutions/search matches names and honours products', async () => {
    const platypus = (await tenant.api.institutionsSearch({ query: 'Platypus', country_codes: [CountryCode.Us] })).data
      .institutions;
    assert.ok(platypus.some((i) => i.institution_id === FIRST_PLATYPUS));
    for (const institution of platypus) assert.match(institution.name, /platypus/i);

    const search = async (products) =>
      (
        await tenant.api.institutionsSearch({ query: 'Houndstooth', country_codes: [CountryCode.Us], ...(products && { products }) })
      ).data.institutions.map((i) => i.institution_id);
    assert.ok((await search()).includes(HOUNDSTOOTH));
    assert.ok(!(await search([Products.Investments])).includes(HOUNDSTOOTH));
  });
});

describe('link tokens', () => {
  const linkRequest = (extra) => ({
    client_name: 'Tartan Conformance',
    language: 'en',
    country_codes: [CountryCode.Us],
    user: { client_user_id: 'conformance-user-1' },
    ...extra,
  });

  test('a new-Item link token lives 4 hours and echoes its configuration', async () => {
    const now = await tenant.now();
    const created = (
      await tenant.api.linkTokenCreate(linkRequest({ products: [Products.Auth, Products.Transactions], webhook: WEBHOOK }))
    ).data;
    assert.match(created.link_token, LINK_TOKEN);
    assertNear(created.expiration, new Date(now.getTime() + 4 * 3600 * 1000), 'expiration');

    const got = (await tenant.api.linkTokenGet({ link_token: created.link_token })).data;
    assert.equal(got.link_token, created.link_token);
    assert.equal(new Date(got.expiration).getTime(), new Date(created.expiration).getTime());
    assertNear(got.created_at, now, 'created_at');
    assertKeys(
      got.metadata,
      ['initial_products', 'webhook', 'country_codes', 'language', 'redirect_uri', 'client_name'],
      'metadata',
    );
    assert.deepEqual(got.metadata.initial_products, ['auth', 'transactions']);
    assert.equal(got.metadata.webhook, WEBHOOK);
    assert.deepEqual(got.metadata.country_codes, ['US']);
    assert.equal(got.metadata.language, 'en');
    assert.equal(got.metadata.client_name, 'Tartan Conformance');
    assert.equal(got.metadata.redirect_uri, null);
    assert.deepEqual(got.link_sessions, []);
  });

  test('an update-mode link token lives 30 minutes and takes no products', async () => {
    const now = await tenant.now();
    const created = (await tenant.api.linkTokenCreate(linkRequest({ access_token: item.accessToken }))).data;
    assert.match(created.link_token, LINK_TOKEN);
    assertNear(created.expiration, new Date(now.getTime() + 30 * 60 * 1000), 'expiration');

    await expectPlaidError(
      tenant.api.linkTokenCreate(linkRequest({ access_token: item.accessToken, products: [Products.Transactions] })),
      { errorType: 'INVALID_REQUEST', errorCode: 'INVALID_FIELD' },
    );
  });

  test('balance is not a Link product', async () => {
    await expectPlaidError(tenant.api.linkTokenCreate(linkRequest({ products: [Products.Balance] })), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_PRODUCT',
    });
  });
});

describe('webhook verification key', () => {
  test('the key is an ES256 JWK on P-256', async () => {
    const kid = await tenant.webhookKid();
    const { key } = (await tenant.api.webhookVerificationKeyGet({ key_id: kid })).data;
    assertKeys(key, ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y', 'created_at', 'expired_at'], 'key');
    assert.deepEqual([key.alg, key.crv, key.kty, key.use, key.kid], ['ES256', 'P-256', 'EC', 'sig', kid]);
    assert.equal(key.expired_at, null);
    assert.ok(Number.isInteger(key.created_at) && key.created_at > 0);
    // createPublicKey rejects coordinates that are not a point on the curve.
    const publicKey = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x, y: key.y }, format: 'jwk' });
    assert.equal(publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');

    await expectPlaidError(tenant.api.webhookVerificationKeyGet({ key_id: 'no-such-key-id' }), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
    });
  });
});

describe('broken and removed Items', () => {
  test('reset_login puts the Item in ITEM_LOGIN_REQUIRED', async () => {
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, ITEM_PRODUCTS);
    const { data } = await tenant.api.sandboxItemResetLogin({ access_token: accessToken });
    assert.equal(data.reset_login, true);

    const { item: broken } = (await tenant.api.itemGet({ access_token: accessToken })).data;
    assert.equal(broken.error?.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(broken.error?.error_type, 'ITEM_ERROR');

    const calls = {
      accountsGet: () => tenant.api.accountsGet({ access_token: accessToken }),
      accountsBalanceGet: () => tenant.api.accountsBalanceGet({ access_token: accessToken }),
      authGet: () => tenant.api.authGet({ access_token: accessToken }),
      identityGet: () => tenant.api.identityGet({ access_token: accessToken }),
    };
    for (const [name, call] of Object.entries(calls)) {
      await expectPlaidError(call(), { status: 400, errorType: 'ITEM_ERROR', errorCode: 'ITEM_LOGIN_REQUIRED', what: name });
    }
  });

  test('webhook update and access token rotation', async () => {
    const { accessToken, itemId } = await tenant.newItem(FIRST_PLATYPUS, ITEM_PRODUCTS, { webhook: WEBHOOK });
    const newWebhook = 'http://127.0.0.1:9/tartan-conformance/other-webhook';
    const updated = (await tenant.api.itemWebhookUpdate({ access_token: accessToken, webhook: newWebhook })).data;
    assert.equal(updated.item.webhook, newWebhook);

    const rotated = (await tenant.api.itemAccessTokenInvalidate({ access_token: accessToken })).data.new_access_token;
    assert.match(rotated, ACCESS_TOKEN);
    assert.notEqual(rotated, accessToken);
    const { item: same } = (await tenant.api.itemGet({ access_token: rotated })).data;
    assert.equal(same.item_id, itemId);
    assert.equal(same.webhook, newWebhook);
    await expectPlaidError(tenant.api.itemGet({ access_token: accessToken }), {
      errorType: 'INVALID_INPUT',
      errorCode: 'INVALID_ACCESS_TOKEN',
    });
  });

  test('a removed Item is ITEM_NOT_FOUND everywhere', async () => {
    const { accessToken } = await tenant.newItem(FIRST_PLATYPUS, ITEM_PRODUCTS);
    const { data } = await tenant.api.itemRemove({ access_token: accessToken });
    assert.ok(data.request_id);

    const calls = {
      itemGet: () => tenant.api.itemGet({ access_token: accessToken }),
      accountsGet: () => tenant.api.accountsGet({ access_token: accessToken }),
      accountsBalanceGet: () => tenant.api.accountsBalanceGet({ access_token: accessToken }),
      authGet: () => tenant.api.authGet({ access_token: accessToken }),
      identityGet: () => tenant.api.identityGet({ access_token: accessToken }),
      itemRemove: () => tenant.api.itemRemove({ access_token: accessToken }),
    };
    for (const [name, call] of Object.entries(calls)) {
      await expectPlaidError(call(), { errorType: 'ITEM_ERROR', errorCode: 'ITEM_NOT_FOUND', what: name });
    }
  });
});
