"""Hook implementations of the example CSV connector plugin."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from hub import hookimpl
from hub_example_csv.connector import CsvConnector


@hookimpl
def register_connectors(register: Any) -> None:
    register(CsvConnector)


@hookimpl
def register_default_mappings(register: Any) -> None:
    folder = resources.files("hub_example_csv") / "mappings"
    for object_type in ("customer", "contact", "invoice", "payment"):
        document = json.loads((folder / f"{object_type}.json").read_text(encoding="utf-8"))
        register(CsvConnector.name, object_type, document)
