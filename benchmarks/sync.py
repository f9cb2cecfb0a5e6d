"""Sync engine benchmark (prints numbers; not a test).

Source: an in-process connector producing NetSuite-shaped SuiteQL rows (the columns of
plugins/netsuite/hub_netsuite/mappings/README.md, all values strings) mapped with the NetSuite
default mappings, into a SQLite file.

"Fetch and parse" for an in-process source = what the sync engine gets from a real connector
before the hub's own work starts: each page is produced as a JSON response body (bytes, built
from the deterministic generator, standing in for the network) and parsed with ``json.loads`` into
the raw records of a :class:`hub.Page`. The baseline iterates ``Connector.read`` over every page
and does nothing else; the end-to-end run does the same reads plus mapping, validation, hashing,
upserts, child rows, state and run counts, committing once per page.

Usage: .venv/bin/python benchmarks/sync.py [--invoices 200000] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hub import CheckResult, Connector, LocalContext, Page, StreamSpec
from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.db import make_engine, migrate
from hub.mappings import MappingService
from hub.plugins import PluginHost, set_plugin_host
from hub.sync import run_sync

PAGE = 1000
STATUSES = ("A", "A", "A", "B", "A", "D")


def _customer(i: int) -> dict[str, str]:
    return {
        "id": str(1000 + i),
        "entityid": f"CUST{i:06d}",
        "companyname": f"Company {i} Ltd",
        "email": f"ap{i}@example.com",
        "phone": "+1 555 0100",
        "termsname": "Net 30",
        "creditlimit": "50000.00",
        "currency": "1",
        "currency_code": "USD",
        "isinactive": "F",
        "lastmodified": "2026-01-02 10:00:00",
        "custentity_region": "West",
    }


def _invoice(i: int, customers: int) -> dict[str, Any]:
    total = 100 + (i % 900)
    status = STATUSES[i % len(STATUSES)]
    unpaid = "0.00" if status == "B" else f"{total - (i % 3) * 10}.00"
    return {
        "id": str(500000 + i),
        "tranid": f"INV{i:07d}",
        "entity": str(1000 + i % customers),
        "trandate": "2026-01-05",
        "duedate": "2026-02-04",
        "currency": "1",
        "currency_code": "USD",
        "exchangerate": "1.00",
        "foreigntotal": f"{total}.00",
        "foreignamountunpaid": unpaid,
        "status": status,
        "termsname": "Net 30",
        "memo": f"Order {i}",
        "lastmodified": "2026-01-05 09:30:00",
        "custbody_po": f"PO-{i}",
        "lines": [
            {
                "id": f"{i}-1",
                "linesequencenumber": "1",
                "item": "12",
                "itemname": "Consulting",
                "memo": "Consulting hours",
                "quantity": "2",
                "rate": f"{total / 2:.2f}",
                "amount": f"{total}.00",
                "mainline": "F",
            },
        ],
    }


def _payment(i: int, customers: int) -> dict[str, Any]:
    return {
        "id": str(900000 + i),
        "tranid": f"PYMT{i:07d}",
        "entity": str(1000 + i % customers),
        "trandate": "2026-02-01",
        "currency": "1",
        "currency_code": "USD",
        "foreigntotal": "150.00",
        "paymentmethodname": "ACH",
        "foreignpaymentamountunused": "0.00",
        "lastmodified": "2026-02-01 12:00:00",
        "applications": [{"invoiceid": str(500000 + 2 * i), "applied": "150.00"}],
    }


class BenchConnector(Connector):
    """Generates pages of JSON bodies and parses them, like a SuiteQL client would."""

    name = "bench_netsuite"
    config_schema = {"type": "object"}

    def check(self) -> CheckResult:
        return CheckResult(True, "ok")

    def streams(self) -> Sequence[StreamSpec]:
        return [
            StreamSpec("customers", "customer", "id", "lastmodified"),
            StreamSpec("invoices", "invoice", "id", "lastmodified"),
            StreamSpec("payments", "payment", "id", "lastmodified"),
        ]

    def _count(self, stream: str) -> int:
        return int(self.config[stream])

    def _body(self, stream: str, start: int, stop: int) -> bytes:
        customers = int(self.config["customers"])
        if stream == "customers":
            rows = [_customer(i) for i in range(start, stop)]
        elif stream == "invoices":
            rows = [_invoice(i, customers) for i in range(start, stop)]
        else:
            rows = [_payment(i, customers) for i in range(start, stop)]
        return json.dumps({"items": rows, "hasMore": stop < self._count(stream)}).encode()

    def read(self, stream: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        offset = int(state["offset"]) if state else 0
        total = self._count(stream)
        while True:
            with self.context.request_slot():
                stop = min(offset + PAGE, total)
                body = self._body(stream, offset, stop)
            records = json.loads(body)["items"]
            if not records:
                return
            offset = stop
            yield Page(records=records, state={"offset": offset})
            if offset >= total:
                return


def _setup(db: Path, counts: dict[str, int]) -> tuple[Any, int]:
    from hub_netsuite.mappings import load_default_mappings

    host = PluginHost().load()
    host.registry.connectors[BenchConnector.name] = _registered(BenchConnector)
    set_plugin_host(host)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    service = ConnectionService(engine, host, SecretBox("bench-key-0123456789abcdef0123456789"))
    connection = service.add(
        "bench", BenchConnector.name, {**counts, "objects": ["customer", "invoice", "payment"]}
    )
    assert connection.id is not None
    from sqlmodel import Session

    with Session(engine) as session:
        mappings = MappingService(session, host)
        for object_type, document in load_default_mappings().items():
            if object_type != "contact":
                mappings.save(connection.id, object_type, document)
        session.commit()
    return engine, connection.id


def _registered(cls: type[Connector]) -> Any:
    from hub.plugins import Registered

    return Registered(cls.name, cls, "benchmark")


def _counts(invoices: int) -> dict[str, int]:
    return {"customers": max(invoices // 10, 1), "invoices": invoices, "payments": invoices // 2}


class Timing:
    """Wall-clock and CPU seconds of one measured step (CPU time is what to compare on a busy
    machine: other processes stretch the wall clock, not this process's CPU time)."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> Timing:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def fetch_and_parse(counts: dict[str, int]) -> tuple[Timing, int]:
    """The baseline: the same connector, config and pages as the sync, only read and parsed."""
    connector = BenchConnector(counts)
    records = 0
    with Timing() as timing:
        for spec in connector.streams():
            for page in connector.read(spec.name, None):
                records += len(page.records)
    return timing, records


def end_to_end(counts: dict[str, int], db: Path) -> tuple[Timing, int, Any, int]:
    # Plugins listening to records_changed open the database named in the environment: point it
    # at the benchmark's file, as a deployed hub's workers and plugins share one DATABASE_URL.
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    engine, cid = _setup(db, counts)
    with Timing() as elapsed:
        run = run_sync(engine, cid)
    assert run.status == "succeeded", run.error
    total = sum(c["fetched"] for c in run.counts.values())
    context = LocalContext()
    again = run_sync(engine, cid, context=context)
    assert sum(c["fetched"] for c in again.counts.values()) == 0
    engine.dispose()
    return elapsed, total, run, context.requests_made


def fetch_parse_and_map(counts: dict[str, int], db: Path) -> Timing:
    """Baseline plus mapping + validation only (the hub.mapping share of the end-to-end time)."""
    from hub.sync.engine import compile_mapper, load_connection
    from hub.sync.lookups import DbLookup
    from hub.sync.pipeline import map_page

    engine, cid = _setup(db, counts)
    connection = load_connection(engine, cid)
    connector = BenchConnector(counts)
    lookups = DbLookup(engine, cid, connector.reference_table)
    mappers = {
        s.name: compile_mapper(engine, connection, s.object_type, lookups)
        for s in connector.streams()
    }
    with Timing() as timing:
        for spec in connector.streams():
            for page in connector.read(spec.name, None):
                lookups.new_page()
                map_page(mappers[spec.name], page.records, spec.primary_key)
    engine.dispose()
    return timing


def memory_child(records: int) -> None:
    """Sync ``records`` records in total (invoices + a tenth customers + half payments)."""
    invoices = int(records / 1.6)
    with tempfile.TemporaryDirectory() as folder:
        end_to_end(_counts(invoices), Path(folder) / "hub.db")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", type=int)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    counts = _counts(args.invoices)
    base, fetched = fetch_and_parse(counts)
    with tempfile.TemporaryDirectory() as folder:
        elapsed, total, run, requests = end_to_end(counts, Path(folder) / "hub.db")
    assert total == fetched, (total, fetched)
    for label, attr in (("wall clock", "wall"), ("CPU time  ", "cpu")):
        b, e = getattr(base, attr), getattr(elapsed, attr)
        print(
            f"[{label}] fetch+parse {fetched:,} records {b:.2f} s = {fetched / b:,.0f} rec/s | "
            f"end-to-end {e:.2f} s = {total / e:,.0f} rec/s | ratio {e / b:.2f} (target <= 1.5) | "
            f"hub work alone {total / (e - b):,.0f} rec/s"
        )
    print(f"(SQLite file, pages of {PAGE}; target >= 20,000 rec/s end-to-end)")
    with tempfile.TemporaryDirectory() as folder:
        mapped = fetch_parse_and_map(counts, Path(folder) / "hub.db")
    print(
        f"[CPU time  ] fetch+parse+map (no storage) {mapped.cpu:.2f} s: mapping alone "
        f"{fetched / (mapped.cpu - base.cpu):,.0f} rec/s; storage, state and events alone "
        f"{total / (elapsed.cpu - mapped.cpu):,.0f} rec/s"
    )
    print(
        f"incremental sync, no changes: {requests} requests for 3 streams "
        "(counting connector; target <= 1 per stream)"
    )
    if args.skip_memory:
        return
    rss = {}
    for n in (50_000, 1_000_000):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        rss[n] = int(out.stdout.strip().splitlines()[-1])
        print(f"peak RSS for {n:>9,} records: {rss[n] / 1024:,.1f} MiB")
    print(f"RSS ratio 1,000,000 / 50,000: {rss[1_000_000] / rss[50_000]:.2f}   (target <= 1.2)")


if __name__ == "__main__":
    main()
