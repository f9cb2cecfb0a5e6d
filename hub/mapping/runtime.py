"""What runs per record: the per-record context, field failures and the field loop."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from hub.errors import FieldError


class FieldFailure(Exception):
    """A value could not be mapped; becomes a :class:`FieldError` for the field being mapped."""

    def __init__(self, rule: str, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.value = value


class Context:
    """Per-record state: collected errors, the error-name prefix of nested fields, the root record."""

    __slots__ = ("errors", "prefix", "root")

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.prefix = ""
        self.root: dict[str, Any] = {}


FieldFn = Callable[[Mapping[str, Any], dict[str, Any], Context], Any]
CompiledFields = list[tuple[str, FieldFn]]


def run_fields(
    fields: CompiledFields, raw: Mapping[str, Any], ctx: Context, out: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Map ``raw`` with compiled ``fields``; failures are appended to ``ctx.errors``."""
    if out is None:
        out = {}
    for name, fn in fields:
        try:
            out[name] = fn(raw, out, ctx)
        except FieldFailure as failure:
            ctx.errors.append(
                FieldError(
                    ctx.prefix + name, failure.rule, failure.message, jsonable(failure.value)
                )
            )
    return out


def jsonable(value: Any) -> Any:
    """Error values end up in quarantine rows (JSON): keep JSON types, stringify the rest."""
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def text_key(value: Any) -> str:
    """The text form of a source value used as a map or lookup key."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


__all__ = [
    "CompiledFields",
    "Context",
    "FieldFailure",
    "FieldFn",
    "jsonable",
    "run_fields",
    "text_key",
]
