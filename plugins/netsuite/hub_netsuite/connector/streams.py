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

Children (invoice lines, payment applications) normally travel *packed* in a column of their
parent's row (``hub_netsuite.connector.packed``), so a page of 1,000 invoices is one request
however many lines they hold. When NetSuite refuses the packed query (a ``LISTAGG`` result over
4,000 bytes, or an account that does not accept it), that page is read again as plain parent rows
plus one flat query for their children; after :data:`MAX_PACKED_REFUSALS` refusals in a row the
stream stops trying (recorded as ``"unpacked": true`` in its state until a full sync). Likewise an
account that refuses the link-table subquery of the incremental filter gets the changed links
read flat and written into the filter as ids (``"flat_links": true``).

With ``aggregate_children`` off, invoices with lines come from one query joining
``transactionline`` (one row per line), keyset paged on ``(invoice id, line id)`` and regrouped
by :class:`InvoiceGrouper`; ``after`` is then the last *complete* invoice handed out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hub import Page
from hub_netsuite.connector import queries
from hub_netsuite.connector.client import NetSuiteClient
from hub_netsuite.connector.config import NetSuiteConfig
from hub_netsuite.connector.errors import QueryRefused
from hub_netsuite.connector.invoicerows import InvoiceGrouper
from hub_netsuite.connector.packed import PackError, unpack
from hub_netsuite.connector.queries import SERVER_NOW, Children, StreamQuery

_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Consecutive refusals of the packed query after which a stream reads children as rows.
MAX_PACKED_REFUSALS = 3


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
        lines_wanted = object_type != "invoice" or config.invoice_lines
        self.children: Children | None = queries.CHILDREN.get(object_type) if lines_wanted else None
        # Custom line fields keep the joined query: packed text would lose their date format.
        self.packing = bool(self.children and config.aggregate_children and not self.line_fields)
        #: True once the account refused packing (this run or, through the state, an earlier one).
        self.unpacked = False
        self._refusals = 0
        #: False once the account refused the link-table subquery of the incremental filter.
        self.link_subqueries = True
        self._linked: dict[str, list[str]] = {}

    # -- paging ---------------------------------------------------------------------------------
    def read(self, state: Mapping[str, Any] | None) -> Iterator[Page]:
        """Pages of rows changed since the state's cursor (all rows without one)."""
        state = dict(state or {})
        cursor: str | None = state.get("cursor")
        if state.get("unpacked"):
            self.unpacked, self.packing = True, False
        if state.get("flat_links"):
            self.link_subqueries = False
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
            if rows:
                run["after"] = rows[-1]["id"]
            if page.has_more and rows:
                yield Page(records=rows, state=self._state(cursor, run=dict(run)))
                continue
            yield self._last_page(rows, cursor, run)
            return

    @property
    def joined_lines(self) -> bool:
        """Invoices with lines from one joined query, one row per line (packing off)."""
        return self.object_type == "invoice" and self.config.invoice_lines and not self.packing

    def _state(self, cursor: str | None, **extra: Any) -> dict[str, Any]:
        state: dict[str, Any] = {"cursor": cursor, **extra}
        if self.unpacked:
            state["unpacked"] = True
        if not self.link_subqueries:
            state["flat_links"] = True
        return state

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
                    yield Page(records=done, state=self._state(cursor, run=dict(run)))
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
        return Page(records=records, state=self._state(_next_cursor(cursor, run)), deleted=deleted)

    def _joined_page(self, since_value: str | None, position: tuple[str, str | None]) -> Any:
        def attempt() -> Any:
            conditions, params = self._changed(since_value)
            invoice_id, line_id = position
            keyset, _ = queries.after_invoice_line(line_id)
            conditions.append(keyset)
            params.extend([invoice_id] if line_id is None else [invoice_id, invoice_id, line_id])
            text = queries.invoices_with_lines(conditions, self.header_fields, self.line_fields)
            return self.client.suiteql(text, params)

        return self._links_fallback(since_value, attempt)

    def _page(self, since_value: str | None, after: str) -> Any:
        def attempt() -> Any:
            conditions, params = self._changed(since_value)
            conditions.append(f"{self.query.id_column} > ?")
            params.append(after)
            return self._rows(conditions, params)

        return self._links_fallback(since_value, attempt)

    # -- the incremental filter -----------------------------------------------------------------
    def _changed(self, since_value: str | None) -> tuple[list[str], list[str]]:
        """Conditions and parameters selecting rows changed since ``since_value`` (none for a
        full read): a changed header, or (transactions) a changed payment-application link."""
        if not since_value:
            return [], []
        if self.query.link_column is None or self.link_subqueries:
            condition, count = self.query.changed_since()
            return [condition], [since_value] * count
        ids = self._linked_ids(since_value)
        return [self.query.changed_since_ids(ids)], [since_value]

    def _linked_ids(self, since_value: str) -> list[str]:
        """Ids whose links changed since ``since_value``, read flat once per run."""
        if since_value not in self._linked:
            rows = self.client.suiteql_all(self.query.changed_links(), [since_value])
            self._linked[since_value] = sorted({row["docid"] for row in rows}, key=int)
        return self._linked[since_value]

    def _links_fallback(self, since_value: str | None, attempt: Callable[[], Any]) -> Any:
        """Run ``attempt``; if NetSuite refuses the link subquery, read the linked ids flat and
        run it again with the ids written out (and keep doing so for this stream)."""
        uses_subquery = bool(since_value and self.query.link_column and self.link_subqueries)
        if not uses_subquery:
            return attempt()
        try:
            return attempt()
        except QueryRefused as exc:
            if exc.hidden_table is not None:
                raise
            self.link_subqueries = False
            self.client.log.warning(
                "NetSuite refused the %s query with a NextTransactionLineLink subquery (%s); "
                "reading changed links with a separate query from now on",
                self.object_type,
                exc.detail or exc.code,
            )
        return attempt()

    def _rows(self, conditions: list[str], params: list[str], limit: int | None = None) -> Any:
        """One page of parent rows with their children attached (packed when possible)."""
        if self.packing and self.children is not None:
            packed = self.children.packed(self.query.id_column)
            text = self.query.select(conditions, self.header_fields, (packed,))
            try:
                page = self.client.suiteql(text, params, limit=limit)
            except QueryRefused as exc:
                if exc.hidden_table is not None:
                    raise
                self._packed_refused(exc)
            else:
                self._refusals = 0
                self._unpack_children(page.items, self.children)
                return page
        text = self.query.select(conditions, self.header_fields)
        page = self.client.suiteql(text, params, limit=limit)
        self._attach_children(page.items)
        return page

    def _packed_refused(self, exc: QueryRefused) -> None:
        self._refusals += 1
        log = self.client.log
        log.warning(
            "NetSuite refused the packed %s query (%s); reading this page's children as rows",
            self.object_type,
            exc.detail or exc.code,
        )
        if self._refusals >= MAX_PACKED_REFUSALS:
            self.unpacked, self.packing = True, False
            log.warning(
                "%d refusals in a row: %s children are read as rows until the next full sync "
                "(set aggregate_children to false to stop trying)",
                self._refusals,
                self.object_type,
            )

    def probe(self, max_retries: int | None = None) -> None:
        """One real one-row query of this stream as the sync will run it, children included
        (raises like :meth:`read` would, e.g. for a child table the role cannot see)."""
        if self.packing and self.children is not None:
            packed = self.children.packed(self.query.id_column)
            text = self.query.select([], self.header_fields, (packed,))
            try:
                self.client.suiteql(text, limit=1, max_retries=max_retries)
                return
            except QueryRefused as exc:
                if exc.hidden_table is not None:
                    raise
                self.client.log.warning(
                    "NetSuite refused the packed %s query (%s); syncs will read its children "
                    "as rows",
                    self.object_type,
                    exc.detail or exc.code,
                )
        text = self.query.select([], self.header_fields)
        self.client.suiteql(text, limit=1, max_retries=max_retries)
        if self.children is not None:
            self.client.suiteql(self.children.rows_of(["0"]), limit=1, max_retries=max_retries)

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
        rows = list(self._rows([f"{self.query.id_column} = ?"], [external_id], limit=1).items)
        if not rows:
            return None
        rows[0].pop(SERVER_NOW, None)
        return rows[0]

    # -- children -------------------------------------------------------------------------------
    def _unpack_children(self, rows: list[dict[str, Any]], children: Children) -> None:
        """Decode the packed column of each row; rows that do not decode are re-read as rows."""
        undecoded: list[dict[str, Any]] = []
        for row in rows:
            text = row.pop(children.column, None)
            try:
                found = unpack(text, children.names) if text else []
            except PackError as exc:
                self.client.log.warning(
                    "%s %s: packed children did not decode (%s); reading them as rows",
                    self.object_type,
                    row.get("id"),
                    exc,
                )
                undecoded.append(row)
                continue
            row[children.key] = self._finish_children(found)
        self._attach_children(undecoded)

    def _attach_children(self, rows: list[dict[str, Any]]) -> None:
        """Read the children of ``rows`` with one flat query (offset-paged) and attach them."""
        if not rows:
            return
        if self.children is None:
            if self.object_type == "invoice":  # lines not wanted
                for row in rows:
                    row["lines"] = []
            return
        found: dict[str, list[dict[str, str]]] = {row["id"]: [] for row in rows}
        for child in self.client.suiteql_all(self.children.rows_of(found)):
            found.setdefault(child.pop("parentid"), []).append(child)
        for row in rows:
            row[self.children.key] = self._finish_children(found[row["id"]])

    def _finish_children(self, children: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Children as the mappings expect them: a payment's applications summed per invoice
        (one invoice can be paid through several of its lines)."""
        if self.object_type != "payment":
            return list(children)
        applied: dict[str, Decimal] = {}
        for link in children:
            invoice = link["invoiceid"]
            applied[invoice] = applied.get(invoice, Decimal(0)) + Decimal(link.get("applied", "0"))
        return [
            {"invoiceid": invoice, "applied": str(amount)} for invoice, amount in applied.items()
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
