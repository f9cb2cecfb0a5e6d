"""The sandbox's SQLite schema, named like NetSuite's SuiteQL tables and columns.

One catalog (`TABLES`) drives three things: the DDL, the column check of the SuiteQL translator
(unknown identifiers) and how values are rendered (dates, datetimes, booleans).

Storage conventions: dates are ``YYYY-MM-DD`` text, datetimes ``YYYY-MM-DD HH:MM:SS`` text in UTC,
booleans ``'T'``/``'F'`` text, money NUMERIC (SQLite keeps it as REAL/INTEGER; the translator and
record layer convert to Decimal at the boundary).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal

Kind = Literal["int", "number", "text", "date", "datetime", "bool"]


@dataclass(frozen=True)
class Column:
    """One SuiteQL column: its kind and, for references, what ``BUILTIN.DF`` displays."""

    name: str
    kind: Kind
    #: ``BUILTIN.DF`` target: a table name (its display column), ``list:<name>`` or ``status``.
    ref: str | None = None
    #: Only visible on OneWorld accounts.
    oneworld: bool = False


def _cols(*specs: tuple[str, Kind] | tuple[str, Kind, str | None] | Column) -> tuple[Column, ...]:
    out: list[Column] = []
    for spec in specs:
        if isinstance(spec, Column):
            out.append(spec)
        elif len(spec) == 2:
            out.append(Column(spec[0], spec[1]))
        else:
            out.append(Column(spec[0], spec[1], spec[2]))
    return tuple(out)


_AUDIT: tuple[tuple[str, Kind], ...] = (
    ("datecreated", "datetime"),
    ("lastmodifieddate", "datetime"),
)
_LINK_COLUMNS = _cols(
    ("previousdoc", "int", "transaction"),
    ("previousline", "int"),
    ("previoustype", "text", "list:trantype"),
    ("nextdoc", "int", "transaction"),
    ("nextline", "int"),
    ("nexttype", "text", "list:trantype"),
    ("linktype", "text"),
    ("foreignamount", "number"),
    ("amount", "number"),
    ("linkdate", "date"),
    ("lastmodifieddate", "datetime"),
)

#: SuiteQL-visible tables (lower-case names) and their columns, in ``SELECT *`` order.
TABLES: dict[str, tuple[Column, ...]] = {
    "currency": _cols(
        ("id", "int"),
        ("name", "text"),
        ("symbol", "text"),
        ("displaysymbol", "text"),
        ("isbasecurrency", "bool"),
        ("exchangerate", "number"),
        ("currencyprecision", "int"),
        ("isinactive", "bool"),
        ("lastmodifieddate", "datetime"),
    ),
    "term": _cols(
        ("id", "int"),
        ("name", "text"),
        ("daysuntilnetdue", "int"),
        ("discountpercent", "number"),
        ("daysuntilexpiry", "int"),
        ("isinactive", "bool"),
    ),
    "item": _cols(
        ("id", "int"),
        ("itemid", "text"),
        ("displayname", "text"),
        ("description", "text"),
        ("itemtype", "text"),
        ("isinactive", "bool"),
    ),
    "customer": _cols(
        ("id", "int"),
        ("entityid", "text"),
        ("companyname", "text"),
        ("firstname", "text"),
        ("lastname", "text"),
        ("isperson", "bool"),
        ("email", "text"),
        ("phone", "text"),
        ("altphone", "text"),
        ("fax", "text"),
        ("terms", "int", "term"),
        ("creditlimit", "number"),
        ("category", "int"),
        ("currency", "int", "currency"),
        ("isinactive", "bool"),
        *_AUDIT,
        ("balancesearch", "number"),
        ("overduebalancesearch", "number"),
        ("unbilledorderssearch", "number"),
        ("parent", "int", "customer"),
        ("salesrep", "int"),
        Column("subsidiary", "int", None, oneworld=True),
        ("custentity_collections_pause", "bool"),
        ("custentity_region", "text"),
        ("custentity_dunning_level", "int"),
        ("custentity_ar_contact_email", "text"),
    ),
    "contact": _cols(
        ("id", "int"),
        ("entityid", "text"),
        ("firstname", "text"),
        ("lastname", "text"),
        ("email", "text"),
        ("phone", "text"),
        ("title", "text"),
        ("company", "int", "customer"),
        ("contactrole", "int", "list:contactrole"),
        ("isinactive", "bool"),
        *_AUDIT,
        Column("subsidiary", "int", None, oneworld=True),
        ("custentity_reminder_opt_out", "bool"),
        ("custentity_preferred_language", "text"),
    ),
    "transaction": _cols(
        ("id", "int"),
        ("tranid", "text"),
        ("type", "text", "list:trantype"),
        ("recordtype", "text"),
        ("trandate", "date"),
        ("duedate", "date"),
        ("closedate", "date"),
        ("entity", "int", "customer"),
        ("currency", "int", "currency"),
        ("exchangerate", "number"),
        ("foreigntotal", "number"),
        ("foreignamountpaid", "number"),
        ("foreignamountunpaid", "number"),
        ("foreignpaymentamountused", "number"),
        ("foreignpaymentamountunused", "number"),
        ("status", "text", "status"),
        ("approvalstatus", "int", "list:approvalstatus"),
        ("terms", "int", "term"),
        ("paymentmethod", "int", "list:paymentmethod"),
        ("memo", "text"),
        ("otherrefnum", "text"),
        ("posting", "bool"),
        ("voided", "bool"),
        ("createddate", "datetime"),
        ("lastmodifieddate", "datetime"),
        ("createdby", "int"),
        ("lastmodifiedby", "int"),
        ("custbody_collections_notes", "text"),
        ("custbody_disputed", "bool"),
    ),
    "transactionline": _cols(
        ("transaction", "int", "transaction"),
        ("id", "int"),
        ("linesequencenumber", "int"),
        ("mainline", "bool"),
        ("taxline", "bool"),
        ("entity", "int", "customer"),
        Column("subsidiary", "int", None, oneworld=True),
        ("item", "int", "item"),
        ("memo", "text"),
        ("quantity", "number"),
        ("rate", "number"),
        ("foreignamount", "number"),
        ("netamount", "number"),
        ("foreignamountpaid", "number"),
        ("foreignamountunpaid", "number"),
        ("foreignpaymentamountused", "number"),
        ("foreignpaymentamountunused", "number"),
        ("linelastmodifieddate", "datetime"),
        ("custcol_project", "text"),  # a custom line field, as accounts add them
    ),
    "nexttransactionlinelink": _LINK_COLUMNS,
    "previoustransactionlinelink": _LINK_COLUMNS,
    "nexttransactionlink": _cols(
        ("previousdoc", "int", "transaction"),
        ("previoustype", "text", "list:trantype"),
        ("nextdoc", "int", "transaction"),
        ("nexttype", "text", "list:trantype"),
        ("linktype", "text"),
        ("foreignamount", "number"),
        ("lastmodifieddate", "datetime"),
    ),
    "deletedrecord": _cols(
        ("id", "int"),
        ("recordid", "int"),
        ("recordtype", "text"),
        ("type", "text"),
        ("name", "text"),
        ("deleteddate", "datetime"),
        ("deletedby", "int"),
        ("context", "text"),
    ),
}
TABLES["previoustransactionlink"] = TABLES["nexttransactionlink"]

#: Tables that are SQLite views over other tables (read-only).
VIEWS = frozenset({"previoustransactionlinelink", "nexttransactionlink", "previoustransactionlink"})

#: Display values of NetSuite lists, used by ``BUILTIN.DF``. Keys are stored as text.
LIST_VALUES: dict[str, dict[str, str]] = {
    "trantype": {
        "CustInvc": "Invoice",
        "CustPymt": "Payment",
        "CustCred": "Credit Memo",
    },
    # key = "<type>:<letter>", i.e. what BUILTIN.CF(status) returns.
    "status": {
        "CustInvc:A": "Invoice : Open",
        "CustInvc:B": "Invoice : Paid In Full",
        "CustInvc:D": "Invoice : Pending Approval",
        "CustInvc:E": "Invoice : Rejected",
        "CustInvc:V": "Invoice : Voided",
        "CustPymt:A": "Payment : Unapproved Payment",
        "CustPymt:B": "Payment : Not Deposited",
        "CustPymt:C": "Payment : Deposited",
        "CustCred:A": "Credit Memo : Open",
        "CustCred:B": "Credit Memo : Fully Applied",
        "CustCred:V": "Credit Memo : Voided",
    },
    "approvalstatus": {"1": "Pending Approval", "2": "Approved", "3": "Rejected"},
    "contactrole": {"-10": "Primary Contact", "-20": "Alternate Contact", "1": "Bill To"},
    "paymentmethod": {"1": "Cash", "2": "Check", "3": "Wire Transfer", "4": "ACH", "5": "VISA"},
}

_SQL_TYPES = {
    "int": "INTEGER",
    "number": "NUMERIC",
    "text": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "bool": "TEXT",
}

_PRIMARY_KEYS = {
    "currency": "id",
    "term": "id",
    "item": "id",
    "customer": "id",
    "contact": "id",
    "transaction": "id",
    "deletedrecord": "id",
}

_VIEW_SQL = {
    "previoustransactionlinelink": 'SELECT * FROM "nexttransactionlinelink"',
    "nexttransactionlink": (
        'SELECT "previousdoc", "previoustype", "nextdoc", "nexttype", "linktype", '
        'SUM("foreignamount") AS "foreignamount", MAX("lastmodifieddate") AS "lastmodifieddate" '
        'FROM "nexttransactionlinelink" '
        'GROUP BY "previousdoc", "previoustype", "nextdoc", "nexttype", "linktype"'
    ),
    "previoustransactionlink": 'SELECT * FROM "nexttransactionlink"',
}

_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "ix_transaction_type_id" ON "transaction" ("type", "id")',
    'CREATE INDEX IF NOT EXISTS "ix_transaction_entity" ON "transaction" ("entity", "type")',
    'CREATE INDEX IF NOT EXISTS "ix_transaction_lastmod" ON "transaction" ("lastmodifieddate")',
    'CREATE INDEX IF NOT EXISTS "ix_transaction_type_unpaid" '
    'ON "transaction" ("type", "foreignamountunpaid")',
    'CREATE INDEX IF NOT EXISTS "ix_customer_lastmod" ON "customer" ("lastmodifieddate")',
    'CREATE INDEX IF NOT EXISTS "ix_contact_company" ON "contact" ("company")',
    'CREATE INDEX IF NOT EXISTS "ix_contact_lastmod" ON "contact" ("lastmodifieddate")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "ix_tranline_pk" ON "transactionline" ("transaction", "id")',
    'CREATE INDEX IF NOT EXISTS "ix_link_prev" ON "nexttransactionlinelink" ("previousdoc")',
    'CREATE INDEX IF NOT EXISTS "ix_link_next" ON "nexttransactionlinelink" ("nextdoc")',
    'CREATE INDEX IF NOT EXISTS "ix_link_lastmod" ON "nexttransactionlinelink" ("lastmodifieddate")',
    'CREATE INDEX IF NOT EXISTS "ix_deleted_date" ON "deletedrecord" ("deleteddate")',
)


def table_ddl(table: str) -> str:
    """``CREATE TABLE`` for one stored table of the catalog."""
    parts = []
    for column in TABLES[table]:
        decl = f'"{column.name}" {_SQL_TYPES[column.kind]}'
        if _PRIMARY_KEYS.get(table) == column.name:
            decl += " PRIMARY KEY"
        parts.append(decl)
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({", ".join(parts)})'


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table, view, index and list-value row (idempotent)."""
    for table in TABLES:
        if table not in VIEWS:
            conn.execute(table_ddl(table))
    for view, sql in _VIEW_SQL.items():
        conn.execute(f'CREATE VIEW IF NOT EXISTS "{view}" AS {sql}')
    conn.execute(
        'CREATE TABLE IF NOT EXISTS "ns_listvalue" '
        '("list" TEXT NOT NULL, "key" TEXT NOT NULL, "name" TEXT NOT NULL, '
        'PRIMARY KEY ("list", "key"))'
    )
    conn.execute('CREATE TABLE IF NOT EXISTS "ns_meta" ("key" TEXT PRIMARY KEY, "value" TEXT)')
    conn.executemany(
        'INSERT OR REPLACE INTO "ns_listvalue" VALUES (?, ?, ?)',
        [(lst, key, name) for lst, values in LIST_VALUES.items() for key, name in values.items()],
    )
    for statement in _INDEXES:
        conn.execute(statement)


def visible_columns(table: str, *, oneworld: bool) -> tuple[Column, ...]:
    """The columns SuiteQL can see on ``table`` given the account's features."""
    return tuple(c for c in TABLES[table] if oneworld or not c.oneworld)


def column_kind(table: str, column: str) -> Kind | None:
    """The kind of ``table.column`` (lower-case names), or None when unknown."""
    for col in TABLES.get(table, ()):
        if col.name == column:
            return col.kind
    return None


def column_ref(table: str, column: str) -> str | None:
    """What ``BUILTIN.DF`` resolves ``table.column`` against, or None for plain values."""
    for col in TABLES.get(table, ()):
        if col.name == column:
            return col.ref
    return None
