"""Sandbox Liabilities through plaid-python's typed models: /liabilities/get for a user_good Item
at First Platypus made with the Liabilities product (and Transactions, to read the schedule the
liabilities are derived from).

plaid-python deserialises every response into its generated models (LiabilitiesGetResponse,
CreditCardLiability, APR, StudentLoan, MortgageLiability, Item ...) and raises when a required
field is missing or has the wrong type, so each successful call is also a schema check of
Tartan's answer.

The invariants: the liabilities follow the transaction schedule. Card 3333 is paid on the 25th
(business card 9999 on the 22nd) by a "PAYMENT - THANK YOU" transaction of the amount reported,
its statement is issued on the last day of the month before; the student loan (7777) is paid
$345.00 on the 5th and the mortgage (8888) $1,285.00 on the 1st, and their ytd_interest_paid is
what their "INTEREST CHARGED" transactions of the calendar year come to. Every test gets a
tenant of its own, seeded, its virtual clock frozen (at 2027-03-10T12:00:00Z unless the test
says otherwise), and the 30-day Sandbox login expiry switched off so that Items stay healthy
when a test moves the clock by a month.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import plaid
import pytest
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.apr import APR
from plaid.model.credit_card_liability import CreditCardLiability
from plaid.model.identity_get_request import IdentityGetRequest
from plaid.model.item import Item
from plaid.model.liabilities_get_request import LiabilitiesGetRequest
from plaid.model.liabilities_get_request_options import LiabilitiesGetRequestOptions
from plaid.model.liabilities_get_response import LiabilitiesGetResponse
from plaid.model.mortgage_liability import MortgageLiability
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request_options_transactions import (
    SandboxPublicTokenCreateRequestOptionsTransactions,
)
from plaid.model.student_loan import StudentLoan
from plaid.model.transactions_get_request import TransactionsGetRequest
from plaid.model.transactions_get_request_options import TransactionsGetRequestOptions

from conftest import parse_rfc3339
from test_sdk_investments import expect_error
from test_sdk_transactions_dynamic import advance_days, fresh_tenant

FIRST_PLATYPUS = "ins_109508"
HOUNDSTOOTH = "ins_109512"
START = "2027-03-10T12:00:00Z"
DAY0 = date(2027, 3, 10)
TRANSACTIONS_READY_S = 60

CARD, BUSINESS_CARD, STUDENT, MORTGAGE, CHECKING = "3333", "9999", "7777", "8888", "0000"
DUE_DAY = {CARD: 25, BUSINESS_CARD: 22}
APR_PERCENTAGE = {CARD: 12.5, BUSINESS_CARD: 17.99}
STUDENT_PAYMENT, STUDENT_DAY = 345.0, 5
MORTGAGE_PAYMENT, MORTGAGE_DAY = 1285.0, 1
CARD_PAYMENT = "PAYMENT - THANK YOU"
INTEREST = "INTEREST CHARGED"
NO_LIABILITY_ACCOUNTS = "There are no valid liability account(s) associated with this Item."


# --- helpers --------------------------------------------------------------------------------


def liabilities_tenant(tartan, start: str = START):
    """A tenant of its own: seeded, clock frozen at `start`, no 30-day login expiry."""
    t = fresh_tenant(tartan, "liabilities", start=start)
    settings = t._control("POST", "/tartan/settings", {"item_login_expiry_days": 0})
    assert settings["item_login_expiry_days"] == 0, settings
    return t


@pytest.fixture
def tenant(tartan):
    t = liabilities_tenant(tartan)
    yield t
    t.api_client.close()


def liabilities_item(tenant, products=("liabilities",), **options):
    """A user_good Item at First Platypus; returns (access_token, item_id)."""
    return tenant.new_item(FIRST_PLATYPUS, products, **options)


def ready_item(tenant, products=("liabilities", "transactions"), days_requested=None):
    """An Item with Transactions too, past the 60 s readiness of its history (90 days unless
    `days_requested` says more: a whole calendar year of interest charges needs 365)."""
    options = {}
    if days_requested is not None:
        options["transactions"] = SandboxPublicTokenCreateRequestOptionsTransactions(days_requested=days_requested)
    access_token, item_id = liabilities_item(tenant, products, **options)
    tenant.advance(TRANSACTIONS_READY_S + 1)
    return access_token, item_id


def liabilities_get(tenant, access_token, account_ids=None) -> LiabilitiesGetResponse:
    request = LiabilitiesGetRequest(access_token=access_token)
    if account_ids is not None:
        request.options = LiabilitiesGetRequestOptions(account_ids=account_ids)
    response = tenant.api.liabilities_get(request)
    assert isinstance(response, LiabilitiesGetResponse)
    assert isinstance(response.item, Item)
    assert response.request_id
    for c in response.liabilities.credit or []:
        assert isinstance(c, CreditCardLiability)
        for apr in c.aprs:
            assert isinstance(apr, APR)
    for s in response.liabilities.student or []:
        assert isinstance(s, StudentLoan)
    for m in response.liabilities.mortgage or []:
        assert isinstance(m, MortgageLiability)
    return response


def by_mask(response) -> dict[str, object]:
    """{mask: liability} over credit, student and mortgage."""
    masks = {a.account_id: a.mask for a in response.accounts}
    out = {}
    for kind in ("credit", "student", "mortgage"):
        for liability in response.liabilities.get(kind) or []:
            assert liability.account_id in masks, f"{kind} liability of an unlisted account"
            mask = masks[liability.account_id]
            assert mask not in out, f"{mask} listed twice"
            out[mask] = liability
    return out


def kinds(response) -> dict[str, list[str]]:
    masks = {a.account_id: a.mask for a in response.accounts}
    return {
        kind: sorted(masks[x.account_id] for x in (response.liabilities.get(kind) or []))
        for kind in ("credit", "student", "mortgage")
    }


def all_transactions(tenant, access_token) -> list:
    out, offset = [], 0
    while True:
        page = tenant.api.transactions_get(TransactionsGetRequest(
            access_token=access_token, start_date=date(2000, 1, 1), end_date=date(2100, 1, 1),
            options=TransactionsGetRequestOptions(count=500, offset=offset),
        ))
        out += page.transactions
        offset += len(page.transactions)
        if offset >= page.total_transactions or not page.transactions:
            return out


def last_on(today: date, day: int) -> date:
    """The latest date on or before `today` on day `day` (≤ 28) of its month."""
    this = today.replace(day=day)
    if this <= today:
        return this
    return (this.replace(day=1) - timedelta(days=1)).replace(day=day)


def next_after(today: date, day: int) -> date:
    """The earliest date after `today` on day `day` (≤ 28) of its month."""
    this = today.replace(day=day)
    if this > today:
        return this
    return (this.replace(day=calendar.monthrange(this.year, this.month)[1]) + timedelta(days=1)).replace(day=day)


def cents(amount: float) -> int:
    return round(amount * 100)


def check_schedule(response, today: date, transactions=None) -> None:
    """Every date and amount the schedule fixes, as of `today`; against the transactions too
    when given (the loans' payments and interest charged this calendar year; the cards'
    payments are check_card_payment's)."""
    liabilities = by_mask(response)
    assert set(liabilities) == {CARD, BUSINESS_CARD, STUDENT, MORTGAGE}, sorted(liabilities)
    ids = {a.mask: a.account_id for a in response.accounts}
    statement_day = today.replace(day=1) - timedelta(days=1)

    for mask in (CARD, BUSINESS_CARD):
        c = liabilities[mask]
        what = f"card {mask} on {today}"
        assert c.last_statement_issue_date == statement_day, (what, c.last_statement_issue_date)
        assert c.last_payment_date == last_on(today, DUE_DAY[mask]), (what, c.last_payment_date)
        assert c.next_payment_due_date == next_after(today, DUE_DAY[mask]), (what, c.next_payment_due_date)
        assert c.is_overdue is False, what
        assert [(a.apr_type, a.apr_percentage, a.interest_charge_amount) for a in c.aprs] == [
            ("purchase_apr", APR_PERCENTAGE[mask], 0.0)], (what, c.aprs)
        assert c.last_statement_balance is not None and c.minimum_payment_amount is not None, what
        assert 0 <= c.minimum_payment_amount <= c.last_statement_balance, (
            what, c.minimum_payment_amount, c.last_statement_balance)

    s = liabilities[STUDENT]
    assert s.last_payment_amount == STUDENT_PAYMENT
    assert s.last_payment_date == last_on(today, STUDENT_DAY), s.last_payment_date
    assert s.next_payment_due_date == next_after(today, STUDENT_DAY), s.next_payment_due_date
    assert s.interest_rate_percentage == 5.0
    assert s.repayment_plan.type == "standard", s.repayment_plan
    assert s.loan_status.type == "repayment", s.loan_status
    assert s.is_overdue is False

    m = liabilities[MORTGAGE]
    assert m.last_payment_amount == MORTGAGE_PAYMENT
    assert m.next_monthly_payment == MORTGAGE_PAYMENT
    assert m.last_payment_date == last_on(today, MORTGAGE_DAY), m.last_payment_date
    assert m.next_payment_due_date == next_after(today, MORTGAGE_DAY), m.next_payment_due_date
    assert m.interest_rate.type == "fixed", m.interest_rate
    assert (m.property_address.city, m.property_address.region, m.property_address.postal_code) == (
        "Malakoff", "NY", "14236"), m.property_address

    if transactions is None:
        return
    for mask, loan in ((STUDENT, s), (MORTGAGE, m)):
        charged = [t for t in transactions if t.account_id == ids[mask] and t.name == INTEREST
                   and date(today.year, 1, 1) <= t.date <= today]
        assert cents(loan.ytd_interest_paid) == sum(cents(t.amount) for t in charged), (
            f"{mask} on {today}: ytd_interest_paid {loan.ytd_interest_paid}, "
            f"{INTEREST} this year {[(str(t.date), t.amount) for t in charged]}")
        if today.month > 1 or today.day >= 28:
            assert charged, f"{mask}: no {INTEREST} this year by {today}"
    # The loans' payments are transactions of the schedule too.
    for mask, amount, loan in ((STUDENT, STUDENT_PAYMENT, s), (MORTGAGE, MORTGAGE_PAYMENT, m)):
        paid = [t for t in transactions if t.account_id == ids[mask] and t.date == loan.last_payment_date
                and cents(t.amount) == -cents(amount)]
        assert len(paid) == 1, f"{mask}: no payment of {amount} on {loan.last_payment_date}"


def check_card_payment(response, mask: str, transactions) -> None:
    """The card's last_payment_amount is what its "PAYMENT - THANK YOU" of last_payment_date paid."""
    ids = {a.mask: a.account_id for a in response.accounts}
    c = by_mask(response)[mask]
    paid = [t for t in transactions
            if t.account_id == ids[mask] and t.name == CARD_PAYMENT and t.date == c.last_payment_date]
    assert len(paid) == 1, (
        f"card {mask}: {len(paid)} {CARD_PAYMENT!r} on last_payment_date {c.last_payment_date} "
        f"(last_payment_amount {c.last_payment_amount}, last_statement_balance {c.last_statement_balance})")
    assert cents(c.last_payment_amount) == -cents(paid[0].amount), (
        f"card {mask}: last_payment_amount {c.last_payment_amount}, payment transaction {paid[0].amount}")


# --- the day of linking ---------------------------------------------------------------------


def test_lists_every_account_and_the_four_liabilities(tenant):
    access_token, item_id = liabilities_item(tenant)
    response = liabilities_get(tenant, access_token)
    assert response.item.item_id == item_id
    assert response.item.institution_id == FIRST_PLATYPUS
    everything = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    assert sorted(a.account_id for a in response.accounts) == sorted(a.account_id for a in everything)
    assert kinds(response) == {"credit": [CARD, BUSINESS_CARD], "student": [STUDENT], "mortgage": [MORTGAGE]}
    types = {a.mask: (a.type.value, a.subtype.value) for a in response.accounts}
    assert types[CARD] == types[BUSINESS_CARD] == ("credit", "credit card")
    assert types[STUDENT] == ("loan", "student") and types[MORTGAGE] == ("loan", "mortgage")


def test_day_zero_dates_and_terms(tenant):
    access_token, _ = liabilities_item(tenant)
    response = liabilities_get(tenant, access_token)
    check_schedule(response, DAY0)
    got = by_mask(response)
    assert (got[CARD].last_statement_issue_date, got[CARD].last_payment_date, got[CARD].next_payment_due_date) == (
        date(2027, 2, 28), date(2027, 2, 25), date(2027, 3, 25))
    assert (got[BUSINESS_CARD].last_payment_date, got[BUSINESS_CARD].next_payment_due_date) == (
        date(2027, 2, 22), date(2027, 3, 22))
    assert (got[STUDENT].last_payment_date, got[STUDENT].next_payment_due_date) == (
        date(2027, 3, 5), date(2027, 4, 5))
    assert (got[MORTGAGE].last_payment_date, got[MORTGAGE].next_payment_due_date) == (
        date(2027, 3, 1), date(2027, 4, 1))


def test_liabilities_agree_with_the_transactions(tenant):
    access_token, _ = ready_item(tenant)
    response = liabilities_get(tenant, access_token)
    check_schedule(response, DAY0, all_transactions(tenant, access_token))


def test_mortgage_property_address_is_the_account_holders(tenant):
    access_token, _ = liabilities_item(tenant, ("liabilities", "identity"))
    mortgage = by_mask(liabilities_get(tenant, access_token))[MORTGAGE]
    accounts = tenant.api.identity_get(IdentityGetRequest(access_token=access_token)).accounts
    holder = next(a for a in accounts if a.mask == MORTGAGE).owners[0]
    home = next((a for a in holder.addresses if a.primary), holder.addresses[0]).data
    got = mortgage.property_address
    assert (got.street, got.city, got.region, got.postal_code, got.country) == (
        home.street, home.city, home.region, home.postal_code, home.country)
    assert (got.city, got.region, got.postal_code) == ("Malakoff", "NY", "14236")


def test_mortgage_interest_rate_is_3_5_percent_fixed(tenant):
    access_token, _ = liabilities_item(tenant)
    rate = by_mask(liabilities_get(tenant, access_token))[MORTGAGE].interest_rate
    assert (rate.percentage, rate.type) == (3.5, "fixed")


def test_account_ids_option_selects_those_accounts(tenant):
    access_token, _ = liabilities_item(tenant)
    ids = {a.mask: a.account_id for a in liabilities_get(tenant, access_token).accounts}

    card = liabilities_get(tenant, access_token, account_ids=[ids[CARD]])
    assert [a.account_id for a in card.accounts] == [ids[CARD]]
    assert kinds(card) == {"credit": [CARD], "student": [], "mortgage": []}

    loans = liabilities_get(tenant, access_token, account_ids=[ids[STUDENT], ids[MORTGAGE], ids[CHECKING]])
    assert sorted(a.mask for a in loans.accounts) == sorted([STUDENT, MORTGAGE, CHECKING])
    assert kinds(loans) == {"credit": [], "student": [STUDENT], "mortgage": [MORTGAGE]}


# --- other days ------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [
    "2027-03-25T12:00:00Z",  # a card's due day: paid today
    "2027-03-22T00:00:01Z",  # the business card's due day, just after midnight
    "2027-01-01T12:00:00Z",  # New Year's Day: nothing charged yet this year, the mortgage paid today
    "2027-01-03T12:00:00Z",  # the cards were last paid last year
    "2027-12-31T12:00:00Z",  # the year's last day: twelve months of interest
    "2028-03-01T12:00:00Z",  # after a leap February: the statement of the 29th
])
def test_schedule_on_other_days(tartan, start):
    t = liabilities_tenant(tartan, start)
    try:
        today = parse_rfc3339(start).date()
        access_token, _ = ready_item(t, days_requested=400 if today.month > 3 else None)
        response = liabilities_get(t, access_token)
        check_schedule(response, today, all_transactions(t, access_token))
        liabilities = by_mask(response)
        if today.month == 1 and today.day < 28:
            assert liabilities[STUDENT].ytd_interest_paid == liabilities[MORTGAGE].ytd_interest_paid == 0
        if today == date(2028, 3, 1):
            assert liabilities[CARD].last_statement_issue_date == date(2028, 2, 29)
    finally:
        t.api_client.close()


def test_dates_move_on_a_month_after_30_days_and_a_balance_refresh(tenant):
    access_token, _ = ready_item(tenant)
    day0 = liabilities_get(tenant, access_token)
    check_schedule(day0, DAY0, all_transactions(tenant, access_token))

    advance_days(tenant, 30)
    today = DAY0 + timedelta(days=30)  # 2027-04-09
    refreshed = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token))
    assert refreshed.accounts
    later = liabilities_get(tenant, access_token)
    check_schedule(later, today, all_transactions(tenant, access_token))
    got = by_mask(later)
    assert (got[CARD].last_statement_issue_date, got[CARD].last_payment_date, got[CARD].next_payment_due_date) == (
        date(2027, 3, 31), date(2027, 3, 25), date(2027, 4, 25))
    assert (got[BUSINESS_CARD].last_payment_date, got[BUSINESS_CARD].next_payment_due_date) == (
        date(2027, 3, 22), date(2027, 4, 22))
    assert (got[STUDENT].last_payment_date, got[STUDENT].next_payment_due_date) == (
        date(2027, 4, 5), date(2027, 5, 5))
    assert (got[MORTGAGE].last_payment_date, got[MORTGAGE].next_payment_due_date) == (
        date(2027, 4, 1), date(2027, 5, 1))
    before = by_mask(day0)
    for mask in (STUDENT, MORTGAGE):
        # One more month of interest (March 28th) paid by now.
        assert got[mask].ytd_interest_paid > before[mask].ytd_interest_paid, mask
    # The balances of the accounts listed are the ones /accounts/balance/get just fetched.
    fresh = {a.account_id: a.balances.current for a in refreshed.accounts}
    assert {a.account_id: a.balances.current for a in later.accounts} == fresh


@pytest.mark.parametrize("start, days, mask", [
    (START, 0, CARD),
    (START, 0, BUSINESS_CARD),
    ("2027-03-25T12:00:00Z", 0, CARD),
    ("2027-03-25T12:00:00Z", 0, BUSINESS_CARD),
    (START, 30, CARD),
    (START, 30, BUSINESS_CARD),
    ("2027-01-03T12:00:00Z", 0, CARD),
    ("2027-01-03T12:00:00Z", 0, BUSINESS_CARD),
], ids=["day0-3333", "day0-9999", "mar25-3333", "mar25-9999", "day30-3333", "day30-9999",
        "jan3-3333", "jan3-9999"])
def test_card_last_payment_is_its_payment_transaction(tartan, start, days, mask):
    t = liabilities_tenant(tartan, start)
    try:
        access_token, _ = ready_item(t)
        if days:
            advance_days(t, days)
            t.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token))
        response = liabilities_get(t, access_token)
        check_schedule(response, parse_rfc3339(start).date() + timedelta(days=days))
        check_card_payment(response, mask, all_transactions(t, access_token))
    finally:
        t.api_client.close()


# --- errors ---------------------------------------------------------------------------------------


def test_only_a_checking_account_is_no_liability_accounts(tenant):
    access_token, _ = liabilities_item(tenant)
    accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    checking = next(a for a in accounts if a.mask == CHECKING)
    assert checking.subtype.value == "checking"
    body = expect_error(lambda: liabilities_get(tenant, access_token, account_ids=[checking.account_id]),
                        "ITEM_ERROR", "NO_LIABILITY_ACCOUNTS")
    assert body["error_message"].startswith(NO_LIABILITY_ACCOUNTS), body["error_message"]


def test_institution_without_liabilities_is_products_not_supported(tenant):
    access_token, _ = tenant.new_item(HOUNDSTOOTH, ("auth",))
    expect_error(lambda: liabilities_get(tenant, access_token), "ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED")


def test_unknown_account_id_is_invalid(tenant):
    access_token, _ = liabilities_item(tenant)
    expect_error(lambda: liabilities_get(tenant, access_token, account_ids=["no-such-account"]),
                 "INVALID_INPUT", "INVALID_ACCOUNT_ID")


def test_reset_login_makes_liabilities_answer_item_login_required(tenant):
    access_token, _ = liabilities_item(tenant)
    liabilities_get(tenant, access_token)
    reset = tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    assert reset.reset_login is True
    expect_error(lambda: liabilities_get(tenant, access_token), "ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
