"""Outbox state transitions: dispatching due messages, recovering crashed ones, cancelling.

States of a :class:`~hub.collections.models.Reminder` row::

    scheduled ─dispatch→ queued ─claim→ sending ─→ sent | failed | suppressed
        │                  ↑                │ transient error / lease expired (crash)
        └─ cancelled       └────────────────┘
    held ─(hold lifted while the step is due)→ scheduled

Rows sharing a ``message_key`` move together: they are one message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlmodel import col

from hub.collections.models import Reminder
from hub.collections.suppression import RETRIES_EXHAUSTED
from hub.models import utcnow

PENDING = ("scheduled", "held", "queued")

Enqueue = Callable[[int, str], None]
"""Called with (lead reminder id, message_key) for each message to send."""


def _leads(engine: Engine, condition: ColumnElement[bool]) -> list[tuple[int, str]]:
    lead = func.min(col(Reminder.id))
    query = (
        select(lead, col(Reminder.message_key))
        .where(condition)
        .group_by(col(Reminder.message_key))
        .order_by(lead)
    )
    with engine.connect() as conn:
        return [(int(i), str(k)) for i, k in conn.execute(query) if i is not None]


def dispatch_due(
    engine: Engine, now: datetime | None = None, enqueue: Enqueue | None = None
) -> list[tuple[int, str]]:
    """Mark every due ``scheduled`` message ``queued`` and hand it to ``enqueue``; returns them."""
    now = now or utcnow()
    leads = _leads(
        engine, and_(col(Reminder.status) == "scheduled", col(Reminder.scheduled_for) <= now)
    )
    keys = [k for _, k in leads]
    with engine.begin() as conn:
        for i in range(0, len(keys), 500):
            conn.execute(
                update(Reminder)
                .where(
                    col(Reminder.message_key).in_(keys[i : i + 500]),
                    col(Reminder.status) == "scheduled",
                )
                .values(status="queued", updated_at=now)
            )
    if enqueue is not None:
        for lead, key in leads:
            enqueue(lead, key)
    return leads


def recover_stalled(
    engine: Engine,
    lease_seconds: int,
    now: datetime | None = None,
    enqueue: Enqueue | None = None,
    *,
    max_attempts: int = 5,
) -> list[tuple[int, str]]:
    """Messages whose job died: ``sending`` past its lease, or ``queued`` for longer than a lease
    (the queue lost the job). They are handed to ``enqueue`` again; the claim makes it safe.

    A stalled message that already used ``max_attempts`` (a message that kills its worker every
    time) is ``failed`` with reason ``retries_exhausted`` instead of being retried forever."""
    now = now or utcnow()
    stale = now - timedelta(seconds=lease_seconds)
    stalled = or_(
        and_(col(Reminder.status) == "sending", col(Reminder.lease_until) < now),
        and_(col(Reminder.status) == "queued", col(Reminder.updated_at) < stale),
    )
    with engine.begin() as conn:
        conn.execute(
            update(Reminder)
            .where(stalled, col(Reminder.attempts) >= max_attempts)
            .values(
                status="failed",
                reason=RETRIES_EXHAUSTED,
                lease_until=None,
                error="the sending job died or stalled too many times",
                updated_at=now,
            )
        )
    leads = _leads(engine, stalled)
    if enqueue is not None:
        for lead, key in leads:
            enqueue(lead, key)
    return leads


def cancel_pending(
    engine: Engine, connection_id: int, invoice_external_ids: Iterable[str], reason: str
) -> int:
    """Cancel every not-yet-sending reminder of these invoices with ``reason``; returns the count."""
    ids = sorted(set(invoice_external_ids))
    count = 0
    with engine.begin() as conn:
        for i in range(0, len(ids), 500):
            outcome = conn.execute(
                update(Reminder)
                .where(
                    col(Reminder.connection_id) == connection_id,
                    col(Reminder.invoice_external_id).in_(ids[i : i + 500]),
                    col(Reminder.status).in_(PENDING),
                )
                .values(status="cancelled", reason=reason, updated_at=utcnow())
            )
            count += max(outcome.rowcount, 0)
    return count


__all__ = ["PENDING", "Enqueue", "cancel_pending", "dispatch_due", "recover_stalled"]
