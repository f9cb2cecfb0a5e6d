"""The hub's built-in mapping transforms, registered through ``register_transforms`` like any
plugin's. A transform is ``function(value, **params)``; it returns the new value or raises
``ValueError`` with a message for the admin (the record is then rejected, not the batch).

Inside a field's pipeline, transforms see converted values (``Decimal`` for money and decimals,
``bool``, ``datetime.date``...); inside ``coalesce``/``concat`` parts they see raw source values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.hookspecs import RegisterTransform, hookimpl
from hub.mapping.values import parse_boolean, parse_decimal


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} needs text, got {type(value).__name__}")
    return value


def strip(value: Any) -> Any:
    """Remove leading and trailing whitespace; an all-blank text becomes empty (missing)."""
    text = _text(value, "strip").strip()
    return text or None


def upper(value: Any) -> str:
    """Upper-case text (``usd`` → ``USD``)."""
    return _text(value, "upper").upper()


def lower(value: Any) -> str:
    """Lower-case text (e-mail addresses)."""
    return _text(value, "lower").lower()


def title(value: Any) -> str:
    """Capitalise each word (``ACME CORP`` → ``Acme Corp``)."""
    return _text(value, "title").title()


def truncate(value: Any, length: int) -> str:
    """Cut text to at most ``length`` characters."""
    if not isinstance(length, int) or length < 0:
        raise ValueError("truncate needs a non-negative integer length")
    return _text(value, "truncate")[:length]


def replace(value: Any, old: str, new: str = "") -> str:
    """Replace every occurrence of ``old`` with ``new``."""
    return _text(value, "replace").replace(old, new)


def negate(value: Any) -> Any:
    """Logical not of a boolean (NetSuite ``isinactive`` → ``is_active``) or minus a number."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | Decimal):
        return -value
    if isinstance(value, str):
        try:
            return not parse_boolean(value)
        except ValueError:
            pass
        try:
            return -Decimal(value)
        except InvalidOperation:
            pass
    raise ValueError(f"cannot negate {value!r}: expected a boolean or a number")


def absolute(value: Any) -> Decimal:
    """The amount without its sign (credit documents stored as negative amounts)."""
    return abs(parse_decimal(value))


_PHONE_NOISE = re.compile(r"[\s().\-/]")
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d+\s*$", re.IGNORECASE)


def phone(value: Any, country_code: str | None = None) -> str:
    """E.164-style phone numbers without extra dependencies: ``+<digits>`` when the country is
    known (a leading ``+`` or ``00``, or ``country_code`` for national numbers; a national trunk
    ``0`` is dropped). Extensions are removed. Numbers it cannot make sense of are returned
    trimmed but otherwise unchanged, so a odd phone never rejects a record.
    """
    text = _text(value, "phone").strip()
    compact = _PHONE_NOISE.sub("", _EXTENSION.sub("", text))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        return "+" + digits if digits.isdigit() and 7 <= len(digits) <= 15 else text
    if not compact.isdigit() or country_code is None:
        return text
    code = country_code.lstrip("+")
    if code == "1" and len(compact) == 11 and compact.startswith("1"):
        compact = compact[1:]
    elif compact.startswith("0"):
        compact = compact[1:]
    number = code + compact
    return "+" + number if 7 <= len(number) <= 15 else text


def partially_paid(value: Any, total: Any, amount_due: Any) -> Any:
    """Turn invoice status ``open`` into ``partially_paid`` when ``0 < amount_due < total``.

    Use with field references: ``{"name": "partially_paid", "params": {"total": {"$field":
    "total"}, "amount_due": {"$field": "amount_due"}}}``. Other statuses pass unchanged.
    """
    if value != "open" or total is None or amount_due is None:
        return value
    due = parse_decimal(amount_due)
    return "partially_paid" if 0 < due < parse_decimal(total) else value


BUILTIN_TRANSFORMS: dict[str, tuple[Callable[..., Any], str]] = {
    "strip": (strip, "Trim surrounding whitespace; blank text becomes missing."),
    "upper": (upper, "Upper-case text."),
    "lower": (lower, "Lower-case text."),
    "title": (title, "Capitalise each word."),
    "truncate": (truncate, "Cut text to `length` characters."),
    "replace": (replace, "Replace `old` with `new` in text."),
    "negate": (negate, "Logical not of a boolean (isinactive → is_active), or minus a number."),
    "abs": (absolute, "The amount without its sign."),
    "phone": (phone, "E.164-style +<digits>; `country_code` for national numbers."),
    "partially_paid": (partially_paid, "open → partially_paid when 0 < amount_due < total."),
}
"""Name → (function, description) of every built-in transform."""


@hookimpl
def register_transforms(register: RegisterTransform) -> None:
    """Register the built-in transforms."""
    for name, (function, description) in BUILTIN_TRANSFORMS.items():
        register(name, function, description=description)
