"""Sync run rows: creation, live counts (committed with each page) and the final outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, update

from hub.errors import ConfigError
from hub.models import SyncRun, utcnow

_TABLE: Table = SyncRun.__table__  # type: ignore[attr-defined]
COUNT_KEYS = ("fetched", "created", "updated", "unchanged", "quarantined", "deleted", "pages")


@dataclass
class SyncProgress:
    """A snapshot reported after each committed page (and when a stream ends)."""

    run_id: int
    stream: str
    object_type: str
    fetched: int
    pages: int
    done: bool
    counts: dict[str, int] = field(default_factory=dict)


def new_counts() -> dict[str, Any]:
    """Zeroed counts of one object type."""
    return {key: 0 for key in COUNT_KEYS}


def create_run(
    engine: Engine,
    connection_id: int,
    *,
    objects: Sequence[str],
    full: bool,
    trigger: str,
    status: str = "running",
) -> int:
    """Insert a run row and return its id."""
    with engine.begin() as conn:
        result = conn.execute(
            _TABLE.insert().values(
                connection_id=connection_id,
                status=status,
                trigger=trigger[:20],
                full=full,
                objects=list(objects),
                counts={},
                http_requests=0,
                started_at=utcnow(),
            )
        )
        run_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert run_id is not None
    return int(run_id)


def start_run(engine: Engine, run_id: int, *, objects: Sequence[str], full: bool) -> None:
    """Mark a queued run as running now."""
    with engine.begin() as conn:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.id == run_id)
            .values(status="running", objects=list(objects), full=full, started_at=utcnow())
        )


def write_counts(conn: Connection, run_id: int, counts: dict[str, Any], http_requests: int) -> None:
    """Store the live counts inside the caller's (page) transaction."""
    conn.execute(
        update(_TABLE)
        .where(_TABLE.c.id == run_id)
        .values(counts=_copy(counts), http_requests=http_requests)
    )


def finish_run(
    engine: Engine,
    run_id: int,
    *,
    status: str,
    counts: dict[str, Any],
    http_requests: int,
    error: str | None,
) -> None:
    """Record the outcome of a run."""
    with engine.begin() as conn:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.id == run_id)
            .values(
                status=status,
                counts=_copy(counts),
                http_requests=http_requests,
                error=error,
                finished_at=utcnow(),
            )
        )


def interrupt_stale_runs(engine: Engine, connection_id: int, keep: int) -> int:
    """Mark runs left ``running`` by a crashed process as ``interrupted`` (call under the lock)."""
    with engine.begin() as conn:
        result = conn.execute(
            update(_TABLE)
            .where(
                _TABLE.c.connection_id == connection_id,
                _TABLE.c.status == "running",
                _TABLE.c.id != keep,
            )
            .values(status="interrupted", finished_at=utcnow(), error="the process stopped")
        )
    return int(result.rowcount or 0)


def run_progress(engine: Engine, run_id: int) -> dict[str, Any]:
    """Everything known about a run, readable while it runs (counts are per committed page)."""
    with engine.connect() as conn:
        row = conn.execute(select(_TABLE).where(_TABLE.c.id == run_id)).first()
    if row is None:
        raise ConfigError(f"no sync run with id {run_id}")
    data = dict(row._mapping)
    counts: dict[str, Any] = data["counts"] or {}
    totals = {key: 0 for key in COUNT_KEYS}
    for per_object in counts.values():
        for key in COUNT_KEYS:
            totals[key] += int(per_object.get(key, 0))
    started, finished = data["started_at"], data["finished_at"]
    return {
        "run_id": data["id"],
        "connection_id": data["connection_id"],
        "status": data["status"],
        "trigger": data["trigger"],
        "full": data["full"],
        "objects": data["objects"],
        "counts": counts,
        "totals": totals,
        "http_requests": data["http_requests"],
        "error": data["error"],
        "started_at": started.isoformat() if started else None,
        "finished_at": finished.isoformat() if finished else None,
        "duration_s": round((finished - started).total_seconds(), 3)
        if started and finished
        else None,
    }


def _copy(counts: dict[str, Any]) -> dict[str, Any]:
    return {key: dict(value) for key, value in counts.items()}


__all__ = [
    "COUNT_KEYS",
    "SyncProgress",
    "create_run",
    "finish_run",
    "interrupt_stale_runs",
    "new_counts",
    "run_progress",
    "start_run",
    "write_counts",
]
