"""Putting work on the RQ queues: a bytes Redis connection, JSON jobs, coalesced job ids.

Jobs are plain functions in :mod:`hub.jobs` taking ids, serialised as JSON. A job id is
deterministic for work that must not run twice at once (``sync-<connection>``): asking again while
that job is queued, scheduled for a retry or running returns the existing id instead of queueing a
duplicate. Transient failures are retried with exponential back-off; configuration errors are not
(see :func:`no_retry_on_config_error`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from hub.errors import ConfigError
from hub.redisclient import redis_client
from hub.settings import Settings
from hub.sync.locks import is_locked, sync_lock_key

DEFAULT_QUEUE = "default"
#: Back-off of transient failures: 30 s, 2 min, 8 min (exponential, factor 4).
DEFAULT_RETRY_INTERVALS = (30, 120, 480)
SYNC_TIMEOUT = 6 * 3600
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_DEFAULT: Any = object()


def redis_connection(settings: Settings | None = None) -> Redis:
    """A Redis connection for RQ (bytes responses: ``decode_responses`` breaks RQ)."""
    settings = settings or Settings.from_env()
    return redis_client(settings.redis_url)


def get_queue(name: str = DEFAULT_QUEUE, redis: Redis | None = None) -> Queue:
    """The named queue with the JSON serializer every hub job uses."""
    return Queue(name, connection=redis or redis_connection(), serializer=JSONSerializer)


def default_retry() -> Retry:
    """Retry three times with exponential back-off."""
    return Retry(max=len(DEFAULT_RETRY_INTERVALS), interval=list(DEFAULT_RETRY_INTERVALS))


def no_retry_on_config_error(
    job: Job, connection: Redis, exc_type: type[BaseException], exc: BaseException, tb: Any
) -> None:
    """RQ failure callback: an error the admin must fix is not retried."""
    if isinstance(exc, ConfigError):
        job.retries_left = 0


def safe_job_id(*parts: object) -> str:
    """A job id from ``parts`` using only the characters RQ accepts (long ids are hashed)."""
    text = "-".join(_UNSAFE.sub("_", str(p)) for p in parts)
    if len(text) > 120:
        text = text[:80] + "-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return text


def _is_active(job: Job, alive: Callable[[], bool] | None) -> bool:
    status = job.get_status(refresh=True)
    if status not in _ACTIVE:
        return False
    if status == JobStatus.STARTED and alive is not None:
        return alive()  # a worker killed mid-job leaves it "started"; trust the lock instead
    return True


def enqueue_job(
    func: Callable[..., Any],
    *args: Any,
    job_id: str | None = None,
    retry: Retry | None = _DEFAULT,
    redis: Redis | None = None,
    queue: str = DEFAULT_QUEUE,
    timeout: int | None = None,
    alive: Callable[[], bool] | None = None,
) -> str:
    """Enqueue ``func(*args)`` as a JSON job and return its id.

    With a ``job_id``, a job of that id that is still queued, scheduled or running is reused
    (coalescing) instead of enqueuing another; the check and the enqueue are atomic across
    processes. ``alive`` tells whether a "started" job really still runs.
    """
    redis = redis or redis_connection()
    q = get_queue(queue, redis)
    options: dict[str, Any] = {
        "retry": default_retry() if retry is _DEFAULT else retry,
        "on_failure": Callback(no_retry_on_config_error),
        "job_timeout": timeout,
        "failure_ttl": 7 * 24 * 3600,
    }
    if job_id is None:
        return str(q.enqueue(func, *args, **options).id)
    with redis.lock(f"hub:enqueue:{job_id}", timeout=30, blocking_timeout=30):
        try:
            existing = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
        except NoSuchJobError:
            existing = None
        if existing is not None:
            if _is_active(existing, alive):
                return job_id
            existing.delete()
        return str(q.enqueue(func, *args, job_id=job_id, **options).id)


def sync_job_id(
    connection_id: int, objects: Sequence[str] | None = None, full: bool = False
) -> str:
    """``sync-<id>``, ``sync-<id>-full``, ``sync-<id>-o-customer_invoice``..."""
    parts: list[object] = ["sync", connection_id]
    if full:
        parts.append("full")
    if objects:
        parts += ["o", "_".join(sorted({o.strip().lower() for o in objects}))]
    return safe_job_id(*parts)


def enqueue_sync(
    connection_id: int,
    *,
    objects: Sequence[str] | None = None,
    full: bool = False,
    trigger: str = "manual",
    redis: Redis | None = None,
    retry: Retry | None = _DEFAULT,
) -> str:
    """Ask the workers to sync a connection; coalesced with an identical pending or running sync."""
    from hub import jobs

    redis = redis or redis_connection()
    return enqueue_job(
        jobs.sync_connection,
        connection_id,
        list(objects) if objects else None,
        full,
        trigger,
        job_id=sync_job_id(connection_id, objects, full),
        retry=retry,
        redis=redis,
        timeout=SYNC_TIMEOUT,
        alive=lambda: is_locked(redis, sync_lock_key(connection_id)),
    )


def enqueue_refresh(
    connection_id: int, object_type: str, external_id: str, *, redis: Redis | None = None
) -> str:
    """Ask the workers to refresh one record (webhooks); coalesced per record."""
    from hub import jobs

    return enqueue_job(
        jobs.refresh_record_job,
        connection_id,
        object_type,
        external_id,
        job_id=safe_job_id("refresh", connection_id, object_type, external_id),
        redis=redis,
    )


def enqueue_reprocess(
    connection_id: int, ids: Sequence[int] | None = None, *, redis: Redis | None = None
) -> str:
    """Ask the workers to reprocess a connection's quarantined records."""
    from hub import jobs

    return enqueue_job(
        jobs.reprocess_quarantine_job,
        connection_id,
        list(ids) if ids is not None else None,
        redis=redis,
    )


__all__ = [
    "DEFAULT_QUEUE",
    "default_retry",
    "enqueue_job",
    "enqueue_refresh",
    "enqueue_reprocess",
    "enqueue_sync",
    "get_queue",
    "no_retry_on_config_error",
    "redis_connection",
    "safe_job_id",
    "sync_job_id",
]
