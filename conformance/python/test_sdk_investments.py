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
from plaid.model.investment_transaction import InvestmentTransaction
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.investments_transactions_get_request import InvestmentsTransactionsGetRequest
from plaid.model.investments_transactions_get_request_options import InvestmentsTransactionsGetRequestOptions
from plaid.model.item import Item
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.security import Security
from plaid.model_utils import validate_and_convert_types

from conftest import expect_plaid_error
from test_sdk_transactions_dynamic import advance_days, fresh_tenant

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
    """conftest's expect_plaid_error, and the body's `status` is the HTTP status."""
    body = expect_plaid_error(call, status=status, error_type=error_type, error_code=error_code)
    assert body["status"] == status, body
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



# --- /investments/transactions/get ------------------------------------------------------------
#
# Two years of history before the day of linking, newest first: a contribution and a buy on the
# same day for each position, partial sells, quarterly fund dividends (the 28th of Mar/Jun/Sep/Dec),
# the 401k's quarterly plan fee, and a final contribution or withdrawal on the day before linking
# that settles the cash. Together they explain the holdings: per account and security the units
# add up to the holding's quantity, and the cash that moved adds up to the cash holding.

HISTORY_START = date(2025, 3, 10)  # two years before DAY0
WIDE_START = date(2024, 1, 1)  # before any history
FUNDS = ("VTI", "BND", "VFIAX", "DBLTX")
CASH_TICKER = "CUR:USD"
TRANSACTION_FIELDS = (
    "investment_transaction_id", "account_id", "security_id", "date", "name", "quantity", "amount",
    "price", "fees", "type", "subtype", "iso_currency_code", "unofficial_currency_code",
    "cancel_transaction_id", "transaction_datetime",
)


def lenient_configuration(tenant) -> plaid.Configuration:
    """Models built with this skip the SDK's own range checks (count 0 and 501, offset -1 reach
    the server, as they do from SDKs that do not validate)."""
    return plaid.Configuration(
        host=tenant.server.base_url,
        api_key={"clientId": tenant.client_id, "secret": tenant.secret},
        disabled_client_side_validations="minimum,maximum",
    )


def investment_transactions_get(tenant, access_token, start_date=WIDE_START, end_date=DAY0, *,
                                account_ids=None, count=None, offset=None, configuration=None,
                                check_type=True) -> SimpleNamespace:
    """/investments/transactions/get through the SDK, deserialised part by part into the SDK's
    models, for the reason given in holdings_get (InvestmentAccount cannot be built)."""
    option_fields = {}
    if account_ids is not None:
        option_fields["account_ids"] = account_ids
    if count is not None:
        option_fields["count"] = count
    if offset is not None:
        option_fields["offset"] = offset
    extra = {} if configuration is None else {"_configuration": configuration}
    request = InvestmentsTransactionsGetRequest(
        access_token=access_token, start_date=start_date, end_date=end_date, _check_type=check_type, **extra
    )
    if option_fields:
        request.options = InvestmentsTransactionsGetRequestOptions(**option_fields, **extra)
    raw = tenant.api.investments_transactions_get(request, _preload_content=False)
    assert raw.status == 200
    payload = json.loads(raw.data)
    fields = ("item", "accounts", "securities", "investment_transactions", "total_investment_transactions",
              "request_id")
    missing = [k for k in fields if k not in payload]
    assert not missing, f"response lacks {missing}"
    for i, t in enumerate(payload["investment_transactions"]):
        # The SDK's model leaves the last two optional; Plaid always sends them (null here).
        absent = [f for f in TRANSACTION_FIELDS if f not in t]
        assert not absent, f"investment_transactions/{i} lacks {absent}: {t}"
    accounts = typed(tenant, payload["accounts"], ([AccountBase],), "accounts")
    for i, account in enumerate(payload["accounts"]):
        extra_balances = typed(tenant, account["balances"], (InvestmentAccountBalanceAllOf,),
                               f"accounts/{i}/balances")
        assert isinstance(extra_balances, InvestmentAccountBalanceAllOf)
    response = SimpleNamespace(
        item=typed(tenant, payload["item"], (Item,), "item"),
        accounts=accounts,
        securities=typed(tenant, payload["securities"], ([Security],), "securities"),
        investment_transactions=typed(tenant, payload["investment_transactions"], ([InvestmentTransaction],),
                                      "investment_transactions"),
        total_investment_transactions=typed(tenant, payload["total_investment_transactions"], (int,),
                                            "total_investment_transactions"),
        request_id=typed(tenant, payload["request_id"], (str,), "request_id"),
        raw=payload,
    )
    assert response.request_id
    assert isinstance(response.item, Item)
    for a in response.accounts:
        assert isinstance(a, AccountBase)
    for s in response.securities:
        assert isinstance(s, Security)
    for t in response.investment_transactions:
        assert isinstance(t, InvestmentTransaction)
    return response


def all_investment_transactions(tenant, access_token, start_date=WIDE_START, end_date=DAY0, **kwargs):
    """Every transaction of the range, 500 at a time; returns (first response, [InvestmentTransaction])."""
    first = investment_transactions_get(tenant, access_token, start_date, end_date, count=500, **kwargs)
    txns = list(first.investment_transactions)
    while len(txns) < first.total_investment_transactions:
        page = investment_transactions_get(tenant, access_token, start_date, end_date, count=500,
                                           offset=len(txns), **kwargs)
        assert page.investment_transactions, "a page came back empty before the total was reached"
        txns.extend(page.investment_transactions)
    assert len(txns) == first.total_investment_transactions
    return first, txns


def kind(t) -> tuple[str, str]:
    return t.type.value, t.subtype.value


def as_tuple(t) -> tuple:
    """An InvestmentTransaction's fields, comparable across answers."""
    return tuple(getattr(t, f, None) if f not in ("type", "subtype") else getattr(t, f).value
                 for f in TRANSACTION_FIELDS)


@pytest.fixture
def history(tenant):
    """An Investments Item, its holdings on the day of linking and all its investment transactions."""
    access_token, item_id = investments_item(tenant)
    holdings = holdings_get(tenant, access_token)
    first, txns = all_investment_transactions(tenant, access_token)
    tickers = {s.security_id: s.ticker_symbol for s in holdings.securities}
    tickers.update({s.security_id: s.ticker_symbol for s in first.securities})
    return SimpleNamespace(
        access_token=access_token, item_id=item_id, holdings=holdings, first=first, txns=txns,
        masks={a.account_id: a.mask for a in holdings.accounts}, tickers=tickers,
    )


def test_investment_transactions_item_accounts_and_fields(tenant, history):
    first = history.first
    assert first.item.item_id == history.item_id
    assert first.item.institution_id == FIRST_PLATYPUS
    got = {a.mask: (a.name, a.type.value, a.subtype.value, a.balances.current) for a in first.accounts}
    assert got == {
        IRA_MASK: ("Plaid IRA", "investment", "ira", DAY0_CURRENT[IRA_MASK]),
        K401_MASK: ("Plaid 401k", "investment", "401k", DAY0_CURRENT[K401_MASK]),
    }, got
    assert {a.account_id for a in first.accounts} == {a.account_id for a in history.holdings.accounts}

    txns = history.txns
    assert len(txns) > 20, len(txns)
    ids = [t.investment_transaction_id for t in txns]
    assert len(set(ids)) == len(ids), "duplicated investment_transaction_id"
    for t in txns:
        what = f"{t.date} {t.name}"
        assert t.account_id in history.masks, what
        assert t.iso_currency_code == "USD", what
        assert t.unofficial_currency_code is None, what
        assert t.cancel_transaction_id is None, what
        assert t.transaction_datetime is None, what
        assert t.fees is not None and t.fees >= 0, what
        assert t.name, what
        if t.type.value == "cash" and t.subtype.value in ("contribution", "withdrawal"):
            assert t.security_id is None, what
        if t.security_id is not None:
            assert t.security_id in {s.security_id for s in first.securities}, what


def test_investment_transactions_are_the_two_years_before_linking_newest_first(tenant, history):
    dates = [t.date for t in history.txns]
    assert dates == sorted(dates, reverse=True), "not newest first"
    assert max(dates) < DAY0, max(dates)
    assert max(dates) == DAY0 - timedelta(days=1), "nothing on the day before linking"
    assert min(dates) >= HISTORY_START, min(dates)
    # Stable: asking again gives the same list in the same order.
    _, again = all_investment_transactions(tenant, history.access_token)
    assert [as_tuple(t) for t in again] == [as_tuple(t) for t in history.txns]
    # Nothing on the day of linking or after, however far end_date reaches.
    later = investment_transactions_get(tenant, history.access_token, DAY0, date(2030, 1, 1))
    assert later.total_investment_transactions == 0
    assert later.investment_transactions == [] and later.securities == []


def test_investment_transaction_units_add_up_to_the_holdings(tenant, history):
    held = {}
    cash_ids = {s.security_id for s in history.holdings.securities if s.type == "cash"}
    for h in history.holdings.holdings:
        if h.security_id not in cash_ids:
            held[(h.account_id, h.security_id)] = h.quantity
    units: dict[tuple[str, str], float] = defaultdict(float)
    for t in history.txns:
        if t.security_id is not None:
            units[(t.account_id, t.security_id)] += t.quantity
    for key in set(held) | set(units):
        account_id, security_id = key
        what = f"{history.masks[account_id]}/{history.tickers.get(security_id, security_id)}"
        assert abs(units.get(key, 0.0) - held.get(key, 0.0)) <= TOLERANCE, (
            f"{what}: transactions add up to {units.get(key, 0.0):.4f} units, holding is {held.get(key, 0.0)}"
        )
    assert held, "no non-cash holdings"


def test_investment_transaction_cash_adds_up_to_the_cash_holding(tenant, history):
    cash_ids = {s.security_id for s in history.holdings.securities if s.ticker_symbol == CASH_TICKER}
    assert len(cash_ids) == 1
    cash_held = {h.account_id: h.quantity for h in history.holdings.holdings if h.security_id in cash_ids}
    moved: dict[str, float] = defaultdict(float)
    for t in history.txns:
        moved[t.account_id] -= t.amount
    for account_id, mask in history.masks.items():
        assert abs(moved[account_id] - cash_held.get(account_id, 0.0)) <= TOLERANCE, (
            f"{mask}: -Σ amount is {moved[account_id]:.4f}, cash holding is {cash_held.get(account_id, 0.0)}"
        )
    # The cash is settled by one contribution or withdrawal per account on the day before linking.
    eve = DAY0 - timedelta(days=1)
    for account_id, mask in history.masks.items():
        settling = [t for t in history.txns if t.account_id == account_id and t.date == eve]
        assert len(settling) == 1, (mask, [(t.name, t.amount) for t in settling])
        t = settling[0]
        assert kind(t) in (("cash", "contribution"), ("cash", "withdrawal")), (mask, kind(t))
        assert (t.amount < 0) == (kind(t) == ("cash", "contribution")), (mask, kind(t), t.amount)
        assert t.quantity == 0 and t.security_id is None, (mask, t)


def test_each_position_was_bought_with_a_contribution_the_same_day(tenant, history):
    cash_ids = {s.security_id for s in history.holdings.securities if s.type == "cash"}
    costs = {(h.account_id, h.security_id): h.cost_basis for h in history.holdings.holdings}
    for h in history.holdings.holdings:
        if h.security_id in cash_ids:
            continue
        what = f"{history.masks[h.account_id]}/{history.tickers[h.security_id]}"
        buys = [t for t in history.txns if (t.account_id, t.security_id) == (h.account_id, h.security_id)
                and kind(t) == ("buy", "buy")]
        assert len(buys) == 1, (what, len(buys))
        buy = buys[0]
        assert buy.quantity > 0 and buy.amount > 0 and buy.price > 0, (what, buy)
        assert abs(buy.amount - buy.quantity * buy.price) <= TOLERANCE, (
            f"{what}: buy amount {buy.amount} != {buy.quantity} x {buy.price}"
        )
        contributions = [t for t in history.txns if t.account_id == h.account_id and t.date == buy.date
                         and kind(t) == ("cash", "contribution")]
        assert contributions, f"{what}: no contribution on {buy.date}"
        assert any(abs(c.amount + buy.amount) <= TOLERANCE for c in contributions), (
            f"{what}: no contribution of {-buy.amount} on {buy.date}: {[c.amount for c in contributions]}"
        )
        for c in contributions:
            assert c.amount < 0 and c.security_id is None and c.quantity == 0, (what, c)
        # What is left was bought at that price: the holding's cost basis.
        assert abs(costs[(h.account_id, h.security_id)] - h.quantity * buy.price) <= 0.01, (
            f"{what}: cost_basis {h.cost_basis} != {h.quantity} x {buy.price}"
        )


def test_sells_dividends_and_fees(tenant, history):
    txns = history.txns
    kinds = {kind(t) for t in txns}
    for expected in [("buy", "buy"), ("sell", "sell"), ("cash", "contribution"), ("cash", "dividend"),
                     ("fee", "management fee")]:
        assert expected in kinds, f"{expected} not among {sorted(kinds)}"
    first_buy = {}
    for t in reversed(txns):  # oldest first
        if kind(t) == ("buy", "buy"):
            first_buy.setdefault((t.account_id, t.security_id), t.date)

    dividend_quarters = defaultdict(set)
    fee_quarters = []
    for t in txns:
        what = f"{t.date} {history.masks[t.account_id]} {t.name}"
        ticker = history.tickers.get(t.security_id)
        if kind(t) == ("sell", "sell"):
            assert t.quantity < 0 and t.amount < 0 and t.price > 0, what
            assert abs(t.amount - t.quantity * t.price) <= TOLERANCE, (what, t.amount, t.quantity, t.price)
            assert first_buy[(t.account_id, t.security_id)] <= t.date, f"{what}: sold before bought"
        elif kind(t) == ("cash", "dividend"):
            assert ticker in FUNDS, f"{what}: dividend of {ticker}"
            assert t.amount < 0 and t.quantity == 0, what
            assert t.date.day == 28 and t.date.month in (3, 6, 9, 12), what
            assert first_buy[(t.account_id, t.security_id)] <= t.date, f"{what}: dividend before the buy"
            assert t.date not in dividend_quarters[(t.account_id, t.security_id)], f"{what}: twice"
            dividend_quarters[(t.account_id, t.security_id)].add(t.date)
        elif kind(t) == ("fee", "management fee"):
            assert history.masks[t.account_id] == K401_MASK, what
            assert t.amount == 3.0 and t.quantity == 0 and t.security_id is None, what
            fee_quarters.append((t.date.year, (t.date.month - 1) // 3))
            opened = min(d for (a, _), d in first_buy.items() if a == t.account_id)
            assert t.date > opened, f"{what}: charged before the account's first purchase on {opened}"
        elif t.type.value == "buy":
            assert t.subtype.value == "buy", what
        else:
            assert kind(t) in (("cash", "contribution"), ("cash", "withdrawal")), f"{what}: {kind(t)}"
    # A held fund bought before a quarter's 28th is paid a dividend on every such 28th until linking.
    for (account_id, security_id), bought in first_buy.items():
        if history.tickers[security_id] not in FUNDS:
            continue
        due = {date(y, m, 28) for y in (2025, 2026, 2027) for m in (3, 6, 9, 12)
               if bought <= date(y, m, 28) < DAY0}
        held = any(h.account_id == account_id and h.security_id == security_id
                   for h in history.holdings.holdings)
        if held:
            assert dividend_quarters[(account_id, security_id)] == due, (
                history.tickers[security_id], sorted(dividend_quarters[(account_id, security_id)]), sorted(due)
            )
    # The plan fee: once a quarter of the two years, from the account's first purchase on.
    assert len(fee_quarters) == len(set(fee_quarters)), fee_quarters
    assert 1 <= len(fee_quarters) <= 8, fee_quarters


def test_investment_transaction_pages_put_together_are_the_whole_list(tenant, history):
    full = [as_tuple(t) for t in history.txns]
    total = len(full)
    for size in (1, 7, 50):
        paged = []
        for offset in range(0, total, size):
            page = investment_transactions_get(tenant, history.access_token, count=size, offset=offset)
            assert page.total_investment_transactions == total, (size, offset)
            assert len(page.investment_transactions) == min(size, total - offset), (size, offset)
            # The securities listed are exactly those the page's transactions refer to.
            referenced = {t.security_id for t in page.investment_transactions if t.security_id is not None}
            listed = [s.security_id for s in page.securities]
            assert len(listed) == len(set(listed)), "duplicated security"
            assert set(listed) == referenced, (size, offset, set(listed) ^ referenced)
            paged.extend(as_tuple(t) for t in page.investment_transactions)
        assert paged == full, f"pages of {size} differ from the whole list"
    past = investment_transactions_get(tenant, history.access_token, count=10, offset=total)
    assert past.investment_transactions == [] and past.securities == []
    assert past.total_investment_transactions == total
    # Without options: the first 100.
    default = investment_transactions_get(tenant, history.access_token)
    assert [as_tuple(t) for t in default.investment_transactions] == full[:100]
    assert default.total_investment_transactions == total


def test_a_narrower_date_range_holds_exactly_its_days(tenant, history):
    dividend_days = sorted({t.date for t in history.txns if kind(t) == ("cash", "dividend")})
    assert len(dividend_days) >= 3, dividend_days
    # Bounds on days that have transactions, so that both ends are seen to be inclusive.
    ranges = [(dividend_days[0], dividend_days[-2]), (dividend_days[1], dividend_days[1]),
              (date(2026, 1, 1), date(2026, 6, 30)), (WIDE_START, HISTORY_START - timedelta(days=1))]
    for start, end in ranges:
        expected = [as_tuple(t) for t in history.txns if start <= t.date <= end]
        first, got = all_investment_transactions(tenant, history.access_token, start, end)
        assert [as_tuple(t) for t in got] == expected, (start, end)
        assert first.total_investment_transactions == len(expected), (start, end)
    assert any(t.date == dividend_days[-2] for t in history.txns)


def test_account_ids_option_narrows_the_investment_transactions(tenant, history):
    ira = next(a for a in history.holdings.accounts if a.mask == IRA_MASK)
    first, got = all_investment_transactions(tenant, history.access_token, account_ids=[ira.account_id])
    assert [a.account_id for a in first.accounts] == [ira.account_id]
    expected = [as_tuple(t) for t in history.txns if t.account_id == ira.account_id]
    assert expected, "no IRA transactions"
    assert [as_tuple(t) for t in got] == expected


def test_investment_transactions_stay_put_as_the_clock_moves(tenant, history):
    advance_days(tenant, 30)
    refresh_balances(tenant, history.access_token)
    later_first, later = all_investment_transactions(tenant, history.access_token,
                                                     end_date=DAY0 + timedelta(days=30))
    assert [as_tuple(t) for t in later] == [as_tuple(t) for t in history.txns]
    # The accounts come with the balances of the latest refresh.
    fresh = refresh_balances(tenant, history.access_token)
    assert {a.mask: a.balances.current for a in later_first.accounts} == fresh


def test_same_seed_gives_the_same_investment_transactions(tartan):
    def snapshot():
        t = fresh_tenant(tartan, "investments_seed")
        try:
            access_token, _ = investments_item(t)
            first, txns = all_investment_transactions(t, access_token)
            masks = {a.account_id: a.mask for a in first.accounts}
            tickers = {s.security_id: s.ticker_symbol for s in first.securities}
            return [(masks[x.account_id], tickers.get(x.security_id), x.date, kind(x), x.quantity, x.amount,
                     x.price) for x in txns]
        finally:
            t.api_client.close()

    first = snapshot()
    assert first and first == snapshot()


# --- errors of /investments/transactions/get ---------------------------------------------------------


@pytest.fixture
def txn_token(tenant):
    access_token, _ = investments_item(tenant)
    return access_token


def test_start_date_after_end_date_is_invalid(tenant, txn_token):
    body = expect_error(
        lambda: investment_transactions_get(tenant, txn_token, DAY0, DAY0 - timedelta(days=1)),
        "INVALID_REQUEST", "INVALID_FIELD",
    )
    assert "start_date" in body["error_message"], body["error_message"]
    # The same day at both ends is a range of one day.
    investment_transactions_get(tenant, txn_token, DAY0 - timedelta(days=1), DAY0 - timedelta(days=1))


@pytest.mark.parametrize("field, value", [
    ("start_date", "2027/03/01"), ("start_date", "2027-02-30"), ("end_date", "March 1"), ("end_date", "20270310"),
])
def test_malformed_date_is_invalid(tenant, txn_token, field, value):
    dates = {"start_date": DAY0 - timedelta(days=30), "end_date": DAY0, field: value}
    body = expect_error(
        lambda: investment_transactions_get(tenant, txn_token, dates["start_date"], dates["end_date"],
                                            check_type=False),
        "INVALID_REQUEST", "INVALID_FIELD",
    )
    assert field in body["error_message"], body["error_message"]


@pytest.mark.parametrize("option, value", [("count", 0), ("count", 501), ("offset", -1)])
def test_count_and_offset_out_of_range_are_invalid(tenant, txn_token, option, value):
    body = expect_error(
        lambda: investment_transactions_get(tenant, txn_token, configuration=lenient_configuration(tenant),
                                            **{option: value}),
        "INVALID_REQUEST", "INVALID_FIELD",
    )
    assert f"options.{option}" in body["error_message"], body["error_message"]


@pytest.mark.parametrize("count", [1, 500])
def test_count_at_the_bounds_is_accepted(tenant, txn_token, count):
    page = investment_transactions_get(tenant, txn_token, count=count)
    assert len(page.investment_transactions) == min(count, page.total_investment_transactions)


@pytest.mark.parametrize("missing", ["start_date", "end_date"])
def test_missing_date_is_missing_fields(tenant, txn_token, missing):
    # The SDK's model will not leave a required date out, so the body is sent as JSON directly.
    body = {"access_token": txn_token, "start_date": "2027-02-01", "end_date": "2027-03-10"}
    del body[missing]
    headers = {"Content-Type": "application/json", "PLAID-CLIENT-ID": tenant.client_id,
               "PLAID-SECRET": tenant.secret}
    error = expect_error(
        lambda: tenant.api_client.request("POST", tenant.server.base_url + "/investments/transactions/get",
                                          headers=headers, body=body),
        "INVALID_REQUEST", "MISSING_FIELDS",
    )
    assert missing in error["error_message"], error["error_message"]


def test_only_a_depository_account_is_no_investment_accounts_for_transactions(tenant, txn_token):
    accounts = tenant.api.accounts_get(AccountsGetRequest(access_token=txn_token)).accounts
    checking = next(a for a in accounts if a.mask == "0000")
    assert checking.type.value == "depository"
    body = expect_error(
        lambda: investment_transactions_get(tenant, txn_token, account_ids=[checking.account_id]),
        "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS",
    )
    assert body["error_message"].startswith(NO_INVESTMENT_ACCOUNTS), body["error_message"]


def test_unknown_account_id_is_invalid_for_transactions(tenant, txn_token):
    expect_error(
        lambda: investment_transactions_get(tenant, txn_token, account_ids=["no-such-account"]),
        "INVALID_INPUT", "INVALID_ACCOUNT_ID",
    )


def test_reset_login_makes_investment_transactions_answer_item_login_required(tenant, txn_token):
    investment_transactions_get(tenant, txn_token)
    reset = tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=txn_token))
    assert reset.reset_login is True
    expect_error(lambda: investment_transactions_get(tenant, txn_token), "ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
