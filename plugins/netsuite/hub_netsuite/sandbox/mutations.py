"""Mutations of the emulated account: the write context, shared row helpers and entity edits.

A `Mutation` is one write transaction opened by `SandboxStore`: functions here and in
``invoicing`` / ``applications`` change rows through it and record the change events the store
hands to its listeners after commit. Money is Decimal, written as decimal text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from hub_netsuite.sandbox import schema
from hub_netsuite.sandbox.dateformats import utc_text
from hub_netsuite.sandbox.records import Field, RecordError, RecordSpec, invalid_value, not_found
from hub_netsuite.sandbox.settings import SandboxSettings

CENT = Decimal("0.01")
ChangeEvent = tuple[str, str, str]


@dataclass
class Mutation:
    """One write transaction: its connection, the account's settings and clock, the events."""

    conn: sqlite3.Connection
    settings: SandboxSettings
    clock: Callable[[], datetime]
    timezone: ZoneInfo
    events: list[ChangeEvent] = field(default_factory=list)

    def now(self) -> str:
        """The current time as storage text (UTC)."""
        return utc_text(self.clock())

    def today(self) -> date:
        """The account's local date."""
        return self.clock().astimezone(self.timezone).date()

    def emit(self, record_type: str, record_id: object, event: str) -> None:
        """Queue a change event (``create``, ``edit``, ``void``, ``delete``) for after commit."""
        self.events.append((record_type, str(record_id), event))

    def refresh_balances(self, *customer_ids: int) -> None:
        """Recompute the balances of the given customers as of today."""
        refresh_balances(self.conn, self.today(), list(customer_ids))


# -- row helpers --------------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    """A stored number as Decimal rounded to cents (SQLite returns REAL for NUMERIC)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(format(value, ".15g")).quantize(CENT)


def money_text(value: Decimal) -> str:
    """Decimal as stored money text (two decimals)."""
    return str(value.quantize(CENT))


def insert(conn: sqlite3.Connection, table: str, values: Mapping[str, Any]) -> None:
    """INSERT one row given as a column → value mapping."""
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))


def next_id(conn: sqlite3.Connection, table: str) -> int:
    """The next internal id of ``table``."""
    return int(conn.execute(f'SELECT COALESCE(MAX("id"), 0) + 1 FROM "{table}"').fetchone()[0])


def next_number(conn: sqlite3.Connection, type_code: str, prefix: str) -> str:
    """The next document number (``INV10001`` ...) of a transaction type."""
    key = f"next_number:{type_code}"
    row = conn.execute('SELECT "value" FROM "ns_meta" WHERE "key" = ?', (key,)).fetchone()
    number = int(row[0]) if row else 10001
    conn.execute('INSERT OR REPLACE INTO "ns_meta" VALUES (?, ?)', (key, str(number + 1)))
    return f"{prefix}{number}"


def require(conn: sqlite3.Connection, table: str, record_id: str) -> None:
    """404 RecordError unless ``table`` has a row with id ``record_id``."""
    if not str(record_id).isdigit():
        raise not_found()
    found = conn.execute(f'SELECT 1 FROM "{table}" WHERE "id" = ?', (int(record_id),))
    if found.fetchone() is None:
        raise not_found()


def customer_row(conn: sqlite3.Connection, customer_id: str) -> sqlite3.Row:
    """The customer a transaction is for; INVALID_CONTENT on ``entity`` if it does not exist."""
    if not str(customer_id).isdigit():
        raise invalid_value("entity", customer_id)
    row = conn.execute('SELECT * FROM "customer" WHERE "id" = ?', (int(customer_id),))
    found: sqlite3.Row | None = row.fetchone()
    if found is None:
        raise invalid_value("entity", customer_id)
    return found


def currency_id(conn: sqlite3.Connection, code: str) -> int:
    """A currency id from its symbol (``EUR``) or id text."""
    row = conn.execute(
        'SELECT "id" FROM "currency" WHERE "symbol" = ? OR "id" = ?', (code.upper(), code)
    ).fetchone()
    if row is None:
        raise invalid_value("currency", code)
    return int(row[0])


def main_line(transaction_id: int, entity: int, total: Decimal, now: str) -> dict[str, Any]:
    """The ``transactionline`` main line (line 0) of a new transaction."""
    return {
        "transaction": transaction_id,
        "id": 0,
        "linesequencenumber": 0,
        "mainline": "T",
        "taxline": "F",
        "entity": entity,
        "foreignamount": money_text(total),
        "netamount": money_text(total),
        "foreignamountpaid": "0",
        "foreignamountunpaid": money_text(total),
        "linelastmodifieddate": now,
    }


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


def user_error(detail: str) -> RecordError:
    """A NetSuite-like 400 USER_ERROR refusal."""
    return RecordError(detail, "USER_ERROR", 400)


def unknown_field(name: str) -> RecordError:
    """400 INVALID_CONTENT for a field the record does not have."""
    return RecordError(
        f"Error while accessing resource: Unknown field '{name}'.",
        "INVALID_CONTENT",
        400,
        None,
        name,
    )


# -- entity mutations -----------------------------------------------------------------------------


def create_customer(m: Mutation, fields: Mapping[str, Any]) -> str:
    """Insert a customer from SuiteQL column values; returns its id."""
    values = entity_values(m.conn, "customer", fields)
    now = m.now()
    values.setdefault("isinactive", "F")
    values.setdefault("isperson", "F")
    values.setdefault("currency", 1)
    if "entityid" not in values:
        values["entityid"] = values.get("companyname") or (
            f"{values.get('firstname', '')} {values.get('lastname', '')}".strip()
        )
    values.update(datecreated=now, lastmodifieddate=now)
    new_id = next_id(m.conn, "customer")
    values["id"] = new_id
    insert(m.conn, "customer", values)
    m.emit("customer", new_id, "create")
    return str(new_id)


def update_entity(m: Mutation, table: str, record_id: str, fields: Mapping[str, Any]) -> None:
    """Edit customer or contact columns (SuiteQL names); bumps ``lastmodifieddate``."""
    require(m.conn, table, record_id)
    values = entity_values(m.conn, table, fields)
    values["lastmodifieddate"] = m.now()
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    m.conn.execute(
        f'UPDATE "{table}" SET {assignments} WHERE "id" = ?',
        [*values.values(), int(record_id)],
    )
    m.emit(table, record_id, "edit")


def entity_values(
    conn: sqlite3.Connection, table: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Validated storage values of entity columns given by SuiteQL name."""
    kinds = {c.name: c.kind for c in schema.TABLES[table]}
    values: dict[str, Any] = {}
    for name, value in fields.items():
        column = name.lower()
        if column not in kinds or column in ("id", "datecreated", "lastmodifieddate"):
            raise unknown_field(name)
        values[column] = _column_value(conn, table, column, kinds[column], value)
    return values


def _column_value(conn: sqlite3.Connection, table: str, column: str, kind: str, value: Any) -> Any:
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
            return currency_id(conn, value)
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


def patch_columns(
    conn: sqlite3.Connection,
    spec: RecordSpec,
    record_id: str,
    body: Mapping[str, Any],
    *,
    strict_property_names: bool,
) -> dict[str, Any]:
    """The SuiteQL columns a REST PATCH body of a customer or contact changes."""
    if spec.name not in ("customer", "contact"):
        raise RecordError(
            f"The record type {spec.name} cannot be updated in the sandbox.",
            "INVALID_REQUEST",
            400,
        )
    by_lower = {name.lower(): fld for name, fld in spec.fields.items()}
    columns: dict[str, Any] = {}
    require(conn, spec.table, record_id)
    for name, value in body.items():
        fld = by_lower.get(name.lower())
        if fld is None:
            if strict_property_names:
                raise unknown_field(name)
            continue
        if not fld.writable:
            continue
        columns[fld.column] = _patch_value(name, fld, value)
    return columns


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
