"""The customer timeline: every collector action, message and suppression, in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.collections.models import TimelineEvent


def record_event(
    session: Session,
    connection_id: int,
    customer_external_id: str | None,
    kind: str,
    message: str,
    *,
    invoice_external_id: str | None = None,
    actor: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Add a timeline entry in ``session`` (committed with the caller's transaction)."""
    event = TimelineEvent(
        connection_id=connection_id,
        customer_external_id=customer_external_id,
        invoice_external_id=invoice_external_id,
        kind=kind,
        message=message,
        actor=actor,
        data=data or {},
    )
    session.add(event)
    return event


def timeline(engine: Engine, connection_id: int, customer_external_id: str) -> list[TimelineEvent]:
    """A customer's timeline, oldest first."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(TimelineEvent)
                .where(
                    col(TimelineEvent.connection_id) == connection_id,
                    col(TimelineEvent.customer_external_id) == customer_external_id,
                )
                .order_by(col(TimelineEvent.id))
            )
        )


__all__ = ["record_event", "timeline"]
