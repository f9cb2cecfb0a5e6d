"""A deterministic in-test connector (plugin ``synctest``), installed via a dist-info on sys.path.

It generates customers and invoices from its config, so tests control data, page size, updates
(``version``), deletions, invalid records, failures and per-request latency. Each page read costs
one request slot. Raw records follow the example CSV connector's mapping documents.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

from hub import (
    CheckResult,
    ConfigError,
    Connector,
    Page,
    StreamSpec,
    TransientError,
    hookimpl,
)


def _customer(i: int, version: int) -> dict[str, Any]:
    upd = version if i % 3 == 0 else 0
    return {
        "id": f"C{i}",
        "name": f"Customer {i} v{upd}",
        "email": f"c{i}@example.test",
        "currency": "USD",
        "_upd": upd,
        "_n": i,
    }


def _invoice(i: int, version: int, bad_every: int) -> dict[str, Any]:
    upd = version if i % 3 == 0 else 0
    total = 100 + i
    due = total - (10 * upd)
    return {
        "id": f"I{i}",
        "number": f"INV{i:05d}",
        "customer_id": f"C{i % 7}",
        "issue_date": "2026-01-01",
        "due_date": "2026-02-01",
        "currency": "XX1" if bad_every and i % bad_every == 0 else "USD",
        "total": f"{total}.00",
        "amount_due": f"{max(due, 0)}.00",
        "status": "open" if due == total else ("partial" if due > 0 else "paid"),
        "lines": [
            {
                "description": "Service",
                "quantity": "1",
                "unit_price": f"{total}.00",
                "amount": f"{total}.00",
            }
        ],
        "_upd": upd,
        "_n": i,
    }


class SyncTestConnector(Connector):
    name = "synctest"
    title = "Sync test source"
    config_schema = {
        "type": "object",
        "properties": {
            "customers": {"type": "integer"},
            "invoices": {"type": "integer"},
            "page_size": {"type": "integer"},
            "version": {"type": "integer"},
            "bad_every": {"type": "integer"},
            "deleted": {"type": "array", "items": {"type": "string"}},
            "fail_stream": {"type": "string"},
            "fail_kind": {"type": "string"},
            "fail_after_pages": {"type": "integer"},
            "fail_once_file": {"type": "string"},
            "sleep": {"type": "number"},
            "account": {"type": "string"},
            "concurrency": {"type": "integer"},
            "trace_file": {"type": "string"},
        },
    }

    def check(self) -> CheckResult:
        return CheckResult(True, "ok")

    def streams(self) -> Sequence[StreamSpec]:
        return [
            StreamSpec("customers", "customer", "id", "_upd"),
            StreamSpec("invoices", "invoice", "id", "_upd"),
        ]

    def budget_key(self) -> str | None:
        account = self.config.get("account")
        return f"synctest:{account}" if account else None

    def _records(self, stream: str) -> list[dict[str, Any]]:
        version = int(self.config.get("version", 0))
        deleted = set(self.config.get("deleted", []))
        if stream == "customers":
            rows = [_customer(i, version) for i in range(int(self.config.get("customers", 0)))]
        else:
            bad = int(self.config.get("bad_every", 0))
            rows = [_invoice(i, version, bad) for i in range(int(self.config.get("invoices", 0)))]
        rows = [r for r in rows if r["id"] not in deleted]
        rows.sort(key=lambda r: (r["_upd"], r["_n"]))
        return rows

    def _request(self) -> None:
        with self.context.request_slot():
            trace = self.config.get("trace_file")
            if trace:
                with open(trace, "a", encoding="utf-8") as handle:
                    handle.write(f"{time.time():.6f} start {os.getpid()}\n")
            time.sleep(float(self.config.get("sleep", 0)))
            if trace:
                with open(trace, "a", encoding="utf-8") as handle:
                    handle.write(f"{time.time():.6f} end {os.getpid()}\n")

    def _maybe_fail(self, stream: str, pages: int) -> None:
        if self.config.get("fail_stream") != stream:
            return
        if pages < int(self.config.get("fail_after_pages", 0)):
            return
        marker = self.config.get("fail_once_file")
        if marker is not None:
            if not os.path.exists(marker):
                return
            os.remove(marker)
        if self.config.get("fail_kind") == "config":
            raise ConfigError("the source refused the query: check the role's permissions")
        raise TransientError("the source answered 503")

    def read(self, stream: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        rows = self._records(stream)
        cursor = tuple(state["cursor"]) if state and "cursor" in state else (-1, -1)
        rows = [r for r in rows if (r["_upd"], r["_n"]) > cursor]
        size = int(self.config.get("page_size", 10))
        pages = 0
        self._maybe_fail(stream, pages)
        self._request()
        for start in range(0, len(rows), size):
            if start:
                self._request()
            page = rows[start : start + size]
            last = page[-1]
            yield Page(
                records=[dict(r) for r in page], state={"cursor": [last["_upd"], last["_n"]]}
            )
            pages += 1
            self._maybe_fail(stream, pages)
        gone = [d for d in self.config.get("deleted", []) if d.startswith(stream[0].upper())]
        if gone:
            yield Page(
                records=[],
                state=dict(state or {})
                if not rows
                else {"cursor": [rows[-1]["_upd"], rows[-1]["_n"]]},
                deleted=gone,
            )

    def fetch(self, object_type: str, external_id: str) -> dict[str, Any] | None:
        stream = f"{object_type}s"
        self._request()
        for row in self._records(stream):
            if row["id"] == external_id:
                return row
        return None


@hookimpl
def register_connectors(register: Any) -> None:
    register(SyncTestConnector)


@hookimpl
def register_default_mappings(register: Any) -> None:
    folder = resources.files("hub_example_csv") / "mappings"
    for object_type in ("customer", "invoice"):
        document = json.loads((folder / f"{object_type}.json").read_text(encoding="utf-8"))
        register(SyncTestConnector.name, object_type, document)
