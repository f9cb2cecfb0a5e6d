"""Sending and checking against a Twilio-compatible provider over real HTTP on 127.0.0.1."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from hub import AuthenticationError, ConfigError, OutgoingMessage, TransientError
from hub_sms_reminders import (
    IDEMPOTENCY_HEADER,
    MessageTooLong,
    RecipientOptedOut,
    RecipientRejected,
    SmsNotifier,
)

TO = "+447911123456"


def sms(
    text: str = "Invoice INV-7 (GBP 120.00) is overdue. Reply STOP to opt out.", **kw: Any
) -> OutgoingMessage:
    fields: dict[str, Any] = {"to": TO, "text": text, "idempotency_key": "rem-7:step-1:sms"}
    fields.update(kw)
    return OutgoingMessage(**fields)


def test_send_posts_the_form_with_basic_auth_and_idempotency_header(
    provider: Any, sms_config: dict[str, Any], twilio: ModuleType
) -> None:
    config = {**sms_config, "status_callback": "https://hub.example.com/webhooks/sms/status"}
    result = SmsNotifier(config).send(sms(to="+44 7911 123456"))

    assert len(provider.messages) == 1
    sent = provider.messages[0]
    assert result.provider_id == sent["sid"] and result.provider_id.startswith("SM")
    assert result.status == "queued"
    assert "GSM-7, 1 segment" in result.detail
    request = provider.requests[0]
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio.ACCOUNT_SID}/Messages.json"
    assert request.form == {
        "To": TO,
        "From": "+14155550100",
        "Body": sms().text,
        "StatusCallback": "https://hub.example.com/webhooks/sms/status",
    }
    assert request.headers[IDEMPOTENCY_HEADER.lower()] == "rem-7:step-1:sms"


def test_messaging_service_replaces_from(
    provider: Any, sms_config: dict[str, Any], twilio: ModuleType
) -> None:
    config = {k: v for k, v in sms_config.items() if k != "from_number"}
    SmsNotifier({**config, "messaging_service_sid": twilio.SERVICE_SID}).send(sms())
    form = provider.requests[0].form
    assert form["MessagingServiceSid"] == twilio.SERVICE_SID and "From" not in form


def test_unicode_text_is_sent_whole_and_reported_as_ucs2(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    text = "Faktura nr 7 jest zaległa: 1 250,00 zł. Dziękujemy 🙏 " * 3
    result = SmsNotifier(sms_config).send(sms(text=text))
    assert provider.messages[0]["body"] == text
    assert "UCS-2, 3 segment(s)" in result.detail


def test_more_than_ten_segments_is_refused_before_any_request(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    with pytest.raises(MessageTooLong) as caught:
        SmsNotifier(sms_config).send(sms(text="ł" * 700))
    assert caught.value.segments == 11 and caught.value.encoding == "UCS-2"
    assert "70 characters" in caught.value.message
    assert provider.requests == []


@pytest.mark.parametrize("bad", ["+1 555", "4155552671", "not a phone"])
def test_bad_number_is_refused_before_any_request(
    provider: Any, sms_config: dict[str, Any], bad: str
) -> None:
    with pytest.raises(RecipientRejected) as caught:
        SmsNotifier(sms_config).send(sms(to=bad))
    assert caught.value.address == bad and caught.value.code is None
    assert provider.requests == []


def test_wrong_token_is_an_authentication_error_without_the_token(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        SmsNotifier({**sms_config, "auth_token": "not-the-token-42"}).send(sms())
    assert "401" in caught.value.message and "20003" in caught.value.message
    assert caught.value.path == "$.auth_token" and caught.value.causes
    assert "not-the-token-42" not in str(caught.value)
    assert provider.messages == []


def test_429_then_success_honours_retry_after(provider: Any, sms_config: dict[str, Any]) -> None:
    provider.fail_next(429, 20429, Retry_After="7")
    notifier = SmsNotifier(sms_config)
    with pytest.raises(TransientError) as caught:
        notifier.send(sms())
    assert caught.value.retry_after == 7.0
    result = notifier.send(sms())
    assert [m["sid"] for m in provider.messages] == [result.provider_id]


def test_server_error_is_transient(provider: Any, sms_config: dict[str, Any]) -> None:
    provider.fail_next(503)
    with pytest.raises(TransientError) as caught:
        SmsNotifier(sms_config).send(sms())
    assert "503" in str(caught.value) and caught.value.retry_after is None


def test_unreachable_provider_is_transient(sms_config: dict[str, Any], provider: Any) -> None:
    base_url = provider.base_url
    provider.stop()
    with pytest.raises(TransientError, match="could not connect"):
        SmsNotifier({**sms_config, "base_url": base_url}).send(sms())


def test_opted_out_recipient_raises_recipient_opted_out(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    provider.opted_out.add(TO)
    with pytest.raises(RecipientOptedOut) as caught:
        SmsNotifier(sms_config).send(sms())
    error = caught.value
    assert (error.address, error.code, error.provider) == (TO, 21610, "twilio")
    assert not isinstance(error, TransientError | ConfigError)
    assert provider.messages == []


def test_provider_refusing_the_number_is_recipient_rejected(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    provider.invalid_numbers.add(TO)
    with pytest.raises(RecipientRejected) as caught:
        SmsNotifier(sms_config).send(sms())
    assert caught.value.code == 21211


@pytest.mark.parametrize(
    ("code", "path", "hint"),
    [(21408, None, "geographic permissions"), (21606, "$.from_number", "from_number")],
)
def test_permission_and_sender_errors_are_config_errors(
    provider: Any, sms_config: dict[str, Any], code: int, path: str | None, hint: str
) -> None:
    provider.fail_next(400, code)
    with pytest.raises(ConfigError) as caught:
        SmsNotifier(sms_config).send(sms())
    assert not isinstance(caught.value, RecipientRejected)
    assert caught.value.path == path
    assert any(hint in cause for cause in caught.value.causes)


def test_sender_not_owned_is_reported_by_the_fake_provider(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        SmsNotifier({**sms_config, "from_number": "+14155550199"}).send(sms())
    assert "21606" in caught.value.message and caught.value.path == "$.from_number"


def test_retry_after_a_lost_response_delivers_once(
    provider: Any, sms_config: dict[str, Any]
) -> None:
    with SmsNotifier(sms_config) as notifier:
        first = notifier.send(sms())
        again = notifier.send(sms())  # e.g. the worker died before recording the first result
        other = notifier.send(sms(idempotency_key="rem-7:step-2:sms"))
    assert first.provider_id == again.provider_id != other.provider_id
    assert len(provider.messages) == 2
    assert len(provider.requests) == 3


def test_check_ok(provider: Any, sms_config: dict[str, Any], twilio: ModuleType) -> None:
    result = SmsNotifier(sms_config).check()
    assert result.ok, result
    assert result.details["connect"] == result.details["auth"] == "ok"
    assert result.details["account"] == "ok (Collections Test Account, active)"
    assert provider.requests[0].method == "GET"
    assert provider.requests[0].path == f"/2010-04-01/Accounts/{twilio.ACCOUNT_SID}.json"
    assert provider.messages == []


def test_check_bad_token(provider: Any, sms_config: dict[str, Any]) -> None:
    result = SmsNotifier({**sms_config, "auth_token": "bad-token-xyz"}).check()
    assert not result.ok
    assert result.details["connect"] == "ok"
    assert result.details["auth"].startswith("failed: ")
    assert result.details["account"] == "not run"
    assert any("auth_token" in cause for cause in result.causes)
    assert "bad-token-xyz" not in str(result.as_dict())


def test_check_unknown_account(provider: Any, sms_config: dict[str, Any]) -> None:
    provider.fail_next(404, 20404)
    result = SmsNotifier(sms_config).check()
    assert not result.ok
    assert result.details["connect"] == result.details["auth"] == "ok"
    assert result.details["account"].startswith("failed: ")
    assert any("account_sid" in cause for cause in result.causes)


def test_check_suspended_account(provider: Any, sms_config: dict[str, Any]) -> None:
    provider.account_status = "suspended"
    result = SmsNotifier(sms_config).check()
    assert not result.ok and "suspended" in result.message
    assert result.details["account"] == "failed: account status is suspended"


def test_check_unreachable(provider: Any, sms_config: dict[str, Any]) -> None:
    provider.stop()
    result = SmsNotifier(sms_config).check()
    assert not result.ok
    assert result.details["connect"].startswith("failed: ")
    assert any("base_url" in cause for cause in result.causes)
