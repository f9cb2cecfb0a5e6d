"""Where mapping lookups find their answers: already-synced records and reference tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class LookupSource(Protocol):
    """Answers ``"lookup"`` steps of a mapping document.

    ``table`` is a canonical object type (``"customer"``: records already synced on this connection)
    or a reference table a connector provides (``"currency"``); ``key`` is the source value (as text);
    the result is the value of ``field`` in the matching row, or ``None`` when there is no such row.
    """

    def lookup(self, table: str, key: str, field: str) -> Any | None: ...


class DictLookup:
    """An in-memory :class:`LookupSource`: ``{table: {key: {field: value}}}``.

    Used for tests and for small reference tables a connector loads once per sync.
    """

    def __init__(self, tables: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {
            table: {str(key): dict(row) for key, row in rows.items()}
            for table, rows in (tables or {}).items()
        }

    def add(self, table: str, key: str, row: Mapping[str, Any]) -> None:
        """Add or replace one row."""
        self.tables.setdefault(table, {})[str(key)] = dict(row)

    def lookup(self, table: str, key: str, field: str) -> Any | None:
        row = self.tables.get(table, {}).get(key)
        return None if row is None else row.get(field)


__all__ = ["DictLookup", "LookupSource"]
