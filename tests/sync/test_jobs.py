"""RQ jobs, coalescing, retries, locks, the request budget, two workers and two schedulers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from rq import Retry, SimpleWorker
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import Engine, select
from sqlmodel import Session

from hub.models import Connection, SyncRun
from hub.queueing import enqueue_sync, get_queue
from hub.scheduler import enqueue_due
from hub.sync.budget import RedisContext, RedisSemaphore
from hub.sync.locks import HeartbeatLock, LockBusy, sync_lock_key

from .conftest import Factory


def _work(redis: Redis) -> None:
    SimpleWorker([get_queue(redis=redis)], connection=redis, serializer=JSONSerializer).work(
        burst=True
    )


def _runs(engine: Engine, connection_id: int) -> list[SyncRun]:
    with Session(engine) as session:
        return [
            r
            for (r,) in session.exec(
                select(SyncRun).where(SyncRun.connection_id == connection_id).order_by(SyncRun.id)
            )
        ]


def test_sync_job_runs_and_a_second_request_is_coalesced(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str]
) -> None:
    cid = make_connection(customers=3, invoices=5)
    first = enqueue_sync(cid, redis=redis)
    second = enqueue_sync(cid, redis=redis)
    assert first == second == f"sync-{cid}"
    assert get_queue(redis=redis).count == 1
    _work(redis)
    job = Job.fetch(first, connection=redis, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED
    (run,) = _runs(engine, cid)
    assert job.return_value() == run.id and run.status == "succeeded" and run.trigger == "manual"
    assert enqueue_sync(cid, redis=redis) == first  # finished: a new request enqueues again
    assert get_queue(redis=redis).count == 1


def test_transient_failure_is_retried(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "fail"
    marker.touch()
    cid = make_connection(
        customers=3, invoices=5, fail_stream="invoices", fail_once_file=str(marker)
    )
    job_id = enqueue_sync(cid, redis=redis, retry=Retry(max=2))
    _work(redis)
    assert Job.fetch(job_id, connection=redis, serializer=JSONSerializer).get_status() == (
        JobStatus.FINISHED
    )
    assert [r.status for r in _runs(engine, cid)] == ["partial", "succeeded"]


def test_config_error_is_not_retried_and_marks_the_connection(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str]
) -> None:
    cid = make_connection(customers=3, invoices=5, fail_stream="invoices", fail_kind="config")
    job_id = enqueue_sync(cid, redis=redis, retry=Retry(max=3))
    _work(redis)
    job = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FAILED
    assert len(_runs(engine, cid)) == 1
    with Session(engine) as session:
        connection = session.get(Connection, cid)
    assert connection is not None and connection.status == "error"
    assert "permissions" in connection.status_message


def test_sync_job_refuses_to_run_while_the_connection_is_locked(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str]
) -> None:
    from hub.jobs import sync_connection

    cid = make_connection(customers=1, invoices=1)
    with HeartbeatLock(redis, sync_lock_key(cid), ttl=5):
        with pytest.raises(LockBusy):
            sync_connection(cid)
    assert _runs(engine, cid) == []


def test_lock_is_renewed_while_held_and_expires_after_its_holder_is_killed(redis: Redis) -> None:
    key = "hub:lock:test"
    with HeartbeatLock(redis, key, ttl=0.6) as lock:
        time.sleep(1.2)  # twice the ttl: only the heartbeat keeps it
        lock.check()
        assert not HeartbeatLock(redis, key, ttl=0.6).acquire()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from redis import Redis; from hub.sync.locks import HeartbeatLock;"
            f"l = HeartbeatLock(Redis.from_url('redis://127.0.0.1:6379/13'), '{key}', ttl=1.0);"
            "assert l.acquire(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    time.sleep(1.5)
    assert not HeartbeatLock(redis, key, ttl=1).acquire()  # renewed past its ttl
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    deadline = time.monotonic() + 3
    while not HeartbeatLock(redis, key, ttl=1).acquire():
        assert time.monotonic() < deadline, "the dead holder's lock never expired"
        time.sleep(0.1)


def test_request_budget_is_shared_across_threads_of_different_workers(redis: Redis) -> None:
    contexts = [RedisContext(redis, "netsuite:123_SB1", limit=2) for _ in range(3)]
    active = 0
    peak = 0
    guard = threading.Lock()

    def work(context: RedisContext) -> None:
        nonlocal active, peak
        for _ in range(5):
            with context.request_slot():
                with guard:
                    active += 1
                    peak = max(peak, active)
                time.sleep(0.02)
                with guard:
                    active -= 1

    threads = [threading.Thread(target=work, args=(c,)) for c in contexts for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2
    assert sum(c.requests_made for c in contexts) == 30
    assert RedisSemaphore(redis, "netsuite:123_SB1", 2).holders() == 0


def test_slot_of_a_vanished_holder_is_reclaimed(redis: Redis) -> None:
    semaphore = RedisSemaphore(redis, "acct", 1, slot_ttl=0.3)
    assert semaphore.try_acquire() is not None  # never released: the holder "died"
    assert semaphore.try_acquire() is None
    time.sleep(0.4)
    assert semaphore.try_acquire() is not None


def _worker(env: dict[str, str], name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "worker", "--burst", "--name", name],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_workers_sync_two_connections_in_parallel_never_one_twice(
    engine: Engine,
    make_connection: Factory,
    redis: Redis,
    hub_env: dict[str, str],
    tmp_path: Path,
) -> None:
    trace = tmp_path / "trace"
    slow = {"customers": 6, "invoices": 6, "page_size": 2, "sleep": 0.15}
    a = make_connection(trace_file=str(trace) + "-a", account="shared", concurrency=1, **slow)
    b = make_connection(trace_file=str(trace) + "-b", **slow)
    enqueue_sync(a, redis=redis)
    enqueue_sync(b, redis=redis)
    enqueue_sync(a, full=True, redis=redis, retry=None)  # another id, same connection: locked out
    workers = [_worker(hub_env, f"w{i}-{os.getpid()}") for i in (1, 2)]
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    runs_a, runs_b = _runs(engine, a), _runs(engine, b)
    assert [r.status for r in runs_b] == ["succeeded"]
    assert runs_a and runs_a[0].status == "succeeded"
    # Both connections ran at the same time (two workers) ...
    (run_b,) = runs_b
    assert runs_a[0].started_at < run_b.finished_at and run_b.started_at < runs_a[0].finished_at  # type: ignore[operator]
    # ... and connection a never ran twice at once.
    spans = sorted((r.started_at, r.finished_at) for r in runs_a)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end is not None and end <= start


def test_two_schedulers_enqueue_each_due_sync_once(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str]
) -> None:
    quarter = make_connection(frequency="15m", customers=1, invoices=1)
    hourly = make_connection(frequency="60m", customers=1, invoices=1)
    make_connection(frequency="manual", customers=1, invoices=1)
    env = {**hub_env, "HUB_RECONCILE_HOUR": "0"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "scheduler", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out = proc.communicate(timeout=60)[0]
        assert proc.returncode == 0, out
    ids = sorted(j.decode() for j in redis.lrange("rq:queue:default", 0, -1))
    day = datetime.now(UTC).strftime("%Y%m%d")
    reminder_rounds = [i for i in ids if i.startswith("reminders-")]
    assert len(reminder_rounds) == 1  # two schedulers, one reminder round
    ids.remove(reminder_rounds[0])
    assert ids == sorted(
        [
            f"sync-{quarter}",
            f"sync-{hourly}",
            f"reconcile-{quarter}-{day}",
            f"reconcile-{hourly}-{day}",
        ]
    )
    assert enqueue_due(engine, redis) == []  # same slot: nothing new


def test_scheduler_enqueues_again_in_the_next_slot(
    engine: Engine, make_connection: Factory, redis: Redis, hub_env: dict[str, str]
) -> None:
    cid = make_connection(frequency="15m", customers=1, invoices=1)
    t0 = datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
    assert enqueue_due(engine, redis, t0) == [f"sync-{cid}"]
    assert enqueue_due(engine, redis, t0.replace(minute=14)) == []
    _work(redis)
    assert enqueue_due(engine, redis, t0.replace(minute=16)) == [f"sync-{cid}"]


def test_scheduler_enqueues_one_reminder_round_per_slot(redis: Redis) -> None:
    from hub.scheduler import enqueue_reminders

    t0 = datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
    [job_id] = enqueue_reminders(redis, t0)
    assert job_id.startswith("reminders-")
    assert enqueue_reminders(redis, t0.replace(minute=4)) == []  # a second scheduler: nothing
    assert enqueue_reminders(redis, t0.replace(minute=6)) != []  # the next 5-minute slot


def test_default_worker_serves_the_reminder_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: workers served only "default", so scheduled reminder sends never ran."""
    from hub.cli.worker import default_queues

    monkeypatch.delenv("HUB_REMINDER_QUEUE", raising=False)
    assert default_queues() == ("default", "reminders")
    monkeypatch.setenv("HUB_REMINDER_QUEUE", "default")
    assert default_queues() == ("default",)
