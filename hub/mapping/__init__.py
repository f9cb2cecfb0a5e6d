"""The mapping engine: mapping documents turn raw source records into canonical records.

A mapping document (JSON, ``schemas/mapping.schema.json``, described in docs/mapping.md) is
validated and compiled once into closures by :meth:`Mapper.compile`; :meth:`Mapper.map` then maps
and validates records fast and reports bad ones as structured :class:`~hub.errors.FieldError` lists
instead of raising.
"""

from __future__ import annotations

from hub.mapping.canonical import FieldInfo, canonical_fields, canonical_validator, required_fields
from hub.mapping.currency import minor_units
from hub.mapping.document import mapping_document_errors, validate_mapping_document
from hub.mapping.lookups import DictLookup, LookupSource
from hub.mapping.mapper import Mapper, MapResult, builtin_transforms, registered_transforms

__all__ = [
    "DictLookup",
    "FieldInfo",
    "LookupSource",
    "MapResult",
    "Mapper",
    "builtin_transforms",
    "canonical_fields",
    "canonical_validator",
    "mapping_document_errors",
    "minor_units",
    "registered_transforms",
    "required_fields",
    "validate_mapping_document",
]
