"""SuiteQL throughput of the NetSuite sandbox emulator over real HTTP with TBA signing.

Generates (once, cached under /tmp keyed by size and seed) an account with 100,000 invoices, starts
the emulator on loopback and pages through every invoice with 1000-row keyset pages
(``WHERE t.id > ? ORDER BY t.id``), the way the connector reads. Prints pages/s, rows/s and the
p50/p95 request latency. Target: >= 20 pages/s.

    .venv/bin/python benchmarks/sandbox.py [--invoices 100000] [--seed 42] [--pages N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import requests

from hub_netsuite.sandbox.api import run_sandbox
from hub_netsuite.sandbox.store import SandboxStore

QUERY = (
    "SELECT t.id, t.tranid, t.entity, BUILTIN.DF(t.entity) AS customername, "
    "TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, TO_CHAR(t.duedate, 'YYYY-MM-DD') AS duedate, "
    "t.currency, t.exchangerate, t.foreigntotal, t.foreignamountunpaid, t.status, "
    "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodified "
    "FROM transaction t WHERE t.type = 'CustInvc' AND t.id > ? ORDER BY t.id"
)


def cached_account(invoices: int, seed: int) -> Path:
    """The generated account for (invoices, seed), generated on first use."""
    path = Path(tempfile.gettempdir()) / f"netsuite-sandbox-bench-{invoices}-{seed}.sqlite3"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        SandboxStore.generate(
            partial,
            customers=max(50, invoices // 60),
            invoices=invoices,
            payments=invoices * 2 // 5,
            seed=seed,
        ).close()
        shutil.move(partial, path)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pages", type=int, default=0, help="stop after N pages (0 = all)")
    args = parser.parse_args()

    source = cached_account(args.invoices, args.seed)
    with tempfile.TemporaryDirectory() as work:
        account = Path(work) / "account.sqlite3"
        shutil.copyfile(source, account)
        with run_sandbox(account, seed=args.seed, concurrency_limit=50) as sb:
            session = requests.Session()
            url = f"{sb.rest_url}/query/v1/suiteql"
            last_id, pages, rows = "0", 0, 0
            latencies: list[float] = []
            started = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                response = session.post(
                    url,
                    params={"limit": 1000},
                    json={"q": QUERY, "params": [last_id]},
                    headers={"Prefer": "transient"},
                    auth=sb.oauth1(),
                    timeout=120,
                )
                latencies.append(time.perf_counter() - t0)
                response.raise_for_status()
                items = response.json()["items"]
                pages += 1
                rows += len(items)
                if not items or len(items) < 1000 or (args.pages and pages >= args.pages):
                    break
                last_id = items[-1]["id"]
            elapsed = time.perf_counter() - started
            session.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"account: {args.invoices} invoices (seed {args.seed}); 1000-row keyset pages, TBA")
    print(f"pages: {pages}  rows: {rows}  elapsed: {elapsed:.2f} s")
    print(f"pages/s: {pages / elapsed:.1f}  (target >= 20)")
    print(f"rows/s: {rows / elapsed:,.0f}")
    print(f"latency p50: {statistics.median(latencies) * 1000:.1f} ms  p95: {p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
