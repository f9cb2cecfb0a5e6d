"""Why a reminder must not go out: one reason code per case (see docs/collections.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hub.collections.actions import OPEN_STATUSES, ActiveHolds
from hub.models import Customer, Invoice

#: Custom field (customer or invoice) that pauses chasing when truthy, set in the ERP.
PAUSE_FIELD = "custentity_collections_pause"

PAID = "paid"
BELOW_THRESHOLD = "partially_paid_below_threshold"
VOID = "void"
DELETED = "deleted_at_source"
PENDING_APPROVAL = "pending_approval"
DISPUTED = "disputed"
PROMISE = "promise_to_pay"
CUSTOMER_PAUSED = "customer_paused"
INVOICE_PAUSED = "invoice_paused"
OPTED_OUT = "opted_out"
NO_CONTACT = "no_contact"
NO_CHANNEL = "no_channel"
STALE = "stale_data"
#: Not a suppression: the message failed ``max_attempts`` times (``failed`` rows only).
RETRIES_EXHAUSTED = "retries_exhausted"

#: Reasons that may lift while a step is still due: such reminders are ``held`` and re-checked.
HOLD_REASONS = frozenset({PENDING_APPROVAL, DISPUTED, PROMISE, CUSTOMER_PAUSED, INVOICE_PAUSED})
REASONS = (
    PAID,
    BELOW_THRESHOLD,
    VOID,
    DELETED,
    PENDING_APPROVAL,
    DISPUTED,
    PROMISE,
    CUSTOMER_PAUSED,
    INVOICE_PAUSED,
    OPTED_OUT,
    NO_CONTACT,
    NO_CHANNEL,
    STALE,
)


def truthy(value: Any) -> bool:
    """NetSuite checkbox values (``True``, ``"T"``) and common spellings of yes."""
    if isinstance(value, str):
        return value.strip().lower() in ("t", "true", "yes", "y", "1")
    return bool(value)


def invoice_reason(invoice: Invoice | None, min_amount_due: Decimal | None = None) -> str | None:
    """A reason from the invoice's own state (paid, void, deleted, ...), or ``None`` if chaseable."""
    if invoice is None or invoice.is_deleted:
        return DELETED
    if invoice.status == "void":
        return VOID
    if invoice.status == "paid" or (invoice.amount_due is not None and invoice.amount_due <= 0):
        return PAID
    if invoice.status == "pending_approval":
        return PENDING_APPROVAL
    if invoice.status not in OPEN_STATUSES:
        return PAID
    if min_amount_due is not None and invoice.amount_due is not None:
        partially_paid = invoice.total is not None and invoice.amount_due < invoice.total
        if partially_paid and invoice.amount_due < min_amount_due:
            return BELOW_THRESHOLD
    return None


def hold_reason(
    invoice: Invoice, customer: Customer | None, holds: ActiveHolds, today: date
) -> str | None:
    """A reason from collector actions and pause fields, or ``None``."""
    if customer is not None:
        if truthy((customer.custom_fields or {}).get(PAUSE_FIELD)):
            return CUSTOMER_PAUSED
        for hold in holds.customer.get(customer.external_id, []):
            if hold.kind == "pause" and (hold.until is None or hold.until >= today):
                return CUSTOMER_PAUSED
    if truthy((invoice.custom_fields or {}).get(PAUSE_FIELD)):
        return INVOICE_PAUSED
    for hold in holds.invoice.get(invoice.external_id, []):
        if hold.kind == "dispute":
            return DISPUTED
        if hold.kind == "promise" and hold.until is not None and hold.until >= today:
            return PROMISE
        if hold.kind == "pause" and (hold.until is None or hold.until >= today):
            return INVOICE_PAUSED
    return None


__all__ = [
    "HOLD_REASONS",
    "PAUSE_FIELD",
    "REASONS",
    "hold_reason",
    "invoice_reason",
    "truthy",
]
