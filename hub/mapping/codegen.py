"""Fuse a level of compiled fields into one generated function.

Calling one closure per field costs a Python call and a loop step each; for a 30-field invoice
that is most of the mapping time. :func:`make_runner` generates, once per level, a function that
calls each field's closure in turn and, for fields marked with an :class:`Inline` hint, tries the
common case (a plain text value that is already canonical) inline before falling back to the
closure. Field names and keys are bound as namespace constants, never spliced into the source, so
a mapping document cannot inject code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.errors import FieldError
from hub.mapping.runtime import CompiledFields, Context, FieldFailure, jsonable

Runner = Callable[[Mapping[str, Any], Context, dict[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class Inline:
    """A hint that a field reads ``raw[key]`` and that a ``kind`` fast case can run inline."""

    kind: str  # "string" | "date" | "integer" | "decimal"
    key: str


INLINE_ATTRIBUTE = "hub_inline"

_CHECKS = {
    # value text is returned as-is when this test holds; otherwise the closure decides.
    "string": "{v}.__class__ is str and {v} != ''",
    "date": "{v}.__class__ is str and len({v}) == 10 and {v}[4] == '-' == {v}[7] and _is_date({v})",
    "integer": "{v}.__class__ is str and {v}.isdigit()",
    "decimal": "{v}.__class__ is str and _is_plain_decimal({v}) is not None",
}
_VALUES = {"string": "{v}", "date": "{v}", "integer": "int({v})", "decimal": "{v}"}
_is_plain_decimal = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?").fullmatch


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _fail(ctx: Context, name: str, failure: FieldFailure) -> None:
    ctx.errors.append(
        FieldError(ctx.prefix + name, failure.rule, failure.message, jsonable(failure.value))
    )


def make_runner(fields: CompiledFields) -> Runner:
    """One function that maps a raw record with ``fields`` (same results as calling each)."""
    namespace: dict[str, Any] = {
        "FieldFailure": FieldFailure,
        "_fail": _fail,
        "_is_date": _is_date,
        "_is_plain_decimal": _is_plain_decimal,
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
        lines.append("    try:")
        if isinstance(hint, Inline) and hint.kind in _CHECKS:
            namespace[f"K{i}"] = hint.key
            check = _CHECKS[hint.kind].format(v="v")
            value = _VALUES[hint.kind].format(v="v")
            lines += [
                f"        v = get(K{i})",
                f"        if {check}:",
                f"            out[N{i}] = {value}",
                "        else:",
                f"            out[N{i}] = F{i}(raw, out, ctx)",
            ]
        else:
            lines.append(f"        out[N{i}] = F{i}(raw, out, ctx)")
        lines += ["    except FieldFailure as failure:", f"        _fail(ctx, N{i}, failure)"]
    lines.append("    return out")
    exec(compile("\n".join(lines), "<hub.mapping generated runner>", "exec"), namespace)
    runner: Runner = namespace["run"]
    return runner


__all__ = ["INLINE_ATTRIBUTE", "Inline", "Runner", "make_runner"]
