"""``LISTAGG(value, separator) WITHIN GROUP (ORDER BY ...)`` as a SQLite aggregate.

SQLite 3.40 has no ordered ``GROUP_CONCAT``, so the translator passes the sort keys as extra
arguments: ``NS_LISTAGG(value, separator, directions, key1, key2, ...)`` where ``directions`` holds
one letter per key (``a`` ascending, ``d`` descending, upper case for DISTINCT). Oracle's limits
hold: the result is a ``VARCHAR2`` of at most 4,000 bytes, and a longer one fails the whole query
(ORA-01489) instead of being cut.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from hub_netsuite.sandbox.oraclefunctions import oracle_text
from hub_netsuite.sandbox.suiteqlerrors import search_error

#: Oracle's VARCHAR2 limit in SQL (``MAX_STRING_SIZE = STANDARD``), in bytes.
MAX_BYTES = 4000


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers compare as numbers, text as text, NULLs sort last (Oracle's default)."""
    if value is None:
        return (2, "")
    if isinstance(value, int | float):
        return (0, Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    try:
        return (0, Decimal(str(value)))
    except InvalidOperation:
        return (1, str(value))


class ListAgg:
    """Collects ``(value, keys)`` pairs; ``finalize`` sorts, joins and enforces the limit."""

    def __init__(self) -> None:
        self.items: list[tuple[str, tuple[Any, ...]]] = []
        self.separator = ""
        self.directions = ""

    def step(self, value: Any, separator: Any, directions: Any, *keys: Any) -> None:
        text = oracle_text(value)
        if text is None:  # LISTAGG skips NULLs
            return
        self.separator = oracle_text(separator) or ""
        self.directions = str(directions or "")
        self.items.append((text, keys))

    def finalize(self) -> str | None:
        if not self.items:
            return None
        items = self.items
        # Stable sorts from the last key to the first give a mixed ASC/DESC ordering.
        for position in reversed(range(len(self.directions.lower()))):
            descending = self.directions[position].lower() == "d"
            items.sort(key=lambda item: _sort_key(item[1][position]), reverse=descending)
        values = [text for text, _ in items]
        if self.directions.isupper() and self.directions:
            values = list(dict.fromkeys(values))
        result = self.separator.join(values)
        if len(result.encode("utf-8")) > MAX_BYTES:
            raise search_error("ORA-01489: result of string concatenation is too long")
        return result
