"""RQ job functions: plain functions taking ids, run by ``hubctl worker``.

Each job reads its settings (``DATABASE_URL``, ``REDIS_URL``, ``HUB_SECRET_KEY``) from the worker's
environment and raises on failure, so RQ records it and retries transient errors (see
:mod:`hub.queueing`).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from hub.db import make_engine
from hub.settings import Settings
from hub.sync.budget import DEFAULT_CONCURRENCY, RedisContext
from hub.sync.engine import connection_service, load_connection, run_sync
from hub.sync.locks import HeartbeatLock, LockBusy, sync_lock_key
from hub.sync.targeted import refresh_record, reprocess_quarantined
from hub.writeback import write_back_customer

#: Seconds a crashed worker's sync lock outlives it (``HUB_SYNC_LOCK_TTL`` overrides).
DEFAULT_LOCK_TTL = 60.0


_ENGINES: dict[str, Engine] = {}


def job_engine() -> Engine:
    """The database engine of this worker process (one per ``DATABASE_URL``)."""
    url = Settings.from_env().database_url
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def dispose_engines() -> None:
    """Close the engines jobs opened in this process."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def lock_ttl() -> float:
    """The sync lock's time-to-live in seconds."""
    return float(os.environ.get("HUB_SYNC_LOCK_TTL") or DEFAULT_LOCK_TTL)


def budget_context(engine: Engine, connection_id: int) -> RedisContext:
    """The shared request budget of a connection's source account."""
    from hub.queueing import redis_connection

    connection = load_connection(engine, connection_id)
    connector = connection_service(engine).connector_for(connection)
    try:
        key = connector.budget_key() or f"{connection.plugin}:connection:{connection_id}"
        limit = int(connector.config.get("concurrency") or DEFAULT_CONCURRENCY)
    finally:
        connector.close()
    return RedisContext(redis_connection(), key, limit)


def sync_connection(
    connection_id: int,
    objects: list[str] | None = None,
    full: bool = False,
    trigger: str = "schedule",
) -> int:
    """Sync one connection under its lock; return the run id. Raises if a stream failed."""
    from hub.queueing import redis_connection

    engine = job_engine()
    lock = HeartbeatLock(redis_connection(), sync_lock_key(connection_id), ttl=lock_ttl())
    if not lock.acquire():
        raise LockBusy(f"connection {connection_id} is already syncing; will retry")
    try:
        run = run_sync(
            engine,
            connection_id,
            objects=objects,
            full=full,
            trigger=trigger,
            context=budget_context(engine, connection_id),
            guard=lock.check,
            raise_errors=True,
        )
    finally:
        lock.release()
    assert run.id is not None
    return run.id


def reconcile_open_invoices_job(connection_id: int) -> int:
    """Nightly: re-read every invoice and re-check open ones the source did not return."""
    return sync_connection(connection_id, ["invoice"], True, "reconcile")


def refresh_record_job(connection_id: int, object_type: str, external_id: str) -> None:
    """Refresh one record from the source (webhooks, pre-send re-checks)."""
    engine = job_engine()
    refresh_record(
        engine,
        connection_id,
        object_type,
        external_id,
        context=budget_context(engine, connection_id),
    )


def write_back_customer_job(
    connection_id: int,
    external_id: str,
    changes: dict[str, Any],
    author: str = "worker",
    edited_at: str | None = None,
) -> str:
    """Write customer contact details back to the source; return ``"written"`` or ``"conflict"``.

    ``edited_at`` (ISO 8601) is when the edit was made in the hub, so a source change made while
    the job waited in the queue still wins the conflict. Raises on failure (RQ retries transient
    errors; configuration errors fail the job).
    """
    engine = job_engine()
    result = write_back_customer(
        engine,
        connection_id,
        external_id,
        changes,
        author=author,
        edited_at=datetime.fromisoformat(edited_at) if edited_at else None,
        context=budget_context(engine, connection_id),
    )
    return result.status


def reprocess_quarantine_job(connection_id: int, ids: list[int] | None = None) -> None:
    """Map a connection's open quarantined records again (after a mapping fix)."""
    reprocess_quarantined(job_engine(), connection_id, ids)


__all__ = [
    "dispose_engines",
    "job_engine",
    "reconcile_open_invoices_job",
    "refresh_record_job",
    "reprocess_quarantine_job",
    "sync_connection",
    "write_back_customer_job",
]
