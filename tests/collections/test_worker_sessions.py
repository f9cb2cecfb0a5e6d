"""Send jobs keep their SMTP connection between jobs: one connection for many ``send_reminder``
jobs of one process (and of a real ``hubctl worker``), a connection the server dropped is
reopened without losing or repeating the message, a failed or idle one is closed, an edited
channel gets a new one. Real aiosmtpd, real database, real Redis; nothing of the hub mocked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from hub.collections import tasks
from hub.collections.channels import ChannelService
from hub.collections.models import Channel, Reminder
from hub.collections.outbox import dispatch_due
from hub.collections.planner import Planner
from hub.collections.policies import PolicyService
from hub.models import utcnow

SECRET_KEY = "test-secret-key-for-collections-0123456789"  # the ``box`` fixture's key
ALWAYS = {"send_from": "00:00", "send_until": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}


def _conf() -> Any:
    return next(m for n, m in sys.modules.items() if n.endswith("collections.conftest"))


@pytest.fixture
def job_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment a worker runs send jobs with, set for in-process ``send_reminder``."""
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_REMINDER_FRESHNESS": "86400",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    tasks.dispose_services()  # PostgreSQL: no connection may stay open for the next TRUNCATE


@pytest.fixture
def queued(
    engine: Engine, channels: ChannelService, connection_id: int
) -> Callable[[int, Any], list[tuple[int, str]]]:
    """``queued(n, server)``: n invoices of n customers, planned and marked ``queued`` for the
    email channel pointing at ``server``; returns (lead reminder id, message key) per message."""
    made = {"channel": 0, "invoice": 0}

    def make(n: int, server: Any) -> list[tuple[int, str]]:
        if not made["channel"]:
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
            PolicyService(engine).save(
                "always",
                [{"key": "late", "offset_days": 1, "channels": ["email"]}],
                ALWAYS,
                default=True,
            )
            made["channel"] = 1
        today = utcnow().date()
        for _ in range(n):
            i = made["invoice"] = made["invoice"] + 1
            _conf().add_customer(engine, connection_id, f"C{i}", email=f"c{i}@x.example")
            _conf().add_invoice(engine, connection_id, f"I{i}", f"C{i}", today - timedelta(days=1))
        assert Planner(engine, connection_id, channels).plan().created == n
        return dispatch_due(engine)

    return make


def _rows(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(col(Reminder.id))))


def _delivered_keys(server: Any) -> list[str]:
    return [str(m.message["X-Hub-Reminder"]) for m in server.handler.delivered]


def _wait_for(predicate: Callable[[], bool], limit: float = 5.0) -> bool:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_send_jobs_of_one_process_share_one_smtp_connection(
    engine: Engine, smtp_server: Any, queued: Any, job_env: dict[str, str]
) -> None:
    leads = queued(5, smtp_server)
    with tasks.kept_sessions(30) as sessions:
        assert [tasks.send_reminder(lead) for lead, _ in leads] == ["sent"] * 5
        assert smtp_server.handler.connections == 1
        assert smtp_server.handler.quits == 0  # still open for the next job
        assert sessions.opened == 1 and len(sessions) == 1
    assert smtp_server.handler.quits == 1  # closed politely at the end (worker shutdown)
    assert len(sessions) == 0
    assert sorted(_delivered_keys(smtp_server)) == sorted(k for _, k in leads)
    # The same jobs outside kept_sessions: a connection each, as before.
    more = queued(3, smtp_server)
    assert [tasks.send_reminder(lead) for lead, _ in more] == ["sent"] * 3
    assert smtp_server.handler.connections == 1 + 3
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_connection_dropped_by_the_server_is_reopened_and_the_message_sent_once(
    engine: Engine, smtp: Any, queued: Any, job_env: dict[str, str]
) -> None:
    server = smtp.start_server(smtp.ScriptedHandler(), timeout=0.3)  # hangs up when idle
    try:
        leads = queued(3, server)
        with tasks.kept_sessions(30) as sessions:
            assert tasks.send_reminder(leads[0][0]) == "sent"
            time.sleep(0.8)  # the server drops the idle connection; the worker has not noticed
            assert tasks.send_reminder(leads[1][0]) == "sent"
            assert tasks.send_reminder(leads[2][0]) == "sent"
            assert sessions.opened == 1  # the same notifier, reconnected inside
    finally:
        server.stop()
    assert server.handler.connections == 2
    assert _delivered_keys(server) == [k for _, k in leads]  # each exactly once, in order
    rows = _rows(engine)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 3  # no outbox retry used


def test_failed_send_closes_the_connection_and_the_next_job_opens_a_new_one(
    engine: Engine, smtp_server: Any, queued: Any, job_env: dict[str, str]
) -> None:
    leads = queued(3, smtp_server)
    with tasks.kept_sessions(30) as sessions:
        assert tasks.send_reminder(leads[0][0]) == "sent"
        smtp_server.handler.fail_data.append("451 4.3.0 queue full, try later")
        assert tasks.send_reminder(leads[1][0]) == "retry"
        assert len(sessions) == 0 and sessions.closed == 1  # not trusted for the next job
        assert tasks.send_reminder(leads[2][0]) == "sent"
        assert sessions.opened == 2
    assert smtp_server.handler.connections == 2
    assert _delivered_keys(smtp_server) == [leads[0][1], leads[2][1]]
    statuses = {r.message_key: r.status for r in _rows(engine)}
    assert statuses[leads[1][1]] == "scheduled"  # the outbox retries it after its back-off


def test_idle_connection_is_closed_after_the_idle_timeout(
    engine: Engine, smtp_server: Any, queued: Any, job_env: dict[str, str]
) -> None:
    leads = queued(2, smtp_server)
    with tasks.kept_sessions(0.3) as sessions:
        started = time.monotonic()
        assert tasks.send_reminder(leads[0][0]) == "sent"
        assert _wait_for(lambda: smtp_server.handler.quits == 1)
        assert time.monotonic() - started >= 0.3
        assert len(sessions) == 0
        assert tasks.send_reminder(leads[1][0]) == "sent"
        assert sessions.opened == 2
    assert smtp_server.handler.connections == 2 and smtp_server.handler.quits == 2


def test_edited_channel_gets_a_new_connection(
    engine: Engine, smtp_server: Any, queued: Any, job_env: dict[str, str]
) -> None:
    leads = queued(2, smtp_server)
    with tasks.kept_sessions(30) as sessions:
        assert tasks.send_reminder(leads[0][0]) == "sent"
        with Session(engine) as session:
            channel = session.exec(select(Channel)).one()
            config = {**channel.config, "from_address": "collections@acme.example"}
            session.execute(
                update(Channel).where(col(Channel.id) == channel.id).values(config=config)
            )
            session.commit()
        assert tasks.send_reminder(leads[1][0]) == "sent"
        assert smtp_server.handler.quits == 1  # the old connection, closed
        assert sessions.opened == 2 and len(sessions) == 1
    senders = [m.mail_from for m in smtp_server.handler.delivered]
    assert senders == ["ar@acme.example", "collections@acme.example"]


@pytest.mark.parametrize("idle", ["30", "0"])
def test_hubctl_worker_sends_its_jobs_over_one_connection(
    engine: Engine,
    smtp_server: Any,
    queued: Any,
    job_env: dict[str, str],
    redis_db: Any,
    tmp_path: Path,
    idle: str,
) -> None:
    """The real worker: send jobs run in the worker process and share one connection, closed
    at shutdown; ``HUB_REMINDER_SESSION_IDLE=0`` brings back a connection per job."""
    leads = queued(6, smtp_server)
    enqueue = tasks.queue_enqueuer("reminders", redis=redis_db)
    for lead, key in leads:
        enqueue(lead, key)
    env = {
        **os.environ,
        **job_env,
        "REDIS_URL": _conf().REDIS_URL,
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HUB_REMINDER_SESSION_IDLE": idle,
    }
    hubctl = shutil.which("hubctl", path=str(Path(sys.executable).parent))
    assert hubctl
    done = subprocess.run(
        [hubctl, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r.status for r in _rows(engine)] == ["sent"] * 6
    assert sorted(_delivered_keys(smtp_server)) == sorted(k for _, k in leads)
    expected = 1 if idle != "0" else 6
    assert smtp_server.handler.connections == expected
    assert smtp_server.handler.quits == expected
