"""NetSuite sync benchmark against the sandbox emulator (prints numbers; not a test).

Account: 120,000 invoices, 1,500 customers (with their contacts), 40,000 payments; the emulator
runs in its own process (``hubctl netsuite-sandbox serve``), allows 2 concurrent requests and
fails 2% of requests with HTTP 500. ``HUB_SYNC_READ_AHEAD=0`` turns the sync's page read-ahead
off for comparison.

1. Full sync by the hub (``ConnectionService`` + ``run_sync`` into a SQLite file): HTTP requests
   per 1,000 records synced (customers + contacts + invoices + payments; lines and applications
   travel packed inside their invoice/payment row), and per 1,000 stored records (those plus
   every invoice line and payment application the hub stores). Requests are counted by the
   connector (every attempt, retries of injected 500s included).
2. Wall time of that sync vs a bare SuiteQL pager (``requests`` + OAuth 1.0a, keyset paging, the
   same queries and rows, no mapping or storage) against the same emulator in the same run.
3. 500 payments recorded in the emulator, then an incremental sync: its requests and time.
4. After each sync: hub data == emulator data, record for record (ids and the fields compared
   below, read independently from the emulator's own database).

Usage: .venv/bin/python benchmarks/netsuite_sync.py [--invoices 120000 --customers 1500
       --payments 40000 --new-payments 500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from requests_oauthlib import OAuth1

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.db import make_engine, migrate
from hub.export import iter_canonical
from hub.plugins import PluginHost, set_plugin_host
from hub.sync import run_sync
from hub_netsuite.connector import queries

PAGE = 1000
Comparable = dict[str, tuple[Any, ...]]


class RemoteSandbox:
    """The emulator in a process of its own (``hubctl netsuite-sandbox serve``), as NetSuite is a
    server of its own: the hub shares no CPU time or interpreter lock with it. Mutations go
    through its admin API; comparisons read its SQLite file."""

    def __init__(self, folder: Path, args: argparse.Namespace) -> None:
        self.path = folder / "account.sqlite3"
        self._log = (folder / "sandbox.log").open("w+")
        hubctl = Path(sys.executable).with_name("hubctl")
        self.admin_token = "bench-admin-token"
        command = [
            str(hubctl), "netsuite-sandbox", "serve", "--port", "0", "--data", str(self.path),
            "--customers", str(args.customers), "--invoices", str(args.invoices),
            "--payments", str(args.payments), "--seed", "11", "--concurrency-limit", "2",
            "--fault-rate", "0.02", "--admin-token", self.admin_token,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self.info = self._wait_for_info()
        self.base_url: str = self.info["base_url"]
        self.account_id: str = self.info["account_id"]
        self.credentials: dict[str, str] = self.info["credentials"]
        self.admin = requests.Session()
        self.admin.headers["X-Sandbox-Admin-Token"] = self.admin_token

    def _wait_for_info(self) -> dict[str, Any]:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited: {Path(self._log.name).read_text()}")
            text = Path(self._log.name).read_text()
            if "listening on" in text:
                return dict(json.loads(text[text.index("{") : text.rindex("}") + 1]))
            time.sleep(0.2)
        raise RuntimeError("the emulator did not start in 10 minutes")

    def connection_config(self, auth: str = "tba") -> dict[str, Any]:
        assert auth == "tba"
        return dict(self.info["connection_config"])

    def counters(self) -> dict[str, Any]:
        response = self.admin.get(f"{self.base_url}/sandbox/counters", timeout=30)
        response.raise_for_status()
        return dict(response.json())

    def record_payment(
        self, customer: str, amount: Decimal, applications: dict[str, Decimal]
    ) -> None:
        body = {
            "customer_id": customer,
            "amount": str(amount),
            "applications": {k: str(v) for k, v in applications.items()},
        }
        url = f"{self.base_url}/sandbox/mutations/record_payment"
        self.admin.post(url, json=body, timeout=30).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self) -> RemoteSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- the bare pager -----------------------------------------------------------------------------
class BarePager:
    """The least a client must do: signed SuiteQL POSTs, keyset paging, retry on 429/5xx."""

    def __init__(self, sb: RemoteSandbox) -> None:
        c = sb.credentials
        self.url = f"{sb.base_url.rstrip('/')}/services/rest/query/v1/suiteql"
        self.session = requests.Session()
        self.session.auth = OAuth1(
            c["consumer_key"],
            client_secret=c["consumer_secret"],
            resource_owner_key=c["token_id"],
            resource_owner_secret=c["token_secret"],
            signature_method="HMAC-SHA256",
            realm=sb.account_id,
        )
        self.requests = 0
        self.rows = 0
        self.timeouts = 0

    def post(self, body: dict[str, Any], offset: int) -> requests.Response | None:
        """One signed SuiteQL POST; None when it must be retried (429, 5xx, timeout)."""
        self.requests += 1
        try:
            response = self.session.post(
                self.url,
                params={"limit": PAGE, "offset": offset},
                json=body,
                headers={"Prefer": "transient"},
                timeout=30,
            )
        except requests.Timeout:
            self.timeouts += 1
            return None
        if response.status_code == 429 or response.status_code >= 500:
            time.sleep(0.01)
            return None
        response.raise_for_status()
        return response

    def page(self, query: str, params: list[str]) -> tuple[list[dict[str, Any]], bool]:
        body: dict[str, Any] = {"q": query, "params": params} if params else {"q": query}
        while (response := self.post(body, 0)) is None:
            pass
        payload = response.json()
        items = [{k.lower(): v for k, v in item.items()} for item in payload["items"]]
        self.rows += len(items)
        return items, bool(payload.get("hasMore"))

    def keyset(self, select: str) -> Iterator[list[dict[str, Any]]]:
        after = "0"
        while True:
            rows, more = self.page(select, [after])
            yield rows
            if not more or not rows:
                return
            after = rows[-1]["id"]

    def fetch_all(self) -> None:
        """The rows the connector reads: every stream keyset-paged, invoices and payments with
        their lines/applications packed in a column (the connector's own query text)."""
        for object_type in ("customer", "contact", "invoice", "payment"):
            query = queries.QUERIES[object_type]
            extra = ()
            if object_type in queries.CHILDREN:
                extra = (queries.CHILDREN[object_type].packed(query.id_column),)
            for _ in self.keyset(query.select([f"{query.id_column} > ?"], (), extra)):
                pass

    def offset_pages(self, query: str) -> Iterator[list[dict[str, Any]]]:
        offset = 0
        while True:
            response = self.post({"q": query}, offset)
            if response is None:
                continue
            payload = response.json()
            self.rows += len(payload["items"])
            yield payload["items"]
            if not payload.get("hasMore"):
                return
            offset += PAGE


# -- equality -----------------------------------------------------------------------------------
def _money(value: Any) -> Decimal | None:
    return None if value is None or value == "" else abs(Decimal(str(value)))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def emulator_data(sb: RemoteSandbox) -> dict[str, Comparable]:
    """The compared fields of every record, read straight from the emulator's database."""
    conn = sqlite3.connect(sb.path)
    try:
        q = conn.execute
        customers = {
            str(i): (_text(email), _text(phone), code, active == "F")
            for i, email, phone, code, active in q(
                "SELECT c.id, c.email, c.phone, cur.symbol, c.isinactive FROM customer c "
                "JOIN currency cur ON cur.id = c.currency"
            )
        }
        contacts = {
            str(i): (str(company), _text(email), _text(phone))
            for i, company, email, phone in q("SELECT id, company, email, phone FROM contact")
        }
        lines: dict[str, list[tuple[str, Decimal | None]]] = {}
        for invoice, line, amount in q(
            'SELECT tl."transaction", tl.id, tl.foreignamount FROM transactionline tl '
            "WHERE tl.mainline = 'F' AND tl.taxline = 'F' "
            'ORDER BY tl."transaction", tl.linesequencenumber, tl.id'
        ):
            lines.setdefault(str(invoice), []).append((str(line), _money(amount)))
        invoices = {
            str(i): (str(entity), _money(total), _money(due), code, tuple(lines.get(str(i), ())))
            for i, entity, total, due, code in q(
                "SELECT t.id, t.entity, t.foreigntotal, t.foreignamountunpaid, cur.symbol "
                'FROM "transaction" t '
                "JOIN currency cur ON cur.id = t.currency WHERE t.type = 'CustInvc'"
            )
        }
        applied: dict[str, dict[str, Decimal]] = {}
        for payment, invoice, amount in q(
            "SELECT nextdoc, previousdoc, foreignamount FROM nexttransactionlinelink "
            "WHERE previoustype = 'CustInvc'"
        ):
            per = applied.setdefault(str(payment), {})
            per[str(invoice)] = per.get(str(invoice), Decimal(0)) + Decimal(str(amount))
        payments = {
            str(i): (
                str(entity),
                _money(total),
                _money(unused) or Decimal(0),
                tuple(sorted((k, abs(v)) for k, v in applied.get(str(i), {}).items())),
            )
            for i, entity, total, unused in q(
                "SELECT id, entity, foreigntotal, foreignpaymentamountunused "
                "FROM \"transaction\" WHERE type = 'CustPymt'"
            )
        }
    finally:
        conn.close()
    return {"customer": customers, "contact": contacts, "invoice": invoices, "payment": payments}


def hub_data(engine: Any) -> dict[str, Comparable]:
    """The same fields of every record the hub holds (canonical records)."""
    data: dict[str, Comparable] = {}
    data["customer"] = {
        r["external_id"]: (r["email"], r["phone"], r["currency"], r["is_active"])
        for r in iter_canonical(engine, "customer")
    }
    data["contact"] = {
        r["external_id"]: (r["customer_external_id"], r["email"], r["phone"])
        for r in iter_canonical(engine, "contact")
    }
    data["invoice"] = {
        r["external_id"]: (
            r["customer_external_id"],
            _money(r["total"]),
            _money(r["amount_due"]),
            r["currency"],
            tuple((line["external_id"], _money(line["amount"])) for line in r["lines"]),
        )
        for r in iter_canonical(engine, "invoice")
    }
    data["payment"] = {
        r["external_id"]: (
            r["customer_external_id"],
            _money(r["amount"]),
            _money(r["unapplied_amount"]) or Decimal(0),
            tuple(
                sorted((a["invoice_external_id"], _money(a["amount"])) for a in r["applications"])
            ),
        )
        for r in iter_canonical(engine, "payment")
    }
    return data


def compare(sb: RemoteSandbox, engine: Any, label: str) -> bool:
    ours, theirs = hub_data(engine), emulator_data(sb)
    equal = ours == theirs
    counts = ", ".join(f"{k} {len(ours[k])}/{len(theirs[k])}" for k in theirs)
    print(f"  equal after {label}: {'yes' if equal else 'no'} (hub/emulator: {counts})")
    if not equal:
        for kind in theirs:
            bad = [i for i in theirs[kind] if ours[kind].get(i) != theirs[kind][i]]
            extra = set(ours[kind]) - set(theirs[kind])
            if bad or extra:
                print(f"    {kind}: {len(bad)} differ (e.g. {bad[:3]}), {len(extra)} extra")
    return equal


# -- the run ------------------------------------------------------------------------------------
def counts_of(sb: RemoteSandbox) -> dict[str, int]:
    conn = sqlite3.connect(sb.path)
    try:

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        return {
            "top": one(
                "SELECT (SELECT COUNT(*) FROM customer) + (SELECT COUNT(*) FROM contact) + "
                "(SELECT COUNT(*) FROM \"transaction\" WHERE type IN ('CustInvc','CustPymt'))"
            ),
            "lines": one(
                'SELECT COUNT(*) FROM transactionline tl JOIN "transaction" t '
                "ON t.id = tl.\"transaction\" WHERE t.type = 'CustInvc' AND tl.mainline = 'F' "
                "AND tl.taxline = 'F'"
            ),
            "applications": one(
                "SELECT COUNT(*) FROM nexttransactionlinelink WHERE previoustype = 'CustInvc' "
                "AND nexttype = 'CustPymt'"
            ),
            "invoices": one("SELECT COUNT(*) FROM \"transaction\" WHERE type = 'CustInvc'"),
        }
    finally:
        conn.close()


def peak_mb() -> int:
    """Peak resident memory of this process (the hub; the emulator runs apart) so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def record_payments(sb: RemoteSandbox, how_many: int) -> None:
    conn = sqlite3.connect(sb.path)
    try:
        open_invoices = conn.execute(
            'SELECT t.id, t.entity, t.foreignamountunpaid FROM "transaction" t '
            "JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' AND t.status = 'A' "
            "AND t.foreignamountunpaid > 1 AND t.currency = c.currency ORDER BY t.id"
        ).fetchall()
    finally:
        conn.close()
    for invoice, customer, due in random.Random(7).sample(open_invoices, how_many):
        amount = min(Decimal(str(due)), Decimal("1.00") + Decimal(int(invoice) % 500))
        sb.record_payment(str(customer), amount, {str(invoice): amount})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=120_000)
    parser.add_argument("--customers", type=int, default=1_500)
    parser.add_argument("--payments", type=int, default=40_000)
    parser.add_argument("--new-payments", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ns-bench-"))
    db = folder / "hub.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"  # the hub's listeners use the same database
    started = time.perf_counter()
    with RemoteSandbox(folder, args) as sb:
        n = counts_of(sb)
        print(
            f"emulator: {args.customers} customers, {args.invoices} invoices, {args.payments} "
            f"payments generated in {time.perf_counter() - started:.1f} s; concurrency limit 2, "
            "2% injected HTTP 500"
        )
        host = PluginHost().load()
        set_plugin_host(host)
        engine = make_engine(os.environ["DATABASE_URL"])
        migrate(engine)
        service = ConnectionService(engine, host, SecretBox("bench-key-0123456789abcdef012345"))
        config = {**sb.connection_config(auth="tba"), "concurrency": 2}
        connection = service.add("ns", "netsuite", config)
        assert connection.id is not None

        pager = BarePager(sb)
        t0 = time.perf_counter()
        pager.fetch_all()
        bare_seconds = time.perf_counter() - t0
        print(
            f"bare SuiteQL pager: {bare_seconds:.1f} s, {pager.requests} requests "
            f"({pager.timeouts} timed out and retried), {pager.rows} rows; peak RSS {peak_mb()} MB"
        )

        faults_before = sb.counters().get("faults_500", 0)
        t0 = time.perf_counter()
        run = run_sync(engine, connection.id, connections=service)
        full_seconds = time.perf_counter() - t0
        assert run.status == "succeeded", (run.status, run.error)
        faults = sb.counters().get("faults_500", 0) - faults_before
        stored = n["top"] + n["lines"] + n["applications"]
        req = run.http_requests
        print(
            f"full sync: {full_seconds:.1f} s = {full_seconds / bare_seconds:.2f}x the bare pager; "
            f"{req} HTTP requests ({faults} injected 500s retried); peak RSS {peak_mb()} MB"
        )
        print(
            f"  per 1,000 records synced ({n['top']}): {req * 1000 / n['top']:.2f} "
            "(target <= 1.1; one request per record for REST-record connectors = 1,000)"
        )
        print(
            f"  per 1,000 stored records incl. lines+applications ({stored}): "
            f"{req * 1000 / stored:.2f}"
        )
        ok = [compare(sb, engine, "full sync")]

        for label in ("first incremental", "second incremental"):
            record_payments(sb, args.new_payments)
            t0 = time.perf_counter()
            again = run_sync(engine, connection.id, connections=service)
            assert again.status == "succeeded", (again.status, again.error)
            reread = {k: v["fetched"] for k, v in again.counts.items()}
            print(
                f"{label} sync after {args.new_payments} new payments: {again.http_requests} "
                f"requests, {time.perf_counter() - t0:.1f} s; records read {reread}"
            )
            ok.append(compare(sb, engine, label))
        print(f"equal: {'yes' if all(ok) else 'no'}")
        engine.dispose()


if __name__ == "__main__":
    main()
