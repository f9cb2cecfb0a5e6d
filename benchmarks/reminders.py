"""Benchmark: reminder planning over many open invoices, and sending to a loopback SMTP server.

Planning: 100,000 open invoices (due dates spread over 90 days, 20,000 customers with contacts)
in a SQLite file (and PostgreSQL with ``--postgres URL``). Prints invoices/s for the hub's planner
(one indexed query per policy step, then customers, contacts, holds and consent loaded per batch)
and for a naive baseline in the same run: the same planner logic fed one invoice at a time, each
with its own per-invoice queries. The baseline runs on a sample (``--baseline-invoices``); its
rate is per invoice, so the ratio compares fairly.

Sending: ``--messages`` reminders delivered by the sender through the email plugin to an aiosmtpd
server on 127.0.0.1, reusing one SMTP connection, against connect-per-message in the same run.

    .venv/bin/python benchmarks/reminders.py [--invoices 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import socket
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, text
from sqlmodel import Session, col, select

from hub.collections.channels import ChannelService
from hub.collections.models import Reminder
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.collections.sender import Sender
from hub.collections.settings import CollectionsSettings
from hub.crypto import SecretBox
from hub.db import make_engine, migrate
from hub.models import Connection, Contact, Customer, Invoice
from hub.plugins import PluginHost

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, inside sending hours
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}


def populate(engine: Engine, invoices: int, customers: int) -> int:
    """A connection with ``customers`` customers (one billing contact each) and ``invoices``
    open invoices; returns the connection id."""
    rng = random.Random(11)
    with Session(engine) as session:
        connection = Connection(name="bench", plugin="netsuite")
        session.add(connection)
        session.commit()
        assert connection.id is not None
        cid = connection.id
    synced = NOW - timedelta(minutes=5)
    with engine.begin() as conn:
        conn.execute(
            insert(Customer),
            [
                {
                    "connection_id": cid,
                    "external_id": f"C{n}",
                    "name": f"Customer {n}",
                    "email": f"ap{n}@customer.example",
                    "currency": "USD",
                    "custom_fields": {},
                    "data": {},
                    "content_hash": "x",
                    "synced_at": synced,
                }
                for n in range(customers)
            ],
        )
        conn.execute(
            insert(Contact),
            [
                {
                    "connection_id": cid,
                    "external_id": f"K{n}",
                    "customer_external_id": f"C{n}",
                    "email": f"billing{n}@customer.example",
                    "title": "Billing",
                    "is_primary": True,
                    "data": {},
                    "content_hash": "x",
                    "synced_at": synced,
                }
                for n in range(customers)
            ],
        )
        batch: list[dict[str, Any]] = []
        for n in range(invoices):
            amount = Decimal(rng.randrange(1_000, 500_000)) / 100
            batch.append(
                {
                    "connection_id": cid,
                    "external_id": f"I{n}",
                    "number": f"INV{n}",
                    "customer_external_id": f"C{rng.randrange(customers)}",
                    "due_date": NOW.date() + timedelta(days=rng.randrange(-60, 30)),
                    "issue_date": NOW.date() - timedelta(days=90),
                    "currency": "USD",
                    "total": amount,
                    "amount_due": amount,
                    "status": "open",
                    "custom_fields": {},
                    "data": {},
                    "content_hash": "x",
                    "synced_at": synced,
                }
            )
            if len(batch) == 5_000:
                conn.execute(insert(Invoice), batch)
                batch = []
        if batch:
            conn.execute(insert(Invoice), batch)
    return cid


class OneInvoiceAtATime(Planner):
    """The naive baseline: the same planning decisions, but each invoice fetched and planned with
    its own queries (step queries, customer, contacts, holds, consent, policy resolution)."""

    only: str = ""

    def _due_query(self, step_key: str, low: date, high: date) -> Any:
        return super()._due_query(step_key, low, high).where(col(Invoice.external_id) == self.only)


def bench_planning(engine: Engine, label: str, invoices: int, baseline: int) -> None:
    cid = populate(engine, invoices, max(invoices // 5, 1))
    box = SecretBox("bench-key-0123456789abcdef0123456789")
    channels = ChannelService(engine, PluginHost().load(), box)
    channels.add(
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@x.example"},
    )
    PolicyService(engine).ensure_default()
    planner = Planner(engine, cid, channels)
    t0 = time.perf_counter()
    found = planner.find_due(NOW)
    find_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = planner.plan(NOW, write=False)
    plan_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    written = planner.plan(NOW)
    write_seconds = time.perf_counter() - t0
    rate = invoices / plan_seconds
    print(
        f"[{label}] {invoices:,} open invoices: {len(found):,} (invoice, step) candidates found "
        f"by the indexed step queries in {find_seconds:.2f} s; planned {len(result.items):,} "
        f"reminders in {plan_seconds:.2f} s = {rate:,.0f} invoices/s; writing them (plan + "
        f"insert, {written.created:,} rows) {write_seconds:.2f} s"
    )
    with Session(engine) as session:
        session.execute(text("DELETE FROM reminder"))
        session.commit()
    naive = OneInvoiceAtATime(engine, cid, channels)
    ids = [f"I{n}" for n in random.Random(3).sample(range(invoices), min(baseline, invoices))]
    planned = 0
    t0 = time.perf_counter()
    for external_id in ids:
        naive.only = external_id
        planned += len(naive.plan(NOW, write=False).items)
    naive_seconds = time.perf_counter() - t0
    naive_rate = len(ids) / naive_seconds
    print(
        f"[{label}] naive one-invoice-at-a-time baseline: {len(ids):,} invoices in "
        f"{naive_seconds:.2f} s = {naive_rate:,.0f} invoices/s ({planned:,} reminders); "
        f"ratio {rate / naive_rate:,.1f}x"
    )


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def bench_sending(messages: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="reminders-send-"))
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    migrate(engine)
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cid = populate(engine, messages * 2, messages * 2)
        channels = ChannelService(engine, PluginHost().load(), SecretBox("bench-key-0123456789ab"))
        channels.add(
            "mail",
            "email_reminders",
            {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "ar@x.example"},
        )
        PolicyService(engine).save(
            "bench",
            [{"key": "late", "offset_days": -60, "channels": ["email"]}],
            ALWAYS,
            default=True,
        )
        with Session(engine) as session:  # every invoice is due for the one step today
            session.execute(
                text("UPDATE invoice SET due_date = :d"), {"d": NOW.date() + timedelta(days=60)}
            )
            session.commit()
        Planner(engine, cid, channels).plan(NOW)
        with Session(engine) as session:
            leads = list(session.exec(select(Reminder.id).order_by(col(Reminder.id))))
        settings = CollectionsSettings(freshness_seconds=86_400)
        reuse, naive = leads[:messages], leads[messages : messages * 2]
        sender = Sender(engine, channels, settings, refresh=None)
        t0 = time.perf_counter()
        for lead in reuse:
            assert sender.deliver(lead or 0, NOW).status == "sent"
        sender.close()
        reuse_rate = len(reuse) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for lead in naive:
            one = Sender(engine, channels, settings, refresh=None)
            assert one.deliver(lead or 0, NOW).status == "sent"
            one.close()
        naive_rate = len(naive) / (time.perf_counter() - t0)
        assert sink.count == len(reuse) + len(naive)
        print(
            f"[sending] {len(reuse):,} reminders to aiosmtpd on 127.0.0.1 (claim, re-check, render, "
            f"SMTP, record): {reuse_rate:,.0f} messages/s reusing the connection; "
            f"connect-per-message {naive_rate:,.0f} messages/s; ratio {reuse_rate / naive_rate:.1f}x"
        )
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--baseline-invoices", type=int, default=2_000)
    parser.add_argument("--messages", type=int, default=1_000)
    parser.add_argument("--postgres", default=None, help="also run planning on this (empty) DB")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    migrate(engine)
    bench_planning(engine, "sqlite", args.invoices, args.baseline_invoices)
    if args.postgres:
        pg = make_engine(args.postgres)
        migrate(pg)
        bench_planning(pg, "postgresql", args.invoices, args.baseline_invoices)
    bench_sending(args.messages)


if __name__ == "__main__":
    main()
