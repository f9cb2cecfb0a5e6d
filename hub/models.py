"""The hub's data model (SQLModel tables). Schema changes go through Alembic (``hub/migrations``).

Conventions: money is ``Numeric`` (read back as :class:`~decimal.Decimal`); datetimes are stored
timezone-aware in UTC; every synced record is unique per (connection, external_id) and keeps the
full canonical record in ``data`` next to the columns the engines query; ``content_hash`` lets a
sync tell an unchanged record from an updated one without comparing columns.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Numeric, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")
#: Amounts: 19 digits, 4 decimals (covers 3-decimal currencies with room for rounding checks).
Money = Numeric(19, 4)
#: Exchange rates keep NetSuite's precision.
Rate = Numeric(24, 12)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind stored)."""
    return datetime.now(UTC)


# Fields are declared with ``sa_type`` rather than ``sa_column`` so mixins can share them.


def _json() -> Any:
    return Field(default_factory=dict, sa_type=JSONType, nullable=False)


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=JSONType, nullable=False)


def _connection_fk() -> Any:
    return Field(foreign_key="connection.id", ondelete="CASCADE", nullable=False)


def _money() -> Any:
    return Field(default=None, sa_type=Money, nullable=True)


def _text(nullable: bool = False) -> Any:
    return Field(default=None if nullable else "", sa_type=Text, nullable=nullable)


# --- connections ------------------------------------------------------------------------------


class Connection(SQLModel, table=True):
    """A configured link to one source account through one connector plugin.

    Non-secret settings live in ``config``; the fields the plugin's schema marks ``x-secret`` are
    encrypted together in ``secrets`` (see :mod:`hub.crypto`).
    """

    __tablename__ = "connection"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    plugin: str = Field(max_length=100)
    config: dict[str, Any] = _json()
    secrets: str | None = _text(nullable=True)
    status: str = Field(default="never_tested", max_length=20)
    status_message: str = _text()
    checked_at: datetime | None = None
    objects: list[str] = _json_list()
    frequency: str = Field(default="manual", max_length=20)
    direction: str = Field(default="source_to_hub", max_length=30)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- synced records ---------------------------------------------------------------------------


class SyncedRecord(SQLModel):
    """Columns every synced canonical record has."""

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    external_id: str = Field(max_length=100)
    data: dict[str, Any] = _json()
    content_hash: str = Field(max_length=64)
    is_deleted: bool = False
    deleted_at: datetime | None = None
    synced_at: datetime = Field(default_factory=utcnow)


class Customer(SyncedRecord, table=True):
    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    name: str = Field(default="", max_length=300)
    email: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=60)
    currency: str | None = Field(default=None, max_length=3)
    payment_terms: str | None = Field(default=None, max_length=100)
    credit_limit: Decimal | None = _money()
    is_active: bool = True
    custom_fields: dict[str, Any] = _json()


class Contact(SyncedRecord, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        Index("ix_contact_customer", "connection_id", "customer_external_id"),
    )

    customer_external_id: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=60)
    title: str | None = Field(default=None, max_length=200)
    is_primary: bool = False


class Invoice(SyncedRecord, table=True):
    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        # The collections engine's two hot queries: open invoices by due date, and by customer.
        Index("ix_invoice_open_due", "connection_id", "status", "due_date"),
        Index("ix_invoice_customer", "connection_id", "customer_external_id", "status"),
    )

    number: str | None = Field(default=None, max_length=100)
    customer_external_id: str | None = Field(default=None, max_length=100)
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = Field(default=None, max_length=3)
    exchange_rate: Decimal | None = Field(default=None, sa_type=Rate, nullable=True)
    total: Decimal | None = _money()
    amount_due: Decimal | None = _money()
    status: str = Field(default="open", max_length=20)
    custom_fields: dict[str, Any] = _json()


class InvoiceLine(SQLModel, table=True):
    """One line of an invoice; replaced as a whole when its invoice changes."""

    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", ondelete="CASCADE", index=True)
    position: int = 0
    description: str | None = _text(nullable=True)
    quantity: Decimal | None = Field(default=None, sa_type=Rate, nullable=True)
    unit_price: Decimal | None = _money()
    amount: Decimal | None = _money()
    data: dict[str, Any] = _json()


class Payment(SyncedRecord, table=True):
    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        Index("ix_payment_customer", "connection_id", "customer_external_id"),
    )

    number: str | None = Field(default=None, max_length=100)
    customer_external_id: str | None = Field(default=None, max_length=100)
    date: dt.date | None = None
    amount: Decimal | None = _money()
    currency: str | None = Field(default=None, max_length=3)
    method: str | None = Field(default=None, max_length=100)
    unapplied_amount: Decimal | None = _money()


class PaymentApplication(SQLModel, table=True):
    """A part of a payment applied to one invoice; replaced as a whole when its payment changes."""

    __tablename__ = "payment_application"
    __table_args__ = (Index("ix_application_invoice", "connection_id", "invoice_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", ondelete="CASCADE", index=True)
    connection_id: int = _connection_fk()
    invoice_external_id: str = Field(max_length=100)
    amount: Decimal = Field(sa_type=Money, nullable=False)


# --- mapping documents ------------------------------------------------------------------------


class MappingDocument(SQLModel, table=True):
    """One version of a connection's mapping for one object type; the highest version is current.

    Saving or reverting always adds a version, so the history is never rewritten.
    """

    __tablename__ = "mapping_document"
    __table_args__ = (UniqueConstraint("connection_id", "object_type", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    object_type: str = Field(max_length=30)
    version: int
    document: dict[str, Any] = _json()
    author: str = Field(default="", max_length=200)
    comment: str = _text()
    created_at: datetime = Field(default_factory=utcnow)


# --- sync bookkeeping -------------------------------------------------------------------------


class SyncRun(SQLModel, table=True):
    """One sync of one connection: what was asked, what happened, how much it cost."""

    __tablename__ = "sync_run"
    __table_args__ = (Index("ix_sync_run_connection", "connection_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    status: str = Field(default="queued", max_length=20)
    trigger: str = Field(default="manual", max_length=20)
    full: bool = False
    objects: list[str] = _json_list()
    counts: dict[str, Any] = _json()
    http_requests: int = 0
    error: str | None = _text(nullable=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class SyncState(SQLModel, table=True):
    """The committed bookmark of one stream of one connection (Singer-style, small)."""

    __tablename__ = "sync_state"
    __table_args__ = (UniqueConstraint("connection_id", "stream"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    stream: str = Field(max_length=100)
    state: dict[str, Any] = _json()
    updated_at: datetime = Field(default_factory=utcnow)


class QuarantinedRecord(SQLModel, table=True):
    """A source record that could not be mapped or validated, kept with every reason.

    ``status`` is ``open`` until the record is retried successfully (``resolved``) or dismissed.
    """

    __tablename__ = "quarantined_record"
    __table_args__ = (
        Index("ix_quarantine_open", "connection_id", "status", "object_type"),
        Index("ix_quarantine_record", "connection_id", "object_type", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    run_id: int | None = Field(default=None, foreign_key="sync_run.id", ondelete="SET NULL")
    object_type: str = Field(max_length=30)
    stream: str = Field(max_length=100)
    external_id: str | None = Field(default=None, max_length=100)
    payload: dict[str, Any] = _json()
    errors: list[dict[str, Any]] = _json_list()
    status: str = Field(default="open", max_length=20)
    attempts: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SyncLogEntry(SQLModel, table=True):
    """A log line of a sync run, shown in the admin's run detail."""

    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_run", "run_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = _connection_fk()
    run_id: int | None = Field(default=None, foreign_key="sync_run.id", ondelete="CASCADE")
    level: str = Field(default="info", max_length=10)
    message: str = _text()
    context: dict[str, Any] = _json()
    created_at: datetime = Field(default_factory=utcnow)


#: Table model per canonical object type.
RECORD_MODELS: dict[str, type[SyncedRecord]] = {
    "customer": Customer,
    "contact": Contact,
    "invoice": Invoice,
    "payment": Payment,
}

__all__ = [
    "RECORD_MODELS",
    "Connection",
    "Contact",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "JSONType",
    "MappingDocument",
    "Payment",
    "PaymentApplication",
    "QuarantinedRecord",
    "SyncLogEntry",
    "SyncRun",
    "SyncState",
    "SyncedRecord",
    "utcnow",
]
