"""What the canonical schemas say about each field, and compiled validators for canonical records.

Records are validated with ``jsonschema_rs`` (compiled in Rust, about 100x faster than the pure
Python ``jsonschema``) because this runs for every synced record; formats (``date``,
``date-time``) are checked. ``jsonschema`` stays in use where its error messages matter: mapping
documents and connection configs, validated when an admin saves them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema_rs

from hub.errors import FieldError
from hub.jsonschemas import CANONICAL_OBJECTS, load_schema

RecordValidator = Callable[[Mapping[str, Any]], list[FieldError]]
IS_VALID_ATTRIBUTE = "is_valid"
"""A validator made by :func:`canonical_validator` carries its compiled ``is_valid`` here."""


@dataclass(frozen=True)
class FieldInfo:
    """One property of a canonical schema, as the mapping engine needs it.

    :param type: the ``x-hub-type`` (``money``, ``date``...), or ``None`` for fields no mapping may
        produce (derived at export time, like ``days_overdue``).
    :param nullable: ``null`` is an accepted value.
    :param enum: the allowed values, when the schema lists them.
    :param children: for arrays of objects, the item's fields; ``None`` for free-form objects.
    :param required: names of the item's required fields (arrays of objects).
    """

    name: str
    type: str | None
    nullable: bool
    enum: tuple[Any, ...] | None = None
    children: dict[str, FieldInfo] | None = None
    required: frozenset[str] = field(default_factory=frozenset)


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a property's local ``$ref`` target with its sibling keywords."""
    merged = dict(node)
    ref = merged.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target[part]
        merged = {**_resolve(schema, target), **merged}
    return merged


def _info(schema: Mapping[str, Any], name: str, node: Mapping[str, Any]) -> FieldInfo:
    spec = _resolve(schema, node)
    types = spec.get("type")
    enum = spec.get("enum")
    nullable = (isinstance(types, list) and "null" in types) or (
        isinstance(enum, list) and None in enum
    )
    children = None
    required: frozenset[str] = frozenset()
    items = spec.get("items")
    if isinstance(items, Mapping):
        item = _resolve(schema, items)
        if "properties" in item:
            children = {k: _info(schema, k, v) for k, v in item["properties"].items()}
            required = frozenset(item.get("required", ()))
    return FieldInfo(
        name=name,
        type=spec.get("x-hub-type"),
        nullable=nullable,
        enum=tuple(enum) if isinstance(enum, list) else None,
        children=children,
        required=required,
    )


@cache
def canonical_fields(object_type: str) -> dict[str, FieldInfo]:
    """The fields of canonical ``object_type`` (``KeyError`` for an unknown type)."""
    if object_type not in CANONICAL_OBJECTS:
        raise KeyError(f"unknown canonical object {object_type!r}")
    schema = load_schema(object_type)
    return {name: _info(schema, name, node) for name, node in schema["properties"].items()}


@cache
def required_fields(object_type: str) -> frozenset[str]:
    """Fields every canonical ``object_type`` record must carry (DESIGN.md section 4)."""
    return frozenset(load_schema(object_type).get("required", ()))


def _field_name(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _to_field_error(error: jsonschema_rs.ValidationError) -> FieldError:
    path: list[str | int] = list(error.instance_path)
    rule = str(error.schema_path[-1]) if error.schema_path else "schema"
    kind = error.kind
    if rule == "required" and isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        path.append(str(kind.property))
        return FieldError(_field_name(path) or "$", "required", f"{kind.property} is required")
    return FieldError(_field_name(path) or "$", rule, error.message, error.instance)


@cache
def canonical_validator(object_type: str) -> RecordValidator:
    """A compiled, cached validator: ``check(record)`` returns its :class:`FieldError` list
    (empty when the record is valid). Formats are checked."""
    validator = jsonschema_rs.validator_for(load_schema(object_type), validate_formats=True)
    is_valid = validator.is_valid
    iter_errors = validator.iter_errors

    def check(record: Mapping[str, Any]) -> list[FieldError]:
        if is_valid(record):
            return []
        return [_to_field_error(e) for e in iter_errors(record)]

    setattr(check, IS_VALID_ATTRIBUTE, is_valid)
    return check


__all__ = [
    "IS_VALID_ATTRIBUTE",
    "FieldInfo",
    "RecordValidator",
    "canonical_fields",
    "canonical_validator",
    "required_fields",
]
