"""A payment recorded in the NetSuite emulator reaches the hub through the signed webhook: the
emulator calls the hub's real HTTP route, a real RQ worker refreshes the payment and the invoice
it pays, and the hub shows the invoice paid within seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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
from hub.connections import ConnectionService
from hub.models import Invoice, Payment, PaymentApplication
from hub.plugins import PluginHost
from hub.sync.engine import run_sync
from hub.web.services import secret_box, webhook_secret
from hub_netsuite.sandbox.api import run_sandbox

REDIS_URL = "redis://127.0.0.1:6379/9"
DEADLINE_SECONDS = 15.0


@pytest.fixture
def hub_app(sqlite_engine: Engine, plugin_host: PluginHost) -> Iterator[Flask]:
    Redis.from_url(REDIS_URL).flushdb()
    yield build_app(sqlite_engine, REDIS_URL=REDIS_URL)
    Redis.from_url(REDIS_URL).flushdb()


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

            redis = Redis.from_url(REDIS_URL)
            deadline = time.monotonic() + 30
            while not Worker.all(connection=redis):
                assert process.poll() is None, (tmp_path / "worker.log").read_text()
                assert time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.05)
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


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


def test_payment_in_netsuite_reaches_the_hub_by_webhook(
    sqlite_engine: Engine,
    plugin_host: PluginHost,
    hub_app: Flask,
    hub_url: str,
    worker: None,
    tmp_path: Path,
) -> None:
    with run_sandbox(tmp_path / "netsuite", customers=10, invoices=40, payments=15) as sandbox:
        with hub_app.app_context():
            box = secret_box()
            secret = webhook_secret("netsuite-live")
        service = ConnectionService(sqlite_engine, plugin_host, box)
        connection = service.add("netsuite-live", "netsuite", sandbox.connection_config())
        assert connection.id is not None
        run = run_sync(sqlite_engine, connection.id, connections=service)
        assert run.status == "succeeded"

        invoice = open_invoice(sqlite_engine, connection.id)
        assert invoice.customer_external_id is not None
        sandbox.set_webhook(f"{hub_url}/webhooks/netsuite/netsuite-live", secret=secret)

        started = time.perf_counter()
        payment_id = sandbox.store.record_payment(
            invoice.customer_external_id,
            invoice.amount_due,
            {invoice.external_id: invoice.amount_due},
        )
        assert sandbox.webhook.delivered == 1, sandbox.webhook.last_error
        while True:
            current, payment, applications = hub_state(
                sqlite_engine, connection.id, invoice.external_id, payment_id
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
