"""Fuse a level of compiled fields into one generated function.

Calling one closure per field costs a Python call and a loop step each; for a 30-field invoice
that is most of the mapping time. :func:`make_runner` generates, once per level, a function that
calls each field's closure in turn, except where the closure carries a hint:

* :class:`Inline` (``source``/``coalesce`` of plain keys + a type, optionally behind one case):
  the keys are read and the common case (well-formed text, every type including ``money`` and
  ``datetime``) is converted inline; anything else goes to the hint's ``convert``, which gives
  the closure's result.
* :class:`InlineCollect` (``collect`` of the record's own keys) and :class:`InlineItems` (a list
  of objects mapped by a nested runner): the copy or the loop is written inline.

Field names, keys, prefixes, compared values, zones and functions are bound as namespace
constants, never spliced into the source, so a mapping document cannot inject code: the generated
text only holds identifiers, numbers and fixed snippets of this module. The fast build must give
exactly what the generic build (:func:`generic_runner`, ``Mapper.compile(..., fast=False)``) gives;
tests/mapping/test_differential.py checks that on many generated records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from operator import methodcaller
from typing import Any

from hub.errors import FieldError
from hub.mapping.currency import DEFAULT_MINOR_UNITS, MINOR_UNITS, QUANTA
from hub.mapping.runtime import CompiledFields, Context, FieldFailure, jsonable, run_fields

Runner = Callable[[Mapping[str, Any], Context, dict[str, Any] | None], dict[str, Any]]
Convert = Callable[[Any, Context], Any]
Condition = Callable[[Mapping[str, Any]], Any]

QUANTUM_BY_CODE: dict[Any, Decimal] = {code: QUANTA[n] for code, n in MINOR_UNITS.items()}
"""The money quantum of each currency whose minor units are not 2."""
BOOLEAN_TEXT = {"T": True, "F": False, "true": True, "false": False}
"""Boolean source texts that need no parsing."""


@dataclass(frozen=True)
class Inline:
    """A hint that a field reads the first present of ``raw[key] for key in keys`` and converts
    it with ``convert(value, ctx)``, whose common ``kind`` case the runner can do inline.

    :param kind: ``string``, ``date``, ``integer``, ``decimal``, ``boolean``, ``money`` or
        ``datetime`` (``zone`` and ``iso_length`` set); anything else: call ``convert``.
    :param missing_is_none: ``convert(None, ctx)`` is ``None`` (nullable, no default).
    :param guard: when set and true for the raw record, the field's closure decides instead
        (it has ``cases``).
    """

    kind: str
    keys: tuple[str, ...]
    convert: Convert
    zone: tzinfo | None = None
    iso_length: int | None = None
    missing_is_none: bool = False
    guard: Condition | None = None


@dataclass(frozen=True)
class InlineCollect:
    """A hint that an object field only copies the raw record's present values whose keys start
    with one of ``prefixes`` or are listed in ``keys`` (``collect`` without ``strip_prefix``)."""

    prefixes: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class KeyTest:
    """A condition that compares ``raw.get(key)`` with ``expected`` (``==`` when ``equal``)."""

    key: str
    equal: bool
    expected: Any


@dataclass(frozen=True)
class InlineItems:
    """A hint that a list field maps each object of the raw list at ``key`` with ``runner``,
    skipping rows where ``where`` fails (``where_test`` when it is a plain :class:`KeyTest`).

    :param names: error-name prefixes of the first rows (``lines[0].``...).
    """

    key: str
    runner: Runner
    names: tuple[str, ...]
    where: Condition | None
    where_test: KeyTest | None


INLINE_ATTRIBUTE = "hub_inline"
KEY_TEST_ATTRIBUTE = "hub_key_test"
NAMED_ROWS = 64
"""Rows whose error-name prefix is made once, at compile time."""

_CHECKS = {
    # the inline value is used when this test holds; otherwise convert(v, ctx) decides.
    "string": "v.__class__ is str and v != ''",
    "integer": "v.__class__ is str and v.isdecimal()",
    "decimal": "v.__class__ is str and _is_plain_decimal(v) is not None",
    "boolean": "v.__class__ is str and v in _BOOLEAN_TEXT",
}
_VALUES = {
    "string": "v",
    "integer": "int(v)",
    "decimal": "v",
    "boolean": "_BOOLEAN_TEXT[v]",
}
_MONEY = [
    # Short plain decimals (no sign, no exponent): quantize can neither fail nor give -0, and when
    # the text has at most the currency's decimals, the quantized text is the text padded with
    # zeros ("12.5" -> "12.50"); more decimals are rounded half up by Decimal.
    "if v.__class__ is str and len(v) < 20 and _is_plain_decimal(v) is not None:",
    "    e = _minor_units(ctx.root.get('currency'), _DEFAULT_MINOR_UNITS)",
    "    p = v.find('.')",
    "    if p < 0:",
    "        out[N{i}] = v + _POINT_ZEROS[e]",
    "    elif len(v) - p - 1 <= e:",
    "        out[N{i}] = v + _ZEROS[e - (len(v) - p - 1)]",
    "    else:",
    "        out[N{i}] = str(_Decimal(v).quantize(_QUANTA[e], _HALF_UP))",
    "else:",
    "    out[N{i}] = C{i}(v, ctx)",
]
_DATETIME = [
    # naive ISO-like text of the format's length, read in the field's zone (fold=0: the earlier
    # of two wall-clock instants; a skipped time uses the offset before the change)
    "m = None",
    "if v.__class__ is str and len(v) == L{i} and v[4] == '-':",
    "    try:",
    "        m = _datetime_fromisoformat(v)",
    "    except ValueError:",
    "        pass",
    "if m is not None and m.tzinfo is None:",
    "    try:",
    "        out[N{i}] = (m - Z{i}.utcoffset(m)).isoformat() + 'Z'",
    "    except OverflowError:",  # pushed past year 1 or 9999 by the offset: the closure reports it
    "        out[N{i}] = C{i}(v, ctx)",
    "else:",
    "    out[N{i}] = C{i}(v, ctx)",
]
_DATE = [
    # ISO dates are already canonical once date.fromisoformat accepts them
    "if v.__class__ is str and len(v) == 10 and v[4] == '-' == v[7]:",
    "    try:",
    "        _date_fromisoformat(v)",
    "    except ValueError:",
    "        out[N{i}] = C{i}(v, ctx)",
    "    else:",
    "        out[N{i}] = v",
    "else:",
    "    out[N{i}] = C{i}(v, ctx)",
]
_is_plain_decimal = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?").fullmatch


def _fail(ctx: Context, name: str, failure: FieldFailure) -> None:
    ctx.errors.append(
        FieldError(ctx.prefix + name, failure.rule, failure.message, jsonable(failure.value))
    )


def _inline_lines(i: int, hint: Inline, namespace: dict[str, Any]) -> list[str] | None:
    """Source lines (indented for the field's ``try``) of field ``i``'s inline case."""
    if hint.kind == "datetime":
        if hint.zone is None or hint.iso_length is None:
            return None
        namespace[f"Z{i}"] = hint.zone
        namespace[f"L{i}"] = hint.iso_length
        body = [line.format(i=i) for line in _DATETIME]
    elif hint.kind == "date":
        body = [line.format(i=i) for line in _DATE]
    elif hint.kind == "money":
        body = [line.format(i=i) for line in _MONEY]
    elif hint.kind in _CHECKS:
        body = [f"if {_CHECKS[hint.kind]}:", f"    out[N{i}] = {_VALUES[hint.kind]}"]
        if hint.missing_is_none:
            body += ["elif v is None:", f"    out[N{i}] = None"]
        body += ["else:", f"    out[N{i}] = C{i}(v, ctx)"]
    else:
        body = [f"out[N{i}] = C{i}(v, ctx)"]
    namespace[f"C{i}"] = hint.convert
    fetch = []
    for j, key in enumerate(hint.keys):
        namespace[f"K{i}_{j}"] = key
        if j == 0:
            fetch.append(f"v = get(K{i}_0)")
        else:
            fetch += ["if v is None or v == '':", f"    v = get(K{i}_{j})"]
    lines = fetch + body
    if hint.guard is not None:
        test = getattr(hint.guard, KEY_TEST_ATTRIBUTE, None)
        if isinstance(test, KeyTest):
            namespace[f"GK{i}"] = test.key
            namespace[f"GV{i}"] = test.expected
            guard = f"get(GK{i}) {'==' if test.equal else '!='} GV{i}"
        else:
            namespace[f"G{i}"] = hint.guard
            guard = f"G{i}(raw)"
        lines = [f"if {guard}:", f"    out[N{i}] = F{i}(raw, out, ctx)", "else:"] + [
            "    " + line for line in lines
        ]
    return lines


def _collect_lines(i: int, hint: InlineCollect, namespace: dict[str, Any]) -> list[str]:
    """Source lines of field ``i``'s ``collect``: prefixed keys are filtered in C."""
    namespace[f"P{i}"] = methodcaller("startswith", hint.prefixes)
    lines = ["r = {}"]
    if hint.prefixes:
        # Most records have no such key: one substring search over the joined keys proves it
        # (a false positive only costs the exact loop; non-text keys make the loop decide).
        tests = []
        for j, prefix in enumerate(hint.prefixes):
            namespace[f"Q{i}_{j}"] = "\0" + prefix
            tests.append(f"Q{i}_{j} in j")
        lines += [
            "try:",
            "    j = '\\0' + _join_keys(raw)",
            "except TypeError:",
            f"    j = Q{i}_0",
            f"if {' or '.join(tests)}:",
            f"    for k in _filter(P{i}, raw):",
            "        x = raw[k]",
            "        if x is not None and x != '':",
            "            r[k] = x",
        ]
    for j, key in enumerate(hint.keys):
        namespace[f"K{i}_{j}"] = key
        lines += [f"x = get(K{i}_{j})", "if x is not None and x != '':", f"    r[K{i}_{j}] = x"]
    return [*lines, f"out[N{i}] = r"]


def _bad_row(ctx: Context, name: str, n: int, row: Any) -> None:
    ctx.errors.append(FieldError(f"{name}[{n}]", "object", "expected an object", jsonable(row)))


def _items_lines(i: int, hint: InlineItems, namespace: dict[str, Any]) -> list[str]:
    """Source lines of list field ``i``: the loop over a top-level list of objects (nested lists,
    whose error names need the parent's prefix, and anything but a list use the closure)."""
    namespace[f"K{i}_0"] = hint.key
    namespace[f"R{i}"] = hint.runner
    namespace[f"M{i}"] = hint.names
    skip: list[str] = []
    if hint.where_test is not None:
        namespace[f"WK{i}"] = hint.where_test.key
        namespace[f"WV{i}"] = hint.where_test.expected
        test = "==" if hint.where_test.equal else "!="
        skip = [f"    if not (row.get(WK{i}) {test} WV{i}):", "        continue"]
    elif hint.where is not None:
        namespace[f"W{i}"] = hint.where
        skip = [f"    if not W{i}(row):", "        continue"]
    return [
        f"rows = get(K{i}_0)",
        "if rows.__class__ is list and not ctx.prefix:",
        "    res = []",
        "    for row in rows:",
        "        if row.__class__ is not dict and not isinstance(row, _Mapping):",
        f"            _bad_row(ctx, N{i}, len(res), row)",
        "            continue",
        *["    " + line for line in skip],
        "        n = len(res)",
        f"        ctx.prefix = M{i}[n] if n < {NAMED_ROWS} else f'{{N{i}}}[{{n}}].'",
        f"        res.append(R{i}(row, ctx, None))",
        "    ctx.prefix = ''",
        f"    out[N{i}] = res",
        "else:",
        f"    out[N{i}] = F{i}(raw, out, ctx)",
    ]


def make_runner(fields: CompiledFields) -> Runner:
    """One function that maps a raw record with ``fields`` (same results as calling each)."""
    namespace: dict[str, Any] = {
        "FieldFailure": FieldFailure,
        "_fail": _fail,
        "_date_fromisoformat": date.fromisoformat,
        "_is_plain_decimal": _is_plain_decimal,
        "_BOOLEAN_TEXT": BOOLEAN_TEXT,
        "_Decimal": Decimal,
        "_HALF_UP": ROUND_HALF_UP,
        "_minor_units": MINOR_UNITS.get,
        "_DEFAULT_MINOR_UNITS": DEFAULT_MINOR_UNITS,
        "_QUANTA": QUANTA,
        "_POINT_ZEROS": {n: "." + "0" * n if n else "" for n in QUANTA},
        "_ZEROS": {n: "0" * n for n in QUANTA},
        "_datetime_fromisoformat": datetime.fromisoformat,
        "_filter": filter,
        "_Mapping": Mapping,
        "_bad_row": _bad_row,
        "_join_keys": "\0".join,
    }
    lines = [
        "def run(raw, ctx, out=None):",
        "    if out is None:",
        "        out = {}",
        "    get = raw.get",
    ]
    for i, (name, fn) in enumerate(fields):
        namespace[f"N{i}"] = name
        namespace[f"F{i}"] = fn
        hint = getattr(fn, INLINE_ATTRIBUTE, None)
        inline = None
        if isinstance(hint, Inline):
            inline = _inline_lines(i, hint, namespace)
        elif isinstance(hint, InlineCollect):
            inline = _collect_lines(i, hint, namespace)
        elif isinstance(hint, InlineItems):
            inline = _items_lines(i, hint, namespace)
        lines.append("    try:")
        if inline is not None:
            lines += ["        " + line for line in inline]
        else:
            lines.append(f"        out[N{i}] = F{i}(raw, out, ctx)")
        lines += ["    except FieldFailure as failure:", f"        _fail(ctx, N{i}, failure)"]
    lines.append("    return out")
    exec(compile("\n".join(lines), "<hub.mapping generated runner>", "exec"), namespace)
    runner: Runner = namespace["run"]
    return runner


def generic_runner(fields: CompiledFields) -> Runner:
    """The plain field loop (:func:`~hub.mapping.runtime.run_fields`), with no inline cases."""

    def run(
        raw: Mapping[str, Any], ctx: Context, out: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return run_fields(fields, raw, ctx, out)

    return run


__all__ = [
    "BOOLEAN_TEXT",
    "INLINE_ATTRIBUTE",
    "QUANTUM_BY_CODE",
    "Convert",
    "Inline",
    "InlineCollect",
    "InlineItems",
    "KEY_TEST_ATTRIBUTE",
    "KeyTest",
    "NAMED_ROWS",
    "Runner",
    "generic_runner",
    "make_runner",
]
