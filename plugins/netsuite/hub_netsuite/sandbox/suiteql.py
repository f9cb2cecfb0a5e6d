"""SuiteQL for the sandbox: Oracle-flavoured SQL translated to SQLite with sqlglot, and rendered
the way NetSuite renders SuiteQL results (every value a string, 'T'/'F', lower-case keys, NULLs
omitted, dates in the user's preference format and the account time zone).

The translation works on sqlglot's syntax tree only: the query is parsed with a SuiteQL flavour of
sqlglot's Oracle parser, checked against the catalog of `schema.py`, qualified, rewritten (NetSuite
built-ins, Oracle date semantics, ROWNUM) and generated as SQLite. Date functions run as Python
functions registered on the SQLite connection, so they know the account time zone.

Modules: ``suiteqlparse`` (parsing), ``translator`` (checks and rewriting), ``sqlfunctions``
(Oracle functions on SQLite), ``dateformats`` and ``rendering``; this module executes and caches.
Names other modules import from here are re-exported.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hub_netsuite.sandbox.dateformats import (
    oracle_format,
    oracle_parse,
    parse_utc_text,
    pref_format,
    pref_parse,
    utc_text,
)
from hub_netsuite.sandbox.rendering import (
    Rendering,
    format_number,
    render_rows,
    render_temporal,
)
from hub_netsuite.sandbox.sqlfunctions import register_functions, take_function_error
from hub_netsuite.sandbox.suiteqlerrors import (
    UNSUPPORTED_DETAIL,
    SuiteQLError,
    hidden_table,
    search_error,
    unknown_identifier,
    unknown_table,
    unsupported,
)
from hub_netsuite.sandbox.suiteqlparse import parse_suiteql
from hub_netsuite.sandbox.translator import MAX_IN_LIST, Translation, Translator

__all__ = [
    "MAX_IN_LIST",
    "UNSUPPORTED_DETAIL",
    "Rendering",
    "SuiteQLEngine",
    "SuiteQLError",
    "SuiteQLResult",
    "Translation",
    "Translator",
    "bind_value",
    "format_number",
    "hidden_table",
    "oracle_format",
    "oracle_parse",
    "parse_suiteql",
    "parse_utc_text",
    "pref_format",
    "pref_parse",
    "register_functions",
    "render_temporal",
    "unknown_identifier",
    "unknown_table",
    "unsupported",
    "utc_text",
]


@dataclass
class SuiteQLResult:
    """One page of a SuiteQL result, rendered; plus the full result's row count."""

    items: list[dict[str, str]]
    total_results: int


def bind_value(value: object) -> object:
    """A Python value as SuiteQL binds it (booleans 'T'/'F', decimals as text)."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc_text(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class SuiteQLEngine:
    """Translates (cached by query text), executes one page and renders it."""

    def __init__(
        self,
        rendering: Rendering,
        *,
        oneworld: bool,
        hidden_tables: frozenset[str] = frozenset(),
        refused_constructs: frozenset[str] = frozenset(),
        cache_size: int = 512,
    ) -> None:
        self.rendering = rendering
        self.translator = Translator(
            oneworld=oneworld, hidden_tables=hidden_tables, refused_constructs=refused_constructs
        )
        self._translations: OrderedDict[str, Translation | SuiteQLError] = OrderedDict()
        self._counts: OrderedDict[tuple[str, tuple[object, ...]], tuple[int, int]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def translate(self, query: str) -> Translation:
        """The cached translation of ``query`` (refusals are cached too)."""
        with self._lock:
            cached = self._translations.get(query)
            if cached is not None:
                self._translations.move_to_end(query)
        if cached is None:
            try:
                cached = self.translator.translate(query)
            except SuiteQLError as error:
                cached = error
            with self._lock:
                self._translations[query] = cached
                while len(self._translations) > self._cache_size:
                    self._translations.popitem(last=False)
        if isinstance(cached, SuiteQLError):
            raise SuiteQLError(cached.detail, cached.code, cached.status, cached.query_param)
        return cached

    def execute(
        self,
        conn: sqlite3.Connection,
        query: str,
        params: Sequence[object] | None,
        *,
        limit: int,
        offset: int,
        generation: int,
    ) -> SuiteQLResult:
        """Run one page of ``query``; ``generation`` changes whenever the data changes."""
        translation = self.translate(query)
        values = [bind_value(v) for v in params or ()]
        if len(values) != len(translation.param_names):
            raise search_error(
                f"Invalid number of parameters: the query has {len(translation.param_names)} "
                f"placeholders but {len(values)} values were given."
            )
        bound: dict[str, object] = dict(zip(translation.param_names, values, strict=True))
        rows = self._run(
            conn, translation.page_sql, {**bound, "ns_limit": limit, "ns_offset": offset}
        )
        total = self._total(conn, translation, query, tuple(values), bound, generation)
        return SuiteQLResult(self._render(rows, translation), total)

    def _total(
        self,
        conn: sqlite3.Connection,
        translation: Translation,
        query: str,
        values: tuple[object, ...],
        bound: dict[str, object],
        generation: int,
    ) -> int:
        key = (query, values)
        if not translation.uses_now:
            with self._lock:
                cached = self._counts.get(key)
            if cached is not None and cached[0] == generation:
                return cached[1]
        total = int(self._run(conn, translation.count_sql, bound)[0][0])
        with self._lock:
            self._counts[key] = (generation, total)
            while len(self._counts) > 4096:
                self._counts.popitem(last=False)
        return total

    @staticmethod
    def _run(conn: sqlite3.Connection, sql: str, bound: dict[str, object]) -> list[Any]:
        take_function_error()
        try:
            return conn.execute(sql, bound).fetchall()
        except sqlite3.Error:
            error = take_function_error()
            if error is not None:
                raise SuiteQLError(error.detail) from None
            raise unsupported() from None

    def _render(self, rows: list[Any], translation: Translation) -> list[dict[str, str]]:
        return render_rows(rows, translation.names, translation.kinds, self.rendering)
