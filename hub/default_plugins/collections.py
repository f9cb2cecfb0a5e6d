"""Built-in plugin: stop chasing the moment a change makes an invoice no longer open.

Invoice changes (paid, void, deleted at the source) cancel the invoice's pending reminders with the
matching reason. A payment cancels the reminders of each invoice it applies to when the applied
amount covers what the hub last knew was due; partial payments leave the reminder in place, and the
sender shows the refreshed amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import cache

from sqlalchemy import Engine

from hub import RecordChange, hookimpl


@hookimpl
def records_changed(
    connection_id: int,
    object_type: str,
    changes: Sequence[RecordChange],
    engine: Engine | None,
) -> None:
    """Cancel pending reminders of invoices that are paid, void or deleted."""
    if object_type not in ("invoice", "payment"):
        return
    from hub.collections.outbox import cancel_pending
    from hub.collections.suppression import DELETED, PAID, VOID
    from hub.settings import Settings

    if engine is None:
        engine = _engine(Settings.from_env().database_url)
    by_reason: dict[str, list[str]] = {}
    if object_type == "invoice":
        for change in changes:
            record = change.record or {}
            if change.action == "deleted":
                by_reason.setdefault(DELETED, []).append(change.external_id)
            elif record.get("status") == "void":
                by_reason.setdefault(VOID, []).append(change.external_id)
            elif record.get("status") == "paid" or _zero(record.get("amount_due")):
                by_reason.setdefault(PAID, []).append(change.external_id)
    else:
        by_reason[PAID] = _fully_paid(engine, connection_id, changes)
    for reason, ids in by_reason.items():
        if ids:
            cancel_pending(engine, connection_id, ids, reason)


@cache
def _engine(url: str) -> Engine:
    """The engine for callers that fire the event without one (kept for the process's life and
    disposed at exit, so its pooled connections are closed rather than left to the collector)."""
    import atexit

    from hub.db import make_engine

    engine = make_engine(url)
    atexit.register(engine.dispose)
    return engine


def _zero(value: object) -> bool:
    try:
        return value is not None and Decimal(str(value)) <= 0
    except InvalidOperation:
        return False


def _fully_paid(engine: object, connection_id: int, changes: Sequence[RecordChange]) -> list[str]:
    from sqlalchemy import Engine, select
    from sqlmodel import Session, col

    from hub.models import Invoice

    applied: dict[str, Decimal] = {}
    for change in changes:
        for app in (change.record or {}).get("applications") or []:
            try:
                amount = Decimal(str(app.get("amount")))
            except InvalidOperation:
                continue
            key = str(app.get("invoice_external_id"))
            applied[key] = applied.get(key, Decimal(0)) + amount
    if not applied:
        return []
    assert isinstance(engine, Engine)
    with Session(engine) as session:
        rows = session.execute(
            select(col(Invoice.external_id), col(Invoice.amount_due)).where(
                col(Invoice.connection_id) == connection_id,
                col(Invoice.external_id).in_(sorted(applied)),
            )
        )
        return [ext for ext, due in rows if due is not None and applied[ext] >= due]
