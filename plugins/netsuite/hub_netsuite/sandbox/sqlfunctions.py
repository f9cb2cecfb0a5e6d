"""Oracle functions SuiteQL users call, registered on each SQLite connection as Python functions
(date functions know the account time zone; ``SUM`` adds money exactly).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from hub_netsuite.sandbox.dateformats import (
    oracle_format,
    oracle_parse,
    parse_utc_text,
    pref_parse,
    utc_text,
)
from hub_netsuite.sandbox.listagg import ListAgg
from hub_netsuite.sandbox.oraclefunctions import register_oracle_functions
from hub_netsuite.sandbox.rendering import Rendering, format_number, looks_temporal, render_temporal
from hub_netsuite.sandbox.suiteqlerrors import SuiteQLError
from hub_netsuite.sandbox.suiteqlerrors import search_error as _search_error

_udf_state = threading.local()


def take_function_error() -> SuiteQLError | None:
    """The SuiteQLError a registered function raised in this thread (and forget it)."""
    error: SuiteQLError | None = getattr(_udf_state, "error", None)
    _udf_state.error = None
    return error


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Keep a SuiteQLError raised inside SQLite so the caller can re-raise it."""

    def wrapper(*args: Any) -> Any:
        try:
            return func(*args)
        except SuiteQLError as error:
            _udf_state.error = error
            raise

    return wrapper


def register_functions(conn: sqlite3.Connection, rendering: Rendering) -> None:
    """Register the NS_* functions the translated SQL calls."""
    tz = rendering.timezone

    @lru_cache(maxsize=65536)
    def date_text_format(value: str, fmt: str) -> str:
        return oracle_format(datetime.fromisoformat(value), fmt)

    def to_char(value: Any, fmt: Any = None) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and looks_temporal(value):
            if fmt is None:
                return render_temporal(value, "date" if len(value) == 10 else "datetime", rendering)
            if len(value) == 10:
                return date_text_format(value, str(fmt))
            local = parse_utc_text(value).astimezone(tz)
            return oracle_format(local, str(fmt))
        if isinstance(value, int | float):
            return format_number(value)
        return str(value)

    def to_date(value: Any, fmt: Any = None) -> str | None:
        if value is None:
            return None
        text = str(value)
        if fmt is None:
            parsed = pref_parse(text, rendering.date_format) or pref_parse(
                text, rendering.datetime_format
            )
            if parsed is None:
                raise _search_error(f'Unparseable date: "{text}".')
            return rendering.from_local(parsed)
        return rendering.from_local(oracle_parse(text, str(fmt)))

    def sysdate() -> str:
        return utc_text(rendering.now())

    def trunc(value: Any, unit: Any = None) -> Any:
        if value is None:
            return None
        if isinstance(value, int | float):
            digits = int(unit or 0)
            scaled = Decimal(str(value)).scaleb(digits)
            return float(int(scaled) / Decimal(10) ** digits) if digits else int(value)
        text = str(value)
        local = rendering.local(text)
        up = str(unit or "DD").upper()
        if up in ("MM", "MON", "MONTH"):
            local = local.replace(day=1)
        elif up in ("YYYY", "YEAR", "YY"):
            local = local.replace(month=1, day=1)
        local = datetime.combine(local.date(), time())
        return local.date().isoformat() if len(text) == 10 else rendering.from_local(local)

    def local_date(value: Any) -> str | None:
        if value is None:
            return None
        return rendering.local(str(value)).date().isoformat()

    def pref_value(value: Any, rep: str) -> str | None:
        if value is None:
            return None
        text = str(value)
        parsed = pref_parse(text, rendering.datetime_format) or pref_parse(
            text, rendering.date_format
        )
        if parsed is None:
            raise _search_error(f'Unparseable date: "{text}".')
        return parsed.date().isoformat() if rep == "d10" else rendering.from_local(parsed)

    def days_between(left: Any, right: Any) -> float | None:
        if left is None or right is None:
            return None
        delta = rendering.local(str(left)) - rendering.local(str(right))
        return delta.total_seconds() / 86400

    def add_days(value: Any, days: Any) -> str | None:
        if value is None or days is None:
            return None
        text = str(value)
        moved = rendering.local(text) + timedelta(days=float(days))
        return moved.date().isoformat() if len(text) == 10 else rendering.from_local(moved)

    functions: list[tuple[str, int, Callable[..., Any]]] = [
        ("NS_TO_CHAR", 1, to_char),
        ("NS_TO_CHAR", 2, to_char),
        ("NS_TO_DATE", 1, to_date),
        ("NS_TO_DATE", 2, to_date),
        ("NS_TO_TIMESTAMP", 1, to_date),
        ("NS_TO_TIMESTAMP", 2, to_date),
        ("NS_SYSDATE", 0, sysdate),
        ("NS_TRUNC", 1, trunc),
        ("NS_TRUNC", 2, trunc),
        ("NS_LOCAL_DATE", 1, local_date),
        ("NS_PREF_VALUE", 2, pref_value),
        ("NS_DAYS_BETWEEN", 2, days_between),
        ("NS_ADD_DAYS", 2, add_days),
    ]
    for name, nargs, func in functions:
        conn.create_function(name, nargs, _guard(func), deterministic=True)
    register_oracle_functions(conn, _guard)
    conn.create_aggregate("NS_SUM", 1, _DecimalSum)  # type: ignore[arg-type]
    conn.create_aggregate("NS_LISTAGG", -1, _GuardedListAgg)  # type: ignore[arg-type]


class _GuardedListAgg(ListAgg):
    """:class:`ListAgg` whose refusal (too long a result) reaches the caller as a SuiteQLError."""

    def finalize(self) -> str | None:
        try:
            return super().finalize()
        except SuiteQLError as error:
            _udf_state.error = error
            raise


class _DecimalSum:
    """``SUM`` without binary floating-point noise (money adds up exactly, as in NetSuite)."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.exact = True
        self.seen = False

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.seen = True
        if isinstance(value, int):
            self.total += value
        elif isinstance(value, float):
            self.exact = False
            self.total += Decimal(repr(value))
        else:
            try:
                self.total += Decimal(str(value))
            except ArithmeticError:
                self.exact = False

    def finalize(self) -> int | float | None:
        if not self.seen:
            return None
        if self.exact and self.total == self.total.to_integral_value():
            return int(self.total)
        return float(self.total)
