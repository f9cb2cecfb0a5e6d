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

Send jobs: the same through the RQ job function ``send_reminder`` (one job per message), called
one after the other in this process inside ``kept_sessions()`` (connection kept between jobs)
and outside it (a sender and connection per job, the old behaviour); then by a real
``hubctl worker --burst`` with ``HUB_REMINDER_SESSION_IDLE`` 30 and 0 (rate taken from the first
to the last ``sent_at``, so the worker's start-up is not counted).

Full path: a NetSuite sandbox emulator, the hub web app serving the signed webhook on loopback
(a real HTTP server thread) and ONE ``hubctl worker`` subprocess (listening before timing
starts) on Redis DB 15 (flushed) and a SQLite file. Each of ``--payments`` invoices with a
pending (``scheduled``) reminder gets a payment recorded in the emulator, one at a time; the
emulator's outbound webhook reaches the hub, the worker refreshes the payment and its invoices,
and ``records_changed`` cancels the reminder. Timed from the emulator call until the reminder
row reads ``cancelled`` (the database polled every 5 ms); prints p50 / p95 / max against the
1 s target.

    .venv/bin/python benchmarks/reminders.py [--invoices 1000000] [--postgres URL]
    .venv/bin/python benchmarks/reminders.py --only full-path [--payments 30]
    .venv/bin/python benchmarks/reminders.py --only jobs [--messages 1000]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
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
from hub.models import Connection, Contact, Customer, Invoice, utcnow
from hub.plugins import PluginHost

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, inside sending hours
OPEN_SHARE = 0.25  # planning data: a quarter of the invoices open, the rest paid
DAYS_BACK = 365
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}
BENCH_REDIS_URL = "redis://127.0.0.1:6379/15"  # the tests use DBs 9-14
BENCH_SECRET_KEY = "bench-key-0123456789abcdef0123456789"


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
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"[{label}] payment -> pending reminder cancelled ({len(latencies)} payments, "
        f"records_changed with the engine, one worker): p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms (target p95 <= 1 s: {'met' if p95 <= 1 else 'NOT met'})"
    )


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


class _Sink:
    """Accepts every message; counts messages and connections (EHLOs)."""

    def __init__(self) -> None:
        self.count = 0
        self.connections = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _smtp_sink() -> Iterator[tuple[_Sink, int]]:
    """An aiosmtpd server on 127.0.0.1 that accepts everything: (handler, port)."""
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (job functions read their settings there)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _hubctl() -> str:
    found = shutil.which("hubctl", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("hubctl is not installed next to this Python; run `make install`")
    return found


def _stop(process: subprocess.Popen[Any], grace: float = 20.0) -> None:
    """Stop a child process: SIGTERM (an RQ worker's warm shutdown), then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_sending(messages: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="reminders-send-"))
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    migrate(engine)
    sink = _Sink()
    port = _free_port()
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


def _smtp_test_support() -> Any:
    """The email plugin's test support module (aiosmtpd with STARTTLS and AUTH, a private CA)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "plugins/email_reminders/tests/smtp_support.py"
    spec = importlib.util.spec_from_file_location("hub_email_reminders_test_support", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bench_jobs(messages: int) -> None:
    """Send jobs (``send_reminder``, one per message): in this process with the connection kept
    between jobs and with a sender and connection per job, to a plain and to a STARTTLS + AUTH
    server; then through a real worker."""
    from redis import Redis

    from hub.collections import tasks
    from hub.collections.outbox import dispatch_due

    folder = Path(tempfile.mkdtemp(prefix="reminders-jobs-"))
    database_url = f"sqlite:///{folder / 'hub.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    redis = Redis.from_url(BENCH_REDIS_URL)
    redis.flushdb()
    support = _smtp_test_support()
    certs = support.make_certs(folder)
    with ExitStack() as cleanup:  # servers stopped, Redis DB emptied, also on error
        cleanup.callback(engine.dispose)
        cleanup.callback(redis.flushdb)
        secure = support.start_server(
            support.ScriptedHandler(),
            starttls=certs.server_context(),
            authenticator=support.Authenticator("billing", "bench-password-1"),
            auth_required=True,
        )
        cleanup.callback(secure.stop)
        sink, port = cleanup.enter_context(_smtp_sink())
        cid = populate(engine, messages * 6, messages * 6)
        channels = ChannelService(engine, PluginHost().load(), SecretBox(BENCH_SECRET_KEY))
        channels.add(
            "mail",
            "email_reminders",
            {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "ar@x.example"},
        )
        channels.add(
            "secure",
            "email_reminders",
            {
                "host": "127.0.0.1",
                "port": secure.port,
                "security": "starttls",
                "ca_file": str(certs.ca_file),
                "username": "billing",
                "password": "bench-password-1",
                "from_address": "ar@x.example",
            },
        )
        PolicyService(engine).save(
            "bench",
            [{"key": "late", "offset_days": -60, "channels": ["email"]}],
            ALWAYS,
            default=True,
        )
        now = utcnow()  # jobs send "now": plan for the real clock
        with Session(engine) as session:
            session.execute(
                text("UPDATE invoice SET due_date = :d, synced_at = :s"),
                {"d": now.date() + timedelta(days=60), "s": now},
            )
            session.commit()
        Planner(engine, cid, channels).plan(now)
        leads = dispatch_due(engine, now)
        groups = [leads[n * messages : (n + 1) * messages] for n in range(6)]
        with Session(engine) as session:  # two groups go through the STARTTLS + AUTH channel
            session.execute(
                sa_update(Reminder)
                .where(col(Reminder.id).in_([lead for lead, _ in groups[4] + groups[5]]))
                .values(channel_name="secure")
            )
            session.commit()
        env = {
            "DATABASE_URL": database_url,
            "HUB_SECRET_KEY": BENCH_SECRET_KEY,
            "HUB_REMINDER_FRESHNESS": "86400",
            "HUB_INSTANCE_PATH": str(folder / "instance"),
            "REDIS_URL": BENCH_REDIS_URL,
        }
        rates: dict[str, float] = {}
        used: dict[str, int] = {}
        runs = (
            ("kept", groups[0], sink),
            ("per-job", groups[1], sink),
            ("tls kept", groups[4], secure.handler),
            ("tls per-job", groups[5], secure.handler),
        )
        with _environ(env):
            for mode, group, server in runs:
                before = server.connections
                t0 = time.perf_counter()
                with ExitStack() as stack:
                    if "kept" in mode:
                        stack.enter_context(tasks.kept_sessions(30))
                    for lead, _ in group:
                        assert tasks.send_reminder(lead) == "sent"
                rates[mode] = len(group) / (time.perf_counter() - t0)
                used[mode] = server.connections - before
            tasks.dispose_services()
        for label, kept, per_job in (
            ("plain SMTP", "kept", "per-job"),
            ("STARTTLS + AUTH", "tls kept", "tls per-job"),
        ):
            print(
                f"[send jobs] {messages:,} send_reminder jobs one after the other in one process, "
                f"{label}: {rates[kept]:,.0f} messages/s keeping the connection between jobs "
                f"({used[kept]} connection(s)); {rates[per_job]:,.0f} messages/s with a sender "
                f"and connection per job ({used[per_job]:,} connections); ratio "
                f"{rates[kept] / rates[per_job]:.1f}x"
            )
        enqueue = tasks.queue_enqueuer("reminders", redis=redis)
        worker_rates: dict[str, float] = {}
        for idle, group in (("30", groups[2]), ("0", groups[3])):
            for lead, key in group:
                enqueue(lead, key)
            before = sink.connections
            done = subprocess.run(
                [_hubctl(), "worker", "--burst"],
                env={**os.environ, **env, "HUB_REMINDER_SESSION_IDLE": idle},
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"hubctl worker failed:\n{done.stderr[-3000:]}")
            ids = [lead for lead, _ in group]
            with Session(engine) as session:
                first, last, sent = session.execute(
                    sa_select(
                        func.min(col(Reminder.sent_at)),
                        func.max(col(Reminder.sent_at)),
                        func.count(),
                    ).where(col(Reminder.id).in_(ids), col(Reminder.status) == "sent")
                ).one()
            assert sent == len(group), f"{sent} of {len(group)} sent"
            worker_rates[idle] = (len(group) - 1) / (last - first).total_seconds()
            used[idle] = sink.connections - before
        print(
            f"[send jobs] {messages:,} jobs through one `hubctl worker --burst` (RQ dequeue and "
            f"bookkeeping included, start-up excluded): {worker_rates['30']:,.0f} messages/s "
            f"with HUB_REMINDER_SESSION_IDLE=30 ({used['30']} SMTP connection(s)); "
            f"{worker_rates['0']:,.0f} messages/s with 0, a connection per job "
            f"({used['0']:,} connections); ratio {worker_rates['30'] / worker_rates['0']:.1f}x "
            f"(sending target >= 200 messages/s: "
            f"{'met' if worker_rates['30'] >= 200 else 'NOT met'} on this path)"
        )


def _every_month_policy() -> list[dict[str, Any]]:
    """Steps every 30 days from a year before the due date to a year after it, so every open
    invoice of the emulator's account has one step due today."""
    return [
        {"key": f"m{n}", "offset_days": offset, "channels": ["email"]}
        for n, offset in enumerate(range(-360, 361, 30))
    ]


def bench_full_path(payments: int) -> None:
    """Payment recorded in the NetSuite emulator -> its signed webhook -> the hub web app over
    HTTP -> an RQ job on Redis -> one ``hubctl worker`` -> the invoice's pending reminder
    ``cancelled``. Every child process and server is stopped at the end, also on error."""
    import logging

    from redis import Redis
    from rq import Worker
    from werkzeug.serving import make_server

    from hub.connections import ConnectionService
    from hub.sync.engine import run_sync
    from hub.web import create_app
    from hub.web.services import secret_box, webhook_secret
    from hub_netsuite.sandbox.api import run_sandbox

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per webhook request
    folder = Path(tempfile.mkdtemp(prefix="reminders-full-path-"))
    database_url = f"sqlite:///{folder / 'hub.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    redis = Redis.from_url(BENCH_REDIS_URL)
    redis.flushdb()
    name = "netsuite-bench"
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": BENCH_REDIS_URL,
        "HUB_SECRET_KEY": BENCH_SECRET_KEY,
        "HUB_INSTANCE_PATH": str(folder / "instance"),
    }
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(redis.flushdb)
        sandbox = stack.enter_context(
            run_sandbox(
                folder / "netsuite.sqlite3",
                customers=max(payments, 20),
                invoices=max(8 * payments, 200),
                payments=20,
                seed=7,
            )
        )
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": BENCH_REDIS_URL,
                "SECRET_KEY": BENCH_SECRET_KEY,
                "HUB_REDIS_PREFIX": "bench:web",
            }
        )
        http = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=http.serve_forever, name="hub-web", daemon=True).start()
        stack.callback(http.shutdown)
        hub_url = f"http://127.0.0.1:{http.server_port}"
        with app.app_context():
            box, secret = secret_box(), webhook_secret(name)
        host = PluginHost().load()
        service = ConnectionService(engine, host, box)
        connection = service.add(name, "netsuite", sandbox.connection_config())
        assert connection.id is not None
        cid = connection.id
        run = run_sync(engine, cid, connections=service)
        if run.status != "succeeded":
            raise RuntimeError(f"the first sync {run.status}")
        channels = ChannelService(engine, host, box)
        channels.add(  # nothing is sent: the reminders only need a channel to be planned
            "mail",
            "email_reminders",
            {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "ar@x.example"},
        )
        PolicyService(engine).save(
            "every-month", _every_month_policy(), {**ALWAYS, "catch_up_days": 60}, default=True
        )
        Planner(engine, cid, channels).plan()
        with Session(engine) as session:
            targets = session.execute(
                sa_select(
                    col(Reminder.invoice_external_id),
                    col(Invoice.customer_external_id),
                    col(Invoice.amount_due),
                )
                .join(
                    Invoice,
                    (col(Invoice.connection_id) == col(Reminder.connection_id))
                    & (col(Invoice.external_id) == col(Reminder.invoice_external_id)),
                )
                .where(
                    col(Reminder.connection_id) == cid,
                    col(Reminder.status) == "scheduled",
                    col(Invoice.status).in_(("open", "partially_paid")),
                    col(Invoice.amount_due) > 0,
                )
                .order_by(col(Reminder.id))
            ).all()
        picked: dict[str, tuple[str, Decimal]] = {}
        for invoice_id, customer_id, amount in targets:
            picked.setdefault(invoice_id, (customer_id, amount))
        if len(picked) < payments:
            raise RuntimeError(f"only {len(picked)} invoices with a pending reminder")
        log = (folder / "worker.log").open("w")
        stack.callback(log.close)
        worker = subprocess.Popen(
            [_hubctl(), "worker"], env={**os.environ, **env}, stdout=log, stderr=log
        )
        stack.callback(_stop, worker)
        deadline = time.monotonic() + 60
        while not Worker.all(connection=redis):  # listening: its start-up is not measured
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the worker did not start:\n" + (folder / "worker.log").read_text()[-3000:]
                )
            time.sleep(0.05)
        sandbox.set_webhook(f"{hub_url}/webhooks/netsuite/{name}", secret=secret)
        latencies: list[float] = []
        callouts: list[float] = []
        for invoice_id, (customer_id, amount) in list(picked.items())[:payments]:
            failed = sandbox.webhook.failed
            t0 = time.perf_counter()
            sandbox.store.record_payment(customer_id, amount, {invoice_id: amount})
            callouts.append(time.perf_counter() - t0)
            if sandbox.webhook.failed != failed:
                raise RuntimeError(f"the webhook callout failed: {sandbox.webhook.last_error}")
            while True:
                with engine.connect() as conn:
                    found = conn.execute(
                        sa_select(col(Reminder.status), col(Reminder.reason)).where(
                            col(Reminder.connection_id) == cid,
                            col(Reminder.invoice_external_id) == invoice_id,
                        )
                    ).all()
                if found and all(status == "cancelled" for status, _ in found):
                    break
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError(f"invoice {invoice_id}: reminder still {found} after 30 s")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - t0)
            reasons = {reason for _, reason in found}
            if reasons != {"paid"}:
                raise RuntimeError(f"invoice {invoice_id}: cancelled with {reasons}, not paid")
        p95 = percentile(latencies, 0.95)
        print(
            f"[full path] payment recorded in the NetSuite emulator -> signed webhook -> hub web "
            f"app (HTTP) -> RQ job (Redis) -> one hubctl worker -> pending reminder cancelled "
            f"(reason paid), {len(latencies)} payments one at a time: p50 "
            f"{percentile(latencies, 0.5) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
            f"{max(latencies) * 1000:.0f} ms (target p95 <= 1 s: {'met' if p95 <= 1 else 'NOT met'})"
            f"; of which the emulator's write and webhook callout p50 "
            f"{percentile(callouts, 0.5) * 1000:.0f} ms"
        )


SECTIONS = ("planning", "sending", "jobs", "full-path")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--baseline-invoices", type=int, default=200)
    parser.add_argument("--messages", type=int, default=1_000)
    parser.add_argument("--payments", type=int, default=30, help="full path: payments to time")
    parser.add_argument("--postgres", default=None, help="also run planning on this (empty) DB")
    parser.add_argument(
        "--only-postgres", action="store_true", help="planning on --postgres only, nothing else"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable; default: all)",
    )
    args = parser.parse_args()
    # aiosmtpd logs a deprecation of its own Session.login_data on every AUTH (not our code).
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    sections = set(args.only or SECTIONS)
    if args.only_postgres:
        sections = {"planning"}
    folder = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    if "planning" in sections and not args.only_postgres:
        engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
        migrate(engine)
        bench_planning(engine, "sqlite", args.invoices, args.baseline_invoices)
    if "planning" in sections and args.postgres:
        pg = make_engine(args.postgres)
        migrate(pg)
        bench_planning(pg, "postgresql", args.invoices, args.baseline_invoices)
    if "sending" in sections:
        bench_sending(args.messages)
    if "jobs" in sections:
        bench_jobs(args.messages)
    if "full-path" in sections:
        bench_full_path(args.payments)


if __name__ == "__main__":
    main()
