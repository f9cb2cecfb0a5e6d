"""The sent-hook, unsubscribe links, retry exhaustion, dated pauses and the pre-send refresh
through the real NetSuite sync path (emulator over loopback HTTP)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub import DeliveryResult, hookimpl
from hub.collections.actions import CollectorActions
from hub.collections.channels import ChannelService
from hub.collections.consent import (
    ConsentLedger,
    record_unsubscribe,
    unsubscribe_token,
    verify_unsubscribe_token,
)
from hub.collections.models import Reminder
from hub.collections.outbox import recover_stalled
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.collections.sender import Sender, default_refresh
from hub.collections.service import run_reminders
from hub.collections.settings import CollectionsSettings
from hub.crypto import SecretBox
from hub.models import Invoice, utcnow
from hub.plugins import PluginHost

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()
KEY = "test-secret-key-for-collections-0123456789"
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}


def _conf() -> Any:
    return next(m for n, m in sys.modules.items() if n.endswith("collections.conftest"))


def _mail(channels: ChannelService, port: int) -> None:
    channels.add(
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "ar@x.example"},
    )


def _rows(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(col(Reminder.id))))


def _factory(settings: CollectionsSettings) -> Any:
    def make(*args: Any, **kwargs: Any) -> Sender:
        kwargs.setdefault("refresh", None)
        kwargs.setdefault("settings", settings)
        return Sender(*args, **kwargs)

    return make


def test_hook_reminder_sent(
    engine: Engine, box: SecretBox, connection_id: int, smtp_server: Any
) -> None:
    seen: list[tuple[dict[str, Any], str, DeliveryResult]] = []

    class Observer:
        @hookimpl
        def reminder_sent(
            self, reminder: dict[str, Any], channel: str, result: DeliveryResult
        ) -> None:
            seen.append((reminder, channel, result))

    class Broken:
        @hookimpl
        def reminder_sent(self) -> None:
            raise RuntimeError("CRM is down")

    host = PluginHost().load()
    assert host.register(Observer(), name="observer") and host.register(Broken(), name="broken")
    channels = ChannelService(engine, host, box)
    _mail(channels, smtp_server.port)
    c = _conf()
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1), amount="80.00")
    summary = run_reminders(engine, channels, _factory(CollectionsSettings()), now=NOW)
    assert summary.sent == 1  # the broken observer did not undo or retry the delivery
    [(reminder, channel, result)] = seen
    [row] = _rows(engine)
    assert channel == "mail" and reminder["id"] == row.id and row.status == "sent"
    assert reminder["invoice_external_id"] == "I1" and reminder["amount_due"] == Decimal("80")
    assert result.provider_id == smtp_server.handler.delivered[0].message["Message-ID"]
    run_reminders(engine, channels, _factory(CollectionsSettings()), now=NOW + timedelta(hours=1))
    assert len(seen) == 1  # fired once per row, not per pass


def test_unsubscribe_link_is_signed_and_records_the_opt_out(
    engine: Engine,
    channels: ChannelService,
    connection_id: int,
    smtp_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_SECRET_KEY", KEY)
    token = unsubscribe_token("Ann@X.example", "email")
    assert verify_unsubscribe_token(token) == ("ann@x.example", "email")
    forged = token.split(".")[0] + "." + unsubscribe_token("eve@x.example", "email").split(".")[1]
    assert verify_unsubscribe_token(forged) is None
    assert verify_unsubscribe_token("not-a-token") is None
    assert verify_unsubscribe_token(token, secret_key="another-key-0123456789abcdef") is None

    _mail(channels, smtp_server.port)
    c = _conf()
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    settings = CollectionsSettings.from_env({"HUB_PUBLIC_URL": "https://hub.acme.example/"})
    run_reminders(engine, channels, _factory(settings), now=NOW)
    message = smtp_server.handler.delivered[0].message
    header = message["List-Unsubscribe"]
    assert header.startswith("<https://hub.acme.example/unsubscribe/") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link_token = header[1:-1].rsplit("/", 1)[1]
    assert record_unsubscribe(engine, link_token) == ("c1@x.example", "email")
    assert ConsentLedger(engine).state("c1@x.example", "email").opted_out
    assert [e.method for e in ConsentLedger(engine).history("c1@x.example")] == ["unsubscribe_link"]
    assert record_unsubscribe(engine, forged) is None


def test_a_message_that_keeps_killing_its_worker_fails_after_max_attempts(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    _mail(channels, 2525)
    c = _conf()
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    Planner(engine, connection_id, channels).plan(NOW)
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(select(Reminder)).one()
        row.status, row.attempts, row.lease_until = "sending", 3, NOW - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert recover_stalled(engine, 60, NOW, max_attempts=4) == [(row.id, row.message_key)]
    with Session(engine) as session:
        session.get(Reminder, row.id).attempts = 4  # type: ignore[union-attr]
        session.commit()
    assert recover_stalled(engine, 60, NOW, max_attempts=4) == []
    [failed] = _rows(engine)
    assert (failed.status, failed.reason) == ("failed", "retries_exhausted")


def test_pause_until_a_date_times_out_and_chasing_resumes(
    engine: Engine, channels: ChannelService, connection_id: int
) -> None:
    _mail(channels, 2525)
    c = _conf()
    c.add_customer(engine, connection_id, "C1", email="c1@x.example")
    c.add_invoice(engine, connection_id, "I1", "C1", TODAY - timedelta(days=1))
    CollectorActions(engine, connection_id).pause("customer", "C1", "on holiday", until=TODAY)
    planner = Planner(engine, connection_id, channels)
    planner.plan(NOW)
    assert [(r.status, r.reason) for r in _rows(engine)] == [("held", "customer_paused")]
    planner.plan(NOW + timedelta(hours=10))  # still the last paused day
    assert [r.status for r in _rows(engine)] == ["held"]
    result = planner.plan(NOW + timedelta(days=1))
    assert result.released == 1 and [r.status for r in _rows(engine)] == ["scheduled"]
    from hub.collections.timeline import timeline

    assert "pause_ended" in [e.kind for e in timeline(engine, connection_id, "C1")]


def test_pre_send_refresh_through_the_netsuite_sync_path_suppresses_a_paid_invoice(
    sqlite_engine: Engine,
    plugin_host: PluginHost,
    box: SecretBox,
    smtp_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.connections import ConnectionService
    from hub.sync import run_sync
    from hub_netsuite.sandbox.api import run_sandbox

    engine = sqlite_engine
    monkeypatch.setenv("HUB_SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with run_sandbox(
        tmp_path / "account.sqlite3", customers=4, invoices=12, payments=0, seed=5
    ) as sb:
        service = ConnectionService(engine, plugin_host, box)
        connection = service.add("ns", "netsuite", sb.connection_config(auth="tba"))
        assert connection.id is not None
        run = run_sync(engine, connection.id, connections=service)
        assert run.status == "succeeded", run.error
        with Session(engine) as session:
            invoice = session.exec(
                select(Invoice)
                .where(col(Invoice.status) == "open", col(Invoice.amount_due) > 0)
                .order_by(col(Invoice.due_date))
            ).first()
        assert invoice is not None and invoice.due_date is not None
        today = utcnow().date()
        channels = ChannelService(engine, plugin_host, box)
        _mail(channels, smtp_server.port)
        offset = (today - invoice.due_date).days
        PolicyService(engine).save(
            "now",
            [{"key": "now", "offset_days": offset, "channels": ["email"]}],
            ALWAYS,
            default=True,
        )
        planner = Planner(engine, connection.id, channels)
        planner.plan()
        with Session(engine) as session:
            mine = session.exec(
                select(Reminder).where(col(Reminder.invoice_external_id) == invoice.external_id)
            ).all()
        assert [r.status for r in mine] == ["scheduled"], "the invoice has no usable contact"
        # The customer pays in NetSuite; the hub has not synced since.
        assert invoice.customer_external_id is not None and invoice.amount_due is not None
        sb.store.record_payment(
            invoice.customer_external_id,
            invoice.amount_due,
            {invoice.external_id: invoice.amount_due},
        )
        settings = CollectionsSettings(freshness_seconds=0)
        summary = run_reminders(
            engine, channels, _factory_with_refresh(settings), now=utcnow() + timedelta(seconds=1)
        )
    [row] = [r for r in _rows(engine) if r.invoice_external_id == invoice.external_id]
    assert (row.status, row.reason) == ("suppressed", "paid")
    assert summary.suppressed["paid"] >= 1
    sent_to = [m.message["X-Hub-Reminder"] for m in smtp_server.handler.delivered]
    assert row.message_key not in sent_to
    with Session(engine) as session:
        stored = session.exec(
            select(Invoice).where(col(Invoice.external_id) == invoice.external_id)
        ).one()
    assert stored.amount_due == 0 and stored.status == "paid"  # refreshed through the sync path


def _factory_with_refresh(settings: CollectionsSettings) -> Any:
    def make(*args: Any, **kwargs: Any) -> Sender:
        kwargs.setdefault("refresh", default_refresh)
        kwargs.setdefault("settings", settings)
        return Sender(*args, **kwargs)

    return make
