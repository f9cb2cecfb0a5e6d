"""The compiled mapper: one raw record in, one validated canonical record (or its errors) out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.errors import FieldError
from hub.mapping.canonical import IS_VALID_ATTRIBUTE, RecordValidator, canonical_validator
from hub.mapping.codegen import generic_runner, make_runner
from hub.mapping.document import compile_document, schema_errors
from hub.mapping.lookups import LookupSource
from hub.mapping.runtime import CompiledFields, Context


@dataclass(slots=True)
class MapResult:
    """The outcome of mapping one raw record.

    :param record: the canonical record (JSON-compatible), or ``None`` when it has errors.
    :param errors: why the record was rejected: mapping failures, then schema violations.
    :param external_id: the record's ``external_id`` when it could be mapped, even if other fields
        failed (used to quarantine the record under its id).
    """

    record: dict[str, Any] | None
    errors: list[FieldError] = field(default_factory=list)
    external_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None


def builtin_transforms() -> dict[str, Callable[..., Any]]:
    """The hub's own transforms (``hub.default_plugins.transforms``), by name."""
    from hub.default_plugins.transforms import BUILTIN_TRANSFORMS

    return {name: function for name, (function, _) in BUILTIN_TRANSFORMS.items()}


def registered_transforms() -> dict[str, Callable[..., Any]]:
    """Every transform registered through the plugin host (built-ins and plugins), by name."""
    from hub.plugins import get_plugin_host

    return {name: entry.value for name, entry in get_plugin_host().transforms().items()}


class Mapper:
    """A mapping document compiled into closures, plus the canonical validator of its object.

    Build it with :meth:`compile`; then :meth:`map` is safe to call from many threads.
    """

    def __init__(
        self,
        object_type: str,
        fields: CompiledFields,
        document: Mapping[str, Any],
        validator: RecordValidator,
        *,
        fast: bool = True,
    ) -> None:
        self.object_type = object_type
        self.document = document
        self.fields = fields
        self._run = make_runner(fields) if fast else generic_runner(fields)
        self._validate = validator
        # a canonical validator exposes its compiled is_valid: one call for the common case
        self._is_valid: Callable[[Mapping[str, Any]], bool] | None = getattr(
            validator, IS_VALID_ATTRIBUTE, None
        )

    @classmethod
    def compile(
        cls,
        document: Mapping[str, Any],
        *,
        transforms: Mapping[str, Callable[..., Any]] | None = None,
        lookups: LookupSource | None = None,
        fast: bool = True,
    ) -> Mapper:
        """Validate and compile ``document``; :class:`~hub.errors.ConfigError` on its first problem.

        :param transforms: named transforms the document may use (default: the hub's built-ins;
            pass :func:`registered_transforms` to include the plugins').
        :param lookups: answers the document's ``lookup`` steps; without one every lookup misses.
        :param fast: ``False`` maps with the plain generic pipeline only: the same results,
            slower; the reference the fast paths are tested against.
        """
        problems = schema_errors(document)
        if problems:
            raise problems[0]
        if transforms is None:
            transforms = builtin_transforms()
        fields, problems = compile_document(
            document, transforms=transforms, lookups=lookups, fast=fast
        )
        if problems:
            raise problems[0]
        object_type = document["object"]
        return cls(object_type, fields, document, canonical_validator(object_type), fast=fast)

    def map(self, raw: Mapping[str, Any]) -> MapResult:
        """Map and validate one raw record. Never raises for a bad record: see ``errors``."""
        candidate: object = raw  # callers may pass anything a source returned
        if candidate.__class__ is not dict and not isinstance(candidate, Mapping):
            error = FieldError("$", "object", "the raw record is not an object", str(type(raw)))
            return MapResult(None, [error], None)
        ctx = Context()
        out: dict[str, Any] = {}
        ctx.root = out
        self._run(raw, ctx, out)
        external_id = out.get("external_id")
        if external_id is not None and not isinstance(external_id, str):
            external_id = str(external_id)
        if ctx.errors:
            return MapResult(None, ctx.errors, external_id)
        is_valid = self._is_valid
        if is_valid is None or not is_valid(out):
            errors = self._validate(out)
            if errors:
                return MapResult(None, errors, external_id)
        return MapResult(out, ctx.errors, external_id)  # ctx.errors is a fresh, empty list

    def map_many(self, raws: Iterable[Mapping[str, Any]]) -> list[MapResult]:
        """:meth:`map` each record; one bad record never stops the others."""
        map_one = self.map
        return [map_one(raw) for raw in raws]


__all__ = ["MapResult", "Mapper", "builtin_transforms", "registered_transforms"]
