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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from hub_netsuite.sandbox import schema
from hub_netsuite.sandbox.records import (
    SPECS,
    Field,
    QueryFilter,
    RecordError,
    RecordReader,
    invalid_value,
    not_found,
    spec_for,
)
from hub_netsuite.sandbox.suiteql import (
    Rendering,
    SuiteQLEngine,
    SuiteQLError,
    SuiteQLResult,
    register_functions,
    utc_text,
)

__all__ = [
    "RecordError",
    "SandboxSettings",
    "SandboxStore",
    "SuiteQLError",
    "SuiteQLResult",
]

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
ChangeListener = Callable[[str, str, str], None]


@dataclass
class SandboxSettings:
    """Account features and user preferences the emulated account has."""

    account_id: str = "1234567_SB1"
    timezone: str = "America/Los_Angeles"
    #: User preference formats used for unwrapped SuiteQL dates and ``q`` filter dates.
    date_format: str = "M/D/YYYY"
    datetime_format: str = "M/D/YYYY h:mm am"
    oneworld: bool = False
    multi_currency: bool = True
    #: SuiteQL tables the role may not see ("Record 'x' was not found.").
    hidden_tables: frozenset[str] = frozenset()
    #: UNCONFIRMED (reference §7.4): whether applying a payment bumps the invoice's
    #: ``lastmodifieddate``. Connectors should also poll the link table either way.
    payment_touches_invoice: bool = True
    #: UNCONFIRMED: item lines of invoices/credit memos carry GL-signed (negative) amounts in
    #: ``transactionline`` as practitioners report; the main line is positive.
    signed_line_amounts: bool = True


def _money(value: Any) -> Decimal:
    """A stored number as Decimal rounded to cents (SQLite returns REAL for NUMERIC)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(format(value, ".15g")).quantize(CENT)


def _text(value: Decimal) -> str:
    return str(value.quantize(CENT))


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
        )
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
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
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
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
    def _mutation(self) -> Iterator[tuple[sqlite3.Connection, list[tuple[str, str, str]]]]:
        events: list[tuple[str, str, str]] = []
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn, events
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            self._generation += 1
        for event in events:
            for listener in list(self._listeners):
                try:
                    listener(*event)
                except Exception:  # a listener must never break the mutation
                    log.exception("sandbox change listener failed for %s", event)

    def _now(self) -> str:
        return utc_text(self.clock())

    def _today(self) -> date:
        return self.clock().astimezone(self.rendering.timezone).date()

    # -- entity mutations -------------------------------------------------------------------------
    def create_customer(self, **fields: Any) -> str:
        """Create a customer from SuiteQL column values; returns its id."""
        with self._mutation() as (conn, events):
            values = self._entity_values(conn, "customer", fields)
            now = self._now()
            values.setdefault("isinactive", "F")
            values.setdefault("isperson", "F")
            values.setdefault("currency", 1)
            if "entityid" not in values:
                values["entityid"] = values.get("companyname") or (
                    f"{values.get('firstname', '')} {values.get('lastname', '')}".strip()
                )
            values.update(datecreated=now, lastmodifieddate=now)
            new_id = self._next_id(conn, "customer")
            values["id"] = new_id
            _insert(conn, "customer", values)
            events.append(("customer", str(new_id), "create"))
        return str(new_id)

    def update_customer(self, customer_id: str, **fields: Any) -> None:
        """Edit customer columns (SuiteQL names); bumps ``lastmodifieddate``."""
        self._update_entity("customer", customer_id, fields)

    def update_contact(self, contact_id: str, **fields: Any) -> None:
        """Edit contact columns (SuiteQL names); bumps ``lastmodifieddate``."""
        self._update_entity("contact", contact_id, fields)

    def _update_entity(self, table: str, record_id: str, fields: Mapping[str, Any]) -> None:
        with self._mutation() as (conn, events):
            self._require(conn, table, record_id)
            values = self._entity_values(conn, table, fields)
            values["lastmodifieddate"] = self._now()
            assignments = ", ".join(f'"{name}" = ?' for name in values)
            conn.execute(
                f'UPDATE "{table}" SET {assignments} WHERE "id" = ?',
                [*values.values(), int(record_id)],
            )
            events.append((table, str(record_id), "edit"))

    def _entity_values(
        self, conn: sqlite3.Connection, table: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        kinds = {c.name: c.kind for c in schema.TABLES[table]}
        values: dict[str, Any] = {}
        for name, value in fields.items():
            column = name.lower()
            if column not in kinds or column in ("id", "datecreated", "lastmodifieddate"):
                raise RecordError(
                    f"Error while accessing resource: Unknown field '{name}'.",
                    "INVALID_CONTENT",
                    400,
                    None,
                    name,
                )
            values[column] = self._column_value(conn, table, column, kinds[column], value)
        return values

    def _column_value(
        self, conn: sqlite3.Connection, table: str, column: str, kind: str, value: Any
    ) -> Any:
        if value is None:
            return None
        if kind == "bool":
            if isinstance(value, bool):
                return "T" if value else "F"
            if value in ("T", "F"):
                return value
            raise invalid_value(column, value)
        if kind in ("int", "number"):
            if column == "currency" and isinstance(value, str) and not value.isdigit():
                return self._currency_id(conn, value)
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise invalid_value(column, value) from None
            if kind == "int":
                if number != number.to_integral_value():
                    raise invalid_value(column, value)
                number_int = int(number)
                ref = schema.column_ref(table, column)
                if ref and not ref.startswith("list:") and ref != "status":
                    found = conn.execute(
                        f'SELECT 1 FROM "{ref}" WHERE "id" = ?', (number_int,)
                    ).fetchone()
                    if found is None:
                        raise invalid_value(column, value)
                return number_int
            return str(number)
        return str(value)

    def _currency_id(self, conn: sqlite3.Connection, code: str) -> int:
        row = conn.execute(
            'SELECT "id" FROM "currency" WHERE "symbol" = ? OR "id" = ?', (code.upper(), code)
        ).fetchone()
        if row is None:
            raise invalid_value("currency", code)
        return int(row[0])

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
        if spec.name not in ("customer", "contact"):
            raise RecordError(
                f"The record type {spec.name} cannot be updated in the sandbox.",
                "INVALID_REQUEST",
                400,
            )
        by_lower = {name.lower(): fld for name, fld in spec.fields.items()}
        columns: dict[str, Any] = {}
        conn = self._conn()
        self._require(conn, spec.table, record_id)
        for name, value in body.items():
            fld = by_lower.get(name.lower())
            if fld is None:
                if strict_property_names:
                    raise RecordError(
                        f"Error while accessing resource: Unknown field '{name}'.",
                        "INVALID_CONTENT",
                        400,
                        None,
                        name,
                    )
                continue
            if not fld.writable:
                continue
            columns[fld.column] = self._patch_value(name, fld, value)
        if columns:
            self._update_entity(spec.table, record_id, columns)

    @staticmethod
    def _patch_value(name: str, fld: Field, value: Any) -> Any:
        if value is None:
            return None
        if fld.kind in ("ref", "list"):
            ref_id = value.get("id") if isinstance(value, Mapping) else value
            if not isinstance(ref_id, str | int) or not str(ref_id).lstrip("-").isdigit():
                raise invalid_value(name, value)
            return int(ref_id)
        if fld.kind == "bool":
            if not isinstance(value, bool):
                raise invalid_value(name, value)
            return value
        if fld.kind in ("number", "int"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise invalid_value(name, value)
            return value
        if not isinstance(value, str):
            raise invalid_value(name, value)
        return value

    @staticmethod
    def _require(conn: sqlite3.Connection, table: str, record_id: str) -> None:
        if not str(record_id).isdigit():
            raise not_found()
        found = conn.execute(f'SELECT 1 FROM "{table}" WHERE "id" = ?', (int(record_id),))
        if found.fetchone() is None:
            raise not_found()

    @staticmethod
    def _next_id(conn: sqlite3.Connection, table: str) -> int:
        return int(conn.execute(f'SELECT COALESCE(MAX("id"), 0) + 1 FROM "{table}"').fetchone()[0])

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
        with self._mutation() as (conn, events):
            customer = self._customer(conn, customer_id)
            currency_id = (
                self._currency_id(conn, currency) if currency else int(customer["currency"] or 1)
            )
            rate = conn.execute(
                'SELECT "exchangerate" FROM "currency" WHERE "id" = ?', (currency_id,)
            ).fetchone()[0]
            day = trandate or self._today()
            if duedate is None:
                days = 0
                if customer["terms"] is not None:
                    days = conn.execute(
                        'SELECT "daysuntilnetdue" FROM "term" WHERE "id" = ?', (customer["terms"],)
                    ).fetchone()[0]
                duedate = day + timedelta(days=int(days or 0))
            priced = [self._priced_line(line) for line in lines]
            total = sum((amount for _, _, amount, _ in priced), Decimal(0))
            now = self._now()
            invoice_id = self._next_id(conn, "transaction")
            sign = -1 if self.settings.signed_line_amounts else 1
            _insert(
                conn,
                "transaction",
                {
                    "id": invoice_id,
                    "tranid": self._next_number(conn, "CustInvc", "INV"),
                    "type": "CustInvc",
                    "recordtype": "invoice",
                    "trandate": day.isoformat(),
                    "duedate": duedate.isoformat(),
                    "entity": int(customer_id),
                    "currency": currency_id,
                    "exchangerate": rate,
                    "foreigntotal": _text(total),
                    "foreignamountpaid": "0",
                    "foreignamountunpaid": _text(total),
                    "status": "A" if approved else "D",
                    "approvalstatus": 2 if approved else 1,
                    "terms": customer["terms"],
                    "posting": "T" if approved else "F",
                    "voided": "F",
                    "createddate": now,
                    "lastmodifieddate": now,
                },
            )
            _insert(conn, "transactionline", _main_line(invoice_id, int(customer_id), total, now))
            for number, (item, quantity, amount, memo) in enumerate(priced, start=1):
                _insert(
                    conn,
                    "transactionline",
                    {
                        "transaction": invoice_id,
                        "id": number,
                        "linesequencenumber": number,
                        "mainline": "F",
                        "taxline": "F",
                        "entity": int(customer_id),
                        "item": item,
                        "memo": memo,
                        "quantity": str(sign * quantity),
                        "rate": _text(amount / quantity) if quantity else None,
                        "foreignamount": _text(sign * amount),
                        "netamount": _text(sign * amount),
                        "linelastmodifieddate": now,
                    },
                )
            self._refresh_balances(conn, [int(customer_id)])
            events.append(("invoice", str(invoice_id), "create"))
        return str(invoice_id)

    @staticmethod
    def _priced_line(line: Mapping[str, Any]) -> tuple[int | None, Decimal, Decimal, str | None]:
        try:
            quantity = Decimal(str(line.get("quantity", 1)))
            if "amount" in line:
                amount = Decimal(str(line["amount"])).quantize(CENT)
            else:
                amount = (quantity * Decimal(str(line["rate"]))).quantize(CENT)
        except (KeyError, InvalidOperation):
            raise invalid_value("item", dict(line)) from None
        if amount <= 0:
            raise invalid_value("amount", amount)
        item = line.get("item")
        memo = line.get("description") or line.get("memo")
        return (int(item) if item is not None else None), quantity, amount, memo

    def _customer(self, conn: sqlite3.Connection, customer_id: str) -> sqlite3.Row:
        if not str(customer_id).isdigit():
            raise invalid_value("entity", customer_id)
        row = conn.execute('SELECT * FROM "customer" WHERE "id" = ?', (int(customer_id),))
        found: sqlite3.Row | None = row.fetchone()
        if found is None:
            raise invalid_value("entity", customer_id)
        return found

    @staticmethod
    def _next_number(conn: sqlite3.Connection, type_code: str, prefix: str) -> str:
        key = f"next_number:{type_code}"
        row = conn.execute('SELECT "value" FROM "ns_meta" WHERE "key" = ?', (key,)).fetchone()
        number = int(row[0]) if row else 10001
        conn.execute('INSERT OR REPLACE INTO "ns_meta" VALUES (?, ?)', (key, str(number + 1)))
        return f"{prefix}{number}"

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
        amount = Decimal(amount).quantize(CENT)
        if amount <= 0:
            raise invalid_value("payment", amount)
        with self._mutation() as (conn, events):
            customer = self._customer(conn, customer_id)
            currency_id = int(customer["currency"] or 1)
            open_invoices = conn.execute(
                'SELECT "id", "foreignamountunpaid", "currency", "exchangerate" FROM "transaction" '
                'WHERE "type" = \'CustInvc\' AND "entity" = ? AND "status" = \'A\' '
                'AND "foreignamountunpaid" > 0 ORDER BY "duedate", "id"',
                (int(customer_id),),
            ).fetchall()
            by_id = {str(row["id"]): row for row in open_invoices}
            plan = self._plan_applications(applications, by_id, amount, currency_id)
            now = self._now()
            day = trandate or self._today()
            payment_id = self._next_id(conn, "transaction")
            used = sum(plan.values(), Decimal(0))
            rate = conn.execute(
                'SELECT "exchangerate" FROM "currency" WHERE "id" = ?', (currency_id,)
            ).fetchone()[0]
            _insert(
                conn,
                "transaction",
                {
                    "id": payment_id,
                    "tranid": self._next_number(conn, "CustPymt", "PYMT"),
                    "type": "CustPymt",
                    "recordtype": "customerpayment",
                    "trandate": day.isoformat(),
                    "entity": int(customer_id),
                    "currency": currency_id,
                    "exchangerate": rate,
                    "foreigntotal": _text(amount),
                    "foreignpaymentamountused": _text(used),
                    "foreignpaymentamountunused": _text(amount - used),
                    "status": "B",
                    "approvalstatus": 2,
                    "posting": "T",
                    "voided": "F",
                    "createddate": now,
                    "lastmodifieddate": now,
                },
            )
            main = _main_line(payment_id, int(customer_id), amount, now)
            main.update(
                foreignamountpaid=None,
                foreignamountunpaid=None,
                foreignpaymentamountused=_text(used),
                foreignpaymentamountunused=_text(amount - used),
            )
            _insert(conn, "transactionline", main)
            for line, (invoice_id, applied) in enumerate(plan.items(), start=1):
                self._apply(conn, invoice_id, payment_id, "CustPymt", line, applied, day, now)
            self._refresh_balances(conn, [int(customer_id)])
            events.append(("customerPayment", str(payment_id), "create"))
        return str(payment_id)

    @staticmethod
    def _plan_applications(
        applications: Mapping[str, Decimal] | None,
        open_invoices: Mapping[str, sqlite3.Row],
        amount: Decimal,
        currency_id: int,
    ) -> dict[str, Decimal]:
        plan: dict[str, Decimal] = {}
        if applications is None:
            left = amount
            for invoice_id, row in open_invoices.items():
                if left <= 0:
                    break
                if int(row["currency"]) != currency_id:
                    continue
                applied = min(left, _money(row["foreignamountunpaid"]))
                plan[invoice_id] = applied
                left -= applied
            return plan
        for invoice_id, value in applications.items():
            applied = Decimal(value).quantize(CENT)
            found = open_invoices.get(str(invoice_id))
            if found is None or int(found["currency"]) != currency_id:
                raise invalid_value("apply.doc", invoice_id)
            if applied <= 0 or applied > _money(found["foreignamountunpaid"]):
                raise invalid_value("apply.amount", applied)
            plan[str(invoice_id)] = applied
        if sum(plan.values(), Decimal(0)) > amount:
            raise invalid_value("payment", amount)
        return plan

    def _apply(
        self,
        conn: sqlite3.Connection,
        invoice_id: str,
        payer_id: int,
        payer_type: str,
        line: int,
        applied: Decimal,
        day: date,
        now: str,
    ) -> None:
        row = conn.execute(
            'SELECT "foreignamountpaid", "foreignamountunpaid", "exchangerate" '
            'FROM "transaction" WHERE "id" = ?',
            (int(invoice_id),),
        ).fetchone()
        paid = _money(row["foreignamountpaid"]) + applied
        unpaid = _money(row["foreignamountunpaid"]) - applied
        status = "B" if unpaid == 0 else "A"
        touch = ', "lastmodifieddate" = ?' if self.settings.payment_touches_invoice else ""
        params: list[Any] = [_text(paid), _text(unpaid), status]
        if touch:
            params.append(now)
        conn.execute(
            f'UPDATE "transaction" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
            f'"status" = ?{touch} WHERE "id" = ?',
            [*params, int(invoice_id)],
        )
        conn.execute(
            'UPDATE "transactionline" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
            '"linelastmodifieddate" = ? WHERE "transaction" = ? AND "mainline" = \'T\'',
            (_text(paid), _text(unpaid), now, int(invoice_id)),
        )
        base = (applied * _money(row["exchangerate"] or 1)).quantize(CENT)
        _insert(
            conn,
            "nexttransactionlinelink",
            {
                "previousdoc": int(invoice_id),
                "previousline": 0,
                "previoustype": "CustInvc",
                "nextdoc": payer_id,
                "nextline": line,
                "nexttype": payer_type,
                "linktype": "Payment",
                "foreignamount": _text(applied),
                "amount": _text(base),
                "linkdate": day.isoformat(),
                "lastmodifieddate": now,
            },
        )

    def void_invoice(self, invoice_id: str) -> None:
        """Void an open or pending invoice (no applications allowed): status V, nothing due."""
        with self._mutation() as (conn, events):
            row = conn.execute(
                'SELECT "voided" FROM "transaction" WHERE "id" = ? AND "type" = \'CustInvc\'',
                (int(invoice_id) if str(invoice_id).isdigit() else -1,),
            ).fetchone()
            if row is None:
                raise not_found()
            if row["voided"] == "T":
                raise RecordError("This transaction has already been voided.", "USER_ERROR", 400)
            applied = conn.execute(
                'SELECT 1 FROM "nexttransactionlinelink" WHERE "previousdoc" = ?',
                (int(invoice_id),),
            ).fetchone()
            if applied is not None:
                raise RecordError(
                    "You cannot void this transaction because payments or credits are applied "
                    "to it.",
                    "USER_ERROR",
                    400,
                )
            now = self._now()
            conn.execute(
                'UPDATE "transaction" SET "voided" = \'T\', "status" = \'V\', "posting" = \'F\', '
                '"foreignamountunpaid" = 0, "lastmodifieddate" = ? WHERE "id" = ?',
                (now, int(invoice_id)),
            )
            conn.execute(
                'UPDATE "transactionline" SET "foreignamountunpaid" = 0, "linelastmodifieddate" = ? '
                'WHERE "transaction" = ? AND "mainline" = \'T\'',
                (now, int(invoice_id)),
            )
            entity = conn.execute(
                'SELECT "entity" FROM "transaction" WHERE "id" = ?', (int(invoice_id),)
            ).fetchone()[0]
            self._refresh_balances(conn, [int(entity)])
            events.append(("invoice", str(invoice_id), "void"))

    def delete_record(self, record_type: str, record_id: str) -> None:
        """Delete a record as NetSuite would and log it in ``deletedrecord``."""
        spec = spec_for(record_type)
        with self._mutation() as (conn, events):
            row = RecordReader(conn).row(spec, str(record_id))
            rid = int(record_id)
            now = self._now()
            if spec.table == "customer":
                has_transactions = conn.execute(
                    'SELECT 1 FROM "transaction" WHERE "entity" = ? LIMIT 1', (rid,)
                ).fetchone()
                if has_transactions is not None:
                    raise _dependent_records()
                conn.execute(
                    'UPDATE "contact" SET "company" = NULL, "lastmodifieddate" = ? '
                    'WHERE "company" = ?',
                    (now, rid),
                )
            elif spec.table == "transaction":
                self._delete_transaction(conn, spec.name, rid, now)
            conn.execute(f'DELETE FROM "{spec.table}" WHERE "id" = ?', (rid,))
            name = row["tranid"] if spec.table == "transaction" else row["entityid"]
            type_code = spec.type_code or spec.name
            _insert(
                conn,
                "deletedrecord",
                {
                    "id": self._next_id(conn, "deletedrecord"),
                    "recordid": rid,
                    "recordtype": spec.name.lower(),
                    "type": type_code,
                    "name": name,
                    "deleteddate": now,
                    "context": "WEBSERVICES",
                },
            )
            if spec.table == "transaction":
                self._refresh_balances(conn, [int(row["entity"])])
            events.append((spec.name, str(rid), "delete"))

    def _delete_transaction(
        self, conn: sqlite3.Connection, record_type: str, rid: int, now: str
    ) -> None:
        if record_type == "invoice":
            applied = conn.execute(
                'SELECT 1 FROM "nexttransactionlinelink" WHERE "previousdoc" = ?', (rid,)
            ).fetchone()
            if applied is not None:
                raise _dependent_records()
        else:
            links = conn.execute(
                'SELECT "previousdoc", "foreignamount" FROM "nexttransactionlinelink" '
                'WHERE "nextdoc" = ?',
                (rid,),
            ).fetchall()
            for link in links:
                self._unapply(conn, int(link["previousdoc"]), _money(link["foreignamount"]), now)
            conn.execute('DELETE FROM "nexttransactionlinelink" WHERE "nextdoc" = ?', (rid,))
        conn.execute('DELETE FROM "transactionline" WHERE "transaction" = ?', (rid,))

    def _unapply(
        self, conn: sqlite3.Connection, invoice_id: int, amount: Decimal, now: str
    ) -> None:
        row = conn.execute(
            'SELECT "foreignamountpaid", "foreignamountunpaid" FROM "transaction" WHERE "id" = ?',
            (invoice_id,),
        ).fetchone()
        paid = _money(row["foreignamountpaid"]) - amount
        unpaid = _money(row["foreignamountunpaid"]) + amount
        conn.execute(
            'UPDATE "transaction" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
            '"status" = \'A\', "lastmodifieddate" = ? WHERE "id" = ?',
            (_text(paid), _text(unpaid), now, invoice_id),
        )
        conn.execute(
            'UPDATE "transactionline" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
            '"linelastmodifieddate" = ? WHERE "transaction" = ? AND "mainline" = \'T\'',
            (_text(paid), _text(unpaid), now, invoice_id),
        )

    def _refresh_balances(self, conn: sqlite3.Connection, customer_ids: Sequence[int]) -> None:
        refresh_balances(conn, self._today(), customer_ids)


def refresh_balances(
    conn: sqlite3.Connection, today: date, customer_ids: Sequence[int] | None = None
) -> None:
    """Recompute ``balancesearch``/``overduebalancesearch`` (base currency) of customers."""
    where = ""
    params: list[Any] = [today.isoformat()]
    if customer_ids is not None:
        where = f' WHERE "id" IN ({", ".join("?" for _ in customer_ids)})'
        params.extend(customer_ids)
    conn.execute(
        'UPDATE "customer" SET '
        '"balancesearch" = ROUND(COALESCE((SELECT SUM(CASE WHEN t."type" = \'CustInvc\' '
        'THEN t."foreignamountunpaid" ELSE -t."foreignpaymentamountunused" END '
        '* t."exchangerate") FROM "transaction" AS t WHERE t."entity" = "customer"."id" '
        "AND t.\"voided\" = 'F' AND t.\"posting\" = 'T'), 0), 2), "
        '"overduebalancesearch" = ROUND(COALESCE((SELECT SUM(t."foreignamountunpaid" '
        '* t."exchangerate") FROM "transaction" AS t WHERE t."entity" = "customer"."id" '
        'AND t."type" = \'CustInvc\' AND t."status" = \'A\' AND t."duedate" < ?1), 0), 2)' + where,
        params,
    )


def _dependent_records() -> RecordError:
    return RecordError(
        "This record cannot be deleted because it has dependent records.", "USER_ERROR", 400
    )


def _main_line(transaction_id: int, entity: int, total: Decimal, now: str) -> dict[str, Any]:
    return {
        "transaction": transaction_id,
        "id": 0,
        "linesequencenumber": 0,
        "mainline": "T",
        "taxline": "F",
        "entity": entity,
        "foreignamount": _text(total),
        "netamount": _text(total),
        "foreignamountpaid": "0",
        "foreignamountunpaid": _text(total),
        "linelastmodifieddate": now,
    }


def _insert(conn: sqlite3.Connection, table: str, values: Mapping[str, Any]) -> None:
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))
