"""SuiteQL text for every stream: explicit columns, keyset on id, dates through TO_CHAR.

The columns are exactly the raw shape the default mappings expect
(``hub_netsuite/mappings/README.md``). Dates and datetimes are rendered with ``TO_CHAR`` so they
never depend on the user's date-format preference; they are wall-clock times in the account's
time zone, compared with ``TO_TIMESTAMP`` in that same zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub_netsuite.connector.packed import CHILD_SEPARATOR, pack_expression

DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS"
#: Extra column on every stream row: the server's clock when the page was read.
SERVER_NOW = "hub_server_now"
#: Most values SuiteQL accepts in one IN list.
MAX_IN_LIST = 1000


def _datetime(column: str, alias: str) -> str:
    return f"TO_CHAR({column}, '{DATETIME_FORMAT}') AS {alias}"


def _date(column: str, alias: str) -> str:
    return f"TO_CHAR({column}, 'YYYY-MM-DD') AS {alias}"


def since(column: str) -> str:
    """``column >= TO_TIMESTAMP(?, ...)``: the incremental filter (one parameter)."""
    return f"{column} >= TO_TIMESTAMP(?, '{DATETIME_FORMAT}')"


@dataclass(frozen=True)
class StreamQuery:
    """How one canonical object is selected.

    :param alias: table alias used in the columns.
    :param source: ``FROM`` and ``JOIN`` clauses.
    :param columns: the selected columns (already aliased to the mapping's raw names).
    :param filters: conditions every row must meet (e.g. the transaction type).
    :param link_column: for transactions, the ``NextTransactionLineLink`` column holding this
        record's id, so rows whose applications changed are re-read even when their header's
        ``lastmodifieddate`` did not move.
    :param deleted_type: the ``deletedrecord.recordtype`` of this object.
    :param link_filter: condition on ``NextTransactionLineLink l`` keeping links of this type.
    """

    alias: str
    source: str
    columns: tuple[str, ...]
    filters: tuple[str, ...]
    link_column: str | None
    deleted_type: str
    link_filter: str = "1 = 1"

    @property
    def id_column(self) -> str:
        return f"{self.alias}.id"

    @property
    def modified_column(self) -> str:
        return f"{self.alias}.lastmodifieddate"

    def select(
        self,
        conditions: Sequence[str],
        custom_fields: Iterable[str] = (),
        extra_columns: Iterable[str] = (),
    ) -> str:
        """The full SELECT, ordered by id (keyset paging); ``extra_columns`` are appended
        as written (e.g. packed children)."""
        extra = tuple(f"{self.alias}.{name}" for name in custom_fields)
        columns = ", ".join(
            (
                *self.columns,
                *extra,
                *extra_columns,
                f"TO_CHAR(SYSDATE, '{DATETIME_FORMAT}') AS {SERVER_NOW}",
            )
        )
        where = " AND ".join((*self.filters, *conditions)) or "1 = 1"
        return f"SELECT {columns} FROM {self.source} WHERE {where} ORDER BY {self.id_column}"

    def changed_since(self) -> tuple[str, int]:
        """The incremental condition and how many ``since`` parameters it takes."""
        header = since(self.modified_column)
        if self.link_column is None:
            return header, 1
        links = (
            f"{self.id_column} IN (SELECT l.{self.link_column} FROM NextTransactionLineLink l "
            f"WHERE {since('l.lastmodifieddate')})"
        )
        return f"({header} OR {links})", 2

    def changed_links(self) -> str:
        """Ids of records whose links changed since a time, queried flat (one ``since``
        parameter): the fallback for accounts that refuse the link subquery."""
        return (
            f"SELECT l.{self.link_column} AS docid FROM NextTransactionLineLink l "
            f"WHERE {self.link_filter} AND {since('l.lastmodifieddate')} "
            f"ORDER BY l.{self.link_column}"
        )

    def changed_since_ids(self, ids: Sequence[str]) -> str:
        """The incremental condition with the linked ids written out (one ``since`` parameter);
        IN lists hold at most 1,000 values, so longer ones are OR-ed."""
        header = since(self.modified_column)
        chunks = [ids[i : i + MAX_IN_LIST] for i in range(0, len(ids), MAX_IN_LIST)]
        lists = [f"{self.id_column} IN ({id_list(chunk)})" for chunk in chunks]
        return f"({' OR '.join([header, *lists])})"


CUSTOMER = StreamQuery(
    alias="c",
    source="customer c LEFT JOIN currency cur ON cur.id = c.currency",
    columns=(
        "c.id",
        "c.entityid",
        "c.companyname",
        "c.firstname",
        "c.lastname",
        "c.email",
        "c.phone",
        "c.altphone",
        "BUILTIN.DF(c.terms) AS termsname",
        "c.creditlimit",
        "c.currency",
        "cur.symbol AS currency_code",
        "c.isinactive",
        _datetime("c.lastmodifieddate", "lastmodified"),
    ),
    filters=(),
    link_column=None,
    deleted_type="customer",
)

CONTACT = StreamQuery(
    alias="ct",
    source="contact ct",
    columns=(
        "ct.id",
        "ct.company",
        "ct.firstname",
        "ct.lastname",
        "ct.email",
        "ct.phone",
        "ct.title",
        "CASE WHEN ct.contactrole = -10 THEN 'T' ELSE 'F' END AS isprimary",
        "ct.isinactive",
        _datetime("ct.lastmodifieddate", "lastmodified"),
    ),
    filters=(),
    link_column=None,
    deleted_type="contact",
)

INVOICE = StreamQuery(
    alias="t",
    source="transaction t LEFT JOIN currency cur ON cur.id = t.currency",
    columns=(
        "t.id",
        "t.tranid",
        "t.entity",
        _date("t.trandate", "trandate"),
        _date("t.duedate", "duedate"),
        "t.currency",
        "cur.symbol AS currency_code",
        "t.exchangerate",
        "t.foreigntotal",
        "t.foreignamountunpaid",
        "t.status",
        "t.voided",
        "BUILTIN.DF(t.terms) AS termsname",
        "t.memo",
        "t.otherrefnum",
        _datetime("t.lastmodifieddate", "lastmodified"),
    ),
    filters=("t.type = 'CustInvc'",),
    link_column="previousdoc",
    deleted_type="invoice",
    link_filter="l.previoustype = 'CustInvc'",
)

PAYMENT = StreamQuery(
    alias="t",
    source="transaction t LEFT JOIN currency cur ON cur.id = t.currency",
    columns=(
        "t.id",
        "t.tranid",
        "t.entity",
        _date("t.trandate", "trandate"),
        "t.currency",
        "cur.symbol AS currency_code",
        "t.foreigntotal",
        "BUILTIN.DF(t.paymentmethod) AS paymentmethodname",
        "t.foreignpaymentamountunused",
        "t.memo",
        _datetime("t.lastmodifieddate", "lastmodified"),
    ),
    filters=("t.type = 'CustPymt'",),
    link_column="nextdoc",
    deleted_type="customerpayment",
    link_filter="l.nexttype = 'CustPymt'",
)

QUERIES: dict[str, StreamQuery] = {
    "customer": CUSTOMER,
    "contact": CONTACT,
    "invoice": INVOICE,
    "payment": PAYMENT,
}


def id_list(ids: Iterable[str]) -> str:
    """A literal ``IN`` list of internal ids (digits only, so nothing can be injected)."""
    return ", ".join(str(int(i)) for i in ids)


#: Prefix of the item-line columns in the joined invoice query.
LINE_PREFIX = "line_"
#: Item-line columns (mapping's raw names), with the sign the customer sees.
_LINE_COLUMNS = (
    ("tl.id", "id"),
    ("tl.linesequencenumber", "linesequencenumber"),
    ("tl.item", "item"),
    ("BUILTIN.DF(tl.item)", "itemname"),
    ("tl.memo", "memo"),
    ("-tl.quantity", "quantity"),
    ("tl.rate", "rate"),
    ("-tl.foreignamount", "amount"),
)


def invoices_with_lines(
    conditions: Sequence[str],
    header_fields: Iterable[str] = (),
    line_fields: Iterable[str] = (),
) -> str:
    """Invoice headers LEFT JOINed to their item lines: one row per line (one for a line-less
    invoice), ordered by ``(t.id, tl.id)`` so a page can be keyset-resumed inside an invoice.

    Line columns are prefixed with :data:`LINE_PREFIX`; the reader regroups them per invoice.
    """
    lines = [f"{expr} AS {LINE_PREFIX}{alias}" for expr, alias in _LINE_COLUMNS]
    lines.extend(f"tl.{name} AS {LINE_PREFIX}{name}" for name in line_fields)
    extra = tuple(f"t.{name}" for name in header_fields)
    columns = ", ".join(
        (
            *INVOICE.columns,
            *extra,
            *lines,
            f"TO_CHAR(SYSDATE, '{DATETIME_FORMAT}') AS {SERVER_NOW}",
        )
    )
    where = " AND ".join((*INVOICE.filters, *conditions))
    return (
        f"SELECT {columns} FROM {INVOICE.source} LEFT JOIN transactionline tl "
        "ON tl.transaction = t.id AND tl.mainline = 'F' AND tl.taxline = 'F' "
        f"WHERE {where} ORDER BY t.id, tl.id"
    )


def after_invoice_line(line_id: str | None) -> tuple[str, int]:
    """Keyset condition of the joined invoice query: rows after an invoice (``line_id`` None)
    or after one line of it. Returns the condition and how many parameters it takes
    (the invoice id, then for a line position the invoice id again and the line id)."""
    if line_id is None:
        return "t.id > ?", 1
    return "(t.id > ? OR (t.id = ? AND tl.id > ?))", 3


@dataclass(frozen=True)
class Children:
    """Child rows of a stream (invoice lines, payment applications), readable two ways: packed
    into a column of the parent's row by a correlated ``LISTAGG``, or as rows of their own for a
    list of parent ids (the fallback when NetSuite refuses the packed form).

    :param key: record key the children are attached under.
    :param column: alias of the packed column.
    :param fields: ``(expression, name)`` of every child field, in packing order.
    :param source: the child table with its alias.
    :param parent_column: the child column holding the parent's id.
    :param where: conditions on the child rows.
    :param order: child order inside a parent.
    """

    key: str
    column: str
    fields: tuple[tuple[str, str], ...]
    source: str
    parent_column: str
    where: str
    order: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.fields)

    def packed(self, parent_id: str) -> str:
        """The select-list item: this parent's children packed into :attr:`column`."""
        packed = pack_expression([expr for expr, _ in self.fields])
        return (
            f"(SELECT LISTAGG({packed}, '{CHILD_SEPARATOR}') WITHIN GROUP (ORDER BY {self.order}) "
            f"FROM {self.source} WHERE {self.parent_column} = {parent_id} AND {self.where}) "
            f"AS {self.column}"
        )

    def rows_of(self, parent_ids: Iterable[str]) -> str:
        """Every child of the given parents as rows (``parentid`` first), in parent order."""
        columns = ", ".join(f"{expr} AS {name}" for expr, name in self.fields)
        return (
            f"SELECT {self.parent_column} AS parentid, {columns} FROM {self.source} "
            f"WHERE {self.parent_column} IN ({id_list(parent_ids)}) AND {self.where} "
            f"ORDER BY {self.parent_column}, {self.order}"
        )


INVOICE_LINES = Children(
    key="lines",
    column="hub_lines",
    fields=_LINE_COLUMNS,
    source="transactionline tl",
    parent_column="tl.transaction",
    where="tl.mainline = 'F' AND tl.taxline = 'F'",
    order="tl.linesequencenumber, tl.id",
)

PAYMENT_APPLICATIONS = Children(
    key="applications",
    column="hub_applications",
    fields=(("l.previousdoc", "invoiceid"), ("l.foreignamount", "applied")),
    source="NextTransactionLineLink l",
    parent_column="l.nextdoc",
    where="l.previoustype = 'CustInvc'",
    order="l.previousdoc, l.previousline",
)

#: The packable children of each stream.
CHILDREN: dict[str, Children] = {"invoice": INVOICE_LINES, "payment": PAYMENT_APPLICATIONS}


def deletions(record_type: str) -> str:
    """Ids of ``record_type`` records deleted since a time (one ``since`` parameter)."""
    return (
        f"SELECT d.recordid, {_datetime('d.deleteddate', 'deleted')} FROM deletedrecord d "
        f"WHERE d.recordtype = '{record_type}' AND {since('d.deleteddate')} ORDER BY d.recordid"
    )
