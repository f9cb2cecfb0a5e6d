"""Test Connection diagnoses each failure instead of shrugging."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest
import requests

from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.sandbox.api import Sandbox
from hub_netsuite.sandbox.store import SandboxSettings

Connect = Callable[..., NetSuiteConnector]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ok_lists_every_probed_object(sb: Sandbox, connect: Connect) -> None:
    result = connect(sb, objects=["customers", "invoices"]).check()
    assert result.ok
    assert result.details == {"customer": "ok", "invoice": "ok"}
    assert sb.counters()["requests"]["suiteql"] == 2  # one real probe per enabled object


def test_unreachable_host(sb: Sandbox, connect: Connect) -> None:
    result = connect(sb, base_url=f"http://127.0.0.1:{_closed_port()}").check()
    assert not result.ok
    assert "cannot reach" in result.message
    assert any("base_url" in cause for cause in result.causes)


def _assert_invalid_login(result_causes: list[str], message: str) -> None:
    assert "INVALID_LOGIN" in message
    text = " ".join(result_causes)
    for hint in ("revoked", "disabled", "REST Web Services", "clock", "Login Audit Trail"):
        assert hint in text


def test_revoked_token(sb: Sandbox, connect: Connect) -> None:
    sb.revoke_token()
    result = connect(sb).check()
    assert not result.ok
    _assert_invalid_login(result.causes, result.message)
    assert "token_rejected" in {row["reason"] for row in sb.audit_trail(10, failures_only=True)}


def test_disabled_integration(sb: Sandbox, connect: Connect) -> None:
    sb.disable_integration()
    result = connect(sb).check()
    assert not result.ok
    _assert_invalid_login(result.causes, result.message)
    reasons = {row["reason"] for row in sb.audit_trail(10, failures_only=True)}
    assert "consumer_key_refused" in reasons


def test_wrong_account_id(sb: Sandbox, connect: Connect) -> None:
    result = connect(sb, account_id="7654321_SB1").check()
    assert not result.ok
    assert any("account id" in cause for cause in result.causes)
    assert "RealmMismatch" in {row["reason"] for row in sb.audit_trail(10, failures_only=True)}


def test_slow_401s_are_retried_with_fresh_signatures(sb: Sandbox, connect: Connect) -> None:
    sb.revoke_token()
    connect(sb).check()
    failures = sb.audit_trail(20, failures_only=True)
    assert len(failures) == 3  # the first try and two retries, each freshly signed
    assert "NonceUsed" not in {row["reason"] for row in failures}


def test_missing_permission_on_one_table(
    make_sandbox: Callable[..., Sandbox], connect: Connect
) -> None:
    sandbox = make_sandbox(settings=SandboxSettings(hidden_tables=frozenset({"contact"})))
    result = connect(sandbox).check()
    assert not result.ok
    assert result.details["customer"] == "ok" and result.details["invoice"] == "ok"
    assert result.details["contact"] == "no permission on table contact"
    assert any("Lists > Contacts" in cause for cause in result.causes)


def test_concurrency_exhaustion(make_sandbox: Callable[..., Sandbox], connect: Connect) -> None:
    sandbox = make_sandbox(concurrency_limit=1, latency_ms=1500)
    holder = threading.Thread(
        target=requests.get,
        args=(f"{sandbox.rest_url}/system/v1/serverTime",),
        kwargs={"auth": sandbox.oauth1(), "timeout": 10},
    )
    holder.start()  # another integration holds the account's only slot
    try:
        threading.Event().wait(0.3)
        result = connect(sandbox).check()
    finally:
        holder.join()
    assert not result.ok
    assert "concurrency" in result.message
    assert any("Integration Governance" in cause for cause in result.causes)
    assert sandbox.counters()["rejected_429"] >= 4


def test_check_never_shows_secrets(sb: Sandbox, connect: Connect) -> None:
    sb.revoke_token()
    result = connect(sb).check()
    shown = str(result.as_dict())
    for secret in (sb.credentials["token_secret"], sb.credentials["consumer_secret"]):
        assert secret not in shown


@pytest.mark.parametrize("aggregate", [True, False])
def test_a_hidden_child_table_fails_the_probe_of_its_parent(
    make_sandbox: Callable[..., Sandbox], connect: Connect, aggregate: bool
) -> None:
    # Lines and applications are read with their parents: a role that cannot see them must
    # fail Test Connection, not the first sync.
    hidden = frozenset({"transactionline", "nexttransactionlinelink"})
    sandbox = make_sandbox(settings=SandboxSettings(hidden_tables=hidden))
    result = connect(sandbox, aggregate_children=aggregate).check()
    assert not result.ok
    assert result.details["customer"] == "ok" and result.details["contact"] == "ok"
    assert result.details["invoice"] == "no permission on table transactionline"
    assert result.details["payment"] == "no permission on table nexttransactionlinelink"
