"""Tables of the collections engine: channels, policies, the reminder outbox, consent, holds, timeline.

The outbox (:class:`Reminder`) has one row per (invoice, step, channel, recipient); the unique
constraint is what makes "at most once per (invoice, step, channel)" hold even when two planners
race. Rows sent together (a customer's invoices grouped into one message) share ``message_key``,
which is also the idempotency key handed to the notifier.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models import JSONType, utcnow


def _json() -> Any:
    return Field(default_factory=dict, sa_type=JSONType, nullable=False)


class Channel(SQLModel, table=True):
    """A configured reminder channel (one notifier plugin + its settings, secrets encrypted)."""

    __tablename__ = "channel"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    plugin: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    config: dict[str, Any] = _json()
    secrets: str | None = Field(default=None, sa_type=Text, nullable=True)
    status: str = Field(default="never_tested", max_length=20)
    status_message: str = Field(default="", sa_type=Text, nullable=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReminderPolicy(SQLModel, table=True):
    """A named reminder policy: ordered ``steps`` and sending ``settings`` (see policies.py)."""

    __tablename__ = "reminder_policy"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    is_default: bool = False
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    settings: dict[str, Any] = _json()
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PolicyAssignment(SQLModel, table=True):
    """Assigns a policy to one customer (``customer_external_id``) or a segment (``segment``)."""

    __tablename__ = "policy_assignment"
    __table_args__ = (UniqueConstraint("connection_id", "customer_external_id", "segment"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="reminder_policy.id", ondelete="CASCADE")
    connection_id: int = Field(foreign_key="connection.id", ondelete="CASCADE")
    customer_external_id: str | None = Field(default=None, max_length=100)
    segment: str | None = Field(default=None, max_length=100)


class Reminder(SQLModel, table=True):
    """One outbox row: a reminder for one invoice at one step, on one channel, to one recipient.

    ``status``: ``scheduled`` → ``queued`` → ``sending`` → ``sent`` | ``failed``; or ``held``
    (suppressed for now, re-evaluated while the step lasts), ``suppressed`` and ``cancelled``, each
    with ``reason``.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint(
            "connection_id",
            "invoice_external_id",
            "step_key",
            "channel",
            "recipient",
            name="uq_reminder_once",
        ),
        Index("ix_reminder_due", "status", "scheduled_for"),
        Index("ix_reminder_message", "message_key"),
        Index("ix_reminder_customer", "connection_id", "customer_external_id"),
        # The planner's anti-join reads one step's rows; without this, PostgreSQL hashes a
        # sequential scan of the whole (ever-growing) outbox for each step.
        Index("ix_reminder_step", "connection_id", "step_key", "invoice_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="connection.id", ondelete="CASCADE")
    invoice_external_id: str = Field(max_length=100)
    customer_external_id: str | None = Field(default=None, max_length=100)
    policy_id: int | None = Field(
        default=None, foreign_key="reminder_policy.id", ondelete="SET NULL"
    )
    step_key: str = Field(max_length=50)
    channel: str = Field(max_length=20)
    channel_name: str | None = Field(default=None, max_length=100)
    recipient: str = Field(default="", max_length=300)
    recipient_role: str = Field(default="", max_length=50)
    template: str = Field(default="", max_length=100)
    message_key: str = Field(max_length=200)
    status: str = Field(default="scheduled", max_length=20)
    reason: str | None = Field(default=None, max_length=50)
    scheduled_for: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    attempts: int = 0
    amount_due: Decimal | None = Field(default=None, sa_type=Numeric(19, 4), nullable=True)
    provider_id: str | None = Field(default=None, max_length=300)
    error: str | None = Field(default=None, sa_type=Text, nullable=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ConsentEvent(SQLModel, table=True):
    """One entry of the consent ledger: an address opted out of / back into a channel.

    ``channel`` is ``email``, ``sms`` or ``all``; the latest event for an address decides.
    ``actor`` is who (a collector, ``recipient``, the provider), ``method`` how (``inbound_sms``,
    ``cli``, ``provider_error``, ...).
    """

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_address", "address", "channel", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=300)
    channel: str = Field(max_length=20)
    action: str = Field(max_length=20)
    actor: str = Field(default="", max_length=200)
    method: str = Field(default="", max_length=50)
    detail: str = Field(default="", sa_type=Text, nullable=False)
    contact_external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class CollectionsHold(SQLModel, table=True):
    """A collector action that stops chasing: ``pause``, ``dispute`` or ``promise`` (to pay).

    ``scope`` is ``customer`` or ``invoice``. ``status`` is ``active`` until released (or, for a
    promise, ``kept`` or ``broken``).
    """

    __tablename__ = "collections_hold"
    __table_args__ = (Index("ix_hold_target", "connection_id", "scope", "external_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="connection.id", ondelete="CASCADE")
    scope: str = Field(max_length=20)
    external_id: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    status: str = Field(default="active", max_length=20)
    reason: str = Field(default="", sa_type=Text, nullable=False)
    until: date | None = None
    amount: Decimal | None = Field(default=None, sa_type=Numeric(19, 4), nullable=True)
    actor: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class TimelineEvent(SQLModel, table=True):
    """Something that happened to a customer: a message, a suppression, a collector action, a note."""

    __tablename__ = "timeline_event"
    __table_args__ = (Index("ix_timeline_customer", "connection_id", "customer_external_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="connection.id", ondelete="CASCADE")
    customer_external_id: str | None = Field(default=None, max_length=100)
    invoice_external_id: str | None = Field(default=None, max_length=100)
    kind: str = Field(max_length=30)
    message: str = Field(default="", sa_type=Text, nullable=False)
    actor: str = Field(default="", max_length=200)
    data: dict[str, Any] = _json()
    created_at: datetime = Field(default_factory=utcnow)


__all__ = [
    "Channel",
    "CollectionsHold",
    "ConsentEvent",
    "PolicyAssignment",
    "Reminder",
    "ReminderPolicy",
    "TimelineEvent",
]
