"""A connector that syncs from a folder of CSV exports.

Each object has one file (``customers.csv``, ``contacts.csv``, ``invoices.csv``, ``payments.csv``)
with an ``id`` and an ``updated_at`` column (ISO 8601). Invoice lines come from
``invoice_lines.csv`` (``invoice_id``, ...) and payment applications from
``payment_applications.csv`` (``payment_id``, ``invoice_id``, ``amount``). Reads are incremental:
the state remembers the last ``(updated_at, id)`` committed, and rows at or before it are skipped.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hub import CheckResult, ConfigError, Connector, Page, StreamSpec

FILES = {
    "customers": "customers.csv",
    "contacts": "contacts.csv",
    "invoices": "invoices.csv",
    "payments": "payments.csv",
}
CHILD_FILES = {
    "invoices": ("invoice_lines.csv", "invoice_id", "lines"),
    "payments": ("payment_applications.csv", "payment_id", "applications"),
}
REQUIRED_COLUMNS = ("id", "updated_at")


class CsvConnector(Connector):
    """Sync customers, contacts, invoices and payments from CSV files in a folder."""

    name = "example_csv"
    title = "CSV files (example)"
    config_schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "title": "CSV folder",
        "required": ["folder"],
        "additionalProperties": False,
        "properties": {
            "folder": {"type": "string", "title": "Folder holding the CSV files", "minLength": 1},
            "page_size": {
                "type": "integer",
                "title": "Rows per page",
                "minimum": 1,
                "maximum": 10000,
                "default": 500,
            },
        },
    }

    @property
    def folder(self) -> Path:
        return Path(str(self.config["folder"]))

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size", 500))

    def streams(self) -> Sequence[StreamSpec]:
        return [
            StreamSpec(stream, stream[:-1], primary_key="id", cursor_field="updated_at")
            for stream in FILES
        ]

    def check(self) -> CheckResult:
        if not self.folder.is_dir():
            return CheckResult(
                False,
                f"folder {self.folder} does not exist",
                causes=[
                    "check the `folder` setting",
                    "the hub's worker runs on another machine than the files",
                ],
            )
        details: dict[str, str] = {}
        problems: list[str] = []
        for stream, filename in FILES.items():
            path = self.folder / filename
            if not path.is_file():
                details[stream] = "missing (nothing to sync)"
                continue
            with path.open(newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle), [])
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                details[stream] = f"missing columns {', '.join(missing)}"
                problems.append(f"{filename} needs the columns {', '.join(missing)}")
            else:
                details[stream] = "ok"
        if problems:
            return CheckResult(
                False, "some files cannot be synced", causes=problems, details=details
            )
        return CheckResult(True, f"reading CSV files from {self.folder}", details=details)

    def _rows(self, filename: str) -> list[dict[str, str]]:
        path = self.folder / filename
        if not path.is_file():
            return []
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None

    def read(self, stream: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        rows = sorted(self._rows(FILES[stream]), key=lambda r: (r.get("updated_at", ""), r["id"]))
        cursor = tuple(state.get("cursor", ("", ""))) if state else ("", "")
        rows = [r for r in rows if (r.get("updated_at", ""), r["id"]) > cursor]
        children = self._children(stream)
        for start in range(0, len(rows), self.page_size):
            page = rows[start : start + self.page_size]
            if children is not None:
                key = CHILD_FILES[stream][2]
                for row in page:
                    row[key] = children.get(row["id"], [])  # type: ignore[assignment]
            last = page[-1]
            yield Page(records=page, state={"cursor": [last.get("updated_at", ""), last["id"]]})

    def _children(self, stream: str) -> dict[str, list[dict[str, str]]] | None:
        if stream not in CHILD_FILES:
            return None
        filename, parent_key, _ = CHILD_FILES[stream]
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self._rows(filename):
            grouped[row[parent_key]].append(row)
        return grouped

    def fetch(self, object_type: str, external_id: str) -> dict[str, Any] | None:
        stream = f"{object_type}s"
        for row in self._rows(FILES[stream]):
            if row["id"] == external_id:
                children = self._children(stream)
                if children is not None:
                    row[CHILD_FILES[stream][2]] = children.get(external_id, [])  # type: ignore[assignment]
                return row
        return None
