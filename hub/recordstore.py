"""Bulk upsert of canonical records into the database, the same code on SQLite and PostgreSQL.

One prepared ``INSERT ... ON CONFLICT (connection_id, external_id) DO UPDATE`` is executed per batch
(executemany), only for records whose content hash changed, so re-syncing unchanged data costs one
``SELECT`` per batch and no writes. Child rows (invoice lines, payment applications) are replaced
for the parents that changed. All functions take a Core connection inside the caller's transaction:
the caller commits records together with the sync state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.models import (
    RECORD_MODELS,
    InvoiceLine,
    PaymentApplication,
    utcnow,
)
from hub.records import RecordChange

_CHUNK = 900  # stays under SQLite's bound-parameter limit for IN lists


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(default: bool) -> Callable[[Any], bool]:
    return lambda value: default if value is None else bool(value)


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


Converter = Callable[[Any], Any]
#: canonical field -> (column, converter) per object type.
_COLUMNS: dict[str, dict[str, Converter]] = {
    "customer": {
        "name": lambda v: "" if v is None else str(v),
        "email": _text,
        "phone": _text,
        "currency": _text,
        "payment_terms": _text,
        "credit_limit": _decimal,
        "is_active": _bool(True),
        "custom_fields": _dict,
    },
    "contact": {
        "customer_external_id": _text,
        "first_name": _text,
        "last_name": _text,
        "email": _text,
        "phone": _text,
        "title": _text,
        "is_primary": _bool(False),
    },
    "invoice": {
        "number": _text,
        "customer_external_id": _text,
        "issue_date": _date,
        "due_date": _date,
        "currency": _text,
        "exchange_rate": _decimal,
        "total": _decimal,
        "amount_due": _decimal,
        "status": lambda v: "open" if v is None else str(v),
        "custom_fields": _dict,
    },
    "payment": {
        "number": _text,
        "customer_external_id": _text,
        "date": _date,
        "amount": _decimal,
        "currency": _text,
        "method": _text,
        "unapplied_amount": _decimal,
    },
}


def content_hash(record: Mapping[str, Any]) -> str:
    """A stable hash of a canonical record (key order does not matter)."""
    blob = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class UpsertResult:
    """What one batch did: counts and the changes to announce once committed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[RecordChange] | None = None

    def __post_init__(self) -> None:
        if self.changes is None:
            self.changes = []


def _table(object_type: str) -> Table:
    return RECORD_MODELS[object_type].__table__  # type: ignore[attr-defined, no-any-return]


def _insert_for(conn: Connection, table: Table) -> Any:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"bulk upsert is not supported on {dialect!r}")


def _upsert_statement(conn: Connection, object_type: str) -> Any:
    table = _table(object_type)
    stmt = _insert_for(conn, table)
    keys = {"id", "connection_id", "external_id"}
    return stmt.on_conflict_do_update(
        index_elements=["connection_id", "external_id"],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys},
    )


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_hashes(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, bool]]:
    """``external_id -> (content_hash, is_deleted)`` for those ids already stored."""
    table = _table(object_type)
    found: dict[str, tuple[str, bool]] = {}
    for chunk in _chunks(external_ids):
        rows = conn.execute(
            select(table.c.external_id, table.c.content_hash, table.c.is_deleted).where(
                table.c.connection_id == connection_id, table.c.external_id.in_(chunk)
            )
        )
        for external_id, digest, deleted in rows:
            found[external_id] = (digest, bool(deleted))
    return found


def upsert_records(
    conn: Connection, connection_id: int, object_type: str, records: Sequence[Mapping[str, Any]]
) -> UpsertResult:
    """Insert or update canonical ``records`` (each with ``external_id``); skip unchanged ones.

    Within one batch the last record of an external id wins.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        latest[str(record["external_id"])] = record
    result = UpsertResult()
    if not latest:
        return result
    known = existing_hashes(conn, connection_id, object_type, list(latest))
    now = utcnow()
    converters = _COLUMNS[object_type]
    rows: list[dict[str, Any]] = []
    changed: dict[str, Mapping[str, Any]] = {}
    assert result.changes is not None
    for external_id, record in latest.items():
        digest = content_hash(record)
        previous = known.get(external_id)
        if previous is not None and previous == (digest, False):
            result.unchanged += 1
            continue
        action = "created" if previous is None else "updated"
        if previous is None:
            result.created += 1
        else:
            result.updated += 1
        row: dict[str, Any] = {
            "connection_id": connection_id,
            "external_id": external_id,
            "data": dict(record),
            "content_hash": digest,
            "is_deleted": False,
            "deleted_at": None,
            "synced_at": now,
        }
        for name, convert in converters.items():
            row[name] = convert(record.get(name))
        rows.append(row)
        changed[external_id] = record
        result.changes.append(RecordChange(external_id, action, dict(record)))  # type: ignore[arg-type]
    if rows:
        conn.execute(_upsert_statement(conn, object_type), rows)
        if object_type in ("invoice", "payment"):
            _replace_children(conn, connection_id, object_type, changed)
    return result


def _parent_ids(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, int]:
    table = _table(object_type)
    ids: dict[str, int] = {}
    for chunk in _chunks(external_ids):
        rows = conn.execute(
            select(table.c.external_id, table.c.id).where(
                table.c.connection_id == connection_id, table.c.external_id.in_(chunk)
            )
        )
        ids.update({external_id: pk for external_id, pk in rows})
    return ids


def _replace_children(
    conn: Connection, connection_id: int, object_type: str, parents: Mapping[str, Mapping[str, Any]]
) -> None:
    ids = _parent_ids(conn, connection_id, object_type, list(parents))
    if object_type == "invoice":
        child: Table = InvoiceLine.__table__  # type: ignore[attr-defined]
        key = child.c.invoice_id
        rows = [
            {
                "invoice_id": ids[ext],
                "position": pos,
                "description": _text(line.get("description")),
                "quantity": _decimal(line.get("quantity")),
                "unit_price": _decimal(line.get("unit_price")),
                "amount": _decimal(line.get("amount")),
                "data": dict(line),
            }
            for ext, record in parents.items()
            for pos, line in enumerate(record.get("lines") or [])
        ]
    else:
        child = PaymentApplication.__table__  # type: ignore[attr-defined]
        key = child.c.payment_id
        rows = [
            {
                "payment_id": ids[ext],
                "connection_id": connection_id,
                "invoice_external_id": str(app["invoice_external_id"]),
                "amount": _decimal(app.get("amount")) or Decimal(0),
            }
            for ext, record in parents.items()
            for app in record.get("applications") or []
        ]
    for chunk in _chunks(list(ids.values())):
        conn.execute(delete(child).where(key.in_(chunk)))
    if rows:
        conn.execute(insert(child), rows)


def mark_deleted(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> list[RecordChange]:
    """Mark records deleted at the source (kept for history, never shown as open again)."""
    table = _table(object_type)
    changes: list[RecordChange] = []
    now = utcnow()
    for chunk in _chunks(list(dict.fromkeys(external_ids))):
        live = [
            row[0]
            for row in conn.execute(
                select(table.c.external_id).where(
                    table.c.connection_id == connection_id,
                    table.c.external_id.in_(chunk),
                    table.c.is_deleted.is_(False),
                )
            )
        ]
        if not live:
            continue
        values: dict[str, Any] = {"is_deleted": True, "deleted_at": now, "content_hash": ""}
        if object_type == "invoice":
            values["amount_due"] = Decimal(0)
        conn.execute(
            update(table)
            .where(table.c.connection_id == connection_id, table.c.external_id.in_(live))
            .values(**values)
        )
        changes.extend(RecordChange(ext, "deleted") for ext in live)
    return changes


__all__ = ["UpsertResult", "content_hash", "existing_hashes", "mark_deleted", "upsert_records"]
