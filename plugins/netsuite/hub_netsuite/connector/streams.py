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

Invoices with lines come from one query joining ``transactionline`` (one row per line), keyset
paged on ``(invoice id, line id)`` and regrouped by :class:`InvoiceGrouper`; ``after`` is then
the last *complete* invoice handed out.
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
from hub_netsuite.connector.invoicerows import InvoiceGrouper
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
        if self.joined_lines:
            yield from self._read_joined(cursor, run)
            return
        while True:
            page = self._page(run["since"], run["after"])
            rows = page.items
            _observe(rows, run)
            self._attach_children(rows)
            if rows:
                run["after"] = rows[-1]["id"]
            if page.has_more and rows:
                yield Page(records=rows, state={"cursor": cursor, "run": dict(run)})
                continue
            yield self._last_page(rows, cursor, run)
            return

    @property
    def joined_lines(self) -> bool:
        """Invoices with lines come from one joined query (one request per page of rows)."""
        return self.object_type == "invoice" and self.config.invoice_lines

    def _read_joined(self, cursor: str | None, run: dict[str, Any]) -> Iterator[Page]:
        """Invoices regrouped from the joined header+line query, never split across pages.

        The state's ``after`` is the last *complete* invoice handed out, so a resumed run
        re-reads an invoice whose lines straddled the page boundary from its first line.
        """
        grouper = InvoiceGrouper()
        position: tuple[str, str | None] = (run["after"], None)
        while True:
            page = self._joined_page(run["since"], position)
            _observe(page.items, run)
            done = grouper.add(page.items)
            if grouper.position is not None:
                position = grouper.position
            if page.has_more and page.items:
                if done:
                    run["after"] = done[-1]["id"]
                    yield Page(records=done, state={"cursor": cursor, "run": dict(run)})
                continue
            done.extend(grouper.flush())
            if done:
                run["after"] = done[-1]["id"]
            yield self._last_page(done, cursor, run)
            return

    def _last_page(
        self, records: list[dict[str, Any]], cursor: str | None, run: Mapping[str, Any]
    ) -> Page:
        deleted = self._deleted(run["since"]) if run["since"] else []
        return Page(records=records, state={"cursor": _next_cursor(cursor, run)}, deleted=deleted)

    def _joined_page(self, since_value: str | None, position: tuple[str, str | None]) -> Any:
        conditions: list[str] = []
        params: list[str] = []
        if since_value:
            condition, count = self.query.changed_since()
            conditions.append(condition)
            params.extend([since_value] * count)
        invoice_id, line_id = position
        keyset, _ = queries.after_invoice_line(line_id)
        conditions.append(keyset)
        params.extend([invoice_id] if line_id is None else [invoice_id, invoice_id, line_id])
        text = queries.invoices_with_lines(conditions, self.header_fields, self.line_fields)
        return self.client.suiteql(text, params)

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
        if self.joined_lines:
            text = queries.invoices_with_lines(["t.id = ?"], self.header_fields, self.line_fields)
            grouper = InvoiceGrouper()
            rows = self.client.suiteql_all(text, [external_id])
            for row in rows:
                row.pop(SERVER_NOW, None)
            found = [*grouper.add(rows), *grouper.flush()]
            return found[0] if found else None
        text = self.query.select([f"{self.query.id_column} = ?"], self.header_fields)
        rows = list(self.client.suiteql(text, [external_id], limit=1).items)
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
        if self.object_type == "invoice":  # lines not wanted (joined_lines reads them)
            for row in rows:
                row["lines"] = []
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


def _observe(rows: list[dict[str, Any]], run: dict[str, Any]) -> None:
    """Record the server clock of the run's first row and the newest modification seen."""
    for row in rows:
        now = row.pop(SERVER_NOW, None)
        if run["start"] is None and now:
            run["start"] = now
        seen = row.get("lastmodified")
        if seen and (run["max_seen"] is None or seen > run["max_seen"]):
            run["max_seen"] = seen


def _next_cursor(old: str | None, run: Mapping[str, Any]) -> str | None:
    candidates = [c for c in (run.get("max_seen"), run.get("start")) if c]
    if not candidates:
        return old
    new = min(candidates)
    return old if old and new < old else new
