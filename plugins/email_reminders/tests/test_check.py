"""``EmailNotifier.check()`` against real servers: each step reported, failures diagnosed."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from hub_email_reminders import EmailNotifier

PASSWORD = "s3cret-for-check"


def config(port: int, security: str, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "from_address": "billing@acme.example",
        "timeout": 5,
        **extra,
    }


def test_check_passes_every_step_over_starttls_with_auth(
    smtp: ModuleType, start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(
        starttls=certs.server_context(), authenticator=smtp.Authenticator("billing", PASSWORD)
    )
    cfg = config(server.port, "starttls", ca_file=str(certs.ca_file), username="billing")
    result = EmailNotifier({**cfg, "password": PASSWORD}).check()
    assert result.ok, result
    assert list(result.details) == ["connect", "ehlo", "tls", "auth", "sender", "noop", "quit"]
    assert result.details["tls"].startswith("ok (starttls, TLSv1.")
    assert result.details["auth"] == "ok (as billing)"
    assert "billing@acme.example accepted" in result.details["sender"]
    assert "TLSv1." in result.message
    assert not server.handler.delivered


def test_check_on_plain_server_skips_tls_and_auth(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp()
    result = EmailNotifier(config(server.port, "none")).check()
    assert result.ok
    assert result.details["tls"].startswith("skipped")
    assert result.details["auth"] == "skipped (no username)"


def test_check_reports_wrong_password_at_auth_step(
    smtp: ModuleType, start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(
        implicit_tls=certs.server_context(), authenticator=smtp.Authenticator("billing", PASSWORD)
    )
    cfg = config(server.port, "tls", ca_file=str(certs.ca_file), username="billing")
    result = EmailNotifier({**cfg, "password": "nope"}).check()
    assert not result.ok
    assert result.message.startswith("auth failed")
    assert result.details["tls"].startswith("ok (tls, TLSv1.")
    assert result.details["auth"].startswith("failed: ")
    assert result.details["sender"] == result.details["noop"] == "not run"
    assert any("password" in cause for cause in result.causes)
    assert "nope" not in str(result.as_dict())


def test_check_diagnoses_refused_connection(smtp: ModuleType) -> None:
    result = EmailNotifier(config(smtp.free_port(), "starttls")).check()
    assert not result.ok
    assert result.details["connect"].startswith("failed: ")
    assert result.details["ehlo"] == "not run"
    assert any("check host and port" in cause for cause in result.causes)


def test_check_diagnoses_rejected_sender(smtp: ModuleType, start_smtp: Callable[..., Any]) -> None:
    server = start_smtp(smtp.ScriptedHandler(refuse_sender="550 5.7.1 Not your domain"))
    result = EmailNotifier(config(server.port, "none")).check()
    assert not result.ok
    assert result.details["noop"] == "not run"
    assert result.details["sender"].startswith("failed: ")
    assert any("from_address" in cause for cause in result.causes)


def test_check_diagnoses_untrusted_certificate(start_smtp: Callable[..., Any], certs: Any) -> None:
    server = start_smtp(starttls=certs.server_context())
    result = EmailNotifier(config(server.port, "starttls")).check()
    assert not result.ok
    assert result.details["tls"].startswith("failed: ")
    assert any("ca_file" in cause for cause in result.causes)
