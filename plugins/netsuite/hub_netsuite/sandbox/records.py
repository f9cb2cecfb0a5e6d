"""REST record-service representations (camelCase bodies); the ``q`` filter is in ``qfilter``.

Bodies follow the SuiteTalk REST record service: ids as strings, references as
``{"links", "id", "refName"}``, datetimes ISO 8601 UTC with ``Z``, dates ``YYYY-MM-DD``, NULL
fields omitted, sublists as link-only objects unless expanded. ``href`` values are root-relative
(``/services/rest/record/v1/...``); the HTTP layer prefixes its scheme and host.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub_netsuite.sandbox.schema import LIST_VALUES

RECORD_ROOT = "/services/rest/record/v1"
NOT_FOUND_DETAIL = "Record does not exist."
_PREFIX = "Invalid search query. Detailed unprocessed description follows. "


class RecordError(Exception):
    """A record-service error: becomes an ``o:errorDetails`` body (see server)."""

    def __init__(
        self,
        detail: str,
        code: str = "INVALID_PARAMETER",
        status: int = 400,
        query_param: str | None = None,
        error_path: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.query_param = query_param
        self.error_path = error_path


def not_found() -> RecordError:
    """404 NONEXISTENT_ID with NetSuite's wording."""
    return RecordError(NOT_FOUND_DETAIL, "NONEXISTENT_ID", 404)


def invalid_value(field_name: str, value: object) -> RecordError:
    """400 INVALID_CONTENT for a value NetSuite would refuse (Oracle's documented wording)."""
    return RecordError(
        "Error while accessing resource: You have entered an Invalid Field Value "
        f"{value} for the following field: {field_name}",
        "INVALID_CONTENT",
        400,
        None,
        field_name,
    )


def q_error(text: str) -> RecordError:
    """400 INVALID_PARAMETER about the ``q`` query parameter."""
    return RecordError(text, "INVALID_PARAMETER", 400, "q")


@dataclass(frozen=True)
class Field:
    """One REST body field mapped onto a SuiteQL column."""

    column: str
    kind: str  # int | number | text | date | datetime | bool | ref | list | status
    target: str | None = None  # ref: record type; list: list name
    writable: bool = False


def _custom(*names: tuple[str, str]) -> dict[str, Field]:
    return {name: Field(name, kind, writable=True) for name, kind in names}


@dataclass(frozen=True)
class RecordSpec:
    """How one REST record type is stored."""

    name: str
    table: str
    type_code: str | None
    fields: dict[str, Field]
    sublists: tuple[str, ...] = ()
    extra_filter: dict[str, Field] = field(default_factory=dict)

    def where(self) -> str:
        """SQL condition selecting this record type in its table."""
        return f"\"type\" = '{self.type_code}'" if self.type_code else "1 = 1"


_CUSTOMER = RecordSpec(
    "customer",
    "customer",
    None,
    {
        "id": Field("id", "int"),
        "entityId": Field("entityid", "text", writable=True),
        "companyName": Field("companyname", "text", writable=True),
        "firstName": Field("firstname", "text", writable=True),
        "lastName": Field("lastname", "text", writable=True),
        "isPerson": Field("isperson", "bool", writable=True),
        "email": Field("email", "text", writable=True),
        "phone": Field("phone", "text", writable=True),
        "altPhone": Field("altphone", "text", writable=True),
        "fax": Field("fax", "text", writable=True),
        "terms": Field("terms", "ref", "term", writable=True),
        "creditLimit": Field("creditlimit", "number", writable=True),
        "currency": Field("currency", "ref", "currency", writable=True),
        "isInactive": Field("isinactive", "bool", writable=True),
        "dateCreated": Field("datecreated", "datetime"),
        "lastModifiedDate": Field("lastmodifieddate", "datetime"),
        "balance": Field("balancesearch", "number"),
        "overdueBalance": Field("overduebalancesearch", "number"),
        "parent": Field("parent", "ref", "customer", writable=True),
        **_custom(
            ("custentity_collections_pause", "bool"),
            ("custentity_region", "text"),
            ("custentity_dunning_level", "int"),
            ("custentity_ar_contact_email", "text"),
        ),
    },
    ("contactRoles",),
)
_CONTACT = RecordSpec(
    "contact",
    "contact",
    None,
    {
        "id": Field("id", "int"),
        "entityId": Field("entityid", "text", writable=True),
        "firstName": Field("firstname", "text", writable=True),
        "lastName": Field("lastname", "text", writable=True),
        "email": Field("email", "text", writable=True),
        "phone": Field("phone", "text", writable=True),
        "title": Field("title", "text", writable=True),
        "company": Field("company", "ref", "customer", writable=True),
        "contactRole": Field("contactrole", "list", "contactrole", writable=True),
        "isInactive": Field("isinactive", "bool", writable=True),
        "dateCreated": Field("datecreated", "datetime"),
        "lastModifiedDate": Field("lastmodifieddate", "datetime"),
        **_custom(
            ("custentity_reminder_opt_out", "bool"), ("custentity_preferred_language", "text")
        ),
    },
)
_TRANSACTION_COMMON = {
    "id": Field("id", "int"),
    "tranId": Field("tranid", "text"),
    "tranDate": Field("trandate", "date"),
    "currency": Field("currency", "ref", "currency"),
    "exchangeRate": Field("exchangerate", "number"),
    "status": Field("status", "status"),
    "memo": Field("memo", "text"),
    "createdDate": Field("createddate", "datetime"),
    "lastModifiedDate": Field("lastmodifieddate", "datetime"),
}
_INVOICE = RecordSpec(
    "invoice",
    "transaction",
    "CustInvc",
    {
        **_TRANSACTION_COMMON,
        "entity": Field("entity", "ref", "customer"),
        "dueDate": Field("duedate", "date"),
        "terms": Field("terms", "ref", "term"),
        "total": Field("foreigntotal", "number"),
        "amountPaid": Field("foreignamountpaid", "number"),
        "amountRemaining": Field("foreignamountunpaid", "number"),
        "approvalStatus": Field("approvalstatus", "list", "approvalstatus"),
        "otherRefNum": Field("otherrefnum", "text"),
        "custbody_collections_notes": Field("custbody_collections_notes", "text"),
        "custbody_disputed": Field("custbody_disputed", "bool"),
    },
    ("item",),
)
_PAYMENT = RecordSpec(
    "customerPayment",
    "transaction",
    "CustPymt",
    {
        **_TRANSACTION_COMMON,
        "customer": Field("entity", "ref", "customer"),
        "payment": Field("foreigntotal", "number"),
        "applied": Field("foreignpaymentamountused", "number"),
        "unapplied": Field("foreignpaymentamountunused", "number"),
        "paymentMethod": Field("paymentmethod", "list", "paymentmethod"),
    },
    ("apply",),
    {"entity": Field("entity", "ref", "customer")},
)
_CREDIT_MEMO = RecordSpec(
    "creditMemo",
    "transaction",
    "CustCred",
    {
        **_TRANSACTION_COMMON,
        "entity": Field("entity", "ref", "customer"),
        "total": Field("foreigntotal", "number"),
        "applied": Field("foreignpaymentamountused", "number"),
        "unapplied": Field("foreignpaymentamountunused", "number"),
    },
    ("item", "apply"),
)

SPECS: dict[str, RecordSpec] = {
    spec.name: spec for spec in (_CUSTOMER, _CONTACT, _INVOICE, _PAYMENT, _CREDIT_MEMO)
}
#: REST record type of each transaction type code.
RECORD_TYPE_OF = {"CustInvc": "invoice", "CustPymt": "customerPayment", "CustCred": "creditMemo"}


def spec_for(record_type: str) -> RecordSpec:
    """The spec of a REST record type; 404 for types the sandbox does not serve."""
    spec = SPECS.get(record_type) or next(
        (s for s in SPECS.values() if s.name.lower() == record_type.lower()), None
    )
    if spec is None:
        raise RecordError(f"Record type '{record_type}' does not exist.", "NONEXISTENT_ID", 404)
    return spec


def json_number(value: Any) -> int | float:
    """A stored number as a JSON number (computed via Decimal, no binary noise)."""
    number = value if isinstance(value, Decimal) else Decimal(format(value, ".15g"))
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def iso_datetime(stored: str) -> str:
    """Stored UTC datetime text as REST's ISO 8601 form (``2024-05-14T17:31:07Z``)."""
    return stored.replace(" ", "T") + "Z"


def _link(path: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{RECORD_ROOT}/{path}"}]


class RecordReader:
    """Builds REST bodies from the database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def row(self, spec: RecordSpec, record_id: str) -> sqlite3.Row:
        """The stored row of a record, or 404."""
        if not record_id.isdigit():
            raise not_found()
        row = self.conn.execute(
            f'SELECT * FROM "{spec.table}" WHERE "id" = ? AND {spec.where()}', (int(record_id),)
        ).fetchone()
        if row is None:
            raise not_found()
        return row  # type: ignore[no-any-return]

    def body(
        self,
        spec: RecordSpec,
        record_id: str,
        *,
        expand: bool = False,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The REST body (without top-level ``links``)."""
        row = self.row(spec, record_id)
        wanted = {f.lower() for f in fields} if fields else None
        body: dict[str, Any] = {}
        for name, fld in spec.fields.items():
            if wanted is not None and name.lower() not in wanted:
                continue
            value = self._value(row, fld)
            if value is not None:
                body[name] = value
        for sublist in spec.sublists:
            if wanted is not None and sublist.lower() not in wanted:
                continue
            path = f"{spec.name}/{record_id}/{sublist}"
            if expand:
                items = self.sublist(spec, row, sublist)
                body[sublist] = {
                    "links": _link(path),
                    "items": items,
                    "count": len(items),
                    "hasMore": False,
                    "offset": 0,
                    "totalResults": len(items),
                }
            else:
                body[sublist] = {"links": _link(path)}
        return body

    def _value(self, row: sqlite3.Row, fld: Field) -> Any:
        raw = row[fld.column]
        if raw is None or raw == "":
            return None
        if fld.kind == "int":
            return str(raw) if fld.column == "id" else int(raw)
        if fld.kind == "number":
            return json_number(raw)
        if fld.kind == "bool":
            return raw == "T"
        if fld.kind == "date":
            return str(raw)
        if fld.kind == "datetime":
            return iso_datetime(str(raw))
        if fld.kind == "ref":
            assert fld.target is not None
            return self.ref(fld.target, raw)
        if fld.kind == "list":
            assert fld.target is not None
            return {"id": str(raw), "refName": LIST_VALUES[fld.target].get(str(raw), str(raw))}
        if fld.kind == "status":
            name = LIST_VALUES["status"].get(f"{row['type']}:{raw}", str(raw))
            text = name.split(" : ", 1)[-1]
            return {"id": text, "refName": text}
        return str(raw)

    def ref(self, target: str, ref_id: Any) -> dict[str, Any]:
        """A reference object ``{"links", "id", "refName"}``."""
        if target in ("customer", "contact"):
            sql = f'SELECT "entityid" FROM "{target}" WHERE "id" = ?'
        elif target in RECORD_TYPE_OF.values() or target == "transaction":
            sql = 'SELECT "tranid" FROM "transaction" WHERE "id" = ?'
        elif target == "item":
            sql = 'SELECT "itemid" FROM "item" WHERE "id" = ?'
        else:
            sql = f'SELECT "name" FROM "{target}" WHERE "id" = ?'
        found = self.conn.execute(sql, (ref_id,)).fetchone()
        ref: dict[str, Any] = {"links": _link(f"{target}/{ref_id}"), "id": str(ref_id)}
        if found is not None and found[0] is not None:
            ref["refName"] = str(found[0])
        return ref

    def sublist(self, spec: RecordSpec, row: sqlite3.Row, name: str) -> list[dict[str, Any]]:
        """Lines of an expanded sublist."""
        record_id = row["id"]
        if name == "item":
            return self._item_lines(spec, record_id)
        if name == "apply":
            return self._apply_lines(record_id)
        if name == "contactRoles":
            contacts = self.conn.execute(
                'SELECT "id", "entityid", "email", "contactrole" FROM "contact" '
                'WHERE "company" = ? ORDER BY "id"',
                (record_id,),
            ).fetchall()
            lines = []
            for contact in contacts:
                line: dict[str, Any] = {"contact": self.ref("contact", contact["id"])}
                if contact["email"]:
                    line["email"] = contact["email"]
                if contact["contactrole"] is not None:
                    role = str(contact["contactrole"])
                    line["role"] = {"id": role, "refName": LIST_VALUES["contactrole"][role]}
                lines.append(line)
            return lines
        return []

    def _item_lines(self, spec: RecordSpec, record_id: int) -> list[dict[str, Any]]:
        lines = self.conn.execute(
            'SELECT "id", "item", "memo", "quantity", "rate", "foreignamount" '
            'FROM "transactionline" WHERE "transaction" = ? AND "mainline" = \'F\' ORDER BY "id"',
            (record_id,),
        ).fetchall()
        items = []
        for line in lines:
            entry: dict[str, Any] = {
                "links": _link(f"{spec.name}/{record_id}/item/{line['id']}"),
                "line": int(line["id"]),
            }
            if line["item"] is not None:
                entry["item"] = self.ref("item", line["item"])
            if line["memo"]:
                entry["description"] = line["memo"]
            if line["quantity"] is not None:
                entry["quantity"] = abs(json_number(line["quantity"]))
            if line["rate"] is not None:
                entry["rate"] = json_number(line["rate"])
            if line["foreignamount"] is not None:
                entry["amount"] = abs(json_number(line["foreignamount"]))
            items.append(entry)
        return items

    def _apply_lines(self, record_id: int) -> list[dict[str, Any]]:
        links = self.conn.execute(
            'SELECT l."previousdoc", l."foreignamount", l."linkdate", t."tranid", t."trandate", '
            't."type", t."foreigntotal", t."foreignamountunpaid" '
            'FROM "nexttransactionlinelink" AS l JOIN "transaction" AS t ON t."id" = l."previousdoc" '
            'WHERE l."nextdoc" = ? ORDER BY l."previousdoc"',
            (record_id,),
        ).fetchall()
        items = []
        for link in links:
            doc_type = RECORD_TYPE_OF.get(link["type"], "invoice")
            doc = {
                "links": _link(f"{doc_type}/{link['previousdoc']}"),
                "id": str(link["previousdoc"]),
                "refName": link["tranid"],
            }
            entry: dict[str, Any] = {
                "doc": doc,
                "apply": True,
                "amount": json_number(link["foreignamount"]),
                "total": json_number(link["foreigntotal"]),
                "due": json_number(link["foreignamountunpaid"]),
                "refNum": link["tranid"],
                "applyDate": link["linkdate"],
                "type": LIST_VALUES["trantype"].get(link["type"], link["type"]),
            }
            items.append(entry)
        return items


def __getattr__(name: str) -> Any:
    """``QueryFilter`` moved to ``qfilter``; keep ``records.QueryFilter`` importable."""
    if name == "QueryFilter":
        from hub_netsuite.sandbox.qfilter import QueryFilter

        return QueryFilter
    raise AttributeError(name)
