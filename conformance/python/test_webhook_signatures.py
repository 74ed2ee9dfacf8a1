"""Signed webhooks, received and verified the way a Plaid customer does it.

A real HTTP receiver runs inside the test process (``http.server`` on a free
loopback port) and records every request's raw body bytes and headers. Each
webhook is then checked by an independent verifier written with PyJWT, following
Plaid's documented procedure: read the unverified JWT header, require ``ES256``,
fetch the key named by ``kid`` through the official SDK
(``/webhook_verification_key/get``), verify the signature, require a fresh
``iat``, and compare the SHA-256 of the exact body bytes with the
``request_body_sha256`` claim in constant time.

Delivery is asynchronous: tests call ``POST /tartan/webhooks/flush`` (which
returns once every due delivery of the tenant has been attempted) instead of
sleeping, and drive retries with the tenant's virtual clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import plaid
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.assets_error_webhook import AssetsErrorWebhook
from plaid.model.assets_product_ready_webhook import AssetsProductReadyWebhook
from plaid.model.auth_default_update_webhook import AuthDefaultUpdateWebhook
from plaid.model.default_update_webhook import DefaultUpdateWebhook
from plaid.model.holdings_default_update_webhook import HoldingsDefaultUpdateWebhook
from plaid.model.hosted_mmd_verification_webhook import HostedMMDVerificationWebhook
from plaid.model.identity_default_update_webhook import IdentityDefaultUpdateWebhook
from plaid.model.investments_default_update_webhook import InvestmentsDefaultUpdateWebhook
from plaid.model.item_error_webhook import ItemErrorWebhook
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_login_repaired_webhook import ItemLoginRepairedWebhook
from plaid.model.item_webhook_update_request import ItemWebhookUpdateRequest
from plaid.model.liabilities_default_update_webhook import LiabilitiesDefaultUpdateWebhook
from plaid.model.new_accounts_available_webhook import NewAccountsAvailableWebhook
from plaid.model.pending_disconnect_webhook import PendingDisconnectWebhook
from plaid.model.recurring_transactions_update_webhook import RecurringTransactionsUpdateWebhook
from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sync_updates_available_webhook import SyncUpdatesAvailableWebhook
from plaid.model.user_account_revoked_webhook import UserAccountRevokedWebhook
from plaid.model.user_permission_revoked_webhook import UserPermissionRevokedWebhook
from plaid.model.webhook_type import WebhookType
from plaid.model.webhook_update_acknowledged_webhook import WebhookUpdateAcknowledgedWebhook
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest
from plaid.model_utils import validate_and_convert_types

FIRST_PLATYPUS = "ins_109508"
ITEM_PRODUCTS = ("auth", "identity", "transactions")
# Plaid's rule for receivers: reject a webhook whose JWT was issued more than 5 minutes ago.
MAX_AGE_SECONDS = 5 * 60
# Allowed difference between a server-computed instant and the virtual clock read nearby.
CLOCK_SLACK = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
RECEIVER_PATH = "/plaid/webhook"


# --- the receiver ------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def token(self) -> str:
        assert "plaid-verification" in self.headers, f"no Plaid-Verification header: {self.headers}"
        return self.headers["plaid-verification"]


class Receiver:
    """A webhook endpoint on 127.0.0.1:<free port> that records every request.

    ``statuses`` are the HTTP statuses of the first answers, in order; every
    later request is answered 200.
    """

    def __init__(self, statuses: tuple[int, ...] = ()):
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self._statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self._read_body()
                received = Received(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                # Recorded before answering, so a finished delivery is always visible here.
                status = receiver._record(received)
                answer = b"ok" if status == 200 else f"receiver refused with {status}".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def log_message(self, format, *args):  # noqa: A002 (keep pytest output quiet)
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{RECEIVER_PATH}"
        # A short poll interval keeps shutdown() (at teardown) quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def _record(self, received: Received) -> int:
        with self._lock:
            self._requests.append(received)
            return self._statuses.pop(0) if self._statuses else 200

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    def matching(self, item_id: str, webhook_type: str | None, webhook_code: str) -> list[Received]:
        found = []
        for r in self.requests:
            body = r.json
            if body.get("item_id") == item_id and body.get("webhook_code") == webhook_code:
                if webhook_type is None or body.get("webhook_type") == webhook_type:
                    found.append(r)
        return found

    def for_item(self, item_id: str) -> list[Received]:
        return [r for r in self.requests if r.json.get("item_id") == item_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def receivers():
    """A factory of receivers; all are shut down after the test."""
    made: list[Receiver] = []

    def make(statuses: tuple[int, ...] = ()) -> Receiver:
        r = Receiver(statuses)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture
def receiver(receivers):
    return receivers()


# --- the verifier --------------------------------------------------------------------------


class WebhookRejected(Exception):
    """The webhook must not be trusted; the message says why."""


def verify_webhook(api, body: bytes, token: str, *, now: float | None = None) -> dict:
    """Plaid's webhook verification, independent of Tartan; returns the JWT claims."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise WebhookRejected(f"malformed JWT: {exc}") from exc
    if header.get("alg") != "ES256":
        raise WebhookRejected(f"alg must be ES256, got {header.get('alg')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise WebhookRejected(f"no kid in the JWT header: {header}")
    try:
        key = api.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=kid)).key
    except plaid.ApiException as exc:
        raise WebhookRejected(f"key {kid!r} could not be fetched: {exc.status} {exc.body}") from exc
    if key.expired_at is not None:
        raise WebhookRejected(f"key {kid!r} expired at {key.expired_at}")
    jwk = key.to_dict()
    public_key = ECAlgorithm.from_jwk(json.dumps(jwk))
    try:
        claims = jwt.decode(
            token,
            key=public_key,
            algorithms=["ES256"],
            options={"require": ["iat", "request_body_sha256"], "verify_iat": True},
        )
    except jwt.InvalidSignatureError as exc:
        raise WebhookRejected(f"bad signature: {exc}") from exc
    except jwt.PyJWTError as exc:
        raise WebhookRejected(f"invalid JWT: {exc}") from exc
    now = time.time() if now is None else now
    if now - claims["iat"] > MAX_AGE_SECONDS:
        raise WebhookRejected(f"iat {claims['iat']} is more than {MAX_AGE_SECONDS}s old")
    claimed = claims["request_body_sha256"]
    actual = hashlib.sha256(body).hexdigest()
    if not isinstance(claimed, str) or not hmac.compare_digest(actual, claimed):
        raise WebhookRejected(f"request_body_sha256 mismatch: body hashes to {actual}, JWT says {claimed!r}")
    return claims


# --- helpers -------------------------------------------------------------------------------


def flush(tenant) -> dict:
    """Wait (server-side) until every due delivery of the tenant has been attempted."""
    result = tenant._control("POST", "/tartan/webhooks/flush", {})
    assert result["due"] == 0, f"flush left deliveries due: {result}"
    assert isinstance(result["waiting_for_retry"], int), result
    return result


def deliveries(tenant, item_id: str) -> list[dict]:
    query = urllib.parse.urlencode({"item_id": item_id})
    return tenant._control("GET", f"/tartan/webhooks?{query}")["deliveries"]


def only_delivery(tenant, item_id: str, webhook_code: str) -> dict:
    found = [d for d in deliveries(tenant, item_id) if d["webhook_code"] == webhook_code]
    assert len(found) == 1, f"expected one {webhook_code} delivery for {item_id}: {found}"
    return found[0]


def only(receiver: Receiver, item_id: str, webhook_type: str | None, webhook_code: str) -> Received:
    found = receiver.matching(item_id, webhook_type, webhook_code)
    assert len(found) == 1, (
        f"expected one {webhook_type}/{webhook_code} webhook for {item_id}, got {len(found)}; "
        f"received: {[r.body.decode(errors='replace') for r in receiver.requests]}"
    )
    return found[0]


def parse_plaid_body(raw: bytes) -> dict:
    """The body must be JSON pretty-printed with 2-space indentation, byte for byte."""
    parsed = json.loads(raw)
    assert isinstance(parsed, dict), raw
    expected = json.dumps(parsed, indent=2, ensure_ascii=False).encode()
    assert raw == expected, f"body is not 2-space indented JSON:\n{raw!r}\nexpected:\n{expected!r}"
    return parsed


def as_model(tenant, body: dict, model):
    """Deserialise a webhook body into the SDK's model (raises if a required field is missing)."""
    return validate_and_convert_types(
        body, (model,), ["webhook"], True, True, configuration=tenant.api_client.configuration
    )


def parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"timestamp without a zone: {value!r}"
    return parsed


def assert_signed_plaid_webhook(tenant, received: Received) -> tuple[dict, dict]:
    """Transport, signature and format checks common to every webhook; returns (body, claims)."""
    assert received.method == "POST"
    assert received.path == RECEIVER_PATH
    assert received.headers.get("content-type", "").split(";")[0].strip() == "application/json", received.headers
    claims = verify_webhook(tenant.api, received.body, received.token)
    header = jwt.get_unverified_header(received.token)
    assert header == {"alg": "ES256", "kid": tenant.webhook_kid(), "typ": "JWT"}, header
    assert set(claims) == {"iat", "request_body_sha256"}, claims
    assert isinstance(claims["iat"], int), claims
    assert claims["request_body_sha256"] == hashlib.sha256(received.body).hexdigest()
    body = parse_plaid_body(received.body)
    assert body["environment"] == "sandbox", body
    return body, claims


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fire(tenant, access_token: str, webhook_code: str, webhook_type: str | None = None):
    request = SandboxItemFireWebhookRequest(access_token=access_token, webhook_code=webhook_code)
    if webhook_type is not None:
        request.webhook_type = WebhookType(webhook_type)
    return tenant.api.sandbox_item_fire_webhook(request)


@pytest.fixture
def login_error(tenant, receiver):
    """An Item whose reset_login ITEM/ERROR webhook reached ``receiver``."""
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=receiver.url)
    reset = tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    assert reset.reset_login is True
    flush(tenant)
    received = only(receiver, item_id, "ITEM", "ERROR")
    return {"access_token": access_token, "item_id": item_id, "received": received}


# --- (a) reset_login -> ITEM/ERROR ------------------------------------------------------------


def test_reset_login_sends_a_signed_item_error_webhook(tenant, login_error):
    received, item_id = login_error["received"], login_error["item_id"]
    body, claims = assert_signed_plaid_webhook(tenant, received)

    assert body["webhook_type"] == "ITEM"
    assert body["webhook_code"] == "ERROR"
    assert body["item_id"] == item_id
    assert body["error"]["error_type"] == "ITEM_ERROR"
    assert body["error"]["error_code"] == "ITEM_LOGIN_REQUIRED"
    assert isinstance(body["error"]["error_message"], str)
    model = as_model(tenant, body, ItemErrorWebhook)
    assert model.error.error_code == "ITEM_LOGIN_REQUIRED"

    # iat is wall-clock time (receivers compare it with their own clock).
    assert time.time() - MAX_AGE_SECONDS <= claims["iat"] <= time.time() + 5

    got = tenant.api.item_get(ItemGetRequest(access_token=login_error["access_token"]))
    last = got.status.last_webhook
    assert last is not None, "status.last_webhook is null after a webhook was sent"
    assert last.code_sent == "ERROR"
    assert last.sent_at is not None
    assert abs(last.sent_at - tenant.now()) <= CLOCK_SLACK, (last.sent_at, tenant.now())


def test_delivery_log_records_the_successful_attempt(tenant, login_error):
    delivery = only_delivery(tenant, login_error["item_id"], "ERROR")
    assert delivery["state"] == "delivered", delivery
    assert delivery["webhook_type"] == "ITEM"
    assert delivery["body"].encode() == login_error["received"].body
    assert delivery["next_attempt_at"] is None, delivery
    assert len(delivery["attempts"]) == 1, delivery
    attempt = delivery["attempts"][0]
    assert attempt["status"] == 200
    assert attempt["error"] is None
    assert isinstance(attempt["latency_ms"], int) and attempt["latency_ms"] >= 0
    assert attempt["response_snippet"] == "ok"
    assert isinstance(delivery["summary"], str) and delivery["summary"]


# --- (b) the verifier rejects forgeries --------------------------------------------------------


def test_tampered_bodies_are_rejected(tenant, login_error):
    received = login_error["received"]
    verify_webhook(tenant.api, received.body, received.token)

    one_byte = bytearray(received.body)
    at = received.body.index(b'"ITEM_LOGIN_REQUIRED"') + 1
    one_byte[at] ^= 0x20  # "ITEM_..." -> "iTEM_..."
    parsed = json.loads(received.body)
    variants = {
        "one byte changed": bytes(one_byte),
        "compact re-serialisation": json.dumps(parsed, separators=(",", ":")).encode(),
        "4-space re-serialisation": json.dumps(parsed, indent=4).encode(),
        "trailing newline": received.body + b"\n",
    }
    for name, body in variants.items():
        assert body != received.body, name
        with pytest.raises(WebhookRejected, match="request_body_sha256 mismatch"):
            verify_webhook(tenant.api, body, received.token)


def test_modified_jwts_are_rejected(tenant, login_error):
    received = login_error["received"]
    token = received.token
    header_b64, payload_b64, signature_b64 = token.split(".")
    claims = json.loads(b64url_decode(payload_b64))

    forged_body = received.body.replace(b"ITEM_LOGIN_REQUIRED", b"ITEM_LOCKED")
    forged_claims = dict(claims, request_body_sha256=hashlib.sha256(forged_body).hexdigest())
    forged_payload = b64url(json.dumps(forged_claims).encode())
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_webhook(tenant.api, forged_body, f"{header_b64}.{forged_payload}.{signature_b64}")

    later_iat = b64url(json.dumps(dict(claims, iat=claims["iat"] + 1)).encode())
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_webhook(tenant.api, received.body, f"{header_b64}.{later_iat}.{signature_b64}")

    signature = bytearray(b64url_decode(signature_b64))
    signature[len(signature) // 2] ^= 0x01
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_webhook(tenant.api, received.body, f"{header_b64}.{payload_b64}.{b64url(bytes(signature))}")

    # A well-formed ES256 token over the right body, but signed by someone else's key.
    kid = jwt.get_unverified_header(token)["kid"]
    attacker = ec.generate_private_key(ec.SECP256R1())
    impostor = jwt.encode(claims, attacker, algorithm="ES256", headers={"kid": kid})
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_webhook(tenant.api, received.body, impostor)

    # Algorithm downgrades are refused before any key is used.
    unsigned = f"{b64url(json.dumps({'alg': 'none', 'kid': kid, 'typ': 'JWT'}).encode())}.{payload_b64}."
    with pytest.raises(WebhookRejected, match="alg must be ES256"):
        verify_webhook(tenant.api, received.body, unsigned)
    hs256 = jwt.encode(claims, "a-shared-secret-guessed-by-an-attacker", algorithm="HS256", headers={"kid": kid})
    with pytest.raises(WebhookRejected, match="alg must be ES256"):
        verify_webhook(tenant.api, received.body, hs256)

    # A kid Plaid never issued cannot be fetched.
    other_kid_header = b64url(json.dumps({"alg": "ES256", "kid": "not-a-real-kid", "typ": "JWT"}).encode())
    with pytest.raises(WebhookRejected, match="could not be fetched"):
        verify_webhook(tenant.api, received.body, f"{other_kid_header}.{payload_b64}.{signature_b64}")


def test_stale_webhooks_are_rejected(tenant, login_error):
    received = login_error["received"]
    iat = verify_webhook(tenant.api, received.body, received.token)["iat"]
    verify_webhook(tenant.api, received.body, received.token, now=iat + MAX_AGE_SECONDS)
    with pytest.raises(WebhookRejected, match="old"):
        verify_webhook(tenant.api, received.body, received.token, now=iat + MAX_AGE_SECONDS + 1)


def test_iat_follows_the_wall_clock_not_the_virtual_clock(tenant, receiver):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=receiver.url)
    tenant.advance(3600)
    tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    flush(tenant)
    _, claims = assert_signed_plaid_webhook(tenant, only(receiver, item_id, "ITEM", "ERROR"))
    assert abs(time.time() - claims["iat"]) <= 60, (claims["iat"], time.time())


# --- (c) webhook update ---------------------------------------------------------------------


def test_webhook_update_is_acknowledged_at_the_new_url(tenant, receivers):
    old, new = receivers(), receivers()
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=old.url)
    updated = tenant.api.item_webhook_update(
        ItemWebhookUpdateRequest(access_token=access_token, webhook=new.url)
    )
    assert updated.item.webhook == new.url
    flush(tenant)

    received = only(new, item_id, "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED")
    body, _ = assert_signed_plaid_webhook(tenant, received)
    assert body["new_webhook_url"] == new.url
    assert body.get("error") is None, body
    as_model(tenant, body, WebhookUpdateAcknowledgedWebhook)
    assert old.matching(item_id, None, "WEBHOOK_UPDATE_ACKNOWLEDGED") == []

    item = tenant.api.item_get(ItemGetRequest(access_token=access_token))
    assert item.item.webhook == new.url
    assert item.status.last_webhook.code_sent == "WEBHOOK_UPDATE_ACKNOWLEDGED"

    # Later webhooks follow the new URL too.
    tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))
    flush(tenant)
    assert_signed_plaid_webhook(tenant, only(new, item_id, "ITEM", "ERROR"))
    assert old.for_item(item_id) == []


def test_setting_a_first_webhook_is_acknowledged(tenant, receiver):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS)
    tenant.api.item_webhook_update(ItemWebhookUpdateRequest(access_token=access_token, webhook=receiver.url))
    flush(tenant)
    body, _ = assert_signed_plaid_webhook(
        tenant, only(receiver, item_id, "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED")
    )
    assert body["new_webhook_url"] == receiver.url


# --- (d) /sandbox/item/fire_webhook -----------------------------------------------------------


def _account_ids(tenant, access_token) -> set[str]:
    return {a.account_id for a in tenant.api.accounts_get(AccountsGetRequest(access_token=access_token)).accounts}


def _check_transactions_default(body, ctx):
    assert isinstance(body["new_transactions"], (int, float)) and body["new_transactions"] >= 0


def _check_auth_default(body, ctx):
    assert set(body["account_ids_with_new_auth"]) <= ctx["accounts"]
    assert isinstance(body["account_ids_with_updated_auth"], dict)
    assert set(body["account_ids_with_updated_auth"]) <= ctx["accounts"]


def _check_identity_default(body, ctx):
    assert isinstance(body["account_ids_with_updated_identity"], dict)
    assert set(body["account_ids_with_updated_identity"]) <= ctx["accounts"]


def _check_investments_default(body, ctx):
    assert isinstance(body["new_investments_transactions"], (int, float))
    assert isinstance(body["cancelled_investments_transactions"], (int, float))


def _check_holdings_default(body, ctx):
    assert isinstance(body["new_holdings"], (int, float))
    assert isinstance(body["updated_holdings"], (int, float))


def _check_liabilities_default(body, ctx):
    assert set(body["account_ids_with_new_liabilities"]) <= ctx["accounts"]
    assert isinstance(body["account_ids_with_updated_liabilities"], dict)


def _check_new_accounts(body, ctx):
    assert body.get("error") is None, body


def _check_pending_disconnect(body, ctx):
    assert body["reason"] in ("INSTITUTION_MIGRATION", "INSTITUTION_TOKEN_EXPIRATION"), body
    assert parse_rfc3339(body["disconnect_time"]) > ctx["fired_near"] - CLOCK_SLACK, body


def _check_login_repaired(body, ctx):
    pass


def _check_permission_revoked(body, ctx):
    if body.get("error") is not None:
        assert body["error"]["error_code"] == "USER_PERMISSION_REVOKED", body


def _check_account_revoked(body, ctx):
    assert body["account_id"] in ctx["accounts"], body


def _check_sync_updates(body, ctx):
    assert isinstance(body["initial_update_complete"], bool)
    assert isinstance(body["historical_update_complete"], bool)


def _check_recurring(body, ctx):
    assert isinstance(body["account_ids"], list)
    assert set(body["account_ids"]) <= ctx["accounts"]


def _check_sms_microdeposits(body, ctx):
    assert body["status"] in ("MANUALLY_VERIFIED", "VERIFICATION_FAILED"), body
    assert body["account_id"] in ctx["accounts"], body


def _check_assets_ready(body, ctx):
    assert isinstance(body["asset_report_id"], str) and body["asset_report_id"]


def _check_assets_error(body, ctx):
    assert isinstance(body["asset_report_id"], str) and body["asset_report_id"]
    assert isinstance(body["error"]["error_code"], str), body


# (id, webhook_code, webhook_type sent (None: the default), webhook_type expected,
#  extra products the Item needs, SDK model, extra checks)
FIRED = [
    ("default-update", "DEFAULT_UPDATE", None, "TRANSACTIONS", (), DefaultUpdateWebhook, _check_transactions_default),
    ("transactions-default-update", "DEFAULT_UPDATE", "TRANSACTIONS", "TRANSACTIONS", (), DefaultUpdateWebhook,
     _check_transactions_default),
    ("auth-default-update", "DEFAULT_UPDATE", "AUTH", "AUTH", (), AuthDefaultUpdateWebhook, _check_auth_default),
    ("identity-default-update", "DEFAULT_UPDATE", "IDENTITY", "IDENTITY", (), IdentityDefaultUpdateWebhook,
     _check_identity_default),
    ("investments-default-update", "DEFAULT_UPDATE", "INVESTMENTS_TRANSACTIONS", "INVESTMENTS_TRANSACTIONS",
     ("investments",), InvestmentsDefaultUpdateWebhook, _check_investments_default),
    ("holdings-default-update", "DEFAULT_UPDATE", "HOLDINGS", "HOLDINGS", ("investments",),
     HoldingsDefaultUpdateWebhook, _check_holdings_default),
    ("liabilities-default-update", "DEFAULT_UPDATE", "LIABILITIES", "LIABILITIES", ("liabilities",),
     LiabilitiesDefaultUpdateWebhook, _check_liabilities_default),
    ("new-accounts-available", "NEW_ACCOUNTS_AVAILABLE", None, "ITEM", (), NewAccountsAvailableWebhook,
     _check_new_accounts),
    ("pending-disconnect", "PENDING_DISCONNECT", None, "ITEM", (), PendingDisconnectWebhook, _check_pending_disconnect),
    ("login-repaired", "LOGIN_REPAIRED", None, "ITEM", (), ItemLoginRepairedWebhook, _check_login_repaired),
    ("user-permission-revoked", "USER_PERMISSION_REVOKED", None, "ITEM", (), UserPermissionRevokedWebhook,
     _check_permission_revoked),
    ("user-account-revoked", "USER_ACCOUNT_REVOKED", None, "ITEM", (), UserAccountRevokedWebhook,
     _check_account_revoked),
    ("sync-updates-available", "SYNC_UPDATES_AVAILABLE", None, "TRANSACTIONS", (), SyncUpdatesAvailableWebhook,
     _check_sync_updates),
    ("recurring-transactions-update", "RECURRING_TRANSACTIONS_UPDATE", None, "TRANSACTIONS", (),
     RecurringTransactionsUpdateWebhook, _check_recurring),
    ("sms-microdeposits-verification", "SMS_MICRODEPOSITS_VERIFICATION", None, "AUTH", (),
     HostedMMDVerificationWebhook, _check_sms_microdeposits),
    ("assets-product-ready", "PRODUCT_READY", None, "ASSETS", ("assets",), AssetsProductReadyWebhook,
     _check_assets_ready),
    ("assets-error", "ERROR", "ASSETS", "ASSETS", ("assets",), AssetsErrorWebhook, _check_assets_error),
]


@pytest.mark.parametrize(
    "code, sent_type, expected_type, extra_products, model, check",
    [pytest.param(*case[1:], id=case[0]) for case in FIRED],
)
def test_fired_webhooks_are_signed_and_complete(
    tenant, receiver, code, sent_type, expected_type, extra_products, model, check
):
    access_token, item_id = tenant.new_item(
        FIRST_PLATYPUS, ITEM_PRODUCTS + tuple(extra_products), webhook=receiver.url
    )
    fired_near = tenant.now()
    response = fire(tenant, access_token, code, sent_type)
    assert response.webhook_fired is True
    assert response.request_id
    flush(tenant)

    received = only(receiver, item_id, expected_type, code)
    body, _ = assert_signed_plaid_webhook(tenant, received)
    assert (body["webhook_type"], body["webhook_code"], body["item_id"]) == (expected_type, code, item_id)
    as_model(tenant, body, model)
    check(body, {"accounts": _account_ids(tenant, access_token), "fired_near": fired_near})

    last = tenant.api.item_get(ItemGetRequest(access_token=access_token)).status.last_webhook
    assert last is not None and last.code_sent == code, last
    assert only_delivery(tenant, item_id, code)["state"] == "delivered"


def test_authorization_granted_is_fired_signed(tenant, receiver):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=receiver.url)
    assert fire(tenant, access_token, "AUTHORIZATION_GRANTED").webhook_fired is True
    flush(tenant)
    body, _ = assert_signed_plaid_webhook(tenant, only(receiver, item_id, None, "AUTHORIZATION_GRANTED"))
    assert isinstance(body["webhook_type"], str) and body["webhook_type"]


# --- (e) fire_webhook errors ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["LOGIN_REPAIRED", "DEFAULT_UPDATE", "PENDING_DISCONNECT"])
def test_fire_webhook_without_a_webhook_url_is_sandbox_webhook_invalid(tenant, plaid_error, code):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS)
    plaid_error(
        fire,
        tenant,
        access_token,
        code,
        error_type="SANDBOX_ERROR",
        error_code="SANDBOX_WEBHOOK_INVALID",
    )
    flush(tenant)
    assert deliveries(tenant, item_id) == []


@pytest.mark.parametrize(
    "code, webhook_type",
    [
        ("DEFAULT_UPDATE", "AUTH"),
        ("DEFAULT_UPDATE", "IDENTITY"),
        ("DEFAULT_UPDATE", "INVESTMENTS_TRANSACTIONS"),
        ("DEFAULT_UPDATE", "HOLDINGS"),
        ("DEFAULT_UPDATE", "LIABILITIES"),
        ("SMS_MICRODEPOSITS_VERIFICATION", None),
        ("PRODUCT_READY", None),
        ("ERROR", "ASSETS"),
    ],
)
def test_fire_webhook_for_a_missing_product_is_sandbox_product_not_enabled(
    tenant, receiver, plaid_error, code, webhook_type
):
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ("transactions",), webhook=receiver.url)
    body = plaid_error(
        fire,
        tenant,
        access_token,
        code,
        webhook_type,
        error_type="SANDBOX_ERROR",
        error_code="SANDBOX_PRODUCT_NOT_ENABLED",
    )
    assert body["error_message"]
    flush(tenant)
    assert deliveries(tenant, item_id) == []
    assert receiver.for_item(item_id) == []


# --- (f) retries on the virtual clock ---------------------------------------------------------


def test_failed_delivery_is_retried_after_30_seconds(tenant, receivers):
    flaky = receivers(statuses=(500,))
    access_token, item_id = tenant.new_item(FIRST_PLATYPUS, ITEM_PRODUCTS, webhook=flaky.url)
    tenant.api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access_token))

    first_flush = flush(tenant)
    assert first_flush["waiting_for_retry"] >= 1, first_flush
    first = only(flaky, item_id, "ITEM", "ERROR")
    verify_webhook(tenant.api, first.body, first.token)

    delivery = only_delivery(tenant, item_id, "ERROR")
    assert delivery["state"] == "pending", delivery
    assert len(delivery["attempts"]) == 1, delivery
    attempt = delivery["attempts"][0]
    assert attempt["status"] == 500, attempt
    assert attempt["error"] is None, attempt
    assert isinstance(attempt["latency_ms"], int) and attempt["latency_ms"] >= 0
    assert "receiver refused with 500" in attempt["response_snippet"], attempt
    assert delivery["next_attempt_at"] is not None, delivery
    retry_at = parse_rfc3339(delivery["next_attempt_at"])
    attempted_at = parse_rfc3339(attempt["at"])
    assert abs((retry_at - attempted_at) - FIRST_RETRY) <= timedelta(seconds=1), (attempted_at, retry_at)
    assert abs(retry_at - (tenant.now() + FIRST_RETRY)) <= CLOCK_SLACK

    # Not due yet on the virtual clock: a flush attempts nothing.
    flush(tenant)
    assert len(flaky.matching(item_id, "ITEM", "ERROR")) == 1
    assert len(only_delivery(tenant, item_id, "ERROR")["attempts"]) == 1

    tenant.advance(30)
    flush(tenant)
    attempts = flaky.matching(item_id, "ITEM", "ERROR")
    assert len(attempts) == 2, [r.body for r in attempts]
    second = attempts[1]
    assert second.body == first.body, "a retry must send the same body"
    assert_signed_plaid_webhook(tenant, second)

    delivery = only_delivery(tenant, item_id, "ERROR")
    assert delivery["state"] == "delivered", delivery
    assert [a["status"] for a in delivery["attempts"]] == [500, 200], delivery
    assert parse_rfc3339(delivery["attempts"][1]["at"]) >= retry_at, delivery
    assert delivery["next_attempt_at"] is None, delivery
    assert delivery["body"].encode() == first.body
