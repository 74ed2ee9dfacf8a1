"""The `user_custom` Sandbox user, driven through plaid-python's typed models: its password is
a JSON configuration (plaid-behavior.md 2.8), given here as `options.override_password` (a
JSON *string*) with `override_username: "user_custom"` on /sandbox/public_token/create.

The configuration decides the Item's accounts (type, subtype, balances, names, masks,
currency), its Auth numbers, the owner /identity/get reports, its transactions (pending from
`date_transacted` until `date_posted` on the tenant's clock, then posted), the MFA Link asks
for and the error the login is forced to fail with; a configuration that cannot be used fails
the login with ITEM_ERROR / INVALID_CREDENTIALS naming what is wrong.

plaid-python deserialises every response into its generated models and raises when a
required field is missing or has the wrong type, so each successful call is also a schema
check of Tartan's answer. Every test gets a tenant of its own whose virtual clock is frozen at
2027-03-10T12:00:00Z and whose seed is fixed; time only moves when a test moves it.
"""

from __future__ import annotations

import json
from datetime import date

import plaid
import pytest
from plaid.model.account_base import AccountBase
from plaid.model.account_subtype import AccountSubtype
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.accounts_get_response import AccountsGetResponse
from plaid.model.address_data_override import AddressDataOverride
from plaid.model.address_override import AddressOverride
from plaid.model.auth_get_request import AuthGetRequest
from plaid.model.auth_get_response import AuthGetResponse
from plaid.model.email import Email
from plaid.model.identity_get_request import IdentityGetRequest
from plaid.model.identity_get_response import IdentityGetResponse
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.meta import Meta
from plaid.model.mfa import MFA
from plaid.model.numbers import Numbers
from plaid.model.override_account_type import OverrideAccountType
from plaid.model.override_accounts import OverrideAccounts
from plaid.model.owner_override import OwnerOverride
from plaid.model.phone_number import PhoneNumber
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)
from plaid.model.sandbox_public_token_create_response import SandboxPublicTokenCreateResponse
from plaid.model.transaction import Transaction
from plaid.model.transaction_override import TransactionOverride
from plaid.model.transactions_refresh_request import TransactionsRefreshRequest
from plaid.model.user_custom_password import UserCustomPassword

from conftest import expect_plaid_error
from test_sdk_transactions import (
    FIRST_PLATYPUS,
    HISTORICAL_COMPLETE,
    HISTORICAL_READY_S,
    INITIAL_COMPLETE,
    INITIAL_READY_S,
    NOT_READY,
    apply_delta,
    check_unique_ids,
    quickstart_sync,
    status_of,
    sync,
    sync_all,
)
from test_sdk_transactions_dynamic import advance_days, fresh_tenant

CUSTOM_USER = "user_custom"
TARTAN_DOMINION = "ins_43"  # a Canadian bank: EFT numbers, CAD
ROYAL_BANK_OF_PLAID = "ins_117650"  # a UK bank: BACS and IBAN numbers, GBP
PRODUCTS = ("auth", "identity", "transactions")
SANDBOX_HOLDER = "Alberta Bobbeth Charleson"
USER_GOOD_ACCOUNTS = 12
# After moving days: /transactions/refresh, then this long for the copy to be updated.
REFRESH_S = 30


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def tenant(tartan):
    """A tenant of this test's own: seeded, its clock frozen at 2027-03-10T12:00:00Z."""
    t = fresh_tenant(tartan, "custom_user")
    yield t
    t.api_client.close()


def custom_request(config, institution_id=FIRST_PLATYPUS, products=PRODUCTS) -> SandboxPublicTokenCreateRequest:
    """/sandbox/public_token/create for user_custom; `config` is a dict (sent JSON-encoded) or
    the password string itself."""
    password = config if isinstance(config, str) else json.dumps(config)
    return SandboxPublicTokenCreateRequest(
        institution_id=institution_id,
        initial_products=[Products(p) for p in products],
        options=SandboxPublicTokenCreateRequestOptions(
            override_username=CUSTOM_USER,
            override_password=password,
        ),
    )


def custom_item(tenant, config, institution_id=FIRST_PLATYPUS, products=PRODUCTS):
    """A user_custom Item made from `config`; returns (access_token, item_id)."""
    created = tenant.api.sandbox_public_token_create(custom_request(config, institution_id, products))
    assert isinstance(created, SandboxPublicTokenCreateResponse)
    exchanged = tenant.api.item_public_token_exchange(
        ItemPublicTokenExchangeRequest(public_token=created.public_token)
    )
    return exchanged.access_token, exchanged.item_id


def accounts(tenant, access_token) -> list[AccountBase]:
    response = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token))
    assert isinstance(response, AccountsGetResponse)
    assert all(isinstance(a, AccountBase) for a in response.accounts)
    return response.accounts


def by_name(found) -> dict:
    named = {a.name: a for a in found}
    assert len(named) == len(found), f"account names are not unique: {[a.name for a in found]}"
    return named


def live_balances(tenant, access_token) -> dict:
    """/accounts/balance/get (the bank, now), by account name."""
    response = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token))
    return by_name(response.accounts)


def refresh_days(tenant, access_token, days: int):
    """Move the clock `days` on, then /transactions/refresh and let the copy update."""
    advance_days(tenant, days)
    tenant.api.transactions_refresh(TransactionsRefreshRequest(access_token=access_token))
    tenant.advance(REFRESH_S)


def cents(amount) -> int | None:
    return None if amount is None else round(amount * 100)


def txn(transacted: str, posted: str, amount: float, description: str, **extra) -> dict:
    return {"date_transacted": transacted, "date_posted": posted, "amount": amount,
            "description": description, **extra}


def dated(value: str) -> date:
    return date.fromisoformat(value)


def invalid_credentials(tenant, config) -> dict:
    """A login that must fail with ITEM_ERROR / INVALID_CREDENTIALS; returns the error body."""
    return expect_plaid_error(
        tenant.api.sandbox_public_token_create,
        custom_request(config),
        error_type="ITEM_ERROR",
        error_code="INVALID_CREDENTIALS",
    )


CHECKING = {"type": "depository", "subtype": "checking"}
CREDIT_CARD = {"type": "credit", "subtype": "credit card"}


# --- 1. accounts and balances ---------------------------------------------------------------------


def test_accounts_balances_names_masks_and_currency_come_from_the_config(tenant):
    config = {
        "override_accounts": [
            {**CHECKING, "starting_balance": 1234.56, "currency": "USD",
             "meta": {"name": "Tartan Everyday Checking", "official_name": "Tartan Everyday Checking Account",
                      "mask": "4321"}},
            {**CREDIT_CARD, "starting_balance": 410.25,
             "meta": {"name": "Tartan Rewards Card", "limit": 2000, "mask": "9X7A"}},
            {"type": "depository", "subtype": "savings", "starting_balance": 5000, "currency": "CAD",
             "force_available_balance": 50, "meta": {"name": "Tartan Loonie Savings", "mask": "77"}},
            {"type": "loan", "subtype": "student", "starting_balance": 15000, "has_null_available_balance": True,
             "meta": {"name": "Tartan Student Loan"}},
            {"type": "investment", "subtype": "brokerage", "starting_balance": 321.0,
             "meta": {"name": "Tartan Brokerage", "mask": ""}},
        ]
    }
    access_token, _ = custom_item(tenant, config)
    found = accounts(tenant, access_token)
    assert len(found) == 5, [(a.name, a.mask) for a in found]
    named = by_name(found)
    assert set(named) == {"Tartan Everyday Checking", "Tartan Rewards Card", "Tartan Loonie Savings",
                          "Tartan Student Loan", "Tartan Brokerage"}

    checking = named["Tartan Everyday Checking"]
    assert (checking.type.value, checking.subtype.value) == ("depository", "checking")
    assert checking.official_name == "Tartan Everyday Checking Account"
    assert checking.mask == "4321"
    assert cents(checking.balances.current) == 123456
    assert cents(checking.balances.available) == 123456  # nothing pending
    assert checking.balances.iso_currency_code == "USD"

    card = named["Tartan Rewards Card"]
    assert (card.type.value, card.subtype.value) == ("credit", "credit card")
    assert card.mask == "9X7A"
    assert cents(card.balances.current) == 41025
    assert cents(card.balances.limit) == 200000
    assert cents(card.balances.available) == 200000 - 41025  # limit - current
    assert card.balances.iso_currency_code == "USD"  # the bank's currency when none is set

    savings = named["Tartan Loonie Savings"]
    assert (savings.type.value, savings.subtype.value) == ("depository", "savings")
    assert savings.mask == "77"
    assert cents(savings.balances.current) == 500000
    assert cents(savings.balances.available) == 5000  # forced
    assert savings.balances.iso_currency_code == "CAD"

    loan = named["Tartan Student Loan"]
    assert (loan.type.value, loan.subtype.value) == ("loan", "student")
    assert cents(loan.balances.current) == 1500000
    assert loan.balances.available is None

    brokerage = named["Tartan Brokerage"]
    assert (brokerage.type.value, brokerage.subtype.value) == ("investment", "brokerage")
    assert not brokerage.mask, f"an empty meta.mask gave mask {brokerage.mask!r}"
    assert cents(brokerage.balances.current) == 32100

    # The bank says the same when asked directly.
    live = live_balances(tenant, access_token)
    for name, account in named.items():
        assert (cents(live[name].balances.current), cents(live[name].balances.available)) == (
            cents(account.balances.current), cents(account.balances.available)
        ), name
        assert live[name].account_id == account.account_id


def test_left_out_names_masks_and_balances_have_defaults_from_the_seed(tenant):
    config = {
        "seed": "tartan-conformance-seed",
        "override_accounts": [
            CHECKING,
            CREDIT_CARD,
            {"type": "depository", "subtype": "money market"},
            {"type": "payroll", "subtype": "payroll", "meta": {"mask": "PAY1"}},
        ],
    }
    access_token, _ = custom_item(tenant, config)
    found = accounts(tenant, access_token)
    assert sorted((a.name, a.mask) for a in found) == sorted([
        ("Plaid Checking", "0000"),
        ("Plaid Credit Card", "1111"),
        ("Plaid Money Market", "2222"),
        ("Plaid Payroll", "PAY1"),
    ])
    named = by_name(found)
    assert named["Plaid Payroll"].type.value == "other"  # the wire has no payroll type
    for a in found:
        assert a.balances.current is not None and a.balances.current > 0, (a.name, a.balances.current)

    # The same seed gives the same balances; another seed other ones.
    again, _ = custom_item(tenant, config)
    assert {a.name: cents(a.balances.current) for a in accounts(tenant, again)} == {
        a.name: cents(a.balances.current) for a in found
    }
    other, _ = custom_item(tenant, {**config, "seed": "another-seed"})
    assert {a.name: cents(a.balances.current) for a in accounts(tenant, other)} != {
        a.name: cents(a.balances.current) for a in found
    }


def test_ten_accounts_are_allowed(tenant):
    config = {"override_accounts": [{**CHECKING, "starting_balance": 100 + i} for i in range(10)]}
    access_token, _ = custom_item(tenant, config)
    found = accounts(tenant, access_token)
    assert sorted(a.mask for a in found) == [str(i) * 4 for i in range(10)]
    assert sorted(cents(a.balances.current) for a in found) == [(100 + i) * 100 for i in range(10)]
    assert {a.name for a in found} == {"Plaid Checking"}
    assert len({a.account_id for a in found}) == 10


def test_empty_config_is_the_standard_user(tenant):
    access_token, _ = custom_item(tenant, {})
    custom = accounts(tenant, access_token)
    good_token, _ = tenant.new_item(FIRST_PLATYPUS, PRODUCTS)
    good = accounts(tenant, good_token)
    assert len(custom) == USER_GOOD_ACCOUNTS
    shape = lambda found: sorted((a.name, a.mask, a.type.value, a.subtype.value) for a in found)
    assert shape(custom) == shape(good)

    auth = tenant.api.auth_get(AuthGetRequest(access_token=access_token))
    assert isinstance(auth, AuthGetResponse) and auth.numbers.ach
    identity = tenant.api.identity_get(IdentityGetRequest(access_token=access_token))
    assert {tuple(o.names) for a in identity.accounts for o in a.owners} == {(SANDBOX_HOLDER,)}
    tenant.advance(HISTORICAL_READY_S + 1)
    added, _, _, _, _ = sync_all(tenant, access_token)
    assert added, "the standard user's accounts have no transactions"


def test_a_custom_dashboard_username_logs_in_as_the_standard_user(tenant):
    access_token, _ = tenant.new_item(
        FIRST_PLATYPUS, PRODUCTS, override_username="custom_balance", override_password="anything"
    )
    assert len(accounts(tenant, access_token)) == USER_GOOD_ACCOUNTS


# --- 2. Auth numbers ------------------------------------------------------------------------------


def test_auth_numbers_are_the_configured_ones(tenant):
    config = {
        "override_accounts": [
            {**CHECKING, "meta": {"name": "Wired Checking", "mask": "1234"},
             "numbers": {"account": "9900001234", "ach_routing": "322271627", "ach_wire_routing": "026009593"}},
            {"type": "depository", "subtype": "savings", "meta": {"name": "Own Number Savings", "mask": "5678"},
             "numbers": {"account": "5550005678"}},
            {**CHECKING, "meta": {"name": "Standard Checking", "mask": "4444"}},
            {**CREDIT_CARD, "meta": {"name": "No Numbers Card"},
             "numbers": {"account": "4111111111111111"}},
        ]
    }
    access_token, _ = custom_item(tenant, config)
    response = tenant.api.auth_get(AuthGetRequest(access_token=access_token))
    assert isinstance(response, AuthGetResponse)
    names = {a.account_id: a.name for a in response.accounts}
    ach = {names[n.account_id]: n for n in response.numbers.ach}
    assert set(ach) == {"Wired Checking", "Own Number Savings", "Standard Checking"}

    wired = ach["Wired Checking"]
    assert (wired.account, wired.routing, wired.wire_routing) == ("9900001234", "322271627", "026009593")
    own = ach["Own Number Savings"]
    standard = ach["Standard Checking"]
    assert own.account == "5550005678"
    assert standard.account not in ("9900001234", "5550005678")
    assert standard.account.endswith("4444"), standard.account
    # What is not configured stays standard.
    assert own.routing == standard.routing != "322271627"
    assert own.wire_routing == standard.wire_routing


def test_eft_numbers_are_the_configured_ones_at_a_canadian_bank(tenant):
    config = {
        "override_accounts": [
            {**CHECKING, "meta": {"name": "Chequing Override"},
             "numbers": {"account": "7654321", "eft_institution": "001", "eft_branch": "00011"}},
            {**CHECKING, "meta": {"name": "Chequing Standard"}},
        ]
    }
    access_token, _ = custom_item(tenant, config, institution_id=TARTAN_DOMINION, products=("auth",))
    response = tenant.api.auth_get(AuthGetRequest(access_token=access_token))
    names = {a.account_id: a.name for a in response.accounts}
    eft = {names[n.account_id]: n for n in response.numbers.eft}
    assert set(eft) == {"Chequing Override", "Chequing Standard"}
    assert (eft["Chequing Override"].account, eft["Chequing Override"].institution,
            eft["Chequing Override"].branch) == ("7654321", "001", "00011")
    assert eft["Chequing Standard"].account != "7654321"
    assert (eft["Chequing Standard"].institution, eft["Chequing Standard"].branch) != ("001", "00011")
    assert not response.numbers.ach
    # Without a currency of their own, accounts are in the bank's.
    assert {a.balances.iso_currency_code for a in response.accounts} == {"CAD"}


def test_bacs_and_iban_numbers_are_the_configured_ones_at_a_uk_bank(tenant):
    config = {
        "override_accounts": [
            {**CHECKING, "meta": {"name": "Current Override"},
             "numbers": {"account": "31926819", "bacs_sort_code": "601613",
                         "international_iban": "GB29NWBK60161331926819", "international_bic": "NWBKGB2L"}},
            {**CHECKING, "meta": {"name": "Current Standard"}},
        ]
    }
    access_token, _ = custom_item(tenant, config, institution_id=ROYAL_BANK_OF_PLAID, products=("auth",))
    response = tenant.api.auth_get(AuthGetRequest(access_token=access_token))
    names = {a.account_id: a.name for a in response.accounts}
    bacs = {names[n.account_id]: n for n in response.numbers.bacs}
    international = {names[n.account_id]: n for n in response.numbers.international}
    assert set(bacs) == set(international) == {"Current Override", "Current Standard"}
    assert (bacs["Current Override"].account, bacs["Current Override"].sort_code) == ("31926819", "601613")
    assert (international["Current Override"].iban, international["Current Override"].bic) == (
        "GB29NWBK60161331926819", "NWBKGB2L"
    )
    assert bacs["Current Standard"].sort_code != "601613"
    assert international["Current Standard"].iban != "GB29NWBK60161331926819"
    assert {a.balances.iso_currency_code for a in response.accounts} == {"GBP"}


# --- 3. Identity ----------------------------------------------------------------------------------


OWNER = {
    "names": ["Ada Tartan Lovelace", "Charles Tartan Babbage"],
    "phone_numbers": [{"data": "+1 412 555 0100", "primary": True, "type": "mobile"},
                      {"data": "+1 412 555 0199", "primary": False, "type": "work"}],
    "emails": [{"data": "ada@tartan.example", "primary": True, "type": "primary"}],
    "addresses": [{"data": {"city": "Pittsburgh", "region": "PA", "street": "1 Tartan Way",
                            "postal_code": "15213", "country": "US"}, "primary": True}],
}


def test_identity_reports_the_configured_owner(tenant):
    config = {
        "override_accounts": [
            {**CHECKING, "meta": {"name": "Joint Checking"}, "identity": OWNER},
            {**CREDIT_CARD, "meta": {"name": "Plain Card"}},
        ]
    }
    access_token, _ = custom_item(tenant, config)
    response = tenant.api.identity_get(IdentityGetRequest(access_token=access_token))
    assert isinstance(response, IdentityGetResponse)
    named = by_name(response.accounts)
    assert set(named) == {"Joint Checking", "Plain Card"}

    [owner] = named["Joint Checking"].owners
    assert owner.names == OWNER["names"]
    assert [(p.data, p.primary, p.type) for p in owner.phone_numbers] == [
        (p["data"], p["primary"], p["type"]) for p in OWNER["phone_numbers"]
    ]
    assert [(e.data, e.primary, e.type) for e in owner.emails] == [
        (e["data"], e["primary"], e["type"]) for e in OWNER["emails"]
    ]
    [address] = owner.addresses
    assert address.primary is True
    assert (address.data.street, address.data.city, address.data.region, address.data.postal_code,
            address.data.country) == ("1 Tartan Way", "Pittsburgh", "PA", "15213", "US")

    # An account the configuration gives no owner has the Sandbox's account holder.
    [holder] = named["Plain Card"].owners
    assert holder.names == [SANDBOX_HOLDER]


# --- 4. Transactions ------------------------------------------------------------------------------

# The clock stands at 2027-03-10 (Item creation day).
POSTING_CONFIG = {
    "override_accounts": [
        {**CHECKING, "starting_balance": 1000, "meta": {"name": "Custom Checking"},
         "transactions": [
             txn("2027-03-01", "2027-03-02", 42.5, "Tartan Grocer 1001"),
             txn("2027-03-05", "2027-03-05", -100, "Tartan Payroll Deposit"),
             txn("2027-03-09", "2027-03-12", 25.5, "Tartan Hardware Pending"),
         ]},
        {**CREDIT_CARD, "starting_balance": 200, "meta": {"name": "Custom Card", "limit": 1000},
         "transactions": [
             txn("2027-03-03", "2027-03-04", 19.99, "Tartan Bookshop"),
             txn("2027-03-10", "2027-03-11", 60, "Tartan Fuel Pending"),
         ]},
        {"type": "depository", "subtype": "savings", "currency": "EUR", "starting_balance": 300,
         "meta": {"name": "Euro Savings"},
         "transactions": [
             txn("2027-03-06", "2027-03-06", 10, "Tartan Euro Fee"),
             txn("2027-03-07", "2027-03-07", 15, "Tartan Sterling Fee", currency="GBP"),
         ]},
    ]
}


def ready_custom_item(tenant, config):
    """A user_custom Item past the 60 s readiness, synced once: (token, accounts by name,
    transactions by name, cursor)."""
    access_token, _ = custom_item(tenant, config)
    tenant.advance(HISTORICAL_READY_S + 1)
    named = by_name(accounts(tenant, access_token))
    added, modified, removed, cursor, _ = sync_all(tenant, access_token)
    assert (modified, removed) == ([], [])
    assert all(isinstance(t, Transaction) for t in added)
    return access_token, named, {t.name: t for t in added}, cursor


def test_transactions_are_posted_or_pending_as_configured(tenant):
    access_token, named, txns, _ = ready_custom_item(tenant, POSTING_CONFIG)
    configured = {t["description"]: (a["meta"]["name"], t)
                  for a in POSTING_CONFIG["override_accounts"] for t in a["transactions"]}
    assert set(txns) == set(configured), sorted(txns)
    for name, (account_name, c) in configured.items():
        t = txns[name]
        assert t.account_id == named[account_name].account_id, name
        assert cents(t.amount) == cents(c["amount"]), name
        assert t.authorized_date == dated(c["date_transacted"]), name
        pending = dated(c["date_posted"]) > date(2027, 3, 10)
        assert t.pending is pending, name
        if pending:
            assert t.pending_transaction_id is None, name
            assert t.date == dated(c["date_transacted"]), name
        else:
            assert t.date == dated(c["date_posted"]), name
    assert txns["Tartan Hardware Pending"].pending and txns["Tartan Fuel Pending"].pending
    # A posted transaction may name the pending one it replaced, never one still in the copy.
    synced = {t.transaction_id for t in txns.values()}
    assert not {t.pending_transaction_id for t in txns.values()} & synced

    # Currency: the transaction's own, else its account's.
    assert txns["Tartan Euro Fee"].iso_currency_code == "EUR"
    assert txns["Tartan Sterling Fee"].iso_currency_code == "GBP"
    assert txns["Tartan Grocer 1001"].iso_currency_code == "USD"
    assert named["Euro Savings"].balances.iso_currency_code == "EUR"

    # Balances at linking: current as configured, available less what is pending.
    checking, card = named["Custom Checking"], named["Custom Card"]
    assert (cents(checking.balances.current), cents(checking.balances.available)) == (100000, 97450)
    assert (cents(card.balances.current), cents(card.balances.available)) == (20000, 100000 - 20000 - 6000)
    assert (cents(named["Euro Savings"].balances.current), cents(named["Euro Savings"].balances.available)) == (
        30000, 30000
    )


def test_pending_transactions_post_on_their_date_and_balances_move(tenant):
    access_token, _, txns, cursor = ready_custom_item(tenant, POSTING_CONFIG)
    store = {t.transaction_id: t for t in txns.values()}
    fuel, hardware = txns["Tartan Fuel Pending"], txns["Tartan Hardware Pending"]

    # 2027-03-11: the fuel purchase posts; the hardware one is still pending.
    refresh_days(tenant, access_token, 1)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
    assert [r.transaction_id for r in removed] == [fuel.transaction_id]
    assert modified == []
    [posted] = added
    assert posted.pending is False
    assert posted.pending_transaction_id == fuel.transaction_id
    assert posted.transaction_id not in store
    assert (posted.account_id, posted.name, cents(posted.amount)) == (fuel.account_id, fuel.name, 6000)
    assert (posted.authorized_date, posted.date) == (date(2027, 3, 10), date(2027, 3, 11))
    store = apply_delta(store, added, modified, removed)
    named = live_balances(tenant, access_token)
    assert (cents(named["Custom Card"].balances.current), cents(named["Custom Card"].balances.available)) == (
        26000, 100000 - 26000
    )
    assert (cents(named["Custom Checking"].balances.current),
            cents(named["Custom Checking"].balances.available)) == (100000, 97450)

    # 2027-03-12: the hardware purchase posts and the checking balance moves.
    refresh_days(tenant, access_token, 1)
    added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
    assert [r.transaction_id for r in removed] == [hardware.transaction_id]
    [posted] = added
    assert posted.pending is False and posted.pending_transaction_id == hardware.transaction_id
    assert (posted.account_id, posted.name, cents(posted.amount)) == (hardware.account_id, hardware.name, 2550)
    assert (posted.authorized_date, posted.date) == (date(2027, 3, 9), date(2027, 3, 12))
    store = apply_delta(store, added, modified, removed)

    # The copy (/accounts/get) and the bank (/accounts/balance/get) agree.
    for found in (by_name(accounts(tenant, access_token)), live_balances(tenant, access_token)):
        checking, card = found["Custom Checking"], found["Custom Card"]
        assert (cents(checking.balances.current), cents(checking.balances.available)) == (97450, 97450)
        assert (cents(card.balances.current), cents(card.balances.available)) == (26000, 74000)

    # Nothing pending is left, no posted transaction sits by its pending one, and the copy kept
    # from the deltas is what a fresh client gets.
    assert not any(t.pending for t in store.values())
    assert all(t.pending_transaction_id not in store for t in store.values())
    fresh, _, _, _, _ = sync_all(tenant, access_token)
    assert {t.transaction_id for t in fresh} == set(store)

    # Later days bring nothing more.
    refresh_days(tenant, access_token, 3)
    page = sync(tenant, access_token, cursor)
    assert (page.added, page.modified, page.removed) == ([], [], [])


def test_a_transaction_dated_ahead_appears_pending_on_its_date_then_posts(tenant):
    config = {"override_accounts": [
        {**CHECKING, "starting_balance": 500, "meta": {"name": "Ahead Checking"},
         "transactions": [txn("2027-03-08", "2027-03-08", 5, "Tartan Coffee Earlier"),
                          txn("2027-03-12", "2027-03-14", 80, "Tartan Future Purchase")]},
    ]}
    access_token, named, txns, cursor = ready_custom_item(tenant, config)
    assert set(txns) == {"Tartan Coffee Earlier"}, "a purchase made on the 12th is known on the 10th"

    refresh_days(tenant, access_token, 2)  # 2027-03-12
    added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
    assert (modified, removed) == ([], [])
    [pending] = added
    assert (pending.name, pending.pending, cents(pending.amount)) == ("Tartan Future Purchase", True, 8000)
    assert pending.authorized_date == date(2027, 3, 12)
    checking = live_balances(tenant, access_token)["Ahead Checking"]
    assert (cents(checking.balances.current), cents(checking.balances.available)) == (50000, 42000)

    refresh_days(tenant, access_token, 2)  # 2027-03-14
    added, modified, removed, cursor, _ = sync_all(tenant, access_token, cursor)
    assert [r.transaction_id for r in removed] == [pending.transaction_id]
    [posted] = added
    assert posted.pending is False and posted.pending_transaction_id == pending.transaction_id
    assert posted.date == date(2027, 3, 14)
    checking = live_balances(tenant, access_token)["Ahead Checking"]
    assert (cents(checking.balances.current), cents(checking.balances.available)) == (42000, 42000)


def test_quickstart_sync_loop_gets_the_configured_transactions_in_two_stages(tenant):
    recent = [txn("2027-03-01", "2027-03-01", 12.0, "Tartan Recent One"),
              txn("2027-03-08", "2027-03-09", 34.0, "Tartan Recent Two"),
              txn("2027-03-09", "2027-03-13", 56.0, "Tartan Recent Pending")]
    older = [txn("2027-01-05", "2027-01-06", 78.0, "Tartan January"),
             txn("2026-12-20", "2026-12-21", -90.0, "Tartan December Refund")]
    config = {"override_accounts": [{**CHECKING, "transactions": recent + older}]}
    access_token, _ = custom_item(tenant, config)
    [account] = accounts(tenant, access_token)

    first = quickstart_sync(tenant, access_token)
    assert status_of(first["models"][0]) == NOT_READY
    waited = 2 * first["waits"]
    assert INITIAL_READY_S <= waited < INITIAL_READY_S + 2, f"data appeared after {waited} s"
    assert {status_of(m) for m in first["models"][first["waits"]:]} == {INITIAL_COMPLETE}
    assert sorted(t["name"] for t in first["added"]) == sorted(t["description"] for t in recent)

    tenant.advance(HISTORICAL_READY_S - waited)
    second = quickstart_sync(tenant, access_token, cursor=first["cursor"])
    assert second["waits"] == 0
    assert {status_of(m) for m in second["models"]} == {HISTORICAL_COMPLETE}
    assert sorted(t["name"] for t in second["added"]) == sorted(t["description"] for t in older)

    collected = first["added"] + second["added"]
    check_unique_ids(tenant, access_token, collected)
    assert not first["removed"] + second["removed"] + first["modified"] + second["modified"]
    assert {t["account_id"] for t in collected} == {account.account_id}
    amounts = {t["name"]: cents(t["amount"]) for t in collected}
    assert amounts == {t["description"]: cents(t["amount"]) for t in recent + older}

    fresh = quickstart_sync(tenant, access_token)
    assert fresh["waits"] == 0
    assert {t["transaction_id"] for t in fresh["added"]} == {t["transaction_id"] for t in collected}
    again = sync(tenant, access_token, second["cursor"])
    assert (again.added, again.modified, again.removed, again.has_more) == ([], [], [], False)


# --- 5. the SDK's own configuration models ------------------------------------------------------


def sdk_config_json(model) -> str:
    """A plaid-python model as the JSON string Plaid takes for the password."""
    return json.dumps(model.to_dict(), default=lambda v: v.isoformat())


def test_the_sdks_user_custom_password_model_is_accepted(tenant):
    config = UserCustomPassword(
        seed="sdk-model",
        override_accounts=[
            OverrideAccounts(
                type=OverrideAccountType("depository"),
                subtype=AccountSubtype("checking"),
                starting_balance=2500.0,
                currency="USD",
                meta=Meta(name="SDK Checking", official_name="SDK Model Checking", mask="5150"),
                numbers=Numbers(account="8800005150", ach_routing="322271627", ach_wire_routing="021000021"),
                transactions=[
                    TransactionOverride(date_transacted=date(2027, 3, 4), date_posted=date(2027, 3, 5),
                                        amount=64.0, description="SDK Model Groceries"),
                    TransactionOverride(date_transacted=date(2027, 3, 9), date_posted=date(2027, 3, 11),
                                        amount=11.5, description="SDK Model Pending", currency="USD"),
                ],
                identity=OwnerOverride(
                    names=["Sdk Model Holder"],
                    phone_numbers=[PhoneNumber(data="4125550123", primary=True, type="home")],
                    emails=[Email(data="sdk@tartan.example", primary=True, type="primary")],
                    addresses=[AddressOverride(
                        data=AddressDataOverride(city="Pittsburgh", street="2 Model Street", country="US",
                                                 region="PA", postal_code="15206"),
                        primary=True,
                    )],
                ),
            ),
            OverrideAccounts(
                type=OverrideAccountType("credit"),
                subtype=AccountSubtype("credit card"),
                starting_balance=75.0,
                meta=Meta(name="SDK Card", limit=500.0, mask="66"),
            ),
        ],
        mfa=MFA(type="device"),
    )
    password = sdk_config_json(config)
    access_token, _ = custom_item(tenant, password)

    named = by_name(accounts(tenant, access_token))
    assert set(named) == {"SDK Checking", "SDK Card"}
    checking, card = named["SDK Checking"], named["SDK Card"]
    assert (checking.mask, checking.official_name) == ("5150", "SDK Model Checking")
    assert (cents(checking.balances.current), cents(checking.balances.available)) == (250000, 250000 - 1150)
    assert (card.mask, cents(card.balances.limit), cents(card.balances.available)) == ("66", 50000, 42500)

    auth = tenant.api.auth_get(AuthGetRequest(access_token=access_token))
    [ach] = auth.numbers.ach
    assert (ach.account_id, ach.account, ach.routing) == (checking.account_id, "8800005150", "322271627")

    identity = by_name(tenant.api.identity_get(IdentityGetRequest(access_token=access_token)).accounts)
    assert identity["SDK Checking"].owners[0].names == ["Sdk Model Holder"]
    assert identity["SDK Checking"].owners[0].addresses[0].data.street == "2 Model Street"
    assert identity["SDK Card"].owners[0].names == [SANDBOX_HOLDER]

    tenant.advance(HISTORICAL_READY_S + 1)
    added, _, _, _, _ = sync_all(tenant, access_token)
    assert sorted((t.name, t.pending) for t in added) == [("SDK Model Groceries", False), ("SDK Model Pending", True)]


def test_the_sdks_mfa_model_with_rounds_is_accepted(tenant):
    """The spec types the MFA counts as `number` and plaid-python's MFA model only takes floats,
    so what the SDK writes is `"question_rounds": 2.0`."""
    for mfa in (MFA(type="questions", question_rounds=2.0, questions_per_round=2.0),
                MFA(type="selections", selection_rounds=2.0, selections_per_question=3.0)):
        config = UserCustomPassword(
            override_accounts=[OverrideAccounts(type=OverrideAccountType("depository"),
                                                subtype=AccountSubtype("checking"),
                                                meta=Meta(name="MFA Checking"))],
            mfa=mfa,
        )
        access_token, _ = custom_item(tenant, sdk_config_json(config))
        assert [a.name for a in accounts(tenant, access_token)] == ["MFA Checking"], mfa.type


# --- 6. MFA, forced errors and bad configurations ------------------------------------------------


@pytest.mark.parametrize("mfa", [
    {"type": "device"},
    {"type": "questions", "question_rounds": 2, "questions_per_round": 3},
    {"type": "selections", "selection_rounds": 2, "selections_per_question": 3},
    {"type": "selections"},
], ids=["device", "questions", "selections", "selections-defaults"])
def test_mfa_is_answered_by_the_sandbox_shortcut(tenant, mfa):
    config = {"mfa": mfa, "override_accounts": [{**CHECKING, "starting_balance": 42,
                                                 "meta": {"name": "MFA Checking"}}]}
    access_token, _ = custom_item(tenant, config)
    [account] = accounts(tenant, access_token)
    assert (account.name, cents(account.balances.current)) == ("MFA Checking", 4200)


FORCED = [
    ("ITEM_LOCKED", 400, "ITEM_ERROR", "ITEM_LOCKED"),
    ("INVALID_CREDENTIALS", 400, "ITEM_ERROR", "INVALID_CREDENTIALS"),
    ("INVALID_MFA", 400, "ITEM_ERROR", "INVALID_MFA"),
    ("ITEM_LOGIN_REQUIRED", 400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED"),
    ("ITEM_NOT_SUPPORTED", 400, "ITEM_ERROR", "ITEM_NOT_SUPPORTED"),
    ("MFA_NOT_SUPPORTED", 400, "ITEM_ERROR", "MFA_NOT_SUPPORTED"),
    ("NO_ACCOUNTS", 400, "ITEM_ERROR", "NO_ACCOUNTS"),
    ("USER_INPUT_TIMEOUT", 400, "ITEM_ERROR", "USER_INPUT_TIMEOUT"),
    ("USER_SETUP_REQUIRED", 400, "ITEM_ERROR", "USER_SETUP_REQUIRED"),
    ("INSTITUTION_NOT_RESPONDING", 400, "INSTITUTION_ERROR", "INSTITUTION_NOT_RESPONDING"),
    ("INSTITUTION_NO_LONGER_SUPPORTED", 400, "INSTITUTION_ERROR", "INSTITUTION_NO_LONGER_SUPPORTED"),
    ("INVALID_LINK_TOKEN", 400, "INVALID_INPUT", "INVALID_LINK_TOKEN"),
    ("PLAID_ERROR", 500, "API_ERROR", "INTERNAL_SERVER_ERROR"),
]


@pytest.mark.parametrize("forced, status, error_type, error_code", FORCED, ids=[f[0] for f in FORCED])
def test_force_error_fails_the_login(tenant, forced, status, error_type, error_code):
    config = {"force_error": forced, "override_accounts": [CHECKING]}
    expect_plaid_error(tenant.api.sandbox_public_token_create, custom_request(config),
                       status=status, error_type=error_type, error_code=error_code)


def account_with(**fields) -> dict:
    return {**CHECKING, **fields}


BAD_CONFIGS = {
    "not JSON": ("pass_good", []),
    "JSON but not an object": ("[1, 2]", []),
    "unknown top-level field": ({"override_acounts": [CHECKING]}, ["override_acounts"]),
    "unknown account field": ({"override_accounts": [account_with(starting_balanse=5)]},
                              ["override_accounts[0]", "starting_balanse"]),
    "unknown meta field": ({"override_accounts": [CHECKING, account_with(meta={"nickname": "x"})]},
                           ["override_accounts[1]", "nickname"]),
    "eleven accounts": ({"override_accounts": [CHECKING] * 11}, ["override_accounts"]),
    "unknown account type": ({"override_accounts": [{"type": "bank", "subtype": "checking"}]},
                             ["override_accounts[0].type"]),
    "no subtype": ({"override_accounts": [{"type": "depository"}]}, ["override_accounts[0]", "subtype"]),
    "mask of five": ({"override_accounts": [account_with(meta={"mask": "12345"})]},
                     ["override_accounts[0].meta.mask"]),
    "mask of one": ({"override_accounts": [account_with(meta={"mask": "7"})]},
                    ["override_accounts[0].meta.mask"]),
    "mask with a dash": ({"override_accounts": [CHECKING, account_with(meta={"mask": "a-1"})]},
                         ["override_accounts[1].meta.mask"]),
    "both available options": (
        {"override_accounts": [account_with(force_available_balance=10, has_null_available_balance=True)]},
        ["override_accounts[0].force_available_balance", "override_accounts[0].has_null_available_balance"],
    ),
    "posted before transacted": (
        {"override_accounts": [account_with(transactions=[
            txn("2027-03-01", "2027-03-01", 1, "fine"), txn("2027-03-05", "2027-03-04", 1, "backwards")])]},
        ["override_accounts[0].transactions[1].date_posted"],
    ),
    "impossible date": (
        {"override_accounts": [account_with(transactions=[txn("2027-02-30", "2027-03-01", 1, "x")])]},
        ["override_accounts[0].transactions[0].date_transacted"],
    ),
    "transaction without amount": (
        {"override_accounts": [account_with(transactions=[
            {"date_transacted": "2027-03-01", "date_posted": "2027-03-01", "description": "x"}])]},
        ["override_accounts[0].transactions[0]", "amount"],
    ),
    "unknown force_error": ({"force_error": "BANK_ON_FIRE"}, ["force_error"]),
    "unknown mfa type": ({"mfa": {"type": "carrier_pigeon"}}, ["mfa.type"]),
    "over 55 KB": (
        {"override_accounts": [account_with(transactions=[
            txn("2027-03-01", "2027-03-01", 1.25, f"Tartan conformance padding transaction {i:04d}")
            for i in range(600)])]},
        [],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_is_invalid_credentials_naming_the_field(tenant, case):
    config, names = BAD_CONFIGS[case]
    if case == "over 55 KB":
        assert len(json.dumps(config)) > 55 * 1024
    body = invalid_credentials(tenant, config)
    for name in names:
        assert name in body["error_message"], f"{name!r} not in {body['error_message']!r}"


def test_a_refused_config_does_not_spoil_the_next_login(tenant):
    """The same tenant goes on: after a refused configuration the next login works."""
    with pytest.raises(plaid.ApiException) as caught:
        tenant.api.sandbox_public_token_create(custom_request({"override_accounts": [CHECKING] * 11}))
    assert json.loads(caught.value.body)["error_code"] == "INVALID_CREDENTIALS"
    access_token, _ = custom_item(tenant, {"override_accounts": [account_with(meta={"name": "After"})]})
    assert [a.name for a in accounts(tenant, access_token)] == ["After"]
