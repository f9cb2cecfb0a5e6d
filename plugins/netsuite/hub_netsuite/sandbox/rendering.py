"""How SuiteQL values come back: every value a string, numbers without binary noise, dates in the
user's preference format and the account time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from hub_netsuite.sandbox.dateformats import parse_utc_text, pref_format, utc_text


def format_number(value: int | float | Decimal) -> str:
    """NetSuite-style number text: no trailing '.0', decimals as they are."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(value, ".15g")
        if "e" in text:
            text = format(Decimal(text), "f")
        return text
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Rendering:
    """What SuiteQL rendering depends on: the account time zone, user formats and the clock."""

    timezone: ZoneInfo
    date_format: str
    datetime_format: str
    now: Callable[[], datetime]

    def local(self, stored: str) -> datetime:
        """A stored value (date or UTC datetime text) as a naive local datetime."""
        if len(stored) == 10:
            return datetime.fromisoformat(stored)
        return parse_utc_text(stored).astimezone(self.timezone).replace(tzinfo=None)

    def from_local(self, value: datetime) -> str:
        """Storage text (UTC) of a naive local datetime."""
        return utc_text(value.replace(tzinfo=self.timezone))


def looks_temporal(value: str) -> bool:
    """True for text shaped like a stored date or datetime."""
    n = len(value)
    return (n == 10 or n == 19) and value[4:5] == "-" and value[7:8] == "-" and value[:4].isdigit()


def render_temporal(value: str, kind: str, rendering: Rendering) -> str:
    """Render a stored date/datetime the way unwrapped SuiteQL columns come back."""
    if kind == "date":
        if len(value) == 10:
            return _render_date(value, rendering.date_format)
        return pref_format(rendering.local(value), rendering.date_format)
    return pref_format(rendering.local(value), rendering.datetime_format)


@lru_cache(maxsize=65536)
def _render_date(value: str, fmt: str) -> str:
    return pref_format(date.fromisoformat(value), fmt)


def plain_render(value: Any) -> str:
    """A non-temporal SQLite value as SuiteQL text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _temporal_renderer(kind: str, rendering: Rendering) -> Callable[[Any], str]:
    def render(value: Any) -> str:
        if isinstance(value, str) and looks_temporal(value):
            return render_temporal(value, kind, rendering)
        return plain_render(value)

    return render


def render_rows(
    rows: Sequence[Sequence[Any]],
    names: Sequence[str],
    kinds: Sequence[str | None],
    rendering: Rendering,
) -> list[dict[str, str]]:
    """SuiteQL items: lower-case keys, every value a string, NULLs and empty strings omitted."""
    renderers: list[Callable[[Any], str]] = [
        _temporal_renderer(kind, rendering) if kind in ("date", "datetime") else plain_render
        for kind in kinds
    ]
    items: list[dict[str, str]] = []
    for row in rows:
        item: dict[str, str] = {}
        for name, render, value in zip(names, renderers, row, strict=True):
            if value is None or value == "":
                continue
            item[name] = render(value)
        items.append(item)
    return items
