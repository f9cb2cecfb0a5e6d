"""Configuration parsing, the config schema and address validation (no server needed)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from hub import ConfigError, OutgoingMessage
from hub_email_reminders import (
    CONFIG_SCHEMA,
    EmailNotifier,
    RecipientRejected,
    build_message,
    message_id_for,
    normalize_email_address,
    parse_settings,
)

BASE = {"host": "smtp.example.com", "from_address": "billing@example.com"}


def test_schema_is_valid_draft_2020_12_with_titles_and_secret_password() -> None:
    Draft202012Validator.check_schema(CONFIG_SCHEMA)
    for name, prop in CONFIG_SCHEMA["properties"].items():
        assert prop.get("type") and prop.get("title"), name
    secrets = [k for k, p in CONFIG_SCHEMA["properties"].items() if p.get("x-secret")]
    assert secrets == ["password"]
    assert set(CONFIG_SCHEMA["required"]) == {"host", "from_address"}
    Draft202012Validator(CONFIG_SCHEMA).validate({**BASE, "security": "tls", "port": 465})


@pytest.mark.parametrize(
    ("security", "port"), [(None, 587), ("starttls", 587), ("tls", 465), ("none", 25)]
)
def test_port_defaults_follow_security(security: str | None, port: int) -> None:
    config = dict(BASE) if security is None else {**BASE, "security": security}
    settings = parse_settings(config)
    assert settings.port == port
    assert settings.security == (security or "starttls")


def test_explicit_port_wins_and_password_stays_out_of_repr() -> None:
    settings = parse_settings({**BASE, "port": 2525, "username": "u", "password": "s3cr3t-pw"})
    assert settings.port == 2525
    assert "s3cr3t-pw" not in repr(settings)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"security": "ssl"}, "$.security"),
        ({"port": 0}, "$.port"),
        ({"port": "587"}, "$.port"),
        ({"from_address": "not an address"}, "$.from_address"),
        ({"reply_to": "a@b"}, "$.reply_to"),
        ({"password": "x"}, "$.username"),
        ({"verify": "no"}, "$.verify"),
        ({"timeout": -1}, "$.timeout"),
        ({"hots": "typo"}, "$.hots"),
        ({"host": "  "}, "$.host"),
    ],
)
def test_invalid_config_names_the_key(change: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EmailNotifier({**BASE, **change})
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ann Smith <Ann.Smith@Example.COM>", "Ann.Smith@example.com"),
        ("  ap+invoices@acme.co.uk ", "ap+invoices@acme.co.uk"),
        ("kasse@bücher.de", "kasse@xn--bcher-kva.de"),
    ],
)
def test_normalize_address_accepts_and_canonicalises(raw: str, expected: str) -> None:
    assert normalize_email_address(raw) == expected
    assert EmailNotifier(BASE).normalize_address(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "plainaddress",
        "a@b",
        "a@b.com, c@d.com",
        "a..b@example.com",
        ".a@example.com",
        '"quoted"@example.com',
        "jürgen@example.com",
        "a@[127.0.0.1]",
        "a@-example.com",
        "a@example.c0m",
        "a@example.com\r\nBcc: victim@example.com",
    ],
)
def test_normalize_address_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_email_address(raw)


def test_message_id_is_deterministic_per_key() -> None:
    first = message_id_for("reminder:42:step:2:email", "example.com")
    assert first == message_id_for("reminder:42:step:2:email", "example.com")
    assert first != message_id_for("reminder:42:step:3:email", "example.com")
    assert first.startswith("<") and first.endswith("@example.com>")
    assert "42" not in first


def test_build_message_refuses_bad_recipient_and_reserved_or_multiline_headers() -> None:
    settings = parse_settings(BASE)
    with pytest.raises(RecipientRejected) as caught:
        build_message(OutgoingMessage(to="nobody", text="x", idempotency_key="k"), settings)
    assert caught.value.recipient == "nobody" and caught.value.code is None
    for headers in ({"Message-ID": "<x@y>"}, {"bcc": "a@example.com"}, {"X-Tag": "a\r\nBcc: b"}):
        with pytest.raises(ConfigError):
            build_message(
                OutgoingMessage(to="a@example.com", text="x", idempotency_key="k", headers=headers),
                settings,
            )
    with pytest.raises(ConfigError):
        build_message(OutgoingMessage(to="a@example.com", text="x", idempotency_key=""), settings)


def test_list_unsubscribe_post_only_for_https() -> None:
    settings = parse_settings(BASE)

    def headers(value: str) -> dict[str, str]:
        message = OutgoingMessage(
            to="a@example.com", text="x", idempotency_key="k", headers={"List-Unsubscribe": value}
        )
        return dict(build_message(message, settings).items())

    assert "List-Unsubscribe-Post" not in headers("<mailto:unsubscribe@example.com>")
    with_https = headers("<mailto:u@example.com>, <https://hub.example.com/u/abc>")
    assert with_https["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
