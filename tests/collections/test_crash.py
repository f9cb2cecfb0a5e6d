"""Crash test: SIGKILL a real RQ worker subprocess again and again while it sends to a real SMTP
server; after a final clean run every reminder is delivered, none lost, none duplicated.

The one duplicate SMTP allows: the server accepted a message but the worker died before recording
``sent``. The lease expires, recovery re-enqueues the message and it is re-sent with the SAME
Message-ID (so receiving systems drop the copy). The test provokes that case on purpose (a kill
while the server is inside DATA) and accepts copies only of that kind: same Message-ID, from a row
that needed more than one attempt, at most one copy per kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.collections.channels import ChannelService
from hub.collections.models import Reminder
from hub.collections.outbox import dispatch_due, recover_stalled
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.collections.tasks import queue_enqueuer
from hub.crypto import SecretBox
from hub.models import Connection, utcnow
from hub.plugins import PluginHost

INVOICES = 12
KILLS = 4
LEASE = 1
DATA_DELAY = 0.08  # seconds the server spends inside DATA: wide enough to kill a worker there
# hubctl's worker class: send jobs run in the worker process and share one SMTP connection, so
# a kill lands on a connection kept open across jobs, as in production.
WORKER = (
    "import sys; from redis import Redis; from rq import Queue;"
    "from rq.serializers import JSONSerializer;"
    "from hub.collections.worker import HubWorker;"
    "r = Redis.from_url(sys.argv[1]);"
    "HubWorker([Queue('crash', connection=r, serializer=JSONSerializer)], connection=r,"
    " serializer=JSONSerializer).work(burst=True, logging_level='WARNING')"
)


def _slow_handler(smtp: Any) -> Any:
    class SlowData(smtp.ScriptedHandler):  # type: ignore[misc, name-defined]
        """Queues each message at DATA, then takes a moment before replying ``250``, like a
        server that commits to disk first: a client killed in that moment never learns the
        message was accepted."""

        in_data = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            reply = str(await super().handle_DATA(server, session, envelope))
            self.in_data += 1
            await asyncio.sleep(DATA_DELAY)
            return reply

    return SlowData()


def _wait(predicate: Any, worker: subprocess.Popen[bytes], limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate() and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


def test_sigkill_during_sending_loses_and_duplicates_nothing(
    sqlite_engine: Engine,
    plugin_host: PluginHost,
    box: SecretBox,
    smtp: Any,
    redis_db: Any,
) -> None:
    conf = next(m for n, m in sys.modules.items() if n.endswith("collections.conftest"))
    engine = sqlite_engine
    handler = _slow_handler(smtp)
    server = smtp.start_server(handler)
    try:
        channels = ChannelService(engine, plugin_host, box)
        channels.add(
            "mail",
            "email_reminders",
            {
                "host": "127.0.0.1",
                "port": server.port,
                "security": "none",
                "from_address": "ar@acme.example",
            },
        )
        with Session(engine) as session:
            session.add(Connection(name="erp", plugin="netsuite"))
            session.commit()
        PolicyService(engine).save(
            "always",
            [{"key": "late", "offset_days": 1, "channels": ["email"]}],
            {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]},
            default=True,
        )
        today = utcnow().date()
        for n in range(INVOICES):
            conf.add_customer(engine, 1, f"C{n}", email=f"c{n}@x.example")
            conf.add_invoice(engine, 1, f"I{n}", f"C{n}", today - timedelta(days=1))
        assert Planner(engine, 1, channels).plan().created == INVOICES
        enqueue = queue_enqueuer("crash", redis=redis_db)
        assert len(dispatch_due(engine, enqueue=enqueue)) == INVOICES
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "HUB_SECRET_KEY": "test-secret-key-for-collections-0123456789",
            "HUB_REMINDER_LEASE": str(LEASE),
            "HUB_REMINDER_FRESHNESS": "86400",
            "HUB_REMINDER_MAX_ATTEMPTS": "20",
        }

        def start_worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-c", WORKER, conf.REDIS_URL], env=env)

        delivered = handler.delivered
        kills = 0
        for round_no in range(KILLS):
            worker = start_worker()
            if round_no % 2 == 0:  # die while the server is inside DATA: accepted, not recorded
                started = handler.in_data
                _wait(lambda s=started: handler.in_data > s, worker)
                time.sleep(DATA_DELAY / 2)
            else:  # die somewhere between two messages (claim, render, bookkeeping)
                sent = len(delivered)
                _wait(lambda s=sent: len(delivered) > s, worker)
                time.sleep(0.003 * round_no)
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                kills += 1
            worker.wait()
            time.sleep(LEASE + 0.05)  # the killed job's lease expires
            recover_stalled(engine, LEASE, enqueue=enqueue, max_attempts=20)
        # The scheduler's periodic recovery pass, then a worker that is left alone.
        for _ in range(3):
            final = subprocess.run(
                [sys.executable, "-c", WORKER, conf.REDIS_URL], env=env, timeout=60
            )
            assert final.returncode == 0
            time.sleep(LEASE + 0.05)
            if not recover_stalled(engine, LEASE, enqueue=enqueue, max_attempts=20):
                break
    finally:
        server.stop()
    assert kills >= KILLS - 1, "the workers finished before they could be killed"
    with Session(engine) as session:
        rows = list(session.exec(select(Reminder)))
    assert sorted(r.status for r in rows) == ["sent"] * INVOICES
    ids = [m.message["Message-ID"] for m in delivered]
    keys = [m.message["X-Hub-Reminder"] for m in delivered]
    assert set(keys) == {r.message_key for r in rows}  # nothing lost
    assert {r.provider_id for r in rows} == set(ids)
    assert len(set(ids)) == INVOICES  # one Message-ID per (invoice, step, channel)
    copies = {mid: n - 1 for mid, n in Counter(ids).items() if n > 1}
    retried = {r.provider_id for r in rows if r.attempts > 1}
    assert set(copies) <= retried  # a copy only of a message whose sending was interrupted
    assert sum(copies.values()) <= kills
    assert copies, "no kill landed inside DATA: the re-send path was not exercised"
    # At most one connection per worker process: the jobs of each shared theirs.
    assert handler.connections < len(delivered)
