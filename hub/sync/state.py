"""Stream state (bookmarks): read outside, written inside the page's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from hub.models import SyncState, utcnow

_TABLE: Table = SyncState.__table__  # type: ignore[attr-defined]


def load_state(engine: Engine, connection_id: int, stream: str) -> dict[str, Any] | None:
    """The last committed state of a stream, or ``None`` if it never committed a page."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_TABLE.c.state).where(
                _TABLE.c.connection_id == connection_id, _TABLE.c.stream == stream
            )
        ).first()
    return None if row is None else dict(row[0])


def save_state(conn: Connection, connection_id: int, stream: str, state: Mapping[str, Any]) -> None:
    """Store a stream's new state inside the caller's transaction (with the page's records)."""
    values = {"state": dict(state), "updated_at": utcnow()}
    result = conn.execute(
        update(_TABLE)
        .where(_TABLE.c.connection_id == connection_id, _TABLE.c.stream == stream)
        .values(**values)
    )
    if result.rowcount == 0:
        conn.execute(insert(_TABLE).values(connection_id=connection_id, stream=stream, **values))


def reset_state(engine: Engine, connection_id: int, stream: str | None = None) -> None:
    """Forget the state of one stream (or all): the next sync reads them from scratch."""
    query = delete(_TABLE).where(_TABLE.c.connection_id == connection_id)
    if stream is not None:
        query = query.where(_TABLE.c.stream == stream)
    with engine.begin() as conn:
        conn.execute(query)


__all__ = ["load_state", "reset_state", "save_state"]
