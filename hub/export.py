"""Streaming canonical records out of the database (what ``hubctl export`` prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select

from hub.models import RECORD_MODELS, Connection

OPEN_STATUSES = ("open", "partially_paid")


def days_overdue(record: dict[str, Any], today: dt.date) -> int:
    """Days past due for an open or partially paid invoice; 0 otherwise (derived, never stored)."""
    due = record.get("due_date")
    if record.get("status") not in OPEN_STATUSES or not due:
        return 0
    return max(0, (today - dt.date.fromisoformat(str(due))).days)


def iter_canonical(
    engine: Engine,
    object_type: str,
    *,
    connection: str | None = None,
    include_deleted: bool = False,
    today: dt.date | None = None,
    batch_size: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Yield canonical records of ``object_type`` in (connection, external_id) order.

    Each record gets ``connection`` (the connection's name), invoices get the derived
    ``days_overdue``; records deleted at the source are skipped unless ``include_deleted``
    (then they carry ``"deleted": true``).
    """
    model = RECORD_MODELS[object_type]
    table = model.__table__  # type: ignore[attr-defined]
    conn_table = Connection.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.data, table.c.is_deleted, conn_table.c.name)
        .join(conn_table, conn_table.c.id == table.c.connection_id)
        .order_by(conn_table.c.name, table.c.external_id)
    )
    if connection is not None:
        query = query.where(conn_table.c.name == connection)
    if not include_deleted:
        query = query.where(table.c.is_deleted.is_(False))
    today = today or dt.date.today()
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch_size).execute(query)
        for data, deleted, name in result:
            record = dict(data)
            record["connection"] = name
            if object_type == "invoice":
                record["days_overdue"] = 0 if deleted else days_overdue(record, today)
            if deleted:
                record["deleted"] = True
            yield record


__all__ = ["OPEN_STATUSES", "days_overdue", "iter_canonical"]
