"""Benchmark: finding and planning due reminders over many invoices, cancelling on payment, and
sending to a loopback SMTP server.

Planning: 1,000,000 invoices (a quarter open, due over the last year and the next 30 days; bulk-
inserted with executemany) in a SQLite file (and PostgreSQL with ``--postgres URL``). Prints the
time to FIND the day's due (invoice, step) pairs (one indexed query per policy step) with each
query's plan, the full planning time, and a naive one-invoice-at-a-time baseline on a sample.

Cancelling: for 50 payments, the ``records_changed`` event the webhook receiver and the sync fire,
timed until the invoice's pending reminders are ``cancelled``; prints p50 / p95.

Sending: ``--messages`` reminders delivered by the sender (``deliver_many`` batches, as
``hubctl reminders run`` does) through the email plugin to an aiosmtpd server on 127.0.0.1,
reusing one SMTP connection, against a new sender and connection per message in the same run.

    .venv/bin/python benchmarks/reminders.py [--invoices 1000000] [--postgres URL]
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
from sqlalchemy import Engine, func, insert, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub import RecordChange
from hub.collections.channels import ChannelService
from hub.collections.models import Reminder
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.collections.sender import Sender
from hub.collections.service import SEND_BATCH
from hub.collections.settings import CollectionsSettings
from hub.crypto import SecretBox
from hub.db import make_engine, migrate
from hub.models import Connection, Contact, Customer, Invoice
from hub.plugins import PluginHost

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, inside sending hours
OPEN_SHARE = 0.25  # planning data: a quarter of the invoices open, the rest paid
DAYS_BACK = 365
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}


def populate(
    engine: Engine, invoices: int, customers: int, open_share: float = 1.0, days_back: int = 60
) -> int:
    """A connection with ``customers`` customers (one billing contact each) and ``invoices``
    invoices due over the last ``days_back`` days and the next 30, ``open_share`` of them open
    (the rest paid); bulk-inserted with executemany. Returns the connection id."""
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
            paid = rng.random() >= open_share
            batch.append(
                {
                    "connection_id": cid,
                    "external_id": f"I{n}",
                    "number": f"INV{n}",
                    "customer_external_id": f"C{rng.randrange(customers)}",
                    "due_date": NOW.date() + timedelta(days=rng.randrange(-days_back, 30)),
                    "issue_date": NOW.date() - timedelta(days=90),
                    "currency": "USD",
                    "total": amount,
                    "amount_due": Decimal(0) if paid else amount,
                    "status": "paid" if paid else "open",
                    "custom_fields": {},
                    "data": {},
                    "content_hash": "x",
                    "synced_at": synced,
                }
            )
            if len(batch) == 20_000:
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
    t0 = time.perf_counter()
    cid = populate(engine, invoices, min(max(invoices // 20, 1), 50_000), OPEN_SHARE, DAYS_BACK)
    with engine.begin() as conn:  # fresh statistics, as autovacuum / a nightly ANALYZE gives
        conn.exec_driver_sql("ANALYZE")
    print(
        f"[{label}] inserted {invoices:,} invoices ({OPEN_SHARE:.0%} open, due over the last "
        f"{DAYS_BACK} days and the next 30) with executemany in {time.perf_counter() - t0:.1f} s"
    )
    box = SecretBox("bench-key-0123456789abcdef0123456789")
    channels = ChannelService(engine, PluginHost().load(), box)
    channels.add(
        "mail",
        "email_reminders",
        {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@x.example"},
    )
    PolicyService(engine).ensure_default()
    planner = Planner(engine, cid, channels)
    planner.find_due(NOW - timedelta(days=1))  # warm the connection pool and the page cache
    t0 = time.perf_counter()
    found = planner.find_due(NOW)
    find_seconds = time.perf_counter() - t0
    verdict = "met" if find_seconds <= 2 else "NOT met"
    print(
        f"[{label}] FIND the due reminders for {NOW.date()}: {len(found):,} (invoice, step) "
        f"candidates out of {invoices:,} invoices in {find_seconds:.3f} s "
        f"(one indexed query per policy step; target <= 2 s: {verdict}); query plan:"
    )
    for line in planner.explain_due(NOW):
        print(f"[{label}]   {line}")
    t0 = time.perf_counter()
    result = planner.plan(NOW, write=False)
    plan_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    written = planner.plan(NOW)
    write_seconds = time.perf_counter() - t0
    print(
        f"[{label}] full plan (find + customers, contacts, holds, consent + decisions): "
        f"{len(result.items):,} reminders in {plan_seconds:.2f} s; plan + insert "
        f"({written.created:,} rows) {write_seconds:.2f} s"
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    first = planner.explain_due(NOW)[1:]
    first = first[: next((i for i, line in enumerate(first) if line.startswith("step ")), None)]
    print(f"[{label}] plan of the first step once today's reminders exist (the anti-join):")
    for line in first:
        print(f"[{label}]   {line}")
    bench_cancel(engine, label, cid, PluginHost().load())
    with Session(engine) as session:
        session.execute(text("DELETE FROM reminder"))
        session.commit()
    naive = OneInvoiceAtATime(engine, cid, channels)
    ids = [inv.external_id for inv, _ in found[:baseline]]
    t0 = time.perf_counter()
    for external_id in ids:
        naive.only = external_id
        naive.plan(NOW, write=False)
    naive_seconds = time.perf_counter() - t0
    candidates = len({inv.external_id for inv, _ in found})
    print(
        f"[{label}] naive one-invoice-at-a-time baseline: {len(ids):,} invoices in "
        f"{naive_seconds:.2f} s, i.e. ~{naive_seconds / max(len(ids), 1) * candidates:,.0f} s "
        f"for today's {candidates:,} candidate invoices (set-based plan: {plan_seconds:.2f} s)"
    )


def bench_cancel(
    engine: Engine, label: str, cid: int, host: PluginHost, payments: int = 50
) -> None:
    """Payment arrives -> its invoice's pending reminders cancelled, through the same
    ``records_changed`` event the webhook receiver and the sync fire (one in-process worker)."""
    with Session(engine) as session:
        rows = session.execute(
            sa_select(col(Reminder.invoice_external_id), col(Invoice.amount_due))
            .join(
                Invoice,
                (col(Invoice.connection_id) == col(Reminder.connection_id))
                & (col(Invoice.external_id) == col(Reminder.invoice_external_id)),
            )
            .where(col(Reminder.status) == "scheduled")
            .distinct()
            .limit(payments)
        ).all()
    latencies: list[float] = []
    for n, (external_id, amount) in enumerate(rows):
        change = RecordChange(
            f"PAY{n}",
            "created",
            {"applications": [{"invoice_external_id": external_id, "amount": str(amount)}]},
        )
        t0 = time.perf_counter()
        host.records_changed(cid, "payment", [change], engine=engine)
        with Session(engine) as session:
            left = session.execute(
                sa_select(func.count())
                .select_from(Reminder)
                .where(
                    col(Reminder.invoice_external_id) == external_id,
                    col(Reminder.status).in_(("scheduled", "held", "queued")),
                )
            ).scalar_one()
        latencies.append(time.perf_counter() - t0)
        assert left == 0, f"reminders of {external_id} not cancelled"
    if not latencies:
        print(f"[{label}] payment -> cancelled: no scheduled reminders to cancel")
        return
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)]
    print(
        f"[{label}] payment -> pending reminder cancelled ({len(latencies)} payments, "
        f"records_changed with the engine, one worker): p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms (target p95 <= 1 s: {'met' if p95 <= 1 else 'NOT met'})"
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
        for i in range(0, len(reuse), SEND_BATCH):
            batch = [lead or 0 for lead in reuse[i : i + SEND_BATCH]]
            assert {o.status for o in sender.deliver_many(batch, NOW)} == {"sent"}
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
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--baseline-invoices", type=int, default=200)
    parser.add_argument("--messages", type=int, default=1_000)
    parser.add_argument("--postgres", default=None, help="also run planning on this (empty) DB")
    parser.add_argument("--only-postgres", action="store_true", help="skip SQLite and sending")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    if not args.only_postgres:
        engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
        migrate(engine)
        bench_planning(engine, "sqlite", args.invoices, args.baseline_invoices)
    if args.postgres:
        pg = make_engine(args.postgres)
        migrate(pg)
        bench_planning(pg, "postgresql", args.invoices, args.baseline_invoices)
    if not args.only_postgres:
        bench_sending(args.messages)


if __name__ == "__main__":
    main()
