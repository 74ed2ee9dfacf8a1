"""Tartan's responses, checked against Plaid's own OpenAPI description.

Every implemented endpoint is driven over plain HTTP (no SDK, so nothing is
coerced or dropped on the way) with representative valid requests and a set of
error cases. Each success body is validated against the ``200`` schema of that
operation in Plaid's OpenAPI file, and each error body against the schema of
the operation's ``default`` response (Plaid's ``Error`` object).

The OpenAPI file is not part of this repository: it is read from
``../shared/plaid-openapi/2020-09-14.yml`` next to the repo root, and this
module is skipped when it is absent. OpenAPI 3.0 schema objects are converted
to JSON Schema (draft 4, whose boolean ``exclusiveMinimum`` matches OpenAPI
3.0): ``nullable: true`` admits ``null``, ``$ref`` stays resolvable against the
converted components, and ``allOf``/``oneOf``/``anyOf`` keep their JSON Schema
meaning. ``date`` and ``date-time`` formats are checked (RFC 3339 full-date and
date-time).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import pickle
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT4
from conftest import ERROR_FIELDS, Tenant

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT.parent / "shared" / "plaid-openapi" / "2020-09-14.yml"

if not SPEC_PATH.is_file():
    pytest.skip(f"Plaid OpenAPI spec not found at {SPEC_PATH}", allow_module_level=True)

SPEC_URI = "urn:plaid-openapi:2020-09-14"

IMPLEMENTED = (
    "/sandbox/public_token/create",
    "/sandbox/item/reset_login",
    "/item/public_token/exchange",
    "/item/get",
    "/item/remove",
    "/item/webhook/update",
    "/item/access_token/invalidate",
    "/accounts/get",
    "/accounts/balance/get",
    "/auth/get",
    "/identity/get",
    "/institutions/get",
    "/institutions/get_by_id",
    "/institutions/search",
    "/link/token/create",
    "/link/token/get",
    "/webhook_verification_key/get",
    "/transactions/sync",
    "/transactions/get",
    "/transactions/refresh",
    "/investments/holdings/get",
    "/investments/transactions/get",
    "/liabilities/get",
)

ACCESS_TOKEN_ENDPOINTS = (
    "/sandbox/item/reset_login",
    "/item/get",
    "/item/remove",
    "/item/webhook/update",
    "/item/access_token/invalidate",
    "/accounts/get",
    "/accounts/balance/get",
    "/auth/get",
    "/identity/get",
    "/investments/holdings/get",
    "/investments/transactions/get",
    "/liabilities/get",
)
# The other required fields of ACCESS_TOKEN_ENDPOINTS, so that a request is refused for its token.
REQUIRED_BODY = {
    "/investments/transactions/get": {"start_date": "2024-01-01", "end_date": "2027-01-01"},
}
DATA_ENDPOINTS = ("/item/get", "/accounts/get", "/accounts/balance/get", "/auth/get", "/identity/get")

FIRST_PLATYPUS = "ins_109508"
ITEM_PRODUCTS = ["auth", "identity", "transactions"]
# Not in ITEM_PRODUCTS: Houndstooth Bank (ins_109512), one of ITEM_INSTITUTIONS, lacks Investments.
INVESTMENTS_PRODUCTS = [*ITEM_PRODUCTS, "investments"]
# Likewise for Liabilities (Houndstooth Bank lacks it too).
LIABILITIES_PRODUCTS = [*ITEM_PRODUCTS, "liabilities"]
WEBHOOK = "http://127.0.0.1:9/tartan-conformance/openapi-webhook"
ALL_COUNTRIES = [
    "US", "GB", "ES", "NL", "FR", "IE", "CA", "DE", "IT", "PL",
    "DK", "NO", "SE", "EE", "LT", "LV", "PT", "BE", "AT", "FI",
]
# Institutions that can hold an Item (Unsupported Platypus Bank, ins_133402, cannot).
ITEM_INSTITUTIONS = {
    "ins_109508": "First Platypus Bank",
    "ins_109509": "First Gingham Credit Union",
    "ins_109510": "Tattersall Federal Credit Union",
    "ins_109511": "Tartan Bank",
    "ins_109512": "Houndstooth Bank",
    "ins_130016": "First Platypus Balance Bank",
    "ins_127287": "Platypus OAuth Bank",
    "ins_132241": "First Platypus OAuth App2App Bank",
    "ins_135858": "Windowpane Bank",
    "ins_132363": "Unhealthy Platypus Bank - Degraded",
    "ins_132361": "Unhealthy Platypus Bank - Down",
    "ins_43": "Tartan-Dominion Bank of Canada",
    "ins_117650": "Royal Bank of Plaid",
    "ins_116834": "Flexible Platypus Open Banking",
}
SANDBOX_USERS = (
    "user_good",
    "user_transactions_dynamic",
    "user_ewa_user",
    "user_yuppie",
    "user_small_business",
    "user_bank_income",
    "user_credit_bonus",
    "user_credit_joint_account",
    "user_credit_profile_poor",
    "user_credit_profile_good",
    "user_credit_profile_excellent",
    "user_custom",
)
# user_custom's password is its configuration: accounts of every kind the spec's schemas check.
CUSTOM_CONFIG = json.dumps({
    "override_accounts": [
        {"type": "depository", "subtype": "checking", "starting_balance": 120.5,
         "meta": {"name": "Custom Checking", "mask": "1234"},
         "numbers": {"account": "1234567890", "ach_routing": "322271627"},
         "identity": {"names": ["Custom Holder"],
                      "emails": [{"data": "holder@example.com", "primary": True, "type": "primary"}]},
         "transactions": [{"date_transacted": "2020-01-01", "date_posted": "2020-01-02",
                           "amount": 12.5, "description": "Custom Coffee"}]},
        {"type": "credit", "subtype": "credit card", "starting_balance": 300,
         "meta": {"limit": 1000, "mask": ""}},
        {"type": "loan", "subtype": "student", "has_null_available_balance": True},
    ],
})
ERROR_ENVELOPE = ERROR_FIELDS  # one list of the envelope's fields, in conftest.py


# --- loading the spec once ---------------------------------------------------------


def _load_spec() -> dict:
    """Parse the YAML once; later sessions reuse a pickle keyed by the file's sha256."""
    raw = SPEC_PATH.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    cache = Path(tempfile.gettempdir()) / f"tartan-plaid-openapi-{digest[:32]}.pickle"
    # Only a cache this user wrote and nobody else can rewrite is trusted (it is a pickle).
    if cache.is_file() and cache.stat().st_uid == os.getuid() and not cache.stat().st_mode & 0o022:
        try:
            with open(cache, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # a damaged cache is rebuilt below
            pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(raw, Loader=loader)
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        with open(partial, "wb") as handle:
            pickle.dump(spec, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache)
    except OSError:
        partial.unlink(missing_ok=True)
    return spec


# --- OpenAPI 3.0 schema objects -> JSON Schema (draft 4) -------------------------------

# Keywords of OpenAPI's schema object that JSON Schema lacks or that only annotate.
_OPENAPI_ONLY = {"nullable", "discriminator", "xml", "externalDocs", "example", "examples", "deprecated",
                 "readOnly", "writeOnly"}
# Keywords whose value is data, never a schema.
_LITERAL = {"enum", "default", "required", "type", "format", "pattern", "description", "title", "$ref"}
_SCHEMA_MAPS = {"properties", "patternProperties", "definitions"}


def to_json_schema(node):
    """Convert one OpenAPI 3.0 schema object (recursively) to JSON Schema draft 4."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key in _LITERAL:
            out[key] = value
        elif key in _SCHEMA_MAPS:
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        else:
            out[key] = to_json_schema(value)
    if node.get("nullable") is True:
        # anyOf rather than adding "null" to "type": an enum or an allOf/$ref
        # would still refuse null otherwise.
        return {"anyOf": [{"type": "null"}, out]}
    return out


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"
)


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date")
def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE.match(value)
    return bool(match) and _valid_day(*map(int, match.groups()))


@FORMATS.checks("date-time")
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = map(int, match.groups()[:6])
    offset_ok = match.group(9) is None or (int(match.group(9)) <= 23 and int(match.group(10)) <= 59)
    return _valid_day(year, month, day) and hour <= 23 and minute <= 59 and second <= 60 and offset_ok


def _describe(error: jsonschema.ValidationError, depth: int = 0) -> list[str]:
    """One line per failure, descending into anyOf/oneOf to name the real culprit."""
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    rule = "/".join(str(p) for p in error.absolute_schema_path)
    if error.context and depth < 4:
        # Skip the branch that only says "null was expected": it is the nullable wrapper.
        relevant = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        if relevant:
            lines = []
            for sub in sorted(relevant, key=lambda e: len(list(e.absolute_path)), reverse=True)[:3]:
                lines.extend(_describe(sub, depth + 1))
            return lines
    return [f"{where}: {error.message[:300]} (schema: {rule})"]


class OpenApi:
    def __init__(self, spec: dict):
        self.spec = spec
        root = {"components": {"schemas": to_json_schema(spec["components"]["schemas"])}}
        self.registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(root))
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    def response_schema(self, path: str, status: str) -> dict:
        operation = self.spec["paths"][path]["post"]
        return operation["responses"][status]["content"]["application/json"]["schema"]

    def _validator(self, schema: dict) -> jsonschema.Draft4Validator:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            converted = to_json_schema(schema)
            if "$ref" in converted:
                converted = {"$ref": SPEC_URI + converted["$ref"]}
            self._validators[key] = jsonschema.Draft4Validator(
                converted, registry=self.registry, format_checker=FORMATS
            )
        return self._validators[key]

    def violations(self, schema: dict, instance) -> list[str]:
        lines = []
        for error in self._validator(schema).iter_errors(instance):
            lines.extend(_describe(error))
        return sorted(set(lines))


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi(_load_spec())


# --- plain HTTP ------------------------------------------------------------------------


class Http:
    def __init__(self, tenant):
        self.base_url = tenant.server.base_url
        self.client_id = tenant.client_id
        self.secret = tenant.secret

    def send(self, method: str, path: str, body=None, *, raw: bytes | None = None,
             content_type: str = "application/json", credentials: bool = True):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if credentials:
            request.add_header("PLAID-CLIENT-ID", self.client_id)
            request.add_header("PLAID-SECRET", self.secret)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            status, headers, payload = exc.code, exc.headers, exc.read()
        content_type_back = headers.get("Content-Type", "")
        assert content_type_back.split(";")[0].strip() == "application/json", (
            f"{method} {path} answered {status} with Content-Type {content_type_back!r}: {payload[:300]!r}"
        )
        return status, json.loads(payload)

    def post(self, path: str, body=None, **kwargs):
        return self.send("POST", path, body, **kwargs)


@pytest.fixture(scope="module")
def http(tenant) -> Http:
    return Http(tenant)


def expect_ok(openapi: OpenApi, http: Http, path: str, body: dict) -> dict:
    """POST a valid request; it must answer 200 with a body valid under the operation's 200 schema."""
    status, payload = http.post(path, body)
    assert status == 200, f"{path} answered {status}: {payload}"
    problems = openapi.violations(openapi.response_schema(path, "200"), payload)
    assert not problems, f"{path} 200 body breaks the spec:\n  " + "\n  ".join(problems)
    return payload


def check_error(openapi: OpenApi, path: str, status: int, payload, *, expected_status: int = 400,
                error_type: str | None = None, error_code: str | None = None) -> dict:
    """An error answer: status, Plaid's envelope, and the operation's `default` (Error) schema."""
    assert status == expected_status, f"{path} answered {status}, expected {expected_status}: {payload}"
    schema = (
        openapi.response_schema(path, "default")
        if path in openapi.spec["paths"] and "post" in openapi.spec["paths"][path]
        else {"$ref": "#/components/schemas/PlaidError"}
    )
    problems = openapi.violations(schema, payload)
    assert not problems, f"{path} error body breaks the spec:\n  " + "\n  ".join(problems)
    missing = [field for field in ERROR_ENVELOPE if field not in payload]
    assert not missing, f"{path} error body lacks {missing}: {payload}"
    assert payload["status"] == status, payload
    if error_type is not None:
        assert (payload["error_type"], payload["error_code"]) == (error_type, error_code), payload
    return payload


def expect_error(openapi: OpenApi, http: Http, path: str, body=None, *, expected_status: int = 400,
                 error_type: str | None = None, error_code: str | None = None, **send) -> dict:
    status, payload = http.post(path, body, **send)
    return check_error(openapi, path, status, payload, expected_status=expected_status,
                       error_type=error_type, error_code=error_code)


# --- Items -----------------------------------------------------------------------------


def public_token(http: Http, institution_id: str = FIRST_PLATYPUS, products=ITEM_PRODUCTS, **options) -> str:
    body = {"institution_id": institution_id, "initial_products": list(products)}
    if options:
        body["options"] = options
    status, payload = http.post("/sandbox/public_token/create", body)
    assert status == 200, payload
    return payload["public_token"]


def new_item(http: Http, institution_id: str = FIRST_PLATYPUS, products=ITEM_PRODUCTS, **options) -> str:
    status, payload = http.post(
        "/item/public_token/exchange", {"public_token": public_token(http, institution_id, products, **options)}
    )
    assert status == 200, payload
    return payload["access_token"]


@pytest.fixture(scope="module")
def items(http):
    """Read-only Items, created on first use: items(institution_id, username) -> access_token."""
    cache: dict[tuple[str, str], str] = {}

    def get(institution_id: str = FIRST_PLATYPUS, username: str = "user_good") -> str:
        key = (institution_id, username)
        if key not in cache:
            # Some banks break the login of new Items on early bank contact (Tartan's simulation
            # of Plaid's support article); these read-only Items must stay healthy.
            status, _ = http.post("/tartan/institutions/settings",
                                  {"institution_id": institution_id, "login_risk": None})
            assert status == 200
            password = {"user_good": "pass_good", "user_custom": CUSTOM_CONFIG}.get(username, "any-password")
            cache[key] = new_item(
                http, institution_id, ITEM_PRODUCTS, webhook=WEBHOOK,
                override_username=username, override_password=password,
            )
        return cache[key]

    return get


def account_ids(http: Http, access_token: str) -> list[str]:
    status, payload = http.post("/accounts/get", {"access_token": access_token})
    assert status == 200, payload
    return [account["account_id"] for account in payload["accounts"]]


def test_every_implemented_operation_is_in_the_spec(openapi):
    for path in IMPLEMENTED:
        operation = openapi.spec["paths"][path]["post"]
        assert "200" in operation["responses"] and "default" in operation["responses"], path


# --- /sandbox/public_token/create and /item/public_token/exchange --------------------------


SANDBOX_CREATE_BODIES = {
    "minimal": {"institution_id": FIRST_PLATYPUS, "initial_products": ["auth"]},
    "webhook_and_credentials": {
        "institution_id": FIRST_PLATYPUS,
        "initial_products": ["auth", "identity", "transactions"],
        "options": {"webhook": WEBHOOK, "override_username": "user_good", "override_password": "pass_good"},
    },
    "mfa_password": {
        "institution_id": FIRST_PLATYPUS,
        "initial_products": ["transactions"],
        "options": {"override_username": "user_good", "override_password": "mfa_device"},
    },
    "oauth_institution": {"institution_id": "ins_127287", "initial_products": ["auth"]},
    "canadian_institution": {"institution_id": "ins_43", "initial_products": ["auth"]},
    "uk_institution": {"institution_id": "ins_117650", "initial_products": ["auth", "identity"]},
    "eu_institution": {"institution_id": "ins_116834", "initial_products": ["transactions"]},
    "credentials_in_body": None,  # filled in by the test with the tenant's credentials
}


@pytest.mark.parametrize("case", sorted(SANDBOX_CREATE_BODIES))
def test_sandbox_public_token_create(openapi, http, case):
    body = SANDBOX_CREATE_BODIES[case]
    if body is None:
        body = {"client_id": http.client_id, "secret": http.secret,
                "institution_id": FIRST_PLATYPUS, "initial_products": ["identity"]}
    expect_ok(openapi, http, "/sandbox/public_token/create", body)


def test_item_public_token_exchange(openapi, http):
    expect_ok(openapi, http, "/item/public_token/exchange", {"public_token": public_token(http)})


# --- Item and data endpoints across institutions and Sandbox users -------------------------


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
@pytest.mark.parametrize("institution_id", sorted(ITEM_INSTITUTIONS))
def test_data_endpoints_at_each_institution(openapi, http, items, institution_id, path):
    expect_ok(openapi, http, path, {"access_token": items(institution_id)})


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
@pytest.mark.parametrize("username", SANDBOX_USERS)
def test_data_endpoints_for_each_sandbox_user(openapi, http, items, username, path):
    expect_ok(openapi, http, path, {"access_token": items(FIRST_PLATYPUS, username)})


@pytest.mark.parametrize("path", ["/accounts/get", "/accounts/balance/get", "/auth/get", "/identity/get"])
def test_data_endpoints_filtered_by_account_ids(openapi, http, items, path):
    token = items()
    ids = account_ids(http, token)
    payload = expect_ok(openapi, http, path, {"access_token": token, "options": {"account_ids": ids[:2]}})
    assert {a["account_id"] for a in payload["accounts"]} <= set(ids[:2])


def test_balance_get_with_min_last_updated_datetime(openapi, http, items):
    expect_ok(openapi, http, "/accounts/balance/get", {
        "access_token": items(),
        "options": {"min_last_updated_datetime": "2000-01-01T00:00:00Z"},
    })


def test_item_get_with_credentials_in_the_body(openapi, http, items):
    expect_ok(openapi, http, "/item/get",
              {"client_id": http.client_id, "secret": http.secret, "access_token": items()})


# --- state-changing Item endpoints -------------------------------------------------------


@pytest.mark.parametrize("webhook", [WEBHOOK + "/other", None], ids=["url", "null"])
def test_item_webhook_update(openapi, http, webhook):
    token = new_item(http, webhook=WEBHOOK)
    payload = expect_ok(openapi, http, "/item/webhook/update", {"access_token": token, "webhook": webhook})
    assert payload["item"]["webhook"] == webhook


def test_item_access_token_invalidate(openapi, http):
    token = new_item(http)
    payload = expect_ok(openapi, http, "/item/access_token/invalidate", {"access_token": token})
    expect_ok(openapi, http, "/item/get", {"access_token": payload["new_access_token"]})


@pytest.mark.parametrize("extra", [{}, {"reason_code": "FRAUD_FIRST_PARTY", "reason_note": "conformance"}],
                         ids=["plain", "with_reason"])
def test_item_remove(openapi, http, extra):
    expect_ok(openapi, http, "/item/remove", {"access_token": new_item(http), **extra})


@pytest.fixture(scope="module")
def login_required_token(openapi, http):
    token = new_item(http, webhook=WEBHOOK)
    payload = expect_ok(openapi, http, "/sandbox/item/reset_login", {"access_token": token})
    assert payload["reset_login"] is True
    return token


def test_item_get_reports_the_login_required_error(openapi, http, login_required_token):
    # Item.error is itself a nullable Error object: validated by the 200 schema.
    payload = expect_ok(openapi, http, "/item/get", {"access_token": login_required_token})
    assert payload["item"]["error"]["error_code"] == "ITEM_LOGIN_REQUIRED"


@pytest.mark.parametrize("path", ["/accounts/get", "/accounts/balance/get", "/auth/get", "/identity/get"])
def test_data_endpoints_answer_item_login_required(openapi, http, login_required_token, path):
    expect_error(openapi, http, path, {"access_token": login_required_token},
                 error_type="ITEM_ERROR", error_code="ITEM_LOGIN_REQUIRED")


@pytest.fixture(scope="module")
def removed_token(http):
    # With Investments and Liabilities too, so that every endpoint of ACCESS_TOKEN_ENDPOINTS could answer it.
    token = new_item(http, FIRST_PLATYPUS, [*INVESTMENTS_PRODUCTS, "liabilities"])
    status, payload = http.post("/item/remove", {"access_token": token})
    assert status == 200, payload
    return token


@pytest.mark.parametrize("path", ACCESS_TOKEN_ENDPOINTS)
def test_removed_item_answers_item_not_found(openapi, http, removed_token, path):
    body = {"access_token": removed_token, **REQUIRED_BODY.get(path, {})}
    if path == "/item/webhook/update":
        body["webhook"] = WEBHOOK
    expect_error(openapi, http, path, body, error_type="ITEM_ERROR", error_code="ITEM_NOT_FOUND")


@pytest.mark.parametrize("path", ACCESS_TOKEN_ENDPOINTS)
def test_unknown_access_token_is_invalid(openapi, http, path):
    body = {"access_token": "access-sandbox-00000000-0000-0000-0000-000000000000", **REQUIRED_BODY.get(path, {})}
    if path == "/item/webhook/update":
        body["webhook"] = WEBHOOK
    expect_error(openapi, http, path, body, error_type="INVALID_INPUT", error_code="INVALID_ACCESS_TOKEN")


# --- institutions ----------------------------------------------------------------------


INSTITUTIONS_GET_OPTIONS = {
    "none": None,
    "all_metadata": {"include_optional_metadata": True, "include_auth_metadata": True,
                     "include_payment_initiation_metadata": True},
    "products": {"products": ["auth", "identity"]},
    "routing_numbers": {"routing_numbers": ["110000000"]},
    "oauth": {"oauth": True},
    "not_oauth": {"oauth": False},
}


@pytest.mark.parametrize("options", sorted(INSTITUTIONS_GET_OPTIONS))
def test_institutions_get(openapi, http, options):
    body = {"count": 500, "offset": 0, "country_codes": ALL_COUNTRIES}
    if INSTITUTIONS_GET_OPTIONS[options] is not None:
        body["options"] = INSTITUTIONS_GET_OPTIONS[options]
    expect_ok(openapi, http, "/institutions/get", body)


@pytest.mark.parametrize("country", ALL_COUNTRIES)
def test_institutions_get_by_country(openapi, http, country):
    expect_ok(openapi, http, "/institutions/get",
              {"count": 10, "offset": 0, "country_codes": [country],
               "options": {"include_optional_metadata": True}})


def test_institutions_get_past_the_end(openapi, http):
    payload = expect_ok(openapi, http, "/institutions/get", {"count": 5, "offset": 10_000, "country_codes": ["US"]})
    assert payload["institutions"] == []


def _all_institutions(http: Http) -> list[dict]:
    status, payload = http.post("/institutions/get", {"count": 500, "offset": 0, "country_codes": ALL_COUNTRIES})
    assert status == 200, payload
    return payload["institutions"]


@pytest.mark.parametrize("flags", ["none", "all"])
def test_institutions_get_by_id_for_every_institution(openapi, http, flags):
    institutions = _all_institutions(http)
    assert institutions
    failures = []
    for institution in institutions:
        body = {"institution_id": institution["institution_id"], "country_codes": institution["country_codes"]}
        if flags == "all":
            body["options"] = {"include_optional_metadata": True, "include_status": True,
                               "include_auth_metadata": True, "include_payment_initiation_metadata": True}
        status, payload = http.post("/institutions/get_by_id", body)
        if status != 200:
            failures.append(f"{institution['institution_id']}: HTTP {status} {payload}")
            continue
        problems = openapi.violations(openapi.response_schema("/institutions/get_by_id", "200"), payload)
        failures.extend(f"{institution['institution_id']}: {p}" for p in problems)
    assert not failures, "/institutions/get_by_id breaks the spec:\n  " + "\n  ".join(failures)


INSTITUTIONS_SEARCH_BODIES = {
    "name": {"query": "Platypus", "country_codes": ["US"]},
    "products": {"query": "Bank", "products": ["auth"], "country_codes": ["US", "CA"]},
    "metadata": {"query": "Platypus", "country_codes": ALL_COUNTRIES,
                 "options": {"include_optional_metadata": True, "include_auth_metadata": True,
                             "include_payment_initiation_metadata": True}},
    "oauth": {"query": "Plaid", "country_codes": ["GB"], "options": {"oauth": True}},
    "no_match": {"query": "zzzz-no-such-bank", "country_codes": ["US"]},
}


@pytest.mark.parametrize("case", sorted(INSTITUTIONS_SEARCH_BODIES))
def test_institutions_search(openapi, http, case):
    expect_ok(openapi, http, "/institutions/search", INSTITUTIONS_SEARCH_BODIES[case])


def test_unknown_institution_is_invalid(openapi, http):
    expect_error(openapi, http, "/institutions/get_by_id",
                 {"institution_id": "ins_does_not_exist", "country_codes": ["US"]},
                 error_type="INVALID_INPUT", error_code="INVALID_INSTITUTION")
    expect_error(openapi, http, "/sandbox/public_token/create",
                 {"institution_id": "ins_does_not_exist", "initial_products": ["auth"]},
                 error_type="INVALID_INPUT", error_code="INVALID_INSTITUTION")


# --- Link tokens -------------------------------------------------------------------------


def link_request(**extra) -> dict:
    body = {
        "client_name": "Tartan conformance",
        "language": "en",
        "country_codes": ["US"],
        "user": {"client_user_id": "conformance-user"},
        "products": ["auth"],
    }
    body.update(extra)
    return body


LINK_CREATE_BODIES = {
    "minimal": link_request(),
    "configured": link_request(
        products=["auth", "identity"],
        webhook=WEBHOOK,
        redirect_uri="https://example.com/oauth-return",
        additional_consented_products=["transactions"],
        account_filters={"depository": {"account_subtypes": ["checking", "savings"]}},
        user={"client_user_id": "conformance-user", "email_address": "user@example.com",
              "phone_number": "+14155550123"},
    ),
    "european": link_request(country_codes=["GB", "FR"], language="fr", products=["transactions"]),
}


@pytest.mark.parametrize("case", sorted(LINK_CREATE_BODIES))
def test_link_token_create_and_get(openapi, http, case):
    created = expect_ok(openapi, http, "/link/token/create", LINK_CREATE_BODIES[case])
    expect_ok(openapi, http, "/link/token/get", {"link_token": created["link_token"]})


def test_update_mode_link_token_create_and_get(openapi, http, items):
    body = link_request(access_token=items(), update={"account_selection_enabled": True})
    del body["products"]
    created = expect_ok(openapi, http, "/link/token/create", body)
    expect_ok(openapi, http, "/link/token/get", {"link_token": created["link_token"]})


def test_link_token_create_rejects_balance_as_a_product(openapi, http):
    expect_error(openapi, http, "/link/token/create", link_request(products=["balance"]),
                 error_type="INVALID_INPUT", error_code="INVALID_PRODUCT")


def test_unknown_link_token_is_invalid(openapi, http):
    expect_error(openapi, http, "/link/token/get",
                 {"link_token": "link-sandbox-00000000-0000-0000-0000-000000000000"},
                 error_type="INVALID_INPUT", error_code="INVALID_LINK_TOKEN")


# --- webhook verification key ---------------------------------------------------------------


def test_webhook_verification_key_get(openapi, http, tenant):
    payload = expect_ok(openapi, http, "/webhook_verification_key/get", {"key_id": tenant.webhook_kid()})
    assert payload["key"]["kid"] == tenant.webhook_kid()


def test_unknown_webhook_verification_key_is_invalid(openapi, http):
    expect_error(openapi, http, "/webhook_verification_key/get", {"key_id": "no-such-key"},
                 error_type="INVALID_INPUT", error_code="INVALID_WEBHOOK_VERIFICATION_KEY_ID")


# --- Item creation and token errors ---------------------------------------------------------


def test_used_public_token_is_invalid(openapi, http):
    token = public_token(http)
    status, payload = http.post("/item/public_token/exchange", {"public_token": token})
    assert status == 200, payload
    expect_error(openapi, http, "/item/public_token/exchange", {"public_token": token},
                 error_type="INVALID_INPUT", error_code="INVALID_PUBLIC_TOKEN")


@pytest.mark.parametrize(
    "body, error_type, error_code",
    [
        ({"institution_id": "ins_109512", "initial_products": ["investments"]},
         "ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED"),
        ({"institution_id": FIRST_PLATYPUS, "initial_products": ["auth"],
          "options": {"override_username": "user_good", "override_password": "not_the_password"}},
         "ITEM_ERROR", "INVALID_CREDENTIALS"),
        ({"institution_id": FIRST_PLATYPUS, "initial_products": ["auth"],
          "options": {"override_username": "user_good", "override_password": "error_ITEM_LOCKED"}},
         "ITEM_ERROR", "ITEM_LOCKED"),
        ({"institution_id": "ins_133402", "initial_products": ["auth"]},
         "INSTITUTION_ERROR", "INSTITUTION_NO_LONGER_SUPPORTED"),
    ],
    ids=["products_not_supported", "invalid_credentials", "item_locked", "institution_not_supported"],
)
def test_sandbox_item_creation_errors(openapi, http, body, error_type, error_code):
    expect_error(openapi, http, "/sandbox/public_token/create", body,
                 error_type=error_type, error_code=error_code)


def test_unknown_account_id_is_invalid(openapi, http, items):
    expect_error(openapi, http, "/accounts/get",
                 {"access_token": items(), "options": {"account_ids": ["no-such-account"]}},
                 error_type="INVALID_INPUT", error_code="INVALID_ACCOUNT_ID")


# --- Transactions -------------------------------------------------------------------------------
# A tenant of their own, its clock frozen and moved by these cases only (readiness 10 s / 60 s
# after creation, background updates on the clock), so the module's other Items are untouched.


@pytest.fixture(scope="module")
def txn_tenant(tartan):
    t = Tenant(tartan, "openapi_transactions")
    status, _ = Http(t).post("/tartan/clock/freeze", {})
    assert status == 200
    yield t
    t.api_client.close()


@pytest.fixture(scope="module")
def txn_http(txn_tenant) -> Http:
    return Http(txn_tenant)


@pytest.fixture(scope="module")
def txn_item(txn_tenant, txn_http):
    """A ready Item (whole history) and its first full sync."""
    token = new_item(txn_http, FIRST_PLATYPUS, ["auth", "transactions"], webhook=WEBHOOK)
    txn_tenant.advance(61)
    status, payload = txn_http.post("/transactions/sync", {"access_token": token, "count": 500})
    assert status == 200 and payload["has_more"] is False, payload
    return {"token": token, "cursor": payload["next_cursor"], "added": payload["added"]}


def sync_until_done(openapi, http, body) -> list[dict]:
    pages = []
    while True:
        page = expect_ok(openapi, http, "/transactions/sync", body)
        pages.append(page)
        if not page["has_more"]:
            return pages
        body = {**body, "cursor": page["next_cursor"]}


def test_transactions_sync_at_each_stage(openapi, txn_tenant, txn_http):
    token = new_item(txn_http, FIRST_PLATYPUS, ["transactions"])
    not_ready = expect_ok(openapi, txn_http, "/transactions/sync", {"access_token": token})
    assert not_ready["transactions_update_status"] == "NOT_READY" and not_ready["next_cursor"] == ""
    txn_tenant.advance(10)
    initial = expect_ok(openapi, txn_http, "/transactions/sync", {"access_token": token, "count": 500})
    assert initial["transactions_update_status"] == "INITIAL_UPDATE_COMPLETE" and initial["added"]
    txn_tenant.advance(50)
    historical = expect_ok(openapi, txn_http, "/transactions/sync",
                           {"access_token": token, "cursor": initial["next_cursor"], "count": 500})
    assert historical["transactions_update_status"] == "HISTORICAL_UPDATE_COMPLETE" and historical["added"]


TRANSACTIONS_SYNC_OPTIONS = {
    "none": None,
    "original_description": {"include_original_description": True},
    "pfc_v1": {"personal_finance_category_version": "v1"},
    "pfc_v2": {"personal_finance_category_version": "v2"},
    "legacy_flags": {"include_personal_finance_category": True, "include_logo_and_counterparty_beta": True},
    "days_requested": {"days_requested": 200},
}


@pytest.mark.parametrize("options", sorted(TRANSACTIONS_SYNC_OPTIONS))
def test_transactions_sync_options(openapi, txn_http, txn_item, options):
    body = {"access_token": txn_item["token"], "count": 500}
    if TRANSACTIONS_SYNC_OPTIONS[options] is not None:
        body["options"] = TRANSACTIONS_SYNC_OPTIONS[options]
    payload = expect_ok(openapi, txn_http, "/transactions/sync", body)
    assert payload["added"]


def test_transactions_sync_small_pages_and_final_cursor(openapi, txn_http, txn_item):
    pages = sync_until_done(openapi, txn_http, {"access_token": txn_item["token"], "count": 50})
    assert len(pages) > 1
    tail = expect_ok(openapi, txn_http, "/transactions/sync",
                     {"access_token": txn_item["token"], "cursor": pages[-1]["next_cursor"]})
    assert tail["added"] == [] and tail["has_more"] is False


def test_transactions_sync_account_stream(openapi, txn_http, txn_item):
    account_id = txn_item["added"][0]["account_id"]
    pages = sync_until_done(openapi, txn_http, {"access_token": txn_item["token"], "count": 20,
                                               "options": {"account_id": account_id}})
    assert {t["account_id"] for p in pages for t in p["added"]} == {account_id}


def test_transactions_sync_after_updates_and_refresh(openapi, txn_tenant, txn_http, txn_item):
    """Deltas with removed (pending -> posted) and modified entries, then /transactions/refresh."""
    txn_tenant.advance(3 * 24 * 3600)
    pages = sync_until_done(openapi, txn_http, {"access_token": txn_item["token"], "cursor": txn_item["cursor"],
                                               "count": 5})
    assert any(p["added"] or p["removed"] or p["modified"] for p in pages)
    expect_ok(openapi, txn_http, "/transactions/refresh", {"access_token": txn_item["token"]})


TRANSACTIONS_GET_OPTIONS = {
    "none": None,
    "paged": {"count": 25, "offset": 25},
    "past_the_end": {"count": 10, "offset": 100_000},
    "original_description": {"include_original_description": True, "count": 500},
    "pfc_v1": {"personal_finance_category_version": "v1"},
    "legacy_flags": {"include_personal_finance_category_beta": True, "include_personal_finance_category": True,
                     "include_logo_and_counterparty_beta": True},
}


@pytest.mark.parametrize("options", sorted(TRANSACTIONS_GET_OPTIONS))
def test_transactions_get(openapi, txn_http, txn_item, options):
    body = {"access_token": txn_item["token"], "start_date": "2000-01-01", "end_date": "2100-01-01"}
    if TRANSACTIONS_GET_OPTIONS[options] is not None:
        body["options"] = TRANSACTIONS_GET_OPTIONS[options]
    payload = expect_ok(openapi, txn_http, "/transactions/get", body)
    assert payload["total_transactions"] > 0


def test_transactions_get_by_account(openapi, txn_http, txn_item):
    account_id = txn_item["added"][0]["account_id"]
    payload = expect_ok(openapi, txn_http, "/transactions/get", {
        "access_token": txn_item["token"], "start_date": "2000-01-01", "end_date": "2100-01-01",
        "options": {"account_ids": [account_id]},
    })
    assert {t["account_id"] for t in payload["transactions"]} == {account_id}


def test_categories_get(openapi, txn_http):
    payload = expect_ok(openapi, txn_http, "/categories/get", {})
    assert payload["categories"]


def test_transactions_errors(openapi, txn_tenant, txn_http, txn_item):
    fresh = new_item(txn_http, FIRST_PLATYPUS, ["transactions"])
    expect_error(openapi, txn_http, "/transactions/get",
                 {"access_token": fresh, "start_date": "2000-01-01", "end_date": "2100-01-01"},
                 error_type="ITEM_ERROR", error_code="PRODUCT_NOT_READY")
    token = txn_item["token"]
    for body, error_type, error_code in [
        ({"access_token": token, "count": 0}, "INVALID_REQUEST", "INVALID_FIELD"),
        ({"access_token": token, "count": 501}, "INVALID_REQUEST", "INVALID_FIELD"),
        ({"access_token": token, "cursor": "not-a-cursor!"}, "INVALID_REQUEST", "INVALID_FIELD"),
        ({"access_token": token, "options": {"account_id": "no-such-account"}}, "INVALID_INPUT", "INVALID_ACCOUNT_ID"),
    ]:
        expect_error(openapi, txn_http, "/transactions/sync", body, error_type=error_type, error_code=error_code)
    for body, error_type, error_code in [
        ({"access_token": token, "start_date": "2026-02-02", "end_date": "2026-02-01"},
         "INVALID_REQUEST", "INVALID_FIELD"),
        ({"access_token": token, "start_date": "2000-01-01", "end_date": "2100-01-01",
          "options": {"account_ids": ["no-such-account"]}}, "INVALID_INPUT", "INVALID_ACCOUNT_ID"),
        ({"access_token": token, "start_date": "2000-01-01", "end_date": "2100-01-01",
          "options": {"count": 501}}, "INVALID_REQUEST", "INVALID_FIELD"),
    ]:
        expect_error(openapi, txn_http, "/transactions/get", body, error_type=error_type, error_code=error_code)

    # A page fetched, then an update that changes the copy: the next page is refused.
    first = expect_ok(openapi, txn_http, "/transactions/sync", {"access_token": token, "count": 1})
    assert first["has_more"] is True
    txn_tenant.advance(2 * 24 * 3600)
    expect_error(openapi, txn_http, "/transactions/sync",
                 {"access_token": token, "cursor": first["next_cursor"], "count": 1},
                 error_type="TRANSACTIONS_ERROR", error_code="TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")


# --- Investments -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def investments_token(http):
    """A user_good Item at First Platypus with Investments (and the module's usual products)."""
    return new_item(http, FIRST_PLATYPUS, INVESTMENTS_PRODUCTS, webhook=WEBHOOK)


def test_investments_holdings_get(openapi, http, investments_token):
    payload = expect_ok(openapi, http, "/investments/holdings/get", {"access_token": investments_token})
    assert {a["mask"] for a in payload["accounts"]} == {"5555", "6666"}
    assert payload["holdings"] and payload["securities"]
    assert {h["security_id"] for h in payload["holdings"]} == {s["security_id"] for s in payload["securities"]}


def test_investments_auth_get(openapi, http, investments_token):
    payload = expect_ok(openapi, http, "/investments/auth/get", {"access_token": investments_token})
    assert {a["mask"] for a in payload["accounts"]} == {"5555", "6666"}
    assert {n["account_id"] for n in payload["numbers"]["acats"]} == {a["account_id"] for a in payload["accounts"]}
    assert payload["owners"] and payload["holdings"] and payload["securities"]


def test_investments_holdings_get_for_investments_only_item(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, ["investments"])
    payload = expect_ok(openapi, http, "/investments/holdings/get", {"access_token": token})
    assert {a["type"] for a in payload["accounts"]} == {"investment"}


def test_investments_holdings_get_filtered_by_account_ids(openapi, http, investments_token):
    ids = {a["mask"]: a["account_id"] for a in
           expect_ok(openapi, http, "/investments/holdings/get", {"access_token": investments_token})["accounts"]}
    payload = expect_ok(openapi, http, "/investments/holdings/get",
                        {"access_token": investments_token, "options": {"account_ids": [ids["6666"]]}})
    assert [a["account_id"] for a in payload["accounts"]] == [ids["6666"]]
    assert {h["account_id"] for h in payload["holdings"]} == {ids["6666"]}


def test_investments_holdings_get_errors(openapi, http, investments_token):
    checking = [a["account_id"] for a in
                http.post("/accounts/get", {"access_token": investments_token})[1]["accounts"]
                if a["mask"] == "0000"]
    assert len(checking) == 1
    body = expect_error(openapi, http, "/investments/holdings/get",
                        {"access_token": investments_token, "options": {"account_ids": checking}},
                        error_type="ITEM_ERROR", error_code="NO_INVESTMENT_ACCOUNTS")
    assert body["error_message"].startswith(
        "There are no valid investment account(s) associated with this Item."), body
    expect_error(openapi, http, "/investments/holdings/get",
                 {"access_token": investments_token, "options": {"account_ids": ["no-such-account"]}},
                 error_type="INVALID_INPUT", error_code="INVALID_ACCOUNT_ID")


def test_investments_holdings_get_answers_item_login_required(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, INVESTMENTS_PRODUCTS)
    expect_ok(openapi, http, "/sandbox/item/reset_login", {"access_token": token})
    expect_error(openapi, http, "/investments/holdings/get", {"access_token": token},
                 error_type="ITEM_ERROR", error_code="ITEM_LOGIN_REQUIRED")


def test_investments_transactions_get(openapi, http, investments_token):
    body = {"access_token": investments_token, "start_date": "2000-01-01", "end_date": "2100-01-01",
            "options": {"count": 500}}
    payload = expect_ok(openapi, http, "/investments/transactions/get", body)
    assert {a["mask"] for a in payload["accounts"]} == {"5555", "6666"}
    txns = payload["investment_transactions"]
    assert txns and payload["total_investment_transactions"] == len(txns)
    assert {t["security_id"] for t in txns if t["security_id"] is not None} == \
        {s["security_id"] for s in payload["securities"]}
    assert {(t["type"], t["subtype"]) for t in txns} >= {
        ("buy", "buy"), ("sell", "sell"), ("cash", "contribution"), ("cash", "dividend"), ("fee", "management fee")}


def test_investments_transactions_get_pages_and_ranges(openapi, http, investments_token):
    whole = expect_ok(openapi, http, "/investments/transactions/get",
                      {"access_token": investments_token, "start_date": "2000-01-01", "end_date": "2100-01-01",
                       "options": {"count": 500}})["investment_transactions"]
    for body in [
        {"start_date": "2000-01-01", "end_date": "2100-01-01", "options": {"count": 3, "offset": 5}},
        {"start_date": "2000-01-01", "end_date": "2100-01-01", "options": {"count": 10, "offset": 10_000}},
        {"start_date": "2026-01-01", "end_date": "2026-06-30"},
        {"start_date": "2100-01-01", "end_date": "2100-01-01"},
    ]:
        payload = expect_ok(openapi, http, "/investments/transactions/get", {"access_token": investments_token, **body})
        in_range = [t for t in whole if body["start_date"] <= t["date"] <= body["end_date"]]
        options = body.get("options", {})
        offset, count = options.get("offset", 0), options.get("count", 100)
        assert payload["investment_transactions"] == in_range[offset:offset + count], body
        assert payload["total_investment_transactions"] == len(in_range), body


def test_investments_transactions_get_for_investments_only_item(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, ["investments"])
    ids = {a["mask"]: a["account_id"] for a in
           expect_ok(openapi, http, "/investments/transactions/get",
                     {"access_token": token, "start_date": "2000-01-01", "end_date": "2100-01-01"})["accounts"]}
    assert set(ids) == {"5555", "6666"}
    payload = expect_ok(openapi, http, "/investments/transactions/get",
                        {"access_token": token, "start_date": "2000-01-01", "end_date": "2100-01-01",
                         "options": {"account_ids": [ids["5555"]], "async_update": False}})
    assert [a["account_id"] for a in payload["accounts"]] == [ids["5555"]]
    assert {t["account_id"] for t in payload["investment_transactions"]} == {ids["5555"]}


def test_investments_transactions_get_errors(openapi, http, investments_token):
    path = "/investments/transactions/get"
    token = investments_token
    checking = [a["account_id"] for a in http.post("/accounts/get", {"access_token": token})[1]["accounts"]
                if a["mask"] == "0000"]
    assert len(checking) == 1
    for body, error_type, error_code, named in [
        ({"start_date": "2027-03-10", "end_date": "2027-03-01"}, "INVALID_REQUEST", "INVALID_FIELD", "start_date"),
        ({"start_date": "2027/03/01", "end_date": "2027-03-10"}, "INVALID_REQUEST", "INVALID_FIELD", "start_date"),
        ({"start_date": "2027-03-01", "end_date": "March 1"}, "INVALID_REQUEST", "INVALID_FIELD", "end_date"),
        ({"start_date": "2027-03-01", "end_date": "2027-03-10", "options": {"count": 0}},
         "INVALID_REQUEST", "INVALID_FIELD", "options.count"),
        ({"start_date": "2027-03-01", "end_date": "2027-03-10", "options": {"count": 501}},
         "INVALID_REQUEST", "INVALID_FIELD", "options.count"),
        ({"start_date": "2027-03-01", "end_date": "2027-03-10", "options": {"offset": -1}},
         "INVALID_REQUEST", "INVALID_FIELD", "options.offset"),
        ({"end_date": "2027-03-10"}, "INVALID_REQUEST", "MISSING_FIELDS", "start_date"),
        ({"start_date": "2027-03-01", "end_date": "2027-03-10", "options": {"account_ids": checking}},
         "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS", None),
        ({"start_date": "2027-03-01", "end_date": "2027-03-10", "options": {"account_ids": ["no-such-account"]}},
         "INVALID_INPUT", "INVALID_ACCOUNT_ID", None),
    ]:
        payload = expect_error(openapi, http, path, {"access_token": token, **body},
                               error_type=error_type, error_code=error_code)
        if named is not None:
            assert named in payload["error_message"], (body, payload["error_message"])


def test_investments_transactions_get_answers_item_login_required(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, INVESTMENTS_PRODUCTS)
    expect_ok(openapi, http, "/sandbox/item/reset_login", {"access_token": token})
    expect_error(openapi, http, "/investments/transactions/get",
                 {"access_token": token, "start_date": "2024-01-01", "end_date": "2027-01-01"},
                 error_type="ITEM_ERROR", error_code="ITEM_LOGIN_REQUIRED")


# --- Liabilities -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def liabilities_token(http):
    """A user_good Item at First Platypus with Liabilities (and the module's usual products)."""
    return new_item(http, FIRST_PLATYPUS, LIABILITIES_PRODUCTS, webhook=WEBHOOK)


def test_liabilities_get(openapi, http, liabilities_token):
    payload = expect_ok(openapi, http, "/liabilities/get", {"access_token": liabilities_token})
    masks = {a["account_id"]: a["mask"] for a in payload["accounts"]}
    assert set(masks.values()) == set(
        a["mask"] for a in http.post("/accounts/get", {"access_token": liabilities_token})[1]["accounts"])
    liabilities = payload["liabilities"]
    assert sorted(masks[c["account_id"]] for c in liabilities["credit"]) == ["3333", "9999"]
    assert [masks[s["account_id"]] for s in liabilities["student"]] == ["7777"]
    assert [masks[m["account_id"]] for m in liabilities["mortgage"]] == ["8888"]


def test_liabilities_get_for_liabilities_only_item(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, ["liabilities"])
    payload = expect_ok(openapi, http, "/liabilities/get", {"access_token": token})
    assert payload["liabilities"]["credit"] and payload["liabilities"]["student"] and payload["liabilities"]["mortgage"]


def test_liabilities_get_filtered_by_account_ids(openapi, http, liabilities_token):
    ids = {a["mask"]: a["account_id"] for a in
           expect_ok(openapi, http, "/liabilities/get", {"access_token": liabilities_token})["accounts"]}
    payload = expect_ok(openapi, http, "/liabilities/get",
                        {"access_token": liabilities_token, "options": {"account_ids": [ids["8888"]]}})
    assert [a["account_id"] for a in payload["accounts"]] == [ids["8888"]]
    assert [m["account_id"] for m in payload["liabilities"]["mortgage"]] == [ids["8888"]]
    assert payload["liabilities"]["credit"] == [] and payload["liabilities"]["student"] == []


def test_liabilities_get_after_a_month(openapi, tartan):
    """Dates a month on (own tenant: the clock moves), after a balance refresh."""
    t = Tenant(tartan, "openapi_liabilities")
    try:
        h = Http(t)
        for path, body in [("/tartan/clock/freeze", {}), ("/tartan/settings", {"item_login_expiry_days": 0})]:
            status, payload = h.post(path, body)
            assert status == 200, payload
        token = new_item(h, FIRST_PLATYPUS, ["liabilities", "transactions"])
        status, _ = h.post("/tartan/clock/advance", {"days": 30})
        assert status == 200
        expect_ok(openapi, h, "/accounts/balance/get", {"access_token": token})
        expect_ok(openapi, h, "/liabilities/get", {"access_token": token})
    finally:
        t.api_client.close()


def test_liabilities_get_errors(openapi, http, liabilities_token):
    checking = [a["account_id"] for a in
                http.post("/accounts/get", {"access_token": liabilities_token})[1]["accounts"]
                if a["mask"] == "0000"]
    assert len(checking) == 1
    body = expect_error(openapi, http, "/liabilities/get",
                        {"access_token": liabilities_token, "options": {"account_ids": checking}},
                        error_type="ITEM_ERROR", error_code="NO_LIABILITY_ACCOUNTS")
    assert body["error_message"].startswith(
        "There are no valid liability account(s) associated with this Item."), body
    expect_error(openapi, http, "/liabilities/get",
                 {"access_token": liabilities_token, "options": {"account_ids": ["no-such-account"]}},
                 error_type="INVALID_INPUT", error_code="INVALID_ACCOUNT_ID")
    houndstooth = new_item(http, "ins_109512", ["auth"])
    expect_error(openapi, http, "/liabilities/get", {"access_token": houndstooth},
                 error_type="ITEM_ERROR", error_code="PRODUCTS_NOT_SUPPORTED")


def test_liabilities_get_answers_item_login_required(openapi, http):
    token = new_item(http, FIRST_PLATYPUS, LIABILITIES_PRODUCTS)
    expect_ok(openapi, http, "/sandbox/item/reset_login", {"access_token": token})
    expect_error(openapi, http, "/liabilities/get", {"access_token": token},
                 error_type="ITEM_ERROR", error_code="ITEM_LOGIN_REQUIRED")


# --- malformed requests, on every implemented endpoint ---------------------------------------


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_missing_required_field(openapi, http, path):
    expect_error(openapi, http, path, {}, error_type="INVALID_REQUEST", error_code="MISSING_FIELDS")


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_unknown_field(openapi, http, path):
    expect_error(openapi, http, path, {"not_a_plaid_field": 1},
                 error_type="INVALID_REQUEST", error_code="UNKNOWN_FIELDS")


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_body_that_is_not_json(openapi, http, path):
    expect_error(openapi, http, path, raw=b"{not json",
                 error_type="INVALID_REQUEST", error_code="INVALID_BODY")


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_body_that_is_not_an_object(openapi, http, path):
    expect_error(openapi, http, path, raw=b"[]", error_type="INVALID_REQUEST", error_code="INVALID_BODY")


WRONG_TYPE_BODIES = {
    "/sandbox/public_token/create": {"institution_id": 7, "initial_products": ["auth"]},
    "/sandbox/item/reset_login": {"access_token": 7},
    "/item/public_token/exchange": {"public_token": ["x"]},
    "/item/get": {"access_token": {"a": 1}},
    "/item/remove": {"access_token": True},
    "/item/webhook/update": {"access_token": 7, "webhook": WEBHOOK},
    "/item/access_token/invalidate": {"access_token": 1.5},
    "/accounts/get": {"access_token": 7},
    "/accounts/balance/get": {"access_token": 7},
    "/auth/get": {"access_token": 7},
    "/identity/get": {"access_token": 7},
    "/institutions/get": {"count": "ten", "offset": 0, "country_codes": ["US"]},
    "/institutions/get_by_id": {"institution_id": FIRST_PLATYPUS, "country_codes": "US"},
    "/institutions/search": {"query": 7, "country_codes": ["US"]},
    "/link/token/create": link_request(client_name=7),
    "/link/token/get": {"link_token": 7},
    "/webhook_verification_key/get": {"key_id": 7},
    "/transactions/sync": {"access_token": "access-sandbox-x", "count": "ten"},
    "/transactions/get": {"access_token": "access-sandbox-x", "start_date": 20260101, "end_date": "2026-02-01"},
    "/transactions/refresh": {"access_token": ["x"]},
    "/investments/holdings/get": {"access_token": "access-sandbox-x", "options": {"account_ids": "x"}},
    "/investments/transactions/get": {"access_token": "access-sandbox-x", "start_date": "2026-01-01",
                                      "end_date": "2026-02-01", "options": {"count": "ten"}},
    "/liabilities/get": {"access_token": "access-sandbox-x", "options": {"account_ids": "x"}},
}


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_field_of_the_wrong_type(openapi, http, path):
    expect_error(openapi, http, path, WRONG_TYPE_BODIES[path],
                 error_type="INVALID_REQUEST", error_code="INVALID_FIELD")


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_missing_credentials(openapi, http, path):
    expect_error(openapi, http, path, {}, credentials=False)


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_wrong_secret_for_the_client_id(openapi, http, items, path):
    items()  # the tenant's own secret is bound to its client_id by now
    expect_error(openapi, http, path, {"client_id": http.client_id, "secret": "not-the-secret"},
                 credentials=False, error_type="INVALID_INPUT", error_code="INVALID_API_KEYS")


@pytest.mark.parametrize("path", IMPLEMENTED)
def test_non_json_content_type(openapi, http, path):
    expect_error(openapi, http, path, raw=b"{}", content_type="text/plain",
                 error_type="INVALID_REQUEST", error_code="INVALID_BODY")


def test_unknown_route_uses_the_error_envelope(openapi, http):
    status, payload = http.post("/no/such/endpoint", {})
    check_error(openapi, "/no/such/endpoint", status, payload, expected_status=404,
                error_type="INVALID_REQUEST", error_code="NOT_FOUND")


@pytest.mark.parametrize("path", ["/item/get", "/institutions/get"])
def test_wrong_method_uses_the_error_envelope(openapi, http, path):
    status, payload = http.send("GET", path)
    assert 400 <= status < 500, (status, payload)
    check_error(openapi, path, status, payload, expected_status=status)


def test_converter_admits_null_only_where_nullable(openapi):
    """Guards the OpenAPI -> JSON Schema conversion itself (nullable, $ref, allOf, formats)."""
    error = {"$ref": "#/components/schemas/PlaidError"}
    good = {"error_type": "INVALID_INPUT", "error_code": "X", "error_message": "m",
            "display_message": None, "request_id": "r", "causes": [], "status": 400,
            "documentation_url": "https://plaid.com", "suggested_action": None}
    assert openapi.violations(error, good) == []
    assert openapi.violations(error, {**good, "error_message": None})  # not nullable
    assert openapi.violations(error, {**good, "error_type": "NOT_A_TYPE"})  # enum via $ref
    assert openapi.violations(error, {k: v for k, v in good.items() if k != "error_code"})  # required
    balance = {"$ref": "#/components/schemas/AccountBalance"}
    assert openapi.violations(balance, {"available": None, "current": 1.0, "limit": None,
                                        "iso_currency_code": "USD", "unofficial_currency_code": None}) == []
    assert openapi.violations(balance, {"available": None, "current": 1.0, "limit": None,
                                        "iso_currency_code": "USD", "unofficial_currency_code": None,
                                        "last_updated_datetime": "yesterday"})  # date-time format
