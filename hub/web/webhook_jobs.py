"""The worker side of a webhook: refresh the named record, and for a payment its invoices too.

A source reports a payment as one change (NetSuite's user-event script fires on the customer
payment only), yet the payment moves the balance and status of every invoice it applies to.
Refreshing just the payment would leave those invoices open in the hub until the next sync, so
the invoices the payment applied to before and after the refresh are re-read as well.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.models import Payment, PaymentApplication


def applied_invoices(engine: Engine, connection_id: int, payment_external_id: str) -> set[str]:
    """External ids of the invoices the stored payment applies to (empty if not stored)."""
    with Session(engine) as session:
        query = (
            select(PaymentApplication.invoice_external_id)
            .join(Payment, Payment.id == PaymentApplication.payment_id)  # type: ignore[arg-type]
            .where(
                Payment.connection_id == connection_id,
                Payment.external_id == payment_external_id,
            )
        )
        return set(session.exec(query).all())


def refresh_from_webhook(connection_id: int, object_type: str, external_id: str) -> None:
    """Refresh one record from the source; for a payment, also the invoices it applies to."""
    from hub.jobs import budget_context, job_engine
    from hub.sync.targeted import refresh_record

    engine = job_engine()
    context = budget_context(engine, connection_id)
    before = (
        applied_invoices(engine, connection_id, external_id) if object_type == "payment" else set()
    )
    refresh_record(engine, connection_id, object_type, external_id, context=context)
    if object_type != "payment":
        return
    for invoice_id in sorted(before | applied_invoices(engine, connection_id, external_id)):
        refresh_record(engine, connection_id, "invoice", invoice_id, context=context)


__all__ = ["applied_invoices", "refresh_from_webhook"]
