"""STARTTLS, implicit TLS and AUTH against aiosmtpd with a certificate made by the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hub import AuthenticationError, ConfigError, OutgoingMessage
from hub_email_reminders import EmailNotifier

PASSWORD = "correct horse battery staple"


def config(server: Any, security: str, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": security,
        "from_address": "billing@acme.example",
        "timeout": 5,
        **extra,
    }


def message(key: str = "k1") -> OutgoingMessage:
    return OutgoingMessage(to="ap@customer.example", subject="Hi", text="Due", idempotency_key=key)


def test_starttls_with_custom_ca(start_smtp: Callable[..., Any], certs: Any) -> None:
    server = start_smtp(starttls=certs.server_context(), require_starttls=True)
    notifier = EmailNotifier(config(server, "starttls", ca_file=str(certs.ca_file)))
    notifier.send(message())
    assert len(server.handler.delivered) == 1
    assert server.handler.connections == 1  # EHLO again after STARTTLS: the same connection


def test_implicit_tls_with_custom_ca(start_smtp: Callable[..., Any], certs: Any) -> None:
    server = start_smtp(implicit_tls=certs.server_context())
    notifier = EmailNotifier(config(server, "tls", ca_file=str(certs.ca_file)))
    result = notifier.send(message())
    assert server.handler.delivered[0].message["Message-ID"] == result.provider_id
    assert server.handler.connections == 1


def test_unknown_ca_is_a_config_error_and_verify_false_skips_it(
    start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(starttls=certs.server_context())
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(config(server, "starttls")).send(message())
    assert caught.value.path == "$.ca_file"
    assert any("ca_file" in cause for cause in caught.value.causes)
    assert not server.handler.delivered

    EmailNotifier(config(server, "starttls", verify=False)).send(message())
    assert len(server.handler.delivered) == 1


def test_host_name_not_on_certificate_is_a_config_error(
    smtp: ModuleType, start_smtp: Callable[..., Any], tmp_path: Path
) -> None:
    other = smtp.make_certs(tmp_path, names=("mail.other.example",))
    server = start_smtp(implicit_tls=other.server_context())
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(config(server, "tls", ca_file=str(other.ca_file))).send(message())
    assert "could not be verified" in caught.value.message
    assert "127.0.0.1" in caught.value.message
    assert any("not a name on the server's certificate" in c for c in caught.value.causes)


def test_missing_ca_file_is_a_config_error(start_smtp: Callable[..., Any], certs: Any) -> None:
    server = start_smtp(starttls=certs.server_context())
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(config(server, "starttls", ca_file="/nonexistent/ca.pem")).send(message())
    assert caught.value.path == "$.ca_file"


def test_implicit_tls_against_a_plain_server_explains_the_mismatch(
    start_smtp: Callable[..., Any],
) -> None:
    server = start_smtp()
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(config(server, "tls")).send(message())
    assert caught.value.path == "$.security"
    assert any("465" in cause for cause in caught.value.causes)


def test_starttls_against_a_server_without_it_is_a_config_error(
    start_smtp: Callable[..., Any],
) -> None:
    server = start_smtp()
    with pytest.raises(ConfigError, match="does not offer STARTTLS"):
        EmailNotifier(config(server, "starttls")).send(message())


@pytest.mark.parametrize(("excluded", "used"), [([], "PLAIN"), (["PLAIN"], "LOGIN")])
def test_auth_succeeds_with_plain_and_login(
    smtp: ModuleType,
    start_smtp: Callable[..., Any],
    certs: Any,
    excluded: list[str],
    used: str,
) -> None:
    auth = smtp.Authenticator("billing", PASSWORD)
    server = start_smtp(
        starttls=certs.server_context(),
        authenticator=auth,
        auth_required=True,
        auth_exclude_mechanism=excluded,
    )
    cfg = config(server, "starttls", ca_file=str(certs.ca_file), username="billing")
    EmailNotifier({**cfg, "password": PASSWORD}).send(message())
    assert auth.mechanisms == [used]
    assert server.handler.delivered[0].login == "billing"


def test_wrong_password_is_an_authentication_error_without_the_password(
    smtp: ModuleType, start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(
        starttls=certs.server_context(),
        authenticator=smtp.Authenticator("billing", PASSWORD),
        auth_required=True,
    )
    cfg = config(server, "starttls", ca_file=str(certs.ca_file), username="billing")
    with pytest.raises(AuthenticationError) as caught:
        EmailNotifier({**cfg, "password": "wrong-password-123"}).send(message())
    error = caught.value
    assert "535" in error.message
    assert error.path == "$.password"
    assert any("password" in cause for cause in error.causes)
    assert "wrong-password-123" not in str(error)
    assert not server.handler.delivered


def test_auth_offered_only_after_tls_explains_itself(
    smtp: ModuleType, start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(
        starttls=certs.server_context(), authenticator=smtp.Authenticator("billing", PASSWORD)
    )
    cfg = config(server, "none", username="billing", password=PASSWORD)
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(cfg).send(message())
    assert caught.value.path == "$.security"
    assert any("starttls" in cause for cause in caught.value.causes)


def test_server_requiring_auth_without_username_is_a_config_error(
    smtp: ModuleType, start_smtp: Callable[..., Any], certs: Any
) -> None:
    server = start_smtp(
        starttls=certs.server_context(),
        authenticator=smtp.Authenticator("billing", PASSWORD),
        auth_required=True,
    )
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(config(server, "starttls", ca_file=str(certs.ca_file))).send(message())
    assert caught.value.path == "$.username"
    assert "530" in caught.value.message
