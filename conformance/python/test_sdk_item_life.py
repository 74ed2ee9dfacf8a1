"""The life of a Sandbox Item, driven through plaid-python's typed models.

plaid-python deserialises every response into its generated models and raises
when a required field is missing or has the wrong type, so each successful call
here is also a schema check of Tartan's response. Time-dependent behaviour is
driven through Tartan's virtual clock, never by sleeping.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import jwt
import plaid
import pytest
from plaid.api import plaid_api
from cryptography.hazmat.primitives.asymmetric import ec
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_balance_get_request_options import AccountsBalanceGetRequestOptions
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.accounts_get_request_options import AccountsGetRequestOptions
from plaid.model.auth_get_request import AuthGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.identity_get_request import IdentityGetRequest
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.institutions_get_by_id_request_options import InstitutionsGetByIdRequestOptions
from plaid.model.institutions_get_request import InstitutionsGetRequest
from plaid.model.institutions_get_request_options import InstitutionsGetRequestOptions
from plaid.model.institutions_search_request import InstitutionsSearchRequest
from plaid.model.item_access_token_invalidate_request import ItemAccessTokenInvalidateRequest
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.item_webhook_update_request import ItemWebhookUpdateRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_get_request import LinkTokenGetRequest
from plaid.model.products import Products
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PUBLIC_TOKEN = re.compile(rf"^public-sandbox-{UUID}$")
ACCESS_TOKEN = re.compile(rf"^access-sandbox-{UUID}$")
LINK_TOKEN = re.compile(rf"^link-sandbox-{UUID}$")

FIRST_PLATYPUS = "ins_109508"
HOUNDSTOOTH = "ins_109512"
PLATYPUS_OAUTH = "ins_127287"
DEGRADED = "ins_132363"
DOWN = "ins_132361"
CANADIAN = "ins_43"
ROYAL_BANK_OF_PLAID = "ins_117650"

ITEM_PRODUCTS = ("auth", "identity", "transactions")
WEBHOOK = "http://127.0.0.1:9/tartan-conformance/webhook"
# Allowed difference between a server-computed instant and the virtual clock
# read just before or after the call (the clock may keep running).
CLOCK_SLACK = timedelta(minutes=2)

# (name, mask) of the default user_good accounts at First Platypus Bank.
USER_GOOD_ACCOUNTS = {
    "0000": "Plaid Checking",
    "1111": "Plaid Saving",
    "2222": "Plaid CD",
    "3333": "Plaid Credit Card",
    "4444": "Plaid Money Market",
    "5555": "Plaid IRA",
    "6666": "Plaid 401k",
    "7777": "Plaid Student Loan",
    "8888": "Plaid Mortgage",
}


def values(enums) -> list[str]:
    return [e.value for e in enums]


def by_mask(accounts) -> dict:
    return {a.mask: a for a in accounts}


def balances_of(accounts) -> dict:
    return {a.account_id: (a.balances.available, a.balances.current) for a in accounts}


def assert_near(actual: datetime | None, expected: datetime, slack: timedelta = CLOCK_SLACK):
    assert actual is not None, f"expected a timestamp near {expected.isoformat()}, got null"
    assert actual.tzinfo is not None, f"{actual!r} has no time zone"
    assert abs(actual - expected) <= slack, f"{actual.isoformat()} is not near {expected.isoformat()}"


@pytest.fixture(scope="module")
def item(tenant):
    """A healthy user_good Item at First Platypus Bank, shared by read-only tests."""
    created_near = tenant.now()
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=WEBHOOK)
    return {"access_token": access_token, "item_id": item_id, "created_near": created_near}


@pytest.fixture(scope="module")
def accounts(tenant, item):
    return tenant.api.accounts_get(AccountsGetRequest(access_token=item["access_token"])).accounts


# --- health ----------------------------------------------------------------


def test_health_reports_ok_and_version(tartan):
    assert tartan.health["status"] == "ok"
    assert isinstance(tartan.health["version"], str) and tartan.health["version"]


# --- public token create / exchange -----------------------------------------


def test_public_token_is_exchanged_once_for_an_access_token(tenant, plaid_error):
    public_token = tenant.public_token(FIRST_PLATYPUS, ("transactions",))
    assert PUBLIC_TOKEN.match(public_token), public_token

    exchanged = tenant.api.item_public_token_exchange(
        ItemPublicTokenExchangeRequest(public_token=public_token)
    )
    assert ACCESS_TOKEN.match(exchanged.access_token), exchanged.access_token
    assert isinstance(exchanged.item_id, str) and exchanged.item_id
    assert exchanged.request_id

    plaid_error(
        tenant.api.item_public_token_exchange,
        ItemPublicTokenExchangeRequest(public_token=public_token),
        error_type="INVALID_INPUT",
        error_code="INVALID_PUBLIC_TOKEN",
    )


def test_public_token_expires_after_30_minutes(tenant, plaid_error):
    fresh_enough = tenant.public_token()
    too_old = tenant.public_token()

    tenant.advance(29 * 60)
    exchanged = tenant.api.item_public_token_exchange(
        ItemPublicTokenExchangeRequest(public_token=fresh_enough)
    )
    assert ACCESS_TOKEN.match(exchanged.access_token)

    tenant.advance(2 * 60)
    plaid_error(
        tenant.api.item_public_token_exchange,
        ItemPublicTokenExchangeRequest(public_token=too_old),
        error_type="INVALID_INPUT",
        error_code="INVALID_PUBLIC_TOKEN",
    )


def test_each_item_gets_its_own_id(tenant):
    first = tenant.new_item()
    second = tenant.new_item()
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_unknown_institution_is_rejected(tenant, plaid_error):
    plaid_error(
        tenant.public_token,
        "ins_does_not_exist",
        ("transactions",),
        error_type="INVALID_INPUT",
        error_code="INVALID_INSTITUTION",
    )


def test_product_the_institution_lacks_is_not_supported(tenant, plaid_error):
    plaid_error(
        tenant.public_token,
        HOUNDSTOOTH,
        ("investments",),
        error_type="ITEM_ERROR",
        error_code="PRODUCTS_NOT_SUPPORTED",
    )


def test_error_password_forces_item_locked(tenant, plaid_error):
    plaid_error(
        tenant.public_token,
        FIRST_PLATYPUS,
        ("transactions",),
        override_username="user_good",
        override_password="error_ITEM_LOCKED",
        error_type="ITEM_ERROR",
        error_code="ITEM_LOCKED",
    )


def test_wrong_password_is_invalid_credentials(tenant, plaid_error):
    plaid_error(
        tenant.public_token,
        FIRST_PLATYPUS,
        ("transactions",),
        override_username="user_good",
        override_password="not_the_password",
        error_type="ITEM_ERROR",
        error_code="INVALID_CREDENTIALS",
    )


def test_second_secret_for_a_client_id_is_rejected(tenant, plaid_error):
    tenant.public_token()  # the tenant's own secret is now bound to its client_id
    impostor = plaid.ApiClient(
        plaid.Configuration(
            host=tenant.server.base_url,
            api_key={"clientId": tenant.client_id, "secret": "some_other_secret"},
        )
    )
    try:
        plaid_error(
            plaid_api.PlaidApi(impostor).sandbox_public_token_create,
            SandboxPublicTokenCreateRequest(
                institution_id=FIRST_PLATYPUS, initial_products=[Products("transactions")]
            ),
            error_type="INVALID_INPUT",
            error_code="INVALID_API_KEYS",
        )
    finally:
        impostor.close()


# --- /item/get ------------------------------------------------------------------


def test_item_get_returns_every_item_field(tenant, item):
    response = tenant.api.item_get(ItemGetRequest(access_token=item["access_token"]))
    got = response.item

    assert got.item_id == item["item_id"]
    assert got.institution_id == FIRST_PLATYPUS
    assert got.institution_name == "First Platypus Bank"
    assert got.webhook == WEBHOOK
    assert got.error is None
    assert set(ITEM_PRODUCTS) <= set(values(got.products))
    assert isinstance(got.billed_products, list)
    assert not set(values(got.available_products)) & set(values(got.billed_products))
    assert isinstance(got.consented_products, list)
    assert got.consent_expiration_time is None  # First Platypus consent does not expire
    assert got.update_type in ("background", "user_present_required")
    assert "created_at" in got, "item.created_at is missing"
    assert_near(got.created_at, item["created_near"])
    assert response.request_id


def test_item_get_reports_status_blocks(tenant, item):
    response = tenant.api.item_get(ItemGetRequest(access_token=item["access_token"]))
    status = response.get("status")
    assert status is not None, "item/get returned no status"
    for block in ("transactions", "investments", "last_webhook"):
        assert block in status, f"status.{block} is missing"
    for field in ("last_successful_update", "last_failed_update"):
        assert field in status.transactions, f"status.transactions.{field} is missing"


def test_public_token_in_place_of_access_token_is_rejected(tenant, plaid_error):
    public_token = tenant.public_token()
    body = plaid_error(
        tenant.api.item_get,
        ItemGetRequest(access_token=public_token),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCESS_TOKEN",
    )
    assert body["error_message"]


# --- accounts and balances -------------------------------------------------------


def test_accounts_get_returns_the_user_good_accounts(tenant, item, accounts):
    masks = by_mask(accounts)
    for mask, name in USER_GOOD_ACCOUNTS.items():
        assert mask in masks, f"no account with mask {mask}"
        assert masks[mask].name == name

    ids = [a.account_id for a in accounts]
    assert len(ids) == len(set(ids)), "account_ids are not unique"

    checking, saving, card = masks["0000"], masks["1111"], masks["3333"]
    assert (checking.type.value, checking.subtype.value) == ("depository", "checking")
    assert (checking.balances.available, checking.balances.current) == (100, 110)
    assert checking.balances.iso_currency_code == "USD"
    assert (saving.type.value, saving.subtype.value) == ("depository", "savings")
    assert (saving.balances.available, saving.balances.current) == (200, 210)
    assert (card.type.value, card.subtype.value) == ("credit", "credit card")
    assert (card.balances.current, card.balances.limit) == (410, 2000)


def test_accounts_get_reports_the_item(tenant, item):
    response = tenant.api.accounts_get(AccountsGetRequest(access_token=item["access_token"]))
    assert response.item.item_id == item["item_id"]
    assert response.item.institution_id == FIRST_PLATYPUS


def test_accounts_get_filters_by_account_id(tenant, item, accounts):
    wanted = by_mask(accounts)["1111"].account_id
    response = tenant.api.accounts_get(
        AccountsGetRequest(
            access_token=item["access_token"],
            options=AccountsGetRequestOptions(account_ids=[wanted]),
        )
    )
    assert [a.account_id for a in response.accounts] == [wanted]


def test_accounts_get_rejects_unknown_account_id(tenant, item, plaid_error):
    plaid_error(
        tenant.api.accounts_get,
        AccountsGetRequest(
            access_token=item["access_token"],
            options=AccountsGetRequestOptions(account_ids=["no_such_account"]),
        ),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCOUNT_ID",
    )


def test_balance_get_rejects_unknown_account_id(tenant, item, plaid_error):
    plaid_error(
        tenant.api.accounts_balance_get,
        AccountsBalanceGetRequest(
            access_token=item["access_token"],
            options=AccountsBalanceGetRequestOptions(account_ids=["no_such_account"]),
        ),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCOUNT_ID",
    )


def test_live_balance_equals_cached_balance_right_after_creation(tenant):
    access_token, _ = tenant.new_item(FIRST_PLATYPUS, ("auth",))
    cached = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts
    live = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token)).accounts
    assert balances_of(live) == balances_of(cached)


def test_live_balance_drifts_from_cached_after_three_days(tenant):
    access_token, _ = tenant.new_item(FIRST_PLATYPUS, ("auth",))
    cached = tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts

    tenant.advance(3 * 24 * 3600)
    live = tenant.api.accounts_balance_get(AccountsBalanceGetRequest(access_token=access_token)).accounts

    cached_balances, live_balances = balances_of(cached), balances_of(live)
    assert set(live_balances) == set(cached_balances)
    changed = [aid for aid in live_balances if live_balances[aid] != cached_balances[aid]]
    assert changed, "no balance moved after three simulated days"


# --- auth and identity ---------------------------------------------------------


def test_auth_get_returns_ach_numbers_for_checking_and_savings(tenant, item):
    response = tenant.api.auth_get(AuthGetRequest(access_token=item["access_token"]))
    numbers = response.numbers
    for kind in ("eft", "international", "bacs"):
        assert isinstance(numbers.get(kind), list), f"numbers.{kind} is not a list"

    masks = by_mask(response.accounts)
    ach = {n.account_id: n for n in numbers.ach}
    account_ids = {a.account_id for a in response.accounts}
    assert set(ach) <= account_ids, "ACH numbers for accounts not in the response"
    for mask in ("0000", "1111"):
        entry = ach.get(masks[mask].account_id)
        assert entry is not None, f"no ACH numbers for the account with mask {mask}"
        assert entry.account.isdigit() and entry.account.endswith(mask)
        assert re.fullmatch(r"\d{9}", entry.routing), entry.routing
        assert entry.wire_routing is None or re.fullmatch(r"\d{9}", entry.wire_routing)
    assert response.item.item_id == item["item_id"]


def test_auth_get_returns_eft_numbers_at_a_canadian_bank(tenant):
    access_token, _ = tenant.new_item(CANADIAN, ("auth",))
    numbers = tenant.api.auth_get(AuthGetRequest(access_token=access_token)).numbers
    assert numbers.eft, "no EFT numbers at a Canadian institution"
    for entry in numbers.eft:
        assert entry.account and entry.institution and entry.branch


def test_identity_get_names_the_account_holder(tenant, item):
    response = tenant.api.identity_get(IdentityGetRequest(access_token=item["access_token"]))
    assert response.accounts
    for account in response.accounts:
        assert account.owners, f"account {account.name} has no owners"
        names = [name for owner in account.owners for name in owner.names]
        assert "Alberta Bobbeth Charleson" in names
        owner = account.owners[0]
        assert owner.emails and owner.phone_numbers and owner.addresses
    assert response.item.item_id == item["item_id"]


# --- institutions ---------------------------------------------------------------


def test_institutions_get_pages_through_the_directory(tenant):
    us = [CountryCode("US")]
    first = tenant.api.institutions_get(InstitutionsGetRequest(count=3, offset=0, country_codes=us))
    second = tenant.api.institutions_get(InstitutionsGetRequest(count=3, offset=3, country_codes=us))
    assert len(first.institutions) == 3
    assert first.total >= 6
    first_ids = {i.institution_id for i in first.institutions}
    second_ids = {i.institution_id for i in second.institutions}
    assert second_ids and not first_ids & second_ids
    for institution in first.institutions + second.institutions:
        assert "US" in values(institution.country_codes)


def test_institutions_get_filters_by_product_and_adds_metadata(tenant):
    response = tenant.api.institutions_get(
        InstitutionsGetRequest(
            count=50,
            offset=0,
            country_codes=[CountryCode("US")],
            options=InstitutionsGetRequestOptions(
                products=[Products("investments")], include_optional_metadata=True
            ),
        )
    )
    assert response.institutions
    ids = set()
    for institution in response.institutions:
        ids.add(institution.institution_id)
        assert "investments" in values(institution.products), institution.institution_id
        for key in ("url", "primary_color", "logo"):
            assert key in institution, f"{institution.institution_id} lacks {key}"
    assert HOUNDSTOOTH not in ids


def test_institutions_get_by_country(tenant):
    response = tenant.api.institutions_get(
        InstitutionsGetRequest(count=500, offset=0, country_codes=[CountryCode("CA")])
    )
    ids = {i.institution_id for i in response.institutions}
    assert CANADIAN in ids
    for institution in response.institutions:
        assert "CA" in values(institution.country_codes)


def test_institutions_get_by_id_with_status_and_metadata(tenant):
    response = tenant.api.institutions_get_by_id(
        InstitutionsGetByIdRequest(
            institution_id=FIRST_PLATYPUS,
            country_codes=[CountryCode("US")],
            options=InstitutionsGetByIdRequestOptions(
                include_status=True, include_optional_metadata=True
            ),
        )
    )
    institution = response.institution
    assert institution.institution_id == FIRST_PLATYPUS
    assert institution.name == "First Platypus Bank"
    assert institution.oauth is False
    assert {"auth", "balance", "identity", "investments", "liabilities", "transactions", "assets"} <= set(
        values(institution.products)
    )
    assert "US" in values(institution.country_codes)
    assert isinstance(institution.routing_numbers, list)
    assert isinstance(institution.url, str) and institution.url
    assert isinstance(institution.primary_color, str) and institution.primary_color
    assert "logo" in institution
    status = institution.get("status")
    assert status is not None, "include_status=True gave no status"
    assert status.item_logins.status == "HEALTHY"


def test_institutions_get_by_id_leaves_status_out_unless_asked(tenant):
    institution = tenant.api.institutions_get_by_id(
        InstitutionsGetByIdRequest(institution_id=FIRST_PLATYPUS, country_codes=[CountryCode("US")])
    ).institution
    assert institution.get("status") is None


@pytest.mark.parametrize("institution_id, health", [(DEGRADED, "DEGRADED"), (DOWN, "DOWN")])
def test_unhealthy_institutions_report_their_health(tenant, institution_id, health):
    institution = tenant.api.institutions_get_by_id(
        InstitutionsGetByIdRequest(
            institution_id=institution_id,
            country_codes=[CountryCode("US")],
            options=InstitutionsGetByIdRequestOptions(include_status=True),
        )
    ).institution
    assert institution.status.item_logins.status == health


def test_houndstooth_lacks_investments_and_liabilities(tenant):
    institution = tenant.api.institutions_get_by_id(
        InstitutionsGetByIdRequest(institution_id=HOUNDSTOOTH, country_codes=[CountryCode("US")])
    ).institution
    assert institution.name == "Houndstooth Bank"
    products = set(values(institution.products))
    assert "auth" in products
    assert not products & {"investments", "liabilities"}


@pytest.mark.parametrize(
    "institution_id, country, oauth",
    [(PLATYPUS_OAUTH, "US", True), (CANADIAN, "CA", False), (ROYAL_BANK_OF_PLAID, "GB", True)],
)
def test_institution_oauth_flag_and_country(tenant, institution_id, country, oauth):
    institution = tenant.api.institutions_get_by_id(
        InstitutionsGetByIdRequest(institution_id=institution_id, country_codes=[CountryCode(country)])
    ).institution
    assert institution.oauth is oauth
    assert country in values(institution.country_codes)


def test_institutions_get_by_id_rejects_unknown_id(tenant, plaid_error):
    plaid_error(
        tenant.api.institutions_get_by_id,
        InstitutionsGetByIdRequest(institution_id="ins_does_not_exist", country_codes=[CountryCode("US")]),
        error_type="INVALID_INPUT",
        error_code="INVALID_INSTITUTION",
    )


def test_institutions_search_matches_names(tenant):
    response = tenant.api.institutions_search(
        InstitutionsSearchRequest(query="Platypus", country_codes=[CountryCode("US")])
    )
    ids = {i.institution_id for i in response.institutions}
    assert FIRST_PLATYPUS in ids
    for institution in response.institutions:
        assert "platypus" in institution.name.lower(), institution.name


def test_institutions_search_filters_by_product(tenant):
    def search(products):
        request = InstitutionsSearchRequest(query="Houndstooth", country_codes=[CountryCode("US")])
        if products:
            request.products = [Products(p) for p in products]
        return {i.institution_id for i in tenant.api.institutions_search(request).institutions}

    assert HOUNDSTOOTH in search(None)
    assert HOUNDSTOOTH in search(["auth"])
    assert HOUNDSTOOTH not in search(["investments"])


# --- link tokens ------------------------------------------------------------------


def link_token_request(**overrides) -> LinkTokenCreateRequest:
    fields = dict(
        client_name="Tartan Conformance",
        language="en",
        country_codes=[CountryCode("US")],
        user=LinkTokenCreateRequestUser(client_user_id="conformance-user-1"),
    )
    fields.update(overrides)
    return LinkTokenCreateRequest(**fields)


def test_link_token_lives_four_hours_and_echoes_its_configuration(tenant):
    before = tenant.now()
    created = tenant.api.link_token_create(
        link_token_request(products=[Products("auth"), Products("transactions")], webhook=WEBHOOK)
    )
    assert LINK_TOKEN.match(created.link_token), created.link_token
    assert_near(created.expiration, before + timedelta(hours=4))

    got = tenant.api.link_token_get(LinkTokenGetRequest(link_token=created.link_token))
    assert got.link_token == created.link_token
    assert got.expiration == created.expiration
    assert_near(got.created_at, before)
    metadata = got.metadata
    assert values(metadata.initial_products) == ["auth", "transactions"]
    assert metadata.webhook == WEBHOOK
    assert values(metadata.country_codes) == ["US"]
    assert metadata.language == "en"
    assert metadata.client_name == "Tartan Conformance"
    assert metadata.redirect_uri is None
    assert got.get("link_sessions") == [], "an unused link token should list no sessions"


def test_update_mode_link_token_lives_thirty_minutes(tenant, item):
    before = tenant.now()
    created = tenant.api.link_token_create(link_token_request(access_token=item["access_token"]))
    assert LINK_TOKEN.match(created.link_token)
    assert_near(created.expiration, before + timedelta(minutes=30))

    got = tenant.api.link_token_get(LinkTokenGetRequest(link_token=created.link_token))
    assert got.expiration == created.expiration


def test_update_mode_link_token_refuses_products(tenant, item, plaid_error):
    plaid_error(
        tenant.api.link_token_create,
        link_token_request(access_token=item["access_token"], products=[Products("transactions")]),
        error_type="INVALID_REQUEST",
        error_code="INVALID_FIELD",
    )


def test_balance_is_not_a_link_product(tenant, plaid_error):
    plaid_error(
        tenant.api.link_token_create,
        link_token_request(products=[Products("balance")]),
        error_type="INVALID_INPUT",
        error_code="INVALID_PRODUCT",
    )


# --- webhook verification key ----------------------------------------------------------


def test_webhook_verification_key_is_a_p256_jwk(tenant):
    kid = tenant.webhook_kid()
    key = tenant.api.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=kid)).key
    assert (key.alg, key.crv, key.kty, key.use) == ("ES256", "P-256", "EC", "sig")
    assert key.kid == kid
    assert key.expired_at is None
    assert 0 < key.created_at <= tenant.now().timestamp() + CLOCK_SLACK.total_seconds()

    # The coordinates must describe a point on P-256 (from_jwk checks this).
    public_key = jwt.algorithms.ECAlgorithm.from_jwk(
        json.dumps({"kty": key.kty, "crv": key.crv, "x": key.x, "y": key.y})
    )
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"


def test_unknown_webhook_verification_key_is_rejected(tenant, plaid_error):
    plaid_error(
        tenant.api.webhook_verification_key_get,
        WebhookVerificationKeyGetRequest(key_id="no-such-key-id"),
        error_type="INVALID_INPUT",
        error_code="INVALID_WEBHOOK_VERIFICATION_KEY_ID",
    )


# --- reset_login and ITEM_LOGIN_REQUIRED -------------------------------------------------


@pytest.fixture(scope="module")
def login_required_item(tenant):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS)
    response = tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    assert response.reset_login is True
    return {"access_token": access_token, "item_id": item_id}


def test_item_get_shows_login_required_after_reset_login(tenant, login_required_item):
    got = tenant.api.item_get(ItemGetRequest(access_token=login_required_item["access_token"])).item
    assert got.item_id == login_required_item["item_id"]
    assert got.error is not None, "item.error is null after reset_login"
    assert got.error.error_type.value == "ITEM_ERROR"
    assert got.error.error_code == "ITEM_LOGIN_REQUIRED"


DATA_CALLS = {
    "accounts_get": lambda api, token: api.accounts_get(AccountsGetRequest(access_token=token)),
    "accounts_balance_get": lambda api, token: api.accounts_balance_get(
        AccountsBalanceGetRequest(access_token=token)
    ),
    "auth_get": lambda api, token: api.auth_get(AuthGetRequest(access_token=token)),
    "identity_get": lambda api, token: api.identity_get(IdentityGetRequest(access_token=token)),
}


@pytest.mark.parametrize("call", sorted(DATA_CALLS))
def test_data_endpoints_answer_item_login_required(tenant, login_required_item, plaid_error, call):
    plaid_error(
        DATA_CALLS[call],
        tenant.api,
        login_required_item["access_token"],
        status=400,
        error_type="ITEM_ERROR",
        error_code="ITEM_LOGIN_REQUIRED",
    )


# --- webhook update, token rotation, removal -----------------------------------------------


def test_webhook_update_changes_the_item_webhook(tenant):
    access_token, item_id = tenant.new_item(webhook=WEBHOOK)
    new_webhook = "http://127.0.0.1:9/tartan-conformance/other-webhook"
    response = tenant.api.item_webhook_update(
        ItemWebhookUpdateRequest(access_token=access_token, webhook=new_webhook)
    )
    assert response.item.item_id == item_id
    assert response.item.webhook == new_webhook
    assert tenant.api.item_get(ItemGetRequest(access_token=access_token)).item.webhook == new_webhook


def test_access_token_invalidate_rotates_the_token(tenant, plaid_error):
    access_token, item_id = tenant.new_item()
    rotated = tenant.api.item_access_token_invalidate(
        ItemAccessTokenInvalidateRequest(access_token=access_token)
    ).new_access_token
    assert ACCESS_TOKEN.match(rotated), rotated
    assert rotated != access_token

    assert tenant.api.item_get(ItemGetRequest(access_token=rotated)).item.item_id == item_id
    plaid_error(
        tenant.api.item_get,
        ItemGetRequest(access_token=access_token),
        error_type="INVALID_INPUT",
        error_code="INVALID_ACCESS_TOKEN",
    )


@pytest.fixture(scope="module")
def removed_item(tenant):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=WEBHOOK)
    response = tenant.api.item_remove(ItemRemoveRequest(access_token=access_token))
    assert response.request_id
    return {"access_token": access_token, "item_id": item_id}


AFTER_REMOVE_CALLS = {
    **DATA_CALLS,
    "item_get": lambda api, token: api.item_get(ItemGetRequest(access_token=token)),
    "item_remove": lambda api, token: api.item_remove(ItemRemoveRequest(access_token=token)),
    "item_webhook_update": lambda api, token: api.item_webhook_update(
        ItemWebhookUpdateRequest(access_token=token, webhook=WEBHOOK)
    ),
    "item_access_token_invalidate": lambda api, token: api.item_access_token_invalidate(
        ItemAccessTokenInvalidateRequest(access_token=token)
    ),
    "sandbox_item_reset_login": lambda api, token: api.sandbox_item_reset_login(
        SandboxItemResetLoginRequest(access_token=token)
    ),
    "link_token_create_update_mode": lambda api, token: api.link_token_create(
        link_token_request(access_token=token)
    ),
}


@pytest.mark.parametrize("call", sorted(AFTER_REMOVE_CALLS))
def test_removed_item_is_not_found_everywhere(tenant, removed_item, plaid_error, call):
    plaid_error(
        AFTER_REMOVE_CALLS[call],
        tenant.api,
        removed_item["access_token"],
        error_type="ITEM_ERROR",
        error_code="ITEM_NOT_FOUND",
    )
