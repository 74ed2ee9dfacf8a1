"""Transactions (/transactions/sync, /transactions/get, /transactions/refresh, /categories/get)
driven through plaid-python's typed models.

plaid-python deserialises every response into its generated models and raises
when a required field is missing or has the wrong type, so every successful call
here is also a schema check of Tartan's answer. The module freezes its tenant's
virtual clock and moves it explicitly: readiness (the last 30 days 10 s after
creation, the whole history 60 s after), background updates (every 6 h at First
Platypus Bank, the bank's day turning every 24 h after the Item's creation) and
pending transactions posting all follow that clock, never wall time.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from datetime import date, timedelta, timezone

import plaid
import pytest
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.categories_get_response import CategoriesGetResponse
from plaid.model.default_update_webhook import DefaultUpdateWebhook
from plaid.model.historical_update_webhook import HistoricalUpdateWebhook
from plaid.model.initial_update_webhook import InitialUpdateWebhook
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.sandbox_public_token_create_request_options_transactions import (
    SandboxPublicTokenCreateRequestOptionsTransactions,
)
from plaid.model.sync_updates_available_webhook import SyncUpdatesAvailableWebhook
from plaid.model.transaction import Transaction
from plaid.model.transactions_get_request import TransactionsGetRequest
from plaid.model.transactions_get_request_options import TransactionsGetRequestOptions
from plaid.model.transactions_get_response import TransactionsGetResponse
from plaid.model.transactions_refresh_request import TransactionsRefreshRequest
from plaid.model.transactions_refresh_response import TransactionsRefreshResponse
from plaid.model.transactions_removed_webhook import TransactionsRemovedWebhook
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_request_options import TransactionsSyncRequestOptions
from plaid.model.transactions_sync_response import TransactionsSyncResponse
from plaid.model_utils import validate_and_convert_types

from conftest import Tenant, http_json, parse_rfc3339

FIRST_PLATYPUS = "ins_109508"
# Used only by the refresh test, which gives it a week-long background cadence in this tenant.
FIRST_GINGHAM = "ins_109509"
PRODUCTS = ("auth", "transactions")
WEBHOOK = "http://127.0.0.1:9/tartan-conformance/transactions-webhook"

INITIAL_READY_S = 10
HISTORICAL_READY_S = 60
DAY_S = 24 * 3600
DEFAULT_DAYS_REQUESTED = 90
# The quickstart polls every 2 s; a not-ready window longer than this is a failure.
MAX_QUICKSTART_WAITS = 60

NOT_READY = "NOT_READY"
INITIAL_COMPLETE = "INITIAL_UPDATE_COMPLETE"
HISTORICAL_COMPLETE = "HISTORICAL_UPDATE_COMPLETE"


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def frozen_clock(tenant):
    """Time stands still for this module's tenant unless a test moves it."""
    tenant._control("POST", "/tartan/clock/freeze", {})


def lenient_configuration(tenant) -> plaid.Configuration:
    """A configuration whose models skip the SDK's own range checks, so that out-of-range
    values (count 0, 501) reach the server, as they do from SDKs that do not validate."""
    return plaid.Configuration(
        host=tenant.server.base_url,
        api_key={"clientId": tenant.client_id, "secret": tenant.secret},
        disabled_client_side_validations="minimum,maximum",
    )


def new_item(tenant, institution_id=FIRST_PLATYPUS, products=PRODUCTS, days_requested=None, **options):
    if days_requested is not None:
        options["transactions"] = SandboxPublicTokenCreateRequestOptionsTransactions(
            days_requested=days_requested
        )
    return tenant.new_item(institution_id, products, **options)


def ready_item(tenant, **kwargs):
    """An Item whose whole history is ready (the clock moved past the 60 s stage)."""
    access_token, item_id = new_item(tenant, **kwargs)
    tenant.advance(HISTORICAL_READY_S + 1)
    return access_token, item_id


def sync_request(access_token, cursor=None, count=None, account_id=None, configuration=None):
    fields = {"access_token": access_token}
    if cursor is not None:
        fields["cursor"] = cursor
    if count is not None:
        fields["count"] = count
    if account_id is not None:
        fields["options"] = TransactionsSyncRequestOptions(account_id=account_id)
    if configuration is not None:
        fields["_configuration"] = configuration
    return TransactionsSyncRequest(**fields)


def sync(tenant, access_token, cursor=None, count=None, account_id=None) -> TransactionsSyncResponse:
    response = tenant.api.transactions_sync(sync_request(access_token, cursor, count, account_id))
    assert isinstance(response, TransactionsSyncResponse)
    return response


def sync_all(tenant, access_token, cursor=None, count=500, account_id=None):
    """Pages from `cursor` until has_more is false: (added, modified, removed, next_cursor, pages)."""
    added, modified, removed, pages = [], [], [], []
    while True:
        page = sync(tenant, access_token, cursor, count, account_id)
        assert page.next_cursor != "", f"sync is not ready: {page.transactions_update_status}"
        pages.append(page)
        added += page.added
        modified += page.modified
        removed += page.removed
        cursor = page.next_cursor
        if not page.has_more:
            check_unique_ids(tenant, access_token, added)
            check_unique_ids(tenant, access_token, modified)
            return added, modified, removed, cursor, pages
        assert len(pages) < 10_000, "sync never reached has_more=false"


def ids(transactions) -> list[str]:
    return [t.transaction_id for t in transactions]


def assert_unique(values, what="transaction ids"):
    duplicated = [v for v, n in Counter(values).items() if n > 1]
    assert not duplicated, f"duplicated {what}: {duplicated[:5]}"


def field(t, name):
    return t[name] if isinstance(t, dict) else getattr(t, name)


def item_created_date(tenant, access_token) -> date:
    created = tenant.api.item_get(ItemGetRequest(access_token=access_token)).item.created_at
    return created.astimezone(timezone.utc).date()


def check_unique_ids(tenant, access_token, transactions):
    """Transaction ids are unique within an Item."""
    assert_unique([field(t, "transaction_id") for t in transactions])


def apply_delta(store: dict, added, modified, removed) -> dict:
    """What a client's database does with one sync: upsert added/modified, delete removed."""
    store = dict(store)
    for t in list(added) + list(modified):
        store[t.transaction_id] = t
    for r in removed:
        store.pop(r.transaction_id, None)
    return store


def accounts_of(tenant, access_token) -> dict:
    accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    return {a.account_id: a for a in accounts}


def status_of(response) -> str:
    return response.transactions_update_status.value


def transactions_get(tenant, access_token, start: date, end: date, **options) -> TransactionsGetResponse:
    request = TransactionsGetRequest(access_token=access_token, start_date=start, end_date=end)
    if options:
        request.options = TransactionsGetRequestOptions(**options)
    response = tenant.api.transactions_get(request)
    assert isinstance(response, TransactionsGetResponse)
    check_unique_ids(tenant, access_token, response.transactions)
    return response


def whole_range(tenant) -> tuple[date, date]:
    today = tenant.now().date()
    return today - timedelta(days=730), today + timedelta(days=1)


def deliveries(tenant, item_id: str) -> list[dict]:
    query = urllib.parse.urlencode({"item_id": item_id, "limit": 1000})
    found = tenant._control("GET", f"/tartan/webhooks?{query}")["deliveries"]
    return sorted(found, key=lambda d: d["seq"])


def webhook_bodies(tenant, item_id: str, code: str, after_seq: int = 0) -> list[dict]:
    return [
        json.loads(d["body"])
        for d in deliveries(tenant, item_id)
        if d["webhook_code"] == code and d["seq"] > after_seq
    ]


def last_seq(tenant, item_id: str) -> int:
    return max((d["seq"] for d in deliveries(tenant, item_id)), default=0)


def as_model(tenant, body: dict, model):
    """Deserialise a webhook body into the SDK's model (raises if a required field is missing)."""
    return validate_and_convert_types(
        body, (model,), ["webhook"], True, True, configuration=tenant.api_client.configuration
    )


# --- 1. the Quickstart's loop ------------------------------------------------------------------


def quickstart_sync(tenant, access_token, cursor=""):
    """plaid/quickstart python/server.py get_transactions(), line for line, except that
    `time.sleep(2)` advances the tenant's clock by 2 s. Returns what the loop collected plus
    the final cursor, the number of waits and every response model."""
    added, modified, removed = [], [], []
    has_more = True
    waits = 0
    models = []
    while has_more:
        request = TransactionsSyncRequest(
            access_token=access_token,
            cursor=cursor,
        )
        model = tenant.api.transactions_sync(request)
        assert isinstance(model, TransactionsSyncResponse)  # the SDK parsed it
        models.append(model)
        response = model.to_dict()
        cursor = response["next_cursor"]
        if cursor == "":
            waits += 1
            assert waits <= MAX_QUICKSTART_WAITS, "transactions never became ready"
            tenant.advance(2)
            continue
        added.extend(response["added"])
        modified.extend(response["modified"])
        removed.extend(response["removed"])
        has_more = response["has_more"]
    return {"added": added, "modified": modified, "removed": removed, "cursor": cursor,
            "waits": waits, "models": models}


def test_quickstart_sync_loop_waits_for_readiness_then_gets_the_whole_history(tenant):
    access_token, _ = new_item(tenant)
    accounts = accounts_of(tenant, access_token)

    first = quickstart_sync(tenant, access_token)
    not_ready = first["models"][0]
    assert status_of(not_ready) == NOT_READY
    assert (not_ready.added, not_ready.modified, not_ready.removed) == ([], [], [])
    assert not_ready.next_cursor == "" and not_ready.has_more is False
    # The loop had to wait, and only about 10 s: the last 30 days are ready then.
    waited = 2 * first["waits"]
    assert INITIAL_READY_S <= waited < INITIAL_READY_S + 2, f"data appeared after {waited} s"
    assert [status_of(m) for m in first["models"][first["waits"]:]] == [INITIAL_COMPLETE] * (
        len(first["models"]) - first["waits"]
    )
    assert first["added"], "no transactions once the first 30 days were ready"
    today = tenant.now().date()
    oldest = min(t["date"] for t in first["added"])
    assert oldest >= today - timedelta(days=31), f"the 30-day stage reaches back to {oldest}"

    # A minute after creation the whole history is there: the stored cursor brings the rest.
    tenant.advance(HISTORICAL_READY_S - waited)
    second = quickstart_sync(tenant, access_token, cursor=first["cursor"])
    assert second["waits"] == 0
    assert {status_of(m) for m in second["models"]} == {HISTORICAL_COMPLETE}
    assert second["added"], "the historical stage added nothing beyond the first 30 days"
    assert min(t["date"] for t in second["added"]) < today - timedelta(days=31)

    collected = first["added"] + second["added"]
    check_unique_ids(tenant, access_token, collected)
    assert not first["removed"] + second["removed"]
    for t in collected:
        assert t["account_id"] in accounts, f"{t['transaction_id']} is on unknown account {t['account_id']}"
        assert t["date"] >= today - timedelta(days=DEFAULT_DAYS_REQUESTED + 1)

    # A fresh client (cursor "") sees the same copy in one go.
    fresh = quickstart_sync(tenant, access_token)
    assert fresh["waits"] == 0
    assert {t["transaction_id"] for t in fresh["added"]} == {t["transaction_id"] for t in collected}

    # The final cursor gives nothing new until the Item is updated.
    again = sync(tenant, access_token, second["cursor"])
    assert (again.added, again.modified, again.removed, again.has_more) == ([], [], [], False)
    assert again.next_cursor == second["cursor"]
    assert status_of(again) == HISTORICAL_COMPLETE


def test_sync_status_follows_the_two_stages_on_the_clock(tenant):
    access_token, _ = new_item(tenant)

    def status_now():
        response = sync(tenant, access_token)
        assert (response.next_cursor == "") == (status_of(response) == NOT_READY), response
        return status_of(response)

    assert status_now() == NOT_READY
    tenant.advance(INITIAL_READY_S - 1)
    assert status_now() == NOT_READY
    tenant.advance(1)
    assert status_now() == INITIAL_COMPLETE
    tenant.advance(HISTORICAL_READY_S - INITIAL_READY_S - 1)
    assert status_now() == INITIAL_COMPLETE
    tenant.advance(1)
    assert status_now() == HISTORICAL_COMPLETE


def test_sync_transactions_are_complete_sdk_models(tenant):
    access_token, _ = ready_item(tenant)
    accounts = accounts_of(tenant, access_token)
    added, _, _, _, pages = sync_all(tenant, access_token)
    assert added
    for t in added:
        assert isinstance(t, Transaction)
        assert t.transaction_id and isinstance(t.amount, float)
        assert t.iso_currency_code == "USD" and t.unofficial_currency_code is None
        assert isinstance(t.date, date)
        assert t.payment_channel in ("online", "in store", "other")
        assert t.personal_finance_category.primary and t.personal_finance_category.detailed
        assert (t.pending_transaction_id is None) or not t.pending
    # `accounts` lists the accounts that have transactions, never investment accounts.
    listed = {a.account_id for page in pages for a in page.accounts}
    assert listed <= set(accounts)
    assert {t.account_id for t in added} <= listed
    assert all(accounts[a].type.value != "investment" for a in listed)


def test_transaction_ids_are_unique_for_every_item(tartan):
    """Many fresh Items, in a tenant of their own: no two transactions of an Item share an id
    (ids once clashed for about 7% of Items, between accounts on the creation day)."""
    other = Tenant(tartan, "transactions_ids")
    try:
        other._control("POST", "/tartan/clock/freeze", {})
        tokens = [other.new_item(FIRST_PLATYPUS, PRODUCTS)[0] for _ in range(150)]
        other.advance(HISTORICAL_READY_S + 1)
        clashes = {}
        headers = {"PLAID-CLIENT-ID": other.client_id, "PLAID-SECRET": other.secret}
        for token in tokens:
            # Plain HTTP: parsing 150 full histories into SDK models would take minutes.
            status, page = http_json("POST", tartan.base_url + "/transactions/sync", headers,
                                     {"access_token": token, "count": 500})
            assert status == 200 and page["has_more"] is False, page
            added = page["added"]
            counts = Counter(t["transaction_id"] for t in added)
            duplicated = {i for i, n in counts.items() if n > 1}
            if duplicated:
                clashes[token] = sorted(
                    (t["transaction_id"], t["account_id"], t["authorized_date"], t["name"], t["amount"])
                    for t in added if t["transaction_id"] in duplicated
                )
        assert not clashes, f"{len(clashes)} of {len(tokens)} Items have duplicated ids: " + json.dumps(
            next(iter(clashes.values()))
        )
    finally:
        other.api_client.close()


def test_cursor_now_skips_the_history_and_follows_later_updates(tenant):
    access_token, _ = ready_item(tenant)
    now = sync(tenant, access_token, "now")
    assert (now.added, now.modified, now.removed, now.has_more) == ([], [], [], False)
    assert now.next_cursor not in ("", "now")
    full, _, _, full_cursor, _ = sync_all(tenant, access_token)

    tenant.advance(DAY_S)
    added, modified, removed, _, _ = sync_all(tenant, access_token, now.next_cursor)
    expected_added, expected_modified, expected_removed, _, _ = sync_all(tenant, access_token, full_cursor)
    assert set(ids(added)) == set(ids(expected_added))
    assert set(ids(modified)) == set(ids(expected_modified))
    assert {r.transaction_id for r in removed} == {r.transaction_id for r in expected_removed}
    assert not set(ids(added)) & set(ids(full)), "a cursor from 'now' replayed old transactions"


# --- 2. pagination ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paged_item(tenant):
    access_token, _ = ready_item(tenant)
    added, modified, removed, cursor, pages = sync_all(tenant, access_token, count=500)
    return {"access_token": access_token, "ids": ids(added), "pages": pages}


def test_one_page_of_500_holds_the_whole_history(paged_item):
    assert len(paged_item["pages"]) == 1, "more than 500 transactions: pick a smaller fixture"
    assert len(paged_item["ids"]) > 100  # big enough for the default page size to matter
    assert_unique(paged_item["ids"])


@pytest.mark.parametrize("count", [1, 7, 100, 499])
def test_pages_of_any_size_concatenate_to_the_single_fetch(tenant, paged_item, count):
    added, modified, removed, cursor, pages = sync_all(tenant, paged_item["access_token"], count=count)
    for page in pages[:-1]:
        assert page.has_more is True
        assert len(page.added) + len(page.modified) + len(page.removed) == count
    assert pages[-1].has_more is False
    assert len(pages[-1].added) <= count
    assert len(pages) == -(-len(paged_item["ids"]) // count)
    assert_unique(ids(added))
    assert set(ids(added)) == set(paged_item["ids"])
    assert (modified, removed) == ([], [])
    # Every pagination ends on a cursor that has nothing more to give.
    tail = sync(tenant, paged_item["access_token"], cursor)
    assert (tail.added, tail.has_more, tail.next_cursor) == ([], False, cursor)


def test_count_defaults_to_100(tenant, paged_item):
    first = sync(tenant, paged_item["access_token"])
    assert len(first.added) == 100
    assert first.has_more is True


# --- 3. mutation during pagination -----------------------------------------------------------------


def assert_mutation_error(tenant, plaid_error, access_token, cursor, count):
    body = plaid_error(
        tenant.api.transactions_sync,
        sync_request(access_token, cursor, count),
        error_type="TRANSACTIONS_ERROR",
        error_code="TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
    )
    assert body["display_message"] is None
    assert body["error_message"] == (
        "Underlying transaction data changed since last page was fetched. "
        "Please restart pagination from last update."
    )


def test_mutation_during_pagination_from_the_start_restarts_cleanly(tenant, plaid_error):
    access_token, _ = ready_item(tenant)
    first_cursor = None  # the cursor the loop started from (none: the whole history)
    first = sync(tenant, access_token, first_cursor, count=10)
    assert first.has_more is True and len(first.added) == 10
    second = sync(tenant, access_token, first.next_cursor, count=10)
    assert second.has_more is True

    tenant.advance(2 * DAY_S)  # background updates post, add and remove transactions meanwhile

    assert_mutation_error(tenant, plaid_error, access_token, second.next_cursor, 10)
    # Retrying only the failing page fails again.
    assert_mutation_error(tenant, plaid_error, access_token, second.next_cursor, 10)

    added, modified, removed, cursor, pages = sync_all(tenant, access_token, first_cursor, count=10)
    assert len(pages) > 1
    assert_unique(ids(added))
    fresh, _, _, _, _ = sync_all(tenant, access_token, count=500)
    assert set(ids(added)) == set(ids(fresh))
    assert {status_of(p) for p in pages} == {HISTORICAL_COMPLETE}


def test_mutation_during_pagination_from_a_stored_cursor_restarts_from_it(tenant, plaid_error):
    access_token, _ = ready_item(tenant)
    added, modified, removed, stored_cursor, _ = sync_all(tenant, access_token)
    store = apply_delta({}, added, modified, removed)

    tenant.advance(2 * DAY_S)
    first = sync(tenant, access_token, stored_cursor, count=1)
    assert first.has_more is True, "two days of updates gave fewer than two changes"
    tenant.advance(DAY_S)
    assert_mutation_error(tenant, plaid_error, access_token, first.next_cursor, 1)

    added, modified, removed, _, pages = sync_all(tenant, access_token, stored_cursor, count=1)
    assert len(pages) > 1
    store = apply_delta(store, added, modified, removed)
    # The restarted pagination leaves the client with exactly Plaid's current copy.
    fresh, _, _, _, _ = sync_all(tenant, access_token)
    assert set(store) == set(ids(fresh))


# --- 4. updates: pending -> posted, deltas, balances, refresh --------------------------------------


def test_pending_transactions_post_across_an_update(tenant):
    access_token, _ = ready_item(tenant)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token)
    store = apply_delta({}, added, modified, removed)
    # Most Items hold a pending card purchase at once; a quiet one gets some within days.
    for _ in range(5):
        if any(t.pending for t in store.values()):
            break
        tenant.advance(DAY_S)
        added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
        store = apply_delta(store, added, modified, removed)
    pending_before = {i: t for i, t in store.items() if t.pending}
    assert pending_before, "no pending transactions after five days"

    # Purchases post within 3 days (an authorization hold, the only pending one some days,
    # vanishes instead): within a few updates a pending one the client holds posts.
    for days in (3, 1, 1, 1):
        tenant.advance(days * DAY_S)
        added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
        removed_ids = {r.transaction_id: r.account_id for r in removed}
        posted = [t for t in added if t.pending_transaction_id is not None]
        pairs = [t for t in posted if t.pending_transaction_id in removed_ids]
        if pairs:
            break
        store = apply_delta(store, added, modified, removed)
    assert pairs, (
        f"no added transaction names a removed pending one: removed={sorted(removed_ids)}, "
        f"pending_transaction_ids={[t.pending_transaction_id for t in posted]}"
    )
    for t in pairs:
        assert t.pending is False
        assert removed_ids[t.pending_transaction_id] == t.account_id
        assert t.transaction_id != t.pending_transaction_id
        if t.pending_transaction_id in pending_before:
            assert pending_before[t.pending_transaction_id].account_id == t.account_id
    store = apply_delta(store, added, modified, removed)
    # No posted transaction sits next to its own pending version in the client's copy.
    for t in store.values():
        assert t.pending_transaction_id not in store
    fresh, _, _, _, _ = sync_all(tenant, access_token)
    assert set(store) == set(ids(fresh))

    # Purchases post within 3 days and authorization holds vanish within 5: six days on (or more),
    # none of the pending transactions seen at first is left.
    tenant.advance(3 * DAY_S)
    added, modified, removed, _, _ = sync_all(tenant, access_token, cursor)
    store = apply_delta(store, added, modified, removed)
    still_there = set(pending_before) & set(store)
    assert not still_there, f"pending for six days: {sorted(still_there)}"


def test_applied_deltas_match_a_fresh_full_sync_day_by_day(tenant):
    access_token, _ = ready_item(tenant)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token)
    store = apply_delta({}, added, modified, removed)
    changed_days = 0
    for _ in range(3):
        tenant.advance(DAY_S)
        added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
        changed_days += bool(added or modified or removed)
        store = apply_delta(store, added, modified, removed)
        fresh, _, _, _, _ = sync_all(tenant, access_token)
        assert set(store) == set(ids(fresh))
        assert {i: (t.amount, t.pending, t.date) for i, t in store.items()} == {
            t.transaction_id: (t.amount, t.pending, t.date) for t in fresh
        }
    assert changed_days, "three days passed and the Item's transactions never changed"


def posted_sums(store: dict) -> Counter:
    sums = Counter()
    for t in store.values():
        if not t.pending:
            sums[t.account_id] += t.amount
    return sums


def test_balances_move_by_the_posted_transactions(tenant):
    access_token, _ = ready_item(tenant)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token)
    store = apply_delta({}, added, modified, removed)
    before = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token)).accounts

    tenant.advance(3 * DAY_S)
    tenant.api.transactions_refresh(TransactionsRefreshRequest(access_token=access_token))
    added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
    after_store = apply_delta(store, added, modified, removed)
    after = {
        a.account_id: a
        for a in tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token)).accounts
    }

    moved = posted_sums(after_store)
    moved.subtract(posted_sums(store))
    checked = 0
    for account in before:
        kind = account.type.value
        if kind not in ("depository", "credit", "loan"):
            continue
        delta = after[account.account_id].balances.current - account.balances.current
        # Amounts are positive when money leaves the account.
        expected = -moved[account.account_id] if kind == "depository" else moved[account.account_id]
        assert abs(delta - expected) < 0.005, (
            f"{account.name} ({kind}): current moved by {delta:.2f}, posted transactions say {expected:.2f}"
        )
        checked += bool(moved[account.account_id])
    assert checked, "no account had posted transactions in three days"


def test_refresh_brings_the_copy_up_to_date_at_once(tenant):
    # A week between background updates at this bank, for this tenant: only refresh updates.
    tenant._control("POST", "/tartan/institutions/settings",
                    {"institution_id": FIRST_GINGHAM, "refresh_interval_minutes": 7 * 24 * 60})
    access_token, item_id = ready_item(tenant, institution_id=FIRST_GINGHAM, webhook=WEBHOOK)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token)
    assert added

    tenant.advance(DAY_S + 3600)  # the bank has a new day; Plaid's copy has not looked yet
    stale = sync(tenant, access_token, cursor)
    assert (stale.added, stale.modified, stale.removed) == ([], [], [])
    seq = last_seq(tenant, item_id)

    response = tenant.api.transactions_refresh(TransactionsRefreshRequest(access_token=access_token))
    assert isinstance(response, TransactionsRefreshResponse) and response.request_id
    added, modified, removed, _, _ = sync_all(tenant, access_token, cursor)
    assert added or modified or removed, "refresh found nothing new after a day"

    status = tenant.api.item_get(ItemGetRequest(access_token=access_token)).status.transactions
    assert status.last_successful_update == tenant.now()
    sua = webhook_bodies(tenant, item_id, "SYNC_UPDATES_AVAILABLE", seq)
    assert len(sua) == 1, sua
    assert (sua[0]["initial_update_complete"], sua[0]["historical_update_complete"]) == (True, True)
    if added:
        assert webhook_bodies(tenant, item_id, "DEFAULT_UPDATE", seq), "no DEFAULT_UPDATE after refresh"


def test_refresh_of_an_unknown_access_token_is_invalid(tenant, plaid_error):
    plaid_error(
        tenant.api.transactions_refresh,
        TransactionsRefreshRequest(access_token="access-sandbox-00000000-0000-0000-0000-000000000000"),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCESS_TOKEN",
    )


# --- per-account streams and days_requested --------------------------------------------------------


def test_account_stream_holds_only_that_account(tenant, plaid_error):
    access_token, _ = ready_item(tenant)
    added, _, _, item_cursor, _ = sync_all(tenant, access_token)
    by_account = Counter(t.account_id for t in added)
    account_id, expected = by_account.most_common(1)[0]

    mine, _, _, account_cursor, pages = sync_all(tenant, access_token, account_id=account_id, count=10)
    assert len(mine) == expected
    assert set(ids(mine)) == {t.transaction_id for t in added if t.account_id == account_id}
    assert {a.account_id for p in pages for a in p.accounts} == {account_id}

    # The two streams' cursors are not interchangeable.
    plaid_error(tenant.api.transactions_sync, sync_request(access_token, account_cursor),
                error_type="INVALID_REQUEST", error_code="INVALID_FIELD")
    plaid_error(tenant.api.transactions_sync, sync_request(access_token, item_cursor, account_id=account_id),
                error_type="INVALID_REQUEST", error_code="INVALID_FIELD")


@pytest.mark.parametrize("days", [30, 200])
def test_days_requested_sets_how_far_back_history_goes(tenant, days):
    access_token, _ = ready_item(tenant, days_requested=days)
    added, _, _, _, _ = sync_all(tenant, access_token)
    today = tenant.now().date()
    oldest = min(t.date for t in added)
    assert today - timedelta(days=days + 1) <= oldest, f"history reaches {oldest} for {days} days"
    assert oldest <= today - timedelta(days=days - 7), f"history stops at {oldest} for {days} days"


# --- 5. /transactions/get ----------------------------------------------------------------------------


def test_transactions_get_is_not_ready_until_the_first_stage(tenant, plaid_error):
    access_token, _ = new_item(tenant)
    start, end = whole_range(tenant)
    request = TransactionsGetRequest(access_token=access_token, start_date=start, end_date=end)
    plaid_error(tenant.api.transactions_get, request, error_type="ITEM_ERROR", error_code="PRODUCT_NOT_READY")

    tenant.advance(INITIAL_READY_S)
    early = transactions_get(tenant, access_token, start, end, count=500)
    assert early.transactions
    today = tenant.now().date()
    assert min(t.date for t in early.transactions) >= today - timedelta(days=31)

    tenant.advance(HISTORICAL_READY_S - INITIAL_READY_S)
    full = transactions_get(tenant, access_token, start, end, count=500)
    assert full.total_transactions > early.total_transactions
    assert min(t.date for t in full.transactions) < today - timedelta(days=31)


def test_transactions_get_on_an_item_without_transactions_starts_the_pull(tenant, plaid_error):
    access_token, _ = new_item(tenant, products=("auth",))
    start, end = whole_range(tenant)
    request = TransactionsGetRequest(access_token=access_token, start_date=start, end_date=end)
    plaid_error(tenant.api.transactions_get, request, error_type="ITEM_ERROR", error_code="PRODUCT_NOT_READY")
    tenant.advance(HISTORICAL_READY_S + 1)
    assert transactions_get(tenant, access_token, start, end).transactions


@pytest.fixture(scope="module")
def get_item(tenant):
    access_token, _ = ready_item(tenant)
    start, end = whole_range(tenant)
    full = transactions_get(tenant, access_token, start, end, count=500)
    return {"access_token": access_token, "start": start, "end": end, "full": full}


def test_transactions_get_is_newest_first_and_matches_sync(tenant, get_item):
    full = get_item["full"]
    dates = [t.date for t in full.transactions]
    assert dates == sorted(dates, reverse=True), "transactions are not in reverse-chronological order"
    assert full.total_transactions == len(full.transactions) > 100
    assert_unique(ids(full.transactions))
    assert full.item.item_id
    accounts = {a.account_id for a in full.accounts}
    assert {t.account_id for t in full.transactions} <= accounts
    synced, _, _, _, _ = sync_all(tenant, get_item["access_token"])
    assert set(ids(full.transactions)) == set(ids(synced))


def test_transactions_get_pages_by_offset(tenant, get_item):
    full = get_item["full"]
    paged = []
    for offset in range(0, full.total_transactions + 25, 25):
        page = transactions_get(tenant, get_item["access_token"], get_item["start"], get_item["end"],
                                count=25, offset=offset)
        assert page.total_transactions == full.total_transactions
        assert len(page.transactions) == max(0, min(25, full.total_transactions - offset))
        paged += page.transactions
    assert ids(paged) == ids(full.transactions)
    default = transactions_get(tenant, get_item["access_token"], get_item["start"], get_item["end"])
    assert len(default.transactions) == 100  # count defaults to 100


def test_transactions_get_respects_the_date_range(tenant, get_item):
    full = get_item["full"]
    distinct = sorted({t.date for t in full.transactions})
    start, end = distinct[len(distinct) // 4], distinct[len(distinct) // 2]
    window = transactions_get(tenant, get_item["access_token"], start, end, count=500)
    assert window.transactions
    assert all(start <= t.date <= end for t in window.transactions)
    expected = [t.transaction_id for t in full.transactions if start <= t.date <= end]
    assert ids(window.transactions) == expected
    assert window.total_transactions == len(expected)

    one_day = transactions_get(tenant, get_item["access_token"], start, start, count=500)
    assert {t.date for t in one_day.transactions} == {start}


def test_transactions_get_filters_by_account(tenant, get_item):
    full = get_item["full"]
    account_id = Counter(t.account_id for t in full.transactions).most_common(1)[0][0]
    only = transactions_get(tenant, get_item["access_token"], get_item["start"], get_item["end"],
                            count=500, account_ids=[account_id])
    assert ids(only.transactions) == [t.transaction_id for t in full.transactions if t.account_id == account_id]
    assert only.total_transactions == len(only.transactions)


def test_transactions_get_rejects_bad_input(tenant, get_item, plaid_error):
    token = get_item["access_token"]
    day = get_item["end"]
    plaid_error(
        tenant.api.transactions_get,
        TransactionsGetRequest(access_token=token, start_date=day, end_date=day - timedelta(days=1)),
        error_type="INVALID_REQUEST",
        error_code="INVALID_FIELD",
    )
    plaid_error(
        tenant.api.transactions_get,
        TransactionsGetRequest(access_token=token, start_date=get_item["start"], end_date=day,
                               options=TransactionsGetRequestOptions(account_ids=["no_such_account"])),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCOUNT_ID",
    )
    lenient = lenient_configuration(tenant)
    for count in (0, 501):
        options = TransactionsGetRequestOptions(count=count, _configuration=lenient)
        plaid_error(
            tenant.api.transactions_get,
            TransactionsGetRequest(access_token=token, start_date=get_item["start"], end_date=day,
                                   options=options),
            error_type="INVALID_REQUEST",
            error_code="INVALID_FIELD",
        )


# --- 6. webhooks ------------------------------------------------------------------------------------


def test_sync_before_readiness_arms_two_sync_updates_available(tenant):
    created = tenant.now()
    access_token, item_id = new_item(tenant, webhook=WEBHOOK)
    assert status_of(sync(tenant, access_token)) == NOT_READY  # arms SYNC_UPDATES_AVAILABLE
    tenant.advance(HISTORICAL_READY_S + 1)

    found = deliveries(tenant, item_id)
    codes = [d["webhook_code"] for d in found]
    assert Counter(codes) == Counter(
        {"INITIAL_UPDATE": 1, "HISTORICAL_UPDATE": 1, "SYNC_UPDATES_AVAILABLE": 2}
    ), codes
    for d in found:
        assert d["webhook_type"] == "TRANSACTIONS" and d["url"] == WEBHOOK

    sua = [d for d in found if d["webhook_code"] == "SYNC_UPDATES_AVAILABLE"]
    flags = [(json.loads(d["body"])["initial_update_complete"], json.loads(d["body"])["historical_update_complete"])
             for d in sua]
    assert flags == [(True, False), (True, True)]
    for d, after in zip(sua, (INITIAL_READY_S, HISTORICAL_READY_S)):
        model = as_model(tenant, json.loads(d["body"]), SyncUpdatesAvailableWebhook)
        assert model.item_id == item_id and model.environment.value == "sandbox"
        at = (created.timestamp() + after)
        assert abs(_ts(d["created_at"]) - at) <= 2, (d["created_at"], after)

    initial = json.loads(next(d["body"] for d in found if d["webhook_code"] == "INITIAL_UPDATE"))
    historical = json.loads(next(d["body"] for d in found if d["webhook_code"] == "HISTORICAL_UPDATE"))
    initial_model = as_model(tenant, initial, InitialUpdateWebhook)
    historical_model = as_model(tenant, historical, HistoricalUpdateWebhook)
    assert initial_model.item_id == historical_model.item_id == item_id
    assert initial_model.new_transactions > 0 and historical_model.new_transactions > 0
    # INITIAL_UPDATE comes with the first SYNC_UPDATES_AVAILABLE, HISTORICAL_UPDATE with the second.
    order = [d["webhook_code"] for d in found]
    assert order.index("INITIAL_UPDATE") < order.index("HISTORICAL_UPDATE")


def _ts(value: str) -> float:
    return parse_rfc3339(value).timestamp()


def test_without_a_sync_call_only_the_legacy_webhooks_fire(tenant):
    _, item_id = new_item(tenant, webhook=WEBHOOK)
    tenant.advance(HISTORICAL_READY_S + 1)
    codes = [d["webhook_code"] for d in deliveries(tenant, item_id)]
    assert Counter(codes) == Counter({"INITIAL_UPDATE": 1, "HISTORICAL_UPDATE": 1}), codes


def test_later_updates_send_default_update_removed_and_sync_updates(tenant):
    access_token, item_id = ready_item(tenant, webhook=WEBHOOK)
    _, _, _, cursor, _ = sync_all(tenant, access_token)
    days_with_removals = 0
    for _ in range(3):
        seq = last_seq(tenant, item_id)
        tenant.advance(DAY_S)
        added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
        if not (added or modified or removed):
            assert not webhook_bodies(tenant, item_id, "SYNC_UPDATES_AVAILABLE", seq)
            continue
        sua = webhook_bodies(tenant, item_id, "SYNC_UPDATES_AVAILABLE", seq)
        assert len(sua) == 1, f"one update with changes, {len(sua)} SYNC_UPDATES_AVAILABLE"
        as_model(tenant, sua[0], SyncUpdatesAvailableWebhook)
        assert (sua[0]["initial_update_complete"], sua[0]["historical_update_complete"]) == (True, True)

        defaults = webhook_bodies(tenant, item_id, "DEFAULT_UPDATE", seq)
        if added:
            assert len(defaults) == 1, defaults
            model = as_model(tenant, defaults[0], DefaultUpdateWebhook)
            assert model.new_transactions >= 1
        removals = webhook_bodies(tenant, item_id, "TRANSACTIONS_REMOVED", seq)
        if removed:
            days_with_removals += 1
            assert len(removals) == 1, removals
            model = as_model(tenant, removals[0], TransactionsRemovedWebhook)
            assert set(model.removed_transactions) == {r.transaction_id for r in removed}
        else:
            assert not removals, removals
    assert days_with_removals, "three days of updates removed nothing"


# --- 7. bad input ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_input_item(tenant):
    access_token, _ = ready_item(tenant)
    return access_token


@pytest.mark.parametrize("count", [0, 501, -1])
def test_sync_count_out_of_range_is_invalid(tenant, bad_input_item, plaid_error, count):
    request = sync_request(bad_input_item, count=count, configuration=lenient_configuration(tenant))
    body = plaid_error(tenant.api.transactions_sync, request,
                       error_type="INVALID_REQUEST", error_code="INVALID_FIELD")
    assert "count" in body["error_message"], body


@pytest.mark.parametrize("count", [1, 500])
def test_sync_count_at_the_bounds_is_accepted(tenant, bad_input_item, count):
    page = sync(tenant, bad_input_item, count=count)
    assert 1 <= len(page.added) <= count


def test_sync_unknown_account_id_is_invalid(tenant, bad_input_item, plaid_error):
    plaid_error(tenant.api.transactions_sync, sync_request(bad_input_item, account_id="no_such_account"),
                error_type="INVALID_INPUT", error_code="INVALID_ACCOUNT_ID")


def test_sync_cursor_of_another_item_is_invalid(tenant, bad_input_item, plaid_error):
    other, _ = ready_item(tenant)
    _, _, _, other_cursor, _ = sync_all(tenant, other)
    first = sync(tenant, other, count=5)
    for cursor in (other_cursor, first.next_cursor):
        body = plaid_error(tenant.api.transactions_sync, sync_request(bad_input_item, cursor),
                           error_type="INVALID_REQUEST", error_code="INVALID_FIELD")
        assert "cursor" in body["error_message"], body


@pytest.mark.parametrize("cursor", ["not-a-cursor!", "AAAA", "x" * 300, "now-ish"])
def test_sync_malformed_cursor_is_invalid(tenant, bad_input_item, plaid_error, cursor):
    body = plaid_error(tenant.api.transactions_sync, sync_request(bad_input_item, cursor),
                       error_type="INVALID_REQUEST", error_code="INVALID_FIELD")
    assert "cursor" in body["error_message"], body


def test_sync_unknown_access_token_is_invalid(tenant, plaid_error):
    plaid_error(
        tenant.api.transactions_sync,
        sync_request("access-sandbox-00000000-0000-0000-0000-000000000000"),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCESS_TOKEN",
    )


# --- 8. /categories/get -----------------------------------------------------------------------------


def credentials_body(tenant) -> dict:
    """plaid-python sends no credential headers to /categories/get (its spec says
    `security: []`); Plaid also reads client_id/secret from the body."""
    return {"client_id": tenant.client_id, "secret": tenant.secret}


def test_categories_get_needs_no_credentials(tenant):
    """Plaid documents no authentication for it, and plaid-python sends none."""
    response = tenant.api.categories_get({})
    assert isinstance(response, CategoriesGetResponse) and response.categories


def test_categories_get_lists_the_legacy_taxonomy(tenant, bad_input_item):
    response = tenant.api.categories_get(credentials_body(tenant))
    assert isinstance(response, CategoriesGetResponse) and response.request_id
    categories = response.categories
    assert categories
    assert_unique([c.category_id for c in categories], "category ids")
    for c in categories:
        assert c.category_id.isdigit() and len(c.category_id) == 8, c.category_id
        assert c.group in ("place", "special", "digital"), c.group
        assert c.hierarchy and all(isinstance(h, str) and h for h in c.hierarchy), c.hierarchy
    known = {c.category_id: c.hierarchy for c in categories}
    added, _, _, _, _ = sync_all(tenant, bad_input_item)
    for t in added:
        assert t.category_id in known, f"{t.transaction_id} has category_id {t.category_id} not in /categories/get"
        assert list(t.category) == list(known[t.category_id])
