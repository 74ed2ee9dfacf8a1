"""Sandbox Transactions that change on request, driven through plaid-python's typed models:
the `user_transactions_dynamic` user (each /transactions/refresh posts the earlier pending
transactions, makes new pending ones and adds $1.00 to one earlier transaction),
/sandbox/transactions/create, /transactions/recurring/get and RECURRING_TRANSACTIONS_UPDATE.

plaid-python deserialises every response into its generated models and raises when a
required field is missing or has the wrong type, so each successful call is also a schema
check of Tartan's answer. Every test gets a tenant of its own whose virtual clock is frozen at
2027-03-10T12:00:00Z and whose seed is fixed, so each test sees the same Items on every run;
time only moves when a test moves it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import plaid
import pytest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.custom_sandbox_transaction import CustomSandboxTransaction
from plaid.model.recurring_transactions_update_webhook import RecurringTransactionsUpdateWebhook
from plaid.model.sandbox_transactions_create_request import SandboxTransactionsCreateRequest
from plaid.model.sandbox_transactions_create_response import SandboxTransactionsCreateResponse
from plaid.model.transaction import Transaction
from plaid.model.transaction_stream import TransactionStream
from plaid.model.transactions_recurring_get_request import TransactionsRecurringGetRequest
from plaid.model.transactions_recurring_get_response import TransactionsRecurringGetResponse
from plaid.model.transactions_refresh_request import TransactionsRefreshRequest
from plaid.model.transactions_refresh_response import TransactionsRefreshResponse
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_response import TransactionsSyncResponse

from conftest import Tenant, parse_rfc3339
from test_sdk_transactions import as_model, deliveries, last_seq, webhook_bodies

FIRST_PLATYPUS = "ins_109508"
DYNAMIC_USER = "user_transactions_dynamic"
START = "2027-03-10T12:00:00Z"
# Fixed so that every run sees the same Items (a tenant's seed otherwise follows its client_id).
SEED = 7
WEBHOOK = "http://127.0.0.1:9/tartan-conformance/transactions-dynamic-webhook"
HISTORICAL_READY_S = 60
INITIAL_READY_S = 10
BASE_COUNT = 50

TOO_MANY = "The request contains too many transactions."
BAD_DATES = (
    "Transaction and posted dates must be within the last 14 days. "
    "The posted date cannot be before the transaction date."
)


# --- helpers --------------------------------------------------------------------------------


def fresh_tenant(tartan, label: str, start: str = START, seed: int = SEED) -> Tenant:
    t = Tenant(tartan, label)
    t._control("POST", "/tartan/settings", {"seed": seed})
    t._control("POST", "/tartan/clock/freeze", {})
    t._control("POST", "/tartan/clock/set", {"now": start})
    assert t.now() == parse_rfc3339(start)
    return t


@pytest.fixture
def tenant(tartan):
    """A tenant of this test's own: seeded, its clock frozen at START."""
    t = fresh_tenant(tartan, "txn_dynamic")
    yield t
    t.api_client.close()


def advance_days(tenant, days: int):
    before = tenant.now()
    after = parse_rfc3339(tenant._control("POST", "/tartan/clock/advance", {"days": days})["now"])
    assert after - before == timedelta(days=days), (before, after)
    return after


def dynamic_item(tenant, **options):
    """A user_transactions_dynamic Item (Transactions only); returns (access_token, item_id)."""
    return tenant.new_item(
        FIRST_PLATYPUS,
        ("transactions",),
        override_username=DYNAMIC_USER,
        override_password="any",
        **options,
    )


def good_item(tenant, **options):
    """A user_good Item with Transactions."""
    return tenant.new_item(FIRST_PLATYPUS, ("auth", "transactions"), **options)


def sync(tenant, access_token, cursor=None, count=500) -> TransactionsSyncResponse:
    fields = {"access_token": access_token, "count": count}
    if cursor is not None:
        fields["cursor"] = cursor
    response = tenant.api.transactions_sync(TransactionsSyncRequest(**fields))
    assert isinstance(response, TransactionsSyncResponse)
    return response


def sync_all(tenant, access_token, cursor=None, count=500):
    """Pages from `cursor` while has_more: (added, modified, removed, next_cursor)."""
    added, modified, removed = [], [], []
    for _ in range(1000):
        page = sync(tenant, access_token, cursor, count)
        assert page.next_cursor != "", f"sync is not ready: {page.transactions_update_status}"
        added += page.added
        modified += page.modified
        removed += page.removed
        cursor = page.next_cursor
        if not page.has_more:
            for what, txns in (("added", added), ("modified", modified)):
                duplicated = [i for i, n in Counter(t.transaction_id for t in txns).items() if n > 1]
                assert not duplicated, f"duplicated {what} ids: {duplicated}"
            return added, modified, removed, cursor
    raise AssertionError("sync never reached has_more=false")


def ready_dynamic_item(tenant, **options):
    """A dynamic Item past the 60 s readiness, synced once: (token, item_id, store, cursor)."""
    access_token, item_id = dynamic_item(tenant, **options)
    tenant.advance(HISTORICAL_READY_S + 1)
    added, modified, removed, cursor = sync_all(tenant, access_token)
    assert (modified, removed) == ([], [])
    return access_token, item_id, {t.transaction_id: t for t in added}, cursor


def refresh(tenant, access_token):
    response = tenant.api.transactions_refresh(TransactionsRefreshRequest(access_token=access_token))
    assert isinstance(response, TransactionsRefreshResponse) and response.request_id


def cents(amount: float) -> int:
    return round(amount * 100)


def checking_account(tenant, access_token):
    accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    found = [a for a in accounts if a.mask == "0000"]
    assert len(found) == 1, [(a.name, a.mask) for a in accounts]
    assert found[0].subtype.value == "checking", found[0].subtype
    return found[0]


def custom(transacted: date, posted: date, amount: float, description: str, **extra):
    return CustomSandboxTransaction(
        date_transacted=transacted, date_posted=posted, amount=amount, description=description, **extra
    )


def create(tenant, access_token, transactions) -> SandboxTransactionsCreateResponse:
    response = tenant.api.sandbox_transactions_create(
        SandboxTransactionsCreateRequest(access_token=access_token, transactions=transactions)
    )
    assert isinstance(response, SandboxTransactionsCreateResponse) and response.request_id
    return response


def recurring(tenant, access_token) -> TransactionsRecurringGetResponse:
    response = tenant.api.transactions_recurring_get(TransactionsRecurringGetRequest(access_token=access_token))
    assert isinstance(response, TransactionsRecurringGetResponse)
    return response


def check_refresh_delta(store: dict, added, modified, removed) -> list:
    """What one refresh of the dynamic user must change, against the client's copy `store`:
    every earlier pending transaction removed and added back posted, one to three new pending
    purchases, and exactly one earlier transaction modified, $1.00 dearer. Returns the new
    pending transactions."""
    pending_before = {i: t for i, t in store.items() if t.pending}
    assert pending_before, "the copy holds no pending transaction to post"
    removed_ids = [r.transaction_id for r in removed]
    assert sorted(removed_ids) == sorted(pending_before), (
        f"removed {sorted(removed_ids)}, pending before the refresh {sorted(pending_before)}"
    )

    posted = [t for t in added if not t.pending]
    new_pending = [t for t in added if t.pending]
    assert sorted(t.pending_transaction_id for t in posted) == sorted(pending_before), (
        f"posted transactions name {[t.pending_transaction_id for t in posted]}, "
        f"pending before {sorted(pending_before)}"
    )
    for t in posted:
        earlier = pending_before[t.pending_transaction_id]
        assert t.transaction_id not in store, f"posted {t.transaction_id} reuses an existing id"
        assert t.account_id == earlier.account_id
        assert t.name == earlier.name
        assert t.authorized_date == earlier.authorized_date
    assert 1 <= len(new_pending) <= 3, f"{len(new_pending)} new pending transactions"
    for t in new_pending:
        assert t.transaction_id not in store
        assert t.pending_transaction_id is None

    assert len(modified) == 1, (
        f"modified holds {len(modified)} transactions; added: "
        + json.dumps([(t.transaction_id, t.pending_transaction_id, t.name, t.amount) for t in added])
    )
    [bumped] = modified
    assert bumped.transaction_id in store, "the modified transaction is not an earlier one"
    earlier = store[bumped.transaction_id]
    assert not earlier.pending and not bumped.pending
    assert cents(bumped.amount) - cents(earlier.amount) == 100, (earlier.amount, bumped.amount)
    assert (bumped.name, bumped.account_id, bumped.date) == (earlier.name, earlier.account_id, earlier.date)
    return new_pending


def apply_delta(store: dict, added, modified, removed) -> dict:
    store = dict(store)
    for t in list(added) + list(modified):
        store[t.transaction_id] = t
    for r in removed:
        store.pop(r.transaction_id, None)
    return store


# --- 1. user_transactions_dynamic ---------------------------------------------------------------


def test_dynamic_user_starts_with_50_transactions_some_pending(tenant):
    access_token, _, store, _ = ready_dynamic_item(tenant)
    assert len(store) == BASE_COUNT
    transactions = list(store.values())
    assert all(isinstance(t, Transaction) for t in transactions)
    pending = [t for t in transactions if t.pending]
    posted = [t for t in transactions if not t.pending]
    assert pending, "no pending transaction among the 50"
    assert posted, "no posted transaction among the 50"
    assert all(t.pending_transaction_id is None for t in pending)
    today = tenant.now().date()
    assert all(t.date <= today for t in transactions)
    # A fresh client gets the same 50 in pages of 7.
    paged, _, _, _ = sync_all(tenant, access_token, count=7)
    assert sorted(t.transaction_id for t in paged) == sorted(store)


def test_refresh_posts_the_pending_makes_new_pending_and_adds_a_dollar(tenant):
    access_token, _, store, cursor = ready_dynamic_item(tenant)
    assert len(store) == BASE_COUNT

    # Nothing changes until the refresh.
    quiet = sync(tenant, access_token, cursor)
    assert (quiet.added, quiet.modified, quiet.removed, quiet.next_cursor) == ([], [], [], cursor)

    refresh(tenant, access_token)
    added, modified, removed, cursor = sync_all(tenant, access_token, cursor)
    new_pending = check_refresh_delta(store, added, modified, removed)
    store = apply_delta(store, added, modified, removed)

    # A second refresh posts what the first one made pending.
    refresh(tenant, access_token)
    added, modified, removed, cursor = sync_all(tenant, access_token, cursor)
    assert sorted(r.transaction_id for r in removed) == sorted(t.transaction_id for t in new_pending)
    check_refresh_delta(store, added, modified, removed)
    store = apply_delta(store, added, modified, removed)

    # The client's copy, kept by applying the deltas, is Plaid's copy.
    fresh, _, _, _ = sync_all(tenant, access_token)
    assert {t.transaction_id: cents(t.amount) for t in fresh} == {
        i: cents(t.amount) for i, t in store.items()
    }


def many_dynamic_items(tartan, label: str, n: int = 40):
    """A seeded tenant of its own with `n` dynamic Items past readiness: (tenant, tokens)."""
    other = fresh_tenant(tartan, label)
    tokens = [dynamic_item(other)[0] for _ in range(n)]
    other.advance(HISTORICAL_READY_S + 1)
    return other, tokens


def test_every_dynamic_item_starts_with_some_pending_and_some_posted(tartan):
    """Not just the first Item of a seed: every dynamic Item's 50 mix pending and posted."""
    other, tokens = many_dynamic_items(tartan, "txn_dynamic_mix")
    try:
        mixes = {}
        for n, access_token in enumerate(tokens):
            added, _, _, _ = sync_all(other, access_token)
            assert len(added) == BASE_COUNT, (n, len(added))
            mixes[n] = sum(t.pending for t in added)
        lacking = {n: pending for n, pending in mixes.items() if pending in (0, BASE_COUNT)}
        assert not lacking, (
            f"{len(lacking)} of {len(tokens)} dynamic Items start with all or none of their 50 "
            f"pending (Item number: pending count): {lacking}"
        )
    finally:
        other.api_client.close()


def test_every_dynamic_item_gets_exactly_one_modified_transaction_per_refresh(tartan):
    """Many dynamic Items: for each, the first refresh modifies exactly one earlier transaction,
    $1.00 dearer, whichever transaction the $1.00 lands on (even one pending until now)."""
    other, tokens = many_dynamic_items(tartan, "txn_dynamic_many")
    try:
        failures = {}
        for n, access_token in enumerate(tokens):
            added, _, _, cursor = sync_all(other, access_token)
            store = {t.transaction_id: t for t in added}
            refresh(other, access_token)
            added, modified, removed, _ = sync_all(other, access_token, cursor)
            earlier = [t for t in modified if t.transaction_id in store]
            bumped = [t for t in earlier if cents(t.amount) - cents(store[t.transaction_id].amount) == 100]
            if len(modified) != 1 or len(bumped) != 1:
                posted = {t.pending_transaction_id: t for t in added if t.pending_transaction_id}
                failures[n] = {
                    "modified": [(t.name, t.amount) for t in modified],
                    "posted (pending amount -> posted amount)": [
                        (t.name, store[p].amount, t.amount) for p, t in posted.items() if p in store
                    ],
                }
        assert not failures, (
            f"{len(failures)} of {len(tokens)} dynamic Items: " + json.dumps(failures, indent=1)
        )
    finally:
        other.api_client.close()


def test_days_alone_bring_no_changes_for_the_dynamic_user(tenant):
    access_token, _, store, cursor = ready_dynamic_item(tenant)
    pending = {i for i, t in store.items() if t.pending}
    for days in (1, 3, 10):
        advance_days(tenant, days)
        page = sync(tenant, access_token, cursor)
        assert (page.added, page.modified, page.removed) == ([], [], []), f"changes after {days} more days"
        assert page.has_more is False
    still = {t.transaction_id for t in sync_all(tenant, access_token)[0] if t.pending}
    assert still == pending, "pending transactions posted without a refresh"

    # After a refresh, days again change nothing.
    refresh(tenant, access_token)
    _, _, _, cursor = sync_all(tenant, access_token, cursor)
    advance_days(tenant, 7)
    page = sync(tenant, access_token, cursor)
    assert (page.added, page.modified, page.removed) == ([], [], [])


# --- 2. /sandbox/transactions/create -------------------------------------------------------------


def test_created_transactions_appear_posted_on_checking(tenant):
    access_token, _, store, cursor = ready_dynamic_item(tenant)
    checking = checking_account(tenant, access_token)
    today = tenant.now().date()
    assert today == date(2027, 3, 10)
    wanted = [
        custom(today - timedelta(days=3), today - timedelta(days=2), 4.55, "Starbucks Coffee #4471 Seattle"),
        custom(today - timedelta(days=1), today, -250.0, "Tartan conformance refund 9931", iso_currency_code="USD"),
    ]
    create(tenant, access_token, wanted)

    added, modified, removed, cursor = sync_all(tenant, access_token, cursor)
    assert (modified, removed) == ([], [])
    assert len(added) == 2, [(t.name, t.amount) for t in added]
    by_name = {t.name: t for t in added}
    assert set(by_name) == {w.description for w in wanted}
    for w in wanted:
        t = by_name[w.description]
        assert isinstance(t, Transaction)
        assert t.transaction_id not in store
        assert t.pending is False and t.pending_transaction_id is None
        assert t.account_id == checking.account_id
        assert cents(t.amount) == cents(w.amount)
        assert t.iso_currency_code == "USD"
        assert t.authorized_date == w.date_transacted
        assert t.date == w.date_posted
    assert by_name[wanted[0].description].merchant_name == "Starbucks"

    # They stay: a fresh full sync holds them next to the 50.
    fresh, _, _, _ = sync_all(tenant, access_token)
    assert len(fresh) == BASE_COUNT + 2
    assert {t.transaction_id for t in added} <= {t.transaction_id for t in fresh}


def test_created_transactions_survive_a_refresh(tenant):
    access_token, _, store, cursor = ready_dynamic_item(tenant)
    today = tenant.now().date()
    create(tenant, access_token, [custom(today, today, 12.34, "Tartan conformance widget")])
    added, _, _, cursor = sync_all(tenant, access_token, cursor)
    assert [t.name for t in added] == ["Tartan conformance widget"]
    created_id = added[0].transaction_id

    refresh(tenant, access_token)
    _, _, removed, _ = sync_all(tenant, access_token, cursor)
    assert created_id not in {r.transaction_id for r in removed}
    fresh, _, _, _ = sync_all(tenant, access_token)
    assert created_id in {t.transaction_id for t in fresh}


def bad_batches(today: date):
    one = lambda transacted, posted: custom(transacted, posted, 9.99, "Tartan conformance bad input")
    return {
        "eleven transactions": ([one(today, today) for _ in range(11)], TOO_MANY),
        "transacted 20 days back": ([one(today - timedelta(days=20), today)], BAD_DATES),
        "posted 20 days back": ([one(today - timedelta(days=20), today - timedelta(days=20))], BAD_DATES),
        "posted before transacted": ([one(today - timedelta(days=2), today - timedelta(days=3))], BAD_DATES),
        "posted tomorrow": ([one(today, today + timedelta(days=1))], BAD_DATES),
    }


@pytest.mark.parametrize("case", list(bad_batches(date(2027, 3, 10))))
def test_create_rejects_bad_batches_with_plaids_messages(tenant, plaid_error, case):
    access_token, _, _, cursor = ready_dynamic_item(tenant)
    transactions, message = bad_batches(tenant.now().date())[case]
    body = plaid_error(
        tenant.api.sandbox_transactions_create,
        SandboxTransactionsCreateRequest(access_token=access_token, transactions=transactions),
        error_type="INVALID_REQUEST",
        error_code="INVALID_FIELD",
    )
    assert body["error_message"] == message, body
    # A rejected request adds nothing.
    page = sync(tenant, access_token, cursor)
    assert (page.added, page.modified, page.removed) == ([], [], [])


def test_create_accepts_ten_transactions_within_the_window(tenant):
    access_token, _, _, cursor = ready_dynamic_item(tenant)
    today = tenant.now().date()
    oldest = today - timedelta(days=13)
    batch = [custom(oldest, oldest, 1.0 + i, f"Tartan conformance edge {i}") for i in range(9)]
    batch.append(custom(oldest, today, 20.0, "Tartan conformance edge 9"))
    create(tenant, access_token, batch)
    added, _, _, _ = sync_all(tenant, access_token, cursor)
    assert sorted(t.name for t in added) == sorted(t.description for t in batch)


def test_create_on_a_user_good_item_is_invalid(tenant, plaid_error):
    access_token, _ = good_item(tenant)
    tenant.advance(HISTORICAL_READY_S + 1)
    today = tenant.now().date()
    body = plaid_error(
        tenant.api.sandbox_transactions_create,
        SandboxTransactionsCreateRequest(
            access_token=access_token, transactions=[custom(today, today, 5.0, "Tartan conformance")]
        ),
        error_type="INVALID_REQUEST",
        error_code="INVALID_FIELD",
    )
    assert "access_token" in body["error_message"], body


# --- 3. /transactions/recurring/get ------------------------------------------------------------


def test_recurring_get_is_not_ready_until_the_whole_history_is(tenant, plaid_error):
    access_token, _ = good_item(tenant)
    request = TransactionsRecurringGetRequest(access_token=access_token)
    plaid_error(tenant.api.transactions_recurring_get, request,
                error_type="ITEM_ERROR", error_code="PRODUCT_NOT_READY")
    tenant.advance(INITIAL_READY_S + 1)  # the last 30 days are in; the history is not
    plaid_error(tenant.api.transactions_recurring_get, request,
                error_type="ITEM_ERROR", error_code="PRODUCT_NOT_READY")
    tenant.advance(HISTORICAL_READY_S - INITIAL_READY_S)
    assert recurring(tenant, access_token).outflow_streams


def check_streams(tenant, access_token):
    response = recurring(tenant, access_token)
    synced = {t.transaction_id: t for t in sync_all(tenant, access_token)[0]}
    accounts = {a.account_id for a in tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts}
    for flow, streams in (("inflow", response.inflow_streams), ("outflow", response.outflow_streams)):
        for s in streams:
            assert isinstance(s, TransactionStream)
            assert s.account_id in accounts
            assert s.first_date <= s.last_date
            assert s.transaction_ids and set(s.transaction_ids) <= set(synced), (
                f"{flow} stream {s.description} names transactions sync does not know"
            )
            assert all(synced[i].account_id == s.account_id for i in s.transaction_ids)
            amounts = [synced[i].amount for i in s.transaction_ids]
            assert all((a < 0) == (flow == "inflow") for a in amounts), (flow, s.description, amounts)
    return response


def test_recurring_get_finds_semi_monthly_payroll_and_monthly_netflix(tenant):
    access_token, _ = good_item(tenant)
    tenant.advance(HISTORICAL_READY_S + 1)
    checking = checking_account(tenant, access_token)
    response = check_streams(tenant, access_token)

    payroll = [s for s in response.inflow_streams
               if s.frequency.value == "SEMI_MONTHLY" and s.personal_finance_category.primary == "INCOME"]
    assert payroll, [(s.description, s.frequency.value) for s in response.inflow_streams]
    assert any(s.account_id == checking.account_id for s in payroll)
    assert all(s.status.value == "MATURE" and s.is_active for s in payroll)

    netflix = [s for s in response.outflow_streams if s.merchant_name == "Netflix"]
    assert len(netflix) == 1, [(s.description, s.merchant_name) for s in response.outflow_streams]
    assert netflix[0].frequency.value == "MONTHLY"
    assert netflix[0].average_amount.amount > 0
    assert netflix[0].predicted_next_date is not None and netflix[0].predicted_next_date > netflix[0].last_date
    assert not any(s.merchant_name == "Netflix" for s in response.inflow_streams)


def test_payroll_on_the_1st_and_15th_is_semi_monthly_for_an_item_linked_on_the_24th(tartan):
    """Payroll lands on the 1st and the 15th (or the Friday before): twice a month whichever
    day the Item was linked, never every other week."""
    other = fresh_tenant(tartan, "txn_dynamic_payroll", start="2027-03-24T12:00:00Z")
    try:
        access_token, _ = good_item(other)
        other.advance(HISTORICAL_READY_S + 1)
        response = recurring(other, access_token)
        synced = {t.transaction_id: t for t in sync_all(other, access_token)[0]}
        income = [s for s in response.inflow_streams if s.personal_finance_category.primary == "INCOME"
                  and s.merchant_name == "Gusto"]
        assert income, [(s.description, s.frequency.value) for s in response.inflow_streams]
        for s in income:
            dates = sorted(str(synced[i].date) for i in s.transaction_ids)
            assert s.frequency.value == "SEMI_MONTHLY", f"{s.description}: {s.frequency.value} for {dates}"
    finally:
        other.api_client.close()


# --- 4. RECURRING_TRANSACTIONS_UPDATE --------------------------------------------------------------


def test_recurring_update_webhook_follows_a_recurring_get(tenant):
    watched, watched_id = good_item(tenant, webhook=WEBHOOK)
    unwatched, unwatched_id = good_item(tenant, webhook=WEBHOOK)
    tenant.advance(HISTORICAL_READY_S + 1)
    recurring(tenant, watched)
    sync_all(tenant, unwatched)
    checking = checking_account(tenant, watched)
    seq = last_seq(tenant, watched_id)
    assert not webhook_bodies(tenant, watched_id, "RECURRING_TRANSACTIONS_UPDATE")

    # 2027-03-10 + 23 days = 2027-04-02: across the 1st (payroll, mortgage) of April.
    advance_days(tenant, 23)
    assert tenant.now().date() == date(2027, 4, 2)

    bodies = webhook_bodies(tenant, watched_id, "RECURRING_TRANSACTIONS_UPDATE", seq)
    assert bodies, "no RECURRING_TRANSACTIONS_UPDATE across the 1st of April: " + json.dumps(
        [d["webhook_code"] for d in deliveries(tenant, watched_id) if d["seq"] > seq]
    )
    listed = set()
    for body in bodies:
        model = as_model(tenant, body, RecurringTransactionsUpdateWebhook)
        assert model.webhook_type == "TRANSACTIONS"
        assert model.webhook_code == "RECURRING_TRANSACTIONS_UPDATE"
        assert model.item_id == watched_id
        assert model.environment.value == "sandbox"
        assert model.account_ids
        listed |= set(model.account_ids)
    assert checking.account_id in listed, (checking.account_id, sorted(listed))

    # The Item nobody asked /transactions/recurring/get about hears nothing of it.
    assert not webhook_bodies(tenant, unwatched_id, "RECURRING_TRANSACTIONS_UPDATE")
    assert webhook_bodies(tenant, unwatched_id, "DEFAULT_UPDATE"), "the unwatched Item had no updates at all"
