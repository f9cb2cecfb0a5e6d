"""A payment recorded in the NetSuite emulator reaches the hub through the signed webhook: the
emulator calls the hub's real HTTP route, a real RQ worker refreshes the payment and the invoice
it pays, and the hub shows the invoice paid, and its pending reminders cancelled, within
seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session, select
from werkzeug.serving import make_server

from conftest import SECRET_KEY, build_app
from hub.collections.channels import ChannelService
from hub.collections.models import Reminder
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.models import Invoice, Payment, PaymentApplication
from hub.plugins import PluginHost
from hub.sync.engine import run_sync
from hub.web.services import secret_box, webhook_secret
from hub_netsuite.sandbox.api import Sandbox, run_sandbox

REDIS_URL = "redis://127.0.0.1:6379/9"
DEADLINE_SECONDS = 15.0


@pytest.fixture
def hub_app(sqlite_engine: Engine, plugin_host: PluginHost) -> Iterator[Flask]:
    with Redis.from_url(REDIS_URL) as redis_db:
        redis_db.flushdb()
    yield build_app(sqlite_engine, REDIS_URL=REDIS_URL)
    with Redis.from_url(REDIS_URL) as redis_db:
        redis_db.flushdb()


@pytest.fixture
def hub_url(hub_app: Flask) -> Iterator[str]:
    """The admin served over real HTTP on a loopback port."""
    http = make_server("127.0.0.1", 0, hub_app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()


@pytest.fixture
def worker(sqlite_engine: Engine, tmp_path: Path) -> Iterator[None]:
    """``hubctl worker`` on the test's database and Redis DB."""
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    hubctl = shutil.which("hubctl", path=str(Path(sys.executable).parent))
    assert hubctl
    with (tmp_path / "worker.log").open("w") as log:
        process = subprocess.Popen([hubctl, "worker"], env=env, stdout=log, stderr=log)
        try:
            # Measure a running worker, not its start-up (imports, plugins): wait until it listens.
            from rq import Worker

            with Redis.from_url(REDIS_URL) as redis:
                deadline = time.monotonic() + 30
                while not Worker.all(connection=redis):
                    assert process.poll() is None, (tmp_path / "worker.log").read_text()
                    assert time.monotonic() < deadline, "the worker did not start"
                    time.sleep(0.05)
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


@dataclass
class Live:
    """A connection synced from a running emulator whose webhook calls the hub."""

    sandbox: Sandbox
    connection_id: int
    box: SecretBox


@pytest.fixture
def live(
    sqlite_engine: Engine,
    plugin_host: PluginHost,
    hub_app: Flask,
    hub_url: str,
    worker: None,
    tmp_path: Path,
) -> Iterator[Live]:
    with run_sandbox(tmp_path / "netsuite", customers=10, invoices=40, payments=15) as sandbox:
        with hub_app.app_context():
            box = secret_box()
            secret = webhook_secret("netsuite-live")
        service = ConnectionService(sqlite_engine, plugin_host, box)
        connection = service.add("netsuite-live", "netsuite", sandbox.connection_config())
        assert connection.id is not None
        run = run_sync(sqlite_engine, connection.id, connections=service)
        assert run.status == "succeeded"
        sandbox.set_webhook(f"{hub_url}/webhooks/netsuite/netsuite-live", secret=secret)
        yield Live(sandbox, connection.id, box)


def open_invoice(engine: Engine, connection_id: int) -> Invoice:
    with Session(engine) as session:
        rows = session.exec(
            select(Invoice).where(
                Invoice.connection_id == connection_id,
                Invoice.status != "paid",
                Invoice.amount_due > 0,  # type: ignore[operator]
            )
        ).all()
        assert rows, "the emulator generated no open invoice"
        return rows[0]


def hub_state(engine: Engine, connection_id: int, invoice_id: str, payment_id: str) -> Any:
    """(invoice, payment, applications) as the hub has them now."""
    with Session(engine) as session:
        invoice = session.exec(
            select(Invoice).where(
                Invoice.connection_id == connection_id, Invoice.external_id == invoice_id
            )
        ).one()
        payment = session.exec(
            select(Payment).where(
                Payment.connection_id == connection_id, Payment.external_id == payment_id
            )
        ).first()
        applications = (
            session.exec(
                select(PaymentApplication).where(PaymentApplication.payment_id == payment.id)
            ).all()
            if payment is not None
            else []
        )
        return invoice, payment, list(applications)


def test_payment_in_netsuite_reaches_the_hub_by_webhook(sqlite_engine: Engine, live: Live) -> None:
    invoice = open_invoice(sqlite_engine, live.connection_id)
    assert invoice.customer_external_id is not None
    started = time.perf_counter()
    payment_id = live.sandbox.store.record_payment(
        invoice.customer_external_id,
        invoice.amount_due,
        {invoice.external_id: invoice.amount_due},
    )
    assert live.sandbox.webhook.delivered == 1, live.sandbox.webhook.last_error
    while True:
        current, payment, applications = hub_state(
            sqlite_engine, live.connection_id, invoice.external_id, payment_id
        )
        if current.status == "paid" and applications:
            break
        assert time.perf_counter() - started < DEADLINE_SECONDS, (
            f"after {DEADLINE_SECONDS}s the hub has invoice {current.status} "
            f"{current.amount_due}, payment {payment}"
        )
        time.sleep(0.05)
    latency = time.perf_counter() - started
    print(f"\nwebhook latency: payment recorded -> invoice paid in the hub: {latency:.2f}s")

    assert current.amount_due == Decimal("0")
    assert payment is not None and payment.amount == invoice.amount_due
    assert [(a.invoice_external_id, a.amount) for a in applications] == [
        (invoice.external_id, invoice.amount_due)
    ]


#: Steps every 30 days from a year before the due date to a year after: every open invoice of
#: the generated account has one step due today, so each gets a pending reminder.
EVERY_MONTH = [
    {"key": f"m{n}", "offset_days": offset, "channels": ["email"]}
    for n, offset in enumerate(range(-360, 361, 30))
]
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}


def reminders_of(engine: Engine, connection_id: int, invoice_id: str) -> list[tuple[str, Any]]:
    """(status, reason) of each outbox row of the invoice."""
    with Session(engine) as session:
        rows = session.exec(
            select(Reminder).where(
                Reminder.connection_id == connection_id,
                Reminder.invoice_external_id == invoice_id,
            )
        ).all()
        return [(r.status, r.reason) for r in rows]


def test_payment_webhook_cancels_the_invoices_pending_reminders(
    sqlite_engine: Engine, plugin_host: PluginHost, live: Live
) -> None:
    """Issue #6, stop on payment through the real path: payment in the emulator -> signed
    webhook -> hub route -> RQ job -> the running worker -> reminder ``cancelled`` (paid)."""
    channels = ChannelService(sqlite_engine, plugin_host, live.box)
    channels.add(  # nothing is sent: planning only needs a channel
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@x.example"},
    )
    PolicyService(sqlite_engine).save(
        "every-month", EVERY_MONTH, {**ALWAYS, "catch_up_days": 60}, default=True
    )
    Planner(sqlite_engine, live.connection_id, channels).plan()
    with Session(sqlite_engine) as session:
        pending = {
            invoice.external_id: invoice
            for reminder, invoice in session.exec(
                select(Reminder, Invoice)
                .where(
                    Reminder.connection_id == live.connection_id,
                    Reminder.status == "scheduled",
                    Invoice.connection_id == Reminder.connection_id,
                    Invoice.external_id == Reminder.invoice_external_id,
                    Invoice.amount_due > 0,  # type: ignore[operator]
                )
                .order_by(Reminder.id)  # type: ignore[arg-type]
            )
        }
    assert len(pending) >= 4, "the emulator's account gave too few open invoices to chase"
    *paid, untouched = list(pending.values())[:4]
    for invoice in paid:
        assert invoice.customer_external_id is not None
        started = time.perf_counter()
        live.sandbox.store.record_payment(
            invoice.customer_external_id,
            invoice.amount_due,
            {invoice.external_id: invoice.amount_due},
        )
        while True:
            rows = reminders_of(sqlite_engine, live.connection_id, invoice.external_id)
            if rows and all(status == "cancelled" for status, _ in rows):
                break
            assert time.perf_counter() - started < DEADLINE_SECONDS, (
                f"after {DEADLINE_SECONDS}s invoice {invoice.external_id} has reminders {rows}"
            )
            time.sleep(0.005)
        latency = time.perf_counter() - started
        print(f"\npayment recorded -> pending reminder cancelled: {latency:.2f}s")
        assert {reason for _, reason in rows} == {"paid"}
    assert live.sandbox.webhook.delivered >= 3 and live.sandbox.webhook.failed == 0
    # Only the paid invoices stopped: the unpaid one is still chased.
    assert {
        s for s, _ in reminders_of(sqlite_engine, live.connection_id, untouched.external_id)
    } == {"scheduled"}
