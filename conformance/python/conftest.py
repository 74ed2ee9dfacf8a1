"""Harness for running Plaid's official Python SDK against a local Tartan.

One Tartan process is started per pytest session (``tartan serve --ephemeral``)
on a free loopback port. Each test module gets its own tenant (a fresh
client_id), so modules cannot see each other's Items.

The binary is taken from ``TARTAN_BIN`` (absolute, or relative to the repo
root) and defaults to ``target/debug/tartan``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_SECONDS = 30

# Every Plaid error body carries these keys (values may be null).
ERROR_FIELDS = (
    "error_type",
    "error_code",
    "error_message",
    "display_message",
    "request_id",
    "causes",
    "status",
    "documentation_url",
    "suggested_action",
)


def tartan_binary() -> Path:
    configured = os.environ.get("TARTAN_BIN")
    path = Path(configured) if configured else Path("target/debug/tartan")
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, headers: dict | None = None, body: dict | None = None):
    """Small JSON-over-HTTP helper for Tartan's control plane (not part of Plaid's API)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"timestamp without a zone: {value!r}"
    return parsed


class TartanProcess:
    def __init__(self, binary: Path, workdir: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "tartan.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(binary), "serve", "--ephemeral", "--addr", f"127.0.0.1:{self.port}"],
            cwd=workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        last_problem = "no attempt made"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"tartan exited with code {self.process.returncode} before it was healthy:\n"
                    + self.log_tail()
                )
            try:
                status, body = http_json("GET", self.base_url + "/tartan/health")
                if status == 200:
                    return body
                last_problem = f"HTTP {status}"
            except (OSError, urllib.error.URLError, ValueError) as exc:
                last_problem = repr(exc)
            time.sleep(0.05)  # start-up poll interval only; tests never sleep
        raise RuntimeError(
            f"tartan did not answer /tartan/health within {STARTUP_DEADLINE_SECONDS}s "
            f"({last_problem}):\n" + self.log_tail()
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class Tenant:
    """One Plaid client (client_id/secret) on the shared Tartan process."""

    def __init__(self, server: TartanProcess, label: str):
        self.server = server
        self.client_id = f"test_client_{label}_{uuid.uuid4().hex[:12]}"
        self.secret = f"secret_{uuid.uuid4().hex}"
        configuration = plaid.Configuration(
            host=server.base_url,
            api_key={"clientId": self.client_id, "secret": self.secret},
        )
        self.api_client = plaid.ApiClient(configuration)
        self.api = plaid_api.PlaidApi(self.api_client)

    # --- Tartan control plane -------------------------------------------
    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"PLAID-CLIENT-ID": self.client_id, "PLAID-SECRET": self.secret}
        status, payload = http_json(method, self.server.base_url + path, headers, body)
        assert status == 200, f"{method} {path} answered {status}: {payload}"
        return payload

    def now(self) -> datetime:
        """The tenant's virtual clock."""
        return parse_rfc3339(self._control("GET", "/tartan/clock")["now"])

    def advance(self, seconds: int) -> datetime:
        before = self.now()
        after = parse_rfc3339(
            self._control("POST", "/tartan/clock/advance", {"seconds": seconds})["now"]
        )
        assert (after - before).total_seconds() >= seconds, (before, after, seconds)
        return after

    def webhook_kid(self) -> str:
        return self._control("GET", "/tartan/webhook_key")["kid"]

    # --- Plaid helpers --------------------------------------------------
    def public_token(
        self,
        institution_id: str = "ins_109508",
        products: tuple[str, ...] = ("auth", "identity", "transactions"),
        **options,
    ) -> str:
        request = SandboxPublicTokenCreateRequest(
            institution_id=institution_id,
            initial_products=[Products(p) for p in products],
        )
        if options:
            request.options = SandboxPublicTokenCreateRequestOptions(**options)
        return self.api.sandbox_public_token_create(request).public_token

    def new_item(self, institution_id: str = "ins_109508", products=("auth", "identity", "transactions"), **options):
        """Create an Item through the Sandbox shortcut; returns (access_token, item_id)."""
        public_token = self.public_token(institution_id, products, **options)
        exchanged = self.api.item_public_token_exchange(
            ItemPublicTokenExchangeRequest(public_token=public_token)
        )
        return exchanged.access_token, exchanged.item_id


def expect_plaid_error(call, *args, status: int = 400, error_type: str, error_code: str, **kwargs) -> dict:
    """Run an SDK call that must fail; check the HTTP status and the Plaid error body."""
    with pytest.raises(plaid.ApiException) as caught:
        call(*args, **kwargs)
    exc = caught.value
    body = json.loads(exc.body)
    assert exc.status == status, f"HTTP {exc.status}, expected {status}: {body}"
    missing = [field for field in ERROR_FIELDS if field not in body]
    assert not missing, f"error body lacks {missing}: {body}"
    assert (body["error_type"], body["error_code"]) == (error_type, error_code), body
    assert isinstance(body["error_message"], str)
    assert isinstance(body["request_id"], str) and body["request_id"]
    return body


@pytest.fixture(scope="session")
def tartan():
    binary = tartan_binary()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.exit(
            f"Tartan binary not found at {binary}; build it or set TARTAN_BIN",
            returncode=2,
        )
    with tempfile.TemporaryDirectory(prefix="tartan-conformance-") as workdir:
        server = TartanProcess(binary, Path(workdir))
        try:
            try:
                server.health = server.wait_healthy()
            except RuntimeError as exc:
                pytest.exit(str(exc), returncode=1)
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def tenant(tartan, request):
    label = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    t = Tenant(tartan, label)
    yield t
    t.api_client.close()


@pytest.fixture(scope="session")
def plaid_error():
    return expect_plaid_error
