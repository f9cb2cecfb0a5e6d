"""The sender: claims one message, re-checks every invoice in it, renders and delivers it.

Exactly-once per (invoice, step, channel, recipient) rests on three things: the outbox row is
unique; a message is *claimed* (``sending`` with a lease) before the notifier is called, so a second
worker cannot send it concurrently; the notifier receives the message's stable ``message_key`` as
idempotency key (email ``Message-ID``, SMS idempotency header), so the re-send after a crash between
"accepted" and "recorded" carries the same identity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from hub.collections import suppression as why
from hub.collections.channels import ChannelService
from hub.collections.consent import ConsentLedger, unsubscribe_token
from hub.collections.models import Reminder
from hub.collections.policies import Policy, PolicyService
from hub.collections.rendering import InvoiceLine, Renderer
from hub.collections.settings import CollectionsSettings
from hub.collections.timeline import record_event
from hub.errors import ConfigError, RecipientOptedOut, RecipientRejected, TransientError
from hub.models import Customer, Invoice, utcnow
from hub.notifiers import DeliveryResult, Notifier, OutgoingMessage
from hub.redaction import redact

log = logging.getLogger(__name__)

#: How long a sender reuses the policies it loaded (seconds).
POLICY_CACHE_SECONDS = 10.0

#: ``refresh(engine, connection_id, object_type, external_id)`` re-reads a record from the ERP.
Refresh = Callable[[Engine, int, str, str], Any]


def default_refresh(engine: Engine, connection_id: int, object_type: str, external_id: str) -> Any:
    """The sync engine's targeted refresh (``hub.sync.refresh_record``)."""
    from hub.sync import refresh_record

    return refresh_record(engine, connection_id, object_type, external_id)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | suppressed | skipped | failed | retry | channel_error
    detail: str = ""


class Sender:
    """Delivers outbox messages. Reuse one instance for a batch: notifiers are kept open."""

    def __init__(
        self,
        engine: Engine,
        channels: ChannelService,
        settings: CollectionsSettings | None = None,
        *,
        refresh: Refresh | None = default_refresh,
        instance_path: Path | None = None,
        dry_run: bool = False,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.settings = settings or CollectionsSettings.from_env()
        self.refresh = refresh
        self.renderer = Renderer(instance_path)
        self.dry_run = dry_run
        self.rendered: list[OutgoingMessage] = []
        self._notifiers: dict[str, Notifier] = {}
        self._resolvers: dict[int, tuple[float, Callable[[Customer | None], Policy]]] = {}

    def close(self) -> None:
        for notifier in self._notifiers.values():
            closer = getattr(notifier, "close", None)
            if callable(closer):
                closer()
        self._notifiers.clear()

    def _notifier(self, channel_name: str) -> Notifier:
        if channel_name not in self._notifiers:
            notifier = self.channels.notifier_for(self.channels.get(channel_name))
            opener = getattr(notifier, "open", None)
            if callable(opener):
                opener()
            self._notifiers[channel_name] = notifier
        return self._notifiers[channel_name]

    def _resolver(self, connection_id: int) -> Callable[[Customer | None], Policy]:
        """The policy resolver of a connection, reloaded when older than a few seconds (a batch
        of messages shares it; a policy edit is seen by the next batch)."""
        loaded = self._resolvers.get(connection_id)
        if loaded is None or time.monotonic() - loaded[0] > POLICY_CACHE_SECONDS:
            resolver = PolicyService(self.engine).resolver(connection_id)
            loaded = (time.monotonic(), resolver)
            self._resolvers[connection_id] = loaded
        return loaded[1]

    # --- one message --------------------------------------------------------------------------

    def deliver(self, reminder_id: int, now: datetime | None = None) -> Outcome:
        """Send the message reminder ``reminder_id`` belongs to, if it is still due and owed.

        A transient channel failure returns ``retry``: the rows go back to ``scheduled`` after a
        back-off and the next dispatch pass sends them again, with the same idempotency key.
        """
        now = now or utcnow()
        with Session(self.engine) as session:
            lead = session.get(Reminder, reminder_id)
            if lead is None:
                return Outcome("skipped", "no such reminder")
            key = lead.message_key
        if self.dry_run:
            rows = self._rows(key, ("scheduled", "queued"))
            lease = None
        else:
            lease = self._claim(key, now)
            if lease is None:
                return Outcome("skipped", "already sent, cancelled or being sent")
            rows = self._rows(key, ("sending",), lease)
        if not rows:
            return Outcome("skipped", "nothing to send")
        keep, suppressed = self._recheck(rows, now)
        if suppressed and lease is not None:
            for row, reason in suppressed:
                self._finish([row], lease, status="suppressed", reason=reason)
        if not keep:
            return Outcome("suppressed", ", ".join(sorted({r for _, r in suppressed})))
        message = self._render(keep, now)
        if self.dry_run:
            self.rendered.append(message)
            return Outcome("sent", "dry run")
        assert lease is not None
        return self._send(keep, message, lease, now)

    def _claim(self, key: str, now: datetime) -> datetime | None:
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        with self.engine.begin() as conn:
            outcome = conn.execute(
                update(Reminder)
                .where(
                    col(Reminder.message_key) == key,
                    (col(Reminder.status) == "queued")
                    | ((col(Reminder.status) == "scheduled") & (col(Reminder.scheduled_for) <= now))
                    | ((col(Reminder.status) == "sending") & (col(Reminder.lease_until) < now)),
                    col(Reminder.attempts) < self.settings.max_attempts,
                )
                .values(
                    status="sending",
                    lease_until=lease,
                    attempts=Reminder.attempts + 1,
                    updated_at=now,
                )
            )
        return lease if outcome.rowcount else None

    def _rows(
        self, key: str, statuses: tuple[str, ...], lease: datetime | None = None
    ) -> list[Reminder]:
        query = select(Reminder).where(
            col(Reminder.message_key) == key, col(Reminder.status).in_(statuses)
        )
        if lease is not None:
            query = query.where(col(Reminder.lease_until) == lease)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(query.order_by(col(Reminder.id))).scalars())

    # --- freshness and suppression ------------------------------------------------------------

    def _invoice(self, session: Session, row: Reminder) -> Invoice | None:
        return session.execute(
            select(Invoice).where(
                col(Invoice.connection_id) == row.connection_id,
                col(Invoice.external_id) == row.invoice_external_id,
            )
        ).scalar_one_or_none()

    def _recheck(
        self, rows: list[Reminder], now: datetime
    ) -> tuple[list[tuple[Reminder, Invoice]], list[tuple[Reminder, str]]]:
        from hub.collections.actions import load_active_holds

        keep: list[tuple[Reminder, Invoice]] = []
        suppressed: list[tuple[Reminder, str]] = []
        fresh_after = now - timedelta(seconds=self.settings.freshness_seconds)
        stale_after = now - timedelta(seconds=self.settings.stale_after_seconds)
        resolver = self._resolver(rows[0].connection_id)
        for row in rows:
            with Session(self.engine) as session:
                invoice = self._invoice(session, row)
            if invoice is not None and invoice.synced_at < fresh_after and self.refresh is not None:
                try:
                    self.refresh(self.engine, row.connection_id, "invoice", row.invoice_external_id)
                    with Session(self.engine) as session:
                        invoice = self._invoice(session, row)
                except Exception as exc:  # noqa: BLE001 - any refresh failure means "not verified"
                    log.warning(
                        "refresh of invoice %s failed: %s",
                        row.invoice_external_id,
                        redact(str(exc)),
                    )
                    if invoice is None or invoice.synced_at < stale_after:
                        suppressed.append((row, why.STALE))
                        continue
            with Session(self.engine) as session:
                customer = session.execute(
                    select(Customer).where(
                        col(Customer.connection_id) == row.connection_id,
                        col(Customer.external_id) == (row.customer_external_id or ""),
                    )
                ).scalar_one_or_none()
                holds = load_active_holds(
                    session,
                    row.connection_id,
                    [row.customer_external_id or ""],
                    [row.invoice_external_id],
                )
            policy = resolver(customer)
            reason = why.invoice_reason(invoice, policy.settings.min_amount_due)
            if reason is None and invoice is not None:
                reason = why.hold_reason(invoice, customer, holds, now.date())
            if (
                reason is None
                and row.recipient
                and ConsentLedger(self.engine).opted_out([row.recipient], row.channel)
            ):
                reason = why.OPTED_OUT
            if reason is None and invoice is not None:
                keep.append((row, invoice))
            else:
                suppressed.append((row, reason or why.DELETED))
        return keep, suppressed

    # --- rendering and delivery ---------------------------------------------------------------

    def _render(self, keep: list[tuple[Reminder, Invoice]], now: datetime) -> OutgoingMessage:
        first, _ = keep[0]
        with Session(self.engine) as session:
            customer = session.execute(
                select(Customer).where(
                    col(Customer.connection_id) == first.connection_id,
                    col(Customer.external_id) == (first.customer_external_id or ""),
                )
            ).scalar_one_or_none()
        policy = self._resolver(first.connection_id)(customer)
        lines = [
            InvoiceLine(
                inv.number or inv.external_id,
                inv.due_date,
                inv.amount_due or inv.total or Decimal(0),
                inv.currency or (customer.currency if customer else None) or "USD",
            )
            for _, inv in keep
        ]
        locale = (
            str((customer.data or {}).get("locale") or policy.settings.locale)
            if customer
            else policy.settings.locale
        )
        kwargs: dict[str, Any] = {
            "template": first.template or "overdue",
            "customer_name": customer.name if customer else "",
            "invoices": lines,
            "today": now.date(),
            "locale": locale,
            "company_name": policy.settings.company_name,
        }
        rendered = (
            self.renderer.email(**kwargs)
            if first.channel == "email"
            else self.renderer.sms(**kwargs)
        )
        to = first.recipient
        text = rendered.text
        safe = self.settings.safe_mode_address(first.channel)
        if safe:
            text = f"[safe mode: for {to}]\n{text}"
            to = safe
        headers: dict[str, str] = {}
        if first.channel == "email":
            headers["X-Hub-Reminder"] = first.message_key
            if self.settings.public_url and to:
                token = unsubscribe_token(to, "email")
                headers["List-Unsubscribe"] = f"<{self.settings.public_url}/unsubscribe/{token}>"
        return OutgoingMessage(
            to=to,
            subject=rendered.subject,
            text=text,
            html=rendered.html,
            idempotency_key=first.message_key,
            headers=headers,
        )

    def _send(
        self,
        keep: list[tuple[Reminder, Invoice]],
        message: OutgoingMessage,
        lease: datetime,
        now: datetime,
    ) -> Outcome:
        rows = [r for r, _ in keep]
        first = rows[0]
        if not first.channel_name:
            self._finish(rows, lease, status="suppressed", reason=why.NO_CHANNEL)
            return Outcome("suppressed", why.NO_CHANNEL)
        try:
            notifier = self._notifier(first.channel_name)
            result = notifier.send(message)
        except TransientError as exc:
            return self._retry_later(rows, lease, now, redact(str(exc)))
        except RecipientOptedOut as exc:
            ConsentLedger(self.engine).record(
                first.recipient,
                first.channel,
                "opt_out",
                actor="provider",
                method="provider_error",
                detail=redact(str(exc)),
            )
            self._finish(rows, lease, status="suppressed", reason=why.OPTED_OUT)
            return Outcome("suppressed", why.OPTED_OUT)
        except RecipientRejected as exc:
            self._finish(
                rows, lease, status="failed", reason="recipient_rejected", error=redact(str(exc))
            )
            return Outcome("failed", redact(str(exc)))
        except ConfigError as exc:  # the channel is misconfigured: not the message's fault
            self._finish(
                rows, lease, status="scheduled", error=redact(str(exc)), refund_attempt=True
            )
            return Outcome("channel_error", redact(str(exc)))
        except Exception as exc:
            self._retry_later(rows, lease, now, redact(str(exc)))
            raise
        self._finish(rows, lease, status="sent", provider_id=result.provider_id, keep=keep)
        self._announce_sent(rows, first.channel_name, result)
        return Outcome("sent", result.provider_id)

    def _announce_sent(
        self, rows: list[Reminder], channel_name: str, result: DeliveryResult
    ) -> None:
        """Fire ``reminder_sent`` for each row that this attempt recorded as sent."""
        ids = [r.id for r in rows]
        with Session(self.engine) as session:
            sent = session.execute(
                select(Reminder)
                .where(col(Reminder.id).in_(ids), col(Reminder.status) == "sent")
                .order_by(col(Reminder.id))
            ).scalars()
            snapshots = [_snapshot(r) for r in sent]
        for snapshot in snapshots:
            self.channels.host.reminder_sent(snapshot, channel_name, result)

    def _retry_later(
        self, rows: list[Reminder], lease: datetime, now: datetime, error: str
    ) -> Outcome:
        """A failed attempt: back to ``scheduled`` after a back-off (the outbox, not the queue,
        owns retries), or ``failed`` once ``max_attempts`` are used up."""
        attempts = max(r.attempts for r in rows)
        if attempts >= self.settings.max_attempts:
            self._finish(rows, lease, status="failed", reason=why.RETRIES_EXHAUSTED, error=error)
            return Outcome("failed", error)
        when = now + self.settings.retry_delay(attempts)
        self._finish(rows, lease, status="scheduled", error=error, scheduled_for=when)
        return Outcome("retry", error)

    def _finish(
        self,
        rows: list[Reminder],
        lease: datetime,
        *,
        status: str,
        reason: str | None = None,
        error: str | None = None,
        provider_id: str | None = None,
        keep: list[tuple[Reminder, Invoice]] | None = None,
        scheduled_for: datetime | None = None,
        refund_attempt: bool = False,
    ) -> None:
        now = utcnow()
        amounts = {r.id: inv.amount_due for r, inv in keep or []}
        with Session(self.engine) as session:
            for row in rows:
                values: dict[str, Any] = {"status": status, "updated_at": now, "lease_until": None}
                if reason is not None:
                    values["reason"] = reason
                if error is not None:
                    values["error"] = error
                if scheduled_for is not None:
                    values["scheduled_for"] = scheduled_for
                if refund_attempt:
                    values["attempts"] = Reminder.attempts - 1
                if status == "sent":
                    values.update(
                        provider_id=provider_id, sent_at=now, amount_due=amounts.get(row.id)
                    )
                session.execute(
                    update(Reminder)
                    .where(
                        col(Reminder.id) == row.id,
                        col(Reminder.status) == "sending",
                        col(Reminder.lease_until) == lease,
                    )
                    .values(**values)
                )
                if status in ("sent", "suppressed", "failed"):
                    what = {
                        "sent": "sent",
                        "suppressed": f"suppressed ({reason})",
                        "failed": "failed",
                    }[status]
                    record_event(
                        session,
                        row.connection_id,
                        row.customer_external_id,
                        f"reminder_{status}",
                        f"{row.step_key} {row.channel} reminder to {row.recipient or 'nobody'} {what}",
                        invoice_external_id=row.invoice_external_id,
                        actor="system",
                        data={"reminder_id": row.id, "message_key": row.message_key},
                    )
            session.commit()


def _snapshot(row: Reminder) -> dict[str, Any]:
    """The plain-data view of an outbox row handed to ``reminder_sent`` implementations."""
    fields = (
        "id",
        "connection_id",
        "invoice_external_id",
        "customer_external_id",
        "step_key",
        "channel",
        "recipient",
        "message_key",
        "amount_due",
        "sent_at",
    )
    return {name: getattr(row, name) for name in fields}


__all__ = ["Outcome", "Refresh", "Sender", "default_refresh"]
