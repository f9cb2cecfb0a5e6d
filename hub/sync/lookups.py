"""A :class:`~hub.mapping.LookupSource` over already-synced records and connector reference tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, Table, select

from hub.models import RECORD_MODELS

ReferenceLoader = Callable[[str], Mapping[str, Mapping[str, Any]] | None]


class DbLookup:
    """Answers mapping lookups from the database, with a cache that lives for one page.

    ``table`` is either a canonical object type (key = ``external_id`` of a record already synced
    on this connection; the field is read from its canonical record) or a reference table the
    connector provides (loaded once through ``references``).

    :param engine: the hub database.
    :param connection_id: whose records to look in.
    :param references: returns a connector's reference table, or ``None`` if it has none.
    """

    def __init__(
        self, engine: Engine, connection_id: int, references: ReferenceLoader | None = None
    ) -> None:
        self.engine = engine
        self.connection_id = connection_id
        self._references = references
        self._reference_cache: dict[str, Mapping[str, Mapping[str, Any]] | None] = {}
        self._records: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.queries = 0

    def new_page(self) -> None:
        """Forget cached records (called before each page, so lookups see committed data)."""
        self._records.clear()

    def lookup(self, table: str, key: str, field: str) -> Any | None:
        if table in RECORD_MODELS:
            record = self._record(table, key)
            return None if record is None else record.get(field)
        rows = self._reference(table)
        if rows is None:
            return None
        row = rows.get(key)
        return None if row is None else row.get(field)

    def _reference(self, table: str) -> Mapping[str, Mapping[str, Any]] | None:
        if table not in self._reference_cache:
            loaded = self._references(table) if self._references is not None else None
            self._reference_cache[table] = (
                None if loaded is None else {str(k): v for k, v in loaded.items()}
            )
        return self._reference_cache[table]

    def _record(self, object_type: str, external_id: str) -> dict[str, Any] | None:
        cache_key = (object_type, external_id)
        if cache_key in self._records:
            return self._records[cache_key]
        model_table: Table = RECORD_MODELS[object_type].__table__  # type: ignore[attr-defined]
        self.queries += 1
        with self.engine.connect() as conn:
            row = conn.execute(
                select(model_table.c.data).where(
                    model_table.c.connection_id == self.connection_id,
                    model_table.c.external_id == external_id,
                    model_table.c.is_deleted.is_(False),
                )
            ).first()
        found = None if row is None else dict(row[0])
        self._records[cache_key] = found
        return found


__all__ = ["DbLookup"]
