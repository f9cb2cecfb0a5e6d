"""Child rows packed into one column of their parent's row, and unpacked again.

Invoice lines and payment applications would otherwise cost one SuiteQL row each, and SuiteQL
pays by the row (1,000 per request). A correlated ``LISTAGG`` puts all of a parent's children in
one text column, each field written as ``<length>:<text>`` and children separated by a comma::

    2:71|1:1|...   →   "2:711:1..." (no field separators needed)

The length prefix makes the encoding unambiguous whatever the text holds (commas, colons,
newlines), and a value whose length does not add up is detected, never misread: unpacking raises
:class:`PackError` and the caller re-reads that parent's children as rows. ``LENGTH`` of NULL is
NULL, so a NULL field is ``:`` and comes back absent, as SuiteQL omits NULL columns.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Separator between packed children (any single character works; the lengths make it safe).
CHILD_SEPARATOR = ","


class PackError(ValueError):
    """A packed column that does not decode (e.g. a length counted differently by the server)."""


def pack_expression(expressions: Sequence[str]) -> str:
    """SuiteQL text concatenating each expression as ``LENGTH(e) || ':' || e``."""
    return " || ".join(f"LENGTH({e}) || ':' || ({e})" for e in expressions)


def unpack(text: str, names: Sequence[str]) -> list[dict[str, str]]:
    """The children packed in ``text``: one dict per child, empty fields left out."""
    children: list[dict[str, str]] = []
    position, end = 0, len(text)
    while position < end:
        child: dict[str, str] = {}
        for name in names:
            colon = text.find(":", position)
            if colon < 0:
                raise PackError(f"no length prefix for {name!r} at offset {position}")
            prefix = text[position:colon]
            if prefix and not prefix.isdigit():
                raise PackError(f"bad length {prefix!r} for {name!r} at offset {position}")
            size = int(prefix) if prefix else 0
            start, position = colon + 1, colon + 1 + size
            if position > end:
                raise PackError(f"{name!r} runs past the end of the packed text")
            if size:
                child[name] = text[start:position]
        children.append(child)
        if position < end:
            if text[position] != CHILD_SEPARATOR:
                raise PackError(f"expected {CHILD_SEPARATOR!r} at offset {position}")
            position += 1
            if position == end:
                raise PackError("packed text ends with a separator")
    return children
