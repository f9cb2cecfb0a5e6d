"""One entry point for a reminders pass: plan every connection, then send (or enqueue) what is due."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.collections.channels import ChannelService
from hub.collections.models import Reminder
from hub.collections.outbox import Enqueue, dispatch_due, recover_stalled
from hub.collections.planner import PlannedReminder, Planner
from hub.collections.sender import Outcome, Sender
from hub.errors import TransientError
from hub.models import Connection, Invoice, utcnow
from hub.notifiers import OutgoingMessage

#: How many messages the foreground sender claims and re-checks together.
SEND_BATCH = 50


@dataclass
class RunSummary:
    """What ``hubctl reminders run`` reports."""

    planned: int = 0
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[str] = field(default_factory=Counter)
    messages: list[OutgoingMessage] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "sent": self.sent,
            "outcomes": dict(self.outcomes),
            "suppressed": dict(self.suppressed),
        }


def connection_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [
            int(i) for i in session.exec(select(Connection.id).order_by(col(Connection.id))) if i
        ]


def run_reminders(
    engine: Engine,
    channels: ChannelService,
    sender_factory: Callable[..., Sender] = Sender,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    enqueue: Enqueue | None = None,
    lease_seconds: int = 300,
    max_attempts: int = 5,
) -> RunSummary:
    """Plan all connections, then deliver what is due in the foreground (or hand it to
    ``enqueue``). With ``dry_run`` nothing is written or sent; messages are rendered only."""
    now = now or utcnow()
    started = utcnow()
    summary = RunSummary()
    if dry_run:
        sender = sender_factory(engine, channels, dry_run=True, refresh=None)
        for cid in connection_ids(engine):
            result = Planner(engine, cid, channels).plan(now, write=False)
            summary.planned += len(result.items)
            summary.suppressed.update(result.by_reason)
            summary.messages.extend(_render_planned(sender, result.items, now))
        summary.outcomes["rendered"] = len(summary.messages)
        return summary
    for cid in connection_ids(engine):
        result = Planner(engine, cid, channels).plan(now)
        summary.planned += result.created
    if enqueue is not None:
        recover_stalled(engine, lease_seconds, now, enqueue, max_attempts=max_attempts)
        summary.outcomes["enqueued"] = len(dispatch_due(engine, now, enqueue))
    else:
        sender = sender_factory(engine, channels)
        try:
            leads = [lead for lead, _key in dispatch_due(engine, now)]
            for i in range(0, len(leads), SEND_BATCH):
                batch = leads[i : i + SEND_BATCH]
                try:
                    outcomes = sender.deliver_many(batch, now)
                except TransientError as exc:
                    outcomes = [Outcome("retry", str(exc))] * len(batch)
                summary.outcomes.update(o.status for o in outcomes)
        finally:
            sender.close()
    with Session(engine) as session:
        rows = session.exec(
            select(Reminder.status, Reminder.reason).where(col(Reminder.updated_at) >= started)
        )
        for status, reason in rows:
            if status == "sent":
                summary.sent += 1
            elif reason and status in ("suppressed", "held", "cancelled"):
                summary.suppressed[reason] += 1
    return summary


def _render_planned(
    sender: Sender, items: list[PlannedReminder], now: datetime
) -> list[OutgoingMessage]:
    groups: dict[str, list[PlannedReminder]] = {}
    for item in items:
        if item.status == "scheduled" and item.scheduled_for <= now:
            groups.setdefault(item.message_key, []).append(item)
    out = []
    for group in groups.values():
        pairs = []
        with Session(sender.engine) as session:
            for item in group:
                invoice = session.exec(
                    select(Invoice).where(col(Invoice.external_id) == item.invoice_external_id)
                ).first()
                if invoice is not None:
                    row = Reminder(**{k: v for k, v in item.row(invoice.connection_id).items()})
                    pairs.append((row, invoice))
        if pairs:
            out.append(sender._render(pairs, now))  # noqa: SLF001 - same package
    return out


__all__ = ["RunSummary", "connection_ids", "run_reminders"]
