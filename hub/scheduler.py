"""``hubctl scheduler``: enqueue due syncs, reminder rounds and the nightly reconciliation, once per slot.

Time is cut into slots per frequency (``15m`` → one slot every 900 s since the epoch). For each due
slot the scheduler first *claims* it in Redis (``SET key NX``); only the claim's winner enqueues,
and the enqueued job ids are deterministic, so any number of schedulers running at once enqueue
each piece of work once. ``realtime`` connections get changes from webhooks and a safety poll
every 5 minutes; ``manual`` ones only sync when asked ("Sync Now").
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime

from redis import Redis
from sqlalchemy import Engine, select

from hub.models import Connection, utcnow
from hub.queueing import enqueue_job, enqueue_sync, safe_job_id

log = logging.getLogger("hub.scheduler")

#: Seconds between syncs per frequency.
INTERVALS: dict[str, int] = {"realtime": 300, "15m": 900, "30m": 1800, "60m": 3600}
#: Hour (UTC) from which the nightly reconciliation of open invoices is due (``HUB_RECONCILE_HOUR``).
DEFAULT_RECONCILE_HOUR = 2


def reconcile_hour() -> int:
    return int(os.environ.get("HUB_RECONCILE_HOUR") or DEFAULT_RECONCILE_HOUR)


def _claim(redis: Redis, key: str, ttl: int) -> bool:
    return bool(redis.set(key, "1", nx=True, ex=ttl))


def enqueue_due(engine: Engine, redis: Redis, now: datetime | None = None) -> list[str]:
    """Enqueue every sync and reconciliation due at ``now``; return the job ids this call enqueued."""
    from hub import jobs

    now = now or utcnow()
    epoch = int(now.timestamp())
    table = Connection.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = list(conn.execute(select(table.c.id, table.c.frequency).order_by(table.c.id)))
    enqueued: list[str] = []
    for connection_id, frequency in rows:
        interval = INTERVALS.get(frequency)
        if interval is None:
            continue  # manual
        slot = epoch // interval
        if _claim(redis, f"hub:sched:sync:{connection_id}:{interval}:{slot}", interval * 2):
            enqueued.append(enqueue_sync(connection_id, trigger="schedule", redis=redis))
        if now.hour >= reconcile_hour():
            day = now.strftime("%Y%m%d")
            if _claim(redis, f"hub:sched:reconcile:{connection_id}:{day}", 2 * 86400):
                enqueued.append(
                    enqueue_job(
                        jobs.reconcile_open_invoices_job,
                        connection_id,
                        job_id=safe_job_id("reconcile", connection_id, day),
                        redis=redis,
                        timeout=6 * 3600,
                    )
                )
    return enqueued


#: Seconds between reminder planning rounds (``HUB_REMINDER_INTERVAL``); each round also picks up
#: reminders whose retry back-off has passed and sends whose worker died.
DEFAULT_REMINDER_INTERVAL = 300


def reminder_interval() -> int:
    return int(os.environ.get("HUB_REMINDER_INTERVAL") or DEFAULT_REMINDER_INTERVAL)


def enqueue_reminders(redis: Redis, now: datetime | None = None) -> list[str]:
    """Enqueue one reminder planning-and-dispatch round per interval slot (once across schedulers)."""
    from hub.collections.tasks import plan_and_dispatch

    now = now or utcnow()
    interval = reminder_interval()
    slot = int(now.timestamp()) // interval
    if not _claim(redis, f"hub:sched:reminders:{interval}:{slot}", interval * 2):
        return []
    job_id = safe_job_id("reminders", slot)
    return [enqueue_job(plan_and_dispatch, job_id=job_id, redis=redis, timeout=interval * 4)]


def run_scheduler(
    engine: Engine,
    redis: Redis,
    *,
    tick: float = 10.0,
    once: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Check for due work every ``tick`` seconds until ``stop`` is set (or once)."""
    stop = stop or threading.Event()
    while True:
        try:
            ids = enqueue_due(engine, redis) + enqueue_reminders(redis)
            if ids:
                log.info("enqueued %s", ", ".join(ids))
        except Exception:
            if once:
                raise
            log.exception("scheduler tick failed; trying again")
        if once or stop.wait(tick):
            return


__all__ = [
    "DEFAULT_RECONCILE_HOUR",
    "DEFAULT_REMINDER_INTERVAL",
    "INTERVALS",
    "enqueue_due",
    "enqueue_reminders",
    "run_scheduler",
]
