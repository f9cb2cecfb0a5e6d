"""Read-only views of synced data: customers (contacts, open balance, timeline), invoices (status,
overdue bucket, currency and customer filters) and payments (with their applications)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from markupsafe import Markup, escape
from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.models import Contact, Customer, Invoice, Payment, PaymentApplication, utcnow
from hub.web.admin_base import HubModelView, expose
from hub.web.metrics import BUCKETS, OPEN_STATUSES
from hub.web.services import engine

BOTH_ROLES = ("admin", "collector")


class OverdueBucketFilter(BaseSQLAFilter):  # type: ignore[misc]
    """Open invoices whose days past due fall in one aging bucket."""

    def __init__(self, column: Any, name: str) -> None:
        super().__init__(column, name, options=[(b, b) for b in BUCKETS])

    def apply(self, query: Any, value: str, alias: Any = None) -> Any:
        today = utcnow().date()
        due = col(Invoice.due_date)
        query = query.filter(col(Invoice.status).in_(OPEN_STATUSES))
        if value == "current":
            return query.filter((due >= today) | due.is_(None))
        bounds = {"1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90)}
        if value in bounds:
            low, high = bounds[value]
            return query.filter(
                due <= today - timedelta(days=low), due >= today - timedelta(days=high)
            )
        return query.filter(due < today - timedelta(days=90))

    def operation(self) -> str:
        return "is"


def _link(view: str, label: Any, record_id: Any) -> Markup:
    from flask import url_for

    return Markup('<a href="{}">{}</a>').format(
        url_for(f"{view}.overview", record_id=record_id), escape(label)
    )


class CustomerView(HubModelView):
    roles = BOTH_ROLES
    column_list = ["name", "email", "phone", "currency", "payment_terms", "credit_limit"]
    column_searchable_list = ["name", "email", "external_id"]
    column_filters = ["currency", "is_active"]
    column_default_sort = "name"
    column_formatters = {"name": lambda v, c, m, p: _link("customer", m.name, m.id)}

    def get_query(self) -> Any:
        return super().get_query().filter(col(Customer.is_deleted).is_(False))

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(col(Customer.is_deleted).is_(False))

    @expose("/overview/<int:record_id>")
    def overview(self, record_id: int) -> ResponseReturnValue:
        with Session(engine()) as session:
            customer = session.get(Customer, record_id)
            if customer is None:
                abort(404)
            key = (Contact.connection_id == customer.connection_id,)
            contacts = list(
                session.exec(
                    select(Contact).where(
                        *key,
                        Contact.customer_external_id == customer.external_id,
                        col(Contact.is_deleted).is_(False),
                    )
                )
            )
            invoices = list(
                session.exec(
                    select(Invoice)
                    .where(
                        Invoice.connection_id == customer.connection_id,
                        Invoice.customer_external_id == customer.external_id,
                        col(Invoice.is_deleted).is_(False),
                    )
                    .order_by(col(Invoice.due_date).desc())
                    .limit(200)
                )
            )
            balance = session.exec(
                select(Invoice.currency, func.sum(Invoice.amount_due))
                .where(
                    Invoice.connection_id == customer.connection_id,
                    Invoice.customer_external_id == customer.external_id,
                    col(Invoice.status).in_(OPEN_STATUSES),
                    col(Invoice.is_deleted).is_(False),
                )
                .group_by(Invoice.currency)
            ).all()
            timeline = customer_timeline(session, customer)
            holds = active_holds(session, customer, [i.external_id for i in invoices])
        return self.render(
            "hub/customer.html",
            customer=customer,
            contacts=contacts,
            invoices=invoices,
            balance=[(c, Decimal(a or 0)) for c, a in balance],
            timeline=timeline,
            holds=holds,
            today=utcnow().date(),
        )


def customer_timeline(session: Session, customer: Customer) -> list[Any]:
    """The collections timeline of a customer, newest first (empty without the engine)."""
    try:
        from hub.collections.models import TimelineEvent
    except ImportError:  # pragma: no cover
        return []
    query = select(TimelineEvent).where(
        TimelineEvent.connection_id == customer.connection_id,
        TimelineEvent.customer_external_id == customer.external_id,
    )
    order = col(TimelineEvent.id).desc()
    return list(session.exec(query.order_by(order).limit(100)))


def active_holds(session: Session, customer: Customer, invoice_ids: list[str]) -> dict[str, Any]:
    """Active holds (pause, dispute, promise) by ``"customer"``/invoice external id."""
    try:
        from hub.collections.actions import load_active_holds
    except ImportError:  # pragma: no cover
        return {}
    found = load_active_holds(session, customer.connection_id, [customer.external_id], invoice_ids)
    out: dict[str, Any] = dict(found.invoice)
    out["customer"] = found.customer.get(customer.external_id, [])
    return out


class InvoiceView(HubModelView):
    roles = BOTH_ROLES
    column_list = [
        "number",
        "customer_external_id",
        "issue_date",
        "due_date",
        "currency",
        "total",
        "amount_due",
        "status",
    ]
    column_labels = {"customer_external_id": "Customer"}
    column_searchable_list = ["number", "external_id", "customer_external_id"]
    column_default_sort = ("due_date", True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            "status",
            OverdueBucketFilter(Invoice.due_date, "Overdue bucket"),
            "currency",
            "customer_external_id",
            "due_date",
        ]
        super().__init__(*args, **kwargs)

    def get_query(self) -> Any:
        return super().get_query().filter(col(Invoice.is_deleted).is_(False))

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(col(Invoice.is_deleted).is_(False))


class PaymentView(HubModelView):
    roles = BOTH_ROLES
    column_list = [
        "number",
        "customer_external_id",
        "date",
        "amount",
        "currency",
        "method",
        "unapplied_amount",
    ]
    column_labels = {"customer_external_id": "Customer"}
    column_searchable_list = ["number", "external_id", "customer_external_id"]
    column_filters = ["currency", "method", "date"]
    column_default_sort = ("date", True)
    column_formatters = {"number": lambda v, c, m, p: _link("payment", m.number or m.id, m.id)}

    @expose("/overview/<int:record_id>")
    def overview(self, record_id: int) -> ResponseReturnValue:
        with Session(engine()) as session:
            payment = session.get(Payment, record_id)
            if payment is None:
                abort(404)
            applications = list(
                session.exec(
                    select(PaymentApplication).where(PaymentApplication.payment_id == record_id)
                )
            )
        return self.render("hub/payment.html", payment=payment, applications=applications)


__all__ = ["CustomerView", "InvoiceView", "OverdueBucketFilter", "PaymentView"]
