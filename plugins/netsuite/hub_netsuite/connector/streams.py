"""Reading streams: keyset paging on id, incremental windows, child rows and deletions.

State of a stream (small, JSON, never ahead of what was committed)::

    {"cursor": "2026-05-01 10:00:00"}                          # between runs
    {"cursor": ..., "run": {"since": ..., "after": "1234",     # after each page of a run
                            "start": ..., "max_seen": ...}}

``cursor`` is a wall-clock time in the account's zone (what ``TO_CHAR`` renders). A run reads
rows changed at or after ``cursor - overlap`` in id order, resuming after ``after``. When it
ends, the new cursor is the earlier of the newest ``lastmodifieddate`` seen and the server's
clock when the run started, so rows changed behind the keyset while the run was going are read
again next time; the overlap covers commits that became visible late. Rows read twice are
harmless: the hub upserts by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hub import Page
from hub_netsuite.connector import queries
from hub_netsuite.connector.client import NetSuiteClient
from hub_netsuite.connector.config import NetSuiteConfig
from hub_netsuite.connector.errors import QueryRefused
from hub_netsuite.connector.queries import SERVER_NOW, StreamQuery

_FORMAT = "%Y-%m-%d %H:%M:%S"


def shift(stamp: str, minutes: int) -> str:
    """``stamp`` moved back by ``minutes`` (wall clock)."""
    return (datetime.strptime(stamp, _FORMAT) - timedelta(minutes=minutes)).strftime(_FORMAT)


class StreamReader:
    """Reads the rows of one canonical object as the default mappings expect them."""

    def __init__(self, client: NetSuiteClient, config: NetSuiteConfig, object_type: str) -> None:
        self.client = client
        self.config = config
        self.object_type = object_type
        self.query: StreamQuery = queries.QUERIES[object_type]
        wanted = config.custom_fields.get(object_type, ())
        self.header_fields = tuple(f for f in wanted if not f.startswith("custcol_"))
        self.line_fields = tuple(f for f in wanted if f.startswith("custcol_"))

    # -- paging ---------------------------------------------------------------------------------
    def read(self, state: Mapping[str, Any] | None) -> Iterator[Page]:
        """Pages of rows changed since the state's cursor (all rows without one)."""
        state = dict(state or {})
        cursor: str | None = state.get("cursor")
        run = dict(state.get("run") or {})
        if not run:
            run = {
                "since": shift(cursor, self.config.overlap_minutes) if cursor else None,
                "after": "0",
                "start": None,
                "max_seen": None,
            }
        while True:
            page = self._page(run["since"], run["after"])
            rows = page.items
            for row in rows:
                now = row.pop(SERVER_NOW, None)
                if run["start"] is None and now:
                    run["start"] = now
                seen = row.get("lastmodified")
                if seen and (run["max_seen"] is None or seen > run["max_seen"]):
                    run["max_seen"] = seen
            self._attach_children(rows)
            if rows:
                run["after"] = rows[-1]["id"]
            if page.has_more and rows:
                yield Page(records=rows, state={"cursor": cursor, "run": dict(run)})
                continue
            deleted = self._deleted(run["since"]) if run["since"] else []
            yield Page(records=rows, state={"cursor": _next_cursor(cursor, run)}, deleted=deleted)
            return

    def _page(self, since_value: str | None, after: str) -> Any:
        conditions: list[str] = []
        params: list[str] = []
        if since_value:
            condition, count = self.query.changed_since()
            conditions.append(condition)
            params.extend([since_value] * count)
        conditions.append(f"{self.query.id_column} > ?")
        params.append(after)
        text = self.query.select(conditions, self.header_fields)
        return self.client.suiteql(text, params)

    def probe(self, max_retries: int | None = None) -> None:
        """One real one-row query of this stream (raises like :meth:`read` would)."""
        text = self.query.select([], self.header_fields)
        self.client.suiteql(text, limit=1, max_retries=max_retries)

    def fetch(self, external_id: str) -> dict[str, Any] | None:
        """The current row of one record (with its lines or applications), or None."""
        if not str(external_id).isdigit():
            return None
        text = self.query.select([f"{self.query.id_column} = ?"], self.header_fields)
        rows: list[dict[str, Any]] = list(self.client.suiteql(text, [external_id], limit=1).items)
        if not rows:
            return None
        rows[0].pop(SERVER_NOW, None)
        self._attach_children(rows)
        return rows[0]

    # -- children -------------------------------------------------------------------------------
    def _attach_children(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        ids = [row["id"] for row in rows]
        if self.object_type == "invoice":
            lines: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
            if self.config.invoice_lines:
                for line in self.client.suiteql_all(queries.invoice_lines(ids, self.line_fields)):
                    lines.setdefault(line.pop("invoiceid"), []).append(line)
            for row in rows:
                row["lines"] = lines.get(row["id"], [])
        elif self.object_type == "payment":
            applied: dict[str, dict[str, Decimal]] = {i: {} for i in ids}
            for link in self.client.suiteql_all(queries.payment_applications(ids)):
                per_invoice = applied.setdefault(link["paymentid"], {})
                invoice = link["invoiceid"]
                amount = Decimal(link.get("applied", "0"))
                per_invoice[invoice] = per_invoice.get(invoice, Decimal(0)) + amount
            for row in rows:
                row["applications"] = [
                    {"invoiceid": invoice, "applied": str(amount)}
                    for invoice, amount in applied.get(row["id"], {}).items()
                ]

    # -- deletions ------------------------------------------------------------------------------
    def _deleted(self, since_value: str) -> list[str]:
        try:
            rows = self.client.suiteql_all(
                queries.deletions(self.query.deleted_type), [since_value]
            )
        except QueryRefused as exc:
            if exc.hidden_table is None:
                raise
            self.client.log.warning(
                "the NetSuite role cannot read deletedrecord; deletions of %s are not synced "
                "(give the role the 'Deleted Records' permission)",
                self.object_type,
            )
            return []
        return sorted({row["recordid"] for row in rows}, key=int)


def _next_cursor(old: str | None, run: Mapping[str, Any]) -> str | None:
    candidates = [c for c in (run.get("max_seen"), run.get("start")) if c]
    if not candidates:
        return old
    new = min(candidates)
    return old if old and new < old else new
