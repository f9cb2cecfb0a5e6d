"""Helpers of the sync tests: change a connection's config, snapshot what a sync stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from hub.models import (
    Connection,
    Customer,
    Invoice,
    InvoiceLine,
    QuarantinedRecord,
    SyncState,
)


def set_config(engine: Engine, connection_id: int, **changes: Any) -> None:
    """Change non-secret settings of a connection (as if the source's data changed)."""
    table = Connection.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        config = dict(
            conn.execute(select(table.c.config).where(table.c.id == connection_id)).one()[0]
        )
        config.update(changes)
        conn.execute(update(table).where(table.c.id == connection_id).values(config=config))


def snapshot(engine: Engine, connection_id: int) -> dict[str, Any]:
    """Everything a sync stores for a connection, without ids and timestamps."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for model in (Customer, Invoice):
            t = model.__table__  # type: ignore[attr-defined]
            rows = conn.execute(
                select(t.c.external_id, t.c.data, t.c.content_hash, t.c.is_deleted)
                .where(t.c.connection_id == connection_id)
                .order_by(t.c.external_id)
            )
            out[t.name] = [tuple(r) for r in rows]
        inv = Invoice.__table__  # type: ignore[attr-defined]
        lines = InvoiceLine.__table__  # type: ignore[attr-defined]
        out["lines"] = [
            tuple(r)
            for r in conn.execute(
                select(inv.c.external_id, lines.c.position, lines.c.amount, lines.c.data)
                .join(inv, inv.c.id == lines.c.invoice_id)
                .where(inv.c.connection_id == connection_id)
                .order_by(inv.c.external_id, lines.c.position)
            )
        ]
        q = QuarantinedRecord.__table__  # type: ignore[attr-defined]
        out["quarantine"] = [
            tuple(r)
            for r in conn.execute(
                select(
                    q.c.object_type,
                    q.c.external_id,
                    q.c.payload,
                    q.c.errors,
                    q.c.status,
                    q.c.attempts,
                )
                .where(q.c.connection_id == connection_id)
                .order_by(q.c.object_type, q.c.external_id)
            )
        ]
        s = SyncState.__table__  # type: ignore[attr-defined]
        out["state"] = [
            tuple(r)
            for r in conn.execute(
                select(s.c.stream, s.c.state)
                .where(s.c.connection_id == connection_id)
                .order_by(s.c.stream)
            )
        ]
    return out
