"""The numbers on the dashboard: aging buckets, DSO, reminder counts and sync health."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, case, func
from sqlmodel import Session, col, select

from hub.models import Connection, Invoice, QuarantinedRecord, SyncRun, utcnow

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
OPEN_STATUSES = ("open", "partially_paid")
DSO_DAYS = 90


@dataclass
class CurrencyAging:
    """Open receivables of one currency split into aging buckets."""

    currency: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))
    dso: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))


@dataclass
class ConnectionHealth:
    """How one connection's syncs are going."""

    id: int
    name: str
    plugin: str
    status: str
    last_run_status: str | None
    last_run_at: datetime | None
    open_quarantine: int
    failed_runs_7d: int


def _bucket_expression(today: date) -> Any:
    due = Invoice.due_date
    return case(
        (due.is_(None), "current"),  # type: ignore[union-attr]
        (col(due) >= today, "current"),
        (col(due) >= today - timedelta(days=30), "1-30"),
        (col(due) >= today - timedelta(days=60), "31-60"),
        (col(due) >= today - timedelta(days=90), "61-90"),
        else_="90+",
    )


def aging(engine: Engine, today: date | None = None) -> list[CurrencyAging]:
    """Open amounts per currency and bucket (days past due), with DSO over the last 90 days."""
    today = today or utcnow().date()
    bucket = _bucket_expression(today).label("bucket")
    currency = func.coalesce(Invoice.currency, "???").label("currency")
    open_filter = (
        col(Invoice.status).in_(OPEN_STATUSES),
        col(Invoice.is_deleted).is_(False),
    )
    result: dict[str, CurrencyAging] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(currency, bucket, func.sum(Invoice.amount_due))
            .where(*open_filter)
            .group_by(currency, bucket)
        ).all()
        for cur, name, amount in rows:
            entry = result.setdefault(cur, CurrencyAging(cur))
            entry.buckets[name] += Decimal(amount or 0)
        since = today - timedelta(days=DSO_DAYS)
        sales = session.exec(
            select(currency, func.sum(Invoice.total))
            .where(
                col(Invoice.issue_date) >= since,
                col(Invoice.status) != "void",
                col(Invoice.is_deleted).is_(False),
            )
            .group_by(currency)
        ).all()
    for cur, total in sales:
        found = result.get(cur)
        if found is not None and total:
            found.dso = (found.total / Decimal(total) * DSO_DAYS).quantize(Decimal("0.1"))
    return [result[k] for k in sorted(result)]


def sync_health(engine: Engine) -> list[ConnectionHealth]:
    """One line per connection: status, last run, open quarantine, failures in the last week."""
    week_ago = utcnow() - timedelta(days=7)
    with Session(engine) as session:
        connections = list(session.exec(select(Connection).order_by(Connection.name)))
        quarantine = dict(
            session.exec(
                select(QuarantinedRecord.connection_id, func.count())
                .where(QuarantinedRecord.status == "open")
                .group_by(col(QuarantinedRecord.connection_id))
            ).all()
        )
        failures = dict(
            session.exec(
                select(SyncRun.connection_id, func.count())
                .where(SyncRun.status == "failed", col(SyncRun.started_at) >= week_ago)
                .group_by(col(SyncRun.connection_id))
            ).all()
        )
        health = []
        for c in connections:
            assert c.id is not None
            last = session.exec(
                select(SyncRun)
                .where(SyncRun.connection_id == c.id)
                .order_by(col(SyncRun.started_at).desc())
                .limit(1)
            ).first()
            health.append(
                ConnectionHealth(
                    id=c.id,
                    name=c.name,
                    plugin=c.plugin,
                    status=c.status,
                    last_run_status=last.status if last else None,
                    last_run_at=(last.finished_at or last.started_at) if last else None,
                    open_quarantine=int(quarantine.get(c.id, 0)),
                    failed_runs_7d=int(failures.get(c.id, 0)),
                )
            )
    return health


def reminder_counts(engine: Engine, days: int = 30) -> dict[str, int]:
    """Reminders per status over the last ``days`` days (empty without the collections tables)."""
    try:
        from hub.collections.models import Reminder
    except ImportError:  # pragma: no cover - collections engine not installed
        return {}
    since = utcnow() - timedelta(days=days)
    counts: dict[str, int] = defaultdict(int)
    with Session(engine) as session:
        for status, count in session.exec(
            select(Reminder.status, func.count())
            .where(col(Reminder.updated_at) >= since)
            .group_by(Reminder.status)
        ).all():
            counts[status] = int(count)
    return dict(counts)


__all__ = [
    "BUCKETS",
    "ConnectionHealth",
    "CurrencyAging",
    "aging",
    "reminder_counts",
    "sync_health",
]
