"""Collector actions: pause/resume, disputes, promises to pay and notes; each goes on the timeline.

Holds are evaluated by the planner and again by the sender just before a message goes out, so an
action taken after a reminder was planned still stops it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.collections.models import CollectionsHold
from hub.collections.timeline import record_event
from hub.errors import ConfigError
from hub.models import Customer, Invoice, utcnow

OPEN_STATUSES = ("open", "partially_paid")


@dataclass
class ActiveHolds:
    """Active holds for a set of customers and invoices, keyed by external id."""

    customer: dict[str, list[CollectionsHold]] = field(default_factory=dict)
    invoice: dict[str, list[CollectionsHold]] = field(default_factory=dict)


def load_active_holds(
    session: Session,
    connection_id: int,
    customer_ids: Iterable[str],
    invoice_ids: Iterable[str],
) -> ActiveHolds:
    """Every active hold on the given customers and invoices (in chunks, one query each)."""
    holds = ActiveHolds()
    for scope, ids, target in (
        ("customer", customer_ids, holds.customer),
        ("invoice", invoice_ids, holds.invoice),
    ):
        keys = sorted(set(ids))
        for i in range(0, len(keys), 500):
            rows = session.exec(
                select(CollectionsHold).where(
                    col(CollectionsHold.connection_id) == connection_id,
                    col(CollectionsHold.scope) == scope,
                    col(CollectionsHold.status) == "active",
                    col(CollectionsHold.external_id).in_(keys[i : i + 500]),
                )
            )
            for row in rows:
                target.setdefault(row.external_id, []).append(row)
    return holds


class CollectorActions:
    """What a collector can do about one connection's customers and invoices."""

    def __init__(self, engine: Engine, connection_id: int, actor: str = "cli") -> None:
        self.engine = engine
        self.connection_id = connection_id
        self.actor = actor

    def _customer_of(self, session: Session, scope: str, external_id: str) -> str:
        model = Customer if scope == "customer" else Invoice
        row = session.exec(
            select(model).where(
                model.connection_id == self.connection_id, model.external_id == external_id
            )
        ).first()
        if row is None:
            raise ConfigError(f"no {scope} with external id {external_id!r} in this connection")
        if isinstance(row, Invoice):
            return row.customer_external_id or ""
        return row.external_id

    def _add_hold(
        self,
        scope: str,
        external_id: str,
        kind: str,
        message: str,
        *,
        reason: str = "",
        until: date | None = None,
        amount: Decimal | None = None,
    ) -> CollectionsHold:
        with Session(self.engine, expire_on_commit=False) as session:
            customer = self._customer_of(session, scope, external_id)
            hold = CollectionsHold(
                connection_id=self.connection_id,
                scope=scope,
                external_id=external_id,
                kind=kind,
                reason=reason,
                until=until,
                amount=amount,
                actor=self.actor,
            )
            session.add(hold)
            record_event(
                session,
                self.connection_id,
                customer,
                kind,
                message,
                invoice_external_id=external_id if scope == "invoice" else None,
                actor=self.actor,
                data={
                    "reason": reason,
                    "until": until.isoformat() if until else None,
                    "amount": str(amount) if amount is not None else None,
                },
            )
            session.commit()
            return hold

    def pause(
        self, scope: str, external_id: str, reason: str = "", until: date | None = None
    ) -> CollectionsHold:
        """Stop chasing a customer or an invoice (until resumed, or until ``until`` if given)."""
        _check_scope(scope)
        text = f"chasing paused for {scope} {external_id}" + (f" until {until}" if until else "")
        return self._add_hold(scope, external_id, "pause", text, reason=reason, until=until)

    def resume(self, scope: str, external_id: str) -> int:
        """End every active pause on a customer or invoice; returns how many ended."""
        _check_scope(scope)
        return self._end(
            scope, external_id, "pause", "released", f"chasing resumed for {scope} {external_id}"
        )

    def dispute(self, invoice_external_id: str, reason: str) -> CollectionsHold:
        """Record a dispute: the invoice is not chased until the dispute is resolved."""
        if not reason.strip():
            raise ConfigError("a dispute needs a reason")
        return self._add_hold(
            "invoice",
            invoice_external_id,
            "dispute",
            f"invoice {invoice_external_id} disputed: {reason}",
            reason=reason,
        )

    def resolve_dispute(self, invoice_external_id: str) -> int:
        return self._end(
            "invoice",
            invoice_external_id,
            "dispute",
            "released",
            f"dispute on invoice {invoice_external_id} resolved",
        )

    def promise(
        self, invoice_external_id: str, until: date, amount: Decimal | None = None
    ) -> CollectionsHold:
        """Record a promise to pay by ``until``: chasing pauses until then, and resumes by itself
        if the invoice is still open afterwards (the promise is then marked broken)."""
        text = f"promise to pay invoice {invoice_external_id} by {until}" + (
            f" ({amount})" if amount is not None else ""
        )
        return self._add_hold(
            "invoice", invoice_external_id, "promise", text, until=until, amount=amount
        )

    def note(
        self, customer_external_id: str, text: str, invoice_external_id: str | None = None
    ) -> None:
        """Add a free-text note to a customer's timeline."""
        with Session(self.engine) as session:
            self._customer_of(session, "customer", customer_external_id)
            record_event(
                session,
                self.connection_id,
                customer_external_id,
                "note",
                text,
                invoice_external_id=invoice_external_id,
                actor=self.actor,
            )
            session.commit()

    def _end(self, scope: str, external_id: str, kind: str, status: str, message: str) -> int:
        with Session(self.engine) as session:
            customer = self._customer_of(session, scope, external_id)
            rows = list(
                session.exec(
                    select(CollectionsHold).where(
                        col(CollectionsHold.connection_id) == self.connection_id,
                        col(CollectionsHold.scope) == scope,
                        col(CollectionsHold.external_id) == external_id,
                        col(CollectionsHold.kind) == kind,
                        col(CollectionsHold.status) == "active",
                    )
                )
            )
            for row in rows:
                row.status, row.ended_at = status, utcnow()
                session.add(row)
            if rows:
                record_event(
                    session,
                    self.connection_id,
                    customer,
                    f"{kind}_ended",
                    message,
                    invoice_external_id=external_id if scope == "invoice" else None,
                    actor=self.actor,
                )
            session.commit()
            return len(rows)


def settle_expired_holds(engine: Engine, connection_id: int, today: date) -> dict[str, int]:
    """End holds whose date has passed: a promise is ``kept`` if its invoice is no longer open,
    else ``broken`` (and chasing resumes); a dated pause is ``released``."""
    counts = {"kept": 0, "broken": 0, "released": 0}
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(CollectionsHold).where(
                    col(CollectionsHold.connection_id) == connection_id,
                    col(CollectionsHold.status) == "active",
                    col(CollectionsHold.until) < today,
                )
            )
        )
        for hold in rows:
            customer: str | None = hold.external_id if hold.scope == "customer" else None
            if hold.kind == "promise":
                invoice = session.exec(
                    select(Invoice).where(
                        col(Invoice.connection_id) == connection_id,
                        col(Invoice.external_id) == hold.external_id,
                    )
                ).first()
                customer = invoice.customer_external_id if invoice else None
                still_open = (
                    invoice is not None
                    and not invoice.is_deleted
                    and (invoice.status in OPEN_STATUSES)
                )
                hold.status = "broken" if still_open else "kept"
                message = (
                    f"promise to pay invoice {hold.external_id} by {hold.until} was broken; "
                    "chasing resumes"
                    if still_open
                    else f"promise to pay invoice {hold.external_id} was kept"
                )
                kind = "promise_broken" if still_open else "promise_kept"
            elif hold.kind == "pause":
                hold.status = "released"
                message = f"pause of {hold.scope} {hold.external_id} ended on {hold.until}"
                kind = "pause_ended"
            else:
                continue
            hold.ended_at = utcnow()
            counts[hold.status] += 1
            session.add(hold)
            record_event(
                session,
                connection_id,
                customer,
                kind,
                message,
                invoice_external_id=hold.external_id if hold.scope == "invoice" else None,
                actor="system",
            )
        session.commit()
    return counts


def _check_scope(scope: str) -> None:
    if scope not in ("customer", "invoice"):
        raise ConfigError("scope must be 'customer' or 'invoice'")


__all__ = [
    "OPEN_STATUSES",
    "ActiveHolds",
    "CollectorActions",
    "load_active_holds",
    "settle_expired_holds",
]
