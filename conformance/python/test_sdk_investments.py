"""Sandbox Investments through plaid-python's typed models: /investments/holdings/get for a
user_good Item at First Platypus made with the Investments product.

plaid-python deserialises every response into its generated models (AccountBase,
InvestmentAccountBalanceAllOf, Holding, Security, FixedIncome, Item ...; see holdings_get for why
not InvestmentsHoldingsGetResponse in one piece) and raises when a required field is missing or
has the wrong type, so each successful call is also a schema check of Tartan's answer.

The central invariant: for each investment account, the holdings' institution_value add up to the
account's balances.current, on the day of linking and after the clock has moved (prices move on
weekdays, crypto every day; quantities stay). Every test gets a tenant of its own, seeded, its
virtual clock frozen at 2027-03-10T12:00:00Z (a Wednesday), and the 30-day Sandbox login expiry
switched off so that Items stay healthy when a test moves the clock by a month.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from types import SimpleNamespace
from datetime import date, timedelta

import plaid
import pytest
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.account_base import AccountBase
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.fixed_income import FixedIncome
from plaid.model.holding import Holding
from plaid.model.investment_account_balance_all_of import InvestmentAccountBalanceAllOf
from plaid.model.investment_holdings_get_request_options import InvestmentHoldingsGetRequestOptions
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.item import Item
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.security import Security
from plaid.model_utils import validate_and_convert_types

from conftest import ERROR_FIELDS, parse_rfc3339
from test_sdk_transactions_dynamic import fresh_tenant

FIRST_PLATYPUS = "ins_109508"
START = "2027-03-10T12:00:00Z"  # a Wednesday
DAY0 = date(2027, 3, 10)
TOLERANCE = 1e-3

IRA_MASK, K401_MASK = "5555", "6666"
DAY0_CURRENT = {IRA_MASK: 320.76, K401_MASK: 23631.9805}
NO_INVESTMENT_ACCOUNTS = "There are no valid investment account(s) associated with this Item."

# What a caller may rely on for each security, by ticker: (type, cusip, isin, sedol, MIC).
EXPECTED_SECURITIES = {
    "CUR:USD": ("cash", None, None, None, None),
    "AAPL": ("equity", "037833100", "US0378331005", "2046251", "XNAS"),
    "MSFT": ("equity", "594918104", "US5949181045", "2588173", "XNAS"),
    "VTI": ("etf", "922908769", "US9229087690", None, "ARCX"),
    "BND": ("etf", "921937835", "US9219378356", None, "XNAS"),
    "VFIAX": ("mutual fund", "922908710", "US9229087104", None, None),
    "DBLTX": ("mutual fund", "258620103", "US2586201038", None, None),
    "BTC": ("cryptocurrency", None, None, None, None),
}


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def tenant(tartan):
    """A tenant of this test's own: seeded, clock frozen at START, no 30-day login expiry."""
    t = fresh_tenant(tartan, "investments")
    settings = t._control("POST", "/tartan/settings", {"item_login_expiry_days": 0})
    assert settings["item_login_expiry_days"] == 0, settings
    yield t
    t.api_client.close()


def advance_days(tenant, days: int):
    before = tenant.now()
    after = parse_rfc3339(tenant._control("POST", "/tartan/clock/advance", {"days": days})["now"])
    assert after - before == timedelta(days=days), (before, after)
    return after


def investments_item(tenant, **options):
    """A user_good Item made with Investments only; returns (access_token, item_id)."""
    return tenant.new_item(FIRST_PLATYPUS, ("investments",), **options)


def typed(tenant, value, types: tuple, where: str):
    """`value` (parsed JSON) deserialised into plaid-python's models, as the SDK itself does."""
    # A copy: the conversion replaces nested dicts by model instances in place.
    return validate_and_convert_types(
        copy.deepcopy(value), types, [where], True, True, configuration=tenant.api_client.configuration
    )


def holdings_get(tenant, access_token, account_ids=None) -> SimpleNamespace:
    """/investments/holdings/get through the SDK, its answer deserialised into the SDK's models.

    plaid-python 46 cannot build an InvestmentsHoldingsGetResponse from any answer, however
    well-formed: InvestmentAccount is allOf(AccountBase, {balances: InvestmentAccountBalance}),
    the two halves hold `balances` as an AccountBalance and an InvestmentAccountBalance, and
    ModelComposed.get raises "Values stored for property balances in InvestmentAccount differ"
    because instances of different classes never compare equal (InvestmentAccountBalance alone
    fails the same way). So the parts are deserialised one by one, with the same models: each
    account as an AccountBase, its balances again as InvestmentAccountBalanceAllOf (which
    requires the nullable margin_loan_amount), then [Holding], [Security] and Item."""
    request = InvestmentsHoldingsGetRequest(access_token=access_token)
    if account_ids is not None:
        request.options = InvestmentHoldingsGetRequestOptions(account_ids=account_ids)
    raw = tenant.api.investments_holdings_get(request, _preload_content=False)
    assert raw.status == 200
    payload = json.loads(raw.data)
    missing = [k for k in ("accounts", "holdings", "securities", "item", "request_id") if k not in payload]
    assert not missing, f"response lacks {missing}"
    accounts = typed(tenant, payload["accounts"], ([AccountBase],), "accounts")
    for i, account in enumerate(payload["accounts"]):
        # InvestmentAccountBalance = allOf(AccountBalance, InvestmentAccountBalanceAllOf): the first
        # half is checked through AccountBase above, the second (margin_loan_amount) here.
        extra = typed(tenant, account["balances"], (InvestmentAccountBalanceAllOf,), f"accounts/{i}/balances")
        assert isinstance(extra, InvestmentAccountBalanceAllOf)
    response = SimpleNamespace(
        accounts=accounts,
        holdings=typed(tenant, payload["holdings"], ([Holding],), "holdings"),
        securities=typed(tenant, payload["securities"], ([Security],), "securities"),
        item=typed(tenant, payload["item"], (Item,), "item"),
        request_id=typed(tenant, payload["request_id"], (str,), "request_id"),
    )
    assert response.request_id
    for a in response.accounts:
        assert isinstance(a, AccountBase)
    for h in response.holdings:
        assert isinstance(h, Holding)
    for x in response.securities:
        assert isinstance(x, Security)
    assert isinstance(response.item, Item)
    return response


def refresh_balances(tenant, access_token) -> dict:
    """/accounts/balance/get (Plaid fetches fresh balances): {mask: current} of investment accounts."""
    response = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token))
    return {a.mask: a.balances.current for a in response.accounts if a.type.value == "investment"}


def by_ticker(response) -> dict[str, Security]:
    out = {}
    for s in response.securities:
        assert s.ticker_symbol not in out, f"ticker {s.ticker_symbol} listed twice"
        out[s.ticker_symbol] = s
    return out


def check_holdings(response, as_of: date | None = None) -> dict[str, float]:
    """Checks every invariant of one holdings answer; returns {mask: Σ institution_value}."""
    accounts = {a.account_id: a for a in response.accounts}
    assert len(accounts) == len(response.accounts), "duplicated account ids"
    for a in response.accounts:
        assert a.type.value == "investment", (a.name, a.type)
    securities = {s.security_id: s for s in response.securities}
    assert len(securities) == len(response.securities), "duplicated security ids"

    totals: dict[str, float] = defaultdict(float)
    held = set()
    for h in response.holdings:
        assert h.account_id in accounts, f"holding of an account not listed: {h.account_id}"
        assert h.security_id in securities, f"holding of a security not listed: {h.security_id}"
        held.add(h.security_id)
        security = securities[h.security_id]
        what = f"{accounts[h.account_id].mask}/{security.ticker_symbol}"
        assert h.quantity > 0, what
        assert abs(h.institution_value - h.quantity * h.institution_price) <= TOLERANCE, (
            f"{what}: value {h.institution_value} != {h.quantity} x {h.institution_price}"
        )
        assert h.iso_currency_code == "USD", what
        assert h.unofficial_currency_code is None, what
        assert h.cost_basis is not None, what
        assert h.vested_quantity == h.quantity, what
        assert abs(h.vested_value - h.institution_value) <= TOLERANCE, what
        assert isinstance(h.institution_price_as_of, date), what
        if as_of is not None:
            assert h.institution_price_as_of <= as_of, what
        # The security's close price is the price the holding is valued at.
        assert security.close_price == h.institution_price, (
            f"{what}: close_price {security.close_price} != institution_price {h.institution_price}"
        )
        assert security.close_price_as_of == h.institution_price_as_of, what
        totals[accounts[h.account_id].mask] += h.institution_value
    assert held == set(securities), f"securities listed but not held: {set(securities) - held}"

    for a in response.accounts:
        assert a.balances.current is not None, a.name
        assert abs(totals[a.mask] - a.balances.current) <= TOLERANCE, (
            f"{a.name} ({a.mask}): holdings add up to {totals[a.mask]:.4f}, "
            f"balances.current is {a.balances.current}"
        )
    return dict(totals)


def positions(response) -> dict[tuple[str, str], float]:
    """{(account mask, ticker): quantity}."""
    masks = {a.account_id: a.mask for a in response.accounts}
    tickers = {s.security_id: s.ticker_symbol for s in response.securities}
    out = {}
    for h in response.holdings:
        key = (masks[h.account_id], tickers[h.security_id])
        assert key not in out, f"two holdings of {key}"
        out[key] = h.quantity
    return out


def prices(response) -> dict[str, tuple[float, date]]:
    """{ticker: (close_price, close_price_as_of)}."""
    return {s.ticker_symbol: (s.close_price, s.close_price_as_of) for s in response.securities}


def luhn_digit(payload: str) -> int:
    """The check digit of an ISIN (letters as numbers, then Luhn on the digit string)."""
    digits = "".join(str(int(c, 36)) for c in payload)
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def cusip_digit(payload: str) -> int:
    total = 0
    for i, c in enumerate(payload):
        v = int(c, 36)
        if i % 2 == 1:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def expect_error(call, error_type: str, error_code: str, status: int = 400) -> dict:
    with pytest.raises(plaid.ApiException) as caught:
        call()
    body = json.loads(caught.value.body)
    assert caught.value.status == status, body
    missing = [f for f in ERROR_FIELDS if f not in body]
    assert not missing, f"error body lacks {missing}: {body}"
    assert (body["error_type"], body["error_code"]) == (error_type, error_code), body
    assert body["status"] == status and body["request_id"], body
    return body


# --- the day of linking ---------------------------------------------------------------------


def test_day_zero_lists_only_the_investment_accounts(tenant):
    access_token, item_id = investments_item(tenant)
    response = holdings_get(tenant, access_token)
    assert response.item.item_id == item_id
    assert response.item.institution_id == FIRST_PLATYPUS
    got = {a.mask: (a.name, a.subtype.value, a.balances.current) for a in response.accounts}
    assert got == {
        IRA_MASK: ("Plaid IRA", "ira", DAY0_CURRENT[IRA_MASK]),
        K401_MASK: ("Plaid 401k", "401k", DAY0_CURRENT[K401_MASK]),
    }, got
    # The non-investment accounts of the same Item are not listed.
    all_accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    investment_ids = {a.account_id for a in all_accounts if a.type.value == "investment"}
    assert len(all_accounts) > len(investment_ids)
    assert {a.account_id for a in response.accounts} == investment_ids


def test_day_zero_holdings_add_up_to_the_balances(tenant):
    access_token, _ = investments_item(tenant)
    response = holdings_get(tenant, access_token)
    assert response.holdings
    totals = check_holdings(response, as_of=DAY0)
    assert set(totals) == {IRA_MASK, K401_MASK}
    for mask, current in DAY0_CURRENT.items():
        assert abs(totals[mask] - current) <= TOLERANCE, (mask, totals[mask], current)
    for h in response.holdings:
        assert h.institution_price_as_of == DAY0
    # /accounts/get's cached balances are the same figures.
    cached = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    assert {a.mask: a.balances.current for a in cached if a.mask in DAY0_CURRENT} == DAY0_CURRENT


def test_securities_identifiers_and_types(tenant):
    access_token, _ = investments_item(tenant)
    securities = by_ticker(holdings_get(tenant, access_token))

    for ticker, (kind, cusip, isin, sedol, mic) in EXPECTED_SECURITIES.items():
        assert ticker in securities, f"{ticker} not among {sorted(securities)}"
        s = securities[ticker]
        got = (s.type, s.cusip, s.isin, s.sedol, s.market_identifier_code)
        assert got == (kind, cusip, isin, sedol, mic), f"{ticker}: {got}"
        assert s.is_cash_equivalent is (ticker == "CUR:USD"), ticker
        assert s.iso_currency_code == "USD", ticker
        assert s.name, ticker
        if isin is not None:
            # An American ISIN is "US" + the CUSIP + a check digit; both check digits must hold.
            assert isin[2:11] == cusip, (ticker, isin, cusip)
            assert int(isin[-1]) == luhn_digit(isin[:-1]), (ticker, isin)
            assert int(cusip[-1]) == cusip_digit(cusip[:-1]), (ticker, cusip)

    cash = securities["CUR:USD"]
    assert cash.close_price == 1.0

    fixed = [s for s in securities.values() if s.type == "fixed income"]
    assert len(fixed) == 1, [(s.ticker_symbol, s.type) for s in securities.values()]
    note = fixed[0]
    assert "Treasury" in note.name, note.name
    assert isinstance(note.fixed_income, FixedIncome)
    assert note.fixed_income.yield_rate.percentage == 4.25
    assert note.fixed_income.yield_rate.type.value == "coupon"
    assert note.fixed_income.maturity_date == date(2034, 11, 15)
    assert note.fixed_income.issue_date == date(2024, 11, 15)
    assert note.fixed_income.face_value == 1000.0
    for s in securities.values():
        if s is not note:
            assert s.fixed_income is None, s.ticker_symbol
    assert set(securities) == set(EXPECTED_SECURITIES) | {note.ticker_symbol}


def test_account_ids_option_narrows_to_that_account(tenant):
    access_token, _ = investments_item(tenant)
    full = holdings_get(tenant, access_token)
    ira = next(a for a in full.accounts if a.mask == IRA_MASK)
    narrowed = holdings_get(tenant, access_token, account_ids=[ira.account_id])
    assert [a.account_id for a in narrowed.accounts] == [ira.account_id]
    assert {h.account_id for h in narrowed.holdings} == {ira.account_id}
    check_holdings(narrowed, as_of=DAY0)
    assert positions(narrowed) == {k: v for k, v in positions(full).items() if k[0] == IRA_MASK}


# --- as the clock moves -----------------------------------------------------------------------


def test_holdings_add_up_to_the_balances_after_30_days(tenant):
    access_token, _ = investments_item(tenant)
    day0 = holdings_get(tenant, access_token)
    check_holdings(day0, as_of=DAY0)

    advance_days(tenant, 30)
    today = DAY0 + timedelta(days=30)  # 2027-04-09, a Friday
    fresh = refresh_balances(tenant, access_token)
    assert set(fresh) == {IRA_MASK, K401_MASK}, fresh
    later = holdings_get(tenant, access_token)
    totals = check_holdings(later, as_of=today)

    # The same balances /accounts/balance/get just fetched.
    assert {a.mask: a.balances.current for a in later.accounts} == fresh
    for mask, current in fresh.items():
        assert abs(totals[mask] - current) <= TOLERANCE, (mask, totals[mask], current)
    # Quantities stay, prices move (every security but cash is priced on the Friday).
    assert positions(later) == positions(day0)
    before, after = prices(day0), prices(later)
    for ticker, (price, as_of) in after.items():
        assert as_of == today, (ticker, as_of)
    moved = [t for t in after if t != "CUR:USD" and after[t][0] != before[t][0]]
    assert moved, f"no price moved in 30 days: {after}"
    assert after["CUR:USD"][0] == 1.0
    assert fresh != DAY0_CURRENT


def test_prices_move_on_weekdays_and_crypto_every_day(tenant):
    access_token, _ = investments_item(tenant)
    friday = DAY0 + timedelta(days=2)

    advance_days(tenant, 3)  # Saturday 2027-03-13
    refresh_balances(tenant, access_token)
    saturday = holdings_get(tenant, access_token)
    check_holdings(saturday, as_of=DAY0 + timedelta(days=3))

    advance_days(tenant, 1)  # Sunday 2027-03-14
    refresh_balances(tenant, access_token)
    sunday = holdings_get(tenant, access_token)
    check_holdings(sunday, as_of=DAY0 + timedelta(days=4))

    sat, sun = prices(saturday), prices(sunday)
    assert sat["BTC"][1] == DAY0 + timedelta(days=3), sat["BTC"]
    assert sun["BTC"][1] == DAY0 + timedelta(days=4), sun["BTC"]
    for ticker in sat:
        if ticker in ("BTC", "CUR:USD"):
            continue
        # Markets are shut at the weekend: Friday's close, on both days.
        assert sat[ticker] == (sat[ticker][0], friday), (ticker, sat[ticker])
        assert sun[ticker] == sat[ticker], (ticker, sat[ticker], sun[ticker])
    assert positions(sunday) == positions(saturday)


def test_same_seed_gives_the_same_holdings(tartan):
    def snapshot():
        t = fresh_tenant(tartan, "investments_seed")
        try:
            access_token, _ = investments_item(t)
            response = holdings_get(t, access_token)
            tickers = {s.security_id: s.ticker_symbol for s in response.securities}
            masks = {a.account_id: a.mask for a in response.accounts}
            holdings = sorted(
                (masks[h.account_id], tickers[h.security_id], h.quantity, h.cost_basis,
                 h.institution_price, h.institution_value)
                for h in response.holdings
            )
            balances = {a.mask: a.balances.current for a in response.accounts}
            return holdings, balances, sorted(tickers.values())
        finally:
            t.api_client.close()

    first, second = snapshot(), snapshot()
    assert first == second
    assert first[1] == DAY0_CURRENT


# --- errors ---------------------------------------------------------------------------------------


def test_only_a_non_investment_account_is_no_investment_accounts(tenant):
    access_token, _ = investments_item(tenant)
    accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    checking = next(a for a in accounts if a.mask == "0000")
    assert checking.type.value == "depository"
    body = expect_error(
        lambda: holdings_get(tenant, access_token, account_ids=[checking.account_id]),
        "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS",
    )
    assert body["error_message"].startswith(NO_INVESTMENT_ACCOUNTS), body["error_message"]


def test_unknown_account_id_is_invalid(tenant):
    access_token, _ = investments_item(tenant)
    expect_error(
        lambda: holdings_get(tenant, access_token, account_ids=["no-such-account"]),
        "INVALID_INPUT", "INVALID_ACCOUNT_ID",
    )


def test_reset_login_makes_holdings_answer_item_login_required(tenant):
    access_token, _ = investments_item(tenant)
    holdings_get(tenant, access_token)
    reset = tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    assert reset.reset_login is True
    expect_error(lambda: holdings_get(tenant, access_token), "ITEM_ERROR", "ITEM_LOGIN_REQUIRED")

