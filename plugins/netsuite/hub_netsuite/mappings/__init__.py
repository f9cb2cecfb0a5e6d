"""The NetSuite plugin's default mapping documents (one JSON file per canonical object).

Each file maps the raw SuiteQL row shape described in ``README.md`` next to it; the plugin
registers them through ``register_default_mappings``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

OBJECT_TYPES: tuple[str, ...] = ("customer", "contact", "invoice", "payment")


def load_default_mappings() -> dict[str, dict[str, Any]]:
    """The default mapping document of every object type, keyed by object type."""
    folder = resources.files(__name__)
    documents: dict[str, dict[str, Any]] = {}
    for object_type in OBJECT_TYPES:
        text = folder.joinpath(f"{object_type}.json").read_text(encoding="utf-8")
        documents[object_type] = json.loads(text)
    return documents


__all__ = ["OBJECT_TYPES", "load_default_mappings"]
