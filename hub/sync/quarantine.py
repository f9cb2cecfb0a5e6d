"""Quarantine: source records that failed mapping or validation, kept with every reason.

A record has at most one *open* quarantine row per (connection, object, external id): quarantining
it again updates that row (new payload and errors, one more attempt) instead of adding another, so
re-running a sync never duplicates quarantine rows. A record that later maps cleanly resolves its
open row in the same transaction that stores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from hub.errors import ConfigError, FieldError
from hub.models import QuarantinedRecord, utcnow

_TABLE: Table = QuarantinedRecord.__table__  # type: ignore[attr-defined]
_CHUNK = 900


@dataclass(frozen=True)
class Rejected:
    """One raw record that failed, with why."""

    payload: Any
    external_id: str | None
    errors: Sequence[FieldError]


def _payload(raw: Any) -> dict[str, Any]:
    return dict(raw) if isinstance(raw, dict) else {"value": raw}


def quarantine(
    conn: Connection,
    connection_id: int,
    run_id: int | None,
    object_type: str,
    stream: str,
    rejected: Sequence[Rejected],
) -> int:
    """Store ``rejected`` records inside the caller's transaction; return how many."""
    if not rejected:
        return 0
    now = utcnow()
    ids = [r.external_id for r in rejected if r.external_id is not None]
    open_rows = _open_ids(conn, connection_id, object_type, ids)
    new_rows: list[dict[str, Any]] = []
    for item in rejected:
        errors = [e.as_dict() for e in item.errors]
        row_id = open_rows.get(item.external_id) if item.external_id is not None else None
        if row_id is not None:
            conn.execute(
                update(_TABLE)
                .where(_TABLE.c.id == row_id)
                .values(
                    payload=_payload(item.payload),
                    errors=errors,
                    run_id=run_id,
                    stream=stream,
                    attempts=_TABLE.c.attempts + 1,
                    updated_at=now,
                )
            )
            continue
        new_rows.append(
            {
                "connection_id": connection_id,
                "run_id": run_id,
                "object_type": object_type,
                "stream": stream,
                "external_id": item.external_id,
                "payload": _payload(item.payload),
                "errors": errors,
                "status": "open",
                "attempts": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        if item.external_id is not None:
            open_rows[item.external_id] = -1  # a second copy in this page updates nothing new
    if new_rows:
        conn.execute(insert(_TABLE), new_rows)
    return len(rejected)


def _open_ids(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(external_ids))
    for start in range(0, len(unique), _CHUNK):
        rows = conn.execute(
            select(_TABLE.c.external_id, _TABLE.c.id).where(
                _TABLE.c.connection_id == connection_id,
                _TABLE.c.object_type == object_type,
                _TABLE.c.status == "open",
                _TABLE.c.external_id.in_(unique[start : start + _CHUNK]),
            )
        )
        found.update({ext: pk for ext, pk in rows})
    return found


def open_count(conn: Connection, connection_id: int, object_type: str | None = None) -> int:
    """How many open quarantine rows a connection (optionally: one object type) has."""
    query = select(func.count()).where(
        _TABLE.c.connection_id == connection_id, _TABLE.c.status == "open"
    )
    if object_type is not None:
        query = query.where(_TABLE.c.object_type == object_type)
    return int(conn.execute(query).scalar_one())


def resolve(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> int:
    """Mark the open rows of records that are now stored correctly as ``resolved``."""
    hits = _open_ids(conn, connection_id, object_type, external_ids)
    if hits:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(list(hits.values())))
            .values(status="resolved", updated_at=utcnow())
        )
    return len(hits)


def list_quarantined(
    engine: Engine,
    *,
    connection_id: int | None = None,
    status: str | None = "open",
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Quarantine rows as dicts (newest first), for the CLI and the admin."""
    query = select(_TABLE).order_by(_TABLE.c.id.desc()).limit(limit)
    if connection_id is not None:
        query = query.where(_TABLE.c.connection_id == connection_id)
    if status is not None:
        query = query.where(_TABLE.c.status == status)
    with engine.connect() as conn:
        return [_as_dict(row._mapping) for row in conn.execute(query)]


def get_quarantined(engine: Engine, quarantine_id: int) -> dict[str, Any]:
    """One quarantine row as a dict; :class:`ConfigError` if there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(_TABLE).where(_TABLE.c.id == quarantine_id)).first()
    if row is None:
        raise ConfigError(f"no quarantined record with id {quarantine_id}")
    return _as_dict(row._mapping)


def dismiss(engine: Engine, quarantine_id: int) -> None:
    """Close an open quarantine row without importing the record."""
    row = get_quarantined(engine, quarantine_id)
    if row["status"] != "open":
        raise ConfigError(f"quarantined record {quarantine_id} is already {row['status']}")
    with engine.begin() as conn:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.id == quarantine_id)
            .values(status="dismissed", updated_at=utcnow())
        )


def _as_dict(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("created_at", "updated_at"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat()
    return out


__all__ = [
    "Rejected",
    "dismiss",
    "get_quarantined",
    "list_quarantined",
    "open_count",
    "quarantine",
    "resolve",
]
