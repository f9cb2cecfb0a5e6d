"""Settings, schema, phone numbers and segments: the parts that need no provider."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from hub import ConfigError
from hub_sms_reminders import (
    CONFIG_SCHEMA,
    MAX_SEGMENTS,
    SmsNotifier,
    normalize_phone_number,
    parse_settings,
    segments,
)

SID = "AC" + "ab" * 16
BASE: dict[str, Any] = {
    "provider": "twilio",
    "account_sid": SID,
    "auth_token": "tok-123456",
    "from_number": "+14155550100",
}


def test_schema_is_valid_2020_12_with_titles_secret_and_exactly_one_sender() -> None:
    Draft202012Validator.check_schema(CONFIG_SCHEMA)
    props = CONFIG_SCHEMA["properties"]
    for name, prop in props.items():
        assert prop.get("type") and prop.get("title"), name
    assert [k for k, p in props.items() if p.get("x-secret")] == ["auth_token"]
    assert props["provider"]["enum"] == ["twilio"]
    assert props["base_url"]["default"] == "https://api.twilio.com"
    validator = Draft202012Validator(CONFIG_SCHEMA)
    validator.validate(BASE)
    service = {k: v for k, v in BASE.items() if k != "from_number"}
    validator.validate({**service, "messaging_service_sid": "MG" + "0" * 32})
    with pytest.raises(ValidationError):
        validator.validate(service)
    with pytest.raises(ValidationError):
        validator.validate({**BASE, "messaging_service_sid": "MG" + "0" * 32})


def test_settings_defaults_and_token_not_in_repr() -> None:
    settings = parse_settings(BASE)
    assert settings.base_url == "https://api.twilio.com"
    assert settings.timeout == 15.0
    assert "tok-123456" not in repr(settings)
    assert parse_settings({**BASE, "from_number": "Acme Inc"}).from_number == "Acme Inc"
    assert (
        parse_settings(
            {**BASE, "from_number": "(415) 555-0100", "default_region": "us"}
        ).from_number
        == "+14155550100"
    )


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"provider": "nexmo"}, "$.provider"),
        ({"account_sid": "tok-123456"}, "$.account_sid"),
        ({"auth_token": ""}, "$.auth_token"),
        ({"from_number": None}, "$.from_number"),
        ({"messaging_service_sid": "MG" + "1" * 32}, "$.from_number"),
        ({"from_number": "not a number!"}, "$.from_number"),
        ({"base_url": "http://api.example.com"}, "$.base_url"),
        ({"base_url": "ftp://127.0.0.1"}, "$.base_url"),
        ({"default_region": "USA"}, "$.default_region"),
        ({"timeout": 0}, "$.timeout"),
        ({"acount_sid": SID}, "$.acount_sid"),
    ],
)
def test_invalid_settings_name_the_key(change: dict[str, Any], path: str) -> None:
    config = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as caught:
        SmsNotifier(config)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 (415) 555-2671", None, "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("07911 123456", "GB", "+447911123456"),
        ("+49 1512 3456789", None, "+4915123456789"),
    ],
)
def test_normalize_to_e164(raw: str, region: str | None, expected: str) -> None:
    assert normalize_phone_number(raw, region) == expected


def test_notifier_normalize_uses_configured_region_unless_told_otherwise() -> None:
    notifier = SmsNotifier({**BASE, "default_region": "GB"})
    assert notifier.normalize_address("07911 123456") == "+447911123456"
    assert notifier.normalize_address("(415) 555-2671", default_region="US") == "+14155552671"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("4155552671", "country code"),
        ("+1 555", "not a valid"),
        ("call me", "not a phone number"),
        ("+44 20 7946 0958", "landline"),
        ("+1 900 555 0100", "premium-rate"),
    ],
)
def test_unusable_numbers_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize_phone_number(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("Total: €1,250.00 [INV-1]", ("GSM-7", 1)),
        ("€" * 80, ("GSM-7", 1)),  # 160 septets: escape pairs count twice
        ("€" * 81, ("GSM-7", 2)),
        ("a" * 152 + "€", ("GSM-7", 1)),
        ("a" * 152 + "€" + "a" * 8, ("GSM-7", 2)),  # 162 septets; the pair is not split
        ("Zahlung fällig: Müller, Ñandù, été", ("GSM-7", 1)),
        ("Ñandú", ("UCS-2", 1)),  # ú is not in the GSM alphabet (ù is)
        ("Płatność", ("UCS-2", 1)),
        ("ł" * 70, ("UCS-2", 1)),
        ("ł" * 71, ("UCS-2", 2)),
        ("ł" * 134, ("UCS-2", 2)),
        ("ł" * 135, ("UCS-2", 3)),
        ("😀" * 35, ("UCS-2", 1)),  # surrogate pairs: two units each
        ("😀" * 36, ("UCS-2", 2)),
        ("Paid “thanks”", ("UCS-2", 1)),
    ],
)
def test_segments(text: str, expected: tuple[str, int]) -> None:
    assert segments(text) == expected


def test_max_segments_is_ten() -> None:
    assert MAX_SEGMENTS == 10
    assert segments("a" * 153 * 10) == ("GSM-7", 10)
    assert segments("a" * (153 * 10 + 1)) == ("GSM-7", 11)
