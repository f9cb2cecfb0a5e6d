"""Benchmark: map + validate realistic raw NetSuite invoices with the default mapping.

Prints records/s for the hub's path (compiled mapping closures + compiled jsonschema-rs validator)
and for a naive baseline in the same run (the same mapping result, validated with a fresh
pure-Python ``jsonschema`` Draft202012Validator per record), and the ratio.

    .venv/bin/python benchmarks/mapping.py [--records 100000] [--baseline-records 10000]

Targets (issue 2): >= 50,000 records/s on one core, >= 5x the baseline. The baseline runs on a
sample (default 10,000 records) because it is slow; its rate is per record, so it compares fairly.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema

from hub.jsonschemas import load_schema
from hub.mapping import DictLookup, Mapper, MapResult, builtin_transforms
from hub.mapping.runtime import Context
from hub_netsuite.mappings import load_default_mappings

CURRENCIES = [("1", "USD"), ("2", "EUR"), ("3", "GBP"), ("4", "JPY"), ("5", "KWD")]
STATUSES = ["A", "A", "A", "B", "D", "V"]
PAGE = 1_000
ITEMS = ["Consulting hours", "Widget XL", "Annual licence", "Support plan", "Freight"]


def make_invoices(count: int, seed: int = 20261125) -> list[dict[str, Any]]:
    """Deterministic raw invoices shaped like the connector's SuiteQL rows (all values strings,
    NULL columns omitted, 1-3 item lines each)."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for n in range(count):
        currency_id, code = CURRENCIES[n % len(CURRENCIES)]
        lines = []
        total = Decimal(0)
        for i in range(rng.randint(1, 3)):
            quantity = rng.randint(1, 20)
            rate = Decimal(rng.randint(500, 250_000)) / 100
            amount = rate * quantity
            total += amount
            line = {
                "links": [],
                "id": str(i + 1),
                "linesequencenumber": str(i + 1),
                "item": str(100 + i),
                "itemname": ITEMS[(n + i) % len(ITEMS)],
                "quantity": str(quantity),
                "rate": str(rate),
                "amount": str(amount),
                "mainline": "F",
            }
            if n % 4 == 0:
                line["memo"] = f"Line {i + 1} of invoice {n}"
            lines.append(line)
        status = STATUSES[n % len(STATUSES)]
        unpaid = {"A": total / (1 + n % 3), "B": Decimal(0), "D": total, "V": Decimal(0)}[status]
        day = 1 + n % 28
        record: dict[str, Any] = {
            "links": [],
            "id": str(100_000 + n),
            "tranid": f"INV{100_000 + n}",
            "entity": str(1000 + n % 5000),
            "trandate": f"2024-{1 + n % 12:02d}-{day:02d}",
            "duedate": f"2024-{1 + (n + 1) % 12:02d}-{day:02d}",
            "currency": currency_id,
            "currency_code": code,
            "exchangerate": "1" if code == "USD" else f"{rng.uniform(0.002, 3.3):.6f}",
            "foreigntotal": str(total),
            "foreignamountunpaid": str(unpaid.quantize(Decimal("0.01"))),
            "status": status,
            "voided": "T" if status == "V" else "F",
            "termsname": "Net 30",
            "lastmodified": f"2024-{1 + n % 12:02d}-{day:02d} {n % 24:02d}:{n % 60:02d}:07",
            "lines": lines,
        }
        if n % 3 == 0:
            record["memo"] = "Thank you for your business"
            record["custbody_po_number"] = f"PO-{n}"
        if n % 5 == 0:
            record["custbody_region"] = "EMEA"
        records.append(record)
    return records


def timed(label: str, function: Callable[[], Any], count: int) -> float:
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"{label:<58} {count:>7,} records  {elapsed:7.2f} s  {rate:>10,.0f} records/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline-records", type=int, default=10_000)
    args = parser.parse_args()

    document = load_default_mappings()["invoice"]
    lookups = DictLookup({"currency": {cid: {"code": code} for cid, code in CURRENCIES}})
    mapper = Mapper.compile(document, transforms=builtin_transforms(), lookups=lookups)
    raws = make_invoices(args.records)
    # The generated input stays alive for the whole run; keep the cyclic garbage collector from
    # re-scanning it (a sync holds one page at a time, not 100,000 raw records).
    gc.collect()
    gc.freeze()
    print(
        f"generated {len(raws):,} raw NetSuite invoices "
        f"({sum(len(r['lines']) for r in raws):,} lines)"
    )

    # Like a sync: one page of 1,000 raw records (a SuiteQL page) at a time, results then dropped.
    pages = [raws[i : i + PAGE] for i in range(0, len(raws), PAGE)]
    failures: list[MapResult] = []

    def hub_path() -> None:
        for page in pages:
            results = mapper.map_many(page)
            failures.extend(r for r in results if not r.ok)

    hub_rate = timed("hub: compiled mapping + jsonschema-rs validation", hub_path, len(raws))
    if failures:
        raise SystemExit(f"{len(failures)} records failed to map: {failures[0].errors}")

    # Naive baseline: the same mapped records (made outside the timed hub path, which keeps no
    # results, like a sync), each validated by a fresh pure-Python validator.
    schema = load_schema("invoice")
    sample = [r.record for r in mapper.map_many(raws[: args.baseline_records]) if r.record]

    def naive() -> None:
        for record in sample:
            validator = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            if not validator.is_valid(record):
                raise SystemExit("baseline rejected a record the hub accepted")

    run_fields = mapper._run  # noqa: SLF001 - the mapping step alone, for context

    def map_only() -> None:
        for page in pages:
            for raw in page:
                ctx = Context()
                out: dict[str, Any] = {}
                ctx.root = out
                run_fields(raw, ctx, out)

    timed("  (mapping step alone, no validation)", map_only, len(raws))
    base_rate = timed("baseline: fresh jsonschema validator per record", naive, len(sample))
    print(
        f"ratio hub / baseline: {hub_rate / base_rate:.1f}x   "
        f"(targets: >= 50,000 records/s and >= 5x)"
    )


if __name__ == "__main__":
    main()
