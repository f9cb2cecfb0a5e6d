"""Sending through real servers: aiosmtpd for email, the Twilio-compatible fake for SMS."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from hub import RecordChange
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger, handle_inbound_sms
from hub.collections.models import Reminder
from hub.collections.sender import Sender
from hub.collections.service import run_reminders
from hub.collections.settings import CollectionsSettings
from hub.models import Invoice
from hub.plugins import PluginHost

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def _conf() -> Any:
    return next(m for n, m in sys.modules.items() if n.endswith("collections.conftest"))


def _setup(
    engine: Engine, channels: ChannelService, cid: int, smtp_port: int, sms: Any = None
) -> None:
    c = _conf()
    channels.add(
        "mail",
        "email_reminders",
        {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "from_address": "ar@acme.example",
        },
    )
    if sms is not None:
        channels.add(
            "text",
            "sms_reminders",
            {
                "provider": "twilio",
                "account_sid": sms[0],
                "auth_token": sms[1],
                "from_number": "+14155550100",
                "base_url": sms[2],
            },
        )
    c.add_customer(engine, cid, "C1", email="c1@x.example", phone="+14155550199", name="Globex")


def _sender_factory(refresh: Any = None) -> Any:
    def make(*args: Any, **kwargs: Any) -> Sender:
        kwargs.setdefault("refresh", refresh)
        kwargs.setdefault("settings", CollectionsSettings(freshness_seconds=600))
        return Sender(*args, **kwargs)

    return make


def _rows(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(col(Reminder.id))))


def test_email_and_sms_go_out_exactly_once(
    engine: Engine,
    channels: ChannelService,
    connection_id: int,
    smtp_server: Any,
    sms_provider: Any,
    twilio: Any,
) -> None:
    _setup(
        engine,
        channels,
        connection_id,
        smtp_server.port,
        (twilio.ACCOUNT_SID, twilio.AUTH_TOKEN, sms_provider.base_url),
    )
    _conf().add_invoice(
        engine, connection_id, "I1", "C1", TODAY - timedelta(days=7), amount="1250.00"
    )
    summary = run_reminders(engine, channels, _sender_factory(), now=NOW)
    assert summary.sent == 2
    [mail] = smtp_server.handler.delivered
    message = mail.message
    assert mail.rcpt_tos == ["c1@x.example"]
    assert "INV-I1" in message["Subject"] and "$1,250.00" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "<table" in html and "$1,250.00" in html and "Mar 25, 2026" not in html
    [sms] = sms_provider.messages
    assert sms["to"] == "+14155550199" and "INV-I1" in sms["body"]
    again = run_reminders(engine, channels, _sender_factory(), now=NOW + timedelta(hours=1))
    assert again.sent == 0
    assert len(smtp_server.handler.delivered) == 1 and len(sms_provider.messages) == 1
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_payment_cancels_pending_reminders_at_once(
    engine: Engine,
    channels: ChannelService,
    connection_id: int,
    smtp_server: Any,
    plugin_host: PluginHost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    _setup(engine, channels, connection_id, smtp_server.port)
    c = _conf()
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    c.add_invoice(engine, connection_id, "I2", "C1", TODAY - timedelta(days=1))
    c.add_invoice(engine, connection_id, "I3", "C1", TODAY - timedelta(days=1), amount="100.00")
    from hub.collections.planner import Planner

    Planner(engine, connection_id, channels).plan(NOW - timedelta(hours=3))  # 07:00: outside hours
    plugin_host.records_changed(
        connection_id,
        "invoice",
        [
            RecordChange("I1", "updated", {"status": "paid", "amount_due": "0.00"}),
        ],
    )
    plugin_host.records_changed(
        connection_id,
        "payment",
        [
            RecordChange(
                "P1",
                "created",
                {
                    "applications": [
                        {"invoice_external_id": "I2", "amount": "100.00"},
                        {"invoice_external_id": "I3", "amount": "40.00"},
                    ]
                },
            ),
        ],
    )
    got = {r.invoice_external_id: (r.status, r.reason) for r in _rows(engine)}
    assert got == {
        "I1": ("cancelled", "paid"),
        "I2": ("cancelled", "paid"),
        "I3": ("scheduled", None),
    }
    # The partial payment lands in the ERP; the sender shows the amount still due.
    with Session(engine) as session:
        session.execute(
            update(Invoice)
            .where(col(Invoice.external_id) == "I3")
            .values(amount_due=Decimal("60.00"), status="partially_paid")
        )
        session.commit()
    run_reminders(engine, channels, _sender_factory(), now=NOW)
    [mail] = smtp_server.handler.delivered
    assert "INV-I3" in mail.message["Subject"] and "$60.00" in mail.message["Subject"]


def test_sender_refreshes_stale_invoice_and_suppresses_when_paid(
    engine: Engine, channels: ChannelService, connection_id: int, smtp_server: Any
) -> None:
    _setup(engine, channels, connection_id, smtp_server.port)
    _conf().add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    with Session(engine) as session:
        session.execute(update(Invoice).values(synced_at=NOW - timedelta(hours=2)))
        session.commit()
    refreshed: list[str] = []

    def erp_says_paid(eng: Engine, cid: int, object_type: str, external_id: str) -> None:
        # Stands in for the ERP round trip of hub.sync.refresh_record: the invoice was paid.
        refreshed.append(external_id)
        with Session(eng) as session:
            session.execute(
                update(Invoice)
                .where(col(Invoice.external_id) == external_id)
                .values(status="paid", amount_due=Decimal(0), synced_at=NOW)
            )
            session.commit()

    summary = run_reminders(engine, channels, _sender_factory(erp_says_paid), now=NOW)
    assert refreshed == ["I1"]
    assert summary.sent == 0 and summary.suppressed["paid"] == 1
    assert smtp_server.handler.delivered == []


def test_failed_refresh_of_old_data_suppresses_as_stale(
    engine: Engine, channels: ChannelService, connection_id: int, smtp_server: Any
) -> None:
    _setup(engine, channels, connection_id, smtp_server.port)
    _conf().add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    with Session(engine) as session:
        session.execute(update(Invoice).values(synced_at=NOW - timedelta(days=3)))
        session.commit()

    def erp_down(*_: Any) -> None:
        raise ConnectionError("ERP unreachable")

    summary = run_reminders(engine, channels, _sender_factory(erp_down), now=NOW)
    assert summary.suppressed["stale_data"] == 1 and smtp_server.handler.delivered == []


def test_sms_stop_and_provider_opt_out_reach_the_ledger(
    engine: Engine,
    channels: ChannelService,
    connection_id: int,
    smtp_server: Any,
    sms_provider: Any,
    twilio: Any,
) -> None:
    _setup(
        engine,
        channels,
        connection_id,
        smtp_server.port,
        (twilio.ACCOUNT_SID, twilio.AUTH_TOKEN, sms_provider.base_url),
    )
    c = _conf()
    c.add_customer(engine, connection_id, "C2", phone="+14155550188", email="c2@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=7))
    c.add_invoice(engine, connection_id, "I2", "C2", TODAY - timedelta(days=7))
    assert handle_inbound_sms(engine, "+1 415 555 0199", "Stop") == "opt_out"
    assert handle_inbound_sms(engine, "+14155550199", "hello") is None
    sms_provider.opted_out.add("+14155550188")  # C2 replied STOP to the provider directly
    run_reminders(engine, channels, _sender_factory(), now=NOW)
    sms_rows = {
        r.invoice_external_id: (r.status, r.reason) for r in _rows(engine) if r.channel == "sms"
    }
    assert sms_rows == {"I1": ("suppressed", "opted_out"), "I2": ("suppressed", "opted_out")}
    assert sms_provider.messages == []
    assert len(smtp_server.handler.delivered) == 2  # email still goes out
    ledger = ConsentLedger(engine)
    assert ledger.state("+14155550188", "sms").opted_out
    assert [(e.method, e.action) for e in ledger.history("+14155550199")] == [
        ("inbound_sms", "opt_out")
    ]
    handle_inbound_sms(engine, "+14155550199", "START")
    assert not ledger.state("+14155550199", "sms").opted_out


def test_transient_smtp_failure_retries_with_the_same_message_id(
    engine: Engine, channels: ChannelService, connection_id: int, smtp: Any
) -> None:
    server = smtp.start_server(smtp.ScriptedHandler(fail_data=["451 4.3.0 try later"]))
    try:
        _setup(engine, channels, connection_id, server.port)
        _conf().add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
        first = run_reminders(engine, channels, _sender_factory(), now=NOW)
        [row] = _rows(engine)
        assert first.outcomes["retry"] == 1 and row.status == "scheduled"
        assert row.attempts == 1 and "try later" in (row.error or "")
        assert row.scheduled_for.replace(tzinfo=UTC) == NOW + timedelta(seconds=60)  # back-off
        early = run_reminders(engine, channels, _sender_factory(), now=NOW + timedelta(seconds=30))
        assert early.sent == 0 and server.handler.delivered == []
        second = run_reminders(engine, channels, _sender_factory(), now=NOW + timedelta(minutes=2))
        assert second.sent == 1 and _rows(engine)[0].attempts == 2
        assert (
            server.handler.refused_data[0].message["Message-ID"]
            == server.handler.delivered[0].message["Message-ID"]
        )
    finally:
        server.stop()


def test_deliver_many_claims_a_batch_and_sends_each_message_once(
    engine: Engine, channels: ChannelService, connection_id: int, smtp_server: Any
) -> None:
    c = _conf()
    _setup(engine, channels, connection_id, smtp_server.port)
    c.add_customer(engine, connection_id, "C2", email="c2@x.example", name="Initech")
    c.add_customer(engine, connection_id, "C3", email="c3@x.example", name="Hooli")
    for inv, cust in (("I1", "C1"), ("I2", "C2"), ("I3", "C3")):
        c.add_invoice(engine, connection_id, inv, cust, TODAY - timedelta(days=7))
    from hub.collections.planner import Planner

    Planner(engine, connection_id, channels).plan(NOW)
    with Session(engine) as session:  # I2 got paid after planning: its message is suppressed
        session.execute(
            update(Invoice).where(col(Invoice.external_id) == "I2").values(status="paid")
        )
        session.commit()
    leads = {r.invoice_external_id: r.id or 0 for r in _rows(engine) if r.channel == "email"}
    sender = _sender_factory()(engine, channels)
    try:
        ids = [leads["I1"], leads["I2"], 999_999, leads["I3"], leads["I1"]]
        outcomes = [o.status for o in sender.deliver_many(ids, NOW)]
        again = [o.status for o in sender.deliver_many([leads["I1"], leads["I3"]], NOW)]
    finally:
        sender.close()
    assert outcomes == ["sent", "suppressed", "skipped", "sent", "sent"]
    assert again == ["skipped", "skipped"]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.handler.delivered) == [
        "c1@x.example",
        "c3@x.example",
    ]
    status = {
        r.invoice_external_id: (r.status, r.reason) for r in _rows(engine) if r.channel == "email"
    }
    assert status["I2"] == ("suppressed", "paid") and status["I1"][0] == "sent"


def test_messages_not_reached_within_half_a_lease_go_back_unsent(
    engine: Engine, channels: ChannelService, connection_id: int, smtp_server: Any
) -> None:
    c = _conf()
    _setup(engine, channels, connection_id, smtp_server.port)
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=7))
    from hub.collections.planner import Planner

    Planner(engine, connection_id, channels).plan(NOW)
    [lead] = [r.id or 0 for r in _rows(engine) if r.channel == "email"]
    settings = CollectionsSettings(freshness_seconds=600, lease_seconds=0)  # no time at all
    sender = Sender(engine, channels, settings, refresh=None)
    try:
        [outcome] = sender.deliver_many([lead], NOW)
    finally:
        sender.close()
    assert outcome.status == "retry"
    assert smtp_server.handler.delivered == []
    [row] = [r for r in _rows(engine) if r.id == lead]
    assert (row.status, row.attempts, row.lease_until) == ("queued", 0, None)
