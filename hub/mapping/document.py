"""Validating mapping documents: JSON Schema first (for clear messages), then meaning.

The schema check uses the pure-Python ``jsonschema`` because its errors carry good messages and
exact paths, and documents are validated rarely (when an admin saves one). The semantic check
compiles the document exactly as :meth:`hub.mapping.Mapper.compile` would, so whatever passes here
also compiles there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from hub.errors import ConfigError
from hub.jsonschemas import json_path, load_schema
from hub.mapping.canonical import canonical_fields, required_fields
from hub.mapping.compiler import CompiledFields, Compiler
from hub.mapping.lookups import LookupSource


@cache
def _document_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        load_schema("mapping"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _schema_error(error: ValidationError) -> ConfigError:
    error = best_match([error])  # descend into anyOf branches to the most specific problem
    path = json_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        if len(extra) == 1:
            known = ", ".join(sorted(allowed))
            return ConfigError(
                f"unknown key {extra[0]!r} (allowed here: {known})", path=f"{path}.{extra[0]}"
            )
    return ConfigError(error.message, path=path)


def schema_errors(document: Any) -> list[ConfigError]:
    """Problems of ``document`` against ``schemas/mapping.schema.json``, in document order."""
    return [_schema_error(e) for e in _document_validator().iter_errors(document)]


def compile_document(
    document: Mapping[str, Any],
    *,
    transforms: Mapping[str, Callable[..., Any]] | None,
    lookups: LookupSource | None = None,
    fast: bool = True,
) -> tuple[CompiledFields, list[ConfigError]]:
    """Compile a schema-valid document; return the closures and every semantic problem.

    :param fast: ``False`` compiles the plain generic pipeline only (see :class:`Compiler`).
    """
    object_type = document["object"]
    compiler = Compiler(transforms=transforms, lookups=lookups, fast=fast)
    fields = compiler.compile_document(
        document, canonical_fields(object_type), required_fields(object_type)
    )
    return fields, compiler.errors


def mapping_document_errors(
    document: Any, *, transforms: Mapping[str, Callable[..., Any]] | None = None
) -> list[ConfigError]:
    """Every problem of a mapping document, each with the JSON path at fault (``$.fields.total``).

    :param transforms: the registered transforms; when given, unknown transform names are problems.
    """
    problems = schema_errors(document)
    if problems:
        return problems
    return compile_document(document, transforms=transforms)[1]


def validate_mapping_document(
    document: Any, *, transforms: Mapping[str, Callable[..., Any]] | None = None
) -> None:
    """Raise :class:`~hub.errors.ConfigError` (with ``path``) for the first problem of ``document``."""
    problems = mapping_document_errors(document, transforms=transforms)
    if problems:
        raise problems[0]


__all__ = [
    "compile_document",
    "mapping_document_errors",
    "schema_errors",
    "validate_mapping_document",
]
