"""Oracle string and number functions whose SQLite namesakes behave differently (or are
missing), implemented in Python and registered on each SQLite connection as ``NS_*``.

The parser maps the Oracle names to these (see ``suiteqlparse``). Oracle treats the empty string
as NULL, so a function that would return ``''`` returns NULL.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hub_netsuite.sandbox.rendering import format_number
from hub_netsuite.sandbox.suiteqlerrors import search_error

#: Oracle name → the registered function the parser substitutes.
ORACLE_FUNCTIONS = {
    name: f"NS_{name}"
    for name in ("SUBSTR", "INSTR", "LPAD", "RPAD", "REPLACE", "INITCAP", "ROUND", "LENGTH")
}


def oracle_text(value: Any) -> str | None:
    """A value as Oracle converts it to text implicitly (``||``, ``LENGTH``...): numbers in their
    shortest form without the zero before the point (``.5``, ``-.25``); NULL and '' are NULL."""
    if value is None:
        return None
    if isinstance(value, int | float):
        text = format_number(value)
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
        return text
    return str(value) or None


def concat_text(value: Any) -> str:
    """An operand of Oracle's ``||``: NULL counts as the empty string."""
    return oracle_text(value) or ""


_text = oracle_text


def _integer(value: Any) -> int:
    """Oracle truncates non-integer positions and lengths."""
    try:
        return int(Decimal(str(value)).to_integral_value(rounding=ROUND_DOWN))
    except InvalidOperation:
        raise search_error(f'Invalid number: "{value}".') from None


def _number(value: Any) -> Decimal:
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise search_error(f'Invalid number: "{value}".') from None


def substr(value: Any, position: Any, length: Any = None) -> str | None:
    """``SUBSTR``: position 0 counts as 1, negative positions count from the end."""
    text = _text(value)
    if text is None or position is None:
        return None
    start = _integer(position)
    if start < 0:
        start += len(text)
        if start < 0:
            return None
    elif start > 0:
        start -= 1
    if length is None:
        return text[start:] or None
    count = _integer(length)
    return text[start : start + count] or None if count > 0 else None


def instr(value: Any, needle: Any, position: Any = 1, occurrence: Any = 1) -> int | None:
    """``INSTR``: 1-based index of the n-th occurrence, searching backwards from a negative
    position; 0 when not found."""
    text, sought = _text(value), _text(needle)
    if text is None or sought is None or position is None or occurrence is None:
        return None
    start, nth = _integer(position), _integer(occurrence)
    if nth < 1:
        raise search_error(f"INSTR occurrence out of range: {nth}.")
    if start == 0:
        return 0
    if start > 0:
        index = start - 2
        for _ in range(nth):
            index = text.find(sought, index + 1)
            if index < 0:
                return 0
        return index + 1
    end = len(text) + start + len(sought)
    for _ in range(nth):
        index = text.rfind(sought, 0, end)
        if index < 0:
            return 0
        end = index + len(sought) - 1
    return index + 1


def _pad(value: Any, width: Any, fill: Any, left: bool) -> str | None:
    text, padding = _text(value), _text(fill)
    if text is None or width is None or padding is None:
        return None
    size = _integer(width)
    if size <= 0:
        return None
    if len(text) >= size:
        return text[:size]
    extra = (padding * (size // len(padding) + 1))[: size - len(text)]
    return extra + text if left else text + extra


def lpad(value: Any, width: Any, fill: Any = " ") -> str | None:
    """``LPAD``: pad on the left to ``width`` characters (or cut to it)."""
    return _pad(value, width, fill, left=True)


def rpad(value: Any, width: Any, fill: Any = " ") -> str | None:
    """``RPAD``: pad on the right to ``width`` characters (or cut to it)."""
    return _pad(value, width, fill, left=False)


def replace(value: Any, search: Any, replacement: Any = None) -> str | None:
    """``REPLACE``: a NULL replacement removes every occurrence."""
    text, sought = _text(value), _text(search)
    if text is None or sought is None:
        return text
    return text.replace(sought, _text(replacement) or "") or None


def initcap(value: Any) -> str | None:
    """``INITCAP``: first letter of each word upper-case, the rest lower-case."""
    text = _text(value)
    if text is None:
        return None
    return re.sub(r"[A-Za-z0-9]+", lambda word: word.group(0).capitalize(), text.lower())


def round_number(value: Any, digits: Any = 0) -> int | float | None:
    """``ROUND`` on numbers: half away from zero, exact in decimal, negative digits allowed."""
    if value is None or digits is None:
        return None
    number, places = _number(value), _integer(digits)
    rounded = number.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-places)
    if places <= 0 or rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def length(value: Any) -> int | None:
    """``LENGTH``: characters of the text (of a number's text); NULL for NULL or ''."""
    text = _text(value)
    return None if text is None else len(text)


def register_oracle_functions(conn: sqlite3.Connection, guard: Callable[..., Any]) -> None:
    """Register the ``NS_*`` functions of `ORACLE_FUNCTIONS` (``guard`` keeps their errors)."""
    functions: list[tuple[str, int, Callable[..., Any]]] = [
        ("NS_SUBSTR", 2, substr),
        ("NS_SUBSTR", 3, substr),
        ("NS_INSTR", 2, instr),
        ("NS_INSTR", 3, instr),
        ("NS_INSTR", 4, instr),
        ("NS_LPAD", 2, lpad),
        ("NS_LPAD", 3, lpad),
        ("NS_RPAD", 2, rpad),
        ("NS_RPAD", 3, rpad),
        ("NS_REPLACE", 2, replace),
        ("NS_REPLACE", 3, replace),
        ("NS_INITCAP", 1, initcap),
        ("NS_ROUND", 1, round_number),
        ("NS_ROUND", 2, round_number),
        ("NS_LENGTH", 1, length),
        ("NS_CONCAT_TEXT", 1, concat_text),
    ]
    for name, nargs, func in functions:
        conn.create_function(name, nargs, guard(func), deterministic=True)
