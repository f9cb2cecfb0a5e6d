"""Bulk upsert of canonical records into the database, the same code on SQLite and PostgreSQL.

One prepared ``INSERT ... ON CONFLICT (connection_id, external_id) DO UPDATE`` is executed per batch
(executemany), only for records whose content hash changed, so re-syncing unchanged data costs one
``SELECT`` per batch and no writes. Child rows (invoice lines, payment applications) are replaced
for the parents that changed. All functions take a Core connection inside the caller's transaction:
the caller commits records together with the sync state.
"""

from __future__ import annotations

import datetime as dt
import functools
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


def _json_object(value: Any) -> str:
    """A JSON column's value, serialised here (passed to the driver as is)."""
    return _dumps(dict(value)) if isinstance(value, Mapping) else "{}"


#: canonical field -> conversion kind (see ``_EXPRESSIONS``) per object type.
_COLUMNS: dict[str, dict[str, str]] = {
    "customer": {
        "name": "text_or_empty",
        "email": "text",
        "phone": "text",
        "currency": "text",
        "payment_terms": "text",
        "credit_limit": "decimal",
        "is_active": "bool_true",
        "custom_fields": "json_object",
    },
    "contact": {
        "customer_external_id": "text",
        "first_name": "text",
        "last_name": "text",
        "email": "text",
        "phone": "text",
        "title": "text",
        "is_primary": "bool_false",
    },
    "invoice": {
        "number": "text",
        "customer_external_id": "text",
        "issue_date": "date",
        "due_date": "date",
        "currency": "text",
        "exchange_rate": "decimal",
        "total": "decimal",
        "amount_due": "decimal",
        "status": "text_or_open",
        "custom_fields": "json_object",
    },
    "payment": {
        "number": "text",
        "customer_external_id": "text",
        "date": "date",
        "amount": "decimal",
        "currency": "text",
        "method": "text",
        "unapplied_amount": "decimal",
    },
}

#: Python expressions of each conversion kind, ``{src}`` being the raw value's expression and
#: ``{v}`` a local name: "" and None decimals are NULL, falsy dates are NULL, text is ``str()``,
#: booleans default when missing. Inlined into one generated row builder per table (no function
#: call per column); ``Decimal`` values are kept as they are (``Decimal(str(d)) == d`` exactly).
_EXPRESSIONS: dict[str, str] = {
    "text": "(None if ({v} := {src}) is None else str({v}))",
    "text_or_empty": '("" if ({v} := {src}) is None else str({v}))',
    "text_or_open": '("open" if ({v} := {src}) is None else str({v}))',
    "decimal": '(None if ({v} := {src}) is None or {v} == "" else '
    "{v} if {v}.__class__ is Decimal else Decimal(str({v})))",
    "amount_or_zero": '((None if ({v} := {src}) is None or {v} == "" else '
    "{v} if {v}.__class__ is Decimal else Decimal(str({v}))) or Decimal(0))",
    "date": "(None if not ({v} := {src}) else _date_iso(str({v})))",
    "bool_true": "(True if ({v} := {src}) is None else bool({v}))",
    "bool_false": "(False if ({v} := {src}) is None else bool({v}))",
    "json_object": "_json_object({src})",
    "required_text": "str({src})",
    "as_is": "{src}",
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


#: (column, conversion kind, raw value expression, bind processor applies)
_Spec = tuple[str, str, str, bool]


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled once per dialect plus a generated row builder for it.

    ``build(*args)`` returns one row exactly as the driver wants it: every column converted
    (``_EXPRESSIONS``), its bind processor applied (the conversion SQLAlchemy itself would do)
    and laid out in the dialect's paramstyle (a tuple in placeholder order, or a dict).
    """

    sql: str
    build: Callable[..., Any]

    def execute(self, conn: Connection, rows: list[Any]) -> None:
        if rows:
            conn.exec_driver_sql(self.sql, rows)


_PREPARED: dict[tuple[str, str, str], _Prepared] = {}


def _date_converter(process: Callable[[Any], Any] | None) -> Callable[[str], Any]:
    """ISO text -> the driver's value of a ``Date`` column; memoised (few distinct dates)."""

    @functools.lru_cache(maxsize=4096)
    def convert(text: str) -> Any:
        value = dt.date.fromisoformat(text)
        return value if process is None else process(value)

    return convert


def _prepare(
    dialect: Dialect, kind: str, table: Table, args: Sequence[str], specs: Sequence[_Spec]
) -> _Prepared:
    """The statement ``kind`` (``upsert`` or ``insert``) of ``table`` and its row builder.

    ``args`` name the builder's parameters (``record`` is the mapping that ``get`` reads); each
    spec says how one column's value is computed from them.
    """
    key = (dialect.name, kind, table.name)
    prepared = _PREPARED.get(key)
    if prepared is not None:
        return prepared
    columns = [spec[0] for spec in specs]
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
    namespace: dict[str, Any] = {
        "Decimal": Decimal,
        "_json_object": _json_object,
        "_dumps": _dumps,
    }
    expressions: dict[str, str] = {}
    for index, (name, conversion, source, processed) in enumerate(specs):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if conversion == "date":
            namespace[f"_date_iso_{index}"] = _date_converter(process if processed else None)
            template = _EXPRESSIONS["date"].replace("_date_iso", f"_date_iso_{index}")
        else:
            template = _EXPRESSIONS[conversion]
        expression = template.format(v=f"v{index}", src=source)
        if processed and process is not None and conversion != "date":
            namespace[f"p{index}"] = process
            expression = f"(None if (x{index} := {expression}) is None else p{index}(x{index}))"
        expressions[name] = expression
    if compiled.positional:
        order = list(compiled.positiontup or [])
        body = "(" + "".join(f"{expressions[name]}, " for name in order) + ")"
    else:
        body = "{" + ", ".join(f"{name!r}: {expressions[name]}" for name in columns) + "}"
    source = f"def build({', '.join(args)}):\n    get = record.get\n    return {body}\n"
    exec(
        compile(source, f"<hub.recordstore {dialect.name} {kind} {table.name}>", "exec"), namespace
    )
    prepared = _Prepared(compiled.string, namespace["build"])
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


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _known(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, tuple[int, str, bool]]:
    """``external_id -> (id, content_hash, is_deleted)`` for those ids already stored.

    Plain SQL with positional placeholders on the usual drivers (no statement rebuilt and
    re-cached per batch); SQLAlchemy's expanding ``IN`` on any other paramstyle.
    """
    table = _table(object_type)
    found: dict[str, tuple[int, str, bool]] = {}
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    name = conn.dialect.identifier_preparer.quote(table.name)
    for chunk in _chunks(external_ids, _in_limit(conn)):
        if mark is None:
            rows: Iterable[Any] = conn.execute(
                select(
                    table.c.external_id, table.c.id, table.c.content_hash, table.c.is_deleted
                ).where(table.c.connection_id == connection_id, table.c.external_id.in_(chunk))
            )
        else:
            sql = (
                f"SELECT external_id, id, content_hash, is_deleted FROM {name} "
                f"WHERE connection_id = {mark} AND external_id IN ({', '.join([mark] * len(chunk))})"
            )
            rows = conn.exec_driver_sql(sql, (connection_id, *chunk))
        for external_id, pk, digest, deleted in rows:
            found[external_id] = (pk, digest, bool(deleted))
    return found


def existing_hashes(
    conn: Connection, connection_id: int, object_type: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, bool]]:
    """``external_id -> (content_hash, is_deleted)`` for those ids already stored."""
    known = _known(conn, connection_id, object_type, external_ids)
    return {ext: (digest, deleted) for ext, (_, digest, deleted) in known.items()}


def _bound(dialect: Dialect, table: Table, column: str, value: Any) -> Any:
    """``value`` as the driver gets it for ``column`` (converted once, not once per row)."""
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None or value is None else process(value)


#: The builder of a record row: ``build(record, connection_id, external_id, blob, digest,
#: is_deleted, synced_at)``; the last two are passed already bound (constants of a batch).
_RECORD_ARGS = ("record", "connection_id", "external_id", "blob", "digest", "deleted", "synced_at")
_RECORD_SPECS: tuple[_Spec, ...] = (
    ("connection_id", "as_is", "connection_id", False),
    ("external_id", "as_is", "external_id", False),
    ("data", "as_is", "blob", False),
    ("content_hash", "as_is", "digest", False),
    ("is_deleted", "as_is", "deleted", False),
    ("deleted_at", "as_is", "None", False),
    ("synced_at", "as_is", "synced_at", False),
)


def _record_specs(object_type: str) -> list[_Spec]:
    columns = _COLUMNS[object_type]
    return [
        *_RECORD_SPECS,
        *(
            (name, kind, f"get({name!r})", kind != "json_object")  # JSON arrives serialised
            for name, kind in columns.items()
        ),
    ]


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
    table = _table(object_type)
    dialect = conn.dialect
    prepared = _prepare(dialect, "upsert", table, _RECORD_ARGS, _record_specs(object_type))
    build = prepared.build
    synced_at = _bound(dialect, table, "synced_at", utcnow())  # converted once per batch
    deleted = _bound(dialect, table, "is_deleted", False)
    rows: list[Any] = []
    created: dict[str, Mapping[str, Any]] = {}
    updated: dict[str, tuple[int, Mapping[str, Any]]] = {}
    changes = result.changes
    assert changes is not None
    dumps = _dumps
    digest_of = _digest
    known_get = known.get
    for external_id, record in latest.items():
        blob = dumps(record)
        digest = digest_of(blob)
        previous = known_get(external_id)
        if previous is None:
            created[external_id] = record
            action = "created"
        elif previous[1] == digest and not previous[2]:
            result.unchanged += 1
            continue
        else:
            updated[external_id] = (previous[0], record)
            action = "updated"
        rows.append(build(record, connection_id, external_id, blob, digest, deleted, synced_at))
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


_CHILDREN = ("invoice", "payment")
_LINE_SPECS: tuple[_Spec, ...] = (
    ("invoice_id", "as_is", "pk", False),
    ("position", "as_is", "position", False),
    ("description", "text", "get('description')", True),
    ("quantity", "decimal", "get('quantity')", True),
    ("unit_price", "decimal", "get('unit_price')", True),
    ("amount", "decimal", "get('amount')", True),
    ("data", "as_is", "_dumps(record)", False),  # JSON serialised here, passed as is
)
_APPLICATION_SPECS: tuple[_Spec, ...] = (
    ("payment_id", "as_is", "pk", True),
    ("connection_id", "as_is", "connection_id", True),
    ("invoice_external_id", "required_text", "record['invoice_external_id']", True),
    ("amount", "amount_or_zero", "get('amount')", True),
)


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
    rows: list[Any]
    if object_type == "invoice":
        child: Table = InvoiceLine.__table__  # type: ignore[attr-defined]
        key = child.c.invoice_id
        prepared = _prepare(
            conn.dialect, "insert", child, ("record", "pk", "position"), _LINE_SPECS
        )
        build = prepared.build
        rows = [
            build(line, pk, position)
            for pk, record in parents.values()
            for position, line in enumerate(record.get("lines") or [])
        ]
    else:
        child = PaymentApplication.__table__  # type: ignore[attr-defined]
        key = child.c.payment_id
        prepared = _prepare(
            conn.dialect, "insert", child, ("record", "pk", "connection_id"), _APPLICATION_SPECS
        )
        build = prepared.build
        rows = [
            build(application, pk, connection_id)
            for pk, record in parents.values()
            for application in record.get("applications") or []
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
