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
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, Dialect, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.models import (
    RECORD_MODELS,
    InvoiceLine,
    PaymentApplication,
    utcnow,
)
from hub.records import RecordChange

_CHUNK = 900  # stays under the 999 bound parameters of SQLite < 3.32 for IN lists
_BIG_CHUNK = 10_000  # SQLite >= 3.32 allows 32,766 parameters, PostgreSQL 65,535


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(default: bool) -> Callable[[Any], bool]:
    return lambda value: default if value is None else bool(value)


def _json_object(value: Any) -> str:
    """A JSON column's value, serialised here (passed to the driver as is)."""
    return _dumps(dict(value)) if isinstance(value, Mapping) else "{}"


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
        "custom_fields": _json_object,
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
        "custom_fields": _json_object,
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


def canonical_json(record: Mapping[str, Any]) -> str:
    """The canonical serialisation of a record: sorted keys, compact (hashed and stored as is)."""
    return _dumps(record)


def content_hash(record: Mapping[str, Any]) -> str:
    """A stable hash of a canonical record (key order does not matter)."""
    return _digest(_dumps(record))


def _digest(blob: str) -> str:
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_stdlib_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
).encode
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _dumps(record: Any) -> str:
    """Sorted-key compact JSON; orjson (10x faster) with the standard library as a fallback for
    what orjson refuses (e.g. integers beyond 64 bits). Unknown types become ``str(value)``."""
    try:
        return orjson.dumps(record, default=str, option=_ORJSON_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:
        return _stdlib_dumps(record)


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


def _insert_for(dialect: Dialect, table: Table) -> Any:
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    if dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"bulk upsert is not supported on {dialect.name!r}")


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled once per dialect, executed with plain driver parameters.

    ``columns`` is the order callers build their row tuples in; :meth:`params` applies each
    column's bind processor (the same conversion SQLAlchemy would do) and lays the values out
    the way the driver's paramstyle wants them. Columns in ``raw`` are passed through untouched
    (JSON already serialised by the caller).
    """

    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    order: tuple[int, ...] | None  # positional paramstyle: tuple index per placeholder
    converters: Mapping[str, Callable[[Any], Any] | None]  # every column's bind processor

    def bind(self, column: str, value: Any) -> Any:
        """``value`` as the driver gets it (for a constant passed in a ``raw`` column)."""
        process = self.converters[column]
        return value if process is None or value is None else process(value)

    def params(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        procs = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        reorder = self.order is not None and self.order != tuple(range(len(self.columns)))
        out: list[Any] = []
        for row in rows:
            values = list(row)
            for i, process in procs:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            if self.order is None:
                out.append(dict(zip(self.columns, values, strict=True)))
            elif reorder:
                out.append(tuple([values[i] for i in self.order]))
            else:
                out.append(tuple(values))
        return out

    def execute(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            conn.exec_driver_sql(self.sql, self.params(rows))


_PREPARED: dict[tuple[str, str, str], _Prepared] = {}


def _prepare(
    dialect: Dialect, kind: str, table: Table, columns: Sequence[str], raw: Sequence[str] = ()
) -> _Prepared:
    key = (dialect.name, kind, table.name)
    prepared = _PREPARED.get(key)
    if prepared is not None:
        return prepared
    values = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    if kind == "upsert":
        stmt = _insert_for(dialect, table).values(values)
        fixed = {"id", "connection_id", "external_id"}
        stmt = stmt.on_conflict_do_update(
            index_elements=["connection_id", "external_id"],
            set_={n: stmt.excluded[n] for n in columns if n not in fixed},
        )
    else:
        stmt = insert(table).values(values)
    compiled = stmt.compile(dialect=dialect)
    converters = {
        name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    }
    processors = tuple(None if name in raw else converters[name] for name in columns)
    order = None
    if compiled.positional:
        positions = compiled.positiontup or []
        order = tuple(list(columns).index(name) for name in positions)
    prepared = _Prepared(compiled.string, tuple(columns), processors, order, converters)
    _PREPARED[key] = prepared
    return prepared


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in_limit(conn: Connection) -> int:
    """How many ids one ``IN (...)`` may bind: SQLite before 3.32 allows 999 parameters in all."""
    if conn.dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 32, 0):
        return _CHUNK
    return _BIG_CHUNK


def _known(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, tuple[int, str, bool]]:
    """``external_id -> (id, content_hash, is_deleted)`` for those ids already stored."""
    table = _table(object_type)
    found: dict[str, tuple[int, str, bool]] = {}
    for chunk in _chunks(external_ids, _in_limit(conn)):
        rows = conn.execute(
            select(table.c.external_id, table.c.id, table.c.content_hash, table.c.is_deleted).where(
                table.c.connection_id == connection_id, table.c.external_id.in_(chunk)
            )
        )
        for external_id, pk, digest, deleted in rows:
            found[external_id] = (pk, digest, bool(deleted))
    return found


def existing_hashes(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, bool]]:
    """``external_id -> (content_hash, is_deleted)`` for those ids already stored."""
    known = _known(conn, connection_id, object_type, external_ids)
    return {ext: (digest, deleted) for ext, (_, digest, deleted) in known.items()}


def upsert_records(
    conn: Connection,
    connection_id: int,
    object_type: str,
    records: Sequence[Mapping[str, Any]],
    *,
    want_changes: bool = True,
) -> UpsertResult:
    """Insert or update canonical ``records`` (each with ``external_id``); skip unchanged ones.

    Within one batch the last record of an external id wins. Each record is serialised once: the
    same canonical JSON is hashed and stored in ``data``. With ``want_changes=False`` (nobody
    listens to ``records_changed``) no :class:`RecordChange` objects are built.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        latest[str(record["external_id"])] = record
    result = UpsertResult()
    if not latest:
        return result
    known = _known(conn, connection_id, object_type, list(latest))
    now = utcnow()
    converters = list(_COLUMNS[object_type].items())
    table = _table(object_type)
    prepared = _prepare(
        conn.dialect,
        "upsert",
        table,
        [*_RECORD_KEYS, *(n for n, _ in converters)],
        raw=("data", "synced_at", "custom_fields"),
    )
    synced_at = prepared.bind("synced_at", now)  # converted once, not once per row
    rows: list[tuple[Any, ...]] = []
    created: dict[str, Mapping[str, Any]] = {}
    updated: dict[str, tuple[int, Mapping[str, Any]]] = {}
    changes = result.changes
    assert changes is not None
    dumps = _dumps
    for external_id, record in latest.items():
        blob = dumps(record)
        digest = _digest(blob)
        previous = known.get(external_id)
        if previous is None:
            created[external_id] = record
            action = "created"
        elif previous[1] == digest and not previous[2]:
            result.unchanged += 1
            continue
        else:
            updated[external_id] = (previous[0], record)
            action = "updated"
        get = record.get
        rows.append(
            (
                connection_id,
                external_id,
                blob,
                digest,
                False,
                None,
                synced_at,
                *[convert(get(name)) for name, convert in converters],
            )
        )
        if want_changes:
            changes.append(RecordChange(external_id, action, dict(record)))  # type: ignore[arg-type]
    result.created, result.updated = len(created), len(updated)
    prepared.execute(conn, rows)
    if rows and object_type in _CHILDREN:
        parents = {ext: pk_record for ext, pk_record in updated.items()}
        if created:
            new_ids = _known(conn, connection_id, object_type, list(created))
            parents.update({ext: (new_ids[ext][0], rec) for ext, rec in created.items()})
        _replace_children(
            conn, connection_id, object_type, parents, [pk for pk, _ in updated.values()]
        )
    return result


_RECORD_KEYS = (
    "connection_id",
    "external_id",
    "data",
    "content_hash",
    "is_deleted",
    "deleted_at",
    "synced_at",
)
_CHILDREN = ("invoice", "payment")
_LINE_KEYS = ("invoice_id", "position", "description", "quantity", "unit_price", "amount", "data")
_APPLICATION_KEYS = ("payment_id", "connection_id", "invoice_external_id", "amount")


def _replace_children(
    conn: Connection,
    connection_id: int,
    object_type: str,
    parents: Mapping[str, tuple[int, Mapping[str, Any]]],
    stale_parent_ids: Sequence[int],
) -> None:
    """Write the child rows of changed ``parents``; drop the old ones of ``stale_parent_ids``.

    Parents created in this batch have no children yet, so only updated ones are cleared.
    """
    rows: list[tuple[Any, ...]]
    if object_type == "invoice":
        child: Table = InvoiceLine.__table__  # type: ignore[attr-defined]
        key = child.c.invoice_id
        prepared = _prepare(conn.dialect, "insert", child, _LINE_KEYS, raw=("data",))
        rows = [
            (
                pk,
                pos,
                _text(line.get("description")),
                _decimal(line.get("quantity")),
                _decimal(line.get("unit_price")),
                _decimal(line.get("amount")),
                _dumps(line),
            )
            for pk, record in parents.values()
            for pos, line in enumerate(record.get("lines") or [])
        ]
    else:
        child = PaymentApplication.__table__  # type: ignore[attr-defined]
        key = child.c.payment_id
        prepared = _prepare(conn.dialect, "insert", child, _APPLICATION_KEYS)
        rows = [
            (
                pk,
                connection_id,
                str(app["invoice_external_id"]),
                _decimal(app.get("amount")) or Decimal(0),
            )
            for pk, record in parents.values()
            for app in record.get("applications") or []
        ]
    for chunk in _chunks(list(stale_parent_ids)):
        conn.execute(delete(child).where(key.in_(chunk)))
    prepared.execute(conn, rows)


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


__all__ = [
    "UpsertResult",
    "canonical_json",
    "content_hash",
    "existing_hashes",
    "mark_deleted",
    "upsert_records",
]
