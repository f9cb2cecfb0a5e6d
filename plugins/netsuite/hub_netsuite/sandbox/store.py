"""`SandboxStore`: the data layer of the NetSuite sandbox behind one small facade.

It owns the SQLite file (WAL, one connection per thread), answers SuiteQL and record-service
reads, and applies mutations the way NetSuite would (each bumps ``lastmodifieddate``, keeps
invoice amounts and statuses consistent, writes link and deleted-record rows).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hub_netsuite.sandbox import applications as applications_
from hub_netsuite.sandbox import invoicing, mutations, schema
from hub_netsuite.sandbox.mutations import Mutation, refresh_balances
from hub_netsuite.sandbox.qfilter import QueryFilter
from hub_netsuite.sandbox.records import (
    SPECS,
    RecordError,
    RecordReader,
    invalid_value,
    spec_for,
)
from hub_netsuite.sandbox.settings import SandboxSettings
from hub_netsuite.sandbox.suiteql import (
    Rendering,
    SuiteQLEngine,
    SuiteQLError,
    SuiteQLResult,
    register_functions,
)

__all__ = [
    "RecordError",
    "SandboxSettings",
    "SandboxStore",
    "SuiteQLError",
    "SuiteQLResult",
    "refresh_balances",
]

log = logging.getLogger(__name__)
ChangeListener = Callable[[str, str, str], None]
CENT = Decimal("0.01")


class SandboxStore:
    """The emulated account's data: SuiteQL, record service and mutations."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        settings: SandboxSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.settings = settings or SandboxSettings()
        #: Current time of the emulated account (aware); tests may replace it to move time.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.rendering = Rendering(
            timezone=ZoneInfo(self.settings.timezone),
            date_format=self.settings.date_format,
            datetime_format=self.settings.datetime_format,
            now=lambda: self.clock(),
        )
        self.engine = SuiteQLEngine(
            self.rendering,
            oneworld=self.settings.oneworld,
            hidden_tables=self.settings.hidden_tables,
            refused_constructs=self.settings.refused_constructs,
        )
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._owned: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self._generation = 0
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        with conn:
            schema.create_schema(conn)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def generate(
        cls,
        path: str | os.PathLike[str],
        *,
        customers: int = 50,
        invoices: int = 200,
        payments: int = 80,
        seed: int = 1,
        settings: SandboxSettings | None = None,
        today: date | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> SandboxStore:
        """Create (or replace the data of) a store filled with a deterministic realistic account."""
        from hub_netsuite.sandbox.generator import GeneratorOptions, populate

        store = cls(path, settings, clock=clock)
        zone = store.rendering.timezone
        now = store.clock()
        day = today or now.astimezone(zone).date()
        if today is not None:
            now = datetime(day.year, day.month, day.day, 17, 0, tzinfo=zone).astimezone(UTC)
        options = GeneratorOptions(
            customers=customers,
            invoices=invoices,
            payments=payments,
            seed=seed,
            today=day,
            now=now,
            timezone=zone,
            multi_currency=store.settings.multi_currency,
            signed_line_amounts=store.settings.signed_line_amounts,
            payment_touches_invoice=store.settings.payment_touches_invoice,
        )
        with store._write_lock:
            conn = store._conn()
            with conn:
                populate(conn, options)
            store._generation += 1
        return store

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA case_sensitive_like=ON")
            register_functions(conn, self.rendering)
            self._local.conn = conn
            with self._connections_lock:
                # The threaded server runs each request on a new thread: close the connections of
                # threads that have ended, or their page caches pile up for the process's life.
                alive = []
                for owner, other in self._owned:
                    if owner() is None or not owner().is_alive():  # type: ignore[union-attr]
                        other.close()
                        self._connections.remove(other)
                    else:
                        alive.append((owner, other))
                self._owned = [*alive, (weakref.ref(threading.current_thread()), conn)]
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._owned.clear()
        self._local = threading.local()

    # -- reads ----------------------------------------------------------------------------------
    def suiteql(
        self,
        query: str,
        params: Sequence[object] | None = None,
        *,
        limit: int = 1000,
        offset: int = 0,
    ) -> SuiteQLResult:
        """One page of a SuiteQL query (paging rules are the server's job) and totalResults."""
        conn = self._conn()
        conn.row_factory = None
        try:
            return self.engine.execute(
                conn, query, params, limit=limit, offset=offset, generation=self._generation
            )
        finally:
            conn.row_factory = sqlite3.Row

    def list_ids(
        self, record_type: str, *, q: str | None = None, limit: int = 1000, offset: int = 0
    ) -> tuple[list[str], int]:
        """Ids (as strings) of one page of a record collection, filtered by ``q``; and the total."""
        spec = spec_for(record_type)
        condition, params = "1 = 1", list[object]()
        if q is not None and q.strip():
            condition, params = QueryFilter(spec, self.rendering).compile(q)
        where = f"{spec.where()} AND {condition}"
        conn = self._conn()
        rows = conn.execute(
            f'SELECT "id" FROM "{spec.table}" WHERE {where} ORDER BY "id" LIMIT ? OFFSET ?',
            [*params, limit, offset],
        ).fetchall()
        total = conn.execute(
            f'SELECT COUNT(*) FROM "{spec.table}" WHERE {where}', params
        ).fetchone()
        return [str(row[0]) for row in rows], int(total[0])

    def get_record(
        self,
        record_type: str,
        record_id: str,
        *,
        expand_sub_resources: bool = False,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The camelCase REST body of a record (no top-level ``links``); 404 RecordError."""
        spec = spec_for(record_type)
        return RecordReader(self._conn()).body(
            spec, str(record_id), expand=expand_sub_resources, fields=fields
        )

    def counts(self) -> dict[str, int]:
        """Rows per record type (and deleted-record rows), for the CLI."""
        conn = self._conn()
        out: dict[str, int] = {}
        for name, spec in SPECS.items():
            row = conn.execute(
                f'SELECT COUNT(*) FROM "{spec.table}" WHERE {spec.where()}'
            ).fetchone()
            out[name] = int(row[0])
        out["deletedRecord"] = int(
            conn.execute('SELECT COUNT(*) FROM "deletedrecord"').fetchone()[0]
        )
        return out

    # -- change plumbing --------------------------------------------------------------------------
    def add_change_listener(self, callback: ChangeListener) -> None:
        """Call ``callback(record_type, record_id, event)`` after each committed mutation."""
        self._listeners.append(callback)

    @contextmanager
    def _mutation(self) -> Iterator[Mutation]:
        with self._write_lock:
            conn = self._conn()
            mutation = Mutation(conn, self.settings, self.clock, self.rendering.timezone)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield mutation
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            self._generation += 1
        for event in mutation.events:
            for listener in list(self._listeners):
                try:
                    listener(*event)
                except Exception:  # a listener must never break the mutation
                    log.exception("sandbox change listener failed for %s", event)

    # -- entity mutations -------------------------------------------------------------------------
    def create_customer(self, **fields: Any) -> str:
        """Create a customer from SuiteQL column values; returns its id."""
        with self._mutation() as m:
            return mutations.create_customer(m, fields)

    def update_customer(self, customer_id: str, **fields: Any) -> None:
        """Edit customer columns (SuiteQL names); bumps ``lastmodifieddate``."""
        with self._mutation() as m:
            mutations.update_entity(m, "customer", customer_id, fields)

    def update_contact(self, contact_id: str, **fields: Any) -> None:
        """Edit contact columns (SuiteQL names); bumps ``lastmodifieddate``."""
        with self._mutation() as m:
            mutations.update_entity(m, "contact", contact_id, fields)

    def patch_record(
        self,
        record_type: str,
        record_id: str,
        body: Mapping[str, Any],
        *,
        strict_property_names: bool = False,
    ) -> None:
        """REST PATCH of a customer or contact (camelCase body); bumps ``lastmodifieddate``.

        Unknown property names are ignored like NetSuite's default
        ``X-NetSuite-PropertyNameValidation: warning``; ``strict_property_names`` turns them into
        400 INVALID_CONTENT errors. Read-only fields are ignored.
        """
        spec = spec_for(record_type)
        columns = mutations.patch_columns(
            self._conn(), spec, record_id, body, strict_property_names=strict_property_names
        )
        if columns:
            with self._mutation() as m:
                mutations.update_entity(m, spec.table, record_id, columns)

    # -- transaction mutations ----------------------------------------------------------------------
    def create_invoice(
        self,
        customer_id: str,
        lines: Sequence[Mapping[str, Any]],
        *,
        currency: str | None = None,
        trandate: date | None = None,
        duedate: date | None = None,
        approved: bool = True,
    ) -> str:
        """Create an invoice; lines take ``amount`` or ``quantity`` + ``rate``, optional
        ``item`` (id) and ``description``. Returns the new id."""
        if not lines:
            raise invalid_value("item", "[]")
        with self._mutation() as m:
            return invoicing.create_invoice(
                m,
                customer_id,
                lines,
                currency=currency,
                trandate=trandate,
                duedate=duedate,
                approved=approved,
            )

    def approve_invoice(self, invoice_id: str) -> None:
        """Approve a pending-approval invoice: it becomes Open (A), Approved and posting, bumps
        ``lastmodifieddate`` and emits an ``edit`` event. 404 if it is not an invoice,
        USER_ERROR if it is not pending approval."""
        with self._mutation() as m:
            invoicing.approve_invoice(m, invoice_id)

    def record_payment(
        self,
        customer_id: str,
        amount: Decimal,
        applications: Mapping[str, Decimal] | None = None,
        *,
        trandate: date | None = None,
    ) -> str:
        """Record a customer payment and apply it to invoices (oldest first when
        ``applications`` is None). Updates amounts, statuses and the link table."""
        with self._mutation() as m:
            return applications_.record_payment(
                m, customer_id, amount, applications, trandate=trandate
            )

    def apply_credit_memo(
        self, credit_memo_id: str, applications: Mapping[str, Decimal] | None = None
    ) -> None:
        """Apply a credit memo's unapplied amount to open invoices of its customer
        (``{invoice id: amount}``, or oldest due first when None). Updates invoice amounts and
        statuses, the memo's used/unused amounts and status (B when used up), writes link rows,
        bumps ``lastmodifieddate`` and emits the memo's ``edit`` event."""
        with self._mutation() as m:
            applications_.apply_credit_memo(m, credit_memo_id, applications)

    def void_invoice(self, invoice_id: str) -> None:
        """Void an open or pending invoice (no applications allowed): status V, nothing due."""
        with self._mutation() as m:
            invoicing.void_invoice(m, invoice_id)

    def delete_record(self, record_type: str, record_id: str) -> None:
        """Delete a record as NetSuite would and log it in ``deletedrecord``."""
        spec_for(record_type)
        with self._mutation() as m:
            invoicing.delete_record(m, record_type, record_id)
