"""Sending through a real aiosmtpd server on 127.0.0.1: content, headers, errors and retries."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from hub import ConfigError, DeliveryResult, OutgoingMessage, TransientError
from hub_email_reminders import EmailNotifier, RecipientRejected, message_id_for


def plain_config(server: Any, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "from_address": "billing@acme.example",
        "timeout": 5,
        **extra,
    }


def reminder(key: str = "rem-1:step-2:email", **extra: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "to": "AP Team <ap@customer.example>",
        "subject": "Rappel : facture INV-1001 échue",
        "text": "Invoice INV-1001 for €1,250.00 was due on 2026-11-01.\n.\nThanks",
        "html": "<p>Invoice <b>INV-1001</b> for €1,250.00 was due.</p>",
        "idempotency_key": key,
    }
    fields.update(extra)
    return OutgoingMessage(**fields)


def test_plain_send_delivers_both_parts_and_every_header(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp()
    notifier = EmailNotifier(
        plain_config(server, from_name="Acme Billing", reply_to="ar@acme.example")
    )
    message = reminder(
        headers={
            "List-Unsubscribe": "<https://hub.acme.example/u/tok>, <mailto:u@acme.example>",
            "X-Hub-Reminder": "rem-1",
        }
    )

    result = notifier.send(message)

    assert len(server.handler.delivered) == 1
    got = server.handler.delivered[0]
    assert got.mail_from == "billing@acme.example"
    assert got.rcpt_tos == ["ap@customer.example"]
    assert got.login is None
    mail = got.message
    expected_id = message_id_for("rem-1:step-2:email", "acme.example")
    assert mail["Message-ID"] == expected_id == result.provider_id
    assert isinstance(result, DeliveryResult) and result.status == "sent"
    assert "queued as Q1" in result.detail
    assert mail["From"] == "Acme Billing <billing@acme.example>"
    assert mail["To"] == "ap@customer.example"
    assert mail["Subject"] == "Rappel : facture INV-1001 échue"
    assert mail["Reply-To"] == "ar@acme.example"
    assert mail["Date"].datetime.utcoffset().total_seconds() == 0
    assert mail["List-Unsubscribe"].startswith("<https://hub.acme.example/u/tok>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["X-Hub-Reminder"] == "rem-1"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    body = text.get_content().replace("\r\n", "\n")
    assert body == message.text + "\n"  # the lone "." line survived dot-stuffing
    assert "<b>INV-1001</b> for €1,250.00" in html.get_content()
    assert b"\xe2\x82\xac" not in got.raw  # non-ASCII goes quoted-printable: no 8BITMIME needed


def test_text_only_message_and_per_message_reply_to(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp()
    notifier = EmailNotifier(plain_config(server, reply_to="ar@acme.example"))
    notifier.send(reminder(html=None, reply_to="collector@acme.example", headers={}))
    mail = server.handler.delivered[0].message
    assert mail.get_content_type() == "text/plain"
    assert mail["Reply-To"] == "collector@acme.example"
    assert "List-Unsubscribe" not in mail


@pytest.mark.parametrize(
    ("where", "reply"),
    [("fail_rcpt", "451 4.7.1 Greylisted, try again later"), ("fail_data", "421 4.3.2 Busy")],
)
def test_transient_failure_then_retry_keeps_message_id(
    smtp: ModuleType, start_smtp: Callable[..., Any], where: str, reply: str
) -> None:
    handler = smtp.ScriptedHandler(**{where: [reply, reply]})
    server = start_smtp(handler)
    notifier = EmailNotifier(plain_config(server))

    for _attempt in range(2):
        with pytest.raises(TransientError) as caught:
            notifier.send(reminder())
        assert reply.split()[0] in str(caught.value)
    result = notifier.send(reminder())

    assert len(handler.delivered) == 1
    delivered_id = handler.delivered[0].message["Message-ID"]
    assert delivered_id == result.provider_id
    assert delivered_id == message_id_for("rem-1:step-2:email", "acme.example")
    for refused in handler.refused_data:  # the attempts the server saw and refused
        assert refused.message["Message-ID"] == delivered_id


def test_connection_refused_is_transient(smtp: ModuleType) -> None:
    port = smtp.free_port()
    notifier = EmailNotifier({**plain_config(type("S", (), {"port": port})())})
    with pytest.raises(TransientError, match="refused the connection"):
        notifier.send(reminder())


def test_recipient_refused_permanently_is_not_retryable(
    smtp: ModuleType, start_smtp: Callable[..., Any]
) -> None:
    handler = smtp.ScriptedHandler(
        refuse_recipients={"gone@customer.example": "550 5.1.1 No such user"}
    )
    server = start_smtp(handler)
    with EmailNotifier(plain_config(server)) as notifier:
        with pytest.raises(RecipientRejected) as caught:
            notifier.send(reminder(to="gone@customer.example"))
        assert caught.value.code == 550
        assert caught.value.recipient == "gone@customer.example"
        assert isinstance(caught.value, ConfigError) and caught.value.causes
        notifier.send(reminder(key="other"))  # the kept connection was reset and still works
    assert [d.rcpt_tos for d in handler.delivered] == [["ap@customer.example"]]
    assert len({d.peer for d in handler.delivered}) == 1


def test_relay_denied_is_a_config_error_not_a_bad_recipient(
    smtp: ModuleType, start_smtp: Callable[..., Any]
) -> None:
    handler = smtp.ScriptedHandler(
        refuse_recipients={"ap@customer.example": "554 5.7.1 Relay access denied"}
    )
    server = start_smtp(handler)
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(plain_config(server)).send(reminder())
    assert not isinstance(caught.value, RecipientRejected)
    assert caught.value.path == "$.username"


def test_sender_refused_is_a_config_error(smtp: ModuleType, start_smtp: Callable[..., Any]) -> None:
    handler = smtp.ScriptedHandler(refuse_sender="553 5.7.1 Sender address not allowed")
    server = start_smtp(handler)
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(plain_config(server)).send(reminder())
    assert caught.value.path == "$.from_address"
    assert "553" in caught.value.message
    assert any("from_address" in cause for cause in caught.value.causes)


def test_data_refused_permanently_is_a_config_error(
    smtp: ModuleType, start_smtp: Callable[..., Any]
) -> None:
    handler = smtp.ScriptedHandler(fail_data=["554 5.7.1 Message rejected as spam"])
    server = start_smtp(handler)
    with pytest.raises(ConfigError) as caught:
        EmailNotifier(plain_config(server)).send(reminder())
    assert not isinstance(caught.value, RecipientRejected)
    assert "554" in caught.value.message and caught.value.causes


def test_context_manager_reuses_one_connection(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp()
    with EmailNotifier(plain_config(server)) as notifier:
        ids = [notifier.send(reminder(key=f"k{i}")).provider_id for i in range(5)]
    assert len(set(ids)) == 5
    assert len(server.handler.delivered) == 5
    assert len({d.peer for d in server.handler.delivered}) == 1
    assert server.handler.connections == 1


def test_without_context_manager_each_send_connects(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp()
    notifier = EmailNotifier(plain_config(server))
    for i in range(3):
        notifier.send(reminder(key=f"k{i}"))
    assert len({d.peer for d in server.handler.delivered}) == 3
    assert server.handler.connections == 3


def test_kept_connection_dropped_by_server_is_reopened(start_smtp: Callable[..., Any]) -> None:
    server = start_smtp(timeout=0.3)  # the server hangs up after 0.3 s of silence
    with EmailNotifier(plain_config(server)) as notifier:
        notifier.send(reminder(key="before"))
        time.sleep(0.6)
        notifier.send(reminder(key="after"))
    assert len(server.handler.delivered) == 2
    assert len({d.peer for d in server.handler.delivered}) == 2


def test_kept_connection_closing_with_421_is_reopened_once(start_smtp: Callable[..., Any]) -> None:
    """Some servers announce an idle timeout with ``421`` and the client reads it as the reply
    to its next MAIL FROM: nothing of the message was sent, so one reconnect delivers it."""
    server = start_smtp()
    with EmailNotifier(plain_config(server)) as notifier:
        notifier.send(reminder(key="before"))
        server.handler.fail_mail.append("421 4.4.2 idle for too long, closing connection")
        notifier.send(reminder(key="after"))
    assert len(server.handler.delivered) == 2
    assert len({d.peer for d in server.handler.delivered}) == 2


def test_sender_refused_on_a_kept_connection_is_not_retried(
    start_smtp: Callable[..., Any],
) -> None:
    """Only a lost connection is reopened: a 4xx that leaves it open is the server's answer."""
    server = start_smtp()
    with EmailNotifier(plain_config(server)) as notifier:
        notifier.send(reminder(key="before"))
        server.handler.fail_mail.append("451 4.7.1 try again later")
        with pytest.raises(TransientError):
            notifier.send(reminder(key="after"))
    assert len(server.handler.delivered) == 1
